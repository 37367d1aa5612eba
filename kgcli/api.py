"""The library's front door: open the graph source a command names, local or remote.

The CLI calls this to choose a source; it never picks `kgcli.remote` or `kgcli.engine` sources
itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kgcli.engine.source import GraphSource, LocalSource, open_local, with_inferences
from kgcli.errors import InputError

if TYPE_CHECKING:
    from kgcli.engine.infer import RuleSet


def open_source(
    *,
    data: Sequence[str] = (),
    data_format: str | None = None,
    with_embedded: bool = False,
    endpoint: str | None = None,
    store: str | None = None,
    default_graph: Sequence[str] = (),
    named_graph: Sequence[str] = (),
    infer: RuleSet | None = None,
    timeout: float | None = None,
) -> GraphSource:
    """Open the source a command names: an endpoint, an on-disk store, the user's files, or the
    embedded graph (see `kgcli.engine.source.open_local` for the dataset the files make).

    With `infer` (`--infer`), the default graph is stated + derived: computed now with those
    rules (within `timeout` seconds) in memory, read from a store as `kg infer` left it.
    """
    if endpoint:
        if infer is not None:
            raise InputError(
                "--infer needs a local graph (the embedded graph, --data or --store): "
                "an endpoint's reasoning is its own"
            )
        if data or with_embedded or store:
            raise InputError(
                "--endpoint cannot be combined with --data, --with-embedded or --store"
            )
        if default_graph or named_graph:
            raise InputError(
                "--endpoint cannot be combined with --default-graph or --named-graph "
                "(the server holds the dataset: name its graphs with FROM / FROM NAMED)"
            )
        from kgcli.remote.config import resolve_endpoint
        from kgcli.remote.source import RemoteSource

        return RemoteSource(resolve_endpoint(endpoint))
    source = open_local(
        data=data,
        data_format=data_format,
        with_embedded=with_embedded,
        store=store,
        default_graph=default_graph,
        named_graph=named_graph,
    )
    if infer is not None:
        try:
            with_inferences(source, infer, timeout=timeout)
        except BaseException:
            source.close()
            raise
    return source


#: What `kg infer -E` and `kg explain -E` read of an endpoint: its default and named graphs.
_EVERY_TRIPLE = "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def open_for_inference(
    *,
    data: Sequence[str] = (),
    data_format: str | None = None,
    with_embedded: bool = False,
    endpoint: str | None = None,
    store: str | None = None,
    timeout: float | None = None,
) -> LocalSource:
    """A local source that inference can read: the embedded graph or the user's files in
    memory, an on-disk store (read-only), or an endpoint's triples copied into memory (the
    endpoint is only read)."""
    source = open_source(
        data=data,
        data_format=data_format,
        with_embedded=with_embedded,
        endpoint=endpoint,
        store=store,
    )
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
