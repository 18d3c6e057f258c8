"""Text widths as a 公文 page counts them (a digit or Latin letter is half a character) and
balanced title lines (§7.3.3): a long title is split where its words allow, by a general
rule for names of places and offices, 梯形 or 菱形."""

from __future__ import annotations

import functools
import importlib.util
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from drafter.data.figures import MARKED

MARKER_CHARS = re.compile("[\ue000-\ue0ff]")


def visible(text: str) -> str:
    """Text as a reader sees it: figure markers replaced by the figure's text."""
    return MARKER_CHARS.sub("", MARKED.sub(lambda m: m.group(2), text))


@functools.lru_cache(maxsize=8192)  # a long table measures the same few characters 100,000 times
def char_width(ch: str) -> float:
    """Width in characters: CJK and full-width marks 1; digits, Latin letters and spaces ½."""
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return 1.0
    return 0.5


def text_width(text: str) -> float:
    """GB/T 9704 counting: `2025年12月31日` is 7 characters wide."""
    if text.isascii():  # digits, Latin letters, spaces: ½ each (and no figure markers)
        return len(text) * 0.5
    return sum(char_width(ch) for ch in visible(text))


def closing_indents(signature: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of the signature and the date, no seal (§7.3.5.1).

    The signature stands right with two characters' space, the date on the next line
    with its first character two characters right of the signature's first character.
    When that would leave the date less than two characters from the margin (a date
    longer than the signature, or nearly as long), the date stands right with two
    characters' space and the signature moves left to keep the two-character step.
    """
    w_sig, w_date = text_width(signature.strip()), text_width(date.strip())
    date_right = max(2.0, w_sig - w_date)
    sig_right = date_right + w_date + 2.0 - w_sig
    return sig_right, date_right


# --------------------------------------------------------------------------- title lines

# Words a title line should not split; longer entries first is not required.
_LEXICON = (
    "法治政府",
    "法治",
    "政府",
    "建设",
    "情况",
    "报告",
    "工作",
    "年度",
    "关于",
    "应急管理局",
    "应急管理",
    "管理局",
    "管理",
    "人民政府",
    "委员会",
    "办公室",
    "安全生产",
    "依法行政",
    "行政执法",
    "执法",
    "实施",
    "意见",
    "通知",
    "方案",
    "总结",
    "计划",
    "规划",
    "要点",
    "责任",
    "分工",
    "推进",
    "加强",
    "进一步",
    "全面",
    "深化",
    "改革",
    "印发",
    "落实",
    "下一步",
    "安排",
    "决定",
    "办法",
    "规定",
    "请示",
    "批复",
    "纲要",
    "中华人民共和国",
    "检查",
    "通报",
    "第一季度",
    "第二季度",
    "第三季度",
    "第四季度",
    "季度",
    "上半年",
    "下半年",
    "半年",  # period labels
)
# A period label (drafter/project/period.py) is never split across title lines.
_PERIOD_LABEL = re.compile(r"\d{4}年(?:度|[上下]半年|第[一二三四]季度|\d{1,2}月)")
# The last character of a place or an office (某某区, 某某市, 司法局, 统计局): a name keeps its
# suffix, and a line may well end after it.
_NAME_SUFFIXES = "省市区县旗镇乡村局厅委办署院所处科"
_DOC_KINDS = (
    "情况报告",
    "报告",
    "情况通报",
    "通报",
    "通知",
    "意见",
    "方案",
    "请示",
    "总结",
    "计划",
    "规划",
    "办法",
    "规定",
    "批复",
    "决定",
    "要点",
    "函",
)
_OPENING = "（《“‘〈【「(["
_CLOSING = "，。、；：？！）》”’〉】」),.;:?!%"


@functools.cache
def _dictionary() -> bytes:
    """jieba's word list, `word frequency tag` a line (UTF-8): read once a process, only when a
    title or a header breaks; kept as bytes (5 MB), searched without decoding it. The file is found
    through jieba's import spec: running jieba's own `__init__` (pkg_resources, its models) is not needed."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba")
    return (Path(next(iter(spec.submodule_search_locations))) / "dict.txt").read_bytes()


_EDGES: dict[str, frozenset[int]] = {}  # texts already segmented in this process
# First character → the words (8 characters at most) of the word list that begin with it, with
# their frequencies: read once a process for each character met, so that the titles of a batch
# (one a unit, each differing only in the unit's name) do not each search the whole list again.
_WORDS: dict[str, dict[str, int]] = {}


def word_edges(text: str) -> set[int]:
    """Offsets where a word of `text` starts or ends: the most probable segmentation by jieba's
    word frequencies (jieba's own rule), over the words that begin with one of the text's characters."""
    return set(word_edges_many([text])[0])


def word_edges_many(texts: list[str]) -> list[frozenset[int]]:
    """`word_edges` of several texts, reading the word list at most once (a table's headers)."""
    todo = [t for t in dict.fromkeys(texts) if t not in _EDGES]
    if todo:
        _read_words({ch for t in todo for ch in t if _is_cjk(ch)})
        if len(_EDGES) > 10_000:
            _EDGES.clear()
        for t in todo:
            freqs = _frequencies(t)
            _EDGES[t] = frozenset(_segment(t, freqs))
    return [_EDGES[t] for t in texts]


def _frequencies(text: str) -> dict[str, int]:
    """The words of the list that occur in `text` (those `_segment` asks for: 8 characters at most)."""
    found = {}
    n = len(text)
    for i in range(n):
        words = _WORDS.get(text[i])
        if words:
            for j in range(i + 1, min(n, i + 8) + 1):
                if text[i:j] in words:
                    found[text[i:j]] = words[text[i:j]]
    return found


def _read_words(chars: set[str]) -> None:
    """The words beginning with each of `chars` not read yet, in one pass over the word list."""
    missing = sorted(ch for ch in chars if ch not in _WORDS)
    if not missing:
        return
    if len(_WORDS) + len(missing) > 5_000:  # bounded, whatever texts a long-running process meets
        _WORDS.clear()
        missing = sorted(chars)
    for ch in missing:
        _WORDS[ch] = {}
    first = b"|".join(re.escape(ch.encode("utf-8")) for ch in missing)
    # A line's start as the newline before it, not `^` under MULTILINE: a literal first byte lets
    # the regex engine skip to the next newline at once (half the time over the 5 MB list).
    pattern = re.compile(rb"\n((?:" + first + rb")[^ \n]{0,21}) (\d+)")
    data = _dictionary()
    head = b"\n" + data[: data.find(b"\n") + 1]  # the first line, which no newline precedes
    for raw, f in [*pattern.findall(head), *pattern.findall(data)]:
        word = raw.decode("utf-8", "replace")
        if len(word) <= 8:
            _WORDS[word[0]][word] = int(f)


def _segment(text: str, freqs: dict[str, int]) -> set[int]:
    if not any(_is_cjk(ch) for ch in text):
        return set(range(len(text) + 1))
    total = 60101967  # the sum of the list's frequencies, as jieba takes it
    n = len(text)
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)  # (log probability of text[i:], end of first word)
    for i in range(n - 1, -1, -1):
        options = [(math.log(freqs.get(text[i:j], 0) or 1) - math.log(total) + best[j][0], j)
                   for j in range(i + 1, min(n, i + 8) + 1) if j == i + 1 or text[i:j] in freqs]  # fmt: skip
        best[i] = max(options)
    edges, i = {0}, 0
    while i < n:
        i = best[i][1]
        edges.add(i)
    return edges


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@dataclass(frozen=True)
class _TitleMarks:
    """Per offset i of a title (a break before text[i]): what the break would split."""

    inside: list[bool]  # a word: a known one, or one of the general word list
    edge: list[bool]  # the edge of a known word
    label: list[bool]  # a period label
    quoted: list[bool]  # within 《》“”‘’（）〈〉
    office_end: int  # where the issuing office before 关于 ends (-1: no 关于)


def _title_marks(text: str) -> _TitleMarks:
    n = len(text)
    # Known words: splitting inside costs much, at their edges little.
    inside = [False] * (n + 1)
    edge = [False] * (n + 1)
    for word in _LEXICON:
        for m in re.finditer(re.escape(word), text):
            edge[m.start()] = edge[m.end()] = True
            for i in range(m.start() + 1, m.end()):
                inside[i] = True
    # Inside a word of the general word list: as inside a known word.
    segmented = word_edges(text)
    for i in range(1, n):
        if i not in segmented and _is_cjk(text[i - 1]) and _is_cjk(text[i]):
            inside[i] = True
    # A period label (2025年第二季度, 2025年上半年, 2025年3月) is never split.
    label = [False] * (n + 1)
    for m in _PERIOD_LABEL.finditer(text):
        for i in range(m.start() + 1, m.end()):
            label[i] = True
    depth = 0
    quoted = [False] * (n + 1)
    for i, ch in enumerate(text):
        if ch in "《“‘（〈":
            depth += 1
        elif ch in "》”’）〉" and depth:
            depth -= 1
        quoted[i + 1] = depth > 0
    # The issuing office before 关于 is one name: a break inside it costs more.
    return _TitleMarks(inside, edge, label, quoted, text.find("关于"))


def _break_costs(text: str) -> list[float]:
    """cost[i]: cost of starting a new line before text[i] (i = 1 … len-1); inf where forbidden."""
    n = len(text)
    marks = _title_marks(text)
    cost = [math.inf] + [3.0] * (n - 1)
    for i in range(1, n):
        if _never_broken(text, i, marks):
            cost[i] = math.inf
            continue
        c = _word_cost(text, i, marks)
        if marks.quoted[i]:
            c += 5.0
        if 0 < i < marks.office_end:
            c += 8.0
        cost[i] = c
    return cost


def _word_cost(text: str, i: int, marks: _TitleMarks) -> float:
    """The cost of a break before text[i] by the words on either side of it."""
    prev, ch = text[i - 1], text[i]
    c = 3.0
    if marks.edge[i]:
        c = 1.0
    if marks.inside[i]:
        c = 8.0
    if text.startswith("关于", i):
        c = 0.0
    elif text.endswith("关于", 0, i):
        c = math.inf  # 关于 leads what follows it: never at a line end
    elif text.startswith("的", i):
        c = min(c, 2.0)
    elif prev == "的":
        c = min(c, 1.0)
    if ch in _NAME_SUFFIXES and _is_cjk(prev) and not marks.inside[i]:
        c = max(c, 8.0)
    elif prev in _NAME_SUFFIXES and i >= 2 and _is_cjk(text[i - 2]) and not marks.inside[i]:
        c = min(c, 1.0)
    if prev == "度" and i >= 2 and text[i - 2] in "年季":  # after 2025年度, 2025年第一季度
        c = min(c, 0.5)
    if any(text.endswith(kind) and i == len(text) - len(kind) for kind in _DOC_KINDS):
        c = min(c, 1.0)
    return c


def _never_broken(text: str, i: int, marks: _TitleMarks) -> bool:
    """Punctuation kept with its word; digits, Latin words, a number with its unit and a period
    label kept together."""
    prev, ch = text[i - 1], text[i]
    return (
        ch in _CLOSING
        or prev in _OPENING
        or ((prev.isascii() and prev.isalnum()) and ((ch.isascii() and ch.isalnum()) or ch in "年月日%.．"))
        or (prev in ".．" and ch.isdigit())
        or marks.label[i]
    )


def _shape_cost(widths: list[float]) -> float:
    """Balanced lines; two lines 上短下长 (梯形), three or more longest in the middle (菱形) or growing."""
    mean = sum(widths) / len(widths)
    cost = 0.5 * sum(abs(w - mean) for w in widths)
    if len(widths) == 2:
        if widths[0] > widths[1] + 0.5:  # 倒梯形: avoided unless nothing else keeps the words whole
            cost += 6.0 + 2.0 * (widths[0] - widths[1])
    else:
        growing = all(a <= b + 0.5 for a, b in itertools.pairwise(widths))
        peak = widths.index(max(widths))
        diamond = (
            peak > 0
            and all(a <= b + 0.5 for a, b in itertools.pairwise(widths[: peak + 1]))
            and all(a + 0.5 >= b for a, b in itertools.pairwise(widths[peak:]))
        )
        if not (growing or diamond):
            cost += 6.0
    return cost


def balance_title(title: str, max_width: float = 20.0) -> list[str]:
    """Split a long title into balanced lines of at most `max_width` characters, words kept whole."""
    title = title.strip()
    total = text_width(title)
    if total <= max_width or len(title) < 2:
        return [title]
    widths = [char_width(ch) for ch in title]
    costs = _break_costs(title)
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    n = len(title)
    lines_needed = math.ceil(total / max_width)
    candidates = [i for i in range(1, n) if not math.isinf(costs[i])]
    best: tuple[float, tuple[int, ...]] | None = None
    for lines in range(lines_needed, min(lines_needed + 1, n) + 1):
        # Titles are short: try every set of break positions (a few thousand at most).
        for breaks in itertools.combinations(candidates, lines - 1):
            cuts = (0, *breaks, n)
            line_widths = [prefix[b] - prefix[a] for a, b in itertools.pairwise(cuts)]
            if max(line_widths) > max_width:
                continue
            cost = sum(costs[i] for i in breaks) + _shape_cost(line_widths) + 4.0 * (lines - lines_needed)
            if best is None or cost < best[0]:
                best = (cost, breaks)
    if best is None:  # nothing fits with words whole: cut by width alone
        out, line, width = [], "", 0.0
        for ch, w in zip(title, widths):
            if width + w > max_width:
                out.append(line)
                line, width = "", 0.0
            line += ch
            width += w
        return [*out, line]
    bounds = [0, *best[1], n]
    return [title[a:b] for a, b in itertools.pairwise(bounds)]
