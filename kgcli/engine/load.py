"""Load RDF files into a pyoxigraph store, one named graph per file."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from kgcli.engine import resources
from kgcli.engine.xmlsafe import check_entities
from kgcli.errors import InputError
from kgcli.limits import check_json_nesting
from kgcli.rdf.iri import file_base, file_graph_name

_BOM = b"\xef\xbb\xbf"
_QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}


@dataclass(frozen=True)
class LoadedFile:
    """A file read into the store: where it came from and the named graph it filled ("" for the
    default graph)."""

    source: str
    graph: str
    format: str


def _open(path: str) -> BinaryIO:
    """Open a file for parsing, with an error line for each way it can be unusable."""
    if path == "-":
        return io.BytesIO(sys.stdin.buffer.read())
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{path}: is a directory, expected an RDF file")
        handle = p.open("rb")
    except (UnicodeEncodeError, ValueError):
        # A NUL, or a lone surrogate that no file system name can hold (Python makes them of
        # argv bytes it cannot decode): no such file can exist. Shown escaped, as it can be printed.
        shown = path.encode("utf-8", "backslashreplace").decode("utf-8")
        raise InputError(
            f"{shown!r}: no such file (the name holds characters no file name can)"
        ) from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read file (permission denied)") from None
    # A UTF-8 byte order mark is legal in the wild but not in Turtle's grammar: skip it.
    if handle.read(3) != _BOM:
        handle.seek(0)
    return handle


def _plain(detail: str) -> str:
    """pyoxigraph's message on one line, with what to do where the engine's words do not say."""
    detail = " ".join(detail.split())
    if "LoadDocumentCallback" in detail:
        return "the JSON-LD @context is remote; kg never fetches it (put the context in the file)"
    if detail.startswith("Invalid UTF-8"):
        return f"{detail}; save the file as UTF-8"
    return detail


def _located(path: str, err: SyntaxError) -> InputError:
    """Turn pyoxigraph's parse error into `file:line:column: message`."""
    message = str(err.msg if hasattr(err, "msg") else err)
    # pyoxigraph says "Parser error between line 2 column 9 and line 3 column 1: detail".
    detail = _plain(message.split(": ", 1)[1] if message.startswith("Parser error") else message)
    if err.lineno is not None:
        return InputError(f"{path}:{err.lineno}:{err.offset or 1}: {detail}")
    return InputError(f"{path}: {detail}")


def load_file(
    store: ox.Store,
    path: str,
    *,
    data_format: str | None = None,
    graph: str | ox.DefaultGraph | None = None,
    bulk: bool = False,
    wrap: Callable[[BinaryIO], Any] | None = None,
) -> LoadedFile:
    """Parse one file into `store`; triples go to the file's named graph.

    `bulk` uses pyoxigraph's bulk loader (for on-disk stores: flat memory, not transactional);
    the default `Store.load` is transactional and, in memory, the faster of the two. `wrap`
    wraps the open file (to count the bytes read for a progress bar).

    In TriG and N-Quads files, quads keep their own graph names and only default-graph
    triples go to the file's graph, so a dataset file round-trips unchanged. `graph` may be
    `ox.DefaultGraph()`: the file's triples then go to the store's default graph.

    Relative IRIs resolve against the file's own IRI (`file_base`); `@base` in JSON-LD,
    `xml:base` in RDF/XML and `@base`/`BASE` in Turtle resolve against it in turn.
    """
    from kgcli.output.formats import rdf_format_for

    name = "-" if path == "-" else str(path)
    handle = _open(name)  # first: a missing file is reported as missing, whatever its name
    try:
        fmt = rdf_format_for("stdin.ttl" if name == "-" and not data_format else name, data_format)
        if fmt == ox.RdfFormat.RDF_XML:
            # pyoxigraph expands a DOCTYPE's entities without a limit: a 1 KiB "billion laughs"
            # would take all memory. Refuse such files before parsing.
            check_entities(handle, name)
        elif fmt == ox.RdfFormat.JSON_LD:
            # Its JSON-LD parser recurses into each nested object: a few thousand levels kill
            # the process (SIGSEGV). Refuse such files before parsing.
            start = handle.tell()
            check_json_nesting(handle, name)
            handle.seek(start)
    except BaseException:
        handle.close()
        raise
    # The default graph has no name: "" says so in the LoadedFile.
    named = "" if isinstance(graph, ox.DefaultGraph) else graph or file_graph_name(name)
    target = ox.NamedNode(named) if named else ox.DefaultGraph()
    try:
        loader = store.bulk_load if bulk else store.load
        loader(
            wrap(handle) if wrap else handle, format=fmt, base_iri=file_base(name), to_graph=target
        )
    except SyntaxError as err:
        raise _located(name, err) from None
    except UnicodeDecodeError as err:
        raise InputError(
            f"{name}: not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8"
        ) from None
    except ValueError as err:
        raise InputError(f"{name}: {_plain(str(err))}") from None
    finally:
        handle.close()
    return LoadedFile(source=name, graph=named, format=fmt.name)


def load_files(
    store: ox.Store, paths: Sequence[str], *, data_format: str | None = None
) -> list[LoadedFile]:
    """Load the user's files, each into its own named graph."""
    return [load_file(store, p, data_format=data_format) for p in paths]


def load_embedded(store: ox.Store) -> list[LoadedFile]:
    """Load the shipped ontology and graph, each file into its stable named graph."""
    loaded = []
    for path in resources.embedded_files():
        done = load_file(store, str(path), graph=resources.embedded_graph_name(path))
        # Name the file as it is in the repository, not where this installation keeps it.
        loaded.append(LoadedFile(f"{path.parent.name}/{path.name}", done.graph, done.format))
    return loaded
