"""HTML of the pages, from the Jinja templates shipped in this package.

Used by the server and by `drafter preview --html`, which writes the same
preview as one self-contained file (CSS and script inline). Autoescaping is on
for every template; data for the page's script goes through `tojson`, which
escapes `<`, `>` and `&`, so text from a draft or a database never becomes markup.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from drafter import __version__
from drafter.outputs import check_output_name, write_atomically
from drafter.review.pageview import DraftView

STATUS_CLASSES = {
    "一致": "ok",
    "手工修改": "edited",
    "数据已变化": "stale",
    "已删除": "removed",
    "无法核对": "unchecked",
    "无来源数字": "unbacked",
}
KIND_TAGS = {"title": "h1", "h1": "h2", "h2": "h3", "h3": "p", "h4": "p"}


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("drafter.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(version=__version__, status_classes=STATUS_CLASSES, kind_tags=KIND_TAGS)
    return env


def static_text(name: str) -> str:
    """A file of the package's static folder (app.css, app.js)."""
    return resources.files("drafter.web").joinpath("static", name).read_text(encoding="utf-8")


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def standalone_preview(view: DraftView) -> str:
    """The preview as one HTML file: no request leaves it, it opens from a disk or an e-mail."""
    return render("standalone.html", view=view, css=static_text("app.css"), js=static_text("app.js"))


def write_standalone(view: DraftView, output: str | Path) -> Path:
    output = Path(output)
    check_output_name(output, (".html", ".htm"), "预览网页", "--html 预览.html")
    html = standalone_preview(view)

    def write(tmp: Path) -> None:
        tmp.write_text(html, encoding="utf-8")

    return write_atomically(output, write, what="预览网页", hint="检查输出目录是否存在、是否有写权限。")
