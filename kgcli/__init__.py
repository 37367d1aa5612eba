"""kgcli: query, validate and analyse the Shanghai health-cluster knowledge graph, or any RDF."""

from __future__ import annotations

from typing import Any

#: The Python API (`kgcli.open()`), imported when first used so that `import kgcli` stays cheap.
_API = {"open": "open_graph", "Graph": "Graph", "Result": "Result"}


def __getattr__(name: str) -> Any:
    # The version lives in pyproject.toml only; importlib.metadata costs ~40 ms to import, so it
    # is read when asked for, not on every `kg` start.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("kgcli")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    if name in _API:
        from kgcli import api

        return getattr(api, _API[name])
    if name == "errors":
        from kgcli import errors

        return errors
    raise AttributeError(f"module 'kgcli' has no attribute {name!r}")
