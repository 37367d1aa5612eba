"""`kg lint`: the built-in checks (`queries/checks/*.rq`) and the user's own, on any source.

A check is a SELECT whose rows are what is wrong: its first column is the focus node, the others
say more. Its header (`queries/README.md`) gives its title and severity, and it may take the
`ns` parameter, the namespace of "our" vocabulary (kg: by default, the user's own ontology's);
such a check writes `{ns}` in its title and description where that namespace is named.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from kgcli.engine.catalogue import SCOPES as CHECK_SCOPES
from kgcli.engine.catalogue import Catalogue, NamedQuery, load_checks
from kgcli.engine.deadline import Deadline
from kgcli.engine.params import parse_value
from kgcli.engine.query import prepare, run
from kgcli.engine.results import AskResult, Row, SelectResult
from kgcli.engine.source import GraphSource
from kgcli.errors import InputError, QueryTimeout, UsageError
from kgcli.rdf.namespaces import WELL_KNOWN_PREFIXES, merged_prefixes

COLUMNS = ["check", "severity", "focus", "message"]
NAMESPACE_PARAM = "ns"
#: Where a check that takes `ns` names the namespace it checks, in its title and description.
NAMESPACE_PLACEHOLDER = "{ns}"
#: A check whose header gives no severity reports warnings.
DEFAULT_SEVERITY = "warning"


def checks(dirs: Sequence[Path] = (), *, builtin: bool = True) -> list[NamedQuery]:
    """The built-in checks (unless `builtin` is False), then each folder's or file's, in order."""
    found = Catalogue([]).checks() if builtin else []
    for folder in dirs:
        found.extend(load_checks(Path(folder)))
    return found


#: What a check can be about (its header's `scope`): any graph, a vocabulary, kgcli's own graph.
ANY = "any"
SCOPES = (ANY, *CHECK_SCOPES)
KGCLI = "kgcli"
#: Where kgcli's own IRIs start (kg:, kgr:, kgg:, ...): a graph using none is not ours.
KGCLI_IRIS = "https://w3id.org/kgcli/"
_USES_KGCLI = f"""ASK {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }}
  FILTER(STRSTARTS(STR(?s), "{KGCLI_IRIS}") || STRSTARTS(STR(?p), "{KGCLI_IRIS}")) }}"""


def scope_of(check: NamedQuery) -> str:
    """What the check is about: `any` graph unless its header says `vocabulary` or `kgcli`."""
    return check.scope or ANY


def in_scopes(checks: Sequence[NamedQuery], scopes: Sequence[str]) -> list[NamedQuery]:
    """The checks about one of `scopes` (each `any`, `vocabulary` or `kgcli`)."""
    for scope in scopes:
        if scope not in SCOPES:
            raise UsageError(f"unknown --scope {scope!r}; choose {', '.join(SCOPES)}")
    return [check for check in checks if scope_of(check) in scopes]


def _deadline(timeout: float | Deadline | None) -> Deadline:
    return timeout if isinstance(timeout, Deadline) else Deadline(timeout)


@contextlib.contextmanager
def _timed(deadline: Deadline, doing: str) -> Iterator[float | None]:
    """A step of lint's one `--timeout`: stopped, it says what lint was doing (which check)."""
    try:
        with deadline.step("lint") as seconds:
            yield seconds
    except QueryTimeout:
        raise QueryTimeout(
            f"lint stopped after the {deadline.seconds:g} s timeout (--timeout), {doing}"
        ) from None


def uses_kgcli(source: GraphSource, *, timeout: float | Deadline | None = None) -> bool:
    """Whether the graph has a subject or predicate of kgcli's own (one ASK: it stops at the
    first; a graph without any is read through once), within `timeout` (seconds or the
    command's `Deadline`)."""
    with _timed(_deadline(timeout), "looking for kgcli's IRIs") as seconds:
        answer = source.query(_USES_KGCLI, timeout=seconds)
    assert isinstance(answer, AskResult)
    return bool(answer.value)


def namespace_iri(text: str) -> str:
    """The namespace given as text (`<...>`, a bare IRI or a well-known prefix such as `kg:`)."""
    try:
        term = parse_value("--namespace", "iri", text, WELL_KNOWN_PREFIXES)
    except UsageError as err:
        message = str(err).replace("parameter '--namespace'", "--namespace", 1)
        raise UsageError(message.replace("the query declares", "kg knows")) from None
    return f"<{term.value}>"


def _run(
    source: GraphSource, check: NamedQuery, namespace: str | None, timeout: float | None
) -> SelectResult:
    """The check's rows; an error in its text names the file, line and column."""
    given = {}
    if namespace is not None and any(p.name == NAMESPACE_PARAM for p in check.params):
        given[NAMESPACE_PARAM] = namespace
    try:
        prepared = prepare(check, given)
        if prepared.form != "SELECT":
            raise InputError(f"{check.path}: a check is a SELECT query, not {prepared.form}")
        result = run(source, prepared, timeout=timeout)
    except InputError as err:
        message = str(err)
        if message.startswith("query:"):  # the engine's and the lexer's position
            raise InputError(f"{check.path}:{message.removeprefix('query:')}") from None
        if not message.startswith(str(check.path)):
            raise InputError(f"{check.path}: {message}") from None
        raise
    assert isinstance(result, SelectResult)
    return result


def for_namespace(check: NamedQuery, namespace: str | None = None) -> NamedQuery:
    """The check with `{ns}` in its title and description naming the namespace it checks.

    That is `namespace` (`<IRI>`) or else the `ns` parameter's default, shown as `prefix:` when
    the check or kg knows a prefix for it. A check that does not take `ns` is returned as it is.
    """
    param = next((p for p in check.params if p.name == NAMESPACE_PARAM), None)
    if param is None:
        return check
    prefixes = merged_prefixes(check.parsed.prefixes)
    if namespace is not None:
        iri = namespace.removeprefix("<").removesuffix(">")
    elif param.default is not None:
        iri = parse_value(param.name, param.type, param.default, prefixes).value
    else:
        return check  # a required parameter, not given: running the check reports that
    # The check's own prefix for it first, then kg's well-known ones.
    names = [name for name, ns in reversed(prefixes.items()) if ns == iri]
    shown = f"{names[0]}:" if names else f"<{iri}>"
    return replace(
        check,
        title=check.title.replace(NAMESPACE_PLACEHOLDER, shown),
        description=check.description.replace(NAMESPACE_PLACEHOLDER, shown),
    )


def _message(check: NamedQuery, variables: list[str], row: Row) -> str:
    """The check's title, then the row's other columns as `name=value`."""
    details = [
        f"{name}={term.value if isinstance(term, ox.Literal) else term}"
        for name, term in zip(variables[1:], row[1:], strict=True)
        if term is not None
    ]
    return f"{check.title}: {', '.join(details)}" if details else check.title


def findings(
    source: GraphSource,
    checks: Sequence[NamedQuery],
    *,
    namespace: str | None = None,
    timeout: float | Deadline | None = None,
) -> Iterator[Row]:
    """One row per finding (check, severity, focus node, message), check by check; the checks
    share `timeout` (seconds, or the command's `Deadline`)."""
    deadline = _deadline(timeout)
    for check in checks:
        with _timed(deadline, f"in check {check.name} ({check.path})") as seconds:
            result = _run(source, check, namespace, seconds)
        check = for_namespace(check, namespace)
        severity = ox.Literal(check.severity or DEFAULT_SEVERITY)
        name = ox.Literal(check.name)
        for row in result:
            focus = row[0] if row else None
            yield (name, severity, focus, ox.Literal(_message(check, result.variables, row)))


def lint(
    source: GraphSource,
    checks: Sequence[NamedQuery],
    *,
    namespace: str | None = None,
    timeout: float | Deadline | None = None,
) -> tuple[SelectResult, int]:
    """Every finding as a result, and how many of them are errors; the checks share `timeout`
    (seconds, or the command's `Deadline`: stopped, a `QueryTimeout` naming the check)."""
    if namespace is not None:
        namespace = namespace_iri(namespace)  # checked once, before any check runs
    rows = list(findings(source, checks, namespace=namespace, timeout=timeout))
    errors = sum(1 for row in rows if row[1] == ox.Literal("error"))
    return SelectResult(list(COLUMNS), rows), errors
