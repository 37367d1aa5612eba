"""The output vocabulary: format names, guessing from -o, defaults, and RDF input formats."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.errors import InputError, UsageError
from kgcli.output.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    check_format,
    choose_format,
    format_from_extension,
    rdf_format_for,
)

RESULT_CHOICES = "table, csv, tsv, json, xml, jsonl, markdown"
GRAPH_CHOICES = (
    "turtle, ntriples, nquads, trig, jsonld, rdfxml, table, csv, tsv, json, jsonl, markdown"
)


def test_vocabulary() -> None:
    assert RESULT_FORMATS == ("table", "csv", "tsv", "json", "xml", "jsonl", "markdown")
    assert ", ".join(GRAPH_FORMATS) == GRAPH_CHOICES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("out.csv", "csv"),
        ("out.tsv", "tsv"),
        ("out.json", "json"),
        ("out.srj", "json"),
        ("out.xml", "xml"),
        ("out.srx", "xml"),
        ("out.jsonl", "jsonl"),
        ("out.ndjson", "jsonl"),
        ("out.md", "markdown"),
        ("out.ttl", "turtle"),
        ("out.nt", "ntriples"),
        ("out.nq", "nquads"),
        ("out.trig", "trig"),
        ("out.jsonld", "jsonld"),
        ("out.rdf", "rdfxml"),
        ("out.owl", "rdfxml"),
        ("dir.v2/OUT.CSV", "csv"),
        ("out.xlsx", None),
        ("out", None),
        (".csv", None),  # a hidden file named .csv has no extension
    ],
)
def test_format_from_extension(name: str, expected: str | None) -> None:
    assert format_from_extension(name) == expected
    assert format_from_extension(Path(name)) == expected


def test_explicit_format_wins_and_is_normalised() -> None:
    assert choose_format("tsv", "out.csv", True, "select") == "tsv"
    assert choose_format("CSV", None, True, "select") == "csv"
    assert choose_format("md", None, False, "ask") == "markdown"
    assert choose_format("ttl", "out.nt", False, "graph") == "turtle"
    assert choose_format("json-ld", None, False, "graph") == "jsonld"


def test_unknown_format_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError) as err:
        choose_format("xlsx", None, True, "select")
    assert str(err.value) == f"unknown format 'xlsx'; choose one of: {RESULT_CHOICES}"
    with pytest.raises(UsageError) as err:
        choose_format("xlsx", None, True, "graph")
    assert str(err.value) == f"unknown format 'xlsx'; choose one of: {GRAPH_CHOICES}"


def test_format_unsuited_to_the_result() -> None:
    with pytest.raises(UsageError) as err:
        choose_format("turtle", None, True, "select")
    assert str(err.value) == (
        "format 'turtle' is for CONSTRUCT/DESCRIBE results, not SELECT; "
        f"choose one of: {RESULT_CHOICES}"
    )
    with pytest.raises(UsageError, match="not ASK"):
        choose_format("nquads", None, True, "ask")
    with pytest.raises(UsageError) as err:
        choose_format("xml", None, True, "graph")
    assert str(err.value) == (
        "format 'xml' is for SELECT/ASK results, not CONSTRUCT/DESCRIBE; "
        f"choose one of: {GRAPH_CHOICES}"
    )


def test_format_from_the_output_file() -> None:
    assert choose_format(None, Path("out.json"), True, "select") == "json"
    assert choose_format(None, "x.md", False, "ask") == "markdown"
    assert choose_format(None, "x.nt", True, "graph") == "ntriples"
    assert choose_format(None, "x.csv", True, "graph") == "csv"  # triples as rows
    assert choose_format(None, "x.xml", False, "graph") == "rdfxml"  # no XML rows for graphs


def test_output_file_whose_extension_does_not_suit() -> None:
    with pytest.raises(UsageError) as err:
        choose_format(None, "out.ttl", False, "select")
    assert str(err.value) == (
        "format 'turtle' (from the extension of 'out.ttl') is for CONSTRUCT/DESCRIBE results, "
        f"not SELECT; choose one of: {RESULT_CHOICES}"
    )
    with pytest.raises(UsageError) as err:
        choose_format(None, "out.xlsx", False, "select")
    assert str(err.value) == (
        f"cannot tell the output format from 'out.xlsx'; pass --format ({RESULT_CHOICES})"
    )


@pytest.mark.parametrize(
    ("output", "is_tty", "kind", "expected"),
    [
        (None, True, "select", "table"),
        (None, True, "ask", "table"),
        (None, True, "graph", "table"),
        (None, False, "select", "csv"),
        (None, False, "ask", "csv"),
        (None, False, "graph", "turtle"),
        ("-", True, "select", "table"),  # '-' is stdout
        ("-", False, "graph", "turtle"),
        ("results", False, "select", "csv"),  # no extension, no promise
    ],
)
def test_defaults(output: str | None, is_tty: bool, kind: str, expected: str) -> None:
    assert choose_format(None, output, is_tty, kind) == expected  # type: ignore[arg-type]


def test_check_format_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        check_format("csv", "update")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.ttl", ox.RdfFormat.TURTLE),
        ("a.turtle", ox.RdfFormat.TURTLE),
        ("a.trig", ox.RdfFormat.TRIG),
        ("a.nt", ox.RdfFormat.N_TRIPLES),
        ("a.ntriples", ox.RdfFormat.N_TRIPLES),
        ("a.nq", ox.RdfFormat.N_QUADS),
        ("a.nquads", ox.RdfFormat.N_QUADS),
        ("a.jsonld", ox.RdfFormat.JSON_LD),
        ("a.json", ox.RdfFormat.JSON_LD),
        ("a.rdf", ox.RdfFormat.RDF_XML),
        ("a.owl", ox.RdfFormat.RDF_XML),
        ("a.xml", ox.RdfFormat.RDF_XML),
        ("a.n3", ox.RdfFormat.N3),
        ("dir/A.TTL", ox.RdfFormat.TURTLE),
        ("https://example.org/data.nt?version=2#top", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_rdf_format_from_extension(name: str, expected: ox.RdfFormat) -> None:
    assert rdf_format_for(name, None) == expected


@pytest.mark.parametrize(
    ("explicit", "expected"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("trig", ox.RdfFormat.TRIG),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
        ("nquads", ox.RdfFormat.N_QUADS),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdfxml", ox.RdfFormat.RDF_XML),
        ("n3", ox.RdfFormat.N3),
        ("TTL", ox.RdfFormat.TURTLE),
        ("xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_explicit_rdf_format_wins(explicit: str, expected: ox.RdfFormat) -> None:
    assert rdf_format_for("data.nt", explicit) == expected
    assert rdf_format_for("-", explicit) == expected


def test_unknown_rdf_format() -> None:
    with pytest.raises(InputError) as err:
        rdf_format_for("x.foo", None)
    assert str(err.value) == (
        "cannot tell the RDF format of 'x.foo' from its extension; "
        "pass --data-format (turtle, trig, ntriples, nquads, jsonld, rdfxml)"
    )
    assert not isinstance(err.value, UsageError)
    with pytest.raises(InputError, match="from its extension"):
        rdf_format_for("-", None)
    with pytest.raises(InputError) as err:
        rdf_format_for("x.ttl", "rdfa")
    assert str(err.value) == (
        "unknown data format 'rdfa'; choose one of: "
        "turtle, trig, ntriples, nquads, jsonld, rdfxml, n3"
    )


def test_importing_formats_stays_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, kgcli.output.formats; "
        "print('pyoxigraph' in sys.modules, 'rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
