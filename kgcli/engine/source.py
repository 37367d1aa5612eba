"""Where a graph comes from: the embedded graph, the user's files, or an on-disk store.

Every source answers `query(text)` with the same result objects (`kgcli.engine.results`), so
commands never care which one they hold (as rdflib's `SPARQLStore` puts an endpoint behind
`Graph.query`); a SPARQL endpoint is one more `GraphSource` (`kgcli.remote.source`).
"""

from __future__ import annotations

import os
import signal
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kgcli.engine import child
from kgcli.engine.infer import INFERRED_GRAPH, RuleSet, dataset, has_inferences, infer
from kgcli.engine.load import LoadedFile, load_embedded, load_file, load_files
from kgcli.engine.results import GraphResult, Result, parse_json_results, result_of
from kgcli.engine.sparql import ParsedQuery, dataset_graphs, syntax_error_line
from kgcli.errors import InputError, KgError, QueryTimeout


class GraphSource(ABC):
    """A graph to query. Subclasses run SPARQL and return `kgcli.engine.results` objects."""

    #: One line saying what this source is, for `kg info` and error messages.
    description: str = ""

    @abstractmethod
    def query(
        self,
        query: str | ParsedQuery,
        *,
        limit: int | None = None,
        timeout: float | None = None,
        base: str | None = None,
    ) -> Result:
        """Run a SPARQL query (already checked and with parameters bound: its text, or its parsed
        form, which spares tokenizing it again); its relative IRIs resolve against `base`
        (`kgcli.engine.query.prepare` says which)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the source holds (connections, file handles)."""


@dataclass
class LocalSource(GraphSource):
    """An in-memory (or on-disk) pyoxigraph store.

    The default graph is the union of all graphs, or, when `default_graphs` is set (`--default-
    graph`, `--named-graph`), exactly those graphs (`ox.DefaultGraph()` for the store's own
    default graph) while every named graph stays a named graph, as a SPARQL dataset says.
    """

    store: ox.Store
    files: list[LoadedFile] = field(default_factory=list)
    description: str = "embedded graph"
    #: Called by `close` (an on-disk store's reader lock, see `kgcli.engine.store.open_store`).
    release: Callable[[], None] | None = None
    default_graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None
    #: The folder of an on-disk store (`--store`); None in memory.
    store_dir: str | None = None
    #: The named graphs a query sees; None: every one (`kgg:inferred` is hidden without --infer).
    named_graphs: list[ox.NamedNode] | None = None

    def close(self) -> None:
        if self.release is not None:
            self.release()
            self.release = None

    def query(
        self,
        query: str | ParsedQuery,
        *,
        limit: int | None = None,
        timeout: float | None = None,
        base: str | None = None,
    ) -> Result:
        if timeout is not None and hasattr(os, "fork"):
            return self._query_in_child(query, limit, timeout, base)
        return result_of(self._run(query, base), limit, lambda: self._run(query, base))

    def _run(
        self, query: str | ParsedQuery, base: str | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        # A query that names its own dataset with FROM / FROM NAMED gets it: pyoxigraph would
        # otherwise ignore them. Else the union of all graphs, or the dataset the user gave.
        text = query.text if isinstance(query, ParsedQuery) else query
        options: dict[str, object] = {}
        if dataset_graphs(query):
            pass
        elif self.default_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = self.default_graphs
        if self.named_graphs is not None and not dataset_graphs(text):
            options["named_graphs"] = self.named_graphs
        try:
            return self.store.query(text, base_iri=base, **options)  # type: ignore[arg-type]
        except SyntaxError as err:
            raise InputError(syntax_error_line(err, text=text)) from None
        except (OSError, RuntimeError) as err:
            raise KgError(f"query failed: {err}") from None

    def select_tsv(self, text: str | ParsedQuery) -> bytes:
        """A SELECT's results as SPARQL TSV, written by the engine.

        pyoxigraph evaluates and writes the whole result without holding the GIL, so another
        thread can go on meanwhile (`kgcli.network.build` reads one result while the next is made).
        """
        answer = self._run(text)
        if not isinstance(answer, ox.QuerySolutions):
            raise InputError("expected a SELECT query")
        try:
            data = answer.serialize(format=ox.QueryResultsFormat.TSV)
        except (OSError, RuntimeError) as err:
            raise KgError(f"query failed: {err}") from None
        assert data is not None  # no output file given: the bytes are returned
        return data

    def _query_in_child(
        self, query: str | ParsedQuery, limit: int | None, timeout: float, base: str | None
    ) -> Result:
        """Evaluate in a child process (`kgcli.engine.child`), killed at the deadline.

        The child writes the answer in a standard serialisation that the parent parses back
        into the same result objects, and a failure as one line on a pipe.
        """
        with tempfile.TemporaryDirectory(prefix="kg-query-") as tmp:
            out_path = os.path.join(tmp, "result")
            err_r, err_w = os.pipe()

            def work() -> int:
                os.close(err_r)
                try:
                    self._answer_into(out_path, query, base)
                except BaseException as err:  # report any failure to the parent as one line
                    os.write(err_w, f"{type(err).__name__}\0{err}".encode())
                    return 1
                return 0

            writing = [err_w]  # the parent's copy, closed once the child has it

            def started() -> None:
                os.close(writing.pop())

            try:
                status = child.run(work, timeout, started=started)
            finally:
                if writing:  # the fork failed
                    os.close(writing.pop())
                with os.fdopen(err_r, "rb") as pipe:
                    failure = pipe.read().decode("utf-8", "replace")
            if status is None:
                raise QueryTimeout(f"query stopped after the {timeout:g} s timeout (--timeout)")
            if failure:
                kind, _, message = failure.partition("\0")
                raise (InputError if kind == "InputError" else KgError)(message)
            if status != 0:
                hint = " (out of memory?)" if child.killed_by(status) == signal.SIGKILL else ""
                raise KgError(f"query failed: the engine's process {child.ended(status)}{hint}")
            with open(out_path, "rb") as handle:
                tag = handle.read(1)
                data = handle.read()
        if tag == b"G":
            return GraphResult.from_triples(ox.parse(data, format=ox.RdfFormat.N_TRIPLES), limit)
        return parse_json_results(data, limit)

    def _answer_into(self, path: str, query: str | ParsedQuery, base: str | None) -> None:
        """Evaluate and write the answer to `path`: a tag (G graph, S solutions, B boolean),
        then N-Triples or SPARQL JSON."""
        answer = self._run(query, base)
        with open(path, "wb") as out:
            if isinstance(answer, ox.QueryTriples):
                out.write(b"G")
                answer.serialize(out, format=ox.RdfFormat.N_TRIPLES)
            else:
                out.write(b"S" if isinstance(answer, ox.QuerySolutions) else b"B")
                answer.serialize(out, format=ox.QueryResultsFormat.JSON)


def open_store_source(directory: str) -> LocalSource:
    """An on-disk store (`kg store load`), opened read-only."""
    from kgcli.engine import store as stores

    opened = stores.open_store(directory)
    files = [
        LoadedFile(entry.source, graph, entry.format)
        for entry in stores.read_manifest(directory).files
        for graph in entry.graphs
    ]
    source = LocalSource(opened, files, f"store {directory}")
    source.release = lambda: stores.close_store(opened)
    source.store_dir = directory
    if has_inferences(opened):
        # What `kg infer` derived is seen only with --infer (`with_inferences`).
        hidden = dataset(opened, infer=False)
        source.default_graphs = hidden.default_graph  # type: ignore[assignment]
        source.named_graphs = hidden.named_graphs  # type: ignore[assignment]
    return source


def with_inferences(
    source: LocalSource, rules: RuleSet, *, timeout: float | None = None
) -> LocalSource:
    """`source` with stated + derived triples in its default graph (`--infer`).

    An in-memory source gets the closure computed now, into its `kgg:inferred` graph; a store
    is read as `kg infer --store` left it (its rules, not `rules`).
    """
    inferred = ox.NamedNode(INFERRED_GRAPH)
    directory = source.store_dir
    if directory is not None:  # an on-disk store: read-only here
        if not has_inferences(source.store):
            raise InputError(
                f"{directory}: the store holds no derived triples; "
                f"run 'kg infer --store {directory}' first"
            )
        source.default_graphs = None
        source.named_graphs = None
    else:
        infer(source.store, rules, timeout=timeout)
        if source.default_graphs is not None:
            source.default_graphs = [*source.default_graphs, inferred]
    source.description += " + inferred"
    return source


def open_local(
    *,
    data: Sequence[str] = (),
    data_format: str | None = None,
    with_embedded: bool = False,
    store: str | None = None,
    default_graph: Sequence[str] = (),
    named_graph: Sequence[str] = (),
) -> LocalSource:
    """Open a local source: an on-disk store, the user's files, or the embedded graph.

    `default_graph` and `named_graph` files make a SPARQL dataset exactly: the first merged into
    the default graph, the second each a named graph named by its `file:` IRI. `data` files
    (and the embedded graph with `with_embedded`) are then both: named graphs, and part of the
    default graph. Without them the default graph is the union of every graph.
    """
    exact = bool(default_graph or named_graph)
    if store:
        if data or with_embedded:
            raise InputError(
                "--store cannot be combined with --data or --with-embedded "
                f"(add files to the store: kg store load {store} FILE...)"
            )
        if exact:
            raise InputError(
                "--store cannot be combined with --default-graph or --named-graph "
                "(choose the store's graphs with FROM / FROM NAMED)"
            )
        return open_store_source(store)
    paths = [*data, *default_graph, *named_graph]
    if paths.count("-") > 1:
        raise InputError("stdin ('-') can be read only once: give it to one option")
    memory = ox.Store()
    files: list[LoadedFile] = []
    if with_embedded or not paths:
        files += load_embedded(memory)
    files += load_files(memory, data, data_format=data_format)
    # Both are "named graphs and part of the default graph": the embedded files and --data.
    both = [ox.NamedNode(f.graph) for f in files]
    for path in default_graph:
        files.append(load_file(memory, path, data_format=data_format, graph=ox.DefaultGraph()))
    for path in named_graph:
        files.append(load_file(memory, path, data_format=data_format))
    if paths:
        names = ", ".join(paths)
        description = f"{names} + embedded graph" if with_embedded else names
    else:
        description = "embedded graph"
    source = LocalSource(memory, files, description)
    if exact:
        source.default_graphs = [ox.DefaultGraph(), *both]
    return source
