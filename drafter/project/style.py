"""The `style:` settings of the 公文 layout as plain data: faces, sizes, the page; the page
geometry they imply (type area, line pitch, a character's width). No Word import here: config.yaml
is read with these before any document is opened."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0


def mm_to_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


class StyleSettings(BaseModel):
    """The `style:` section of config.yaml: faces, sizes and page of the 公文 layout.

    Font names are those Word and WPS know (Windows names); a computer without a face
    substitutes another, and the preview maps them to installed fonts (preview.py).
    """

    model_config = ConfigDict(extra="forbid")

    title_font: str = Field("方正小标宋简体", description="标题字体（2号小标宋）")
    heading1_font: str = Field("黑体", description="一级标题“一、”字体")
    heading2_font: str = Field("楷体_GB2312", description="二级标题“（一）”字体")
    body_font: str = Field("仿宋_GB2312", description="正文字体，三级、四级标题同")
    latin_font: str | None = Field(None, description="数字和西文字体；缺省与各样式的中文字体相同，可设 Times New Roman")
    page_number_font: str = Field("宋体", description="页码字体（4号半角宋体）")
    title_size: float = Field(22.0, gt=0, le=72, description="标题字号（磅）：2号 = 22")
    body_size: float = Field(16.0, gt=0, le=72, description="正文和各级标题字号（磅）：3号 = 16")
    page_number_size: float = Field(14.0, gt=0, le=72, description="页码字号（磅）：4号 = 14")
    level3_bold: bool = Field(False, description="三级标题（1. ……。）加粗：地方习惯，非国标要求")
    chart_format: Literal["picture", "native"] = Field(
        "picture",
        description="图表：picture 为图片（各软件显示一致）；native 为 Word 原生图表（在 Word/WPS 中可“编辑数据”）",
    )
    lines_per_page: int = Field(22, ge=10, le=60, description="每页行数")
    chars_per_line: int = Field(28, ge=10, le=60, description="每行字数")
    margin_top_mm: float = Field(37.0, ge=0, le=100, description="天头（上白边，毫米）")
    margin_bottom_mm: float = Field(35.0, ge=0, le=100, description="下白边（毫米）")
    margin_left_mm: float = Field(28.0, ge=0, le=100, description="订口（左白边，毫米）")
    margin_right_mm: float = Field(26.0, ge=0, le=100, description="右白边（毫米）")
    page_number_gap_mm: float = Field(7.0, ge=0, le=30, description="页码一字线距版心下边缘（毫米）")

    # Derived page geometry, in twips.
    @property
    def type_width(self) -> int:
        return mm_to_twips(A4_WIDTH_MM) - mm_to_twips(self.margin_left_mm) - mm_to_twips(self.margin_right_mm)

    @property
    def type_height(self) -> int:
        return mm_to_twips(A4_HEIGHT_MM) - mm_to_twips(self.margin_top_mm) - mm_to_twips(self.margin_bottom_mm)

    @property
    def line_pitch(self) -> int:
        """Exact line spacing (twips) that fits `lines_per_page` lines in the type area."""
        return self.type_height // self.lines_per_page

    @property
    def char_twips(self) -> int:
        """One character (body-size em) in twips: the unit of indents."""
        return round(self.body_size * 20)

    @property
    def char_spacing(self) -> int:
        """Letter spacing (twips, usually negative) so that `chars_per_line` characters fill a line.

        156 mm / 28 = 15.79 pt a character, a hair under a 16 pt glyph: without
        condensing by 0.25 pt LibreOffice sets 27 characters a line.
        """
        return math.floor(self.type_width / self.chars_per_line - self.char_twips)

    @property
    def title_chars_per_line(self) -> int:
        return int(self.type_width // round(self.title_size * 20))

    def latin(self, east_asian: str) -> str:
        return self.latin_font or east_asian
