"""Numbers never split across lines (GB/T 15835-2011 §5.1.9), in every paragraph of a draft.

What each engine honours, as tried with LibreOffice 7.4 on 3号 仿宋 text with a line grid:

- LibreOffice gives a digit the breaking rules of its run's Latin-slot language; with the
  document's zh-CN it breaks between any two digits ("8 / 61", "17. / 6%"). Every run that
  holds digits gets `w:lang w:val="en-US"` (the Latin slot only: the Chinese text beside the
  digits keeps zh-CN and its rules for punctuation at line ends).
- Between a number and a CJK or full-width sign that belongs to it (万, 亿, 万元, %, ～ of a
  range) LibreOffice breaks at the change of script whatever the language. Such a number is
  cut out into runs of its own, in en-US in both slots, with a WORD JOINER (U+2060, zero
  width, "no break here" in Unicode) as a run of its own between its pieces.
Word keeps digit strings whole by itself and does not start a line with % or ～ (its kinsoku
list); that it honours U+2060 as a joiner too is not verified here (no Word on the machine).

Readers of a draft (`paragraph_text`, review's `run_text`) drop U+2060, so `drafter check`
reads the same figures and numbers as before. A joiner run is never split, so character
offsets into runs stay right; a joiner of the seam between a figure's control and the text
after it goes outside the control.
"""

from __future__ import annotations

import copy
import itertools
import re

from docx.oxml.ns import qn
from lxml import etree

from drafter.word.oxml import WORD_JOINER

__all__ = ["WORD_JOINER", "keep_numbers_whole", "number_expressions", "rejoin_paragraph"]

_P, _R, _T, _RPR, _LANG, _SDT = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:rPr"), qn("w:lang"), qn("w:sdt")
_TBL = qn("w:tbl")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# Where a run's text is not this paragraph's visible text.
_SKIP = frozenset({qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent"), qn("w:instrText")})

_DIGITS = r"[0-9]+(?:\.[0-9]+)?"
_SUFFIX = r"(?:[%％‰]|[万亿]+(?:元)?)?"
_ONE = _DIGITS + _SUFFIX
# A number with what belongs to it: 1187.21万元, 98.74%, 15%～30%, 2万～5万, 1—11.
NUMBER = re.compile(rf"{_ONE}(?:[～~—–-]{_ONE})*")
_DIGIT_SPAN = re.compile(_DIGITS)
_ASCII_DIGITS = frozenset("0123456789")

# Children of w:rPr that come after w:lang in schema order.
_AFTER_LANG = frozenset(qn(f"w:{t}") for t in ("eastAsianLayout", "specVanish", "oMath", "rPrChange"))


def number_expressions(text: str) -> list[tuple[int, int]]:
    """(start, end) of each number of `text` that must stay on one line; ASCII digits only."""
    return [m.span() for m in NUMBER.finditer(text)]


def _glue(text: str) -> tuple[set[int], list[tuple[int, int]]]:
    """Offsets where a joiner goes (between a number's digits and its 万, %, ～ …) and the spans
    of the numbers that have such a sign (set in en-US whole)."""
    joins: set[int] = set()
    glued: list[tuple[int, int]] = []
    for m in NUMBER.finditer(text):
        start, end = m.span()
        inside_digits = {i + start for d in _DIGIT_SPAN.finditer(m.group()) for i in range(d.start() + 1, d.end())}
        seams = {i for i in range(start + 1, end) if i not in inside_digits}
        if seams:
            joins |= seams
            glued.append((start, end))
    return joins, glued


def _text_runs(p: etree._Element) -> list[etree._Element]:
    """The paragraph's runs in reading order whose only content is text (w:t after an optional rPr)."""

    def inner(el: etree._Element):
        for child in el:
            if not isinstance(child.tag, str) or child.tag in _SKIP or child.tag == _P:
                continue
            if child.tag == _R:
                yield child
            else:
                yield from inner(child)

    return [r for r in inner(p) if all(c.tag in (_T, _RPR) for c in r) and r.find(_T) is not None]


def _set_language(run: etree._Element, *, east_asian: bool) -> None:
    """en-US for the run's digits (the Latin slot); with `east_asian` for its 万, %, ～ too."""
    rpr = run.find(_RPR)
    if rpr is None:
        rpr = etree.Element(_RPR)
        run.insert(0, rpr)
    lang = rpr.find(_LANG)
    if lang is None:
        lang = etree.Element(_LANG)
        later = next((c for c in rpr if c.tag in _AFTER_LANG), None)
        if later is None:
            rpr.append(lang)
        else:
            later.addprevious(lang)
    lang.set(qn("w:val"), "en-US")
    if east_asian:
        lang.set(qn("w:eastAsia"), "en-US")


def _run_like(template: etree._Element, text: str, *, east_asian: bool = False) -> etree._Element:
    run = etree.Element(_R)
    rpr = template.find(_RPR)
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = etree.SubElement(run, _T)
    t.text = text
    t.set(_XML_SPACE, "preserve")
    if east_asian:
        _set_language(run, east_asian=True)
    return run


def _in_control(run: etree._Element) -> bool:
    return any(a.tag == _SDT for a in run.iterancestors())


def _rewrite_run(run: etree._Element, start: int, joins: set[int], glued: list[tuple[int, int]]) -> None:
    """Give `run` (its text at `start` in the paragraph) en-US digits; where a glued number
    passes through it, cut it into pieces with a joiner run at each offset of `joins`
    (one at its start or end stands before or after it)."""
    text = "".join(t.text or "" for t in run.iter(_T))
    end = start + len(text)
    inner = {j for j in joins if start < j < end}
    cuts = sorted({start, end} | inner | {x for a, b in glued for x in (a, b) if start < x < end})
    if len(cuts) == 2 and not joins:
        if any(ch in _ASCII_DIGITS for ch in text):
            _set_language(run, east_asian=any(a <= start and end <= b for a, b in glued))
        return
    pieces: list[etree._Element] = []
    for a, b in itertools.pairwise(cuts):
        if a in inner or (a == start and start in joins):
            pieces.append(_run_like(run, WORD_JOINER, east_asian=True))
        piece = _run_like(run, text[a - start : b - start])
        in_number = any(x <= a and b <= y for x, y in glued)
        if in_number or any(ch in _ASCII_DIGITS for ch in piece.findtext(_T)):
            _set_language(piece, east_asian=in_number)
        pieces.append(piece)
    if end in joins:
        pieces.append(_run_like(run, WORD_JOINER, east_asian=True))
    for piece in pieces:
        run.addprevious(piece)
    run.getparent().remove(run)


def _keep_in_paragraph(p: etree._Element) -> None:
    runs = _text_runs(p)
    texts = ["".join(t.text or "" for t in r.iter(_T)) for r in runs]
    whole = "".join(texts)
    if not any(ch.isdigit() for ch in whole):
        return
    joins, glued = _glue(whole)
    starts = [sum(len(t) for t in texts[:i]) for i in range(len(texts))]
    # A joiner at the seam of two runs goes to one of them: after the first, unless that one
    # is a figure's control (its text is the figure's), then before the second.
    owned: list[set[int]] = [set() for _ in runs]
    for j in joins:
        at = [i for i, s in enumerate(starts) if s < j < s + len(texts[i])]
        if at:
            owned[at[0]].add(j)
            continue
        before = [i for i, s in enumerate(starts) if s + len(texts[i]) == j and texts[i]]
        after = [i for i, s in enumerate(starts) if s == j and texts[i]]
        if before and not _in_control(runs[before[-1]]):
            owned[before[-1]].add(j)
        elif after:
            owned[after[0]].add(j)
        elif before:
            owned[before[-1]].add(j)
    for run, start, mine in zip(runs, starts, owned, strict=True):
        _rewrite_run(run, start, mine, glued)


# Table cells are left out: their columns are as wide as their widest number (tables.fit_table),
# and a 10,000-row table would double its runs for nothing.
_OUTSIDE_TABLES = etree.XPath(
    ".//w:p[not(ancestor::w:tbl)]", namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
)


def keep_numbers_whole(root: etree._Element) -> None:
    """Hold every number of every paragraph under `root` outside tables on one line."""
    paragraphs = [root] if root.tag == _P else _OUTSIDE_TABLES(root)
    for p in paragraphs:
        if WORD_JOINER not in "".join(t.text or "" for t in p.iter(_T)):
            _keep_in_paragraph(p)


def rejoin_paragraph(p: etree._Element) -> None:
    """Lay out anew the joiners of a paragraph whose text was changed after the build (refresh
    writes a figure's new text as one run): the old joiners and the runs that held only them
    taken out, then the paragraph glued as a build glues it. Table cells are left as they are."""
    if any(a.tag == _TBL for a in p.iterancestors()):
        return
    for t in p.iter(_T):
        if t.text and WORD_JOINER in t.text:
            t.text = t.text.replace(WORD_JOINER, "")
    for r in list(p.iter(_R)):  # runs left empty: those that held only joiners, or lost their text
        if all(c.tag in (_RPR, _T) for c in r) and not "".join(t.text or "" for t in r.iter(_T)):
            r.getparent().remove(r)
    _keep_in_paragraph(p)
