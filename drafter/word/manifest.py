"""The manifest a draft carries inside itself: every figure, the query and SQL behind it.

Stored as a custom XML part (`customXml/itemN.xml`), which Word, WPS and
LibreOffice keep through edits. Its one element holds JSON. No connection URL,
user name or password is ever written: sources appear by name only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from drafter import __version__
from drafter.data.figures import FigureRegistry, json_value

if TYPE_CHECKING:
    from drafter.builder import Project
    from drafter.data.runner import RunResult

MANIFEST_NS = "urn:drafter:manifest:1"
FORMAT_VERSION = 1
_ITEM_PROPS_CT = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_DS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"


def manifest_data(project: "Project", run: "RunResult", registry: FigureRegistry,
                  built_at: dt.datetime, rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    config = project.config
    root = config.root
    queries: dict[str, Any] = {}
    for name, result in run.results.items():
        spec = result.spec
        entry: dict[str, Any] = {
            "source": spec.source,
            "description": spec.description,
            "returns": spec.returns,
            "file": _relative(spec.path, root),
        }
        if result.ok:
            entry.update(
                sql=result.sql,
                sql_hash=result.sql_hash,
                sql_file=_relative(result.sql_file, root),
                params=result.json_params(),
                columns=result.columns,
                elapsed_ms=round(result.elapsed * 1000, 3),
            )
        else:
            entry["error"] = result.error.message
        queries[name] = entry
    figures = [
        {
            "id": occ.id,
            "ref": occ.ref,
            "text": occ.text,
            "value": json_value(occ.value),
            "filter": occ.filter,
            "part": occ.part,
            "placeholder": occ.placeholder,
            "description": occ.description,
            "wording": occ.wording,
            "sources": [
                {"query": s.query, "source": s.source, "column": s.column, "row": s.row}
                for s in occ.sources
            ],
        }
        for occ in registry
    ]
    return {
        "format": FORMAT_VERSION,
        "generator": f"drafter {__version__}",
        "built_at": built_at.isoformat(timespec="seconds"),
        "year": config.report.year,
        "agency": config.report.agency,
        "config": _relative(config.path, root),
        "parameters": {k: json_value(v) for k, v in _parameters(config).items()},
        "sources": {name: {"description": s.description} for name, s in config.sources.items()},
        "queries": queries,
        "figures": figures,
        "wordings": [wording_entry(w) for w in registry.wordings.values()],
        "rules": rules or [],
    }


def wording_entry(w) -> dict[str, Any]:
    """A traced wording (drafter.data.figures.Wording) as the manifest keeps it."""
    return {
        "id": w.id,
        "cid": w.cid,
        "conditions": w.conditions,
        "branch": w.branch,
        "label": w.label,
        "reads": [{"ref": ref, "value": json_value(value)} for ref, value in w.reads],
        "text": w.text,
        "part": w.part,
        "parent": w.parent,
        "template": w.template,
        "line": w.line,
    }


def _parameters(config) -> dict[str, Any]:
    from drafter.data.runner import build_parameters

    return build_parameters(config)


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).name


_XML_UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _manifest_xml(data: dict[str, Any]) -> bytes:
    el = etree.Element(f"{{{MANIFEST_NS}}}manifest", nsmap={"drafter": MANIFEST_NS})
    el.set("format", str(FORMAT_VERSION))
    # JSON escapes control characters; the two noncharacters (and lone surrogates) XML cannot
    # hold either are escaped the same way, so database text of any kind fits.
    el.text = _XML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False, indent=1))
    return etree.tostring(el, xml_declaration=True, encoding="UTF-8", standalone=True)


def _item_props_xml() -> bytes:
    item_id = "{" + str(uuid.uuid4()).upper() + "}"
    el = etree.Element(f"{{{_DS_NS}}}datastoreItem", nsmap={"ds": _DS_NS})
    el.set(f"{{{_DS_NS}}}itemID", item_id)
    etree.SubElement(el, f"{{{_DS_NS}}}schemaRefs")
    return etree.tostring(el, xml_declaration=True, encoding="UTF-8", standalone=False)


def _next_item_number(package) -> int:
    used = {str(p.partname) for p in package.iter_parts()}
    n = 1
    while f"/customXml/item{n}.xml" in used:
        n += 1
    return n


def write_manifest(document, data: dict[str, Any]) -> None:
    """Attach `data` to `document` as a custom XML part, replacing an older manifest."""
    doc_part = document.part
    for rel_id, rel in list(doc_part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML and not rel.is_external and _is_manifest(rel.target_part.blob):
            del doc_part.rels[rel_id]
    package = doc_part.package
    n = _next_item_number(package)
    item = Part(PackURI(f"/customXml/item{n}.xml"), "application/xml", _manifest_xml(data), package)
    props = Part(PackURI(f"/customXml/itemProps{n}.xml"), _ITEM_PROPS_CT, _item_props_xml(), package)
    item.relate_to(props, RT.CUSTOM_XML_PROPS)
    doc_part.relate_to(item, RT.CUSTOM_XML)


def attach_manifest(document, project: "Project", run: "RunResult", registry: FigureRegistry,
                    built_at: dt.datetime, rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = manifest_data(project, run, registry, built_at, rules)
    write_manifest(document, data)
    return data


def _is_manifest(blob: bytes) -> bool:
    return MANIFEST_NS.encode() in blob[:400]


def read_manifest(document) -> dict[str, Any] | None:
    """The manifest of a draft opened with python-docx, or None when it was stripped."""
    package = document.part.package
    for part in package.iter_parts():
        if not str(part.partname).startswith("/customXml/item"):
            continue
        blob = part.blob
        if not _is_manifest(blob):
            continue
        try:
            el = etree.fromstring(blob)
            return json.loads(el.text or "")
        except (etree.XMLSyntaxError, json.JSONDecodeError):
            return None
    return None
