"""`check` for wording: does each conditional sentence still take the branch the data now give?

The draft's manifest records every traced wording (drafter.text.wording): its condition, the
figures it read, the branch taken and the text it produced; the draft marks the text with a
bookmark range `_drafter_w001`. The fresh render of `check` traces the same conditions on
current data. The k-th wording of a condition in the draft is compared with the k-th of the
same condition now:

    一致        the same branch
    措辞已变化  another branch: the sentence in the draft, and the wording the data now give

A wording inside one whose branch changed is not reported again (its parent says it all), and a
figure printed inside a changed wording that the fresh render no longer prints is 数据已变化.

Without a manifest (an office suite dropped it), each branch's text as the template writes it
is looked for in the aligned draft paragraph: a paragraph holding another branch's words and
not the words the data now give is 措辞已变化 (the weaker mode, as for figures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from drafter.data.figures import json_value

CONSISTENT = "一致"
REWORDED = "措辞已变化"


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

    @property
    def finding(self) -> bool:
        return self.status != CONSISTENT

    @property
    def label(self) -> str:
        return f"{self.id} 条件“{self.condition}”"

    @property
    def where(self) -> str:
        return f"{self.template}:{self.line}" if self.template and self.line else (self.template or "")

    def lines(self) -> list[str]:
        """What the report says about it, line by line (without the status line)."""
        out = [f"  句子：{self.sentence}" if self.sentence else "  句子：（草稿中找不到这句）"]
        built = f"生成时：{self.built_label}（{reads_text(self.built_reads)}）" if self.built_label else ""
        now = f"当前数据：{self.current_label}（{reads_text(self.current_reads)}）"
        out.append("  " + "　".join(filter(None, [built, now])))
        out.append(f"  草稿中的措辞：{_quoted(self.draft_text)}")
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

    def changed_now(self, fresh_wordings: dict) -> set[str]:
        """Fresh wording ids that stand in a changed wording (itself or a parent)."""
        changed = {w.fresh_id for w in self.checks if w.finding and w.fresh_id}
        for fw in fresh_wordings.values():  # parents come first
            if fw.parent in changed:
                changed.add(fw.id)
        return changed


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
    from drafter.review.scan import sentence_around

    result = WordingResult([], {}, {}, [])

    def fresh_place(fw) -> tuple[int | None, tuple[int, int] | None]:
        r = fresh_ranges.get(fw.id) if fw is not None else None
        if r is None:
            return None, None
        j = r.start[0]
        return j, r.span_in(j, len(fresh[j].text))

    by_key: dict[tuple[str, int], Any] = {}
    seen: dict[str, int] = {}
    for fw in fresh_wordings.values():
        k = seen.get(fw.cid, 0)
        seen[fw.cid] = k + 1
        by_key[(fw.cid, k)] = fw

    if manifest is None or not manifest.has_wordings:
        _without_manifest(result, fresh_wordings, conditions, draft, fresh, alignment, fresh_place)
        return result

    seen.clear()
    for bw in manifest.wordings:
        cid = bw.cid
        k = seen.get(cid, 0)
        seen[cid] = k + 1
        fw = by_key.get((cid, k))
        parent = result.dropped.get(bw.parent or "")
        if parent is not None:
            result.dropped[bw.id] = parent
            continue
        built_reads = [(r.ref, r.value) for r in bw.reads]
        if fw is None:
            result.warnings.append(f"草稿中的条件措辞 {bw.id}（{bw.template}:{bw.line}）在当前模板中已找不到，未核对。")
            continue
        wc = WordingCheck(
            id=bw.id,
            cid=cid,
            status=CONSISTENT,
            part=bw.part or fw.part or "",
            condition="；".join(bw.conditions or fw.conditions),
            sentence="",
            draft_text=None,
            built_text=bw.text,
            current_text=fw.text,
            built_label=bw.label,
            current_label=fw.label,
            built_reads=built_reads,
            current_reads=[(ref, json_value(v)) for ref, v in fw.reads],
            template=fw.template,
            line=fw.line,
            fresh_id=fw.id,
        )
        # Where it stands in the draft: its bookmark, else its place in the aligned paragraph.
        r = draft_ranges.get(bw.id)
        j, fspan = fresh_place(fw)
        if r is not None:
            i = r.start[0]
            span = r.span_in(i, len(draft[i].text))
            end = r.end or r.start
            pieces = [draft[n].text[slice(*(r.span_in(n, len(draft[n].text)) or (0, 0)))] for n in range(i, end[0] + 1)]
            wc.draft_text = "\n".join(pieces)
        else:
            i = alignment.get(j) if j is not None else None
            span = None
            if i is not None:
                built = bw.text or ""
                at = draft[i].text.find(built) if built else -1
                if at >= 0:
                    span = (at, at + len(built))
                elif fspan is not None and j is not None:
                    from drafter.review.checker import map_span

                    span = map_span(fresh[j].text, draft[i].text, *fspan)
                if span is not None:
                    wc.draft_text = draft[i].text[span[0] : span[1]]
        if i is not None:
            wc.paragraph = i
            a, b = span or (0, 0)
            wc.span = (a, b) if b > a else None
            wc.sentence = sentence_around(draft[i].text, a, b)
        if j is not None and fspan is not None:
            wc.current_sentence = sentence_around(fresh[j].text, *fspan)
        if bw.branch != fw.branch:
            wc.status = REWORDED
            result.dropped[bw.id] = wc
            if i is not None and wc.span:
                result.covered.setdefault(i, []).append(wc.span)
            if wc.draft_text is not None and wc.built_text is not None and wc.draft_text != wc.built_text:
                wc.note = "草稿中这段措辞已被编辑过。"
        result.checks.append(wc)
    return result


def _without_manifest(
    result: WordingResult,
    fresh_wordings: dict,
    conditions: dict,
    draft: list,
    fresh: list,
    alignment: dict[int, int],
    fresh_place,
) -> None:
    from drafter.review.scan import sentence_around

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
