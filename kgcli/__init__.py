"""kgcli: query, validate and analyse the Shanghai health-cluster knowledge graph, or any RDF."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kgcli")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
