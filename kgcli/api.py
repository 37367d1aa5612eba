"""The library's front door: open the graph source a command names, local or remote.

The CLI calls this to choose a source; it never picks `kgcli.remote` or `kgcli.engine` sources
itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgcli.engine.source import GraphSource, open_local
from kgcli.errors import InputError


def open_source(
    *,
    data: Sequence[str] = (),
    data_format: str | None = None,
    with_embedded: bool = False,
    endpoint: str | None = None,
    store: str | None = None,
    default_graph: Sequence[str] = (),
    named_graph: Sequence[str] = (),
) -> GraphSource:
    """Open the source a command names: an endpoint, an on-disk store, the user's files, or the
    embedded graph (see `kgcli.engine.source.open_local` for the dataset the files make)."""
    if endpoint:
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
    return open_local(
        data=data,
        data_format=data_format,
        with_embedded=with_embedded,
        store=store,
        default_graph=default_graph,
        named_graph=named_graph,
    )
