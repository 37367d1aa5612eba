"""Prepare a query for a source: safety checks, parameter binding, then run it."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kgcli.catalogue import NamedQuery
from kgcli.errors import InputError, UsageError
from kgcli.limits import MAX_QUERY_SIZE, check_seconds
from kgcli.params import bind
from kgcli.results import Result
from kgcli.source import GraphSource
from kgcli.sparql import (
    check_safe,
    dataset_graphs,
    inject_values,
    prefixes,
    query_form,
    syntax_error_location,
    undeclared_prefix,
)


@dataclass(frozen=True)
class PreparedQuery:
    """A query ready to run: its form, its final text (parameters bound) and its prefixes."""

    name: str
    form: str
    text: str
    prefixes: dict[str, str]


def prepare(
    query: NamedQuery,
    given: Mapping[str, str] | None = None,
    *,
    allow_federation: bool = False,
    allowed_endpoints: Collection[str] = (),
) -> PreparedQuery:
    """Check a query is safe to run and bind its parameters as RDF terms.

    Refuses updates and anything that would reach the network or the disk (`SERVICE`, `LOAD`,
    `FROM <file:...>`) unless federation is allowed, and a query over the size and nesting
    limits (`kgcli.limits`).
    """
    if len(query.text) > MAX_QUERY_SIZE:
        # Checked first: the lexer, the checks and the engine all take time in the text's size.
        where = "<stdin>" if query.name == "-" else str(query.path)
        raise InputError(
            f"{where}: the query has {len(query.text):,} characters, more than kg's limit "
            f"of {MAX_QUERY_SIZE:,} (write long lists of values to a file and load it with --data)"
        )
    check_safe(query.text, allow_federation=allow_federation, allowed_endpoints=allowed_endpoints)
    form = query_form(query.text)
    if form == "UPDATE":
        raise UsageError(f"{query.name}: updates are refused by kg query")
    declared = prefixes(query.text)
    bindings = bind(query.params, given or {}, declared, query_name=query.name)
    return PreparedQuery(query.name, form, inject_values(query.text, bindings), declared)


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
    if isinstance(store, ox.Store):
        _check_dataset(store, query.text)
    try:
        return source.query(query.text, limit=limit, timeout=timeout)
    except InputError as err:
        raise _readable(query.text, err) from None


def _check_dataset(store: ox.Store, text: str) -> None:
    """Refuse a FROM or FROM NAMED that names no graph of a local store.

    The engine never fetches such a graph (it reads as empty), but a person who pastes a query
    naming a graph on the web expects it to be downloaded: say it is not, before evaluation.
    """
    graphs: set[str] | None = None
    for token, written, iri in dataset_graphs(text):
        if graphs is None:
            graphs = {g.value for g in store.named_graphs()}
        if iri not in graphs:
            raise InputError(
                f"query:{token.line}:{token.column}: {written}: no graph of that name in the "
                "data; kg never downloads the graphs a query names (load it with --data)"
            )


def _readable(text: str, err: InputError) -> InputError:
    """The engine's syntax error on one line; an unknown prefix named, at its own position.

    The engine lists every character class it expected, over several lines, when a prefix is
    not declared; the person needs the name and the PREFIX line to add.
    """
    message = str(err)
    where = re.match(r"query:(\d+):(\d+):", message)  # as `source._query_error` words it
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
