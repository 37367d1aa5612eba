"""The library's front door: say which graph to query (`SourceSpec`), and open it (`open_source`).

The CLI builds one `SourceSpec` from its source options and calls `open_source`; it never picks
`kgcli.remote` or `kgcli.engine` sources itself. Cheap to import: the engine is imported when a
source is opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from kgcli.errors import InputError, UsageError

if TYPE_CHECKING:
    from kgcli.engine.source import GraphSource, LocalSource


@dataclass(frozen=True)
class SourceSpec:
    """Which graph a command reads: a SPARQL `endpoint`, an on-disk `store`, the user's `data`
    files (in `data_format` when their extension does not say; with the embedded graph too if
    `with_embedded`), a dataset made exactly of `default_graph` and `named_graph` files, or, when
    none is given, the embedded graph. Sequences are kept as tuples."""

    data: Sequence[str] = ()
    data_format: str | None = None
    with_embedded: bool = False
    store: str | None = None
    endpoint: str | None = None
    default_graph: Sequence[str] = ()
    named_graph: Sequence[str] = ()
    #: `--infer`: the default graph is stated + derived, with the rules `rules` names (`--rules`:
    #: rdfs, owl-rl, folders or files of SPARQL rules; none: owl-rl and the project's rules).
    infer: bool = False
    rules: Sequence[str] = ()

    def __post_init__(self) -> None:
        for name in ("data", "default_graph", "named_graph", "rules"):
            # Frozen, and hashable: a list given by a caller is copied into a tuple.
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the source reads ('-' is stdin)."""
        return (*self.data, *self.default_graph, *self.named_graph)


def open_source(
    spec: SourceSpec | None = None, /, *, timeout: float | None = None, **options: Any
) -> GraphSource:
    """Open the graph `spec` names (or a `SourceSpec(**options)`): an endpoint, an on-disk
    store, the user's files, or the embedded graph (see `kgcli.engine.source.open_local` for the
    dataset the files make). Bad combinations are an `InputError`.

    With `spec.infer`, the default graph is stated + derived: derived now (within `timeout`
    seconds) in memory, read from a store as `kg infer --store` left it.

    Example: open_source(SourceSpec(data=["my.ttl"])), or open_source(data=["my.ttl"])
    """
    if spec is None:
        spec = SourceSpec(**options)
    elif options:
        raise TypeError(f"give a SourceSpec or its fields, not both: {sorted(options)}")
    if spec.rules and not spec.infer:
        raise UsageError("--rules chooses the rules of --infer: give both")
    if spec.endpoint and spec.infer:
        raise InputError(
            "--infer needs a local graph (the embedded graph, --data or --store): "
            "an endpoint's reasoning is its own"
        )
    if spec.endpoint:
        if spec.data or spec.with_embedded or spec.store:
            raise InputError(
                "--endpoint cannot be combined with --data, --with-embedded or --store"
            )
        if spec.default_graph or spec.named_graph:
            raise InputError(
                "--endpoint cannot be combined with --default-graph or --named-graph "
                "(the server holds the dataset: name its graphs with FROM / FROM NAMED)"
            )
        from kgcli.remote.config import resolve_endpoint
        from kgcli.remote.source import RemoteSource

        return RemoteSource(resolve_endpoint(spec.endpoint))
    from kgcli.engine.source import open_local, with_inferences

    skip = ("endpoint", "infer", "rules")
    local = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name not in skip}
    source = open_local(**local)
    if spec.infer:
        try:
            with_inferences(source, rule_set_of(spec.rules), timeout=timeout)
        except BaseException:
            source.close()
            raise
    return source


def rule_set_of(
    specs: Sequence[str] = (), *, domain_range: bool = False, same_as: bool = False
) -> Any:
    """The `kgcli.engine.infer.RuleSet` that `--rules` names, the project's own rules
    (`queries/rules/`) by default with owl-rl; every SPARQL rule file is checked now."""
    from kgcli.engine.infer import rule_set
    from kgcli.engine.resources import rules_dir

    return rule_set(specs, domain_range=domain_range, same_as=same_as, project_rules=rules_dir())


#: What inference reads of an endpoint: its default and named graphs.
_EVERY_TRIPLE = "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def open_for_inference(spec: SourceSpec, *, timeout: float | None = None) -> LocalSource:
    """A local source that `kg infer` and `kg explain` can read: the embedded graph or the
    user's files in memory, an on-disk store (read-only), or an endpoint's triples copied into
    memory with one CONSTRUCT (the endpoint is only read)."""
    from kgcli.engine.source import LocalSource

    source = open_source(spec)
    if isinstance(source, LocalSource):
        return source
    try:
        import pyoxigraph as ox

        answer = source.query(_EVERY_TRIPLE, timeout=timeout)
        memory = ox.Store()
        memory.extend(ox.Quad(t.subject, t.predicate, t.object) for t in answer)  # type: ignore[union-attr]
    finally:
        source.close()
    return LocalSource(memory, [], source.description)


def explain_in(
    opened: LocalSource,
    terms: tuple[str, str, str],
    rules: Any,
    prefixes: Mapping[str, str],
    *,
    timeout: float | None = None,
) -> Any:
    """Why the triple `terms` (subject, predicate, object as IRIs, prefixed names, labels or
    literals) holds in `opened`, a source of `open_for_inference`, under the RuleSet `rules`: its
    `kgcli.engine.infer.Explanation`. The closure is read from a store that `kg infer` wrote,
    else derived in `opened`'s store (within `timeout` seconds), which it changes."""
    from kgcli.engine.infer import explain, infer, resolve
    from kgcli.engine.source import with_inferences

    store = opened.store
    subject, predicate, obj = terms
    triple = (
        resolve(store, subject, prefixes),
        resolve(store, predicate, prefixes, position="predicate"),
        resolve(store, obj, prefixes, position="object"),
    )
    if opened.store_dir is not None:
        with_inferences(opened, rules)
    else:
        infer(store, rules, timeout=timeout)
    return explain(store, triple, rules)


# --- the Python API: kgcli.open() -> Graph -> Result ------------------------------------------

#: The profile `kg network` builds when none is named, and the one it falls back to.
DEFAULT_PROFILE = "cluster"
GENERIC_PROFILE = "generic"


def open_graph(
    data: Sequence[str] = (),
    *,
    store: str | None = None,
    endpoint: str | None = None,
    infer: bool = False,
    rules: Sequence[str] = (),
    data_format: str | None = None,
    with_embedded: bool = False,
    queries: Sequence[str] = (),
    timeout: float | None = None,
) -> Graph:
    """`kgcli.open()`: the graph `kg` would read with the same options (the embedded graph when
    none is given); `queries` are folders of your own named queries, searched before ours.
    Errors are `kgcli.errors` exceptions.

    Example: g = kgcli.open(data=["my.ttl"]); g.query("firms-in-place", place="Minhang").rows
    """
    if isinstance(data, str):  # open("my.ttl"): one file, not its characters
        data = (data,)
    spec = SourceSpec(
        data=data,
        data_format=data_format,
        with_embedded=with_embedded,
        store=store,
        endpoint=endpoint,
        infer=infer,
        rules=rules,
    )
    return Graph(spec, open_source(spec, timeout=timeout), queries=queries)


class Graph:
    """An opened graph: run catalogue queries or SPARQL on it, build its networks, derive its
    inferences. Close it (or use `with`) to release a store."""

    def __init__(self, spec: SourceSpec, source: GraphSource, *, queries: Sequence[str] = ()):
        self.spec = spec
        self.source = source
        self.queries = tuple(queries)

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.source.close()

    def __repr__(self) -> str:
        return f"<kgcli.Graph {self.source.description}>"

    def query(
        self,
        query: str,
        /,
        *,
        limit: int | None = None,
        timeout: float | None = None,
        **params: Any,
    ) -> Result:
        """Run a catalogue query (its name), a .rq file or SPARQL text; `params` are the
        query's parameters as Python values (str, int, float, Decimal, bool, date).

        Example: g.query("shared-resources", center="New Hongqiao").rows
        """
        from kgcli.engine.query import prepare, run

        prepared = prepare(self._named(query), {k: _param_text(v) for k, v in params.items()})
        answer = run(self.source, prepared, limit=limit, timeout=timeout)
        return Result(answer, prepared.prefixes)

    def _named(self, query: str) -> Any:
        from pathlib import Path

        from kgcli.engine.catalogue import QUERY_SUFFIXES, Catalogue, from_text, resolve

        ref = query.strip()
        if not ref.endswith(QUERY_SUFFIXES) and (
            not ref or any(c.isspace() or c in "{?" for c in ref)
        ):
            return from_text(query, "<query>")  # SPARQL text: a name has none of these
        return resolve(query, Catalogue([Path(q) for q in self.queries]))

    def network(
        self,
        profile: str | None = None,
        *,
        lang: str = "en",
        multi: bool = False,
        timeout: float | None = None,
    ) -> Any:
        """The networkx graph `kg network --profile PROFILE` builds (default: cluster, or the
        generic profile when the data has none of its classes).

        Example: g.network("facility-sharing").number_of_nodes()
        """
        from kgcli.network.build import build_network
        from kgcli.network.profile import resolve_profile

        chosen = resolve_profile(profile or DEFAULT_PROFILE)
        graph = build_network(self.source, chosen, lang=lang, timeout=timeout, multi=multi)
        if graph.number_of_nodes() == 0 and profile is None:
            chosen = resolve_profile(GENERIC_PROFILE)
            graph = build_network(self.source, chosen, lang=lang, timeout=timeout, multi=multi)
        if graph.number_of_nodes() == 0:
            raise UsageError(f"profile {chosen.name} found no nodes")
        return graph

    def infer(self, rules: Sequence[str] = (), *, timeout: float | None = None) -> Graph:
        """The same graph with its inferences (`kg query --infer --rules ...`): a new Graph whose
        default graph is stated + derived; this one is left as it is. A store's inferences
        are those `kg infer --store DIR` wrote (an `InputError` says so when there are none).

        Example: g.infer().query("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }")
        """
        from dataclasses import replace

        spec = replace(self.spec, infer=True, rules=tuple(rules))
        return Graph(spec, open_source(spec, timeout=timeout), queries=self.queries)

    def explain(
        self,
        subject: str,
        predicate: str,
        obj: str,
        *,
        rules: Sequence[str] = (),
        timeout: float | None = None,
    ) -> Explanation:
        """Why a triple holds (`kg explain`): stated, with its quotes, or derived, rule by rule.
        Terms are IRIs, prefixed names, labels or literals (`'"Minhang"'`); a triple that does
        not hold raises `kgcli.engine.infer.NotEntailed` (a `KgError`).

        Example: print(g.explain("Dr Smile Surgical Clinic", "a", "kg:HealthcareFacility"))
        """
        from kgcli.rdf.namespaces import merged_prefixes

        rule_set = rule_set_of(rules)
        prefixes = merged_prefixes()
        # A copy of the graph (in memory, or a store read-only): this Graph is left as it is.
        opened = open_for_inference(self.spec, timeout=timeout)
        try:
            found = explain_in(
                opened, (subject, predicate, obj), rule_set, prefixes, timeout=timeout
            )
            return Explanation(found, prefixes)
        finally:
            opened.close()


class Explanation:
    """What `Graph.explain` found: `str()` is the tree `kg explain` prints, `to_dict()` its
    JSON (`kg explain -f json`)."""

    def __init__(self, found: Any, prefixes: dict[str, str]) -> None:
        self.found = found
        self.prefixes = prefixes

    def to_dict(self) -> Any:
        return self.found.to_dict()

    def __str__(self) -> str:
        from kgcli.rdf.namespaces import Compactor

        compact = Compactor(self.prefixes)

        def show(term: bytes) -> str:
            text = term.decode()
            if text.startswith("<") and text.endswith(">"):
                short = compact(text[1:-1])
                return text if short == text[1:-1] else short
            return text

        return "".join(line + "\n" for line in self.found.lines(show))

    def __repr__(self) -> str:
        return str(self)


def _param_text(value: Any) -> str:
    """A parameter's Python value as the text `-p NAME=VALUE` would give."""
    import datetime as dt

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        raise UsageError(f"a parameter is a date, not a date and time: {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float) or type(value).__name__ == "Decimal":
        return str(value)
    raise UsageError(f"a parameter is text, a number, a boolean or a date, not {value!r}")


class Result:
    """A query's answer, read once from the engine and kept: `columns` and `rows` (tuples of
    plain Python values) for SELECT and CONSTRUCT (subject, predicate, object), `value` for ASK.

    IRIs are `str`; literals by their datatype: integers `int`, decimals `decimal.Decimal`,
    doubles and floats `float`, booleans `bool`, dates `datetime.date`, dateTimes
    `datetime.datetime`, durations `datetime.timedelta` (their text when they count years or
    months, whose length varies), gYear `int`, and the rest `str` (gYearMonth `'2018-11'`, text,
    a value outside its datatype's lexical space); blank nodes `_:id`; unbound `None`.
    """

    def __init__(self, answer: Any, prefixes: dict[str, str] | None = None) -> None:
        from kgcli.engine.results import AskResult, SelectResult
        from kgcli.output.rows import GRAPH_COLUMNS

        self.prefixes = dict(prefixes or {})
        self.value: bool | None = None
        self._kind = "select"
        if isinstance(answer, AskResult):
            self._kind = "ask"
            self.value = answer.value
            self.columns: list[str] = []
            self._terms: list[tuple[Any, ...]] = []
        elif isinstance(answer, SelectResult):
            self.columns = list(answer.variables)
            self._terms = [tuple(row) for row in answer]
        else:
            self._kind = "graph"
            self.columns = list(GRAPH_COLUMNS)
            self._terms = [(t.subject, t.predicate, t.object) for t in answer]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as plain Python values."""
        return [tuple(_python(term) for term in row) for row in self._terms]

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __repr__(self) -> str:
        if self._kind == "ask":
            return f"<kgcli.Result {self.value}>"
        return f"<kgcli.Result {len(self)} rows: {', '.join(self.columns)}>"

    def _engine_result(self) -> Any:
        import pyoxigraph as ox

        from kgcli.engine.results import AskResult, GraphResult, SelectResult

        if self._kind == "ask":
            return AskResult(bool(self.value))
        if self._kind == "graph":
            return GraphResult.from_triples(iter([ox.Triple(*row) for row in self._terms]))
        return SelectResult(self.columns, iter(self._terms))

    def write(self, path: str, fmt: str | None = None) -> None:
        """Write the result to `path` atomically, in `fmt` or the format its extension says
        (as `kg query -o PATH`): a failure leaves what was there."""
        from kgcli.atomic import atomic_write
        from kgcli.engine.results import kind_of
        from kgcli.output.formats import choose_format
        from kgcli.output.render import render

        result = self._engine_result()
        chosen = choose_format(fmt, path, False, kind_of(result))
        with atomic_write(path) as out:
            render(result, chosen, out, prefixes=self.prefixes)

    def to_csv(self, path: str) -> None:
        """Write the result as CSV to `path`, atomically (the bytes `kg query -f csv` writes)."""
        self.write(path, "csv")

    def to_pandas(self) -> Any:
        """A pandas DataFrame with typed columns (Int64, Float64 for decimals too, boolean,
        datetime64, timedelta64, object); needs the extra: pip install 'kgcli[pandas]'."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("Result.to_pandas needs pandas: pip install 'kgcli[pandas]'") from None
        rows = self.rows
        columns = {}
        for i, name in enumerate(self.columns):
            columns[name] = _series(pd, [row[i] for row in rows])
        return pd.DataFrame(columns, columns=self.columns)

    def _repr_html_(self) -> str:
        """The result as an HTML table in Jupyter, every value escaped."""
        from html import escape

        if self._kind == "ask":
            return f"<p>{escape(str(self.value).lower())}</p>"
        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(_cell(term))}</td>" for term in row) + "</tr>"
            for row in self._terms
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _python(term: Any) -> Any:
    """A term as a plain Python value (see `Result`)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return _literal(term)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)  # an RDF-star triple: its N-Triples text


def _literal(literal: Any) -> Any:
    """A literal as the Python value its datatype says (see `Result`): a decimal exact, a
    duration without years or months a `timedelta`, a gYear an `int`; the other datatypes as
    the networks read them; a value outside its datatype's lexical space as its text."""
    from kgcli.network.build import python_value
    from kgcli.rdf import xsd

    text, datatype = literal.value, literal.datatype.value
    found: Any
    if datatype == xsd.DECIMAL:
        found = xsd.decimal(text)
    elif datatype == xsd.G_YEAR:
        found = xsd.g_year(text)
    elif datatype in xsd.DURATION_TYPES:
        found = xsd.day_time_duration(text)
    else:
        return python_value(literal)
    return text if found is None else found


def _cell(term: Any) -> str:
    """A term as a table shows it: a duration in words (`10 minutes`, as `kg query` shows it),
    the rest as its Python value reads."""
    import pyoxigraph as ox

    from kgcli.output.terms import duration_words
    from kgcli.rdf import xsd

    if isinstance(term, ox.Literal) and term.datatype.value in xsd.DURATION_TYPES:
        words = duration_words(term.value)
        if words is not None:
            return words
    return _shown(_python(term))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _series(pd: Any, values: list[Any]) -> Any:
    """One column, typed when all its values (unbound aside) have one type."""
    import datetime as dt
    from decimal import Decimal

    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return pd.Series(values, dtype="boolean")
    if kinds == {int}:
        return pd.Series(values, dtype="Int64")
    if kinds and kinds <= {int, float, Decimal}:
        # pandas has no decimal dtype of its own: numbers to compute with, as floats.
        return pd.Series([None if v is None else float(v) for v in values], dtype="Float64")
    if kinds == {dt.date} or kinds == {dt.datetime}:
        return pd.to_datetime(pd.Series(values, dtype="object"))
    if kinds == {dt.timedelta}:
        return pd.to_timedelta(pd.Series(values, dtype="object"))
    return pd.Series(values, dtype="object")
