"""`check` for the template's plain text: a sentence an editor reworded outside any condition.

A draft's manifest records each paragraph of the section templates as the build wrote it, with
its template line and where its figures stand (drafter/word/manifest.py). The draft's paragraphs
are aligned with those records and compared without their figures, numbers and spaces (a figure
is judged as a figure, a number without a source as such); a paragraph whose remaining words
differ is 措辞已手改 of the template's plain text, told with the sentence as built, as it stands
in the draft and the template line it came from — an edit, not a data mismatch.

A conditional wording an editor changed is told by drafter.review.wordings; its text is left out
here, so the change is told once. A paragraph added or deleted as a whole is not told here (its
numbers are told as numbers without a source or deleted figures). Without a manifest, or with
one of a release that did not record paragraphs, there is no built text to compare with.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from drafter.review.scan import ScannedParagraph, sentence_around
from drafter.review.wordings import HAND_EDITED, WordingCheck

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


def _pairs(recorded: list[str], drafted: list[str]) -> Iterator[tuple[int, int]]:
    """(recorded index, draft index) of paragraphs that correspond but whose words differ."""
    matcher = difflib.SequenceMatcher(None, recorded, drafted, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        free = list(range(j1, j2))
        for i in range(i1, i2):
            scored = [(difflib.SequenceMatcher(None, recorded[i], drafted[j]).ratio(), j) for j in free]
            best = max(scored, default=(0.0, -1))
            if best[0] > _PAIRED:
                free = [j for j in free if j > best[1]]  # in order: later paragraphs pair later
                yield i, best[1]


def _changed_place(before: str, after: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The span of `before` and of `after` from their first to their last difference."""
    ops = [op for op in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes() if op[0] != "equal"]
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
        before = _cut(entry.text, spans)
        if before == _cut(paragraph.text, _draft_spans(paragraph) + in_draft.get(paragraph.index, [])):
            continue  # only a conditional wording or figures differ: told there
        (a, b), (c, d) = _changed_place(entry.text, paragraph.text)
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
