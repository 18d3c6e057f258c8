"""`drafter serve` against hostile uploads and hostile pages: a package built to take the
server's memory, DTDs in parts whatever their names, the worker's limits, DNS rebinding,
`Origin: null`, and periods out of range."""

from __future__ import annotations

import os
import re
import time
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from webfiles import many_parts_docx

from drafter.errors import DraftError
from drafter.web.app import create_app
from drafter.web.security import HostGuard
from drafter.web.uploads import inspect_docx, private_dir
from drafter.web.worker import WorkerLimits, run_limited

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
MIB = 1024 * 1024


@pytest.fixture
def client(sample_project, tmp_path):
    app = create_app(sample_project, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def upload(client: TestClient, name: str, data: bytes):
    token = TOKEN.search(client.get("/check").text).group(1)
    files = {"draft": (name, data, "application/octet-stream")}
    return client.post("/check", data={"csrf_token": token}, files=files)


def rss() -> int:
    """This process's resident memory in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


# --------------------------------------------------------------------------- memory


def test_190_header_parts_of_empty_paragraphs_are_refused_without_growing_the_server(client, sample_draft, tmp_path):
    bomb = many_parts_docx(sample_draft, tmp_path / "headers.docx")
    assert bomb.stat().st_size < 1 * MIB  # a few hundred KB that would unpack to 190 MiB of XML
    before = rss()
    started = time.perf_counter()
    r = upload(client, "headers.docx", bomb.read_bytes())
    assert time.perf_counter() - started < 60
    assert r.status_code == 400 and "XML 元素过多" in r.text
    assert rss() - before < 100 * MIB  # the parse happened in the worker, not here


@pytest.mark.parametrize(
    "variant",
    [
        {"name": "word/header{}.bin"},  # named as no XML, declared as XML: read by Word all the same
        {"name": "customXml/item{}.dat", "content_type": "application/xml"},
        {"name": "word/media/x{}.xml", "content_type": "image/png"},  # looks like XML: parsed anyway
        {"element": b"<w:p><w:r><w:t>1</w:t></w:r></w:p>"},
        {"parts": 40, "size": 5 * MIB // 4, "element": b"<w:p/>"},  # a few bigger parts: ratio check
    ],
    ids=["bin-name", "custom-xml", "xml-as-image", "runs", "bigger-parts"],
)
def test_variants_of_the_many_parts_file_are_refused(client, sample_draft, tmp_path, variant):
    bomb = many_parts_docx(sample_draft, tmp_path / "v.docx", **variant)
    r = upload(client, "v.docx", bomb.read_bytes())
    assert r.status_code == 400 and ("XML 元素过多" in r.text or "压缩比异常" in r.text), r.text[-2000:]


def test_a_file_just_under_the_element_budget_is_handled_within_the_worker_limits(client, sample_draft, tmp_path):
    """Four parts of 1 MiB (700 000 elements) pass the inspection; opening them in the worker
    either succeeds (the draft is checked) or stops at the worker's memory limit: no 500, and
    the server stays as it was."""
    heavy = many_parts_docx(sample_draft, tmp_path / "heavy.docx", parts=4)
    before = rss()
    r = upload(client, "heavy.docx", heavy.read_bytes())
    assert r.status_code in (200, 400), r.text[-2000:]
    assert "核对：heavy.docx" in r.text or "内存超过上限" in r.text
    assert rss() - before < 100 * MIB


def _with_part(draft: Path, target: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(draft) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr(name, data)
    return target


@pytest.mark.parametrize(
    "name,data",
    [
        ("word/media/image9.png", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'),
        ("customXml/item9.bin", b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'),
        ("word/embeddings/blob", b"\x89PNG\r\n\x1a\n....<!ENTITY a SYSTEM 'file:///etc/passwd'>"),
        ("docProps/x", '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode("utf-16")),
        ("word/a.txt", b'\n  <!DOCTYPE x [<!ENTITY a "b">]><x/>'),
    ],
    ids=["png-name", "bin-name", "binary-with-entity", "utf16-no-name", "txt-name"],
)
def test_a_dtd_in_any_part_is_refused_whatever_its_name(sample_draft, tmp_path, name, data):
    hostile = _with_part(sample_draft, tmp_path / "dtd.docx", name, data)
    with pytest.raises(DraftError, match="DTD"):
        inspect_docx(hostile.read_bytes(), "dtd.docx")


def test_a_part_named_twice_is_refused(sample_draft, tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        twice = _with_part(sample_draft, tmp_path / "twice.docx", "word/document.xml", b"<x/>")
    with pytest.raises(DraftError, match="重复的部件名"):
        inspect_docx(twice.read_bytes(), "twice.docx")


# --------------------------------------------------------------------------- the worker's limits


def test_the_worker_stops_a_child_past_its_memory_limit():
    with pytest.raises(DraftError, match="内存超过上限"):
        run_limited(bytearray, 2048 * MIB, limits=WorkerLimits(memory=512 * MIB))


def test_the_worker_stops_a_child_past_its_cpu_limit():
    started = time.perf_counter()
    with pytest.raises(DraftError, match="超过时间上限"):
        run_limited(sum, range(10**12), limits=WorkerLimits(cpu_seconds=1, wall_seconds=60))
    assert time.perf_counter() - started < 30


def test_the_worker_stops_a_child_past_its_wall_time():
    started = time.perf_counter()
    with pytest.raises(DraftError, match="超过时间上限"):
        run_limited(time.sleep, 30, limits=WorkerLimits(wall_seconds=1))
    assert time.perf_counter() - started < 15


def test_the_worker_returns_results_and_the_libraries_errors():
    assert run_limited(sorted, [3, 1, 2], limits=WorkerLimits()) == [1, 2, 3]
    with pytest.raises(DraftError, match="已损坏"):
        run_limited(inspect_docx, b"PK\x03\x04" + b"\0" * 100, "x.docx", limits=WorkerLimits())
    assert os.getpid() == os.getpid()


def test_the_worker_child_runs_its_one_job_with_the_collector_paused_and_the_server_keeps_it():
    """A check of a long table made the collector walk its 40,000 figures again and again (9 s
    against 4.7 s on the web page): the child, whose process is the job's alone, pauses it."""
    import gc

    assert run_limited(gc.isenabled, limits=WorkerLimits()) is False
    assert gc.isenabled()


# --------------------------------------------------------------------------- hosts and origins


def test_a_rebinding_host_header_is_refused_on_every_page(sample_project, tmp_path):
    app = create_app(sample_project, allowed_hosts=("report.example.cn", "10.0.0.5"), workspace=private_dir(tmp_path))
    with TestClient(app, base_url="http://report.example.cn:8000", raise_server_exceptions=False) as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"host": "10.0.0.5:8000"}).status_code == 200
        hosts = (
            "evil.com",
            "evil.com:8000",
            "report.example.cn.evil.com",
            "",
            "REPORT.example.cn@evil.com",
            "report.example.cn:8000@evil.com",
            "report.example.cn:x",
            "report.example.cn.",
            "10.0.0.5:80:80",
            "[10.0.0.5]",
        )
        for host in hosts:
            for path in ("/", "/figures", "/check", "/static/app.js"):
                assert c.get(path, headers={"host": host}).status_code == 400, (host, path)


def test_a_wildcard_host_is_never_taken():
    with pytest.raises(ValueError):
        HostGuard(lambda *a: None, ("*",))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HostGuard(lambda *a: None, ("*.example.cn",))  # type: ignore[arg-type]


@pytest.mark.parametrize("origin", ["null", "http://evil.example", "http://testserver.evil.example", "file://"])
def test_a_post_with_a_foreign_or_null_origin_is_refused(client, origin):
    page = client.get("/")
    # Under `no-referrer` Chromium sends `Origin: null` with the site's own forms (test_web_browser).
    assert page.headers["referrer-policy"] == "same-origin"
    token = TOKEN.search(page.text).group(1)
    r = client.post("/build", data={"csrf_token": token}, headers={"origin": origin})
    assert r.status_code == 403 and "其他网站" in r.text
    assert not client.app.state.workspace.jobs
    assert (
        client.post(
            "/build", data={"csrf_token": token}, headers={"origin": "http://testserver"}, follow_redirects=False
        ).status_code
        == 303
    )


def test_the_server_log_masks_a_password_in_an_unexpected_error(client, monkeypatch, caplog):
    from drafter.masking import remember
    from drafter.review import listing

    remember("postgresql+psycopg://report:Lg9%40Wq2Zx@10.0.0.5/office")

    def boom(*a, **k):
        raise RuntimeError("connection to 'postgresql://report:Lg9@Wq2Zx@10.0.0.5' failed: Lg9%40Wq2Zx")

    monkeypatch.setattr(listing, "list_figures", boom)
    r = client.get("/figures")
    assert r.status_code == 500
    assert "RuntimeError" in caplog.text and "10.0.0.5" in caplog.text  # the traceback is logged…
    assert "Lg9@" not in caplog.text and "Wq2Z" not in caplog.text  # …its password is not


def test_a_check_past_the_workers_memory_says_so_and_the_server_stays(sample_project, sample_draft, tmp_path):
    """With the worker held to 256 MB, the file of four 1 MiB parts (which passes the inspection)
    cannot be opened: the uploader is told it is the memory limit; the server is unchanged."""
    heavy = many_parts_docx(sample_draft, tmp_path / "heavy.docx", parts=4)
    app = create_app(
        sample_project,
        allowed_hosts=("testserver",),
        workspace=private_dir(tmp_path),
        worker=WorkerLimits(memory=256 * MIB),
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        before = rss()
        r = upload(c, "heavy.docx", heavy.read_bytes())
        assert r.status_code == 400 and "内存超过上限（256 MB）" in r.text, r.text[-1500:]
        assert rss() - before < 100 * MIB
