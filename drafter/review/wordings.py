"""`check` for wording: does each conditional sentence still take the branch the data now give?

The draft's manifest records every traced wording (drafter.text.wording): its condition, the
figures it read, the branch taken and the text it produced; the draft marks the text with a
bookmark range `_drafter_w001`. The fresh render of `check` traces the same conditions on
current data. The k-th wording of a condition in the draft is compared with the k-th of the
same condition now:

    一致        the same branch, and the draft's text is the template's (numbers aside: a figure
                in a wording is judged as a figure); or another branch, and an editor already
                rewrote the sentence exactly as the data now give it (the finding cleared)
    措辞已变化  another branch: the sentence in the draft, and the wording the data now give
    措辞已手改  the same branch, but an editor changed its words: the template's wording and the
                draft's

The template's plain text, outside any condition, is compared too (`text_edits`, below): a
sentence an editor reworded there is a WordingCheck without a condition (`plain`), 措辞已手改 too.

A wording inside one whose branch changed is not reported again (its parent says it all), and a
figure printed inside a changed wording that the fresh render no longer prints is 数据已变化.

Without a manifest (an office suite dropped it), each branch's text as the template writes it
is looked for in the aligned draft paragraph: a paragraph holding another branch's words and
not the words the data now give is 措辞已变化 (the weaker mode, as for figures).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.data.figures import json_value
from drafter.review.scan import ScannedParagraph, map_span, sentence_around

CONSISTENT = "一致"
REWORDED = "措辞已变化"
HAND_EDITED = "措辞已手改"


def reads_text(reads: list[tuple[str, Any]] | None) -> str:
    return "，".join(f"{ref} = {value}" for ref, value in reads or [])


@dataclass
class WordingCheck:
    """One traced wording of the draft and whether the data still choose it."""

    id: str
    cid: str
    status: str
    part: str
    condition: str
    sentence: str
    draft_text: str | None
    built_text: str | None
    current_text: str | None
    built_label: str | None
    current_label: str | None
    built_reads: list[tuple[str, Any]] = field(default_factory=list)
    current_reads: list[tuple[str, Any]] = field(default_factory=list)
    template: str | None = None
    line: int | None = None
    note: str = ""
    paragraph: int | None = None
    span: tuple[int, int] | None = None
    current_sentence: str = ""
    fresh_id: str | None = None  # the corresponding wording of the fresh render
    template_changed: bool = False  # `line` is of the template as the draft was built; it changed since
    current_line: int | None = None  # the condition's line in the current template

    @property
    def finding(self) -> bool:
        return self.status != CONSISTENT

    @property
    def plain(self) -> bool:
        """The template's plain text, outside any condition (drafter.review.edits)."""
        return not self.cid

    @property
    def label(self) -> str:
        return f"{self.id}的模板文字" if self.plain else f"{self.id} 条件“{self.condition}”"

    @property
    def heading(self) -> str:
        """The report's first line about it: status, which wording, the template line."""
        return f"[{self.status}] {self.label}（{self.where}）"

    @property
    def where(self) -> str:
        place = f"{self.template}:{self.line}" if self.template and self.line else (self.template or "")
        if not (place and self.template_changed):
            return place
        now = f"，现为第 {self.current_line} 行" if self.current_line and self.current_line != self.line else ""
        return f"{place}，生成草稿时的模板；模板此后已改动{now}"

    def lines(self) -> list[str]:
        """What the report says about it, line by line (without the status line)."""
        out = [f"  句子：{self.sentence}" if self.sentence else "  句子：（草稿中找不到这句）"]
        if self.plain:
            return [
                *out,
                f"  草稿中的文字：{_quoted(self.draft_text)}",
                f"  模板写出的文字：{_quoted(self.built_text)}",
            ]
        built = f"生成时：{self.built_label}（{reads_text(self.built_reads)}）" if self.built_label else ""
        now = f"当前数据：{self.current_label}（{reads_text(self.current_reads)}）"
        out.append("  " + "　".join(filter(None, [built, now])))
        out.append(f"  草稿中的措辞：{_quoted(self.draft_text)}")
        if self.status == HAND_EDITED:
            out.append(f"  模板按数据写出的措辞：{_quoted(self.built_text)}")
        else:
            out.append(f"  数据现在给出的措辞：{_quoted(self.current_text)}")
        return out


def _quoted(text: str | None) -> str:
    if text is None:
        return "—"
    return f"“{text}”" if text else "（无文字）"


@dataclass
class WordingResult:
    checks: list[WordingCheck]
    dropped: dict[str, WordingCheck]  # built wording id → the changed wording it is in (itself or a parent)
    covered: dict[int, list[tuple[int, int]]]  # draft paragraph → spans of changed wordings
    warnings: list[str]
    # built wording id → the wording (itself or a parent) an editor already rewrote as the data now give
    rewritten: dict[str, WordingCheck] = field(default_factory=dict)

    def changed_now(self, fresh_wordings: dict) -> set[str]:
        """Fresh wording ids that stand in a changed wording (itself or a parent)."""
        changed = {w.fresh_id for w in self.checks if w.finding and w.fresh_id}
        for fw in fresh_wordings.values():  # parents come first
            if fw.parent in changed:
                changed.add(fw.id)
        return changed


def _bare(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the figures at `spans` and without spaces: a figure in a wording is judged
    as a figure (手工修改, 已删除, 数据已变化), not as a change of its wording."""
    out, pos = [], 0
    for a, b in sorted(spans):
        out.append(text[pos:a])
        pos = max(pos, b)
    out.append(text[pos:])
    return "".join(out)


def _numberless(text: str) -> str:
    return re.sub(r"\d+(?:[.,．]\d+)*[%％‰]?|\s+", "", text)


def _without(text: str, figures: list[str]) -> str:
    """The text without each figure's text (once each), without numbers and spaces: numbers are
    judged as figures or as numbers without a source, not as a change of wording."""
    for figure in figures:
        text = text.replace(figure, "", 1) if figure else text
    return _numberless(text)


def _shape(cid: str, conditions: list[str]) -> tuple:
    """A condition known apart from its line (a cid is `template:line:i2`, the template's second
    `{% if %}`): its template, its place among the template's conditions and its tests. A line
    added above it since the draft was built leaves its shape as it was."""
    template, _line, place = cid.rsplit(":", 2) if cid.count(":") >= 2 else (cid, "", "")
    return template, place, tuple(conditions)


def _same_text(a: str | None, b: str | None) -> bool:
    return re.sub(r"\s+", "", a or "") == re.sub(r"\s+", "", b or "")


class _Wordings:
    """The draft's wordings against the fresh render's (see the module docstring)."""

    def __init__(self, fresh_wordings, draft, fresh, alignment, draft_ranges, fresh_ranges) -> None:
        self.draft, self.fresh, self.alignment = draft, fresh, alignment
        self.draft_ranges, self.fresh_ranges = draft_ranges, fresh_ranges
        self.result = WordingResult([], {}, {}, [])
        self.by_key: dict[tuple[str, int], Any] = {}
        self.by_shape: dict[tuple, Any] = {}  # the same condition after lines moved in its template
        seen: dict[str, int] = {}
        for fw in fresh_wordings.values():
            k = seen.get(fw.cid, 0)
            seen[fw.cid] = k + 1
            self.by_key[(fw.cid, k)] = fw
            self.by_shape.setdefault((_shape(fw.cid, fw.conditions), k), fw)

    def fresh_place(self, fw) -> tuple[int | None, tuple[int, int] | None]:
        r = self.fresh_ranges.get(fw.id) if fw is not None else None
        if r is None:
            return None, None
        j = r.start[0]
        return j, r.span_in(j, len(self.fresh[j].text))

    def compare(self, manifest) -> WordingResult:
        parents = {w.id: w.parent for w in manifest.wordings}
        self.figure_texts: dict[str, list[str]] = {}  # wording → built texts of the figures in it
        for fig in manifest.figures:
            wording = getattr(fig, "wording", None)
            while wording:
                self.figure_texts.setdefault(wording, []).append(fig.text or "")
                wording = parents.get(wording)
        self.bare: dict[str, str] = {}  # wording → its draft text without figures
        seen: dict[str, int] = {}
        for bw in manifest.wordings:
            k = seen.get(bw.cid, 0)
            seen[bw.cid] = k + 1
            parent = self.result.dropped.get(bw.parent or "") or self.result.rewritten.get(bw.parent or "")
            if parent is not None:  # told by its parent
                self._dropped_or_rewritten(parent)[bw.id] = parent
                continue
            fw = self.by_key.get((bw.cid, k)) or self.by_shape.get((_shape(bw.cid, bw.conditions), k))
            if fw is None:
                self.result.warnings.append(
                    f"草稿中的条件措辞 {bw.id}（{bw.template}:{bw.line}）在当前模板中已找不到，未核对。"
                )
                continue
            self.result.checks.append(self._one(bw, fw))
        return self.result

    def _dropped_or_rewritten(self, wc: WordingCheck) -> dict[str, WordingCheck]:
        return self.result.dropped if wc.status == REWORDED else self.result.rewritten

    def _one(self, bw, fw) -> WordingCheck:
        wc = WordingCheck(
            id=bw.id,
            cid=bw.cid,
            status=CONSISTENT,
            part=bw.part or fw.part or "",
            condition="；".join(bw.conditions or fw.conditions),
            sentence="",
            draft_text=None,
            built_text=bw.text,
            current_text=fw.text,
            built_label=bw.label,
            current_label=fw.label,
            built_reads=[(r.ref, r.value) for r in bw.reads],
            current_reads=[(ref, json_value(v)) for ref, v in fw.reads],
            # the line the draft records: the template as it was when the draft was built
            template=bw.template or fw.template,
            line=bw.line if bw.template else fw.line,
            current_line=fw.line,
            fresh_id=fw.id,
        )
        j, fspan = self.fresh_place(fw)
        i, span = self._draft_place(bw, j, fspan, wc)
        if i is not None:
            wc.paragraph = i
            a, b = span or (0, 0)
            wc.span = (a, b) if b > a else None
            wc.sentence = sentence_around(self.draft[i].text, a, b)
        if j is not None and fspan is not None:
            wc.current_sentence = sentence_around(self.fresh[j].text, *fspan)
        figures = self.figure_texts.get(bw.id, [])
        bare = self.bare.get(bw.id)  # a figure's text retyped without its control is not a wording edit
        edited = bare is not None and _without(bare, figures) != _without(bw.text, figures)
        self._judge(wc, bw.branch != fw.branch, edited)
        return wc

    def _cut(self, bw_id: str, n: int, a: int, b: int) -> str:
        """The draft paragraph n's text a:b, and (kept for the comparison) without its figures."""
        text = self.draft[n].text
        spans = [(max(a, s.start) - a, min(b, s.end) - a) for s in self.draft[n].figures if s.start < b and s.end > a]
        self.bare[bw_id] = self.bare.get(bw_id, "") + _bare(text[a:b], spans)  # completed in _one
        return text[a:b]

    def _draft_place(self, bw, j, fspan, wc: WordingCheck) -> tuple[int | None, tuple[int, int] | None]:
        """Where it stands in the draft: its bookmark, else its place in the aligned paragraph."""
        draft = self.draft
        r = self.draft_ranges.get(bw.id)
        if r is not None:
            i = r.start[0]
            end = r.end or r.start
            pieces = [self._cut(bw.id, n, *(r.span_in(n, len(draft[n].text)) or (0, 0))) for n in range(i, end[0] + 1)]
            wc.draft_text = "\n".join(pieces)
            return i, r.span_in(i, len(draft[i].text))
        i = self.alignment.get(j) if j is not None else None
        if i is None:
            return None, None
        built = bw.text or ""
        at = draft[i].text.find(built) if built else -1
        span = None
        if at >= 0:
            span = (at, at + len(built))
        elif fspan is not None and j is not None:
            span = map_span(self.fresh[j].text, draft[i].text, *fspan)
        if span is not None:
            wc.draft_text = draft[i].text[span[0] : span[1]]
        # Without its bookmark the wording's edges are a guess: it is hand-edited only when its
        # words (numbers aside) stand nowhere in the paragraph.
        found = _numberless(built) in _numberless(draft[i].text)
        self.bare[bw.id] = built if found else "\0"
        return i, span

    def _judge(self, wc: WordingCheck, branch_changed: bool, edited: bool) -> None:
        edited = edited and wc.draft_text is not None
        if branch_changed and wc.draft_text is not None and _same_text(wc.draft_text, wc.current_text):
            wc.note = "草稿已按当前数据改写为现在的措辞。"  # a finding fixed by hand clears
            self.result.rewritten[wc.id] = wc
            self._cover(wc)
        elif branch_changed:
            wc.status = REWORDED
            self.result.dropped[wc.id] = wc
            self._cover(wc)
            if edited:
                wc.note = "草稿中这段措辞已被编辑过。"
        elif edited:
            wc.status = HAND_EDITED
            wc.note = "条件的取值未变，但草稿中的措辞与模板按数据写出的不同：请核实改动的依据。"

    def _cover(self, wc: WordingCheck) -> None:
        if wc.paragraph is not None and wc.span:
            self.result.covered.setdefault(wc.paragraph, []).append(wc.span)


def changed_templates(manifest: Any, root: Path) -> set[str]:
    """The section templates (by file name, as wordings name them) whose text differs from the
    text the draft's manifest recorded at build time: a line the draft names is then not the
    current template's line. Empty for a draft that did not record its templates."""
    changed = set()
    for name, text in (manifest.templates if manifest is not None else {}).items():
        path = root / name
        try:
            now = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            now = None
        if now != text:
            changed.add(Path(name).name)
    return changed


def mark_changed_templates(checks: list[WordingCheck], manifest: Any, root: Path) -> None:
    """Say of each wording finding whose template changed since the draft was built that its
    line is the template's as it was then."""
    if any(w.finding for w in checks):
        changed = changed_templates(manifest, root)
        for w in checks:
            w.template_changed = bool(w.template) and Path(w.template or "").name in changed


def compare_wordings(
    manifest: Any,
    fresh_wordings: dict,
    conditions: dict,
    draft: list,
    fresh: list,
    alignment: dict[int, int],
    draft_ranges: dict,
    fresh_ranges: dict,
) -> WordingResult:
    """Compare the draft's wordings with the fresh render's (see the module docstring)."""
    wordings = _Wordings(fresh_wordings, draft, fresh, alignment, draft_ranges, fresh_ranges)
    if manifest is None or not manifest.has_wordings:
        _without_manifest(wordings.result, fresh_wordings, conditions, draft, fresh, alignment, wordings.fresh_place)
        return wordings.result
    return wordings.compare(manifest)


def _without_manifest(
    result: WordingResult,
    fresh_wordings: dict,
    conditions: dict,
    draft: list,
    fresh: list,
    alignment: dict[int, int],
    fresh_place,
) -> None:
    for fw in fresh_wordings.values():
        condition = conditions.get(fw.cid)
        j, fspan = fresh_place(fw)
        i = alignment.get(j) if j is not None else None
        if condition is None or i is None:
            continue
        text = draft[i].text
        own = condition.patterns[fw.branch] if fw.branch < len(condition.patterns) else None
        if own is not None and re.search(own, text):
            continue
        for b, pattern in enumerate(condition.patterns):
            if b == fw.branch or pattern is None:
                continue
            match = re.search(pattern, text)
            if match is None:
                continue
            wc = WordingCheck(
                id=fw.id,
                cid=fw.cid,
                status=REWORDED,
                part=fw.part or "",
                condition=fw.condition,
                sentence=sentence_around(text, match.start(), match.end()),
                draft_text=match.group(),
                built_text=None,
                current_text=fw.text,
                built_label=None,
                current_label=fw.label,
                current_reads=[(ref, json_value(v)) for ref, v in fw.reads],
                template=fw.template,
                line=fw.line,
                paragraph=i,
                span=(match.start(), match.end()),
                note=f"草稿没有生成记录：按模板文字判断，草稿中是“{condition.labels[b]}”分支的措辞。",
                fresh_id=fw.id,
            )
            if fspan is not None:
                wc.current_sentence = sentence_around(fresh[j].text, *fspan)
            result.checks.append(wc)
            result.covered.setdefault(i, []).append((match.start(), match.end()))
            break


# --------------------------------------------------------------------------- the templates' plain text
#
# `check` for the template's plain text: a sentence an editor reworded outside any condition.
#
# A draft's manifest records each paragraph of the section templates as the build wrote it, with
# its template line and where its figures stand (drafter/word/manifest.py). The draft's paragraphs
# are aligned with those records and compared without their figures, numbers and spaces (a figure
# is judged as a figure, a number without a source as such); a paragraph whose remaining words
# differ is 措辞已手改 of the template's plain text, told with the sentence as built, as it stands
# in the draft and the template line it came from — an edit, not a data mismatch.
#
# A conditional wording an editor changed is told by its own check (above); its text is left out
# here, so the change is told once. A paragraph added or deleted as a whole is not told here (its
# numbers are told as numbers without a source or deleted figures). Without a manifest, or with
# one of a release that did not record paragraphs, there is no built text to compare with.

_NUMBER_OR_SPACE = re.compile(r"\d+(?:[.,．]\d+)*[%％‰]?|\s+")
_ENDS = "。；！？!?;\n"
_PAIRED = 0.5  # how alike two paragraphs' words must be to be one paragraph, edited


def _cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` without `spans`, numbers and spaces: the words a reviewer reads as the wording."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a >= pos:
            out.append(text[pos:a])
        pos = max(pos, b)
    out.append(text[pos:])
    return _NUMBER_OR_SPACE.sub("", "".join(out))


def _recorded_spans(entry: Any) -> list[tuple[int, int]]:
    return [(int(start), int(end)) for _id, start, end in entry.figures]


def _draft_spans(paragraph: ScannedParagraph) -> list[tuple[int, int]]:
    return [(span.start, span.end) for span in paragraph.figures]


def _joined(whole: str, parts: list[str], start: int, stop: int) -> int | None:
    """The end of the run of `parts` from `start` whose words, joined, are `whole` (a paragraph
    split in two, or two merged into one); None when there is none."""
    joined = ""
    for k in range(start, stop):
        joined += parts[k]
        if joined == whole:
            return k + 1
        if not whole.startswith(joined):
            return None
    return None


def _pairs(recorded: list[str], drafted: list[str]) -> Iterator[tuple[int, int]]:
    """(recorded index, draft index) of paragraphs that correspond but whose words differ; a
    paragraph split in two, or two merged into one, with their words unchanged, is no pair."""
    matcher = difflib.SequenceMatcher(None, recorded, drafted, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        i, j = i1, j1
        while i < i2 and j < j2:
            if not recorded[i] or recorded[i] == drafted[j]:
                i, j = i + 1, j + (recorded[i] == drafted[j])
            elif not drafted[j]:
                j += 1
            elif (split := _joined(recorded[i], drafted, j, j2)) is not None:
                i, j = i + 1, split
            elif (merged := _joined(drafted[j], recorded, i, i2)) is not None:
                i, j = merged, j + 1
            else:
                scored = [(difflib.SequenceMatcher(None, recorded[i], drafted[k]).ratio(), k) for k in range(j, j2)]
                ratio, k = max(scored)
                if ratio > _PAIRED:  # later paragraphs pair later
                    yield i, k
                    j = k + 1
                i += 1


def _masked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with `spans` (figures, wordings told apart) blotted out, each character kept in place."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = "\0" * (b - a)
    return "".join(chars)


def _changed_place(before: str, after: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The span of `before` and of `after` from their first to their last change of words (a
    change of numbers, spaces or blotted-out text only is no change of words)."""
    ops = [
        op
        for op in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        if op[0] != "equal"
        and (
            _NUMBER_OR_SPACE.sub("", before[op[1] : op[2]].replace("\0", ""))
            or _NUMBER_OR_SPACE.sub("", after[op[3] : op[4]].replace("\0", ""))
        )
    ]
    if not ops:
        return (0, 0), (0, 0)
    return (ops[0][1], ops[-1][2]), (ops[0][3], ops[-1][4])


def _sentence(text: str, a: int, b: int) -> tuple[int, int]:
    """The bounds of the sentence(s) of `text` holding text[a:b]."""
    left = max((text.rfind(ch, 0, a) for ch in _ENDS), default=-1) + 1
    right = min((i for i in (text.find(ch, max(b - 1, left)) for ch in _ENDS) if i >= 0), default=len(text) - 1)
    return left, right + 1


def _told(found: Sequence[Any], paragraph: int, sentence: tuple[int, int]) -> bool:
    """Whether another finding (a copied figure, a number without a source) stands in the
    changed sentence: the reviewer is sent there already, and the sentence is told once."""
    for item in found:
        if item.paragraph != paragraph:
            continue
        if item.span is None or (item.span[0] < sentence[1] and item.span[1] > sentence[0]):
            return True
    return False


def text_edits(
    manifest: Any,
    draft: list[ScannedParagraph],
    wordings: Sequence[WordingCheck],
    told: Sequence[Any] = (),
) -> list[WordingCheck]:
    """The paragraphs of the templates' plain text an editor reworded (see the module docstring);
    a change in a sentence where a finding of `told` stands is left to that finding."""
    records = list(getattr(manifest, "paragraphs", None) or [])
    if not records:
        return []
    # a conditional wording's own words are told by its check: left out on both sides
    in_draft: dict[int, list[tuple[int, int]]] = {}
    built_words: dict[int, list[str]] = {}
    for w in wordings:
        if w.paragraph is not None and w.span:
            in_draft.setdefault(w.paragraph, []).append(w.span)
            built_words.setdefault(w.paragraph, []).extend((w.built_text or "").split("\n"))
    texts = [p for p in draft if p.text.strip()]
    recorded = [_cut(r.text, _recorded_spans(r)) for r in records]
    drafted = [_cut(p.text, _draft_spans(p)) for p in texts]
    edits = []
    for i, j in _pairs(recorded, drafted):
        entry, paragraph = records[i], texts[j]
        spans = _recorded_spans(entry)
        for words in built_words.get(paragraph.index, []):
            at = entry.text.find(words) if words else -1
            if at >= 0:
                spans.append((at, at + len(words)))
        drafted_spans = _draft_spans(paragraph) + in_draft.get(paragraph.index, [])
        if _cut(entry.text, spans) == _cut(paragraph.text, drafted_spans):
            continue  # only a conditional wording or figures differ: told there
        (a, b), (c, d) = _changed_place(_masked(entry.text, spans), _masked(paragraph.text, drafted_spans))
        if _told(told, paragraph.index, _sentence(paragraph.text, c, d)):
            continue
        name = Path(entry.template).name
        edits.append(
            WordingCheck(
                id=f"正文第 {i + 1} 段",
                cid="",
                status=HAND_EDITED,
                part="",
                condition="",
                sentence=sentence_around(paragraph.text, c, d),
                draft_text=sentence_around(paragraph.text, c, d),
                built_text=sentence_around(entry.text, a, b),
                current_text=None,
                built_label=None,
                current_label=None,
                template=name,
                line=entry.lines[0] if entry.lines else None,
                note="模板写出的文字在草稿中被改动（不涉及数字）：请核实改动的依据。",
                paragraph=paragraph.index,
                span=(c, d) if d > c else None,
            )
        )
    return edits
