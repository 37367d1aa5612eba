"""Where the embedded ontology, graph and query catalogue live, installed or in a source tree."""

from __future__ import annotations

from pathlib import Path

from kgcli.rdf.namespaces import GRAPH_NS

# kgcli/, two folders up from kgcli/engine/resources.py.
_PACKAGE = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """Return the folder `ontology`, `graph` or `queries`.

    A wheel carries them in `kgcli/_data/`; an editable install or a source checkout finds them at
    the top of the repository, beside the package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kgcli data folder {name!r} is missing from this installation")


def embedded_files() -> list[Path]:
    """The files of the embedded graph: the ontology modules (not the shapes) and the graph."""
    ontology = [p for p in sorted(data_dir("ontology").glob("*.ttl")) if p.name != "shapes.ttl"]
    graph = sorted(
        p for p in data_dir("graph").iterdir() if p.suffix in {".ttl", ".trig", ".nt", ".nq"}
    )
    return ontology + graph


def shapes_file() -> Path:
    """The SHACL shapes of the embedded graph."""
    return data_dir("ontology") / "shapes.ttl"


def queries_dir() -> Path:
    """The built-in query catalogue."""
    return data_dir("queries")


def embedded_graph_name(path: Path) -> str:
    """The named graph an embedded file is loaded into: stable, whatever the install location."""
    return GRAPH_NS + path.stem
