"""Read a draft as `check` sees it: paragraphs, the figure controls in them, the numbers.

A figure control is an inline `w:sdt` found by its tag (`drafter:f001:…`),
else its alias (`描述·f001`, which LibreOffice keeps), else the hidden bookmark
`_drafter_f001` inside it (which LibreOffice keeps where it drops both).
Paragraphs are every `w:p` of the body in document order, tables included,
indexed as `body.iter(w:p)` gives them, so a finding can be found again.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from docx.oxml.ns import qn
from lxml import etree

from drafter.word.oxml import (
    BOOKMARK_PREFIX,
    WORD_JOINER,
    occurrence_id_from_alias,
    occurrence_id_from_bookmark,
    parse_tag,
    wording_id_from_bookmark,
)

_P, _R, _T, _TAB, _BR, _CR = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_SDT, _SDT_PR, _SDT_CONTENT = qn("w:sdt"), qn("w:sdtPr"), qn("w:sdtContent")
_TAG, _ALIAS, _VAL = qn("w:tag"), qn("w:alias"), qn("w:val")
_BOOKMARK, _NAME = qn("w:bookmarkStart"), qn("w:name")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Not part of this paragraph's visible text: properties, deleted text, text boxes (their own w:p).
_SKIP = frozenset({qn("w:pPr"), qn("w:rPr"), qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent"), _MC_FALLBACK})


def control_id(sdt: etree._Element, pr: etree._Element | None = None) -> str | None:
    """The figure occurrence id of a content control (`pr`: its properties, when found already),
    or None for a control drafter did not write."""
    # iterchildren with a tag is lxml's own loop: `find` goes through ElementPath, twice as slow
    # for each of a long table's 40,000 controls
    if pr is None:
        pr = next(sdt.iterchildren(_SDT_PR), None)
    if pr is not None:
        tag = next(pr.iterchildren(_TAG), None)
        parsed = parse_tag(tag.get(_VAL, "")) if tag is not None else None
        if parsed:
            return parsed[0]
        alias = next(pr.iterchildren(_ALIAS), None)
        found = occurrence_id_from_alias(alias.get(_VAL, "")) if alias is not None else None
        if found:
            return found
    for mark in sdt.iter(_BOOKMARK):
        found = occurrence_id_from_bookmark(mark.get(_NAME, ""))
        if found:
            return found
    return None


def run_text(r: etree._Element) -> str:
    parts = []
    for el in r:
        tag = el.tag
        if tag == _T:
            text = el.text
            if text:
                parts.append(text.replace(WORD_JOINER, "") if WORD_JOINER in text else text)
        elif tag == _TAB:
            parts.append("\t")
        elif tag in (_BR, _CR):
            parts.append("\n")
    return parts[0] if len(parts) == 1 else "".join(parts)


def walk(p: etree._Element) -> Iterator[tuple[str, etree._Element, str | None]]:
    """Events of a paragraph in reading order: ("open"/"close", sdt, id) around a figure
    control, ("run", r, None) for each run. Controls inside a figure count as the figure."""

    def inner(el: etree._Element, in_figure: bool):
        for child in el:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == _R:
                yield "run", child, None
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                cid = None if in_figure else control_id(child)
                if cid:
                    yield "open", child, cid
                if content is not None:
                    yield from inner(content, in_figure or bool(cid))
                if cid:
                    yield "close", child, cid
            else:
                yield from inner(child, in_figure)

    yield from inner(p, False)


@dataclass(slots=True)  # 40,000 of them in a long table's draft
class FigureSpan:
    """Where one figure control stands in its paragraph's text."""

    id: str
    start: int
    end: int
    controls: list[etree._Element]  # more than one when adjacent controls repeat the id

    @property
    def split(self) -> bool:
        return len(self.controls) > 1


@dataclass(slots=True)
class ScannedParagraph:
    index: int
    element: etree._Element
    text: str
    figures: list[FigureSpan] = field(default_factory=list)

    def static_text(self) -> str:
        """The text with every figure replaced by one separator (so digits never join across it)."""
        out, pos = [], 0
        for span in self.figures:
            out.append(self.text[pos : span.start])
            out.append(SEPARATOR * (span.end - span.start))
            pos = span.end
        out.append(self.text[pos:])
        return "".join(out)


SEPARATOR = "\u241f"  # keeps offsets: static_text() has the length of text


def scan_paragraph(p: etree._Element, index: int) -> ScannedParagraph:
    """The paragraph's text and its figure controls: what `walk` gives, read in one pass
    without its events (a 10,000-row table has 40,000 cell paragraphs to read)."""
    text_parts: list[str] = []
    figures: list[FigureSpan] = []
    _scan_into(p, False, text_parts, figures, 0)
    return ScannedParagraph(index, p, "".join(text_parts), figures)


def _scan_into(el: etree._Element, in_figure: bool, text_parts: list[str], figures: list[FigureSpan], pos: int) -> int:
    """scan_paragraph's walk under `el`, from offset `pos`; the offset after it."""
    for child in el:
        tag = child.tag
        if tag == _R:
            t = run_text(child)
            if t:
                text_parts.append(t)
                pos += len(t)
        elif tag in _SKIP or not isinstance(tag, str):
            continue
        elif tag == _SDT:
            pr = content = None
            for part in child:  # its properties and content (the first of each), in one look
                if part.tag == _SDT_CONTENT:
                    content = part if content is None else content
                elif part.tag == _SDT_PR:
                    pr = part if pr is None else pr
            cid = None if in_figure else control_id(child, pr)
            start = pos
            if content is not None:
                pos = _scan_into(content, in_figure or bool(cid), text_parts, figures, pos)
            if cid:
                last = figures[-1] if figures else None
                if last is not None and last.id == cid and last.end == start:
                    last.end = pos  # LibreOffice 7.4 splits one control into adjacent copies
                    last.controls.append(child)
                else:
                    figures.append(FigureSpan(cid, start, pos, [child]))
        elif len(child):  # a bookmark or a proof mark holds nothing to read
            pos = _scan_into(child, in_figure, text_parts, figures, pos)
    return pos


def scan_document(document) -> list[ScannedParagraph]:
    """Every paragraph of the body, figure controls located."""
    return [scan_paragraph(p, i) for i, p in enumerate(document.element.body.iter(_P))]


def body_paragraphs(document) -> list[etree._Element]:
    """The `w:p` elements in the order `scan_document` indexes them."""
    return list(document.element.body.iter(_P))


# --------------------------------------------------------------------------- numbers in text

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:[.．]\d+)?|\d+(?:[.．]\d+)?")
_YEAR_AFTER = re.compile(r"\s*(?:年|[—–\-－~～至到]\s*\d{4})")
_OUTLINE = re.compile(r"\s*(?:\d+[.．](?!\d)|[（(]\d+[）)])")


@dataclass(frozen=True)
class Number:
    text: str  # as written
    value: str  # normalised: ASCII digits, no thousands separators
    start: int
    end: int


def normalise(text: str) -> str:
    if text.isascii():
        return text.replace(",", "")
    out = []
    for ch in text:
        if ch in ",":
            continue
        if ch == "．":
            out.append(".")
        elif ch.isdigit():
            out.append(str(unicodedata.digit(ch)))
        else:
            out.append(ch)
    return "".join(out)


def numbers(text: str) -> list[Number]:
    return [Number(m.group(), normalise(m.group()), m.start(), m.end()) for m in _NUMBER.finditer(text)]


def is_incidental(text: str, number: Number) -> bool:
    """A year, a date, an item number or a number inside 《》: not a figure anyone counts."""
    after, before = text[number.end :], text[: number.start]
    value = number.value
    if value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100 and _YEAR_AFTER.match(after):
        return True
    if value.isdigit() and after.startswith("月") and 1 <= int(value) <= 12:
        return True
    if value.isdigit() and after.startswith("日") and re.search(r"月\s*$", before) and 1 <= int(value) <= 31:
        return True
    if not before.strip() and _OUTLINE.match(text):
        return True
    if before.strip() in ("（", "(") and _OUTLINE.match(text):
        return True
    return before.count("《") > before.count("》")


def counted_numbers(text: str) -> list[Number]:
    """The numbers of `text` a reader would take for figures."""
    return [n for n in numbers(text) if not is_incidental(text, n)]


def unmatched(draft: list[Number], expected: list[Number]) -> list[Number]:
    """Numbers of `draft` left over once each expected number has claimed one equal to it."""
    pool = Counter(n.value for n in expected)
    left = []
    for n in draft:
        if pool[n.value] > 0:
            pool[n.value] -= 1
        else:
            left.append(n)
    return left


# --------------------------------------------------------------------------- sentences

_ENDS = "。；！？!?;\n"
_ENDS_IN = re.compile(f"[{re.escape(_ENDS)}]")


def sentence_around(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence holding text[start:end], shortened around it to about `limit` characters."""
    if len(text) <= limit and not _ENDS_IN.search(text):  # a table cell, a short line: all of it
        return text.strip()
    left = max((text.rfind(ch, 0, start) for ch in _ENDS), default=-1) + 1
    right_candidates = [i for i in (text.find(ch, end) for ch in _ENDS) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    sentence = text[left:right].strip()
    if len(sentence) <= limit:
        return sentence
    half = max(10, (limit - (end - start)) // 2)
    a, b = max(left, start - half), min(right, end + half)
    return ("…" if a > left else "") + text[a:b].strip() + ("…" if b < right else "")


# --------------------------------------------------------------------------- wording ranges

_BOOKMARK_END, _ID = qn("w:bookmarkEnd"), qn("w:id")
# The bookmarks a wording's may be (`_drafter_w…`), picked in libxml2: a long table has a
# figure's bookmark (`_drafter_f…`) in each of its cells.
_DRAFTER_BOOKMARKS = etree.XPath(
    f"descendant::w:bookmarkStart[starts-with(@w:name, '{BOOKMARK_PREFIX}w')]",
    namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"},
)


@dataclass
class WordingRange:
    """Where a traced wording (bookmark `_drafter_w001`) stands: paragraph and offset of its
    start and of its end, in the texts `scan_document` gives."""

    id: str
    start: tuple[int, int]
    end: tuple[int, int] | None = None

    def span_in(self, index: int, length: int) -> tuple[int, int] | None:
        """The part of paragraph `index` (of `length` characters) the wording covers."""
        end = self.end or self.start
        if not self.start[0] <= index <= end[0]:
            return None
        a = self.start[1] if index == self.start[0] else 0
        b = end[1] if index == end[0] else length
        return a, max(a, b)


def wording_ranges(document, paragraphs: list[ScannedParagraph] | None = None) -> dict[str, WordingRange]:
    """Every wording bookmark of the body, by wording id; at the indexes of `paragraphs` when
    the body was not read a `w:p` a paragraph (review.tables.scan_with_cells)."""
    found: dict[str, WordingRange] = {}
    by_bookmark: dict[str, str] = {}

    def inner(el: etree._Element, index: int, pos: list[int]) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == _R:
                pos[0] += len(run_text(child))
            elif tag == _BOOKMARK:
                wid = wording_id_from_bookmark(child.get(_NAME, ""))
                if wid and wid not in found:
                    found[wid] = WordingRange(wid, (index, pos[0]))
                    by_bookmark[child.get(_ID, "")] = wid
            elif tag == _BOOKMARK_END:
                wid = by_bookmark.get(child.get(_ID, ""))
                if wid and found[wid].end is None:
                    found[wid].end = (index, pos[0])
            elif tag == _P:
                continue  # a paragraph inside (a text box) is scanned on its own
            else:
                inner(child, index, pos)

    # Only the paragraphs holding a wording's bookmark need reading (a long table has none).
    body = document.element.body
    starts = [b for b in _DRAFTER_BOOKMARKS(body) if wording_id_from_bookmark(b.get(_NAME, ""))]
    if not starts:
        return found
    ids = {b.get(_ID, "") for b in starts}
    marks = starts + [e for e in body.iter(_BOOKMARK_END) if e.get(_ID, "") in ids]
    kept = [p for mark in marks for p in mark.iterancestors(_P)]  # alive: lxml keeps their proxies
    holding = {id(p) for p in kept}
    order = enumerate(body.iter(_P)) if paragraphs is None else ((s.index, s.element) for s in paragraphs)
    for index, p in order:
        if id(p) in holding:
            inner(p, index, [0])
    return found


def map_span(
    fresh: str, draft: str, start: int, end: int, matcher: difflib.SequenceMatcher | None = None
) -> tuple[int, int]:
    """Where fresh[start:end] stands in `draft`, by a character diff of the two paragraphs,
    widened to whole numbers."""
    matcher = matcher or difflib.SequenceMatcher(None, fresh, draft, autojunk=False)
    ops = matcher.get_opcodes()
    da = db = None
    for op, i1, i2, j1, j2 in ops:
        if (da is None and i1 <= start < i2) or (da is None and start == i2 == len(fresh)):
            da = j1 + (start - i1) if op == "equal" else j1
        if db is None and (i1 < end <= i2 or (end == start and i1 <= end <= i2)):
            db = j1 + (end - i1) if op == "equal" else j2
    da = 0 if da is None else da
    db = da if db is None or db < da else db
    for n in numbers(draft):  # never cut a number in two
        if n.start < da < n.end:
            da = n.start
        if n.start < db < n.end:
            db = n.end
    return da, db
