"""The one pipeline from a project to drafts: plan → execute → render → finish.

plan.py     which query jobs a run needs: the report's queries, their comparison runs and
            the rules' queries, for one implicit unit (a whole report) or for many units,
            `-- per:` queries and their comparison runs grouped once for all units
execute.py  runs a plan's jobs (drafter.data.runner: sources in parallel) and hands each
            unit its results
render.py   a project's templates made ready once; renders one draft from one unit's run,
            the figure registry passed per render
finish.py   the consistency rules, the warnings, the manifest, the atomic write
build.py    `build` (a plan with one unit) and `build_units` (N units on a process pool)
"""
