"""The library's front door: say which graph to query (`SourceSpec`), and open it (`open_source`).

The CLI builds one `SourceSpec` from its source options and calls `open_source`; it never picks
`kgcli.remote` or `kgcli.engine` sources itself. Cheap to import: the engine is imported when a
source is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
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
