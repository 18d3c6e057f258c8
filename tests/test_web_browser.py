"""`drafter serve` in a real headless Chromium: what staff and reviewers do with it.

Build and download a draft; click a figure and see its SQL; upload a draft with a
planted edit and see 手工修改 on that figure; upload a non-docx and a zip bomb and see
the message; filter the figures; open the self-contained preview file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import chromium, downloaded, running_server, screenshot, wait_for
from conftest import require_programs
from docx import Document
from reading import read_paragraphs
from webfiles import planted_edit, zip_bomb

from drafter.web.app import create_app
from drafter.web.uploads import private_dir
from drafter.word.manifest import read_manifest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(sample_project, tmp_path_factory):
    app = create_app(
        sample_project, allowed_hosts=("127.0.0.1",), workspace=private_dir(tmp_path_factory.mktemp("web-workspace"))
    )
    with running_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(tmp_path_factory, downloads):
    with chromium(tmp_path_factory.mktemp("chromium-profile"), downloads) as d:
        yield d


def by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def visible(driver, selector: str):
    return wait_for(lambda: next((e for e in by_css(driver, selector) if e.is_displayed()), None), what=selector)


def figure_id(draft: Path, ref: str) -> str:
    return next(f.id for f in read_manifest(Document(str(draft))).figures if f.ref == ref)


def test_build_and_download_a_draft(site, driver, downloads, tmp_path):
    driver.get(site + "/")
    assert "起草" in driver.title and visible(driver, "#period").get_attribute("placeholder") == "2025"
    screenshot(driver, tmp_path, "web-build")
    visible(driver, "#build-button").click()
    link = visible(driver, "#download-link")
    assert "下载草稿" in link.text and "（草稿）.docx" in link.text
    screenshot(driver, tmp_path, "web-build-done")
    link.click()
    draft = downloaded(downloads, ".docx")
    text = "\n".join(read_paragraphs(draft))
    assert "2025年度法治政府建设情况报告" in text and "全年共出动执法人员1428人次" in text


@pytest.mark.render
def test_tick_pdf_build_and_download_the_pdf(site, driver, downloads, tmp_path):
    import pdfplumber

    require_programs("render", "soffice")
    driver.get(site + "/")
    box = visible(driver, "#pdf")
    assert not box.is_selected() and "同时生成 PDF" in visible(driver, "label[for=pdf]").text
    box.click()
    visible(driver, "#build-button").click()
    link = wait_for(lambda: next((e for e in by_css(driver, "#pdf-link") if e.is_displayed()), None), 300, "#pdf-link")
    assert "下载 PDF" in link.text and "（草稿）.pdf" in link.text
    assert visible(driver, "#download-link")  # the draft beside it
    screenshot(driver, tmp_path, "web-build-pdf")
    link.click()
    with pdfplumber.open(downloaded(downloads, ".pdf")) as document:
        text = "".join(p.extract_text() or "" for p in document.pages)
    assert "1428" in text and "法治政府建设" in text


def test_click_a_figure_and_see_its_sql(site, driver, sample_draft, tmp_path):
    driver.get(site + "/")
    visible(driver, "#build-button").click()
    visible(driver, "#download-link")
    driver.get(site + "/preview")
    fid = figure_id(sample_draft, "inspections.officer_trips")  # ids are the same in every build of a year
    figure = visible(driver, f"#fig-{fid}")
    assert figure.text == "1428"
    assert not by_css(driver, "#panel")[0].is_displayed()  # the panel opens on a click
    figure.click()
    sql = visible(driver, "#panel pre.sql")
    assert "FROM inspection" in sql.text and "period_start" in sql.text
    panel = visible(driver, "#panel").text
    assert "统一综合执法系统" in panel and "sqlite:///" in panel and "1428" in panel
    assert "selected" in figure.get_attribute("class")
    screenshot(driver, tmp_path, "web-preview")


def test_upload_a_draft_with_a_planted_edit_and_see_the_hand_edit(site, driver, sample_draft, tmp_path):
    edited = tmp_path / "编辑后的草稿.docx"
    fid = planted_edit(sample_draft, edited, "inspections.hazards_found", "1500")
    driver.get(site + "/check")
    visible(driver, "#draft").send_keys(str(edited))
    visible(driver, "#check-button").click()
    summary = visible(driver, ".summary")
    assert "手工修改 1" in summary.text
    finding = visible(driver, ".finding a")
    assert "手工修改" in finding.text
    screenshot(driver, tmp_path, "web-check-findings")
    finding.click()  # the finding leads to its figure in the preview, and its panel
    figure = visible(driver, f"#fig-{fid}")
    assert figure.text == "1500" and "st-edited" in figure.get_attribute("class")
    assert visible(driver, "#panel-status").text == "手工修改"
    panel = visible(driver, "#panel").text
    assert "1500" in panel and "861" in panel  # in the draft, and what the data give
    assert visible(driver, "#checklist-link").get_attribute("href") and visible(driver, "#annotated-link")
    screenshot(driver, tmp_path, "web-check")


@pytest.mark.parametrize("kind,message", [("text", "不是 .docx 文件"), ("bomb", "压缩炸弹")])
def test_upload_a_non_docx_or_a_zip_bomb_and_see_the_message(site, driver, tmp_path, kind, message):
    if kind == "text":
        path = tmp_path / "报告.docx"
        path.write_text("这只是一个改了扩展名的文本文件", encoding="utf-8")
    else:
        path = zip_bomb(tmp_path / "bomb.docx")
    driver.get(site + "/check")
    visible(driver, "#draft").send_keys(str(path))
    visible(driver, "#check-button").click()
    alert = visible(driver, ".alert.error")
    assert message in alert.text and "Traceback" not in driver.page_source
    if kind == "bomb":
        screenshot(driver, tmp_path, "web-check-refused")


def test_filter_the_figures_and_download_what_is_shown(site, driver, downloads, tmp_path):
    driver.get(site + "/figures")
    rows = by_css(driver, "#figures-table tbody tr")
    assert len(rows) >= 79
    visible(driver, "#q").send_keys("officer_trips")
    wait_for(lambda: 0 < sum(1 for r in rows if r.is_displayed()) < len(rows), what="the filter")
    shown = [r.text for r in rows if r.is_displayed()]
    assert all("officer_trips" in t for t in shown)
    assert visible(driver, "#figure-count").text == str(len(shown))
    screenshot(driver, tmp_path, "web-figures")
    link = visible(driver, "#csv-link")
    assert link.get_attribute("href").endswith("/figures.csv?q=officer_trips")
    link.click()
    csv = downloaded(downloads, ".csv").read_text(encoding="utf-8-sig").strip().splitlines()
    assert csv[0].startswith("编号,") and len(csv) == len(shown) + 1


def test_the_self_contained_preview_file_works_offline(driver, sample_project, sample_draft, tmp_path):
    from click.testing import CliRunner

    from drafter.cli import main

    out = tmp_path / "预览.html"
    result = CliRunner().invoke(main, ["preview", "--html", str(out), str(sample_draft), "-c", str(sample_project)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "/static/" not in html and "<script src" not in html and "<link" not in html
    driver.get(out.as_uri())
    fid = figure_id(sample_draft, "inspections.officer_trips")
    visible(driver, f"#fig-{fid}").click()
    assert "FROM inspection" in visible(driver, "#panel pre.sql").text
