"""Benchmark: `drafter serve` on the sample, as a member of staff uses it in a browser.

    .venv/bin/python benchmarks/bench_web.py [--runs 5]

1. Time from pressing 起草 to the download link, in headless Chromium (Debian's
   chromium + chromedriver, Selenium offline) against uvicorn on a loopback port:
   click, the build in its thread, the progress polling, the page showing the link.
   The same build called directly (`drafter.build`) is printed beside it, so the
   web layer's share is visible.
2. Page weight of the preview of the sample draft: the HTML, plus the CSS and
   script it loads, and the self-contained file of `drafter preview --html`.
   Anchor (issue 16): it must open instantly on an office PC — under 1 MB.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

ANCHOR_BYTES = 1024 * 1024


def sample_project(root: Path) -> Path:
    from drafter.sample import create_sqlite

    project = root / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    create_sqlite(project / "sample")
    return project / "config.yaml"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from browser import chromium, running_server, wait_for
    from selenium.webdriver.common.by import By

    from drafter import build
    from drafter.review.pageview import view_of_file
    from drafter.web.app import create_app
    from drafter.web.pages import standalone_preview
    from drafter.web.uploads import private_dir

    with tempfile.TemporaryDirectory(prefix="drafter-bench-web-") as tmp:
        root = Path(tmp)
        config = sample_project(root)

        direct = []
        for i in range(args.runs + 1):
            start = time.perf_counter()
            build(config, output=root / f"direct-{i}.docx", force=True)
            direct.append(time.perf_counter() - start)
        direct = direct[1:]  # the first run pays for imports

        app = create_app(config, allowed_hosts=("127.0.0.1",), workspace=private_dir(root))
        clicks = []
        with running_server(app) as url, chromium(root / "profile", root / "downloads") as driver:
            for _ in range(args.runs + 1):
                driver.get(url + "/")
                button = driver.find_element(By.ID, "build-button")
                start = time.perf_counter()
                button.click()
                wait_for(lambda: driver.find_elements(By.ID, "download-link"), 60, "the download link")
                clicks.append(time.perf_counter() - start)
            clicks = clicks[1:]

            driver.find_element(By.ID, "download-link")
            preview_url = driver.find_element(By.CSS_SELECTOR, "a[href^='/preview/']").get_attribute("href")
            html = fetch(preview_url)
            css, js = fetch(url + "/static/app.css"), fetch(url + "/static/app.js")
            job = app.state.workspace.latest_job()
            standalone = standalone_preview(view_of_file(job.draft)).encode("utf-8")
            figures = len(view_of_file(job.draft).figures)

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, best {min(values) * 1000:.0f} ms"

    page = len(html) + len(css) + len(js)
    print(f"drafter serve on the sample ({args.runs} runs after one warm-up)")
    print(f"  起草 pressed → download link shown (Chromium): {ms(clicks)}")
    print(f"  drafter.build called directly:                {ms(direct)}")
    print(
        f"  web layer's share (median):                   {(statistics.median(clicks) - statistics.median(direct)) * 1000:.0f} ms"
    )
    print(f"Preview page weight ({figures} figures), anchor < {ANCHOR_BYTES // 1024} KiB:")
    print(
        f"  HTML {len(html) / 1024:.1f} KiB + CSS {len(css) / 1024:.1f} KiB + JS {len(js) / 1024:.1f} KiB"
        f" = {page / 1024:.1f} KiB ({page / ANCHOR_BYTES:.0%} of the anchor)"
    )
    print(
        f"  drafter preview --html (one file):            {len(standalone) / 1024:.1f} KiB"
        f" ({len(standalone) / ANCHOR_BYTES:.0%} of the anchor)"
    )


if __name__ == "__main__":
    main()
