"""A seeded generator of editors' edits to a built draft, for the mutation tests (test_mutations.py).

`Mutator(draft, seed)` opens a copy of any traced draft; each `plant_<kind>` makes one edit of that
kind at a random place the seed chooses and records where `check` must report it (the `w:p` it
should name) and which statuses may stand there. Benign edits (split or merge paragraphs, a
comment) record their paragraphs too, where nothing may be reported. `save()` writes the copy
and turns the recorded elements into paragraph indexes as `check` counts them.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.run import Run
from lxml import etree

from drafter.review.scan import control_id, run_text

_P, _R, _T, _SDT, _TBL, _TR, _TC = (qn(t) for t in ("w:p", "w:r", "w:t", "w:sdt", "w:tbl", "w:tr", "w:tc"))
EDITED, STALE, REMOVED, UNBACKED = "手工修改", "数据已变化", "已删除", "无来源数字"
COPIED, MOVED, HAND_EDITED = "复制的数字", "已移动", "措辞已手改"

# kind -> the statuses `check` may report at the planted place (empty: a benign edit, nothing to report)
KINDS: dict[str, frozenset[str]] = {
    "edit_inside": frozenset({EDITED}),
    "edit_outside": frozenset({UNBACKED}),
    "typed_beside": frozenset({EDITED}),
    "delete_control": frozenset({REMOVED}),
    "retype": frozenset({REMOVED, UNBACKED}),
    "copy": frozenset({COPIED, UNBACKED}),  # UNBACKED: an office suite dropped the copy's duplicate bookmark
    "move": frozenset({MOVED}),
    "split": frozenset(),
    "merge": frozenset(),
    "wording": frozenset({HAND_EDITED}),
    "table_cell": frozenset({EDITED}),
    "add_row": frozenset({EDITED}),
    "delete_row": frozenset({REMOVED}),
    "tracked": frozenset({EDITED}),
    "comment": frozenset(),
}
# text typed inside a conditional wording's range is also an edit of that wording: allowed beside
ALSO = {kind: frozenset({HAND_EDITED}) for kind in ("edit_outside", "copy", "move")}


@dataclass
class Planted:
    kind: str
    element: etree._Element  # the paragraph `check` must name
    statuses: frozenset[str]
    what: str = ""
    index: int = -1  # set by save()
    others: list[etree._Element] = field(default_factory=list)  # more paragraphs the edit touched


def _text(el: etree._Element) -> str:
    return "".join(run_text(r) for r in el.iter(_R))


def _in_table(el: etree._Element) -> bool:
    return any(a.tag == _TC for a in el.iterancestors())


class Mutator:
    def __init__(self, draft: Path, seed: int) -> None:
        self.doc = Document(str(draft))
        self.body = self.doc.element.body
        self.rng = random.Random(seed)
        self.planted: list[Planted] = []
        self.used: set[etree._Element] = set()  # paragraphs already edited (kept: an lxml proxy's id may be reused)
        self.number = 7000 + self.rng.randrange(900)  # typed numbers: distinct and in no template

    # -- places -------------------------------------------------------------------------------
    def _free(self, p: etree._Element) -> bool:
        return p not in self.used

    def _paragraph_of(self, el: etree._Element) -> etree._Element:
        return next(a for a in el.iterancestors() if a.tag == _P)

    def _controls(self, in_table: bool = False) -> list[etree._Element]:
        out = []
        for sdt in self.body.iter(_SDT):
            if control_id(sdt) and _text(sdt).strip() and any(c.isdigit() for c in _text(sdt)):
                p = self._paragraph_of(sdt)
                if _in_table(p) == in_table and self._free(p):
                    out.append(sdt)
        return out

    def _prose(self, with_figure: bool | None = None) -> list[etree._Element]:
        """Body paragraphs of running text (a sentence mark in them, outside tables)."""
        out = []
        for p in self.body.iter(_P):
            text = _text(p)
            if _in_table(p) or not self._free(p) or len(text) < 20 or not self._sentence_ends(p):
                continue
            has = any(control_id(s) for s in p.iter(_SDT))
            if with_figure is None or has == with_figure:
                out.append(p)
        return out

    def _plain_runs(self, p: etree._Element) -> list[etree._Element]:
        return [r for r in p if r.tag == _R and (r.findtext(_T) or "").strip()]

    def _sentence_ends(self, p: etree._Element) -> list[tuple[etree._Element, int]]:
        """(plain run, offset just after a 。 in it) where a new sentence may begin."""
        out = []
        for r in self._plain_runs(p):
            text = r.findtext(_T) or ""
            out += [(r, i + 1) for i, c in enumerate(text) if c == "。" and i + 1 < len(text)]
            if text.endswith("。"):
                out.append((r, len(text)))
        return out

    def _insert(self, p: etree._Element, *pieces: etree._Element | str) -> None:
        """Put runs of text and elements after a sentence of `p`, at a random one."""
        run, cut = self._pick(self._sentence_ends(p))
        t = run.find(_T)
        text = t.text or ""
        t.text = text[:cut]
        t.set(qn("xml:space"), "preserve")
        at = run
        for piece in [*pieces, text[cut:]]:
            if isinstance(piece, str):
                if not piece:
                    continue
                el = copy.deepcopy(run)
                el.find(_T).text = piece
            else:
                el = piece
            at.addnext(el)
            at = el

    def _pick(self, items: list):
        if not items:
            raise LookupError("no place for this edit in the draft")
        return items[self.rng.randrange(len(items))]

    def _plant(self, kind: str, p: etree._Element, what: str, *others: etree._Element) -> None:
        self.used.add(p)
        self.used.update(others)
        self.planted.append(Planted(kind, p, KINDS[kind], what, others=list(others)))

    def _typed(self) -> str:
        self.number += 1
        return str(self.number)

    # -- edits --------------------------------------------------------------------------------
    def plant(self, kind: str) -> bool:
        """Plant one edit of `kind`; False when the draft has no place for it (then nothing changed)."""
        try:
            getattr(self, f"plant_{kind}")()
        except LookupError:
            return False
        return True

    def plant_edit_inside(self) -> None:
        sdt = self._pick(self._controls())
        self._retype(sdt, self._typed())
        self._plant("edit_inside", self._paragraph_of(sdt), control_id(sdt) or "")

    def plant_typed_beside(self) -> None:
        """A digit typed right after a figure's control, outside it (`1428` + `0`)."""
        sdt = self._pick([s for s in self._controls() if _text(s).strip()[-1:].isdigit()])
        r, t = OxmlElement("w:r"), OxmlElement("w:t")
        t.text = "0"
        r.append(t)
        sdt.addnext(r)
        self._plant("typed_beside", self._paragraph_of(sdt), control_id(sdt) or "")

    def plant_table_cell(self) -> None:
        sdt = self._pick(self._controls(in_table=True))
        self._retype(sdt, self._typed())
        row = next(a for a in sdt.iterancestors() if a.tag == _TR)
        self._plant("table_cell", self._paragraph_of(sdt), control_id(sdt) or "", *row.iter(_P))

    def _retype(self, sdt: etree._Element, text: str) -> None:
        ts = list(sdt.iter(_T))
        ts[0].text = text
        for t in ts[1:]:
            t.text = ""

    def plant_edit_outside(self) -> None:
        p = self._pick(self._prose())
        self._insert(p, f"另有{self._typed()}家。")
        self._plant("edit_outside", p, "typed")

    def plant_delete_control(self) -> None:
        sdt = self._pick(self._controls())
        p = self._paragraph_of(sdt)
        sdt.getparent().remove(sdt)
        self._plant("delete_control", p, control_id(sdt) or "")

    def plant_retype(self) -> None:
        """Delete the control and type its number back as plain text."""
        sdt = self._pick(self._controls())
        p = self._paragraph_of(sdt)
        r, t = OxmlElement("w:r"), OxmlElement("w:t")
        t.text = _text(sdt)
        r.append(t)
        sdt.addprevious(r)
        sdt.getparent().remove(sdt)
        self._plant("retype", p, control_id(sdt) or "")

    def _other_sentence(self, home: etree._Element) -> etree._Element:
        """A paragraph of prose other than `home`."""
        return self._pick([p for p in self._prose() if p is not home])

    def plant_copy(self) -> None:
        """Copy a figure's control (same tag, as Word's copy-paste) into another sentence, type a number in it."""
        original = self._pick(self._controls())
        sdt = copy.deepcopy(original)
        self._retype(sdt, self._typed())
        home = self._paragraph_of(original)
        target = self._other_sentence(home)
        self._insert(target, "另据统计共", sdt, "家。")
        self._plant("copy", target, control_id(sdt) or "", home)

    def plant_move(self) -> None:
        """Cut a figure's control and paste it into another sentence."""
        sdt = self._pick(self._controls())
        home = self._paragraph_of(sdt)
        target = self._other_sentence(home)
        sdt.getparent().remove(sdt)
        self._insert(target, "另据统计共", sdt, "家。")
        self._plant("move", target, control_id(sdt) or "", home)

    def plant_split(self) -> None:
        """Split a paragraph in two after a sentence ending in a plain run."""
        candidates = []
        for p in self._prose():
            for r in self._plain_runs(p):
                text = r.findtext(_T) or ""
                cut = text.find("。")
                rest = text[cut + 1 :] + "".join(_text(f) for f in r.itersiblings() if f.tag in (_R, _SDT))
                if cut >= 0 and rest.strip():
                    candidates.append((p, r, cut + 1))
        p, r, cut = self._pick(candidates)
        t = r.find(_T)
        text = t.text or ""
        t.text = text[:cut]
        second = copy.deepcopy(p)
        for child in list(second):  # the second paragraph: the rest of the text
            if child.tag != qn("w:pPr"):
                second.remove(child)
        rest = copy.deepcopy(r)
        rest.find(_T).text = text[cut:]
        rest.find(_T).set(qn("xml:space"), "preserve")
        second.append(rest)
        for follower in list(r.itersiblings()):
            second.append(follower)
        p.addnext(second)
        self._plant("split", p, "split", second)

    def plant_merge(self) -> None:
        """Join a paragraph of prose with the next one."""
        candidates = []
        for p in self._prose():
            nxt = p.getnext()
            if nxt is not None and nxt.tag == _P and self._free(nxt) and len(_text(nxt)) > 20 and "。" in _text(nxt):
                candidates.append((p, nxt))
        p, nxt = self._pick(candidates)
        for child in list(nxt):
            if child.tag != qn("w:pPr"):
                p.append(child)
        nxt.getparent().remove(nxt)
        self._plant("merge", p, "merge")

    def plant_wording(self) -> None:
        """Change a word of a conditional wording (its bookmark range) without touching its numbers."""
        starts = {b.get(qn("w:id")): b for b in self.body.iter(qn("w:bookmarkStart"))}
        candidates = []
        for end in self.body.iter(qn("w:bookmarkEnd")):
            start = starts.get(end.get(qn("w:id")))
            if start is None or not (start.get(qn("w:name")) or "").startswith("_drafter_w"):
                continue
            if start.getparent() is not end.getparent() or not self._free(start.getparent()):
                continue
            runs = []
            for el in start.itersiblings():
                if el is end:
                    break
                if el.tag == _R and any(not c.isdigit() for c in (el.findtext(_T) or "")):
                    runs.append(el)
            if runs:
                candidates.append((start.getparent(), runs))
        p, runs = self._pick(candidates)
        t = self._pick(runs).find(_T)
        text = t.text or ""
        at = self._pick([i for i, c in enumerate(text) if not c.isdigit() and c.strip()])
        t.text = text[:at] + ("基本" if text[at] != "基" else "大体") + text[at + 1 :]
        self._plant("wording", p, "wording")

    def _table_rows(self) -> list[tuple[etree._Element, list[etree._Element]]]:
        out = []
        for tbl in self.body.iter(_TBL):
            rows = [tr for tr in tbl.iter(_TR) if any(control_id(s) for s in tr.iter(_SDT))]
            body = [
                tr
                for tr in rows
                if not _text(tr).startswith(("合计", "总计", "小计")) and all(self._free(p) for p in tr.iter(_P))
            ]
            if len(body) >= 2:
                out.append((tbl, body))
        return out

    def plant_add_row(self) -> None:
        """Copy a body row of a table (Word: insert row, paste) below itself."""
        _, rows = self._pick(self._table_rows())
        tr = self._pick(rows)
        new = copy.deepcopy(tr)
        tr.addnext(new)
        self._plant("add_row", next(new.iter(_P)), "row", *new.iter(_P), *tr.iter(_P))

    def plant_delete_row(self) -> None:
        tbl, rows = self._pick(self._table_rows())
        tr = self._pick(rows)
        tr.getparent().remove(tr)
        self._plant("delete_row", next(tbl.iter(_P)), "row", *[p for p in tbl.iter(_P) if self._free(p)])

    def plant_tracked(self) -> None:
        """With track changes on: a figure's text deleted and another typed (w:del + w:ins)."""
        sdt = self._pick(self._controls())
        content = sdt.find(qn("w:sdtContent"))
        runs = [r for r in content.iter(_R)]
        old = runs[0]
        deleted = OxmlElement("w:del")
        inserted = OxmlElement("w:ins")
        for el in (deleted, inserted):
            el.set(qn("w:id"), str(9000 + self.rng.randrange(1000)))
            el.set(qn("w:author"), "编辑")
            el.set(qn("w:date"), "2026-01-05T09:00:00Z")
        for r in runs:
            for t in r.iter(_T):
                t.tag = qn("w:delText")
        old.addprevious(deleted)
        for r in runs:
            deleted.append(r)
        new = copy.deepcopy(runs[0])
        for t in new.iter(qn("w:delText")):
            t.tag = _T
            t.text = self._typed()
        inserted.append(new)
        deleted.addnext(inserted)
        self._plant("tracked", self._paragraph_of(sdt), control_id(sdt) or "")

    def plant_comment(self) -> None:
        p = self._pick(self._prose())
        runs = self._plain_runs(p) or [r for r in p.iter(_R)]
        self.doc.add_comment(
            [Run(runs[0], self.doc), Run(runs[-1], self.doc)], text="请核实。", author="审核人", initials="审"
        )
        self._plant("comment", p, "comment")

    def strip_controls(self) -> None:
        """What an office suite that drops content controls and bookmarks leaves (a WPS-style
        save): their text as plain runs; the manifest stays."""
        for sdt in list(self.body.iter(_SDT)):
            parent, index = sdt.getparent(), sdt.getparent().index(sdt)
            for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
                parent.insert(index + k, child)
            parent.remove(sdt)
        for mark in list(self.body.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd"))):
            mark.getparent().remove(mark)

    # -- saving -------------------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        index = {p: i for i, p in enumerate(self.body.iter(_P))}
        for item in self.planted:
            item.index = index[item.element]
        self.doc.save(str(path))
        return path


@dataclass
class Score:
    planted: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    false: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for kind, n in other.planted.items():
            self.planted[kind] = self.planted.get(kind, 0) + n
            self.found[kind] = self.found.get(kind, 0) + other.found.get(kind, 0)
        self.false += other.false

    def lines(self) -> list[str]:
        return [f"{kind:15} {self.found.get(kind, 0)}/{n}" for kind, n in sorted(self.planted.items())] + [
            f"false findings: {len(self.false)}"
        ]


def score(report, planted: list[Planted]) -> Score:
    """Each planted edit found at its place (a benign one: nothing there), and the findings no
    edit explains."""
    out = Score()
    explained: set[int] = set()
    places: dict[int, set[str]] = {}
    for item in planted:
        places.setdefault(item.index, set()).update(item.statuses | ALSO.get(item.kind, frozenset()))
    for item in planted:
        out.planted[item.kind] = out.planted.get(item.kind, 0) + 1
        here = [f for f in report.findings if f.paragraph == item.index]
        if item.statuses:
            hit = [f for f in here if f.status in item.statuses]
        else:
            hit = [True] if not [f for f in here if f.status not in places[item.index]] else []
        if hit:
            out.found[item.kind] = out.found.get(item.kind, 0) + 1
    for f in report.findings:
        if f.status not in places.get(f.paragraph, set()) and id(f) not in explained:
            out.false.append(f"{f.status} ¶{f.paragraph} {getattr(f, 'label', '')} {getattr(f, 'note', '')}")
    for finding in report.rules:
        out.false.append(f"rule {finding.rule}")
    return out
