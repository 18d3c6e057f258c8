"""The manifest a draft carries inside itself: every figure, the query and SQL behind it.

Stored as a custom XML part (`customXml/itemN.xml`), which Word, WPS and
LibreOffice keep through edits. Its one element holds JSON. No connection URL,
user name or password is ever written: sources appear by name only.

The JSON is a versioned pydantic model (`Manifest`): a draft written by this release or an
earlier one reads back into it, fields a later release adds are kept, and a manifest that
does not fit is treated as absent rather than trusted. Its figures and table rows, 40,000 and
10,000 of them in a long table's draft, are msgspec structs, decoded and validated straight from
the JSON text (a pydantic model each took most of `check`'s reading of such a draft); a field a
later release adds to one of those is ignored, not refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, PrivateAttr, ValidationError
from pydantic_core import to_jsonable_python

from drafter import __version__
from drafter.data.figures import (
    MARKED,
    FigureRegistry,
    formula_text,
    json_value,
    marked_ids,
    strip_marks,
    strip_wording_marks,
)
from drafter.data.runner import build_parameters
from drafter.project.period import Period

if TYPE_CHECKING:
    from drafter.data.runner import RunResult
    from drafter.project.model import Project

MANIFEST_NS = "urn:drafter:manifest:1"
FORMAT_VERSION = 1
_ITEM_PROPS_CT = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_DS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"


class _Entry(BaseModel):
    # Fields written by a later release are kept, not refused: a newer draft still checks.
    model_config = ConfigDict(extra="allow")


class _Struct(msgspec.Struct, omit_defaults=True):
    """An entry there are thousands of in a long table's draft: a msgspec struct (fields in the
    JSON that a later release adds are ignored), written without the fields left at their default."""


class SourceRef(_Struct):
    """One input of a figure: a column (and, for a `rows` query, a row) of a query."""

    query: str
    source: str
    column: str
    row: int | None = None


class CellRef(_Struct):
    """Where a figure stands in a table of the draft: 表{table} 第{row}行（{key}）“{column}”."""

    table: int
    row: int
    key: str = ""
    column: str = ""


class TableRow(_Struct):
    key: str = ""
    cells: list[str] = []
    figures: list[str] = []  # ids of the row's figures


class TableEntry(_Struct):
    """A table of the draft as built: its rows by key, their texts and figures."""

    number: int
    title: str = ""
    part: str = ""
    columns: list[str] = []
    rows: list[TableRow] = []


class ChartEntry(_Entry):
    """A chart of the draft as built: its data, one row a category (label, then each value)."""

    number: int
    title: str = ""
    kind: str = ""
    query: str = ""
    x: str = ""
    y: list[str] = Field(default_factory=list)
    unit: str = ""
    rows: list[list[Any]] = Field(default_factory=list)


class FigureEntry(_Struct):
    """A figure as printed in the draft, with its raw value and where it came from."""

    id: str
    ref: str
    text: str | None = None
    value: Any = None
    filter: str | None = None
    part: str | None = None
    placeholder: bool = False
    description: str = ""
    sources: list[SourceRef] = []
    wording: str | None = None  # the conditional wording (`w001`) it was printed in
    # A derived figure (arithmetic on figures): its formula as people read it, as nested lists
    # (drafter.data.figures.evaluate), and the raw values of its inputs [{"ref", "value"}].
    formula: str | None = None
    expr: list[Any] | None = None
    inputs: list[dict[str, Any]] = []
    cell: CellRef | None = None


def _structs(kind: Any) -> tuple[PlainValidator, PlainSerializer]:
    """A pydantic field holding a list of msgspec structs: given as structs (read_manifest decoded
    them from the JSON) or as plain data, converted and validated by msgspec."""

    def validate(value: Any) -> Any:
        if isinstance(value, list) and all(type(item) is kind for item in value):
            return value
        try:
            return msgspec.convert(value, list[kind])
        except msgspec.ValidationError as exc:
            raise ValueError(str(exc)) from exc

    return PlainValidator(validate), PlainSerializer(msgspec.to_builtins)


class ParagraphEntry(_Entry):
    """A paragraph of the section templates as the build wrote it, and where it came from:
    the template file and the lines whose output made it (`drafter adopt`)."""

    template: str
    lines: list[int]
    text: str  # as a reader sees it
    figures: list[list[Any]] = Field(default_factory=list)  # [id, start, end] within text


class QueryEntry(_Entry):
    """A query as it ran (SQL, parameters, columns), or the error it failed with."""

    source: str
    description: str = ""
    returns: Literal["scalar", "row", "rows"] = "row"
    file: str = ""
    sql: str | None = None
    sql_hash: str | None = None
    sql_file: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    columns: list[str] = Field(default_factory=list)
    elapsed_ms: float | None = None
    error: str | None = None
    # A comparison run (`prev.q`, `last.q`): the query it re-runs, which comparison, its period.
    query: str | None = None
    compare: Literal["prev", "last"] | None = None
    period: dict[str, Any] | None = None


class SourceEntry(_Entry):
    description: str | None = None
    # A spreadsheet source: its file (relative to the project) and the SHA-256 of what the build read.
    file: str | None = None
    sha256: str | None = None


class ReadEntry(_Entry):
    """A figure a condition read, and its raw value."""

    ref: str
    value: Any = None


class WordingEntry(_Entry):
    """A wording a template condition over figures chose (drafter/text/wording.py): the condition,
    the figures it read, the branch taken, the text it produced (marked by bookmark `_drafter_<id>`)."""

    id: str
    cid: str
    conditions: list[str] = Field(default_factory=list)
    branch: int = 0
    label: str = ""
    reads: list[ReadEntry] = Field(default_factory=list)
    text: str = ""
    part: str | None = None
    parent: str | None = None
    template: str | None = None
    line: int | None = None


class Manifest(_Entry):
    """Everything a draft records about how it was made."""

    format: int = FORMAT_VERSION
    generator: str = ""
    built_at: str | None = None
    year: int | None = None
    period: dict[str, Any] | None = None  # Period.to_json(); a draft made before periods has only `year`
    agency: str | None = None
    config: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    sources: dict[str, SourceEntry] = Field(default_factory=dict)
    queries: dict[str, QueryEntry] = Field(default_factory=dict)
    figures: Annotated[list[FigureEntry], *_structs(FigureEntry)] = Field(default_factory=list)
    tables: Annotated[list[TableEntry], *_structs(TableEntry)] = Field(default_factory=list)
    charts: list[ChartEntry] = Field(default_factory=list)
    # Traced wordings (absent from drafts of releases before them), consistency rules the build's
    # figures failed, and when `drafter refresh` last brought the figures up to date.
    wordings: list[WordingEntry] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)
    refreshed_at: str | None = None
    refreshed_from: str | None = None
    # Paragraphs with their template lines, and the section templates' text at build time,
    # so that `drafter adopt` can write an editor's wording back (absent from older drafts).
    paragraphs: list[ParagraphEntry] = Field(default_factory=list)
    templates: dict[str, str] = Field(default_factory=dict)
    _figures_json: list[dict[str, Any]] | None = PrivateAttr(default=None)

    def json_data(self, *, exclude_unset: bool = True) -> dict[str, Any]:
        """The manifest as its JSON holds it; the figures a build wrote as plain dicts
        (manifest_data) put back in their place, so a freshly built manifest reads whole."""
        dumped = self.model_dump(mode="json", exclude_unset=exclude_unset)
        if self._figures_json is None:
            return dumped
        dumped["figures"] = self._figures_json
        order = list(type(self).model_fields)
        return {k: dumped[k] for k in sorted(dumped, key=lambda k: order.index(k) if k in order else len(order))}

    @property
    def has_wordings(self) -> bool:
        return "wordings" in self.model_fields_set

    # A unit's draft (`build --each`): {name, attributes}; `check` re-runs with its `:unit`.
    unit: dict[str, Any] | None = None

    def figure(self, figure_id: str) -> FigureEntry | None:
        return next((f for f in self.figures if f.id == figure_id), None)

    def report_period(self) -> Period | None:
        """The period the draft was built for: as recorded, else (a draft made before periods)
        its year; None when it records neither."""
        recorded = Period.from_json(self.period)
        if recorded is None and isinstance(self.year, int):
            try:
                recorded = Period.of_year(self.year)
            except ValueError:
                return None
        return recorded


def manifest_data(
    project: Project,
    run: RunResult,
    registry: FigureRegistry,
    built_at: dt.datetime,
    rules: list[dict[str, Any]] | None = None,
    unit: Any = None,
) -> Manifest:
    config = project.config
    root = config.root
    queries: dict[str, QueryEntry] = {}
    for name, result in run.results.items():
        spec = result.spec
        entry = QueryEntry(
            source=spec.source, description=spec.description, returns=spec.returns, file=_relative(spec.path, root)
        )
        if result.compare:  # a comparison run (`prev.q`): the query it re-runs, for which period
            entry = entry.model_copy(update=dict(query=spec.name, compare=result.compare))
            period = getattr(result, "period", None)
            if isinstance(period, Period):
                entry.period = period.to_json()
        if result.ok:
            entry = entry.model_copy(
                update=dict(
                    sql=result.sql,
                    sql_hash=result.sql_hash,
                    sql_file=_relative(result.sql_file, root),
                    params=result.json_params(),
                    columns=result.columns,
                    elapsed_ms=round(result.elapsed * 1000, 3),
                )
            )
        else:
            entry.error = result.error.message
        queries[name] = entry
    # The figures go into the manifest's JSON as plain dicts: the values come from the registry,
    # already of the entries' types, and a model (validated, then dumped) for each of the 40,000
    # figures of a long table took half of writing its manifest. `figures` reads them back.
    figures = [_figure_json(occ) for occ in registry]
    parameters = {k: json_value(v) for k, v in _parameters(config).items()}
    per_unit: dict[str, Any] = {}
    if unit is not None:  # a unit's draft: `check` re-runs the queries with this :unit
        parameters["unit"] = unit.name
        per_unit["unit"] = unit.as_json()
    data = Manifest(
        format=FORMAT_VERSION,
        generator=f"drafter {__version__}",
        built_at=built_at.isoformat(timespec="seconds"),
        year=config.period.year,
        period=config.period.to_json(),
        agency=config.report.agency,
        config=_relative(config.path, root),
        parameters=parameters,
        sources=_sources(config, run),
        queries=queries,
        **blocks_manifest(registry),
        wordings=[wording_entry(w) for w in registry.wordings.values()],
        **per_unit,
    )
    if rules:  # only where there are some: a clean draft stores what format 1 stored, plus its wordings
        data.rules = rules
    paragraphs, templates = paragraph_entries(registry, root)
    if paragraphs:
        data.paragraphs, data.templates = paragraphs, templates
    data._figures_json = figures
    return data


def paragraph_entries(registry: FigureRegistry, root: Path) -> tuple[list[ParagraphEntry], dict[str, str]]:
    """Each paragraph of the section templates with its source lines and figure spans (ids as
    the draft numbers them), and the text of the templates they came from."""
    entries, templates = [], {}
    for paragraph in registry.paragraphs:
        if paragraph.source is None:
            continue
        path, lines = paragraph.source
        name = _relative(path, root)
        if name not in templates:
            templates[name] = path.read_text(encoding="utf-8-sig")
        text, spans, pos = [], [], 0
        marked = strip_wording_marks(paragraph.text)
        last = 0
        for m in MARKED.finditer(marked):
            chunk = marked[last : m.start()]
            text.append(chunk)
            pos += len(chunk)
            occ_id = registry.current_id(m.group(1))
            if occ_id in registry.occurrences:
                spans.append([occ_id, pos, pos + len(m.group(2))])
            text.append(m.group(2))
            pos += len(m.group(2))
            last = m.end()
        text.append(marked[last:])
        entries.append(ParagraphEntry(template=name, lines=list(lines), text="".join(text), figures=spans))
    return entries, templates


def _figure_json(occ: Any) -> dict[str, Any]:
    """A figure as `FigureEntry(...).model_dump(mode="json", exclude_unset=True)` writes it:
    the same keys, in the order of its fields; wording, derivation and cell only where set."""
    out: dict[str, Any] = {
        "id": occ.id,
        "ref": occ.ref,
        "text": occ.text,
        "value": json_value(occ.value),
        "filter": occ.filter,
        "part": occ.part,
        "placeholder": occ.placeholder,
        "description": occ.description,
        "sources": [{"query": s.query, "source": s.source, "column": s.column, "row": s.row} for s in occ.sources],
    }
    if occ.wording:  # only a figure printed in a conditional wording records it
        out["wording"] = occ.wording
    out.update(_derivation(occ))
    if occ.cell:
        out["cell"] = dict(occ.cell)
    return out


def wording_entry(w) -> WordingEntry:
    """A traced wording (drafter.data.figures.Wording) as the manifest keeps it."""
    return WordingEntry(
        id=w.id,
        cid=w.cid,
        conditions=w.conditions,
        branch=w.branch,
        label=w.label,
        reads=[ReadEntry(ref=ref, value=json_value(value)) for ref, value in w.reads],
        text=w.text,
        part=w.part,
        parent=w.parent,
        template=w.template,
        line=w.line,
    )


def blocks_manifest(registry: FigureRegistry) -> dict[str, Any]:
    """The tables (rows by key, with their cell texts and figure ids) and charts (their data)
    of a build, for `check` to tell added, deleted and changed rows."""
    out: dict[str, Any] = {}
    if registry.tables:
        out["tables"] = [
            TableEntry(
                number=table.number,
                title=strip_marks(table.title),
                part=table.part,
                columns=table.columns,
                rows=[
                    TableRow(
                        key=table.key(r),
                        cells=[strip_marks(c) for c in row],
                        figures=[registry.current_id(i) for c in row for i in marked_ids(c)],
                    )
                    for r, row in enumerate(table.rows)
                ],
            )
            for table in registry.tables
        ]
    if registry.charts:
        out["charts"] = [ChartEntry(**c.manifest()) for c in registry.charts if c.number]
    return out


def _sources(config, run: RunResult) -> dict[str, SourceEntry]:
    """Each source by name and description; a spreadsheet also by its file (relative to the
    project) and the SHA-256 of the bytes the build read, so that `check` sees it changed."""
    out = {name: SourceEntry(description=s.description) for name, s in config.sources.items()}
    for result in run.results.values():
        digest = getattr(result, "source_hash", None)
        if result.ok and digest and result.source in out:
            out[result.source].sha256 = digest
            out[result.source].file = _relative(Path(config.sources[result.source].url), config.root)
    return out


def _derivation(occ) -> dict[str, Any]:
    """For a derived figure: its formula (as text and as nested lists) and its inputs' raw values."""
    if occ.expr is None:
        return {}
    return {
        "formula": formula_text(occ.expr),
        "expr": json.loads(json.dumps(occ.expr)),
        "inputs": [{"ref": ref, "value": json_value(value)} for ref, value in occ.inputs],
    }


def _parameters(config) -> dict[str, Any]:
    return build_parameters(config)


@functools.lru_cache(maxsize=4096)  # a batch of units resolves the same query files for every draft
def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).name


_XML_UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _manifest_xml(data: Manifest) -> bytes:
    """The manifest's part: one `drafter:manifest` element holding the JSON, written as lxml
    writes it, but straight from the text (a long table's manifest is 13 MB: no copy in a tree)."""
    # JSON escapes control characters; the two noncharacters (and lone surrogates) XML cannot
    # hold either are escaped the same way, so database text of any kind fits. Compact: Python's
    # C encoder only serves dumps without indent (a 10,000-row table's manifest took seconds).
    text = json.dumps(data.json_data(), ensure_ascii=False, separators=(",", ":"), default=to_jsonable_python)
    if _XML_UNSAFE.search(text):
        text = _XML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if raw in text:
            text = text.replace(raw, escaped)
    return b"".join([_own_head(), text.encode("utf-8"), _OWN_TAIL])


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


def write_manifest(document, data: Manifest) -> None:
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


def attach_manifest(
    document,
    project: Project,
    run: RunResult,
    registry: FigureRegistry,
    built_at: dt.datetime,
    rules: list[dict[str, Any]] | None = None,
    unit: Any = None,
) -> Manifest:
    data = manifest_data(project, run, registry, built_at, rules, unit)
    write_manifest(document, data)
    return data


def _is_manifest(blob: bytes) -> bool:
    return MANIFEST_NS.encode() in blob[:400]


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def read_manifest(document) -> Manifest | None:
    """The manifest of a draft opened with python-docx, or None when it was stripped (or
    damaged: a manifest that does not read as one is not trusted)."""
    package = document.part.package
    for part in package.iter_parts():
        if not str(part.partname).startswith("/customXml/item"):
            continue
        blob = part.blob
        if not _is_manifest(blob):
            continue
        try:
            return _manifest_from_json(_manifest_text(blob))
        except (etree.XMLSyntaxError, ValidationError, msgspec.DecodeError):
            return None
    return None


def _own_head() -> bytes:
    return _XML_DECLARATION + f'<drafter:manifest xmlns:drafter="{MANIFEST_NS}" format="{FORMAT_VERSION}">'.encode()


_XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_OWN_TAIL = b"</drafter:manifest>"


_OWN_ESCAPES = ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&amp;", b"&"))  # what _manifest_xml escapes, `&` last


def _manifest_text(blob: bytes) -> str | bytes:
    """The JSON the manifest part holds. A part exactly as `_manifest_xml` writes it (its head and
    tail, no markup inside, no reference but the three it writes) holds its JSON between the tags,
    those three escaped: read there, without a 13 MB text node made by libxml2 and again as a str.
    Any other part (saved again by an office suite, another reference) is read by lxml."""
    head = _own_head()
    if blob.startswith(head) and blob.endswith(_OWN_TAIL):
        body = blob[len(head) : -len(_OWN_TAIL)]
        rest = body
        for escaped, _ in _OWN_ESCAPES:
            rest = rest.replace(escaped, b"")
        if b"<" not in body and b"&" not in rest:
            for escaped, raw in _OWN_ESCAPES:
                body = body.replace(escaped, raw)
            return body
    # huge_tree: a long table's manifest is over libxml2's 10 MB limit for one text node
    return etree.fromstring(blob, parser=_PARSER).text or ""


_HEAVY: dict[str, msgspec.json.Decoder[Any]] = {
    "figures": msgspec.json.Decoder(list[FigureEntry]),
    "tables": msgspec.json.Decoder(list[TableEntry]),
}
_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])


def _manifest_from_json(text: str | bytes) -> Manifest:
    """The manifest from its JSON: the top level split into its fields unparsed, the figures and
    table rows decoded into their structs by msgspec, the rest validated by pydantic."""
    fields: dict[str, Any] = dict(_TOP.decode(text))
    for name, decoder in _HEAVY.items():
        if name in fields:
            fields[name] = decoder.decode(fields[name])  # msgspec.ValidationError is a DecodeError
    return Manifest.model_validate({k: v if k in _HEAVY else msgspec.json.decode(v) for k, v in fields.items()})
