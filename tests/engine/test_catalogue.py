"""The named-query catalogue: headers as queries/README.md says, folders, names and files."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from support import TESTS

from kgcli.engine import resources
from kgcli.engine.catalogue import (
    Catalogue,
    Column,
    NamedQuery,
    Param,
    from_text,
    parse_header,
    resolve,
)
from kgcli.engine.params import bind
from kgcli.engine.sparql import check_safe, inject_values, prefixes, query_form
from kgcli.errors import InputError, UsageError
from kgcli.rdf.iri import file_iri

FIXTURES = TESTS / "fixtures" / "catalogue"
BUILTIN = FIXTURES / "builtin"
USER = FIXTURES / "user"

README_EXAMPLE = """\
# title: Firms in a town or district
# description: Firms located in a place whose label contains the given text, directly or through
#   the transitive kg:locatedIn chain, so a district finds the firms of its towns and parks.
# param: place string = Huacao -- text of the place's label (case-insensitive)
PREFIX kg: <https://w3id.org/kgcli/ontology#>
SELECT ?firm ?firmLabel WHERE { ?firm kg:label ?firmLabel FILTER(CONTAINS(?firmLabel, ?place)) }
"""


# --- parse_header ---------------------------------------------------------------------------


def test_the_readme_example() -> None:
    assert parse_header(README_EXAMPLE, "firms-in-place.rq") == (
        "Firms in a town or district",
        "Firms located in a place whose label contains the given text, directly or through "
        "the transitive kg:locatedIn chain, so a district finds the firms of its towns and parks.",
        (Param("place", "string", "Huacao", "text of the place's label (case-insensitive)"),),
    )


def test_params_with_and_without_defaults_and_descriptions() -> None:
    text = """\
# title: Everything
#description:no space is fine too
# param: a string
# param: b integer = 3
# param: c string = x -- y -- z
# param: d string = --not-a-description
# param: e iri = ex:thing -- an IRI by prefix,
#     its description continued
# param: f string =
# param: g string=yes--no
# param: h date -- when
#
# param: i decimal = 2.50
PREFIX ex: <http://example.org/>
SELECT * {}
"""
    title, description, params = parse_header(text, "q.rq")
    assert (title, description) == ("Everything", "no space is fine too")
    assert params == (
        Param("a", "string", None, ""),
        Param("b", "integer", "3", ""),
        Param("c", "string", "x", "y -- z"),
        Param("d", "string", "--not-a-description", ""),
        Param("e", "iri", "ex:thing", "an IRI by prefix, its description continued"),
        Param("f", "string", "", ""),
        Param("g", "string", "yes--no", ""),
        Param("h", "date", None, "when"),
        Param("i", "decimal", "2.50", ""),
    )
    assert [p.required for p in params] == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        True,
        False,
    ]


def test_the_header_ends_at_the_first_line_of_sparql() -> None:
    text = "# title: T\n\n# param: later string\nSELECT * {}\n# param: x nonsense\n"
    assert parse_header(text, "q.rq") == ("T", "", ())


def test_line_numbers_count_only_newlines() -> None:
    text = "# title: T\r\n# description: a\x0cb\r\n# oops: x\nSELECT * {}"
    with pytest.raises(InputError, match=r"^q\.rq:3: unknown key 'oops'"):
        parse_header(text, "q.rq")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# title: T\n# tilte: U\nSELECT * {}",
            "q.rq:2: unknown key 'tilte' "
            "(keys: title, description, param, column, severity, scope)",
        ),
        (
            "# title: T\n# param: town\nSELECT * {}",
            "q.rq:2: bad param 'town': expected 'NAME TYPE [= DEFAULT] [-- description]'",
        ),
        (
            "# title: T\n# param: town text\nSELECT * {}",
            "q.rq:2: param 'town' has unknown type 'text' "
            "(types: iri, string, integer, decimal, date, boolean)",
        ),
        (
            "# title: T\n# param: town string\n# param: town string = x\nSELECT * {}",
            "q.rq:3: param 'town' is declared twice",
        ),
        (
            "# title: T\n# param: my-town string\nSELECT * {}",
            "q.rq:2: bad param name 'my-town': letters, digits and _, as in ?my-town",
        ),
        (
            "# description: no title\nSELECT * {}",
            "q.rq:1: the header has no title: start the file with '# title: ...'",
        ),
        ("SELECT * {}", "q.rq:1: the header has no title: start the file with '# title: ...'"),
        (
            "# title:\nSELECT * {}",
            "q.rq:1: the header has no title: start the file with '# title: ...'",
        ),
        ("# title: T\n# title: U\nSELECT * {}", "q.rq:2: title is given twice"),
        (
            "#   orphan\n# title: T\nSELECT * {}",
            "q.rq:1: a continuation line with nothing to continue",
        ),
        (
            "# title: T\n# Note this\nSELECT * {}",
            "q.rq:2: expected '# key: value' or a continuation '#   text', found '# Note this'",
        ),
        (
            "# title: T\n\n# param: n integer = ten\nSELECT * {}",
            None,  # after the blank line it is no longer the header: no error
        ),
        (
            "# title: T\n# param: n integer = ten\nSELECT * {}",
            "q.rq:2: bad default: parameter 'n': 'ten' is not an integer",
        ),
        (
            "# title: T\n# param: d date = 2023-02-29\nSELECT * {}",
            "q.rq:2: bad default: parameter 'd': '2023-02-29' is not a date (YYYY-MM-DD)",
        ),
        (
            "# title: T\n# param: k iri = ex:Firm\nSELECT * {}",
            "q.rq:2: bad default: parameter 'k': 'ex:Firm' is not an IRI: write <https://...>, "
            "https://... or a prefixed name whose prefix the query declares (prefixes: none)",
        ),
    ],
)
def test_header_errors_name_the_file_and_line(text: str, message: str | None) -> None:
    if message is None:
        parse_header(text, "q.rq")
        return
    with pytest.raises(InputError) as caught:
        parse_header(text, "q.rq")
    assert str(caught.value) == message


def test_an_iri_default_uses_the_prefixes_of_the_query() -> None:
    text = "# title: T\n# param: k iri = ex:Firm\nPREFIX ex: <http://example.org/>\nSELECT * {}"
    assert parse_header(text, "q.rq")[2] == (Param("k", "iri", "ex:Firm", ""),)


# --- Catalogue ------------------------------------------------------------------------------


def test_list_is_sorted_and_a_user_folder_overrides() -> None:
    found = Catalogue([USER], builtin=BUILTIN).list()
    assert [(q.name, q.title, q.path) for q in found] == [
        ("firms-by-kind", "Firms of a kind", BUILTIN / "firms-by-kind.rq"),
        ("firms-in-town", "Firms in a town or district", BUILTIN / "firms-in-town.rq"),
        ("my-own", "My own query", USER / "my-own.rq"),
        ("people", "People (mine)", USER / "people.rq"),
    ]
    only_builtin = Catalogue([], builtin=BUILTIN)
    assert only_builtin.names() == ["firms-by-kind", "firms-in-town", "people"]
    assert only_builtin.get("people").title == "People (built-in)"


def test_the_first_user_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "people.rq").write_text("# title: People (first)\nSELECT * {}\n")
    catalogue = Catalogue([tmp_path, USER], builtin=BUILTIN)
    assert catalogue.get("people").title == "People (first)"


def test_get_returns_the_whole_file() -> None:
    query = Catalogue([], builtin=BUILTIN).get("firms-in-town")
    path = BUILTIN / "firms-in-town.rq"
    assert query == NamedQuery(
        name="firms-in-town",
        path=path,
        title="Firms in a town or district",
        description="Firms located in a place whose label contains the given text, directly or "
        "through the transitive ex:locatedIn chain, so a district finds the firms of its towns.",
        params=(
            Param("town", "string", None, "text of the place's label (case-insensitive)"),
            Param("limit", "integer", "10", "at most this many firms"),
        ),
        text=path.read_text(encoding="utf-8"),
        base=file_iri(path),  # a query file's relative IRIs resolve against the file's IRI
    )
    assert query_form(query.text) == "SELECT"  # the header is comments: valid SPARQL


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "firms-in-twn",
            "unknown query 'firms-in-twn'; did you mean firms-in-town or firms-by-kind? "
            "(kg queries list)",
        ),
        ("peple", "unknown query 'peple'; did you mean people? (kg queries list)"),
        ("xyz", "unknown query 'xyz' (kg queries list shows the catalogue)"),
        ("unlabelled", "unknown query 'unlabelled' (kg queries list shows the catalogue)"),
    ],
)
def test_unknown_names_suggest_close_ones(name: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        Catalogue([USER], builtin=BUILTIN).get(name)
    assert str(caught.value) == message


def test_checks_are_the_builtin_checks_folder_only() -> None:
    checks = Catalogue([USER], builtin=BUILTIN).checks()
    assert [(q.name, q.title) for q in checks] == [
        ("class-without-comment", "class-without-comment"),  # no header: titled by its name
        ("unlabelled", "Things without a label"),
    ]
    assert Catalogue([], builtin=USER / "checks").checks() == []


def test_a_missing_user_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        Catalogue([tmp_path / "nowhere"], builtin=BUILTIN)
    assert str(caught.value) == f"query folder {str(tmp_path / 'nowhere')!r} does not exist"


def test_a_broken_header_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "broken.rq").write_text("# title: Broken\n# param: n integer = x\nSELECT * {}\n")
    catalogue = Catalogue([tmp_path], builtin=BUILTIN)
    with pytest.raises(InputError) as caught:
        catalogue.list()
    path = tmp_path / "broken.rq"
    assert str(caught.value) == f"{path}:2: bad default: parameter 'n': 'x' is not an integer"
    assert catalogue.get("people").title == "People (built-in)"  # the others still work


# --- resolve and from_text ------------------------------------------------------------------


def test_resolve_a_catalogue_name() -> None:
    catalogue = Catalogue([USER], builtin=BUILTIN)
    assert resolve("my-own", catalogue).path == USER / "my-own.rq"


def test_resolve_a_file_with_and_without_header(tmp_path: Path) -> None:
    catalogue = Catalogue([], builtin=BUILTIN)
    plain = tmp_path / "plain.sparql"
    plain.write_text("# Find every triple: ordinary comments are no header.\nSELECT * {}\n")
    query = resolve(str(plain), catalogue)
    assert (query.name, query.title, query.description, query.params) == ("plain", "plain", "", ())
    assert query.text == plain.read_text()

    headed = tmp_path / "people.txt"  # an existing file wins over the catalogue name
    headed.write_text("# title: Mine\n# param: n integer = 1\nSELECT * {}\n")
    query = resolve(str(headed), catalogue)
    assert (query.name, query.title, query.params) == (
        "people",
        "Mine",
        (Param("n", "integer", "1", ""),),
    )


def test_a_byte_order_mark_does_not_hide_the_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.rq"
    path.write_bytes("\ufeff# title: With a BOM\nSELECT * {}\n".encode())
    query = Catalogue([tmp_path], builtin=BUILTIN).get("bom")
    assert (query.title, query.text) == ("With a BOM", "# title: With a BOM\nSELECT * {}\n")


def test_resolve_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.rq"
    with pytest.raises(InputError) as caught:
        resolve(str(missing), Catalogue([], builtin=BUILTIN))
    assert str(caught.value) == f"query file {str(missing)!r} does not exist"


def test_a_file_with_a_header_is_checked_strictly(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text("# title: T\n# param: n float\nSELECT * {}\n")
    with pytest.raises(InputError, match=rf"^{path}:2: param 'n' has unknown type 'float'"):
        resolve(str(path), Catalogue([], builtin=BUILTIN))


def test_from_text() -> None:
    plain = from_text("SELECT * {}")
    assert plain == NamedQuery("-", Path("-"), "-", "", (), "SELECT * {}")
    inline = from_text("# title: Inline\n# param: x string\nASK { ?x ?p ?o }", "-e")
    assert (inline.name, inline.title, inline.params) == (
        "-e",
        "Inline",
        (Param("x", "string", None, ""),),
    )
    with pytest.raises(InputError) as caught:
        from_text("# title: T\n# param: x nope\nSELECT * {}")
    assert str(caught.value).startswith("<stdin>:2: param 'x' has unknown type 'nope'")


# --- the real catalogue ---------------------------------------------------------------------


def test_every_builtin_query_has_a_valid_header_and_is_a_safe_query() -> None:
    catalogue = Catalogue([])
    assert catalogue.builtin == resources.queries_dir()
    for query in [*catalogue.list(), *catalogue.checks()]:
        assert query.title, query.path
        assert query_form(query.text) in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"), query.path
        check_safe(query.text)
    for check in catalogue.checks():
        assert query_form(check.text) == "SELECT", check.path


SAMPLES = {
    "iri": "<http://example.org/x>",
    "string": 'a "quoted" } # text',
    "integer": "1",
    "decimal": "1.5",
    "date": "2024-01-01",
    "boolean": "true",
}


def test_every_builtin_query_runs_with_its_parameters_bound() -> None:
    for query in Catalogue([]).list():
        declared = prefixes(query.text)
        for given in ({}, {p.name: SAMPLES[p.type] for p in query.params}):
            missing = [p for p in query.params if p.required and p.name not in given]
            if missing:
                continue
            text = inject_values(query.text, bind(query.params, given, declared))
            assert query_form(text) == query_form(query.text), query.path
            result = ox.Store().query(text)  # the VALUES block is where the grammar allows it
            if not isinstance(result, ox.QueryBoolean):
                list(result)


# --- columns (#17) ----------------------------------------------------------------------------


def test_columns_are_described_in_the_header() -> None:
    text = """\
# title: T
# param: a string = * -- words
# column: firm -- the firm's label
# column: count -- how many, as
#   printed
SELECT ?firm ?count {}
"""
    query = from_text(text, "q.rq")
    assert query.columns == (
        Column("firm", "the firm's label"),
        Column("count", "how many, as printed"),
    )
    assert query.describe()["columns"] == [
        {"name": "firm", "description": "the firm's label"},
        {"name": "count", "description": "how many, as printed"},
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "# column: firm",
            "q.rq:2: bad column 'firm': expected 'NAME -- description', NAME as in ?NAME",
        ),
        (
            "# column: ?firm -- x",
            "q.rq:2: bad column '?firm -- x': expected 'NAME -- description', NAME as in ?NAME",
        ),
        ("# column: a -- x\n# column: a -- y", "q.rq:3: column 'a' is described twice"),
    ],
)
def test_a_bad_column_line_names_the_line(line: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_header(f"# title: T\n{line}\nSELECT * {{}}\n", "q.rq")
    assert str(err.value) == message
