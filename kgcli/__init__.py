"""kgcli: query, validate and analyse the Shanghai health-cluster knowledge graph, or any RDF."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version lives in pyproject.toml only; importlib.metadata costs ~40 ms to import, so it
    # is read when asked for, not on every `kg` start.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("kgcli")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'kgcli' has no attribute {name!r}")
