"""The manifest as a typed, versioned model: drafts of earlier releases still read and check.

tests/data/draft-format1.docx was written by drafter 0.1.0 (manifest format 1, before the
manifest was a pydantic model) from the project of tests/small_project.py at a fixed time.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree
from small_project import write_small_project

from drafter import build, check
from drafter.outcome import check_exit_code
from drafter.word.manifest import MANIFEST_NS, FigureEntry, Manifest, read_manifest, write_manifest

FIXTURE = Path(__file__).parent / "data" / "draft-format1.docx"
BUILT_AT = dt.datetime(2026, 1, 5, 9, 30)


@pytest.fixture
def project(tmp_path) -> Path:
    from drafter.word.master import build_master

    build_master(tmp_path / "master.docx")
    return write_small_project(tmp_path / "project", tmp_path / "master.docx")


def stored_json(draft: Path) -> dict:
    with zipfile.ZipFile(draft) as z:
        for name in z.namelist():
            blob = z.read(name)
            if name.startswith("customXml/item") and MANIFEST_NS.encode() in blob[:400]:
                return json.loads(etree.fromstring(blob).text)
    raise AssertionError("no manifest")


def test_a_draft_of_format_1_reads_into_the_model():
    manifest = read_manifest(Document(str(FIXTURE)))
    assert isinstance(manifest, Manifest) and manifest.format == 1
    assert manifest.year == 2025 and manifest.agency == "测试市统计局"
    assert manifest.generator == "drafter 0.1.0" and manifest.built_at == "2026-01-05T09:30:00"
    first = manifest.figures[0]
    assert isinstance(first, FigureEntry) and first.ref == "cases.n" and first.value == 2
    assert manifest.queries["cases"].params["kind"] == "行政处罚"


def test_a_draft_of_format_1_still_checks_clean(project, tmp_path):
    draft = tmp_path / "old.docx"
    shutil.copy(FIXTURE, draft)
    report = check(draft, config=project)
    assert report.mode == "controls"
    assert check_exit_code(report) == 0 and report.findings == []
    assert len(report.figures) == len(read_manifest(Document(str(FIXTURE))).figures) == 13


def test_a_new_draft_stores_the_same_json_as_format_1(project, tmp_path):
    """The model changed how the code reads the manifest, not what a draft stores."""
    result = build(project, output=tmp_path / "new.docx", clock=lambda: BUILT_AT)
    new, old = stored_json(result.path), stored_json(FIXTURE)
    new.pop("generator"), old.pop("generator")
    # Issue 12 adds the period next to the year (format 1 still: an addition older readers ignore).
    assert new.pop("period") == {
        "kind": "year",
        "code": "2025",
        "label": "2025年度",
        "start": "2025-01-01",
        "end": "2026-01-01",
    }
    for q in (*new["queries"].values(), *old["queries"].values()):
        q.pop("elapsed_ms")
    # Added since, without changing what was there: the traced wordings (this project's templates
    # have no condition over figures), a figure's wording and failed rules only where there are some.
    assert new.pop("wordings") == [] and "rules" not in new
    assert not any("wording" in f for f in new["figures"])
    # Issue 24 adds each paragraph's template lines and the templates' text (for drafter adopt).
    paragraphs, templates = new.pop("paragraphs"), new.pop("templates")
    assert paragraphs[0]["template"] == "templates/sections/1-工作.txt" and paragraphs[0]["lines"] == [1]
    assert set(templates) == {p["template"] for p in paragraphs}
    assert new == old


def test_fields_of_a_later_release_are_kept_and_a_damaged_manifest_is_not_trusted(tmp_path):
    document = Document(str(FIXTURE))
    manifest = read_manifest(document)
    later = Manifest.model_validate(
        {**manifest.model_dump(mode="json", exclude_unset=True), "format": 9, "reviewed": {"by": "办公室"}}
    )
    write_manifest(document, later)
    document.save(str(tmp_path / "later.docx"))
    again = read_manifest(Document(str(tmp_path / "later.docx")))
    assert again.format == 9 and again.model_extra == {"reviewed": {"by": "办公室"}}

    # Damaged: the figures (and table rows, decoded by msgspec) of another shape than written,
    # and the rest (validated by pydantic); also JSON that is not an object.
    good = json.loads(next(_manifest_texts(tmp_path / "later.docx")))
    figure = good["figures"][0]
    for n, damage in enumerate(
        [
            {"figures": "not a list"},
            {"figures": [{**figure, "id": 5}]},
            {"figures": [{**figure, "sources": [{"query": "q"}]}]},
            {"figures": [{**figure, "cell": {"table": "一", "row": 1}}]},
            {"tables": [{"number": 1, "rows": [{"cells": "a|b"}]}]},
            {"queries": {"q": {"source": 3}}},
            [],
        ]
    ):
        damaged = tmp_path / f"damaged-{n}.docx"
        with zipfile.ZipFile(tmp_path / "later.docx") as src, zipfile.ZipFile(damaged, "w") as dst:
            for item in src.infolist():
                blob = src.read(item)
                if item.filename.startswith("customXml/item") and MANIFEST_NS.encode() in blob[:400]:
                    el = etree.fromstring(blob)
                    el.text = json.dumps({**good, **damage} if isinstance(damage, dict) else damage)
                    blob = etree.tostring(el, xml_declaration=True, encoding="UTF-8", standalone=True)
                dst.writestr(item, blob)
        assert read_manifest(Document(str(damaged))) is None, damage


def _manifest_texts(path):
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            blob = z.read(name)
            if name.startswith("customXml/item") and MANIFEST_NS.encode() in blob[:400]:
                yield etree.fromstring(blob).text


def test_a_manifest_part_as_written_and_as_an_office_suite_saves_it_read_the_same(project, tmp_path):
    """A part exactly as drafter writes it is read between its tags, without libxml2, its `&`,
    `<`, `>` unescaped; the same manifest saved again by another writer (other quoting, other
    references) goes through lxml: all give the same manifest."""
    from drafter.word.manifest import _manifest_text

    draft = tmp_path / "draft.docx"
    build(project, output=draft, clock=lambda: BUILT_AT)
    manifest = read_manifest(Document(str(draft)))
    assert manifest is not None
    manifest.agency = "测试市统计局 & 档案馆 <联合>"  # a character XML escapes: the part is read by lxml
    document = Document(str(draft))
    write_manifest(document, manifest)
    document.save(str(tmp_path / "escaped.docx"))
    with zipfile.ZipFile(draft) as z:
        own = next(
            z.read(n)
            for n in z.namelist()
            if n.startswith("customXml/item") and MANIFEST_NS.encode() in z.read(n)[:400]
        )
    fast = _manifest_text(own)
    assert isinstance(fast, bytes) and fast.decode("utf-8") == etree.fromstring(own).text
    resaved = etree.tostring(
        etree.fromstring(own), xml_declaration=True, encoding="UTF-8"
    )  # '"' quoting, no standalone
    assert resaved != own and _manifest_text(resaved) == etree.fromstring(own).text
    with zipfile.ZipFile(tmp_path / "escaped.docx") as z:
        escaped = next(
            z.read(n)
            for n in z.namelist()
            if n.startswith("customXml/item") and MANIFEST_NS.encode() in z.read(n)[:400]
        )
    assert b"&amp; \xe6\xa1\xa3" in escaped and b"&lt;" in escaped
    assert _manifest_text(escaped).decode("utf-8") == etree.fromstring(escaped).text
    numeric = escaped.replace(b"&amp;", b"&#38;", 1)  # a reference drafter does not write: lxml reads it
    assert isinstance(_manifest_text(numeric), str) and _manifest_text(numeric) == etree.fromstring(escaped).text
    again = read_manifest(Document(str(tmp_path / "escaped.docx")))
    assert again is not None and again.agency == "测试市统计局 & 档案馆 <联合>"
    assert again.json_data() == {**read_manifest(Document(str(draft))).json_data(), "agency": again.agency}
