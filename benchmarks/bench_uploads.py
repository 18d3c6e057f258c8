"""Benchmark: `drafter serve` under hostile uploads — memory and time, server and worker.

    .venv/bin/python benchmarks/bench_uploads.py [--runs 3]

Starts `drafter serve` on the sample as its own process (loopback), uploads each file to
核对 as a browser would (CSRF cookie and token), and samples every 20 ms the resident memory
(VmRSS) of the server process and of its upload workers (the forkserver's children). Prints,
per file: the answer, seconds to answer (min/median), the server's RSS before, at its peak
and after, and the workers' peak RSS.

Anchor (issue 20): the 190-header-part file (each part 1 MiB of `<w:p/>`, 190 MiB in all,
under the 200 MiB cap) made the server grow from 111 MB to 4.36 GB in 40–75 s, and the memory
stayed. Bound documented in README (网页界面 › 安全): the server stays at its own size plus at
most 2 workers × 1024 MB address space, and returns to its size after.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

MIB = 1024 * 1024
UNBUDGETED = (
    "import sys; from drafter.web import uploads; d = list(uploads.UploadLimits.__init__.__defaults__); "
    "d[-1] = 10**9; uploads.UploadLimits.__init__.__defaults__ = tuple(d); "
    "from drafter.cli import main; sys.argv[0] = 'drafter'; main()"
)


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in child.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            out += [kid, *descendants(kid)]
    return out


class Sampler(threading.Thread):
    """The peaks of the server's RSS and of any one worker's RSS while it runs."""

    def __init__(self, server: int, forkserver_children: bool = True) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.server_peak = 0
        self.worker_peak = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.server_peak = max(self.server_peak, rss(self.server))
            for pid in descendants(self.server):
                self.worker_peak = max(self.worker_peak, rss(pid))
            time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, body, Set-Cookie) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=600) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.headers.get("set-cookie", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), ""


def upload(base: str, name: str, data: bytes) -> tuple[int, str]:
    """POST the file to 核对 as a browser does: the CSRF cookie and token, multipart."""
    _, page, cookie = request(base + "/check")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    boundary = "----drafterbench"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="draft"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={boundary}", "cookie": cookie.split(";")[0]}
    status, text, _ = request(base + "/check", body, headers)
    if status == 303:
        return status, "核对完成"
    found = re.search(r"<strong>([^<]+)</strong>", text) or re.search(r"<h1>([^<]+)</h1>", text)
    return status, (found.group(1) if found else text[:80]).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-element-budget",
        action="store_true",
        help="switch the inspection's element budget off, to measure the worker's own limits",
    )
    args = parser.parse_args()

    from bench_web import sample_project
    from webfiles import many_parts_docx

    from drafter import build

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = sample_project(root)
        draft = build(config, output=root / "draft.docx").path
        files = {
            "sample draft (control)": draft,
            "190 header parts × 1 MiB <w:p/>": many_parts_docx(draft, root / "h190.docx"),
            "190 parts named .bin": many_parts_docx(draft, root / "bin.docx", name="word/header{}.bin"),
            "190 parts of runs": many_parts_docx(
                draft, root / "runs.docx", element=b"<w:p><w:r><w:t>1</w:t></w:r></w:p>"
            ),
            "4 parts (700k elements, passes inspection)": many_parts_docx(draft, root / "p4.docx", parts=4),
            "5 parts (870k elements, passes inspection)": many_parts_docx(draft, root / "p5.docx", parts=5),
        }
        port = free_port()
        command = [str(Path(sys.executable).parent / "drafter"), "serve", "-c", str(config), "--port", str(port)]
        if args.no_element_budget:  # the same server with UploadLimits.max_elements set out of reach
            command = [sys.executable, "-c", UNBUDGETED, "serve", "-c", str(config), "--port", str(port)]
            files = {k: v for k, v in files.items() if "190" in k or "control" in k}
        server = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    request(base + "/check")
                    break
                except OSError:
                    time.sleep(0.1)
            upload(base, "warm.docx", draft.read_bytes())  # the fork server and its preloads
            print(f"server pid {server.pid}; RSS after start and one check: {rss(server.pid) / MIB:.0f} MB")
            print(
                f"{'file':44} {'size':>8} {'answer':>6}  {'s min/med':>11}  server MB before/peak/after  worker peak MB"
            )
            for label, path in files.items():
                data = path.read_bytes()
                times, answer, before, after = [], (0, ""), [], []
                sampler = Sampler(server.pid)
                sampler.start()
                for _ in range(args.runs):
                    before.append(rss(server.pid))
                    started = time.perf_counter()
                    answer = upload(base, path.name, data)
                    times.append(time.perf_counter() - started)
                    time.sleep(0.3)
                    after.append(rss(server.pid))
                sampler.stop.set()
                sampler.join()
                print(
                    f"{label:44} {len(data) / 1024:6.0f}KB {answer[0]:>6}  "
                    f"{min(times):5.1f}/{statistics.median(times):5.1f}  "
                    f"{min(before) / MIB:6.0f}/{sampler.server_peak / MIB:5.0f}/{max(after) / MIB:5.0f}"
                    f"            {sampler.worker_peak / MIB:6.0f}   {answer[1][:60]}"
                )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
