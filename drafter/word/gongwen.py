"""公文格式 (GB/T 9704-2012): named styles, page setup, the default Word master, final layout.

Three entry points, in the order a build meets them:

- `build_master(path, settings)` writes a Word master (`python -m drafter.word.gongwen`
  the sample's `templates/report.docx`, `drafter master` and `drafter init` the same for any
  office: a master holds no wording, the opening and closing are section text)
  (A4, margins, document grid, odd/even page numbers, the docxtpl paragraphs);
- `ensure_styles(document, settings)` adds the named styles a draft needs to a
  document that lacks them (a user's own master), never changing existing ones but
  a built-in Normal (正文) still as Word, WPS or python-docx made it;
- `finish(document, settings)` does the layout that depends on the rendered text:
  signature and date placement (§7.3.5), balanced title lines (§7.3.3),
  attachment-line indents (§7.3.4) and, if wanted, a bold run-in level-3 heading.

Lengths in WordprocessingML: twips (1/20 pt) for indents and spacing, half-points
for font sizes, and "character units" (1/100 of a character) for the `*Chars`
indent attributes that Word and WPS prefer. A character here is one body-size
em (3号 = 16 pt); a digit or Latin letter counts half (GB/T 9704 §7.3.5).

The body style is Word's built-in Normal (styleId "Normal", w:default="1"): Chinese Word
and WPS show it as 正文, so a custom style of that name would stand beside it as a second
正文. `style_drift` says where a master's styles differ from the `style:` settings.

The format lives in modules by job; this one gathers their public names:

    style.py    the `style:` settings as plain data (faces, sizes, page geometry)
    styles.py   the named paragraph styles, written with lxml element calls
    titles.py   text widths and balanced title lines
    layout.py   `finish`: the layout that depends on the rendered text
    master.py   the default Word master; `python -m drafter.word.master` rebuilds the sample's
"""

from __future__ import annotations

from drafter.project.style import StyleSettings
from drafter.word.layout import finish
from drafter.word.master import MasterWritten, build_master, kept_text, opening_of, write_master
from drafter.word.styles import (
    ATTACHMENT,
    BODY,
    DATE,
    DOC_NUMBER,
    PAGE_NUMBER,
    RECIPIENT,
    SIGNATURE,
    STYLE_FOR_LEVEL,
    STYLE_NAMES,
    TITLE,
    body_style_name,
    ensure_styles,
    style_drift,
)
from drafter.word.titles import balance_title, closing_indents, text_width

__all__ = [
    "ATTACHMENT",
    "BODY",
    "DATE",
    "DOC_NUMBER",
    "PAGE_NUMBER",
    "RECIPIENT",
    "SIGNATURE",
    "STYLE_FOR_LEVEL",
    "STYLE_NAMES",
    "TITLE",
    "MasterWritten",
    "StyleSettings",
    "balance_title",
    "body_style_name",
    "build_master",
    "closing_indents",
    "ensure_styles",
    "finish",
    "kept_text",
    "opening_of",
    "style_drift",
    "text_width",
    "write_master",
]
