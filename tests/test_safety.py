"""Safe rendering: a template cannot reach Python internals or change what others see; hostile
database text and hostile parameters arrive as data and never corrupt the draft."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from lxml import etree
from reading import read_paragraphs

from drafter.cli import main
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
SECTION_FILE = "templates/sections/1-工作.txt"
HOSTILE_PARAMETER = "x'; DROP TABLE inspection; --"

CONFIG = """\
report:
  agency: 测试县市场监督管理局
  year: 2025
sources:
  market: sqlite:///data/market.db
parameters:
  town: 城关镇
"""

QUERIES = {
    "checks.sql": """\
-- source: market
-- description: 全年日常检查
-- returns: row
SELECT COUNT(*) AS checks, SUM(fine_yuan) AS fines FROM inspection
WHERE checked_on >= :period_start AND checked_on < :period_end
""",
    "town_checks.sql": """\
-- source: market
-- description: 本镇检查次数
-- returns: scalar
SELECT COUNT(*) AS n FROM inspection WHERE town = :town
""",
    "notes.sql": """\
-- source: market
-- description: 备注
-- returns: rows
SELECT k, v FROM notes ORDER BY rowid
""",
}

SECTION = """\
一、{{ year }}年主要工作
全年检查{{ checks.checks }}次，罚款{{ checks.fines | wan_yuan }}，{{ params.town }}检查{{ town_checks }}次。
{% for n in notes %}
[{{ n.k }}]{{ n.v }}[/]
{% endfor %}
"""

# Text a database may hold, and what the reader must see of it.
HOSTILE_TEXT = {
    "markup": ("A & B < C > D \"E\" 'F' </w:t><w:p/>", "A & B < C > D \"E\" 'F' </w:t><w:p/>"),
    "control": ("前\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1f后", "前后"),
    "tab": ("甲\t乙", "甲\t乙"),
    "line-breaks": ("甲\n乙\r\n丙\r丁\u2028戊\u2029己\x85庚", "甲乙丙丁戊己庚"),
    "noncharacters": ("a\ufffeb\uffffc", "abc"),
    "markers": ("\ue000f001\ue001伪造\ue002\ue010drafter-body\ue011", "f001伪造drafter-body"),
    "jinja": ("{{ year }}{% if x %}{# c #}", "{{ year }}{% if x %}{# c #}"),
    "long": ("长" * 100_000, "长" * 100_000),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data/market.db") as conn:
        conn.execute("CREATE TABLE inspection (checked_on TEXT, town TEXT, fine_yuan INTEGER)")
        conn.executemany(
            "INSERT INTO inspection VALUES (?, ?, ?)",
            [
                ("2025-02-01", "城关镇", 5000),
                ("2025-03-09", "河西镇", 12000),
                ("2025-04-01", HOSTILE_PARAMETER, 0),
            ],
        )
        conn.execute("CREATE TABLE notes (k TEXT, v TEXT)")
        conn.executemany("INSERT INTO notes VALUES (?, ?)", [(k, v) for k, (v, _) in HOSTILE_TEXT.items()])
    (tmp_path / "queries").mkdir()
    for name, text in QUERIES.items():
        (tmp_path / "queries" / name).write_text(text, encoding="utf-8")
    (tmp_path / SECTION_FILE).parent.mkdir(parents=True)
    (tmp_path / SECTION_FILE).write_text(SECTION, encoding="utf-8")
    shutil.copy(REPO / "templates/report.docx", tmp_path / "templates/report.docx")
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path / "config.yaml"


def build(project: Path, *args: str):
    return CliRunner().invoke(main, ["build", "-c", str(project), "-o", str(project.parent / "d.docx"), *args])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_well_formed(docx: Path) -> None:
    """Every XML part of the package parses; python-docx opens the whole."""
    with zipfile.ZipFile(docx) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))
    Document(str(docx))


# -- the sandbox ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, attribute",
    [
        ("{{ ''.__class__.__mro__ }}", "__class__"),
        ("{{ report.__init__ }}", "__init__"),
        ("{{ checks.__class__ }}", "__class__"),
        ("{{ checks._columns }}", "_columns"),
        ("{{ checks.checks.value.__class__ }}", "__class__"),
        ("{{ lipsum.__globals__ }}", "__globals__"),
        ("{{ cycler.__init__.__globals__ }}", "__init__"),
        ("{% set c = ''.__class__ %}{{ c }}", "__class__"),
        ("{{ report.update({'title': '改过的标题'}) }}", "update"),
        ("{{ notes.append(1) }}", "append"),
        ("{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}", "__class__"),
        ("{{ ''.format.__self__ }}", "__self__"),
        ("{{ '{0.__class__}'.format(year) }}", "__class__"),
        ("{{ range.__self__ }}", "__self__"),
        ("{{ self.__init__.__globals__ }}", "__init__"),
        ("{{ notes[0].v.__class__.__base__.__subclasses__() }}", "__class__"),
    ],
)
def test_a_template_reaching_for_internals_is_stopped_naming_file_and_line(project, expression, attribute):
    edit(project.parent / SECTION_FILE, "[/]\n{% endfor %}", "[/]\n{% endfor %}\n" + expression)
    result = build(project)
    assert result.exit_code == 2, result.output
    assert f"{project.parent / SECTION_FILE}:6: 模板访问了不允许访问的内容，已阻止" in result.output
    assert f"> 6 | {expression}" in result.output
    assert f"attribute '{attribute}'" in result.output
    assert "Traceback" not in result.output and 'File "' not in result.output
    assert not (project.parent / "d.docx").exists()


def test_the_word_master_is_sandboxed_too(project):
    master = project.parent / "templates/report.docx"
    document = Document(str(master))
    next(p for p in document.paragraphs if p.text == "{{ signature }}").runs[0].text = "{{ title.__class__ }}"
    document.save(str(master))
    result = build(project)
    assert result.exit_code == 2, result.output
    assert f"{master}（第 18 段）: 模板访问了不允许访问的内容，已阻止" in result.output
    assert "> 第 18 段 | {{ title.__class__ }}" in result.output
    assert "Traceback" not in result.output


# -- database text -------------------------------------------------------------------------


def test_hostile_database_text_reads_back_as_text_and_the_draft_stays_whole(project):
    result = build(project)
    assert result.exit_code == 0, result.output
    draft = project.parent / "d.docx"
    assert_well_formed(draft)
    shown = {}
    for text in read_paragraphs(draft):
        if text.startswith("[") and text.endswith("[/]"):
            key, _, value = text[1:-3].partition("]")
            shown[key] = value
    assert shown == {key: seen for key, (_, seen) in HOSTILE_TEXT.items()}
    # The raw values are kept exactly in the draft's manifest, for `drafter check`.
    manifest = read_manifest(Document(str(draft))).model_dump(mode="json", exclude_unset=True)
    raw = {f["value"] for f in manifest["figures"] if isinstance(f["value"], str)}
    assert {v for v, _ in HOSTILE_TEXT.values()} <= raw
    # Text posing as a figure marker made no content control of its own.
    tags = [
        t.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
        for t in Document(str(draft)).element.body.iter(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tag"
        )
    ]
    assert len(tags) == len(set(tags)) == len(manifest["figures"])


def test_hostile_text_in_config_reaches_the_master_escaped(project):
    edit(project, "agency: 测试县市场监督管理局", "agency: '测试&<>\"局'")
    result = build(project)
    assert result.exit_code == 0, result.output
    draft = project.parent / "d.docx"
    assert_well_formed(draft)
    paragraphs = read_paragraphs(draft)
    assert paragraphs[0].replace("\n", "") == '测试&<>"局关于2025年度法治政府建设情况报告'
    assert '测试&<>"局' in paragraphs


@pytest.mark.render
def test_a_draft_with_hostile_text_converts_in_libreoffice(project, tmp_path):
    soffice = shutil.which("soffice")
    if not soffice:
        if os.environ.get("DRAFTER_REQUIRE_RENDER") == "1":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    result = build(project)
    assert result.exit_code == 0, result.output
    out = tmp_path / "pdf"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(project.parent / "d.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = out / "d.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 0, done.stdout + done.stderr
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        text = "".join(page.extract_text() or "" for page in document.pages[:3])
        assert len(document.pages) > 20  # the 100,000 characters are all there
    assert 'A & B < C > D "E"' in text and "{{ year }}" in text


# -- parameters are bound, never spliced into SQL --------------------------------------------


def test_a_hostile_parameter_arrives_as_data_and_the_table_survives(project):
    edit(project, "town: 城关镇", f'town: "{HOSTILE_PARAMETER}"')
    result = build(project)
    assert result.exit_code == 0, result.output
    text = "\n".join(read_paragraphs(project.parent / "d.docx"))
    assert f"{HOSTILE_PARAMETER}检查1次。" in text  # matched the one row holding that very text
    with sqlite3.connect(project.parent / "data/market.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM inspection").fetchone() == (3,)
    manifest = read_manifest(Document(str(project.parent / "d.docx"))).model_dump(mode="json", exclude_unset=True)
    ran = manifest["queries"]["town_checks"]
    assert ran["params"] == {"town": HOSTILE_PARAMETER}
    # The SQL that ran is the file's text, the value bound to its placeholder, never spliced in.
    assert ran["sql"] == QUERIES["town_checks.sql"].split("\n", 3)[3].strip()
    assert ":town" in ran["sql"] and HOSTILE_PARAMETER not in ran["sql"]


@pytest.mark.parametrize("year", ["2025; DROP TABLE inspection", "2025 OR 1=1", "'2025'"])
def test_a_hostile_year_is_refused_before_any_query(project, year):
    result = build(project, "--year", year)
    assert result.exit_code == 2
    assert "不是有效的年份" in result.output and "Traceback" not in result.output
    assert not (project.parent / "d.docx").exists()
    with sqlite3.connect(project.parent / "data/market.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM inspection").fetchone() == (3,)
