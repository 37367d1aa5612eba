"""The library's front door: say which graph to query (`SourceSpec`), and open it (`open_source`).

The CLI builds one `SourceSpec` from its source options and calls `open_source`; it never picks
`kgcli.remote` or `kgcli.engine` sources itself. Cheap to import: the engine is imported when a
source is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from kgcli.errors import InputError

if TYPE_CHECKING:
    from kgcli.engine.source import GraphSource


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

    def __post_init__(self) -> None:
        for name in ("data", "default_graph", "named_graph"):
            # Frozen, and hashable: a list given by a caller is copied into a tuple.
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the source reads ('-' is stdin)."""
        return (*self.data, *self.default_graph, *self.named_graph)


def open_source(spec: SourceSpec | None = None, /, **options: Any) -> GraphSource:
    """Open the graph `spec` names (or a `SourceSpec(**options)`): an endpoint, an on-disk
    store, the user's files, or the embedded graph (see `kgcli.engine.source.open_local` for the
    dataset the files make). Bad combinations are an `InputError`.

    Example: open_source(SourceSpec(data=["my.ttl"])), or open_source(data=["my.ttl"])
    """
    if spec is None:
        spec = SourceSpec(**options)
    elif options:
        raise TypeError(f"give a SourceSpec or its fields, not both: {sorted(options)}")
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
    from kgcli.engine.source import open_local

    local = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name != "endpoint"}
    return open_local(**local)
