"""`refresh`: a copy of an edited draft with the figures brought up to date — `drafter refresh`.

When data change after editors have worked on a draft, rebuilding would lose every edit. Refresh
checks the draft (drafter.review.checker) and writes a copy in which

- every figure whose data changed (数据已变化) gets the current text inside its content control,
  the run's formatting kept; the editors' prose and formatting elsewhere are untouched;
- a figure edited by hand (手工修改) is kept as the editor left it and flagged by a Word comment
  giving what the data now say;
- a wording whose condition now takes another branch (措辞已变化) is not rewritten but flagged by
  a Word comment giving the wording the data now give, and so is a figure that drops out with it;
  every other finding of the check (a number without a source, a deleted figure, a failed rule)
  is commented as `check --annotate` would;
- a figure that cannot be checked now (its query fails: the database is unreachable, a view
  errors) is kept as the draft has it and flagged by a Word comment giving the query's failure;
  the copy is then written, but the refresh is incomplete (exit code 2, as check gives it);
- a sentence of the templates' plain text the editors reworded is kept and not commented;
- the manifest records the new texts and values, so `check` on the copy finds only the flagged
  items and the editors' rewordings (which a reviewer still sees).

The input draft is never modified; the copy never replaces an existing file unless `force`.
A draft whose controls an office suite dropped cannot be refreshed in place (check it instead).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from lxml import etree

from drafter.data.figures import json_value
from drafter.data.runner import FAILED_AT_SOURCE, RunResult
from drafter.errors import DataError, DrafterError, DraftError
from drafter.outputs import check_output_name
from drafter.project.config import Config
from drafter.review.annotate import (
    _comment,
    _comment_on_control,
    _comment_rules,
    _finding_text,
    remove_own_comments,
    wording_comment,
)
from drafter.review.batch import (
    SharedRunner,
    config_loads,
    draft_paths,
    each_draft,
    project_unit_names,
    told_once,
)
from drafter.review.checker import (
    CONSISTENT,
    CONTROLS,
    COPIED,
    EDITED,
    MOVED,
    REMOVED,
    STALE,
    UNCHECKED,
    CheckReport,
    FigureCheck,
    LoadedProject,
    UnbackedNumber,
    check,
    open_draft,
)
from drafter.review.rules import rules_count
from drafter.review.scan import body_paragraphs, scan_document
from drafter.review.tables import TableFinding
from drafter.review.wordings import WordingCheck
from drafter.word.document import save_new
from drafter.word.manifest import ReadEntry, read_manifest, write_manifest
from drafter.word.nobreak import rejoin_paragraph

_T, _R, _RPR, _SDT_CONTENT = qn("w:t"), qn("w:r"), qn("w:rPr"), qn("w:sdtContent")
_P = qn("w:p")
_TAB, _BR, _CR = qn("w:tab"), qn("w:br"), qn("w:cr")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass
class RefreshResult:
    draft: Path
    path: Path
    requested_path: Path
    report: CheckReport  # the check of the input draft the copy was made from
    updated: list[FigureCheck] = field(default_factory=list)
    kept: list[FigureCheck] = field(default_factory=list)  # edited by hand: kept, flagged
    dropped: list[FigureCheck] = field(default_factory=list)  # printed in a wording the data no longer choose
    reworded: list[WordingCheck] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)  # rules the current data fail: commented
    other: list[Any] = field(default_factory=list)  # numbers without a source, deleted figures: commented
    unchecked: list[FigureCheck] = field(default_factory=list)  # its query failed now: kept as it is, commented

    @property
    def renamed(self) -> bool:
        return self.path != self.requested_path

    @property
    def flagged(self) -> int:
        return len(self.kept) + len(self.dropped) + len(self.reworded) + len(self.rules) + len(self.other)

    def summary(self) -> str:
        parts = [f"更新数字 {len(self.updated)} 个"]
        if self.kept:
            parts.append(f"保留手工修改 {len(self.kept)} 处（已加批注）")
        if self.reworded:
            parts.append(f"措辞已变化 {len(self.reworded)} 处（未改写，已加批注给出现在的措辞）")
        if self.dropped:
            parts.append(f"随条件变化不再出现的数字 {len(self.dropped)} 个（已加批注）")
        if self.rules:
            parts.append(f"{rules_count(self.rules)}（已加批注）")
        if self.other:
            parts.append(f"其他发现（无来源数字、已删除的数字、表格的行）{len(self.other)} 处（已加批注，未改动）")
        if self.unchecked:
            reasons = list(dict.fromkeys(f.note for f in self.unchecked if f.note))
            why = "；".join(reasons[:2]) + (f" 等 {len(reasons)} 条原因" if len(reasons) > 2 else "")
            parts.append(f"无法核对 {len(self.unchecked)} 个（未更新，保留草稿中的数字，已加批注：{why}）")
        return "；".join(parts) + "。"


REFRESHED = "（更新）"  # the copy's name: the draft's, this added to its stem


def refreshed_path(draft: Path) -> Path:
    return draft.with_name(f"{draft.stem}{REFRESHED}{draft.suffix}")


def _set_text(controls: list[etree._Element], text: str, placeholder: bool) -> None:
    """Put `text` in a figure's control, formatted like its first run; the copies LibreOffice 7.4
    makes of a split control are removed. A placeholder is highlighted, a figure is not."""
    first, *copies = controls
    for extra in copies:
        extra.getparent().remove(extra)
    content = first.find(_SDT_CONTENT)
    runs = list(content.iter(_R)) if content is not None else []
    if not runs:
        return
    for r in runs:  # tabs and breaks belong to the old text
        for el in [c for c in r if c.tag in (_TAB, _BR, _CR)]:
            r.remove(el)
    texts = [t for r in runs for t in r.iter(_T)]
    if not texts:
        texts = [etree.SubElement(runs[0], _T)]
    texts[0].text = text
    texts[0].set(_XML_SPACE, "preserve")
    for t in texts[1:]:
        t.getparent().remove(t)
    for r in runs:
        if placeholder:
            r.get_or_add_rPr().get_or_add_highlight().val = WD_COLOR_INDEX.YELLOW
            continue
        rpr = r.find(_RPR)
        highlight = rpr.find(qn("w:highlight")) if rpr is not None else None
        if highlight is not None:
            rpr.remove(highlight)


def _edited_comment(fc: FigureCheck) -> str:
    lines = [
        f"【{fc.status}，已保留】{fc.id} {fc.description}",
        f"草稿：“{fc.draft_text}”；生成时：“{fc.built_text}”；当前数据：“{fc.current_text or '—'}”",
    ]
    if fc.note.strip():
        lines.append(fc.note.strip())
    lines.append("刷新时没有改动这个数字：请核实改动的依据。")
    return "\n".join(lines)


def _unchecked_comment(fc: FigureCheck) -> str:
    return "\n".join(
        [
            f"【{UNCHECKED}，未更新】{fc.id} {fc.description}",
            f"草稿：“{fc.draft_text}”；生成时：“{fc.built_text}”",
            fc.note.strip(),
            "刷新时没有改动这个数字：查询恢复后请重新运行 drafter refresh 或 drafter check。",
        ]
    )


def _dropped_comment(fc: FigureCheck) -> str:
    return "\n".join([f"【{STALE}】{fc.id} {fc.description}", fc.note.strip(), "刷新时没有删改这个数字。"])


def _open_for_refresh(draft: Path, report: CheckReport):
    if report.mode != CONTROLS:
        raise DraftError(
            "草稿中的内容控件或清单已被去掉，无法就地更新数字",
            path=draft,
            hint="用 drafter check 核对（段落比对模式）后手工修改，或重新生成草稿。",
        )
    document, sha = open_draft(draft)
    if sha != report.sha256:
        raise DraftError("草稿在核对过程中被改动过", path=draft, hint="请关闭编辑后重新运行 drafter refresh。")
    manifest = read_manifest(document)
    if manifest is None:  # the controls are there but not the record of what they held
        raise DraftError(
            "草稿中的清单已被去掉，无法就地更新数字",
            path=draft,
            hint="用 drafter check 核对后手工修改，或重新生成草稿。",
        )
    return document, manifest


def _comment_by_place(document, report: CheckReport, result: RefreshResult) -> None:
    """Comments placed by character offsets go first, while the draft's text is as checked: changed
    wordings, numbers typed without a source, figures whose control an editor deleted, tables."""
    paragraphs = body_paragraphs(document)
    for item in report.findings:
        if isinstance(item, WordingCheck) and item.plain:
            continue  # the editors' own prose: kept as it is, uncommented (check still tells it)
        if isinstance(item, WordingCheck):
            text = wording_comment(item)
            result.reworded.append(item)
        elif isinstance(item, (UnbackedNumber, TableFinding)) or item.status == REMOVED:
            text = _finding_text(item)
            result.other.append(item)
        else:
            continue
        anchor = paragraphs[item.paragraph] if item.paragraph is not None else (paragraphs[0] if paragraphs else None)
        if anchor is not None:
            _comment(document, anchor, item.span, text)


def _update_figures(document, report: CheckReport, manifest, result: RefreshResult) -> None:
    """The current text into each stale figure's control (the one in its own sentence); a comment
    on every hand edit, copy, move and figure its wording dropped."""
    controls: dict[tuple[str, int], list[etree._Element]] = {}
    for p in scan_document(document):
        for span in p.figures:
            controls.setdefault((span.id, p.index), span.controls)
    figures = {f.id: f for f in manifest.figures}
    retyped: list[etree._Element] = []  # paragraphs a new figure text went into
    for fc in report.figures:
        entry = figures.get(fc.id) if fc.status not in (COPIED, MOVED) else None
        found = controls.get((fc.id, fc.paragraph if fc.paragraph is not None else -1))
        if fc.status == STALE and fc.current_text is not None and found:
            _set_text(found, fc.current_text, fc.current_text.startswith("【待补充"))
            paragraph = next(found[0].iterancestors(_P), None)
            if paragraph is not None and not any(paragraph is q for q in retyped):
                retyped.append(paragraph)
            if entry is not None:
                entry.text, entry.value = fc.current_text, fc.current_value
                entry.placeholder = fc.current_text.startswith("【待补充")
            result.updated.append(fc)
        elif fc.status == STALE and found:  # its wording changed branch: flagged, not deleted
            _comment_on_control(document, found[0], _dropped_comment(fc))
            result.dropped.append(fc)
        elif fc.status in (EDITED, COPIED, MOVED) and found:
            _comment_on_control(document, found[0], _edited_comment(fc))
            result.kept.append(fc)
        elif fc.status == UNCHECKED:  # kept as the draft has it, said so
            if found:
                _comment_on_control(document, found[0], _unchecked_comment(fc))
            result.unchecked.append(fc)
        elif fc.status == CONSISTENT and entry is not None and fc.current_value is not None:
            entry.value = fc.current_value  # the same text from another raw value
    for paragraph in retyped:  # the new figures held on one line with their units, as a build holds them
        rejoin_paragraph(paragraph)


def _record_run(manifest, report: CheckReport) -> None:
    """The manifest now says what the copy holds: queries as run now, wordings whose branch still
    holds with the values read now; changed wordings and hand edits keep their built record."""
    run = report.run
    for name, query in manifest.queries.items():
        current = run.results.get(name) if run is not None else None
        if current is not None and current.ok:
            query.sql, query.sql_hash, query.params = current.sql, current.sql_hash, current.json_params()
            query.columns = current.columns
    reads = {w.id: w.current_reads for w in report.wordings if not w.finding}
    for wording in manifest.wordings:
        if wording.id in reads:
            wording.reads = [ReadEntry(ref=r, value=json_value(v)) for r, v in reads[wording.id]]
    manifest.rules = [r.to_json() for r in report.rules]


def refresh(
    draft: str | Path,
    output: str | Path | None = None,
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    force: bool = False,
    clock: Any = None,
    runner: Callable[..., RunResult] | None = None,
    projects: dict[tuple, LoadedProject] | None = None,
) -> RefreshResult:
    """Write a refreshed copy of `draft` (see the module docstring); returns where it went.
    `runner` stands in for `run_jobs` and `projects` keeps the loaded projects (refresh_many
    shares both between drafts)."""
    draft = Path(draft)
    requested = Path(output) if output is not None else refreshed_path(draft)
    check_output_name(
        requested, (".docx",), "更新后的草稿", "-o 草稿（更新）.docx", protected=(draft,), hint="原草稿不会被改动。"
    )
    report = check(draft, config, sources=sources, runner=runner, projects=projects)
    _refuse_if_nothing_checked(draft, report)
    document, manifest = _open_for_refresh(draft, report)
    result = RefreshResult(draft, requested, requested, report)
    remove_own_comments(document)
    _comment_by_place(document, report, result)
    _update_figures(document, report, manifest, result)
    _record_run(manifest, report)
    if report.rules:
        _comment_rules(document, manifest.rules, manifest.figures)
        result.rules = list(report.rules)
    now = (clock or dt.datetime.now)()
    manifest.refreshed_at = now.isoformat(timespec="seconds")
    manifest.refreshed_from = draft.name
    write_manifest(document, manifest)
    result.path = save_new(document, requested, force=force)
    return result


class NothingChecked(DataError):
    """Not one figure of the draft could be checked: no copy was written. Its check report goes
    with it, for a batch to tell a source out of reach once (report_text.unreachable_sources)."""

    def __init__(self, report: CheckReport, draft: Path) -> None:
        # what failed, once: a source out of reach fails each query alike (查询 q 失败：<the same>)
        reasons = list(dict.fromkeys(FAILED_AT_SOURCE.sub("", f.note) for f in report.figures if f.note))
        super().__init__(
            f"草稿中的 {len(report.figures)} 个数字都无法核对，未写出更新后的副本",
            path=draft,
            cause=reasons[0] + (f" 等 {len(reasons)} 条原因" if len(reasons) > 1 else "") if reasons else None,
            hint="数据库（或表格文件）恢复、查询能运行后再运行 drafter refresh；原草稿未改动。",
        )
        self.report = report


def _refuse_if_nothing_checked(draft: Path, report: CheckReport) -> None:
    """No copy when not one figure could be checked (the databases out of reach, every query
    failing): it would update nothing, and each retry would leave one more such copy."""
    if report.figures and all(f.status == UNCHECKED for f in report.figures):
        raise NothingChecked(report, draft)


def drafts_to_refresh(arguments: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """The drafts a command line names (drafter.review.batch.draft_paths), and apart the files of
    a folder that are copies an earlier refresh wrote beside a draft of the same folder
    (`草稿（更新）.docx`, `草稿（更新）-2.docx`): refreshing those again would only copy a copy."""
    drafts: list[Path] = []
    skipped: list[Path] = []
    for argument in map(Path, arguments):
        found = draft_paths([argument])
        if not argument.is_dir():
            drafts += found
            continue
        stems = {p.stem for p in found}
        for p in found:
            copy = re.fullmatch(rf"(.+){REFRESHED}(?:-\d+)?", p.stem)  # -2, -3: beside a taken name
            (skipped if copy and copy[1] in stems else drafts).append(p)
    return drafts, skipped


def _output_folder(folder: Path) -> Path:
    """The folder the copies of many drafts go to, made if missing; a file there is refused."""
    if folder.exists() and not folder.is_dir():
        raise DrafterError(
            "更新多份草稿时，-o 须是文件夹",
            path=folder,
            hint="写一个文件夹，如 -o 更新后/；每份副本在其中沿用“…（更新）.docx”的名称。",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DrafterError("无法建立输出文件夹", path=folder, cause=str(exc), hint="检查路径和写权限。") from exc
    return folder


@dataclass
class BatchRefresh:
    """The refreshed copies of many drafts, in the order the drafts were given."""

    results: list[RefreshResult]
    errors: list[tuple[Path, DrafterError]] = field(default_factory=list)  # drafts that could not be refreshed
    queries_run: int = 0
    queries_reused: int = 0
    elapsed: float = 0.0
    # The rows grouped queries left to no unit, told once for the batch (not in each draft's warnings).
    unmatched_keys: list[str] = field(default_factory=list)


def refresh_many(
    drafts: Sequence[str | Path],
    output_dir: str | Path | None = None,
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    force: bool = False,
    clock: Any = None,
    on_done: Callable[[Path], None] | None = None,
) -> BatchRefresh:
    """A refreshed copy of every draft of `drafts`, each written as `refresh` writes one (beside
    its draft, or in `output_dir` under the same name). The queries run as a batch check runs
    them (drafter.review.batch.SharedRunner): a query with the same SQL and parameters once for
    all the drafts, a `-- per:` query once for all the units of a period. A draft that cannot
    be refreshed is reported and the others are still written."""
    started = time.perf_counter()
    folder = _output_folder(Path(output_dir)) if output_dir is not None else None
    config_loads(config, sources)
    names = project_unit_names(config, sources) if len(drafts) > 1 else None
    runner = SharedRunner(names or ())
    projects: dict[tuple, LoadedProject] = {}

    def one(draft: Path) -> RefreshResult:
        target = folder / refreshed_path(draft).name if folder is not None else None
        return refresh(
            draft, target, config, sources=sources, force=force, clock=clock, runner=runner, projects=projects
        )

    results, errors = each_draft(drafts, one, "更新", on_done)
    batch = BatchRefresh(results=results, errors=errors)
    batch.unmatched_keys = told_once([r.report for r in batch.results])
    batch.queries_run, batch.queries_reused = runner.ran, runner.reused
    batch.elapsed = time.perf_counter() - started
    return batch
