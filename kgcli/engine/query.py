"""Prepare a query for a source: safety checks, parameter binding, then run it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kgcli.engine.catalogue import NamedQuery, from_text
from kgcli.engine.params import bind
from kgcli.engine.results import AskResult, Result, SelectResult
from kgcli.engine.source import GraphSource
from kgcli.engine.sparql import (
    Insertion,
    ParsedQuery,
    check_from_files,
    check_safe,
    dataset_graphs,
    end_of_text,
    insert,
    parse,
    syntax_error_location,
    unbound_position,
    undeclared_prefix,
    value_insertions,
)
from kgcli.errors import InputError, UsageError
from kgcli.limits import MAX_QUERY_SIZE, check_seconds
from kgcli.rdf.iri import directory_iri


@dataclass(frozen=True)
class PreparedQuery:
    """A query ready to run: its final text (parameters bound) tokenized once (`parsed`), the
    base IRI its relative IRIs resolve against, whether it may name files and endpoints, and
    what its errors' positions are prefixed with (`origin`: its file, or `query` for text)."""

    name: str
    parsed: ParsedQuery
    base: str | None = None
    allow_federation: bool = False
    origin: str = "query"
    #: The text as written, before parameters were bound (None: `parsed.text` is it).
    written: str | None = None
    #: What binding inserted into `written` to make `parsed.text` (`sparql.value_insertions`).
    insertions: tuple[Insertion, ...] = ()

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def form(self) -> str:
        return self.parsed.form

    @property
    def prefixes(self) -> dict[str, str]:
        return self.parsed.prefixes


def prepare(
    query: NamedQuery,
    given: Mapping[str, str] | None = None,
    *,
    allow_federation: bool = False,
    allowed_endpoints: Collection[str] = (),
    base: str | None = None,
) -> PreparedQuery:
    """Check a query is safe to run and bind its parameters as RDF terms.

    Refuses updates and anything that would reach the network (`SERVICE`, `LOAD`) unless
    federation is allowed, and a query over the size and nesting limits (`kgcli.limits`);
    `FROM <file:...>` is checked by `run`, which knows the graphs the source holds. The base IRI
    is `base`, else the query file's IRI, else (a query given as text) the working directory's.
    """
    if len(query.text) > MAX_QUERY_SIZE:
        # Checked first: the lexer, the checks and the engine all take time in the text's size.
        where = "<stdin>" if query.name == "-" else str(query.path)
        raise InputError(
            f"{where}: the query has {len(query.text):,} characters, more than kg's limit "
            f"of {MAX_QUERY_SIZE:,} (write long lists of values to a file and load it with --data)"
        )
    base = base or query.base or directory_iri()
    # A query read from a file (its own, or the catalogue's) has the file's IRI as its base.
    origin = str(query.path) if query.base is not None else "query"
    try:
        parsed = query.parsed
    except InputError as err:
        # The lexer's "line L, column C: ..." names no file: a query file's errors say which.
        at = re.match(r"line (\d+), column (\d+): ", str(err))
        if origin == "query" or at is None:
            raise
        raise InputError(f"{origin}:{at[1]}:{at[2]}: {str(err)[at.end() :]}") from None
    check_safe(
        parsed,
        allow_federation=allow_federation,
        allowed_endpoints=allowed_endpoints,
        base=base,
        from_files=False,
    )
    if parsed.form == "UPDATE":
        raise UsageError(f"{query.name}: updates are refused by kg query")
    bindings = bind(query.params, given or {}, parsed.prefixes, query_name=query.name)
    # Bound, the text is new: tokenized once more, as the engine and the checks of `run` see it.
    insertions = tuple(value_insertions(parsed, bindings))
    bound = parse(insert(query.text, insertions)) if bindings else parsed
    written = query.text if bindings else None
    return PreparedQuery(query.name, bound, base, allow_federation, origin, written, insertions)


def run(
    source: GraphSource,
    query: PreparedQuery,
    *,
    limit: int | None = None,
    timeout: float | None = None,
) -> Result:
    """Run a prepared query on any source and return its result object."""
    if limit is not None and limit < 0:
        raise UsageError(f"--limit must be zero or more, not {limit}")
    if timeout is not None:
        check_seconds(timeout, "--timeout")
    store = getattr(source, "store", None)
    graphs = {g.value for g in store.named_graphs()} if isinstance(store, ox.Store) else None
    # A FROM naming a file that a local store holds chooses that graph and reads nothing; any
    # other file is refused, and with an endpoint every file (the server might read it).
    check_from_files(
        query.parsed, base=query.base, allow_federation=query.allow_federation, graphs=graphs
    )
    try:
        if graphs is not None:
            _check_dataset(graphs, query.parsed, query.base)
        try:
            return source.query(query.parsed, limit=limit, timeout=timeout, base=query.base)
        except InputError as err:
            raise _readable(query.text, err) from None
    except InputError as err:
        raise _located(query, err) from None


def _located(query: PreparedQuery, err: InputError) -> InputError:
    """The error with its position in the query as written, named by its file if it has one.

    Bound parameters add no line break, but they lengthen a line: an error after the VALUES
    block is moved back by its length, one inside it (or inside other text binding added) is
    where that text went in, and one at the end of the bound text is at the end as written.
    """
    message = str(err)
    where = re.match(r"query:(\d+):(\d+):", message)
    if where is None:
        return err
    if query.written is not None:
        at = (int(where[1]), int(where[2]))
        if at == end_of_text(query.text):
            line, column = end_of_text(query.written)
        else:
            line, column = unbound_position(query.written, query.insertions, *at)
        message = f"query:{line}:{column}:{message[where.end() :]}"
    if query.origin != "query":
        message = query.origin + message.removeprefix("query")
    return InputError(message) if message != str(err) else err


def _check_dataset(graphs: set[str], query: ParsedQuery, base: str | None) -> None:
    """Refuse a FROM or FROM NAMED that names no graph of a local store.

    The engine never fetches such a graph (it reads as empty), but a person who pastes a query
    naming a graph on the web expects it to be downloaded: say it is not, before evaluation.
    IRIs are compared as the engine will see them, resolved against the query's base.
    """
    for token, written, iri in dataset_graphs(query, base):
        if iri not in graphs:
            shown = written if iri in written else f"{written} (<{iri}>)"
            raise InputError(
                f"query:{token.line}:{token.column}: {shown}: no graph of that name in the "
                "data; kg never downloads the graphs a query names (load it with --data or "
                "--named-graph)"
            )


def _readable(text: str, err: InputError) -> InputError:
    """The engine's syntax error on one line; an unknown prefix named, at its own position.

    The engine lists every character class it expected, over several lines, when a prefix is
    not declared; the person needs the name and the PREFIX line to add.
    """
    message = str(err)
    where = re.match(r"query:(\d+):(\d+):", message)  # as `sparql.syntax_error_line` words it
    at = (int(where[1]), int(where[2])) if where else syntax_error_location(message)
    token = undeclared_prefix(text, at)
    # The engine names the prefix only in some positions; elsewhere (`?s ex:p ?o` with no PREFIX
    # at all) it says "expected OPTIONAL" after the name, so an undeclared name before the
    # error's position is taken as its cause.
    if token is not None and (
        "Prefix not found" in message or (at is not None and (token.line, token.column) < at)
    ):
        prefix = token.value.partition(":")[0]
        return InputError(
            f"query:{token.line}:{token.column}: unknown prefix '{prefix}:' in {token.value}; "
            f"declare it: PREFIX {prefix}: <...>"
        )
    return InputError(" ".join(message.split())) if "\n" in message else err


# The catalogue's label match (queries/README.md) normalises a parameter `?NAME` this way: a query
# whose text does so matches that parameter's words against labels.
_MATCH_MARK = 'REPLACE(CONCAT(" ", LCASE(?{name})), "[^\\\\p{{L}}\\\\p{{N}}]+", " ")'

_ANY_LABEL = from_text(
    """\
# title: Is there a label with these words?
# param: text string -- words of a label or other name
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
ASK WHERE {
  ?thing rdfs:label|skos:altLabel ?name .
  FILTER(CONTAINS(REPLACE(CONCAT(" ", LCASE(STR(?name)), " "), "[^\\\\p{L}\\\\p{N}]+", " "),
                  REPLACE(CONCAT(" ", LCASE(?text)), "[^\\\\p{L}\\\\p{N}]+", " ")))
}
""",
    "any-label",
)


def label_texts(query: NamedQuery, given: Mapping[str, str]) -> dict[str, str]:
    """The string parameters the query matches against labels, with their value, but for `*`."""
    found: dict[str, str] = {}
    for p in query.params:
        value = given.get(p.name, p.default)
        if p.type != "string" or value is None or value == "*":
            continue
        if _MATCH_MARK.format(name=p.name) in query.text:
            found[p.name] = value
    return found


def unmatched_texts(
    source: GraphSource, texts: Mapping[str, str], *, timeout: float | None = None
) -> list[str]:
    """The names of `texts` whose words start the words of no label or other name in `source`:
    why a query that matches them on labels finds nothing."""
    missing = []
    for name, value in texts.items():
        result = run(source, prepare(_ANY_LABEL, {"text": value}), timeout=timeout)
        if isinstance(result, AskResult) and not result.value:
            missing.append(name)
    return missing


def peek_empty(result: SelectResult) -> tuple[SelectResult, bool]:
    """The same rows, still unread, and whether there are none.

    The engine's own iterator cannot be put back a row, so the rows are given as Python rows:
    a writer then takes its general path, not the engine's serialiser.
    """
    rows = iter(result.rows)
    first = next(rows, None)
    if first is None:
        return SelectResult(result.variables, []), True
    return SelectResult(result.variables, itertools.chain([first], rows)), False
