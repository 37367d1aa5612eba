"""Query results: one set of classes whatever the source (embedded graph, files, store, endpoint).

Terms are pyoxigraph terms (`NamedNode`, `BlankNode`, `Literal`, `Triple`). Local results keep the
engine's native iterator so that renderers can use its fast serialisers; remote results are parsed
into the same pyoxigraph objects (`pyoxigraph.parse_query_results`), so they render identically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph as ox

    Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class SelectResult:
    """Rows of a SELECT query: `variables` in projection order; a row holds terms or None."""

    variables: list[str]
    _rows: Iterable[tuple[Term | None, ...]] = field(repr=False)
    #: The engine's own solution iterator, when nothing has been read from it yet.
    native: ox.QuerySolutions | None = field(default=None, repr=False)
    #: Evaluates the query again from the start: lets a renderer that streamed part of the
    #: engine's own output finish with its own writer (see `kgcli.output.render`).
    rerun: Callable[[], ox.QuerySolutions] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        self.native = None  # once iterated, the native iterator is no longer whole
        return iter(self._rows)

    @classmethod
    def from_solutions(
        cls,
        solutions: ox.QuerySolutions,
        limit: int | None = None,
        rerun: Callable[[], ox.QuerySolutions] | None = None,
    ) -> SelectResult:
        """Wrap a pyoxigraph solution iterator, optionally keeping only its first `limit` rows."""
        variables = [v.value for v in solutions.variables]
        width = len(variables)

        def rows() -> Iterator[tuple[Term | None, ...]]:
            for count, solution in enumerate(solutions):
                if limit is not None and count >= limit:
                    return
                yield tuple(solution[i] for i in range(width))

        if limit is not None:
            return cls(variables, rows())
        return cls(variables, rows(), native=solutions, rerun=rerun)


@dataclass
class AskResult:
    """The answer of an ASK query."""

    value: bool


@dataclass
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query."""

    _triples: Iterable[ox.Triple] = field(repr=False)
    native: ox.QueryTriples | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[ox.Triple]:
        self.native = None
        return iter(self._triples)

    @classmethod
    def from_triples(cls, triples: Iterable[ox.Triple], limit: int | None = None) -> GraphResult:
        """Wrap an iterator of triples, optionally keeping only the first `limit`."""
        import itertools

        if limit is None:
            native = triples if type(triples).__name__ == "QueryTriples" else None
            return cls(triples, native=native)  # type: ignore[arg-type]
        return cls(itertools.islice(triples, limit))


Result = SelectResult | AskResult | GraphResult


def result_of(
    answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    limit: int | None = None,
    rerun: Callable[[], object] | None = None,
) -> Result:
    """The result object of an answer of the engine; `rerun` evaluates the query again."""
    import pyoxigraph as ox

    if isinstance(answer, ox.QuerySolutions):
        return SelectResult.from_solutions(answer, limit, rerun)  # type: ignore[arg-type]
    if isinstance(answer, ox.QueryBoolean):
        return AskResult(bool(answer))
    return GraphResult.from_triples(answer, limit)


def parse_json_results(data: bytes, limit: int | None = None) -> Result:
    """SPARQL JSON results as result objects; a rerun parses the same bytes again."""
    import pyoxigraph as ox

    def parse() -> ox.QuerySolutions | ox.QueryBoolean:
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    return result_of(parse(), limit, parse)
