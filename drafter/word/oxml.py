"""Raw WordprocessingML that python-docx has no API for: inline content controls.

Every figure the templates printed arrives here as marked text inside a run;
`wrap_figures` splits such runs and puts each figure in its own inline
content control (`w:sdt`) whose tag names the figure and whose title (alias)
a person can read in Word. The run's formatting is copied to every piece, so
the surrounding text keeps its style.

The control is a rich-text one (no `w:text`): LibreOffice 7.4 writes a
plain-text control whose text mixes digits and Chinese (`300余`, `17万余`)
back as three controls repeating the text (`300余余300余300余`), and it drops
the alias and tag of a rich-text one. So each control also holds a hidden
bookmark `_drafter_f001`, which LibreOffice keeps: a figure is found by tag,
else alias, else bookmark.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from drafter.data.figures import MARK_CLOSE, MARK_OPEN, MARK_SEP, MARKED, WORD_CLOSE, WORDING_MARK, FigureRegistry

_W_T, _W_TAB, _W_BR = qn("w:t"), qn("w:tab"), qn("w:br")

# Zero-width "no break here" that word/nobreak.py puts between a number and its 万/%/～ so that
# LibreOffice keeps them on one line; no reader of a draft counts it as text.
WORD_JOINER = "\u2060"


def w_element(tag: str, children: Iterable[etree._Element | None] = (), **attributes: str | int) -> etree._Element:
    """`<w:tag w:a="…">children</w:tag>`, built with lxml (values escaped by it); a None child is
    left out, so optional parts can be written in place."""
    element = OxmlElement(f"w:{tag}")
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), str(value))
    for child in children:
        if child is not None:
            element.append(child)
    return element


# The children of w:pPr in schema order (CT_PPrBase, then pPr's own): Word refuses them out of order.
PPR_ORDER = tuple(
    qn(f"w:{tag}")
    for tag in (
        "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
        "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
        "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
        "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
        "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
    )
)  # fmt: skip


def put_in_ppr(ppr: etree._Element, element: etree._Element) -> etree._Element:
    """Put `element` into a paragraph's `w:pPr` at its schema place, replacing one of its tag."""
    old = ppr.find(element.tag)
    if old is not None:
        ppr.remove(old)
    later = set(PPR_ORDER[PPR_ORDER.index(element.tag) + 1 :])
    for child in ppr:
        if child.tag in later:
            child.addprevious(element)
            return element
    ppr.append(element)
    return element


def paragraph_text(p_element: etree._Element, *, breaks: bool = True) -> str:
    """All visible text of one `w:p`, content controls included. With `breaks`, a tab and a
    line break read as `\t` and `\n`, as a reader sees them; without, only the runs' text
    joined, as docxtpl joins a tag that Word split into runs."""
    parts = []
    for el in p_element.iter(_W_T, _W_TAB, _W_BR) if breaks else p_element.iter(_W_T):
        if el.tag == _W_T:
            parts.append((el.text or "").replace(WORD_JOINER, ""))
        else:
            parts.append("\t" if el.tag == _W_TAB else "\n")
    return "".join(parts)


TAG_PREFIX = "drafter:"
_SDT_ID_BASE = 0x2D000000  # any 32-bit value unique in the document

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def figure_tag(occ_id: str, ref: str) -> str:
    """`drafter:f001:query.column`; Word shows tags of up to 64 characters."""
    return f"{TAG_PREFIX}{occ_id}:{ref}"[:64]


def parse_tag(tag: str) -> tuple[str, str] | None:
    """(occurrence id, ref) from a tag written by `figure_tag`."""
    if not tag.startswith(TAG_PREFIX):
        return None
    rest = tag[len(TAG_PREFIX) :]
    occ_id, _, ref = rest.partition(":")
    return occ_id, ref


def figure_alias(description: str, occ_id: str) -> str:
    return f"{description}·{occ_id}" if description else occ_id


_ALIAS_ID = re.compile(r"·(f\d+)$")


def occurrence_id_from_alias(alias: str) -> str | None:
    """LibreOffice keeps a control's alias but drops its tag: the id is kept in both."""
    match = _ALIAS_ID.search(alias or "")
    return match.group(1) if match else None


BOOKMARK_PREFIX = "_drafter_"  # a leading underscore hides the bookmark in Word's list


def figure_bookmark(occ_id: str) -> str:
    return f"{BOOKMARK_PREFIX}{occ_id}"


def wording_bookmark(wording_id: str) -> str:
    return f"{BOOKMARK_PREFIX}{wording_id}"


def wording_id_from_bookmark(name: str) -> str | None:
    if not (name or "").startswith(BOOKMARK_PREFIX):
        return None
    wid = name[len(BOOKMARK_PREFIX) :]
    return wid if re.fullmatch(r"w\d+", wid) else None


def occurrence_id_from_bookmark(name: str) -> str | None:
    if not (name or "").startswith(BOOKMARK_PREFIX):
        return None
    occ_id = name[len(BOOKMARK_PREFIX) :]
    return occ_id if re.fullmatch(r"f\d+", occ_id) else None


def _w(tag: str, **attrs: str) -> etree._Element:
    # OxmlElement gives python-docx's element classes, which keep child order valid.
    el = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


_T, _TAB, _BR, _CR, _RPR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:rPr")
_PLAIN = re.compile(r"[\t\n]")


def _text_of_run(run: etree._Element) -> str:
    """A run's text as python-docx's `CT_R.text` gives it (tabs and breaks included), read
    without XPath: a long table has tens of thousands of runs."""
    parts = []
    for el in run:
        tag = el.tag
        if tag == _T:
            parts.append(el.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag in (_BR, _CR):
            parts.append("\n")
    return "".join(parts)


def _set_run_text(run: etree._Element, text: str) -> None:
    """Set a run's text; plain text into its one w:t directly, anything else through python-docx."""
    ts = [el for el in run if el.tag != _RPR]
    if len(ts) == 1 and ts[0].tag == _T and not _PLAIN.search(text):
        ts[0].text = text
        ts[0].set(_XML_SPACE, "preserve")
        return
    run.text = text


def _run_with_text(template_run: etree._Element, text: str) -> etree._Element:
    run = _w("r")
    rpr = template_run.find(_RPR)
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    if _PLAIN.search(text):
        run.text = text  # python-docx's setter: a tab becomes w:tab, a line break w:br
        for t in run.iter(_T):
            t.set(_XML_SPACE, "preserve")
    else:
        t = _w("t")
        t.text = text
        t.set(_XML_SPACE, "preserve")
        run.append(t)
    return run


def _marked_runs(root: etree._Element) -> list[etree._Element]:
    """The runs whose text (tabs and breaks included) holds a figure marker. A figure's text
    may hold a tab, which python-docx writes as w:tab between two w:t: a marker can span
    several w:t of its run, never several runs."""
    return [r for r in root.iter(qn("w:r")) if MARK_OPEN in _text_of_run(r)]


class _Controls:
    """Makes content controls fast: one prototype per run formatting, deep-copied per figure."""

    def __init__(self) -> None:
        self._prototypes: dict[bytes | None, etree._Element] = {}

    def make(
        self, run: etree._Element, text: str, tag: str, alias: str, sdt_id: int, bookmark: tuple[int, str]
    ) -> etree._Element:
        if _PLAIN.search(text):
            return content_control(run, text, tag, alias, sdt_id, bookmark)
        rpr = run.find(_RPR)
        key = None if rpr is None else etree.tostring(rpr)
        proto = self._prototypes.get(key)
        if proto is None:
            proto = self._prototypes[key] = content_control(run, "x", "t", "a", 0, (0, "b"))
        sdt = copy.deepcopy(proto)
        pr = sdt[0]
        pr.find(qn("w:alias")).set(qn("w:val"), alias)
        pr.find(qn("w:tag")).set(qn("w:val"), tag)
        pr.find(qn("w:id")).set(qn("w:val"), str(sdt_id))
        content = sdt[1]
        start, r, end = content[0], content[1], content[2]
        start.set(qn("w:id"), str(bookmark[0]))
        start.set(qn("w:name"), bookmark[1])
        end.set(qn("w:id"), str(bookmark[0]))
        r.find(_T).text = text
        return sdt


def content_control(
    run: etree._Element, text: str, tag: str, alias: str, sdt_id: int, bookmark: tuple[int, str] | None = None
) -> etree._Element:
    """An inline content control holding `text` formatted like `run` (and a bookmark (id, name))."""
    sdt = _w("sdt")
    pr = _w("sdtPr")
    rpr = run.find(qn("w:rPr"))
    if rpr is not None:
        pr.append(copy.deepcopy(rpr))
    pr.append(_w("alias", val=alias))
    pr.append(_w("tag", val=tag))
    pr.append(_w("id", val=str(sdt_id)))
    sdt.append(pr)
    content = _w("sdtContent")
    if bookmark is not None:
        content.append(_w("bookmarkStart", id=str(bookmark[0]), name=bookmark[1]))
    content.append(_run_with_text(run, text))
    if bookmark is not None:
        content.append(_w("bookmarkEnd", id=str(bookmark[0])))
    sdt.append(content)
    return sdt


def _split_run(
    run: etree._Element,
    text: str,
    registry: FigureRegistry,
    counter: list[int],
    bookmark_base: int = 0,
    controls: _Controls | None = None,
) -> list[etree._Element]:
    controls = controls or _Controls()
    pieces: list[etree._Element] = []
    pos = 0
    for match in MARKED.finditer(text):
        if match.start() > pos:
            pieces.append(_run_with_text(run, text[pos : match.start()]))
        occ_id, shown = match.group(1), match.group(2)
        occ = registry.occurrences.get(occ_id)
        if occ is None:
            pieces.append(_run_with_text(run, shown))
        else:
            counter[0] += 1
            pieces.append(
                controls.make(
                    run,
                    shown,
                    figure_tag(occ_id, occ.ref),
                    figure_alias(occ.description, occ_id),
                    _SDT_ID_BASE + counter[0],
                    (bookmark_base + counter[0], figure_bookmark(occ_id)),
                )
            )
        pos = match.end()
    if pos < len(text):
        pieces.append(_run_with_text(run, text[pos:]))
    return pieces


def number_in_document_order(root: etree._Element, registry: FigureRegistry) -> list[etree._Element]:
    """Renumber the registry so that f001 is the first figure a reader meets; return the
    marked runs (in document order)."""
    runs = _marked_runs(root)
    texts = [_text_of_run(r) for r in runs]
    order = [m.group(1) for t in texts for m in MARKED.finditer(t)]
    mapping = registry.renumber(order)
    for r, text in zip(runs, texts):
        renamed = MARKED.sub(
            lambda m: f"{MARK_OPEN}{mapping.get(m.group(1), m.group(1))}{MARK_SEP}{m.group(2)}{MARK_CLOSE}", text
        )
        if renamed != text:
            _set_run_text(r, renamed)  # keeps the run's properties
    return runs


def wrap_figures(root: etree._Element, registry: FigureRegistry, *, renumber: bool = True) -> int:
    """Replace every marked figure under `root` by a content control; return how many.
    `renumber=False` when `number_in_document_order` already ran."""
    runs = number_in_document_order(root, registry) if renumber else _marked_runs(root)
    counter = [0]
    bookmark_ids = [
        int(b.get(qn("w:id"))) for b in root.iter(qn("w:bookmarkStart")) if (b.get(qn("w:id")) or "").isdigit()
    ]
    bookmark_base = max(bookmark_ids, default=0)
    controls = _Controls()
    for run in runs:
        text = _text_of_run(run)
        parent = run.getparent()
        index = parent.index(run)
        parent.remove(run)
        for offset, piece in enumerate(_split_run(run, text, registry, counter, bookmark_base, controls)):
            parent.insert(index + offset, piece)
    return counter[0]


def mark_wordings(root: etree._Element) -> int:
    """Replace every wording marker under `root` by a bookmark (`_drafter_w001`) that starts
    and ends where the wording does (across paragraphs when it spans several); return how many.
    Figure markers inside stay in their runs, for `wrap_figures`."""
    used = [int(b.get(qn("w:id"))) for b in root.iter(qn("w:bookmarkStart")) if (b.get(qn("w:id")) or "").isdigit()]
    next_id = [max(used, default=0)]
    ids: dict[str, int] = {}
    for run in [r for r in root.iter(qn("w:r")) if WORDING_MARK.search(r.text or "")]:
        text = run.text
        parent = run.getparent()
        index = parent.index(run)
        parent.remove(run)
        pieces: list[etree._Element] = []
        pos = 0
        for match in WORDING_MARK.finditer(text):
            if match.start() > pos:
                pieces.append(_run_with_text(run, text[pos : match.start()]))
            wid = match.group(2)
            if match.group(1) == WORD_CLOSE:
                if wid in ids:
                    pieces.append(_w("bookmarkEnd", id=str(ids[wid])))
            else:
                next_id[0] += 1
                ids[wid] = next_id[0]
                pieces.append(_w("bookmarkStart", id=str(ids[wid]), name=wording_bookmark(wid)))
            pos = match.end()
        if pos < len(text):
            pieces.append(_run_with_text(run, text[pos:]))
        for offset, piece in enumerate(pieces):
            parent.insert(index + offset, piece)
    return len(ids)


def strip_all_marks(root: etree._Element) -> None:
    """Remove markers left anywhere (headers, properties) as plain text."""
    for run in _marked_runs(root):
        _set_run_text(run, MARKED.sub(lambda m: m.group(2), _text_of_run(run)))


def highlight_placeholders(root: etree._Element, registry: FigureRegistry) -> int:
    """Mark every 【待补充】 placeholder yellow, so an editor cannot miss it."""
    wanted = {o.id for o in registry.placeholders}
    count = 0
    if not wanted:
        return 0
    for sdt in root.iter(qn("w:sdt")):
        tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        parsed = parse_tag(tag.get(qn("w:val"), "")) if tag is not None else None
        if not parsed or parsed[0] not in wanted:
            continue
        for run in sdt.iter(qn("w:r")):
            run.get_or_add_rPr().get_or_add_highlight().val = WD_COLOR_INDEX.YELLOW
        count += 1
    return count
