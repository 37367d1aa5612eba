"""The output vocabulary of `kg` (`--format/-f`, `--output/-o`) and the RDF input formats.

Cheap to import: pyoxigraph is imported only by `rdf_format_for`, when a file is loaded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from kgcli.errors import InputError, UsageError

if TYPE_CHECKING:
    import pyoxigraph as ox

Kind = Literal["select", "ask", "graph"]

#: Formats for SELECT and ASK results.
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml", "jsonl", "markdown")
#: RDF serialisations of CONSTRUCT/DESCRIBE results.
RDF_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")
#: Formats for CONSTRUCT and DESCRIBE results: RDF, or the triples as subject/predicate/object rows.
GRAPH_FORMATS = (*RDF_FORMATS, "table", "csv", "tsv", "json", "jsonl", "markdown")
#: Names accepted by `--data-format`.
RDF_INPUT_FORMATS = ("turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml", "n3")

# Other spellings people type; error messages list only the canonical names.
_ALIASES = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "nq": "nquads",
    "n-quads": "nquads",
    "json-ld": "jsonld",
    "rdf/xml": "rdfxml",
    "rdf-xml": "rdfxml",
    "md": "markdown",
    "ndjson": "jsonl",
    "srj": "json",
    "srx": "xml",
}

_OUTPUT_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".srj": "json",
    ".xml": "xml",
    ".srx": "xml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
}

_INPUT_EXTENSIONS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".trig": "trig",
    ".nt": "ntriples",
    ".ntriples": "ntriples",
    ".nq": "nquads",
    ".nquads": "nquads",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".n3": "n3",
}

_KIND_NAMES = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}


def _extension(path: str | os.PathLike[str]) -> str:
    name = os.fspath(path)
    if "://" in name:  # a URL: its extension is in the path, not the query or fragment
        from urllib.parse import urlsplit

        name = urlsplit(name).path
    return os.path.splitext(name)[1].lower()


def format_from_extension(path: str | os.PathLike[str]) -> str | None:
    """The output format a file name asks for (`out.csv` -> `csv`), or None."""
    return _OUTPUT_EXTENSIONS.get(_extension(path))


def _suited(kind: Kind) -> tuple[str, ...]:
    return GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS


def check_format(name: str, kind: Kind, origin: str = "") -> str:
    """The canonical name of format `name` if it suits `kind`, else a UsageError.

    The error lists the formats that do suit; `origin` says where the name came from.
    """
    if kind not in _KIND_NAMES:
        raise ValueError(f"kind must be select, ask or graph, not {kind!r}")
    fmt = _ALIASES.get(name.lower(), name.lower())
    suited = _suited(kind)
    if fmt in suited:
        return fmt
    choices = ", ".join(suited)
    if fmt not in RESULT_FORMATS and fmt not in GRAPH_FORMATS:
        raise UsageError(f"unknown format {name!r}{origin}; choose one of: {choices}")
    if kind == "graph":
        raise UsageError(
            f"format {fmt!r}{origin} is for SELECT/ASK results, not CONSTRUCT/DESCRIBE; "
            f"choose one of: {choices}"
        )
    raise UsageError(
        f"format {fmt!r}{origin} is for CONSTRUCT/DESCRIBE results, not {_KIND_NAMES[kind]}; "
        f"choose one of: {choices}"
    )


def choose_format(
    explicit: str | None,
    output: str | os.PathLike[str] | None,
    is_tty: bool,
    kind: Kind,
) -> str:
    """The format to write a result in: `-f`, else `-o`'s extension, else a default.

    The default is `table` on a terminal, and `csv` (SELECT/ASK) or `turtle` (graphs) when piped.
    A name that is unknown or does not suit the result is a UsageError that lists the valid ones.
    An output file whose extension names no format we write is refused too, rather than filled
    with something its name does not promise (`out.xlsx`); a name without extension is fine.
    """
    if explicit is not None:
        return check_format(explicit, kind)
    if output is not None and os.fspath(output) != "-":
        ext = _extension(output)
        if ext:
            fmt = _OUTPUT_EXTENSIONS.get(ext)
            if fmt == "xml" and kind == "graph":
                fmt = "rdfxml"  # the only XML we write for triples
            if fmt is None:
                raise UsageError(
                    f"cannot tell the output format from {os.fspath(output)!r}; pass --format "
                    f"({', '.join(_suited(kind))})"
                )
            return check_format(fmt, kind, f" (from the extension of {os.fspath(output)!r})")
    if is_tty:
        return "table"
    return "turtle" if kind == "graph" else "csv"


def rdf_format_for(path_or_name: str, explicit: str | None = None) -> ox.RdfFormat:
    """The pyoxigraph parser format for an input file: `explicit` (`--data-format`) wins."""
    if explicit is not None:
        name = _ALIASES.get(explicit.lower(), explicit.lower())
        if name == "xml":
            name = "rdfxml"
        if name not in RDF_INPUT_FORMATS:
            raise InputError(
                f"unknown data format {explicit!r}; choose one of: {', '.join(RDF_INPUT_FORMATS)}"
            )
    else:
        found = _INPUT_EXTENSIONS.get(_extension(path_or_name))
        if found is None:
            raise InputError(
                f"cannot tell the RDF format of {path_or_name!r} from its extension; "
                "pass --data-format (turtle, trig, ntriples, nquads, jsonld, rdfxml)"
            )
        name = found
    return rdf_format(name)


def rdf_format(name: str) -> ox.RdfFormat:
    """The pyoxigraph format for one of our canonical RDF format names."""
    import pyoxigraph as ox

    return {
        "turtle": ox.RdfFormat.TURTLE,
        "trig": ox.RdfFormat.TRIG,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "nquads": ox.RdfFormat.N_QUADS,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML,
        "n3": ox.RdfFormat.N3,
    }[name]
