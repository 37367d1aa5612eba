"""The output formats of `kg`: one `Format` record each, found by name, alias, file extension or
media type.

`-f`, the format `-o FILE` asks for, `kg serve`'s content negotiation and its service description,
the help texts and the renderer all read these records: a new format is one writer module (with a
`write` function, see `kgcli.output.render`) and one record in `FORMATS`.

Cheap to import: no writer, and not pyoxigraph, is imported until a result is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from kgcli.engine.results import Kind
from kgcli.errors import UsageError
from kgcli.rdf.formats import extension

_KIND_NAMES = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}
_RESULTS: frozenset[str] = frozenset({"select", "ask"})
_EVERY: frozenset[str] = frozenset({"select", "ask", "graph"})
_GRAPHS: frozenset[str] = frozenset({"graph"})


@dataclass(frozen=True)
class Format:
    """An output format: what it is called, which results it writes, how files and HTTP name it,
    and the module that writes it."""

    name: str
    #: The module of `kgcli.output` whose `write(result, out, fmt, options)` writes it.
    writer: str
    #: The results it writes: select, ask, graph (a graph as subject/predicate/object rows).
    kinds: frozenset[str]
    aliases: tuple[str, ...] = ()
    #: `-o FILE` extensions that ask for it (a graph's `.xml` is RDF/XML: see `from_extension`).
    extensions: tuple[str, ...] = ()
    #: What `kg serve` answers with (the first, as sent) and what else `Accept` may ask it by.
    media_types: tuple[str, ...] = ()
    #: Its rank among the formats `kg serve` offers for a result when `Accept` ties (lower
    #: first); None: not served.
    negotiation: int | None = None
    #: A W3C format: its media types are offered before the generic ones (`application/json`).
    standard: bool = False
    #: Its name under http://www.w3.org/ns/formats/, for the service description.
    w3c: str | None = None
    #: The RDF syntax (`kgcli.rdf.formats`) of a format that writes RDF.
    rdf: str | None = None
    #: One line for help texts.
    title: str = field(default="", compare=False)

    @property
    def served(self) -> bool:
        return self.negotiation is not None

    @property
    def media_type(self) -> str:
        """The Content-Type `kg serve` answers with."""
        return self.media_types[0]


#: Every format, in the order help texts and messages list them (for a graph, the RDF formats
#: first).
FORMATS: tuple[Format, ...] = (
    Format("table", "table", _EVERY, title="a table for the terminal, at most 1,000 rows drawn"),
    Format(
        "csv",
        "csv",
        _EVERY,
        extensions=(".csv",),
        media_types=("text/csv; charset=utf-8", "text/csv"),
        negotiation=3,
        standard=True,
        w3c="SPARQL_Results_CSV",
        title="SPARQL 1.1 Query Results CSV",
    ),
    Format(
        "tsv",
        "tsv",
        _EVERY,
        extensions=(".tsv",),
        media_types=("text/tab-separated-values; charset=utf-8", "text/tab-separated-values"),
        negotiation=4,
        standard=True,
        w3c="SPARQL_Results_TSV",
        title="SPARQL 1.1 Query Results TSV",
    ),
    Format(
        "json",
        "json",
        _EVERY,
        aliases=("srj",),
        extensions=(".json", ".srj"),
        media_types=("application/sparql-results+json", "application/json"),
        negotiation=1,
        standard=True,
        w3c="SPARQL_Results_JSON",
        title="SPARQL 1.1 Query Results JSON",
    ),
    Format(
        "xml",
        "xml",
        _RESULTS,
        aliases=("srx",),
        extensions=(".xml", ".srx"),
        media_types=("application/sparql-results+xml", "application/xml", "text/xml"),
        negotiation=2,
        standard=True,
        w3c="SPARQL_Results_XML",
        title="SPARQL Query Results XML",
    ),
    Format(
        "jsonl",
        "jsonl",
        _EVERY,
        aliases=("ndjson",),
        extensions=(".jsonl", ".ndjson"),
        media_types=("application/x-ndjson",),
        negotiation=5,
        title="JSON Lines: one object of plain values per row",
    ),
    Format(
        "markdown",
        "markdown",
        _EVERY,
        aliases=("md",),
        extensions=(".md", ".markdown"),
        media_types=("text/markdown; charset=utf-8", "text/markdown"),
        negotiation=6,
        title="a GitHub Markdown table",
    ),
    Format(
        "turtle",
        "rdf",
        _GRAPHS,
        aliases=("ttl",),
        extensions=(".ttl",),
        media_types=(
            "text/turtle; charset=utf-8",
            "text/turtle",
            "application/x-turtle",
            "application/turtle",
        ),
        negotiation=1,
        standard=True,
        w3c="Turtle",
        rdf="turtle",
        title="Turtle",
    ),
    Format(
        "ntriples",
        "rdf",
        _GRAPHS,
        aliases=("nt", "n-triples"),
        extensions=(".nt",),
        media_types=("application/n-triples",),
        negotiation=2,
        standard=True,
        w3c="N-Triples",
        rdf="ntriples",
        title="N-Triples",
    ),
    Format(
        "nquads",
        "rdf",
        _GRAPHS,
        aliases=("nq", "n-quads"),
        extensions=(".nq",),
        media_types=("application/n-quads",),
        negotiation=4,
        standard=True,
        w3c="N-Quads",
        rdf="nquads",
        title="N-Quads",
    ),
    Format(
        "trig",
        "rdf",
        _GRAPHS,
        extensions=(".trig",),
        media_types=("application/trig",),
        negotiation=5,
        standard=True,
        w3c="TriG",
        rdf="trig",
        title="TriG",
    ),
    Format(
        "jsonld",
        "rdf",
        _GRAPHS,
        aliases=("json-ld",),
        extensions=(".jsonld",),
        media_types=("application/ld+json",),
        negotiation=3,
        standard=True,
        w3c="JSON-LD",
        rdf="jsonld",
        title="JSON-LD 1.1",
    ),
    Format(
        "rdfxml",
        "rdfxml",
        _GRAPHS,
        aliases=("rdf/xml", "rdf-xml"),
        # `.xml` is SPARQL XML results, but for a graph RDF/XML, the only XML kg writes for one.
        extensions=(".rdf", ".owl", ".xml"),
        media_types=("application/rdf+xml",),
        negotiation=6,
        standard=True,
        w3c="RDF_XML",
        rdf="rdfxml",
        title="RDF/XML",
    ),
)
_BY_NAME = {name: f for f in FORMATS for name in (f.name, *f.aliases)}


def get(name: str) -> Format:
    """The format called `name` (any alias, any case); KeyError if there is none."""
    return _BY_NAME[name.lower()]


def suited(kind: Kind) -> tuple[Format, ...]:
    """The formats that write a result of `kind`, in the order messages list them."""
    if kind == "graph":
        rdf = tuple(f for f in FORMATS if f.rdf)
        return rdf + tuple(f for f in FORMATS if not f.rdf and kind in f.kinds)
    return tuple(f for f in FORMATS if kind in f.kinds)


def names(kind: Kind) -> tuple[str, ...]:
    return tuple(f.name for f in suited(kind))


#: Format names for SELECT and ASK results, and for CONSTRUCT and DESCRIBE results.
RESULT_FORMATS = names("select")
GRAPH_FORMATS = names("graph")
#: The formats that write RDF.
RDF_FORMATS = tuple(f.name for f in FORMATS if f.rdf)


def from_extension(path: str | os.PathLike[str], kind: Kind | None = None) -> Format | None:
    """The format a file name asks for (`out.csv`: csv), one that suits `kind` first."""
    ext = extension(path)
    found = [f for f in FORMATS if ext and ext in f.extensions]
    fitting = [f for f in found if kind is None or kind in f.kinds]
    return next(iter(fitting or found), None)


def format_from_extension(path: str | os.PathLike[str]) -> str | None:
    """The name of the format a file name asks for (`out.csv` -> `csv`), or None."""
    found = from_extension(path)
    return found.name if found else None


def check_format(name: str, kind: Kind, origin: str = "") -> str:
    """The canonical name of format `name` if it suits `kind`, else a UsageError.

    The error lists the formats that do suit; `origin` says where the name came from.
    """
    if kind not in _KIND_NAMES:
        raise ValueError(f"kind must be select, ask or graph, not {kind!r}")
    choices = ", ".join(names(kind))
    found = _BY_NAME.get(name.lower())
    if found is None:
        raise UsageError(f"unknown format {name!r}{origin}; choose one of: {choices}")
    if kind in found.kinds:
        return found.name
    if kind == "graph":
        raise UsageError(
            f"format {found.name!r}{origin} is for SELECT/ASK results, not CONSTRUCT/DESCRIBE; "
            f"choose one of: {choices}"
        )
    raise UsageError(
        f"format {found.name!r}{origin} is for CONSTRUCT/DESCRIBE results, not "
        f"{_KIND_NAMES[kind]}; choose one of: {choices}"
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
    if output is not None and os.fspath(output) != "-" and extension(output):
        found = from_extension(output, kind)
        if found is None:
            raise UsageError(
                f"cannot tell the output format from {os.fspath(output)!r}; pass --format "
                f"({', '.join(names(kind))})"
            )
        return check_format(found.name, kind, f" (from the extension of {os.fspath(output)!r})")
    if is_tty:
        return "table"
    return "turtle" if kind == "graph" else "csv"


def offers(kind: Kind) -> list[tuple[str, Format]]:
    """(media type, format) that `kg serve` offers for a result of `kind`, in its order of
    preference: the W3C formats' own types, then the generic types they answer too, then the
    other formats'."""
    # For a graph, the RDF formats only: its rows are for whom asks with format=.
    pool = [f for f in FORMATS if f.rdf] if kind == "graph" else suited(kind)
    served = sorted((f for f in pool if f.served), key=lambda f: f.negotiation or 0)
    order: list[tuple[str, Format]] = []
    for standard in (True, False):
        group = [f for f in served if f.standard is standard]
        order += [(f.media_types[0].split(";")[0], f) for f in group]
        order += [(media, f) for f in group for media in f.media_types[1:]]
    return list({media: (media, f) for media, f in order}.values())


def by_media_type(media: str) -> Format | None:
    """The served format `media` (a type without parameters) names, if any."""
    for kind in ("select", "graph"):
        for offered, fmt in offers(kind):  # type: ignore[arg-type]
            if offered == media:
                return fmt
    return None


def service_formats() -> Sequence[Format]:
    """The formats a service description names: SELECT's, then CONSTRUCT's, as offered."""
    found = [f for kind in ("select", "graph") for _, f in offers(kind)]  # type: ignore[arg-type]
    return [f for f in dict.fromkeys(found) if f.w3c]


def help_text() -> str:
    """The `--format` option's help, from the records."""
    graphs = ", ".join(RDF_FORMATS)
    return (
        f"{', '.join(RESULT_FORMATS)}; {graphs} for graphs. Default: from -o's extension, else "
        "table on a terminal, csv (or turtle) when piped."
    )
