"""版头 (GB/T 9704 §7.2) from config.yaml's report.banner, measured on the rendered first page:
份号/密级/紧急程度 flush left on the first lines, the red 发文机关标志 35 mm below the type area's
top and centred, the red line as wide as the type area 4 mm below the 发文字号, for 下行文 and 上行文."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import require_programs
from small_project import write_small_project

from drafter import build
from drafter.errors import DrafterError
from drafter.project.config import load_config
from drafter.word.preview import render_pdf

REPO = Path(__file__).resolve().parents[1]
MM = 72 / 25.4
LEFT, TOP, RIGHT = 28 * MM, 37 * MM, (210 - 26) * MM
RED = (1.0, 0.0, 0.0)
BANNER = {"mark": "测试市统计局文件", "copy_number": "123", "secrecy": "秘密★1年", "urgency": "特急"}


def _project(tmp: Path, **report) -> Path:
    config = write_small_project(tmp / "p", REPO / "templates/report.docx")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["report"].update(report)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config


def test_a_banner_setting_is_checked_when_the_config_is_read(tmp_path):
    config = _project(tmp_path, banner={"mark": "某局文件", "copy_number": "12ab"})
    with pytest.raises(DrafterError) as info:
        load_config(config)
    assert "copy_number" in str(info.value)
    assert load_config(_project(tmp_path / "b", banner={"mark": "某局文件"})).report.banner.mark == "某局文件"


def test_the_draft_holds_the_banner_paragraphs_in_order(tmp_path):
    from reading import read_paragraphs

    draft = build(_project(tmp_path, banner=BANNER, doc_number="测统〔2026〕3号"), output=tmp_path / "d.docx").path
    texts = [t for t in read_paragraphs(draft) if t.strip()]
    assert texts[:5] == ["000123", "秘密★1年", "特急", "测试市统计局文件", "测统〔2026〕3号"]


def _first_page(draft: Path, tmp: Path):
    import pdfplumber

    with pdfplumber.open(str(render_pdf(draft, tmp))) as pdf:
        page = pdf.pages[0]
        return [c for c in page.chars if c["text"].strip() and c["text"] != "\u2060"], page.lines + page.rects


def _line_of(chars, text: str) -> list[dict]:
    s = "".join(c["text"] for c in chars)
    i = s.index(text)
    return chars[i : i + len(text)]


@pytest.mark.render
@pytest.mark.parametrize("signer", [None, "张三"])
def test_the_banner_stands_where_gbt_9704_puts_it(tmp_path, signer):
    require_programs("render", "soffice")
    report = {"banner": BANNER, "doc_number": "测统〔2026〕3号", **({"signer": signer} if signer else {})}
    draft = build(_project(tmp_path, **report), output=tmp_path / "d.docx").path
    chars, lines = _first_page(draft, tmp_path)
    mark = [c for c in chars if tuple(c.get("non_stroking_color") or ()) == RED]
    assert "".join(c["text"] for c in mark) == "测试市统计局文件"
    assert min(c["top"] for c in mark) - TOP == pytest.approx(35 * MM, abs=1.5 * MM)  # §7.2.4
    centre = (min(c["x0"] for c in mark) + max(c["x1"] for c in mark)) / 2
    assert centre == pytest.approx((LEFT + RIGHT) / 2, abs=2 * MM)
    tops = [_line_of(chars, t)[0] for t in ("000123", "秘密", "特急")]  # §7.2.1–7.2.3: lines 1, 2, 3
    assert all(c["x0"] == pytest.approx(LEFT, abs=1 * MM) for c in tops)
    assert tops[0]["top"] < tops[1]["top"] < tops[2]["top"] < min(c["top"] for c in mark)
    assert tops[0]["top"] - TOP < 10 * MM
    number = _line_of(chars, "测统〔2026〕3号")
    red = [o for o in lines if tuple(o.get("stroking_color") or o.get("non_stroking_color") or ()) == RED]
    assert red, "no red line"
    line = red[0]
    assert line["x0"] == pytest.approx(LEFT, abs=1 * MM) and line["x1"] == pytest.approx(RIGHT, abs=1 * MM)
    gap = line["top"] - max(c["bottom"] for c in number)
    assert gap == pytest.approx(4 * MM, abs=1.5 * MM)  # §7.2.7
    if signer:
        assert number[0]["x0"] == pytest.approx(LEFT + 16, abs=1 * MM)  # 上行文: left, one character in
        assert "签发人" in "".join(c["text"] for c in chars)
    else:
        centre = (number[0]["x0"] + number[-1]["x1"]) / 2
        assert centre == pytest.approx((LEFT + RIGHT) / 2, abs=3 * MM)
    title = min((c for c in chars if c["size"] > 20 and c not in mark), key=lambda c: c["top"])
    assert title["top"] > line["top"] + 1.5 * 28.95 * 0.9  # two blank lines below the red line (§7.3.1)
