"""Write query results in every output format of `kg`, streaming row by row.

SELECT/ASK: table, csv, tsv, json, xml, jsonl, markdown. CONSTRUCT/DESCRIBE: turtle, ntriples,
nquads, trig, jsonld, rdfxml, or the tabular formats with one subject/predicate/object row per
triple. csv, tsv, json and xml follow the W3C SPARQL results formats; when a result still holds
the engine's untouched iterator, tsv, json and xml are written by pyoxigraph's own serialisers,
and the Python writers here produce the same bytes for every other result (remote, limited).

Where pyoxigraph 0.5 departs from the specifications, both paths follow the specification:

- CSV: pyoxigraph writes IRIs bare even when they contain a comma, which splits the field
  (RFC 4180 wants it quoted), and quotes a triple term's inner literals rather than the field.
  Nothing after the fact can tell such a comma from a separator, so CSV is always written here,
  never by the engine: about 3.5 times slower on large results (300,000 rows in 1.8 s rather
  than 0.5 s), the price of a CSV file whose columns can be trusted.
- XML: pyoxigraph writes a carriage return inside a literal as a raw byte, which every XML
  parser reads back as a line feed, and copies characters that XML 1.0 forbids (U+0000-U+0008,
  U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF), which makes the document ill-formed. We write
  CR as `&#13;` and refuse a result holding a forbidden character, which no XML 1.0 document can
  carry, not even escaped (`kgcli.rdf.xmlchars`): one line naming the term, exit 2. The engine's
  output passes through a byte filter doing the same. tsv and json keep such characters.
- RDF/XML: pyoxigraph's writer is ill-formed or unreadable for some predicates and blank nodes,
  so it is written by `kgcli.output.rdfxml`; JSON-LD cannot hold RDF 1.2 triple terms, which are
  refused by name.

Choices where no specification applies:

- table: at most `TABLE_MAX_ROWS` rows are drawn. The rest are still read, only to count them,
  so the last line can say `1,000 of 52,113 rows shown; use -f csv or -o FILE for all`.
- jsonl: one object per row with plain JSON values; unbound variables are left out of the
  object (as in SPARQL JSON bindings), so a missing key means unbound and "" an empty string.
- ASK in csv/tsv is `true`/`false` without a line end, as pyoxigraph writes it.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO, cast

# Results hold pyoxigraph terms, so pyoxigraph is loaded whenever there is something to render;
# only rich, for tables, is worth importing late.
import pyoxigraph as ox

from kgcli.engine.results import AskResult, GraphResult, Result, SelectResult
from kgcli.errors import KgError, Unwritable
from kgcli.output.formats import RDF_FORMATS, check_format, rdf_format
from kgcli.rdf import xsd
from kgcli.rdf.namespaces import ITS, Compactor, merged_prefixes
from kgcli.rdf.xmlchars import FORBIDDEN, NAME_MORE, NAME_START, XmlCharError, shown
from kgcli.rdf.xmlchars import attr as _xml_attribute
from kgcli.rdf.xmlchars import text as _xml_text

if TYPE_CHECKING:
    from kgcli.engine.results import Term

Row = tuple["Term | None", ...]

#: Rows drawn by the `table` format; the others are counted, not shown.
TABLE_MAX_ROWS = 1000

GRAPH_COLUMNS = ["subject", "predicate", "object"]

_CSV_QUOTE_RE = re.compile('[",\r\n]')
_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and LF
_MARKDOWN_BACKSLASH_RE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_XML_HEAD = '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
_ITS = f' xmlns:its="{ITS}" its:version="2.0"'

_json_str = json.encoder.encode_basestring


# --- terms -----------------------------------------------------------------------------------


def _is_numeric(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value in xsd.NUMERIC_TYPES


def _literal_value(term: ox.Literal) -> Any:
    value = term.value
    datatype = term.datatype.value
    found: Any = None
    if datatype in xsd.INTEGER_TYPES:
        found = xsd.integer(value)
    elif datatype == xsd.DECIMAL:
        found = xsd.decimal(value)
    elif datatype in (xsd.DOUBLE, xsd.FLOAT):
        found = xsd.double(value)  # too large: None, and the text is kept
    elif datatype == xsd.BOOLEAN:
        found = xsd.boolean(value)
    return value if found is None else found


def plain_value(term: Term) -> Any:
    """A term as a plain JSON value: what `jsonl` writes for it.

    IRIs and strings are strings (the language tag is dropped), blank nodes `_:label`, valid xsd
    numbers and booleans JSON numbers and booleans (`decimal.Decimal` for xsd:decimal, exact),
    other literals their lexical form (so `INF`, `NaN` and invalid numbers stay strings), and
    triple terms objects with subject/predicate/object.
    """
    if isinstance(term, ox.Literal):
        return _literal_value(term)
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return {
        "subject": plain_value(term.subject),
        "predicate": plain_value(term.predicate),
        "object": plain_value(term.object),
    }


def _json_plain(value: Any) -> str:
    """JSON text of a plain value; a Decimal is written exactly, as a number."""
    if isinstance(value, str):
        return _json_str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_json_str(k)}: {_json_plain(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def rows_as_dicts(result: SelectResult) -> list[dict[str, Any]]:
    """Rows as dicts of plain values for a JSON document (unbound variables left out).

    Values are those of `plain_value`, except xsd:decimal becomes a float so `json.dumps` takes it.
    """
    return [
        {
            name: _jsonable(plain_value(term))
            for name, term in zip(result.variables, row, strict=True)
            if term is not None
        }
        for row in _select_rows(result)
    ]


# --- writing helpers -------------------------------------------------------------------------


def _write_all(out: BinaryIO, pieces: Iterable[str], batch: int = 512) -> None:
    """Encode and write `pieces`, a few hundred at a time (one write per row is slow)."""
    buffer: list[str] = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= batch:
            out.write("".join(buffer).encode())
            buffer.clear()
    if buffer:
        out.write("".join(buffer).encode())


def _select_rows(result: SelectResult) -> Iterator[Row]:
    native = result.native
    if native is not None:
        result.native = None
        # The engine's iterator read directly: tuple(solution) is the fastest way to its terms.
        return map(tuple, native)
    return iter(result)


# --- CSV (SPARQL 1.1 Query Results CSV, RFC 4180) -------------------------------------------


def _csv_text(term: Term) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    # A triple term (RDF 1.2, outside SPARQL 1.1 CSV): its parts, space separated, as pyoxigraph
    # 0.5 writes it; but the field is then quoted as a whole, where pyoxigraph quotes the inner
    # literals and breaks the row.
    return " ".join(_csv_text(part) for part in (term.subject, term.predicate, term.object))


def _csv_field(term: Term | None) -> str:
    if term is None:
        return ""
    text = _csv_text(term)
    if _CSV_QUOTE_RE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield ",".join(variables) + "\r\n"
    for row in rows:
        yield ",".join([_csv_field(term) for term in row]) + "\r\n"


# --- TSV (SPARQL 1.1 Query Results TSV: terms in Turtle syntax) -----------------------------


def _tsv_literal(term: ox.Literal) -> str:
    value = term.value
    quoted = '"' + value.translate(_TSV_ESCAPES) + '"'
    language = term.language
    if language is not None:
        direction = term.direction
        return f"{quoted}@{language}" + (f"--{direction.value}" if direction else "")
    datatype = term.datatype.value
    if datatype == xsd.STRING:
        return quoted
    if (
        (datatype == xsd.INTEGER and xsd.INTEGER_LEXICAL.fullmatch(value))
        or (datatype == xsd.DECIMAL and xsd.TURTLE_DECIMAL.fullmatch(value))
        or (datatype == xsd.DOUBLE and xsd.TURTLE_DOUBLE.fullmatch(value))
        or (datatype == xsd.BOOLEAN and value in ("true", "false"))
    ):
        return value  # Turtle's abbreviated numbers and booleans
    return f"{quoted}^^<{datatype}>"


def _tsv_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return "<" + term.value + ">"
    if isinstance(term, ox.Literal):
        return _tsv_literal(term)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    parts = (term.subject, term.predicate, term.object)
    return "<<( " + " ".join(_tsv_term(part) for part in parts) + " )>>"


def _tsv_lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield "\t".join("?" + name for name in variables) + "\n"
    for row in rows:
        yield "\t".join(["" if term is None else _tsv_term(term) for term in row]) + "\n"


# --- JSON (SPARQL 1.1 Query Results JSON) ---------------------------------------------------


def _json_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _json_str(term.value) + "}"
    if isinstance(term, ox.Literal):
        text = '{"type":"literal","value":' + _json_str(term.value)
        language = term.language
        if language is not None:
            text += ',"xml:lang":' + _json_str(language)
            if term.direction is not None:
                text += ',"its:dir":' + _json_str(term.direction.value)
        elif term.datatype.value != xsd.STRING:
            text += ',"datatype":' + _json_str(term.datatype.value)
        return text + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + _json_str(term.value) + "}"
    return (
        '{"type":"triple","value":{"subject":'
        + _json_term(term.subject)
        + ',"predicate":'
        + _json_term(term.predicate)
        + ',"object":'
        + _json_term(term.object)
        + "}}"
    )


def _json_lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    names = [_json_str(name) + ":" for name in variables]
    yield '{"head":{"vars":[' + ",".join(_json_str(name) for name in variables) + "]},"
    yield '"results":{"bindings":['
    separator = ""
    for row in rows:
        fields = [
            name + _json_term(term)
            for name, term in zip(names, row, strict=True)
            if term is not None
        ]
        yield separator + "{" + ",".join(fields) + "}"
        separator = ","
    yield "]}}"


# --- XML (SPARQL Query Results XML Format) --------------------------------------------------


_XML_FORMAT = "SPARQL XML results"
_XML_KEEP = "json, tsv and csv results"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return "<uri>" + _xml_text(term.value) + "</uri>"
    if isinstance(term, ox.Literal):
        language = term.language
        if language is not None:
            tag = '<literal xml:lang="' + _xml_attribute(language) + '"'
            if term.direction is not None:
                tag += f' its:dir="{term.direction.value}"{_ITS}'
        elif term.datatype.value != xsd.STRING:
            tag = '<literal datatype="' + _xml_attribute(term.datatype.value) + '"'
        else:
            tag = "<literal"
        return tag + ">" + _xml_text(term.value) + "</literal>"
    if isinstance(term, ox.BlankNode):
        return "<bnode>" + _xml_text(term.value) + "</bnode>"
    return (
        "<triple><subject>"
        + _xml_term(term.subject)
        + "</subject><predicate>"
        + _xml_term(term.predicate)
        + "</predicate><object>"
        + _xml_term(term.object)
        + "</object></triple>"
    )


def _term_kind(term: Term) -> str:
    if isinstance(term, ox.Literal):
        return "literal"
    if isinstance(term, ox.NamedNode):
        return "IRI"
    return "blank node"


def _shown_term(term: Term) -> str:
    """A term in SPARQL syntax for a one-line message (control characters escaped), cut short."""
    return shown(f"<<( {term} )>>" if isinstance(term, ox.Triple) else str(term))


def _xml_unwritable(term: Term) -> tuple[Term, XmlCharError] | None:
    """The term, or the part of a triple term, that XML cannot carry, and why."""
    if isinstance(term, ox.Triple):
        for part in (term.subject, term.predicate, term.object):
            found = _xml_unwritable(part)
            if found is not None:
                return found
        return None
    try:
        _xml_term(term)
    except XmlCharError as err:
        return term, err
    return None


def _xml_refusal(variables: list[str], rows: Iterable[Row]) -> XmlCharError | None:
    """The error naming the first term of `rows` that XML cannot carry, and its variable."""
    for row in rows:
        for name, term in zip(variables, row, strict=True):
            found = None if term is None else _xml_unwritable(term)
            if found is not None:
                part, err = found
                inside = "" if part is term else " in a triple term"
                what = f"the {_term_kind(part)} {_shown_term(part)}{inside} (?{name})"
                return err.naming(what, _XML_FORMAT, _XML_KEEP)
    return None


def _xml_lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    try:
        names = [f'<binding name="{_xml_attribute(name)}">' for name in variables]
    except XmlCharError as err:
        raise err.naming("a variable name", _XML_FORMAT, _XML_KEEP, whole=False) from None
    head = "".join(f'<variable name="{_xml_attribute(name)}"/>' for name in variables)
    yield _XML_HEAD + "<head>" + head + "</head><results>"
    for row in rows:
        try:
            bindings = [
                name + _xml_term(term) + "</binding>"
                for name, term in zip(names, row, strict=True)
                if term is not None
            ]
        except XmlCharError as err:
            raise (_xml_refusal(variables, [row]) or err) from None
        yield "<result>" + "".join(bindings) + "</result>"
    yield "</results></sparql>"


class _NotXml(Exception):
    """The engine wrote a character XML 1.0 cannot carry; `text` is the element holding it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class _XmlGuard:
    """A byte filter over pyoxigraph's XML results: CR as `&#13;`; a forbidden character stops it.

    Raw CR and C0 bytes can only come from literal text (the serialiser adds no line breaks), so
    replacing CR is exact; U+FFFE/U+FFFF are matched on their UTF-8 bytes, which no other
    character's encoding contains. A chunk may end inside one of those, so its tail waits.
    """

    _C0 = bytes([*range(0x09), *range(0x0B, 0x20)])  # C0 controls but tab and LF; CR included
    _BAD = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._held = b""

    def write(self, data: bytes) -> int:
        chunk = self._held + bytes(data)
        cut = len(chunk)
        if chunk.endswith(b"\xef"):
            cut -= 1
        elif chunk.endswith(b"\xef\xbf"):
            cut -= 2
        chunk, self._held = chunk[:cut], chunk[cut:]
        # Cheap tests first (a regular expression scan costs more than the serialiser itself).
        if (
            len(chunk.translate(None, self._C0)) != len(chunk)
            or b"\xef\xbf\xbe" in chunk
            or b"\xef\xbf\xbf" in chunk
        ):
            bad = self._BAD.search(chunk)
            if bad is not None:
                start = chunk.rfind(b">", 0, bad.start()) + 1
                end = chunk.find(b"<", bad.end())
                raise _NotXml(chunk[start : end if end >= 0 else None].decode("utf-8", "replace"))
            chunk = chunk.replace(b"\r", b"&#13;")
        self._out.write(chunk)
        return len(data)

    def flush(self) -> None:
        if self._held:
            self._out.write(self._held)
            self._held = b""


def _render_xml_native(result: SelectResult, native: ox.QuerySolutions, out: BinaryIO) -> None:
    """The engine's XML writer, guarded; a term XML cannot carry is named from a second run."""
    guard = _XmlGuard(out)
    try:
        native.serialize(cast(BinaryIO, guard), format=ox.QueryResultsFormat.XML)
    except _NotXml as stop:
        found = None
        if result.rerun is not None:
            found = _xml_refusal(list(result.variables), map(tuple, result.rerun()))
        if found is None:  # no second run to read the term from: name it as the engine wrote it
            bad = FORBIDDEN.search(stop.text)
            index = bad.start() if bad else 0
            found = XmlCharError(stop.text, index).naming(
                "a term", _XML_FORMAT, _XML_KEEP, whole=False
            )
        raise found from None
    guard.flush()


# --- JSON lines, markdown --------------------------------------------------------------------


def _jsonl_lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    keys = [_json_str(name) + ": " for name in variables]
    for row in rows:
        fields = [
            key + _json_plain(plain_value(term))
            for key, term in zip(keys, row, strict=True)
            if term is not None
        ]
        yield "{" + ", ".join(fields) + "}\n"


def _control_escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _readable(text: str) -> str:
    """Text safe to show: line ends as LF, other control characters as visible `\\x1b`.

    Data from files and endpoints is untrusted: a raw ESC in a cell would drive the terminal.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub(_control_escape, text)


class _Display:
    """How a term reads in a table cell: compact IRIs, literal values, `_:b0` blank nodes."""

    def __init__(self, prefixes: Mapping[str, str] | None) -> None:
        self.compact = Compactor(merged_prefixes(prefixes))

    def text(self, term: Term | None) -> tuple[str, str]:
        """The cell's text, and a suffix to show dimmed (a literal's language).

        A language is shown only where it tells something: not for English, the language of
        the tool's own labels (`-f tsv` or `-f json` show every tag and datatype).
        """
        if term is None:
            return "", ""
        if isinstance(term, ox.NamedNode):
            return self.compact(term.value), ""
        if isinstance(term, ox.Literal):
            language = term.language
            shown = language and language.lower() not in ("en", "en-gb", "en-us")
            return _readable(term.value), (f"@{language}" if shown else "")
        if isinstance(term, ox.BlankNode):
            return "_:" + term.value, ""
        parts = (term.subject, term.predicate, term.object)
        return "<< " + " ".join("".join(self.text(part)) for part in parts) + " >>", ""


def _markdown_cell(text: str) -> str:
    """A GitHub table cell: `|` escaped, line breaks as `<br>`, other text left as written.

    A backslash is doubled only before ASCII punctuation, where Markdown would read an escape.
    """
    text = _MARKDOWN_BACKSLASH_RE.sub(r"\\\\", text).replace("|", "\\|")
    return text.replace("\n", "<br>")


def _markdown_lines(
    variables: list[str], rows: Iterable[Row], prefixes: Mapping[str, str] | None
) -> Iterator[str]:
    display = _Display(prefixes)
    columns = variables or [""]
    yield "| " + " | ".join(_markdown_cell(name) for name in columns) + " |\n"
    yield "|" + "|".join(" --- " for _ in columns) + "|\n"
    for row in rows:
        cells = [_markdown_cell("".join(display.text(term))) for term in row] or [""]
        yield "| " + " | ".join(cells) + " |\n"


# --- table (rich) ----------------------------------------------------------------------------


def _isatty(out: BinaryIO) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _write_table(
    variables: list[str],
    rows: Iterable[Row],
    out: BinaryIO,
    *,
    width: int | None,
    prefixes: Mapping[str, str] | None,
    max_rows: int,
    noun: str,
) -> None:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    display = _Display(prefixes)
    iterator = iter(rows)
    shown: list[Row] = []
    for row in iterator:
        if len(shown) >= max_rows:
            hidden = 1 + sum(1 for _ in iterator)  # reading on only to count
            break
        shown.append(row)
    else:
        hidden = 0

    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for index, name in enumerate(variables):
        values = [row[index] for row in shown if row[index] is not None]
        numeric = bool(values) and all(_is_numeric(term) for term in values)
        table.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for row in shown:
        cells = []
        for term in row:
            text, suffix = display.text(term)
            cell = Text(text)
            if suffix:
                cell.append(suffix, style="dim")
            cells.append(cell)
        table.add_row(*cells)

    total = len(shown) + hidden
    plural = noun if total == 1 else noun + "s"
    if hidden:
        footer = f"{len(shown):,} of {total:,} {plural} shown; use -f csv or -o FILE for all"
    else:
        footer = f"{total:,} {plural}"

    # Drawn into a string (at most max_rows rows), so that off a terminal the padding rich leaves
    # at the ends of lines can go: plain text that diffs and pastes cleanly.
    is_tty = _isatty(out)
    drawn = io.StringIO()
    console = Console(
        file=drawn,
        width=width,
        force_terminal=is_tty,
        color_system="auto" if is_tty else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    if variables:
        console.print(table)
    console.print(Text(footer, style="dim"), soft_wrap=True)
    text = drawn.getvalue()
    if not is_tty:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text.encode())


# --- CSV from the engine, guarded ----------------------------------------------------------


class _AmbiguousCsv(Exception):
    """The engine wrote a record with the wrong number of fields; `records` were good."""

    def __init__(self, records: int) -> None:
        super().__init__(records)
        self.records = records


class _CsvGuard:
    """Forward the engine's CSV after checking that every record has one field per variable.

    pyoxigraph 0.5 writes an IRI containing a comma (legal in IRIs) without quotes, which splits
    its field beyond repair; every other record it writes is byte-identical to ours. Checking
    costs a few byte counts per 8 KiB chunk, where writing CSV from Python costs 2-3x the query,
    so we keep the engine's speed and hand over to our writer at the first bad record.
    """

    def __init__(self, out: BinaryIO, width: int) -> None:
        self.out = out
        self.width = width
        self.pending = b""
        self.records = -1  # the header is not a record
        self.failed = False

    def write(self, data: bytes) -> int:
        if self.failed:  # the engine may flush once more after we stopped it
            return len(data)
        buffer = self.pending + bytes(data)
        cut = buffer.rfind(b"\n") + 1
        self.pending = buffer[cut:]
        self._forward(buffer[:cut])
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self.pending:
            self._forward(self.pending)
            self.pending = b""

    def _forward(self, body: bytes) -> None:
        if not body:
            return
        lines = body.count(b"\n")
        if b'"' not in body and body.count(b",") == (self.width - 1) * lines:
            self.out.write(body)
            self.records += lines
            return
        # Some field is quoted, or a count is off: walk record by record. A newline ends a
        # record only when the quotes before it balance (a quoted field may hold newlines).
        good: list[bytes] = []
        record = b""
        for line in body.split(b"\n")[: lines if body.endswith(b"\n") else None]:
            record = record + b"\n" + line if record else line
            if record.count(b'"') % 2:
                continue
            if not self._well_formed(record):
                self.out.write(b"".join(good))
                self.failed = True
                raise _AmbiguousCsv(self.records)
            good.append(record + b"\n")
            self.records += 1
            record = b""
        if record:  # an unfinished quoted field: wait for the rest
            self.pending = record + (b"\n" if body.endswith(b"\n") else b"") + self.pending
        self.out.write(b"".join(good))

    def _well_formed(self, record: bytes) -> bool:
        if b'"' not in record:
            return record.count(b",") == self.width - 1
        import csv

        fields = next(csv.reader([record.decode("utf-8").rstrip("\r")]), [])
        return len(fields) == self.width


def _render_csv_native(result: SelectResult, native: ox.QuerySolutions, out: BinaryIO) -> None:
    """The engine's CSV writer, guarded; from the first ambiguous record on, ours."""
    guard = _CsvGuard(out, len(result.variables))
    try:
        native.serialize(cast(BinaryIO, guard), format=ox.QueryResultsFormat.CSV)
        guard.finish()
    except _AmbiguousCsv as stop:
        assert result.rerun is not None
        rows = itertools.islice(map(tuple, result.rerun()), stop.records, None)
        _write_all(out, itertools.islice(_csv_lines(list(result.variables), rows), 1, None))


# --- render ----------------------------------------------------------------------------------


def _render_rows(
    variables: list[str],
    rows: Iterable[Row],
    fmt: str,
    out: BinaryIO,
    *,
    width: int | None,
    prefixes: Mapping[str, str] | None,
    max_rows: int,
    noun: str = "row",
) -> None:
    if fmt == "table":
        _write_table(
            variables, rows, out, width=width, prefixes=prefixes, max_rows=max_rows, noun=noun
        )
    elif fmt == "markdown":
        _write_all(out, _markdown_lines(variables, rows, prefixes))
    else:
        lines = {
            "csv": _csv_lines,
            "tsv": _tsv_lines,
            "json": _json_lines,
            "xml": _xml_lines,
            "jsonl": _jsonl_lines,
        }[fmt]
        _write_all(out, lines(variables, rows))


def _render_ask(value: bool, fmt: str, out: BinaryIO) -> None:
    word = "true" if value else "false"
    text = {
        "csv": word,
        "tsv": word,
        "json": '{"head":{},"boolean":' + word + "}",
        "xml": _XML_HEAD + "<head></head><boolean>" + word + "</boolean></sparql>",
        "jsonl": '{"boolean": ' + word + "}\n",
        "markdown": f"| boolean |\n| --- |\n| {word} |\n",
        "table": word + "\n",
    }[fmt]
    out.write(text.encode())


def _render_select(
    result: SelectResult,
    fmt: str,
    out: BinaryIO,
    *,
    width: int | None,
    prefixes: Mapping[str, str] | None,
    max_rows: int,
) -> None:
    native = result.native
    if native is not None and fmt == "csv" and result.rerun is not None and result.variables:
        result.native = None
        _render_csv_native(result, native, out)
        return
    if native is not None and fmt in ("tsv", "json", "xml"):
        result.native = None
        if fmt == "xml":
            _render_xml_native(result, native, out)
        else:
            native_format = {"tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}
            native.serialize(out, format=native_format[fmt])
        return
    _render_rows(
        list(result.variables),
        _select_rows(result),
        fmt,
        out,
        width=width,
        prefixes=prefixes,
        max_rows=max_rows,
    )


# Turtle's PN_PREFIX: PN_CHARS_BASE first (XML's name start but "_"), "." never last.
_PN_CHARS = NAME_START + NAME_MORE.replace(".", "")
_PN_PREFIX = re.compile(f"(?:(?!_)[{NAME_START}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?")


def _turtle_prefixes(prefixes: Mapping[str, str] | None) -> dict[str, str]:
    """Prefixes pyoxigraph can declare: it checks the IRIs but not the names, so we do."""
    usable = {}
    for name, namespace in merged_prefixes(prefixes).items():
        if not _PN_PREFIX.fullmatch(name):
            continue
        try:
            ox.NamedNode(namespace)
        except ValueError:
            continue
        usable[name] = namespace
    return usable


def _without_triple_terms(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """`triples`, refusing by name a triple term (RDF 1.2), which JSON-LD 1.1 cannot hold."""
    for triple in triples:
        if isinstance(triple.object, ox.Triple):
            raise Unwritable(
                f"cannot write the triple term {_shown_term(triple.object)} as JSON-LD, which has "
                "no triple terms; turtle, trig, ntriples and nquads write it"
            )
        yield triple


def _render_graph(
    result: GraphResult,
    fmt: str,
    out: BinaryIO,
    *,
    width: int | None,
    prefixes: Mapping[str, str] | None,
    max_rows: int,
) -> None:
    if fmt == "rdfxml":
        from kgcli.output.rdfxml import rdfxml_lines

        # Its pieces are batches of triples already: each is written as it comes.
        _write_all(out, rdfxml_lines(result, merged_prefixes(prefixes)), batch=1)
        return
    if fmt in RDF_FORMATS:
        triples = _without_triple_terms(result) if fmt == "jsonld" else iter(result)
        try:
            ox.serialize(triples, out, rdf_format(fmt), prefixes=_turtle_prefixes(prefixes))
        except ValueError as err:
            raise Unwritable(f"cannot write these triples as {fmt}: {err}") from None
        except OSError as err:
            if err.errno is not None:  # the output failed, not the format
                raise
            raise Unwritable(f"cannot write these triples as {fmt}: {err}") from None
        return
    rows = ((t.subject, t.predicate, t.object) for t in result)
    _render_rows(
        GRAPH_COLUMNS,
        rows,
        fmt,
        out,
        width=width,
        prefixes=prefixes,
        max_rows=max_rows,
        noun="triple",
    )


def render(
    result: Result,
    fmt: str,
    out: BinaryIO,
    *,
    width: int | None = None,
    prefixes: Mapping[str, str] | None = None,
    max_rows: int = TABLE_MAX_ROWS,
) -> None:
    """Write `result` to the binary stream `out` in format `fmt` (see `kgcli.output.formats`).

    `width` is the table's width (default: the terminal's, or 80); `prefixes` (a query's own,
    name -> namespace) add to `WELL_KNOWN_PREFIXES` for tables and Turtle-like outputs;
    `max_rows` caps the rows a table draws. Consumes the result.

    The engine evaluates lazily, so a query can still fail while it is written (a SERVICE that
    does not answer): that is a `KgError` ("query failed"), told apart from a failure of `out`
    itself (a full disk, a closed pipe), which is raised as it is.
    """
    watched = _Watched(out)
    stream = cast(BinaryIO, watched)
    try:
        if isinstance(result, AskResult):
            _render_ask(result.value, check_format(fmt, "ask"), stream)
        elif isinstance(result, SelectResult):
            fmt = check_format(fmt, "select")
            _render_select(result, fmt, stream, width=width, prefixes=prefixes, max_rows=max_rows)
        elif isinstance(result, GraphResult):
            fmt = check_format(fmt, "graph")
            _render_graph(result, fmt, stream, width=width, prefixes=prefixes, max_rows=max_rows)
        else:
            raise TypeError(f"not a query result: {result!r}")
    except (OSError, RuntimeError) as err:
        if watched.failed is not None:
            raise watched.failed from None
        raise KgError(f"query failed: {' '.join(str(err).split())}") from None


class _Watched(io.RawIOBase):
    """`out`, remembering the error its own write raised (so it is not taken for the engine's)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.failed: OSError | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        try:
            written = self._out.write(data)
        except OSError as err:
            self.failed = err
            raise
        return len(data) if written is None else written

    def flush(self) -> None:
        try:
            self._out.flush()
        except OSError as err:
            self.failed = err
            raise

    def isatty(self) -> bool:
        return self._out.isatty()

    def fileno(self) -> int:
        return self._out.fileno()
