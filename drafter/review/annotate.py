"""Word comments on a copy of a draft: findings of a check, or the source of every figure.

`annotate` writes a copy of a checked draft with one comment a finding
(`drafter check --annotate`); `reviewer_copy` writes a copy with one comment a
figure naming its query and raw value (`drafter build --comments`). The draft
itself is only ever read. Comments are python-docx 1.2's; a comment on a figure
wraps its whole content control, never a part of it.
"""

from __future__ import annotations

import copy
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.text.run import Run
from lxml import etree

from drafter.data.figures import cell_label
from drafter.errors import DraftError
from drafter.outputs import check_output_name
from drafter.review.checker import CheckReport, FigureCheck, UnbackedNumber, open_draft
from drafter.review.rules import RuleFinding
from drafter.review.scan import body_paragraphs, run_text, walk
from drafter.review.tables import TableFinding
from drafter.review.wordings import HAND_EDITED, WordingCheck
from drafter.word.document import save_atomically, save_new
from drafter.word.manifest import read_manifest

AUTHOR = "drafter"
INITIALS = "d"
_T = qn("w:t")
_RPR = qn("w:rPr")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _runs(p: etree._Element) -> list[tuple[etree._Element, int, int, etree._Element | None]]:
    """Each run of the paragraph with its character offsets and the figure control it is in."""
    out, pos, stack = [], 0, []
    for kind, el, _ in walk(p):
        if kind == "open":
            stack.append(el)
        elif kind == "close":
            stack.pop()
        else:
            text = run_text(el)
            out.append((el, pos, pos + len(text), stack[0] if stack else None))
            pos += len(text)
    return out


def _split(r: etree._Element, at: int) -> etree._Element | None:
    """Split a plain one-text run `at` characters in; returns the right half (or None if it cannot)."""
    children = [c for c in r if c.tag != _RPR]
    if len(children) != 1 or children[0].tag != _T:
        return None
    text = children[0].text or ""
    if not 0 < at < len(text):
        return None
    right = copy.deepcopy(r)
    children[0].text = text[:at]
    children[0].set(_XML_SPACE, "preserve")
    t = right.find(_T)
    t.text = text[at:]
    t.set(_XML_SPACE, "preserve")
    r.addnext(right)
    return right


def _anchor(
    p: etree._Element, span: tuple[int, int] | None
) -> tuple[etree._Element, etree._Element, etree._Element | None, etree._Element | None]:
    """(first run, last run, control around the first or None, control around the last or None)."""
    runs = _runs(p)
    if span is not None and span[1] > span[0]:
        start, end = span
        first = next((x for x in runs if x[2] > start and x[1] < end), None)
        if first is not None and first[3] is None and first[1] < start:
            right = _split(first[0], start - first[1])
            if right is not None:
                runs = _runs(p)
        last = [x for x in runs if x[2] > start and x[1] < end]
        if last and last[-1][3] is None and last[-1][2] > end:
            _split(last[-1][0], end - last[-1][1])
            runs = _runs(p)
        chosen = [x for x in runs if x[2] > start and x[1] < end]
        if chosen:
            return chosen[0][0], chosen[-1][0], chosen[0][3], chosen[-1][3]
    texty = [x for x in runs if x[2] > x[1]] or runs
    if not texty:
        r = p.add_r()
        return r, r, None, None
    return texty[0][0], texty[-1][0], texty[0][3], texty[-1][3]


def _add_comment(document, first, last, first_sdt, last_sdt, text: str) -> None:
    """Comment on the runs `first`…`last`; where a run is inside a figure control, the
    comment's range markers go around the control, keeping its content clean."""
    comment = document.add_comment(
        [Run(first, document), Run(last, document)], text=text, author=AUTHOR, initials=INITIALS
    )
    cid = str(comment.comment_id)
    if first_sdt is not None:
        start = first.getprevious()
        if start is not None and start.tag == qn("w:commentRangeStart") and start.get(qn("w:id")) == cid:
            first_sdt.addprevious(start)
    if last_sdt is not None:
        end = last.getnext()
        ref = end.getnext() if end is not None else None
        if end is not None and end.tag == qn("w:commentRangeEnd") and ref is not None:
            last_sdt.addnext(ref)
            last_sdt.addnext(end)


def remove_own_comments(document) -> int:
    """Take out the comments an earlier refresh or annotation (author drafter) put in the draft, so
    a refreshed copy carries this run's comments once, none stale; editors' comments stay."""
    try:  # never create a comments part where there is none
        comments = document.part.part_related_by(RT.COMMENTS).element
    except KeyError:
        return 0
    ids = set()
    for comment in list(comments.iter(qn("w:comment"))):
        if comment.get(qn("w:author")) == AUTHOR:
            ids.add(comment.get(qn("w:id")))
            comment.getparent().remove(comment)
    if not ids:
        return 0
    body = document.element.body
    for tag in ("w:commentRangeStart", "w:commentRangeEnd", "w:commentReference"):
        for el in list(body.iter(qn(tag))):
            if el.get(qn("w:id")) not in ids:
                continue
            holder = el.getparent()
            holder.remove(el)
            if tag == "w:commentReference" and holder.tag == qn("w:r") and not [c for c in holder if c.tag != _RPR]:
                holder.getparent().remove(holder)  # the run that only carried the reference
    return len(ids)


def _comment(document, p: etree._Element, span: tuple[int, int] | None, text: str) -> None:
    _add_comment(document, *_anchor(p, span), text)


def wording_comment(item: WordingCheck) -> str:
    """A comment on a wording whose condition now takes another branch."""
    lines = [f"【{item.status}】{item.label}（{item.where}）"]
    lines += [line.strip() for line in item.lines()[1:]]
    if item.note.strip():
        lines.append(item.note.strip())
    if item.plain:  # its note says what to do
        return "\n".join(lines)
    if item.status == HAND_EDITED:
        lines.append("请核实改动的依据：条件的取值未变，模板按数据写出的是上面的措辞。")
    else:
        lines.append("请按数据现在给出的措辞改写这句，或核实后保留。")
    return "\n".join(lines)


def _finding_text(item: FigureCheck | UnbackedNumber | TableFinding | WordingCheck) -> str:
    if isinstance(item, WordingCheck):
        return wording_comment(item)
    if isinstance(item, TableFinding):
        lines = [f"【{item.status}】{item.text}"]
    elif isinstance(item, UnbackedNumber):
        lines = [
            f"【无来源数字】“{item.text}”不来自任何查询，也不是模板原有的文字，请核实出处。",
            *([f"位置：{item.cell}"] if item.cell else []),
        ]
    else:
        lines = [
            f"【{item.status}】{item.id} {item.description}",
            *([f"位置：{item.cell}"] if item.cell else []),
            f"查询：{'、'.join(item.queries)}（{item.ref}）；数据源：{'、'.join(item.sources)}",
        ]
        values = [f"草稿：{_q(item.draft_text)}"]
        if item.built_text is not None:
            values.append(f"生成时：{_q(item.built_text)}")
        values.append(f"当前数据：{_q(item.current_text)}")
        lines.append("；".join(values))
    if item.note.strip():
        lines.append(item.note.strip())
    return "\n".join(lines)


def _q(text: str | None) -> str:
    return "—" if text is None else f"“{text}”"


def check_annotate_path(draft: Path, output: Path) -> None:
    """Refuse an annotated copy's name before the check runs: a .docx that is not the draft."""
    check_output_name(output, (".docx",), "批注副本", "--annotate 草稿-批注.docx", protected=(draft,))


def annotate(report: CheckReport, output: str | Path) -> Path:
    """A copy of the checked draft with a Word comment on every finding; returns its path.

    The draft must be the same bytes that were checked; it is read, never written.
    """
    output = Path(output)
    check_annotate_path(report.draft, output)
    document, sha = open_draft(report.draft)
    if sha != report.sha256:
        raise DraftError("草稿在核对之后被改动过", path=report.draft, hint="请重新运行 drafter check。")
    remove_own_comments(document)  # a refreshed copy's comments: this check's replace them
    paragraphs = body_paragraphs(document)
    fallback = paragraphs[0] if paragraphs else None
    for item in report.findings:
        p = paragraphs[item.paragraph] if item.paragraph is not None else fallback
        if p is None:
            continue
        _comment(document, p, item.span, _finding_text(item))
    if report.rules:
        manifest = read_manifest(document)
        _comment_rules(document, [r.to_json() for r in report.rules], manifest.figures if manifest else [])
    save_atomically(document, output)
    return output


def reviewer_path(draft: Path) -> Path:
    return draft.with_name(f"{draft.stem}（审核版）{draft.suffix}")


def reviewer_copy(draft: str | Path, output: str | Path | None = None, *, force: bool = False) -> Path:
    """A copy of a draft with a comment on each figure naming its query, source and raw value."""
    draft = Path(draft)
    document, _ = open_draft(draft)
    manifest = read_manifest(document)
    if manifest is None:
        raise DraftError(
            "草稿中没有 drafter 的清单，无法注明数字来源", path=draft, hint="请用 drafter build 重新生成草稿。"
        )
    requested = Path(output) if output is not None else reviewer_path(draft)
    check_annotate_path(draft, requested)
    figures = {f.id: f for f in manifest.figures}
    for p in body_paragraphs(document):
        spans = [(kind, el, cid) for kind, el, cid in walk(p) if kind == "open" and cid is not None]
        for _, sdt, cid in spans:
            fig = figures.get(cid)
            if fig is None:
                continue
            lines = [f"{cid} {fig.description}"]
            if fig.cell is not None:
                lines.append(f"位置：{cell_label(fig.cell)}")
            for src in fig.sources:
                source = manifest.sources.get(src.source)
                desc = source.description if source is not None else None
                where = f"{src.source}（{desc}）" if desc else src.source
                column = src.column + (f"，第 {src.row + 1} 行" if src.row is not None else "")
                query = manifest.queries.get(src.query)
                lines.append(
                    f"查询 {src.query}（{query.file if query is not None else ''}），列 {column}，数据源 {where}"
                )
            lines.append(f"原始值：{fig.value}；写作“{fig.text}”（{fig.filter}）")
            _comment_on_control(document, sdt, "\n".join(lines))
    _comment_rules(document, manifest.rules, manifest.figures)
    return save_new(document, requested, force=force)


def _comment_rules(document, rules: list[dict], figures: list) -> None:
    """A comment for each consistency rule the build's figures failed, on the first figure it
    names that the draft prints (else on the first paragraph of the body)."""
    findings = [RuleFinding.from_json(r) for r in rules]
    if not findings:
        return
    controls: dict[str, etree._Element] = {}
    for p in body_paragraphs(document):
        for kind, sdt, cid in walk(p):
            if kind == "open" and cid is not None and cid not in controls:
                controls[cid] = sdt
    by_ref: dict[str, str] = {}
    for fig in figures:
        by_ref.setdefault(fig.ref, fig.id)
    paragraphs = [p for p in body_paragraphs(document) if "".join(p.itertext()).strip()]
    sql_rows: dict[str, list[str]] = {}  # a SQL data test's failing rows: one comment a test
    for finding in findings:
        if finding.kind == "sql":
            sql_rows.setdefault(f"{finding.status}】SQL 数据检验 【{finding.rule}】{finding.where}", []).append(
                finding.message
            )
            continue
        target = next((controls[by_ref[r]] for r in finding.refs if by_ref.get(r) in controls), None)
        if target is not None:
            _comment_on_control(document, target, finding.comment())
        elif paragraphs:
            _comment(document, paragraphs[0], None, finding.comment())
    for head, messages in sql_rows.items():
        if paragraphs:
            _comment(document, paragraphs[0], None, "\n".join([f"【{head}", *messages]))


def _comment_on_control(document, sdt: etree._Element, text: str) -> None:
    runs = list(sdt.iter(qn("w:r")))
    if runs:
        _add_comment(document, runs[0], runs[-1], sdt, sdt, text)
