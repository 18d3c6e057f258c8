"""`drafter adopt EDITED.docx`: the wording editors changed in Word written back into the templates.

A draft records, for each paragraph of the section templates, the template file and line that
made it, its text and where its figures stand, and the templates' text at build time
(drafter/word/manifest.py). Adopt aligns the edited draft's paragraphs with those records and,
line by line of the templates as they were at build time:

- a changed paragraph: its new wording replaces the line's text; every `{{ … }}` whose figure
  control is still in the paragraph (moved or not) is kept where the control now stands, and
  a tag that prints no figure (`{{ year }}`) where its text was left as it was; a number typed
  in becomes a binding to fill (`{{ unbound("…") }}`), a year a period expression;
- a new paragraph: a new line after the line of the paragraph before it (numbers to bind);
- a deleted paragraph: its line removed.

A `{% if %}…{% endif %}` or `{% for %}…{% endfor %}` on the line, or a `{{ x if c else y }}`, is
kept as it is when the text it printed was left alone. Where a change falls inside such a
conditional wording or loop, in a paragraph several lines or a loop made, inside a block that
spans lines, or in a table, nothing is written there: it is reported with both texts, for a
person to apply. A
template changed since the draft was built is not written over. A second adopt of the same
draft finds the templates already as it would write them and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.errors import DrafterError
from drafter.intake.facts import find_facts, period_words, unit_after
from drafter.intake.project import template_line, unbound_call
from drafter.outputs import write_atomically
from drafter.review.scan import ScannedParagraph, scan_document
from drafter.text.sections import section_files
from drafter.word.manifest import read_manifest
from drafter.word.oxml import paragraph_text

__all__ = ["AdoptResult", "Refusal", "adopt"]

_TAG = re.compile(r"\{\{.*?\}\}|\{#.*?#\}")
_CONDITIONAL = re.compile(r"\{%|\{\{[^}]*\bif\b")
_BODY_STYLES = ("Normal", "一级标题", "二级标题", "三级标题", "四级标题", "正文")


@dataclass
class Refusal:
    template: str
    line: int | None
    reason: str
    before: str
    after: str


@dataclass
class AdoptResult:
    diffs: dict[str, str] = field(default_factory=dict)  # template → unified diff
    written: list[Path] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    changed: int = 0
    added: int = 0
    deleted: int = 0
    backup: Path | None = None


@dataclass
class _Plan:
    """Edits of one template, on its lines as they were at build time (1-based)."""

    replace: dict[int, str] = field(default_factory=dict)
    delete: set[int] = field(default_factory=set)
    insert: dict[int, list[str]] = field(default_factory=dict)  # after line n (0: before the first)

    def apply(self, source: str) -> str:
        lines = source.split("\n")
        out = list(self.insert.get(0, []))
        for n, line in enumerate(lines, 1):
            if n not in self.delete:
                out.append(self.replace.get(n, line))
            out.extend(self.insert.get(n, []))
        return "\n".join(out)


# -- reading the edited draft -----------------------------------------------------------------


def _body_paragraphs(document) -> list[ScannedParagraph]:
    """The paragraphs of the body text as an editor left them: not the head or the signature
    (their own styles), not tables, captions or empty lines."""
    from docx.oxml.ns import qn

    names = {s.style_id: s.name for s in document.styles}
    default = document.styles.default(1)  # WD_STYLE_TYPE.PARAGRAPH
    kept = []
    for scanned in scan_document(document):
        p = scanned.element
        if not scanned.text.strip() or any(a.tag == qn("w:tbl") for a in p.iterancestors()):
            continue
        if p.findall(".//" + qn("w:drawing")):
            continue
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        name = names.get(style.get(qn("w:val")), "") if style is not None else (default.name if default else "Normal")
        if name in _BODY_STYLES or (default is not None and name == default.name):
            kept.append(scanned)
    return kept


# -- one changed paragraph -------------------------------------------------------------------


_UNIT = re.compile(r"\{\{.*?\}\}|\{#.*?#\}|\{%-?\s*(\w+).*?%\}")
_OPENS, _CLOSES = ("if", "for"), ("endif", "endfor")


def _units(line: str) -> list[tuple[int, int]] | None:
    """Spans of the tags of a line, a `{% if %}…{% endif %}` or `{% for %}…{% endfor %}` block
    taken whole; None when a block opened here is not closed on this line."""
    units, depth, start = [], 0, 0
    for m in _UNIT.finditer(line):
        word = m.group(1)
        if depth == 0:
            start = m.start()
        if word in _OPENS:
            depth += 1
        elif word in _CLOSES:
            depth -= 1
        if depth < 0:
            return None
        if depth == 0:
            units.append((start, m.end()))
    return None if depth else units


def _split(line: str) -> tuple[list[str], list[str]] | None:
    """Literals and tag groups of a template line: len(literals) == len(groups) + 1."""
    units = _units(line)
    if units is None:
        return None
    literals: list[str] = []
    groups: list[str] = []
    pos, current = 0, ""
    for start, end in units:
        literal = line[pos:start]
        if literal and current:
            groups.append(current)
            current = ""
        if literal or not literals:
            literals.append(literal)
        current += line[start:end]
        pos = end
    if current:
        groups.append(current)
    literals.append(line[pos:])
    if not groups:
        return ["".join(literals)], []
    return literals, groups


def block_depths(source: str) -> list[int]:
    """For each line of a template, how many `{% if %}`/`{% for %}` blocks are open at its start."""
    depths, depth = [], 0
    for line in source.split("\n"):
        depths.append(depth)
        for m in _UNIT.finditer(line):
            depth += (m.group(1) in _OPENS) - (m.group(1) in _CLOSES)
    return depths


def _locate(literals: list[str], groups: list[str], text: str) -> list[tuple[int, int]] | None:
    """Where each group's output stands in `text` (what the line rendered), or None when the
    literals are not found in order."""
    pos, spans = 0, []
    first = literals[0].lstrip()
    if not text.startswith(first):
        return None
    pos = len(first)
    for k, _ in enumerate(groups):
        following = literals[k + 1] if k + 1 < len(literals) else ""
        if k + 1 == len(groups):
            following = following.rstrip()
            end = len(text) - len(following) if following and text.endswith(following) else len(text)
            if following and not text.endswith(following):
                return None
        else:
            end = text.find(following, pos) if following else pos
            if end < 0:
                return None
        spans.append((pos, end))
        pos = end + len(following)
    if not groups and text != first.rstrip():
        return None
    return spans


def _equal_map(before: str, after: str) -> dict[int, int]:
    """Position in `after` → position in `before`, for the characters the edit left alone."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    mapping = {}
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(j2 - j1):
                mapping[j1 + k] = i1 + k
    return mapping


_PARTIAL = (-1, -1)


def _group_target(
    span: tuple[int, int], ids: list[str], edited: ScannedParagraph, back: dict[int, int]
) -> tuple[int, int] | None:
    """Where a group stands in the edited text; None when the editor removed it; _PARTIAL
    when only some of its figures remain."""
    if ids:
        controls = [f for f in edited.figures if f.id in ids]
        if not controls:
            return None
        if {f.id for f in controls} != set(ids):
            return _PARTIAL
        return min(f.start for f in controls), max(f.end for f in controls)
    a, b = span
    forward = {v: k for k, v in back.items()}
    if a == b:
        return (forward[a], forward[a]) if a in forward else None
    starts = [forward.get(i) for i in range(a, b)]
    found = [x for x in starts if x is not None]
    if len(found) != len(starts) or any(y != x + 1 for x, y in itertools.pairwise(found)):
        return None
    return found[0], found[-1] + 1


def _literal(text: str, new: list[bool], year: int | None, label: str | None) -> str:
    """Edited text between kept tags as template text: numbers typed in (touching a new
    character) become bindings, the rest stays as written."""
    out, pos = [], 0
    for fact in find_facts(text):
        if not any(new[fact.start : fact.end]) or fact.start < pos:
            continue
        unit = unit_after(fact.text, text[fact.end :])
        out.append(_text(text[pos : fact.start], new[pos : fact.start], year, label))
        out.append(unbound_call(fact.text, unit))
        pos = fact.end + len(unit)
    out.append(_text(text[pos:], new[pos:], year, label))
    return "".join(out)


def _text(text: str, new: list[bool], year: int | None, label: str | None) -> str:
    escaped = re.sub(r"([{}%#])(?=[{}%#])", lambda m: "{{ '" + m.group(1) + "' }}", text)
    if escaped == text and _years_new(text, new):
        return period_words(text, year, label)  # a year typed in: the period's year, next year
    return escaped


def _years_new(text: str, new: list[bool]) -> bool:
    return any(any(new[m.start() : m.end()]) for m in re.finditer(r"\d{4}(?=年)", text))


def rewrite_line(
    line: str, recorded, edited: ScannedParagraph, year: int | None, label: str | None
) -> str | tuple[str, str]:
    """The template line that renders the edited paragraph; (reason,) as a tuple when adopt
    will not guess."""
    indent = line[: len(line) - len(line.lstrip())]
    split = _split(line.strip())
    if split is None:
        return ("这一行的条件措辞或循环跨到了别的行", "")
    literals, groups = split
    spans = _locate(literals, groups, recorded.text)
    if spans is None:
        return ("模板行与草稿记录的文字对不上（模板或生成方式变了）", "")
    back = _equal_map(recorded.text, edited.text)
    in_group = [False] * len(recorded.text)
    placed: list[tuple[int, int, str]] = []
    for group, (a, b) in zip(groups, spans):
        for i in range(a, b):
            in_group[i] = True
        ids = [fid for fid, s, e in recorded.figures if a <= s and e <= b]
        if _CONDITIONAL.search(group):  # a conditional wording or a loop: kept only as it was
            target = _group_target((a, b), [], edited, back)
            if target is None:
                return ("改动落在条件措辞或循环之内", "")
            placed.append((target[0], target[1], group))
            continue
        target = _group_target((a, b), ids, edited, back)
        if target == _PARTIAL:
            return ("同一处的几个数字只删去了一部分", "")
        if target is not None:
            placed.append((target[0], target[1], group))
    placed.sort()
    if any(x[1] > y[0] for x, y in itertools.pairwise(placed)):
        return ("改动后数字的位置互相重叠", "")
    new = [not (j in back and not in_group[back[j]]) for j in range(len(edited.text))]
    out, pos = [indent], 0
    for start, end, group in placed:
        out.append(_literal(edited.text[pos:start], new[pos:start], year, label))
        out.append(group)
        pos = end
    out.append(_literal(edited.text[pos:], new[pos:], year, label))
    return "".join(out)


# -- the whole draft ------------------------------------------------------------------------------


def _pairs(recorded: list, edited: list[ScannedParagraph]):
    """(recorded index or None, edited index or None, anchor) for every change: changed pairs,
    deletions, and insertions after recorded paragraph `anchor` (-1: before the first)."""
    matcher = difflib.SequenceMatcher(None, [r.text for r in recorded], [e.text for e in edited], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        left, right = list(range(i1, i2)), list(range(j1, j2))
        anchor = i1 - 1
        for j in right:
            best = max(
                left,
                key=lambda i: difflib.SequenceMatcher(None, recorded[i].text, edited[j].text).ratio(),
                default=None,
            )
            if best is not None and difflib.SequenceMatcher(None, recorded[best].text, edited[j].text).ratio() > 0.5:
                for i in [i for i in left if i < best]:
                    yield i, None, i
                left = [i for i in left if i > best]
                yield best, j, best
                anchor = best
            else:
                yield None, j, anchor
        for i in left:
            yield i, None, i


def adopt(config, edited_path: Path, *, dry_run: bool = False, now: dt.datetime | None = None) -> AdoptResult:
    """Write the edited draft's wording back into the section templates; see the module docstring."""
    import docx

    document = docx.Document(str(edited_path))
    manifest = read_manifest(document)
    if manifest is None or not manifest.paragraphs:
        raise DrafterError(
            "草稿中没有记录各段来自哪个模板行，无法写回",
            path=edited_path,
            hint="用当前版本的 drafter build 重新生成草稿，在新草稿上修改后再运行 drafter adopt。",
        )
    period = manifest.report_period()
    adoption = _Adoption(
        manifest,
        manifest.paragraphs,
        _body_paragraphs(document),
        period.year if period else None,
        period.label if period else None,
    )
    for i, j, anchor in _pairs(adoption.recorded, adoption.edited):
        if i is not None:
            adoption.change(i, j)
        elif j is not None:
            adoption.insert(adoption.edited[j], anchor)
    _tables(document, manifest, adoption.result)
    _write(config, manifest, adoption, dry_run, now or dt.datetime.now())
    return adoption.result


@dataclass
class _Adoption:
    """One adopt: the draft's records, the edited paragraphs, and the plans being made."""

    manifest: Any
    recorded: list
    edited: list[ScannedParagraph]
    year: int | None
    label: str | None
    plans: dict[str, _Plan] = field(default_factory=dict)
    result: AdoptResult = field(default_factory=AdoptResult)
    use: dict[tuple[str, int], int] = field(default_factory=dict)  # how many paragraphs a line made

    def __post_init__(self) -> None:
        for r in self.recorded:
            for n in r.lines:
                self.use[(r.template, n)] = self.use.get((r.template, n), 0) + 1

    def depths(self, template: str) -> list[int]:
        return block_depths(self.manifest.templates.get(template, ""))

    def change(self, i: int, j: int | None) -> None:
        """Recorded paragraph i changed into edited paragraph j, or deleted (j None)."""
        r = self.recorded[i]
        lines = self.manifest.templates.get(r.template, "").split("\n")
        line_no = r.lines[0] if len(r.lines) == 1 else None
        line = lines[line_no - 1] if line_no and line_no <= len(lines) else ""
        after = self.edited[j].text if j is not None else "（已删除）"
        why = _refuse_line(r, self.depths(r.template), self.use)
        if why or line_no is None:
            self.result.refusals.append(Refusal(r.template, r.lines[0] if r.lines else None, why or "", r.text, after))
            return
        plan = self.plans.setdefault(r.template, _Plan())
        if j is None:
            plan.delete.add(line_no)
            self.result.deleted += 1
            return
        new = rewrite_line(line, r, self.edited[j], self.year, self.label)
        if isinstance(new, tuple):
            self.result.refusals.append(Refusal(r.template, line_no, new[0], r.text, after))
            return
        plan.replace[line_no] = new
        self.result.changed += 1

    def insert(self, paragraph: ScannedParagraph, anchor: int) -> None:
        """A new paragraph after recorded paragraph `anchor` (-1: before the first)."""
        base = self.recorded[max(anchor, 0)]
        lines = self.manifest.templates.get(base.template, "").split("\n")
        after = base.lines[-1] if anchor >= 0 else 0
        nxt = lines[after] if after < len(lines) else ""
        inside = _refuse_line(base, self.depths(base.template), self.use) or nxt.lstrip().startswith("{%")
        if anchor >= 0 and inside:
            self.result.refusals.append(
                Refusal(base.template, after, "新段落的位置在条件措辞或循环之中", "（无）", paragraph.text)
            )
            return
        text, _ = template_line(paragraph.text, self.year, self.label)
        self.plans.setdefault(base.template, _Plan()).insert.setdefault(after, []).append(text)
        self.result.added += 1


def _refuse_line(r, depths: list[int], use) -> str | None:
    if len(r.lines) != 1:
        return "这段由多行模板（条件措辞或循环）生成"
    if use.get((r.template, r.lines[0]), 0) > 1:
        return "这一模板行生成了多段（循环）"
    if r.lines[0] <= len(depths) and depths[r.lines[0] - 1] > 0:
        return "这一模板行在多行的条件措辞或循环之中"
    return None


def _tables(document, manifest, result: AdoptResult) -> None:
    """Rows of the draft's tables changed by hand: reported, never written."""
    from docx.oxml.ns import qn

    tables = [t for t in document.element.body.iter(qn("w:tbl"))]
    for entry, table in zip(manifest.tables, tables):
        rows = [
            ["".join(paragraph_text(p) for p in tc.iter(qn("w:p"))).strip() for tc in tr.findall(qn("w:tc"))]
            for tr in table.iter(qn("w:tr"))
        ]
        for row in entry.rows:
            if row.cells and row.cells not in rows:
                result.refusals.append(
                    Refusal(
                        f"表{entry.number}",
                        None,
                        "表格中的改动不写回模板",
                        " | ".join(row.cells),
                        _closest(row.cells, rows),
                    )
                )


def _closest(cells: list[str], rows: list[list[str]]) -> str:
    joined = " | ".join(cells)
    best = max(rows, key=lambda r: difflib.SequenceMatcher(None, joined, " | ".join(r)).ratio(), default=None)
    return " | ".join(best) if best else "（已删除）"


def _write_text(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomically(path, write, what=path.name, hint="检查写权限。")


def _write(config, manifest, adoption: _Adoption, dry_run: bool, now: dt.datetime) -> None:
    """The plans applied to the templates as built; written where a template is still as it
    was built (a backup first), skipped where it is already as adopt would write it."""

    root = Path(config.root)
    sections = {p.resolve() for p in section_files(config.templates.sections, config.resolve)}
    targets = []
    result = adoption.result
    for name, plan in adoption.plans.items():
        built = manifest.templates.get(name, "")
        wanted = plan.apply(built)
        path = root / name
        if path.resolve() not in sections:  # the draft names it: only the project's own templates are written
            result.refusals.append(Refusal(name, None, "草稿记录的模板不是本项目的正文模板，未写入", "", ""))
            continue
        current = path.read_text(encoding="utf-8-sig") if path.is_file() else None
        if current == wanted:
            continue  # adopted already
        if current != built:
            result.refusals.append(
                Refusal(name, None, "模板在生成这份草稿之后又改过，未写入（先用新模板重新生成草稿）", "", "")
            )
            continue
        result.diffs[name] = "".join(
            difflib.unified_diff(
                built.splitlines(keepends=True), wanted.splitlines(keepends=True), f"a/{name}", f"b/{name}"
            )
        )
        targets.append((path, wanted))
    if dry_run or not targets:
        return
    folder = root / "backup" / f"adopt-{now:%Y%m%d-%H%M%S}"
    for path, _ in targets:
        backup = folder / path.relative_to(root)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
    result.backup = folder
    for path, wanted in targets:
        _write_text(path, wanted)
        result.written.append(path)
