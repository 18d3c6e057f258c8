"""`drafter serve` at the HTTP level: every route, and the door's locks (sizes, zip bombs,
XML entities, CSRF, paths, passwords, errors in Chinese)."""

from __future__ import annotations

import io
import re
import stat
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from conftest import require_programs
from docx import Document
from openpyxl import load_workbook
from reading import read_paragraphs
from starlette.testclient import TestClient
from webfiles import laughs_docx, planted_edit, xxe_docx, zip_bomb

from drafter.errors import ConfigError, DraftError
from drafter.web.app import create_app
from drafter.web.jobs import period_arguments
from drafter.web.server import allowed_hosts, exposure_warning, is_loopback
from drafter.web.uploads import UploadLimits, display_name, inspect_docx, private_dir

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(sample_project, tmp_path):
    app = create_app(sample_project, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def token(client: TestClient, page: str = "/") -> str:
    return TOKEN.search(client.get(page).text).group(1)


def build(client: TestClient, period: str = "", *, timeout: float = 30, **fields: str) -> dict:
    data = {"csrf_token": token(client), "period": period, **fields}
    r = client.post("/build", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    status_url = r.headers["location"] + "/status"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(status_url).json()
        if status["state"] != "running":
            return status
        time.sleep(0.05)
    raise AssertionError("build did not finish")


def upload(client: TestClient, name: str, data: bytes, **kw):
    return client.post(
        "/check",
        data={"csrf_token": token(client, "/check")},
        files={"draft": (name, data, "application/octet-stream")},
        **kw,
    )


def strong(html: str) -> list[str]:
    return re.findall(r"<strong>(.*?)</strong>", html, re.DOTALL)


# --------------------------------------------------------------------------- 起草


def test_the_build_page_offers_the_period_field_and_a_csrf_token(client):
    r = client.get("/")
    assert r.status_code == 200 and "起草" in r.text and 'name="period"' in r.text
    assert 'placeholder="2025"' in r.text  # the project's year
    cookie = client.cookies.get("drafter_csrf")
    assert cookie and TOKEN.search(r.text).group(1) == cookie
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_a_build_gives_a_draft_to_download_that_reads_as_the_report(client, tmp_path):
    status = build(client)
    assert status["state"] == "done" and status["year"] == 2025 and status["done"] == status["total"] > 0
    assert status["figures"] >= 79 and status["filename"].endswith("（草稿）.docx")
    page = client.get(f"/jobs/{status['id']}").text
    assert "下载草稿" in page and status["download"] in page
    r = client.get(status["download"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    draft = tmp_path / "downloaded.docx"
    draft.write_bytes(r.content)
    text = "\n".join(read_paragraphs(draft))
    assert "2025年度法治政府建设情况报告" in text and "全年共出动执法人员1428人次" in text


def test_two_builds_at_once_give_two_drafts(client):
    tok = token(client)
    first = client.post("/build", data={"csrf_token": tok}, follow_redirects=False).headers["location"]
    second = client.post("/build", data={"csrf_token": tok}, follow_redirects=False).headers["location"]
    assert first != second
    done = []
    for url in (first, second):
        for _ in range(600):
            status = client.get(url + "/status").json()
            if status["state"] != "running":
                break
            time.sleep(0.05)
        done.append(status)
    assert [s["state"] for s in done] == ["done", "done"]
    assert done[0]["download"] != done[1]["download"]
    a, b = (client.get(s["download"]).content for s in done)
    assert a[:2] == b[:2] == b"PK" and len(a) > 10000 and len(b) > 10000


def test_a_build_for_another_year_and_a_bad_period(client):
    status = build(client, "2024")
    assert status["state"] == "done" and status["year"] == 2024 and "2024" in status["filename"]
    r = client.post("/build", data={"csrf_token": token(client), "period": "20x5"})
    assert r.status_code == 400 and "不是有效的报告期间" in r.text and "20x5" in r.text


def test_a_build_that_fails_shows_the_libraries_message(sample_project_copy, tmp_path):
    (sample_project_copy.parent / "templates" / "sections" / "01_intro.txt").write_text(
        "{{ no_such_query.n }}\n", encoding="utf-8"
    )
    app = create_app(sample_project_copy, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        status = build(c)
        assert status["state"] == "failed" and "no_such_query" in status["error"]
        page = c.get(f"/jobs/{status['id']}").text
        assert "起草未能完成" in page and "Traceback" not in page


def test_placeholders_and_warnings_are_shown_after_the_build(sample_project_copy, tmp_path):
    import sqlite3

    db = sample_project_copy.parent / "sample" / "hazards.db"
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            conn.execute(f'DROP TABLE "{table}"')
    app = create_app(sample_project_copy, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        status = build(c)
        assert status["state"] == "done" and status["placeholders"]
        levels = {m["level"] for m in status["messages"]}
        assert {"warning", "placeholder", "error"} <= levels
        page = c.get(f"/jobs/{status['id']}").text
        assert "【待补充】" in page and "草稿已生成但不完整" in page


# --------------------------------------------------------------------------- 预览


def test_the_preview_shows_every_figure_with_its_source_and_sql(client):
    assert "还没有草稿可预览" in client.get("/preview").text
    status = build(client)
    r = client.get("/preview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == status["preview"]
    page = client.get(status["preview"]).text
    assert len(re.findall(r'<span class="fig[^"]*" data-fig="f\d+"', page)) == status["figures"]
    assert '<h1 class="k-title"' in page and 'class="k-h1"' in page and 'class="k-h2"' in page
    data = re.search(r'<script type="application/json" id="drafter-data">(.*?)</script>', page, re.DOTALL).group(1)
    import json

    panel = json.loads(data)
    fig = next(f for f in panel["figures"].values() if f["ref"] == "inspections.officer_trips")
    assert fig["text"] == "1428" and fig["value"] == 1428
    query = panel["queries"]["inspections"]
    assert "FROM inspection" in query["sql"] and query["params"]["period_start"] == "2025-01-01"
    assert panel["sources"]["enforcement"]["url"].startswith("sqlite:///")


def test_a_password_of_a_source_never_reaches_a_page(sample_project_copy, sample_draft, tmp_path, monkeypatch):
    config = sample_project_copy
    monkeypatch.setenv("DRAFTER_SOURCE_OFFICE", "postgresql+psycopg://report:Sekr3tPw@127.0.0.1:1/office")
    app = create_app(config, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        status = build(c)  # the office source cannot be reached: a draft with placeholders, or no draft
        assert status["state"] in ("done", "failed")
        urls = ["/", f"/jobs/{status['id']}", f"/jobs/{status['id']}/status", "/figures", "/preview"]
        if status["state"] == "done":
            assert status["placeholders"]
            urls.append(status["preview"])
        pages = [c.get(u).text for u in urls]
        assert any("127.0.0.1:1" in p for p in pages)  # the masked URL is shown…
        assert not any("Sekr3tPw" in p for p in pages)  # …its password never


# --------------------------------------------------------------------------- 核对


def test_an_uploaded_draft_with_a_planted_edit_shows_the_hand_edit_on_that_figure(client, sample_draft, tmp_path):
    edited = tmp_path / "edited.docx"
    fid = planted_edit(sample_draft, edited, "inspections.hazards_found", "1500")
    r = upload(client, "编辑后.docx", edited.read_bytes(), follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "核对：编辑后.docx" in page and "手工修改 1" in page
    assert re.search(rf'class="fig st-edited" data-fig="{fid}"[^>]*>1500<', page)
    assert f'href="#fig-{fid}"' in page  # the finding points at its place in the preview
    links = {name: href for href, name in re.findall(r'href="([^"]+)" id="(checklist-link|annotated-link)"', page)}
    xlsx = client.get(links["checklist-link"])
    assert xlsx.status_code == 200 and "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content))["核对清单"]
    statuses = {row[0].value: row[6].value for row in ws.iter_rows(min_row=2)}
    assert statuses[fid] == "手工修改"
    annotated = zipfile.ZipFile(io.BytesIO(client.get(links["annotated-link"]).content))
    comments = annotated.read("word/comments.xml").decode()
    assert "手工修改" in comments and "1500" in comments


def test_the_upload_is_deleted_after_the_check(client, sample_draft):
    space = client.app.state.workspace
    r = upload(client, "a.docx", sample_draft.read_bytes(), follow_redirects=False)
    assert r.status_code == 303
    assert not list(space.root.glob("upload-*")) and not list(space.root.rglob("draft.docx"))
    assert stat.S_IMODE(space.root.stat().st_mode) == 0o700
    for folder in space.root.iterdir():
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("notes.txt", "这不是 Word 文件".encode(), "不是 .docx 文件"),
        ("empty.docx", b"", "是空文件"),
        ("", b"", "没有选择文件"),  # what a browser sends when no file was chosen
        ("broken.docx", b"PK\x03\x04" + b"\0" * 100, "已损坏"),
    ],
)
def test_a_non_docx_upload_gets_a_clear_message(client, name, data, message):
    r = upload(client, name, data)
    assert r.status_code == 400 and message in r.text and "Traceback" not in r.text


def test_a_plain_zip_is_not_a_word_document(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "hello")
    r = upload(client, "archive.docx", buffer.getvalue())
    assert r.status_code == 400 and "不是 Word 文档" in r.text and "word/document.xml" in r.text


def test_a_zip_bomb_is_refused_before_it_is_opened(client, tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 1024 * 1024
    r = upload(client, "bomb.docx", bomb.read_bytes())
    assert r.status_code == 400 and "压缩炸弹" in r.text


def test_an_external_entity_is_refused(client, sample_draft, tmp_path):
    trap = xxe_docx(sample_draft, tmp_path / "xxe.docx")
    assert b"&xxe;" in zipfile.ZipFile(trap).read("word/document.xml")
    r = upload(client, "xxe.docx", trap.read_bytes())
    assert r.status_code == 400 and "DTD" in r.text and "root:" not in r.text


def test_entity_expansion_is_refused(client, sample_draft, tmp_path):
    trap = laughs_docx(sample_draft, tmp_path / "laughs.docx")
    r = upload(client, "laughs.docx", trap.read_bytes())
    assert r.status_code == 400 and "DTD" in r.text and "hahaha" not in r.text


def test_an_oversize_upload_is_refused_with_the_limit(sample_project, tmp_path):
    app = create_app(
        sample_project, allowed_hosts=("testserver",), max_upload=64 * 1024, workspace=private_dir(tmp_path)
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        r = upload(c, "big.docx", b"PK\x03\x04" + b"x" * 200 * 1024)
        assert r.status_code == 413 and "超过 0.0625 MB" in r.text
        assert not list(app.state.workspace.root.iterdir())


def test_a_docx_that_is_not_a_drafter_draft_cannot_be_checked(client, tmp_path):
    doc = Document()
    doc.add_paragraph("一份普通的文件，与报告无关。")
    path = tmp_path / "other.docx"
    doc.save(str(path))
    r = upload(client, "other.docx", path.read_bytes())
    assert r.status_code == 400 and "无法核对" in r.text and str(tmp_path) not in r.text


# --------------------------------------------------------------------------- 数字


def test_the_figures_page_lists_filters_and_downloads_csv(client):
    page = client.get("/figures").text
    rows = page.count("<tr") - 1
    assert rows >= 79 and "inspections.officer_trips" in page
    filtered = client.get("/figures", params={"q": "officer_trips"}).text
    assert 1 <= filtered.count("<tr") - 1 < rows and "inspections.officer_trips" in filtered
    assert 'href="/figures.csv?q=officer_trips"' in filtered
    csv_all = client.get("/figures.csv")
    assert csv_all.headers["content-type"].startswith("text/csv") and csv_all.text.startswith("\ufeff编号,")
    assert len(csv_all.text.strip().splitlines()) == rows + 1
    csv_some = client.get("/figures.csv", params={"q": "officer_trips"}).text
    assert 2 <= len(csv_some.strip().splitlines()) < rows and "1428" in csv_some
    assert "2024" in client.get("/figures", params={"period": "2024"}).text
    bad = client.get("/figures", params={"period": "abc"})
    assert bad.status_code == 400 and "不是有效的报告期间" in bad.text


# --------------------------------------------------------------------------- the door


@pytest.mark.parametrize("route", ["/build", "/check"])
def test_a_post_without_the_csrf_token_is_refused(client, route):
    client.get("/")
    r = client.post(route, data={"period": "2025"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post(route, data={"period": "2025", "csrf_token": "forged-token-forged-token"})
    assert r.status_code == 403
    assert not client.app.state.workspace.jobs


def test_a_post_from_another_site_is_refused(client):
    r = client.post("/build", data={"csrf_token": token(client)}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and not client.app.state.workspace.jobs


def test_a_foreign_host_header_is_refused(client):
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/download/..%2F..%2F..%2Fetc%2Fpasswd",
        "/download/../../etc/passwd",
        "/download/%2Fetc%2Fpasswd",
        "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/../app.py",
        "/jobs/..%2Fconfig.yaml",
        "/preview/..%2F..%2Fconfig.yaml",
        "/check/..%2Fx",
        "/download/",
        "/download/config.yaml",
    ],
)
def test_no_request_parameter_reaches_the_filesystem(client, path):
    build(client)
    r = client.get(path)
    assert r.status_code == 404 and "root:" not in r.text and "sources:" not in r.text
    assert "找不到" in r.text


def test_static_files_come_from_the_package(client):
    css, js = client.get("/static/app.css"), client.get("/static/app.js")
    assert css.status_code == js.status_code == 200
    assert ".fig" in css.text and "drafter-data" in js.text
    assert "http://" not in css.text + js.text and "https://" not in css.text + js.text  # no CDN


def test_a_wrong_method_and_an_internal_error_answer_in_chinese(client, monkeypatch):
    assert "不支持的请求方式" in client.put("/build").text
    from drafter.review import listing

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(listing, "list_figures", boom)
    r = client.get("/figures")
    assert r.status_code == 500 and "服务器内部错误" in r.text
    assert "secret internals" not in r.text and "Traceback" not in r.text


# --------------------------------------------------------------------------- pieces


def test_inspect_docx_limits_entries_and_total_size(sample_draft):
    data = sample_draft.read_bytes()
    inspect_docx(data, "ok.docx")
    with pytest.raises(DraftError, match="部件"):
        inspect_docx(data, "x.docx", UploadLimits(max_entries=3))
    with pytest.raises(DraftError, match="解压后超过"):
        inspect_docx(data, "x.docx", UploadLimits(max_total=10_000))
    with pytest.raises(DraftError, match="超过"):
        inspect_docx(data, "x.docx", UploadLimits(max_bytes=1000))


def test_names_and_hosts():
    assert display_name("../../etc/passwd") == "passwd" and display_name("C:\\x\\草稿.docx") == "草稿.docx"
    assert display_name("") == "草稿.docx" and display_name("a\x00b<>.docx") == "ab.docx"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert exposure_warning("127.0.0.1") is None and "警告" in exposure_warning("0.0.0.0")
    assert "localhost" in allowed_hosts("127.0.0.1") and "[::1]" in allowed_hosts("::1")
    assert allowed_hosts("0.0.0.0", ["Report.example.cn", "10.0.0.5"]) == ("report.example.cn", "10.0.0.5")
    assert allowed_hosts("192.168.1.5") == ("192.168.1.5",)  # an address of one machine is its own name
    for names in ([], ["*"], ["*.example.cn"]):
        with pytest.raises(ConfigError, match="--allow-host"):
            allowed_hosts("0.0.0.0", names)


def test_period_arguments_follow_the_library():
    def by_year(config, *, year=None):
        return None

    def by_period(config, *, period=None):
        return None

    assert period_arguments("", by_year) == {} and period_arguments(" 2024 ", by_year) == {"year": 2024}
    from drafter.project.period import Period

    assert period_arguments(" 2025H1 ", by_period) == {"period": Period.parse("2025H1")}
    with pytest.raises(ConfigError, match="不是有效的报告期间"):
        period_arguments("2025-H1", by_period)  # read before any build starts
    with pytest.raises(ConfigError, match="不是有效的报告年度"):
        period_arguments("2025-H1", by_year)


def test_the_workspace_is_removed_when_the_server_stops(sample_project, tmp_path):
    root = private_dir(tmp_path)
    app = create_app(sample_project, allowed_hosts=("testserver",), workspace=root)
    with TestClient(app) as c:
        build(c)
        assert any(root.iterdir())
    assert not root.exists()


def test_serve_refuses_a_missing_config_in_chinese(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from drafter.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2 and "config.yaml" in result.output


def test_serve_warns_when_the_host_is_not_loopback(sample_project, monkeypatch):
    from click.testing import CliRunner

    from drafter.cli import main
    from drafter.web import server

    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(server, "check_address", lambda host, port: None)  # 8000 may be taken on this machine
    result = CliRunner().invoke(main, ["serve", "-c", str(sample_project), "--host", "0.0.0.0", "--port", "8765"])
    assert result.exit_code == 2 and "--allow-host" in result.output and not calls  # no wildcard host
    result = CliRunner().invoke(
        main, ["serve", "-c", str(sample_project), "--host", "0.0.0.0", "--port", "8765", "--allow-host", "r.example"]
    )
    assert result.exit_code == 0, result.output
    assert "警告：服务监听在 0.0.0.0" in result.output and calls[0]["host"] == "0.0.0.0" and calls[0]["port"] == 8765
    calls.clear()
    result = CliRunner().invoke(main, ["serve", "-c", str(sample_project)])
    assert "警告" not in result.output and calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8000
    assert server.is_loopback(calls[0]["host"])


def test_drafts_written_by_the_server_stay_out_of_the_project(client, sample_project):
    before = sorted(p.name for p in Path(sample_project).parent.rglob("*.docx"))
    build(client)
    assert sorted(p.name for p in Path(sample_project).parent.rglob("*.docx")) == before


def test_old_builds_are_forgotten_with_their_files(client):
    space = client.app.state.workspace
    space.keep = 1
    first = build(client)
    first_folder = space.jobs[first["id"]].folder
    build(client)
    build(client)
    assert first["id"] not in space.jobs and not first_folder.exists()
    assert client.get(first["download"]).status_code == 404
    assert len([j for j in space.jobs.values() if j.state == "done"]) <= 2


def test_rule_findings_of_the_validation_are_shown_with_the_draft(sample_project_copy, tmp_path):
    extra = sample_project_copy.parent / "queries" / "unused_total.sql"
    extra.write_text(
        "-- source: enforcement\n-- description: 未使用的查询\n-- returns: scalar\nSELECT COUNT(*) FROM inspection\n",
        encoding="utf-8",
    )
    app = create_app(sample_project_copy, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        status = build(c)
        assert status["state"] == "done"
        [finding] = [m for m in status["messages"] if m["level"] == "finding"]
        assert "查询 unused_total 没有在任何模板中使用" in finding["text"] and "unused_total.sql" in finding["text"]
        assert "规则检查" in c.get(f"/jobs/{status['id']}").text


def test_form_fields_other_than_the_period_go_to_a_library_that_takes_them():
    from drafter.web.jobs import form_arguments

    def by_unit(config, *, year=None, unit=None):
        return None

    assert form_arguments({"period": "2024", "unit": " 青浦 "}, by_unit) == {"year": 2024, "unit": "青浦"}
    assert form_arguments({"period": "", "unit": ""}, by_unit) == {}
    with pytest.raises(ConfigError, match="不支持按“unit”起草"):
        form_arguments({"unit": "x"}, lambda config, *, year=None: None)


def test_a_zip_whose_headers_lie_about_sizes_is_refused(tmp_path):
    from webfiles import lying_zip

    data = lying_zip(tmp_path / "liar.docx").read_bytes()
    assert len(data) < 100_000
    with pytest.raises(DraftError) as caught:
        inspect_docx(data, "liar.docx")
    assert "压缩炸弹" in caught.value.message or "已损坏" in caught.value.message


def test_an_app_that_never_serves_leaves_no_folder_behind(sample_project, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(sample_project, allowed_hosts=("testserver",))
    assert not list(tmp_path.iterdir())
    with TestClient(app) as c:
        build(c)
        assert [p.name.startswith("drafter-serve-") for p in tmp_path.iterdir()] == [True]
    assert not list(tmp_path.iterdir())


def test_drafts_in_the_output_folder_can_be_previewed(sample_project_copy, sample_draft, tmp_path):
    import shutil

    output = sample_project_copy.parent / "output"
    output.mkdir(exist_ok=True)
    shutil.copy(sample_draft, output / "旧草稿.docx")
    (output / "坏的.docx").write_bytes(b"not a zip")
    (output / "~$旧草稿.docx").write_bytes(b"word lock file")
    app = create_app(sample_project_copy, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/preview").text
        assert "选择要预览的草稿" in page and "旧草稿.docx" in page and "~$" not in page
        links = {name: href for href, name in re.findall(r'<a href="(/preview/file/[^"]+)">([^<]+)</a>', page)}
        assert set(links) == {"旧草稿.docx", "坏的.docx"}
        assert links["旧草稿.docx"] in c.get("/preview").text  # the same id each time
        preview = c.get(links["旧草稿.docx"])
        assert preview.status_code == 200 and "inspections.officer_trips" in preview.text
        bad = c.get(links["坏的.docx"])
        assert bad.status_code == 400 and "不是 .docx 文件" in bad.text and str(output) not in bad.text
        assert c.get("/preview/file/" + "x" * 22).status_code == 404
        status = build(c)
        assert c.get("/preview", follow_redirects=False).headers["location"] == status["preview"]
        assert "其他草稿" in c.get(status["preview"]).text


def test_the_check_takes_a_period_only_for_a_draft_that_lost_its_own(client, sample_draft, tmp_path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    doc = Document(str(sample_draft))
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del doc.part.rels[rel_id]
    path = tmp_path / "no-manifest.docx"
    doc.save(str(path))
    r = client.post(
        "/check",
        data={"csrf_token": token(client, "/check"), "period": "2025"},
        files={"draft": ("no-manifest.docx", path.read_bytes(), "application/octet-stream")},
    )
    assert r.status_code == 200 and "84 个数字：一致 84" in r.text
    r = client.post(
        "/check",
        data={"csrf_token": token(client, "/check"), "period": "二〇二五"},
        files={"draft": ("no-manifest.docx", path.read_bytes(), "application/octet-stream")},
    )
    assert r.status_code == 400 and "不是有效的报告期间" in r.text


def test_serve_on_a_port_in_use_says_so_in_chinese(sample_project):
    import socket

    from click.testing import CliRunner

    from drafter.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "-c", str(sample_project), "--port", str(port)])
    assert result.exit_code == 2 and f"无法在 127.0.0.1:{port} 上启动服务" in result.output
    assert f"--port {port + 1}" in result.output and "Traceback" not in result.output


def test_a_quarterly_project_is_drafted_and_shown_by_its_period(tmp_path):
    from periodproject import make_project

    config = make_project(tmp_path / "q")
    app = create_app(config, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app) as c:
        assert "2025Q1" in c.get("/").text  # the form shows the written forms of a period
        status = build(c, "2025Q1")
        assert status["state"] == "done" and status["label"] == "2025年第一季度", status
        assert status["filename"] == "示例市执法局2025年第一季度检查通报（草稿）.docx"
        assert "已生成2025年第一季度草稿" in c.get(f"/jobs/{status['id']}").text
        assert "2025年第一季度" in c.get(status["preview"]).text
        page = c.get("/figures", params={"period": "2025-03"}).text
        assert "示例市执法局 2025年3月报告中的数字" in page


def test_the_figures_page_of_a_project_with_units_lists_the_unit_asked(sample_project, tmp_path):
    """数字 for a project with units: a 单位 field; without a unit the page says to fill it in,
    with one it lists that unit's figures, as `drafter figures --unit` does (the CSV too)."""
    from test_units import _expected, _towns_copy

    from drafter.review.listing import list_figures

    towns = _towns_copy(tmp_path / "root", sample_project)
    app = create_app(towns, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app) as c:
        plain = c.get("/figures")
        assert plain.status_code == 400 and 'name="unit"' in plain.text and "“单位”栏" in plain.text
        page = c.get("/figures", params={"unit": "赵巷镇"})
        assert page.status_code == 200, page.text
        want = list_figures(towns, unit="赵巷镇").figures
        assert want and all(f'data-fig="{f.id}"' in page.text or f.id in page.text for f in want)
        assert str(_expected(towns, "赵巷镇")["screenings"]) in page.text
        assert 'href="/figures.csv?unit=' in page.text
        csv = c.get("/figures.csv", params={"unit": "赵巷镇"}).content.decode("utf-8-sig")
        assert len(csv.strip().splitlines()) == len(want) + 1
        bad = c.get("/figures", params={"unit": "赵港镇"})
        assert bad.status_code == 400 and "是否想写“赵巷镇”" in bad.text


def test_a_project_with_units_drafts_the_unit_chosen_on_the_form(sample_project, tmp_path):
    """起草 for a project with units: the form has a 单位 field, and the draft is that unit's,
    its figures those of `drafter build --unit`."""
    from test_units import _expected, _towns_copy

    towns = _towns_copy(tmp_path / "root", sample_project)
    app = create_app(towns, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app) as c:
        page = c.get("/").text
        assert 'name="unit"' in page and "单位" in page
        r = c.post("/build", data={"csrf_token": token(c), "period": "", "unit": "赵巷镇"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        for _ in range(600):
            status = c.get(r.headers["location"] + "/status").json()
            if status["state"] != "running":
                break
            time.sleep(0.05)
        assert status["state"] == "done", status
        assert "赵巷镇" in status["filename"]
        job_page = c.get(r.headers["location"]).text
        link = re.search(r'href="(/download/[^"]+)"', job_page).group(1)
        draft = tmp_path / "unit.docx"
        draft.write_bytes(c.get(link).content)
        from drafter.batch import build_units

        direct = build_units(towns, units=["赵巷镇"], directory=tmp_path / "direct").outcomes[0].path
        assert read_paragraphs(draft) == read_paragraphs(direct)  # the same draft as `build --unit`
        assert f"{_expected(towns, '赵巷镇')['screenings']}" in "\n".join(read_paragraphs(draft))

        bad = c.post("/build", data={"csrf_token": token(c), "period": "", "unit": "赵港镇"}, follow_redirects=False)
        status = c.get(bad.headers["location"] + "/status").json()
        for _ in range(600):
            if status["state"] != "running":
                break
            time.sleep(0.05)
            status = c.get(bad.headers["location"] + "/status").json()
        assert status["state"] == "failed" and "赵巷镇" in status["error"]  # did-you-mean names the unit


# --------------------------------------------------------------------------- 起草 with 同时生成 PDF

DOWNLOAD_ID = re.compile(r"/download/[A-Za-z0-9_-]{16,}")


def test_the_build_form_offers_a_pdf_and_keeps_it_ticked_after_an_error(client):
    page = client.get("/").text
    assert re.search(r'<input type="checkbox" id="pdf" name="pdf" value="1"\s*>', page) and "同时生成 PDF" in page
    r = client.post("/build", data={"csrf_token": token(client), "period": "20x5", "pdf": "1"})
    assert r.status_code == 400 and re.search(r'name="pdf" value="1" checked', r.text)
    status = build(client)  # not ticked: a draft and no word of a PDF
    assert status["state"] == "done" and status["pdf"] is None and status["pdf_error"] is None
    page = client.get(f"/jobs/{status['id']}").text
    assert 'id="download-link"' in page and 'id="pdf-link"' not in page and 'id="pdf-error"' not in page


def _units_app(sample_project, tmp_path):
    from test_units import _towns_copy

    towns = _towns_copy(tmp_path / "root", sample_project)
    return create_app(towns, allowed_hosts=("testserver",), workspace=private_dir(tmp_path / "root"))


def _no_pdf_for(c: TestClient, status: dict, workspace: Path, tmp_path: Path) -> None:
    assert status["state"] == "done", status
    assert (
        status["pdf"] is None and "没有生成 PDF" in status["pdf_error"] and "未安装 LibreOffice" in status["pdf_error"]
    )
    page = c.get(f"/jobs/{status['id']}").text
    assert 'id="pdf-error"' in page and "未安装 LibreOffice" in page and "草稿 .docx 已照常生成" in page
    assert 'id="pdf-link"' not in page and 'id="download-link"' in page
    draft = tmp_path / "offered.docx"
    draft.write_bytes(c.get(status["download"]).content)
    assert read_paragraphs(draft)  # the draft is offered all the same, and opens
    assert not list(workspace.rglob("*.pdf"))


def test_without_libreoffice_the_draft_is_offered_with_the_reason_in_chinese(sample_project, tmp_path, monkeypatch):
    from drafter.word import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    report = tmp_path / "report"
    report.mkdir()
    app = create_app(sample_project, allowed_hosts=("testserver",), workspace=private_dir(report))
    with TestClient(app) as c:
        _no_pdf_for(c, build(c, pdf="1"), report, tmp_path)
    app = _units_app(sample_project, tmp_path)
    with TestClient(app) as c:
        status = build(c, unit="赵巷镇", pdf="1")
        assert "赵巷镇" in status["filename"]
        _no_pdf_for(c, status, tmp_path / "root", tmp_path)


def _pdf_offered(c: TestClient, status: dict, tmp_path: Path) -> str:
    """The PDF the job page offers, by an opaque id, downloaded and read: its text."""
    import pdfplumber

    assert status["state"] == "done" and status["pdf_error"] is None, status
    assert DOWNLOAD_ID.fullmatch(status["pdf"]) and status["pdf"] != status["download"]
    page = c.get(f"/jobs/{status['id']}").text
    assert f'id="pdf-link" href="{status["pdf"]}"' in page and "下载 PDF" in page and "PDF 字体" in page
    assert status["pdf"] in c.get("/").text  # the list of this session's drafts offers it too
    r = c.get(status["pdf"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content[:5] == b"%PDF-"
    stem = status["filename"].removesuffix(".docx")
    assert urllib.parse.quote(f"{stem}.pdf") in r.headers["content-disposition"]
    (tmp_path / "offered.pdf").write_bytes(r.content)
    with pdfplumber.open(tmp_path / "offered.pdf") as document:
        return "".join(p.extract_text() or "" for p in document.pages).replace("\n", "")


@pytest.mark.render
def test_a_build_with_pdf_offers_the_pdf_to_download(client, sample_project, tmp_path):
    require_programs("render", "soffice")
    text = _pdf_offered(client, build(client, pdf="1", timeout=300), tmp_path)
    assert "法治政府建设情况报告" in text and "1428" in text
    assert not list(sample_project.parent.rglob("*.pdf"))  # written in the server's workspace


@pytest.mark.render
def test_a_units_build_with_pdf_offers_that_units_pdf(sample_project, tmp_path):
    from test_units import _expected

    require_programs("render", "soffice")
    app = _units_app(sample_project, tmp_path)
    with TestClient(app) as c:
        status = build(c, unit="赵巷镇", pdf="1", timeout=300)
        text = _pdf_offered(c, status, tmp_path)
    towns = tmp_path / "root" / "examples" / "towns" / "config.yaml"
    assert "赵巷镇" in text and str(_expected(towns, "赵巷镇")["screenings"]) in text
