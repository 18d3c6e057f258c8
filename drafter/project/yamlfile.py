"""Read YAML while remembering where each key stood, for messages that name a line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from drafter.errors import ConfigError, numbered_context

Location = tuple[Any, ...]


# `year：2025` — a key followed by a full-width colon.
_WIDE_COLON_KEY = re.compile(r"\s*[A-Za-z_][\w-]*\s*：")


class _Loader(yaml.SafeLoader):
    pass


def _line_map(node: yaml.Node, path: Location, lines: dict[Location, int]) -> None:
    """Record the 1-based line of every mapping key and sequence item under `node`."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _line_map(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _line_map(item, path + (i,), lines)


def load_yaml(path: Path) -> tuple[Any, dict[Location, int], str]:
    """Parse `path`; return (data, key locations, text). Errors name the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            "找不到配置文件",
            path=path,
            hint="请确认路径，或在项目目录下运行；可用 --config 指定配置文件。",
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigError(
            "这是一个文件夹，不是配置文件",
            path=path,
            hint="用 --config 指定文件本身，例如 --config 项目目录/config.yaml。",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            "配置文件无法读取",
            path=path,
            cause=str(exc),
            hint="检查文件权限，或它是否正被其他程序独占打开。",
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "配置文件不是 UTF-8 编码",
            path=path,
            cause=str(exc),
            hint="请用 UTF-8 编码另存该文件。",
        ) from exc
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = "YAML 语法错误"
        hint = "检查该行附近的缩进、冒号和引号；含 {{ }}、: 或 # 的值请用引号括起来。"
        # Two slips of a Chinese keyboard that YAML reports lines away or in its own words.
        wide = next((n for n, text_line in enumerate(text.splitlines(), 1) if _WIDE_COLON_KEY.match(text_line)), None)
        if wide is not None:
            message, line, column = f"YAML 语法错误：第 {wide} 行的冒号是全角的“：”", wide, None
            hint = "键和值之间的冒号须是半角的 :（切换到英文输入法），冒号后留一个空格。"
        elif "'\\t'" in str(exc.problem):
            hint = "缩进只能用空格，不能用 Tab 键：把该行开头的 Tab 换成空格（与上一行对齐）。"
        raise ConfigError(
            message,
            path=path,
            line=line,
            column=column,
            cause=f"{exc.problem or exc.context}",
            context=numbered_context(text, line) if line else None,
            hint=hint,
        ) from exc
    lines: dict[Location, int] = {}
    if node is not None:
        _line_map(node, (), lines)
    return data, lines, text


def line_of(lines: dict[Location, int], loc: Location) -> int | None:
    """The line of `loc`, or of its nearest ancestor that has one."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None
