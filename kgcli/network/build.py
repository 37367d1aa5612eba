"""Networks from a graph source: a profile, or a query's result, becomes a networkx graph.

The graph keeps the contract of `docs/network-model.md`: a `MultiDiGraph` (an `nx.Graph` for a
projection), node ids that are IRIs or `_:label`, a `label`, `kind`, `class` and `iri` on every
node, typed data attributes (never None), and edges with `kind`, `predicate`, `label`, `weight`.
Edge keys are the edge's `kind`: parallel relations stay distinct, and a triple stated in two
named graphs stays one edge.

A profile compiles to a few SELECT queries run through `GraphSource.query`, so a network can be
built from the embedded graph, the user's files or a remote endpoint alike: the subclasses of the
profile's classes; the nodes and their types; one query per label property, per attribute
property and per edge property or path; the labels of the edge properties. Each query is a
plain scan or join the engine answers fast. On a local store the engine writes each result as
SPARQL TSV on a second thread while this one reads the one before (see `_Prefetch`), and the
rows are read as N-Triples tokens; nodes and edges go straight into networkx's dicts. Building a
network of 10^5 nodes costs about what extracting its edge list with pyoxigraph costs.
"""

from __future__ import annotations

import datetime as dt
import gc
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgcli.engine.results import AskResult, GraphResult, Result, SelectResult
from kgcli.errors import InputError
from kgcli.network.profile import EdgeRule, NodeClass, Profile
from kgcli.rdf import xsd
from kgcli.rdf.namespaces import (
    OWL,
    RDF_LANG_STRING,
    RDF_TYPE,
    RDFS_LABEL,
    RDFS_RESOURCE,
    RDFS_SUBCLASS_OF,
    SKOS_PREF_LABEL,
    compact_iri,
    local_name,
    merged_prefixes,
    prefix_block,
)

if TYPE_CHECKING:
    import networkx as nx

    from kgcli.engine.results import Term
    from kgcli.engine.source import GraphSource, LocalSource
    from kgcli.engine.sparql import ParsedQuery

Value = str | int | float | bool | dt.date | dt.datetime

#: Node attributes the model defines; data attributes never take these names.
RESERVED = frozenset({"label", "kind", "class", "iri", "start", "end", "rdfType", "kindDerived"})
#: Classes that say nothing about what a thing is, passed over when choosing a node's kind.
_VACUOUS_TYPES = frozenset(
    {
        OWL + "NamedIndividual",
        OWL + "Thing",
        RDFS_RESOURCE,
    }
)
_DATE_RE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
#: How many distinct literals of one attribute are remembered once converted.
_CONVERTED_MAX = 65536
_TIME_TEXT_RE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")


# --- terms and values --------------------------------------------------------------------------


def node_id(term: object) -> str | None:
    """The node id of a term: an IRI, `_:label` for a blank node, None for anything else."""
    if term.__class__ is ox.NamedNode:
        return term.value
    if term.__class__ is ox.BlankNode:
        return "_:" + term.value
    return None


def python_value(literal: ox.Literal) -> Value:
    """A literal as a typed Python value.

    xsd integers -> int, decimal/double/float -> float (when finite), boolean -> bool, date ->
    `datetime.date`, dateTime -> `datetime.datetime`; everything else, gYear and gYearMonth
    included, is its text (`"2018-11"`). A value outside its datatype's lexical space stays text.
    """
    text = literal.value
    datatype = literal.datatype.value
    found: Value | None = None
    if datatype in xsd.INTEGER_TYPES:
        found = xsd.integer(text)
    elif datatype in xsd.FLOAT_TYPES:
        found = xsd.double(text)  # a decimal too: a float here; too large: text
    elif datatype == xsd.BOOLEAN:
        found = xsd.boolean(text)
    elif datatype == xsd.DATE:
        found = _date(text)
    elif datatype == xsd.DATE_TIME:
        with suppress(ValueError):
            found = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return text if found is None else found


def _date(text: str) -> dt.date | None:
    """An xsd:date of a year in four digits as a date (its time zone dropped); else None."""
    found = _DATE_RE.fullmatch(text)
    if found and not found.group(1).startswith("-") and len(found.group(1)) == 4:
        try:
            return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            pass
    return None


def text_of(value: Value) -> str:
    """A value as text, as it would be written in RDF (ISO dates, `true`, numbers as Python)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def time_value(value: Value) -> dt.date | str | None:
    """A value usable as `start`/`end`: a date, or text `YYYY`, `YYYY-MM` or `YYYY-MM-DD`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999:
        return f"{value:04d}"
    if isinstance(value, str) and _TIME_TEXT_RE.fullmatch(value):
        return value
    return None


# --- terms written as N-Triples tokens -----------------------------------------------------------

_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else _ECHAR.get(match.group(3), match.group(0))


def literal_parts(token: str) -> tuple[str, str | None, str] | None:
    """(text, language, datatype IRI) of a literal written as in N-Triples or a SPARQL TSV cell
    (where a number or boolean may stand bare: `1`, `1.5`, `1e3`, `true`); None for an IRI, a
    blank node or an unbound (empty) cell.

    pyoxigraph parses the same text too, but into objects that cost more than the whole network
    build can afford per row (see `_Prefetch`); `test_network.py` checks this parser against it.
    """
    if token[:1] == '"':
        end = token.rindex('"')  # a language tag or datatype IRI holds no quote
        text = token[1:end]
        if "\\" in text:
            text = _ESCAPE_RE.sub(_unescape, text)
        suffix = token[end + 1 :]
        if not suffix:
            return text, None, xsd.STRING
        if suffix[0] == "@":
            return text, suffix[1:], RDF_LANG_STRING
        return text, None, suffix[3:-1]  # ^^<datatype>
    if token == "true" or token == "false":
        return token, None, xsd.BOOLEAN
    if token[:1] in _NUMBER_START:
        if xsd.INTEGER_LEXICAL.fullmatch(token):
            return token, None, xsd.INTEGER
        return token, None, xsd.DOUBLE if "e" in token or "E" in token else xsd.DECIMAL
    return None


_NUMBER_START = frozenset("+-.0123456789")


def token_literal(token: str) -> ox.Literal | None:
    """The literal an N-Triples token writes, as a pyoxigraph term (None if it is no literal)."""
    parts = literal_parts(token)
    if parts is None:
        return None
    text, language, datatype = parts
    if language is not None:
        return ox.Literal(text, language=language)
    return ox.Literal(text, datatype=ox.NamedNode(datatype))


def token_node_id(token: str) -> str | None:
    """The node id of an N-Triples token (`<iri>` or `_:label`), None for anything else."""
    if token[:1] == "<" and token[1:2] != "<":  # `<<` opens a triple term
        return token[1:-1]
    if token[:2] == "_:":
        return token
    return None


def _token(term: object) -> str:
    """A term as its N-Triples token; an unbound value as the empty string (as in TSV)."""
    return "" if term is None else str(term)


class LanguageRank:
    """Ranks language tags for a wanted language (lower is better).

    0 the wanted tag; 1 the same language otherwise (`en-GB` for `en`, `en` for `en-GB`); 2 no
    tag; 3 English, the language of the embedded graph; 4 any other tag.
    """

    def __init__(self, wanted: str = "en") -> None:
        self.wanted = wanted.lower()
        self.primary = self.wanted.split("-")[0]
        self._cache: dict[str | None, int] = {}

    def __call__(self, language: str | None) -> int:
        found = self._cache.get(language)
        if found is None:
            if language is None:
                found = 2
            else:
                tag = language.lower()
                primary = tag.split("-")[0]
                if tag == self.wanted:
                    found = 0
                elif primary == self.primary:
                    found = 1
                elif primary == "en":
                    found = 3
                else:
                    found = 4
            self._cache[language] = found
        return found


# --- reading rows ------------------------------------------------------------------------------


def _rows(result: Result) -> Iterable[Any]:
    """The rows of a SELECT result, from the engine's own iterator when it made them.

    `SelectResult.__iter__` rebuilds each row as a tuple through a generator; the engine's
    solutions unpack just the same, at a third of the cost per row, which matters at 10^5 rows.
    """
    if not isinstance(result, SelectResult):
        raise TypeError("expected a SELECT result")
    return result.native if result.native is not None else result


def _select(source: GraphSource, text: str, timeout: float | None) -> Iterable[Any]:
    """Run a compiled SELECT on the source and return its rows."""
    from kgcli.engine.sparql import check_safe, parse

    parsed = parse(text)
    check_safe(parsed)  # a profile from elsewhere must not reach the network through a path
    return _rows(source.query(parsed, timeout=timeout))


class _Prefetch:
    """Runs SELECTs on a local store in order on a daemon thread, `ahead` results ahead of the
    reader, each serialised by the engine as SPARQL TSV; yields each one's rows as token lists.

    pyoxigraph holds the GIL while a solution iterator makes each row's objects, but not while it
    writes a whole result: so the engine evaluates the next query on the second core while this
    thread reads the one before, and a row costs one `str.split` instead of three objects. This
    is what brings a 10^5-node build within 2x of extracting its edge list (benchmarks/).
    """

    def __init__(
        self, source: LocalSource, texts: Sequence[str | ParsedQuery], ahead: int = 2
    ) -> None:
        self._texts = list(texts)
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        # A daemon: an interrupted build must not wait for a long query to finish before exit.
        self._thread = threading.Thread(
            target=self._work, args=(source,), name="kg-network-rows", daemon=True
        )
        self._thread.start()

    def _work(self, source: LocalSource) -> None:
        for text in self._texts:
            item: bytes | BaseException
            try:
                item = source.select_tsv(text)
            except BaseException as err:  # handed to the reader, raised there
                item = err
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if isinstance(item, BaseException) or self._stop.is_set():
                return

    def __iter__(self) -> Iterator[_Lines]:
        try:
            for _ in self._texts:
                item = self._queue.get()
                if isinstance(item, BaseException):
                    raise item
                lines = item.decode("utf-8").split("\n")
                del item
                if lines[-1] == "":
                    lines.pop()
                del lines[0]  # the header: ?s ?o
                yield _Lines(lines)
        finally:
            self._stop.set()


class _Lines:
    """The rows of a TSV result: its lines, split at tabs as they are read."""

    __slots__ = ("lines",)

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[list[str]]:
        return map(str.split, self.lines, repeat("\t", len(self.lines)))


def _token_rows(
    source: GraphSource, texts: Sequence[str], timeout: float | None
) -> Iterator[_Lines | list[list[str]]]:
    """The rows of each SELECT of `texts`, in order, as N-Triples tokens ('' when unbound).

    On a local store (without a timeout) the queries start at once, on another thread.
    """
    from kgcli.engine.source import LocalSource
    from kgcli.engine.sparql import check_safe, parse

    parsed = [parse(text) for text in texts]
    for query in parsed:
        check_safe(query)  # a profile from elsewhere must not reach the network through a path
    if isinstance(source, LocalSource) and timeout is None:
        return iter(_Prefetch(source, parsed))
    return (
        [[_token(term) for term in row] for row in _rows(source.query(query, timeout=timeout))]
        for query in parsed
    )


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small containers are made.

    None of them is garbage, yet each collection walks them all: with the collector on, building
    a 10^5-node network takes half as long again. The collector runs as usual afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _iri_list(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def _label_path(properties: Sequence[str]) -> str:
    return "|".join(f"<{p}>" for p in properties)


# --- profiles --------------------------------------------------------------------------------


class _Hierarchy:
    """The subclasses of each profile class, and how deep each sits (deeper is more specific)."""

    def __init__(self, nodes: Sequence[NodeClass]) -> None:
        self.members: list[set[str]] = [{n.iri} for n in nodes]
        self.depth: dict[str, int] = {}

    def load(self, source: GraphSource, nodes: Sequence[NodeClass], timeout: float | None) -> None:
        classes = _iri_list(dict.fromkeys(n.iri for n in nodes))
        sub = f"<{RDFS_SUBCLASS_OF}>"
        text = (
            "SELECT DISTINCT ?class ?sub ?super WHERE {\n"
            f"  VALUES ?class {{ {classes} }}\n"
            f"  ?sub {sub}* ?class FILTER(isIRI(?sub))\n"
            f"  OPTIONAL {{ ?sub {sub}+ ?super . ?super {sub}* ?class }}\n"
            "}"
        )
        supers: dict[str, set[str]] = {}
        for cls, sub, sup in _select(source, text, timeout):
            sub_iri = sub.value
            for index, node in enumerate(nodes):
                if node.iri == cls.value:
                    self.members[index].add(sub_iri)
            found = supers.setdefault(sub_iri, set())
            if sup is not None and sup.value != sub_iri:
                found.add(sup.value)
        self.depth = {iri: len(found) for iri, found in supers.items()}

    def types(self) -> list[str]:
        return sorted(set().union(*self.members))


def build_network(
    source: GraphSource,
    profile: Profile,
    *,
    lang: str = "en",
    timeout: float | None = None,
    multi: bool = False,
) -> nx.MultiDiGraph | nx.DiGraph | nx.Graph:
    """Build the network a profile describes from any graph source.

    Nodes are the instances of the profile's classes (or of their subclasses); edges are the
    profile's properties or paths between two nodes; literal properties become typed attributes.
    Each related pair is one edge listing its relations (`kgcli.network.relations`: a relation
    and its inverse are one), in an `nx.DiGraph`; with `multi`, each relation stays an edge of its
    own, in an `nx.MultiDiGraph`. A profile with a projection returns the projected, weighted
    `nx.Graph`. `lang` is the label language preferred (see `LanguageRank` for the others).
    On a source that holds derived triples (`--infer`), each edge has `provenance` and a node
    whose kind only derived types give has `kindDerived` (docs/network-model.md).
    """
    import networkx as nx

    from kgcli import __version__

    if profile.generic:
        return build_generic(source, profile, lang=lang, timeout=timeout, multi=multi)
    rank = LanguageRank(lang)
    hierarchy = _Hierarchy(profile.nodes)
    hierarchy.load(source, profile.nodes, timeout)
    # A node's kind is the most specific of the profile's classes it belongs to (one that is a
    # subclass of the most others the profile names; among unrelated ones, the first in the
    # file), the same rule in every profile; with `kinds = "type"`, its own most specific type.
    listed = [n.iri for n in profile.nodes]
    specificity = [sum(1 for members in hierarchy.members if iri in members) for iri in listed]
    types: dict[str, _Type] = {}
    for iri in hierarchy.types():
        entries = frozenset(i for i, members in enumerate(hierarchy.members) if iri in members)
        entry = min(entries, key=lambda i: (-specificity[i], i))
        depth = hierarchy.depth.get(iri, 0)
        if profile.kinds == "type":
            fixed = profile.nodes[entry].kind
            kind = fixed or local_name(iri)
            cls = listed[entry] if fixed else iri
        else:
            kind = profile.nodes[entry].kind or local_name(listed[entry])
            cls = listed[entry]
        types[iri] = _Type(
            rank=(-specificity[entry], entry, -depth, iri),
            entries=entries,
            kind=kind,
            cls=cls,
            rdf_type=compact_iri(iri, profile.prefixes),
        )
    typed = f"VALUES ?type {{ {_iri_list(types)} }} ?node <{RDF_TYPE}> ?type"
    stated = stated_view(source)
    graph = nx.MultiDiGraph()
    with _no_gc():
        (node_rows,) = _token_rows(source, [f"SELECT ?node ?type WHERE {{ {typed} }}"], timeout)
        # The rest in one sequence, started now, so that the engine runs each query while the
        # one before is read: labels, attributes, then edges.
        label_texts = _label_queries(profile.labels, typed, scan=len(node_rows) >= LABEL_SCAN_MIN)
        attribute_texts = [
            f"SELECT ?node ?value WHERE {{ ?node <{rule.property}> ?value "
            "FILTER(isLiteral(?value)) }"
            for rule in profile.attributes
        ]
        edge_texts = []
        for rule in profile.edges:
            where = f"<{rule.property}>" if rule.property else (rule.path or "")
            prologue = "" if rule.property else prefix_block(profile.prefixes)
            # Literal objects are dropped while reading (they are no node): a FILTER here
            # would cost a fifth of the query.
            edge_texts.append(f"{prologue}SELECT ?s ?o WHERE {{ ?s {where} ?o }}")
        results = _token_rows(source, label_texts + attribute_texts + edge_texts, timeout)
        found = _collect_nodes(node_rows, types, graph)
        del node_rows

        predicates = [_predicate_of(rule, profile.prefixes) for rule in profile.edges]
        unlabelled = [p for p, r in zip(predicates, profile.edges, strict=True) if r.label is None]
        edge_labels = _property_labels(source, unlabelled, profile.labels, rank, timeout)
        _node_labels([next(results) for _ in label_texts], found.ids, graph._node, rank)
        _profile_attributes(profile, results, found.ids, graph._node, rank)
        for rule, predicate, rows in zip(profile.edges, predicates, results, strict=True):
            name = rule.label or edge_labels.get(predicate or "") or local_name(rule.kind)
            template: dict[str, Any] = {"kind": rule.kind, "label": name, "weight": rule.weight}
            if predicate:
                template["predicate"] = predicate
            _add_edges(graph, rows, found.ids, rule.kind, template)
        if stated is not None:
            _mark_provenance(graph, stated, edge_texts, profile.edges, found.ids, timeout)
            (stated_types,) = _token_rows(
                stated, [f"SELECT ?node ?type WHERE {{ {typed} }}"], timeout
            )
            _mark_derived_kinds(stated_types, types, found, graph._node)
    nx._clear_cache(graph)

    graph.graph.update(
        {
            "title": profile.title,
            "description": profile.description,
            "creator": f"kgcli {__version__}",
            "source": profile.name,
            "kinds": _ordered_kinds(found.types.values()),
        }
    )
    if profile.projection is None:
        if multi:
            return graph
        from kgcli.network.relations import merge_relations

        kinds = {rule.kind: p for rule, p in zip(profile.edges, predicates, strict=True) if p}
        inverses = _inverses(source, kinds, profile.prefixes, profile.labels, rank, timeout)
        return merge_relations(graph, inverses, [rule.kind for rule in profile.edges])
    classes = [n.iri for n in profile.nodes]
    projection = profile.projection
    keep = frozenset(classes.index(c) for c in projection.keep)
    via = frozenset(classes.index(c) for c in projection.via)
    return project(
        graph,
        lambda nid: bool(found.entries(nid) & keep),
        lambda nid: bool(found.entries(nid) & via),
        kind=projection.kind,
        label=projection.label,
        isolated=projection.isolated,
    )


@dataclass(frozen=True)
class _Type:
    """What a node of this rdf:type becomes: its rank among a node's types, kind and class."""

    rank: tuple[int, int, int, str]
    entries: frozenset[int]
    kind: str
    cls: str
    rdf_type: str


@dataclass
class _Nodes:
    """The nodes found: each node's chosen type, its profile classes if several, and the id of
    each node's N-Triples token (tokens of later queries are looked up there, and the ids are
    then one shared string per node)."""

    types: dict[str, _Type]
    several: dict[str, frozenset[int]]
    ids: dict[str, str]

    def entries(self, nid: str) -> frozenset[int]:
        found = self.several.get(nid)
        return found if found is not None else self.types[nid].entries


def _collect_nodes(
    rows: Iterable[Sequence[str]], types: Mapping[str, _Type], graph: nx.MultiDiGraph
) -> _Nodes:
    """Add the nodes of the (node, type) rows, each with the kind of its most telling type.

    Nodes go straight into the graph's own dicts, as add_nodes_from puts them, without its
    per-node checks: each id is new.
    """
    chosen: dict[str, _Type] = {}
    several: dict[str, frozenset[int]] = {}
    ids: dict[str, str] = {}
    node_data, succ, pred = graph._node, graph._succ, graph._pred
    by_token = {f"<{iri}>": type_ for iri, type_ in types.items()}
    for node, type_token in rows:
        type_ = by_token[type_token]
        nid = ids.get(node)
        if nid is None:
            found = token_node_id(node)
            if found is None:
                continue
            ids[node] = nid = found
            chosen[nid] = type_
            node_data[nid] = {
                "kind": type_.kind,
                "class": type_.cls,
                "iri": nid,
                "rdfType": type_.rdf_type,
            }
            succ[nid] = {}
            pred[nid] = {}
            continue
        old = chosen[nid]
        if type_ is not old:
            several[nid] = several.get(nid, old.entries) | type_.entries
            if type_.rank < old.rank:
                chosen[nid] = type_
                node_data[nid].update(kind=type_.kind, rdfType=type_.rdf_type)
                node_data[nid]["class"] = type_.cls
    return _Nodes(chosen, several, ids)


#: From this many (node, type) rows on, labels are read by scanning each label property whole
#: rather than by joining it to the nodes' types: the engine scans a property three times as fast
#: as it joins, so the scan wins unless most labelled things are not in the network.
LABEL_SCAN_MIN = 10_000


def _label_queries(properties: Sequence[str], typed: str, *, scan: bool) -> list[str]:
    """One SELECT ?node ?label per label property: a scan, or joined to the nodes' types."""
    texts = []
    for prop in properties:
        where = f"?node <{prop}> ?label FILTER(isLiteral(?label))"
        if not scan:
            where = f"{typed} . {where}"
        texts.append(f"SELECT ?node ?label WHERE {{ {where} }}")
    return texts


def _node_labels(
    results: Sequence[Iterable[Sequence[str]]],
    ids: Mapping[str, str],
    node_data: Mapping[str, dict[str, Any]],
    rank: LanguageRank,
) -> None:
    """Label each node: by language rank, then the order of the label properties (one result
    each), then text; else the local name of its IRI.

    Most nodes have one label, so the common case stores the text and nothing else; ranks are
    computed only for the nodes that have several.
    """
    best: dict[str, tuple[str, str | None]] = {}  # node -> (text, language)
    later: dict[str, int] = {}  # the property rank of labels not from the first property
    for order, rows in enumerate(results):
        for node, token in rows:
            nid = ids.get(node)
            if nid is None:
                continue
            parts = literal_parts(token)
            if parts is None:
                continue
            text, language, _ = parts
            if nid in best:
                old_text, old_language = best[nid]
                old_key = (rank(old_language), later.get(nid, 0), old_text)
                if (rank(language), order, text) >= old_key:
                    continue
            best[nid] = (text, language)
            node_data[nid]["label"] = text
            if order:
                later[nid] = order
    if len(best) < len(node_data):
        for nid, data in node_data.items():
            if "label" not in data:
                data["label"] = _fallback_label(nid)


def _add_edges(
    graph: nx.MultiDiGraph,
    rows: Iterable[Sequence[str]],
    ids: Mapping[str, str],
    kind: str,
    template: Mapping[str, Any],
) -> None:
    """Add the (subject, object) rows whose two ends are nodes, as edges keyed by `kind`.

    This is MultiDiGraph.add_edges_from's own bookkeeping (the same dicts, shared between
    `_succ` and `_pred`) without its per-edge call to add_edge, which alone took 2.5 times as long
    as reading the rows; `test_network.py` checks that the graphs are equal. A triple found twice
    (in two named graphs) is one edge.
    """
    succ, pred = graph._succ, graph._pred
    for subject, obj in rows:
        s = ids.get(subject)
        if s is not None:
            o = ids.get(obj)  # None for a literal: never a node
            if o is not None:
                out = succ[s]
                if o in out:
                    keyed = out[o]
                    if kind not in keyed:
                        keyed[kind] = {**template}
                else:
                    out[o] = pred[o][s] = {kind: {**template}}


def stated_view(source: GraphSource) -> LocalSource | None:
    """The stated triples of a source whose default graph holds derived ones (`--infer`: the
    store's `kgg:inferred`); None when it holds none, as without `--infer` or on an endpoint.

    The view is the same store with `kgg:inferred` left out of the dataset, so that any query
    (a profile's path too) can be asked of the stated triples alone.
    """
    from dataclasses import replace

    from kgcli.engine.infer import INFERRED_GRAPH, has_inferences
    from kgcli.engine.source import LocalSource

    if not isinstance(source, LocalSource) or not has_inferences(source.store):
        return None
    inferred = ox.NamedNode(INFERRED_GRAPH)
    # Graph names as the store gives them (blank nodes too), which LocalSource passes on as is.
    named: list[Any] = [g for g in source.store.named_graphs() if g != inferred]
    if source.default_graphs is None:
        default: list[Any] = [ox.DefaultGraph(), *named]
    elif inferred in source.default_graphs:
        default = [g for g in source.default_graphs if g != inferred]
    else:
        return None  # derived triples kept out of the default graph: the network sees none
    if source.named_graphs is not None:
        named = [g for g in source.named_graphs if g != inferred]
    return replace(source, default_graphs=default, named_graphs=named, release=None)


def _mark_provenance(
    graph: nx.MultiDiGraph,
    stated: GraphSource,
    edge_texts: Sequence[str],
    rules: Sequence[EdgeRule],
    ids: Mapping[str, str],
    timeout: float | None,
) -> None:
    """Give each edge `provenance`: "stated" when its property (or path) holds over the stated
    triples alone, else "derived" (docs/network-model.md, "Stated or derived")."""
    held: dict[str, set[tuple[str, str]]] = {}
    for rule, rows in zip(rules, _token_rows(stated, edge_texts, timeout), strict=True):
        pairs = held.setdefault(rule.kind, set())
        for subject, obj in rows:
            s, o = ids.get(subject), ids.get(obj)
            if s is not None and o is not None:
                pairs.add((s, o))
    for u, v, kind, data in graph.edges(keys=True, data=True):
        data["provenance"] = "stated" if (u, v) in held.get(kind, ()) else "derived"


def _mark_derived_kinds(
    rows: Iterable[Sequence[str]],
    types: Mapping[str, _Type],
    found: _Nodes,
    node_data: Mapping[str, dict[str, Any]],
) -> None:
    """Set `kindDerived` (True) on each node whose kind its stated types alone would not give
    it, or that is in the network only through a derived type."""
    best: dict[str, _Type] = {}
    by_token = {f"<{iri}>": type_ for iri, type_ in types.items()}
    for node, type_token in rows:
        nid = found.ids.get(node)
        type_ = by_token.get(type_token)
        if nid is not None and type_ is not None:
            old = best.get(nid)
            if old is None or type_.rank < old.rank:
                best[nid] = type_
    for nid, chosen in found.types.items():
        own = best.get(nid)
        if own is None or (own.kind, own.cls) != (chosen.kind, chosen.cls):
            node_data[nid]["kindDerived"] = True


def _predicate_of(rule: EdgeRule, prefixes: Mapping[str, str]) -> str | None:
    """The predicate IRI of an edge rule: its property, or the IRI its kind names, if any."""
    if rule.property:
        return rule.property
    prefix, colon, local = rule.kind.partition(":")
    if colon and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return None


def _fallback_label(nid: str) -> str:
    return nid if nid.startswith("_:") else local_name(nid)


def _ordered_kinds(chosen: Iterable[_Type]) -> list[str]:
    """Kinds in the order of the profile's classes; the kinds of one class sorted by name."""
    distinct = {id(t): t for t in chosen}  # a few objects shared by many nodes
    ordered: dict[str, None] = {}
    for _, kind in sorted((t.rank[1], t.kind) for t in distinct.values()):
        ordered.setdefault(kind)
    return list(ordered)


def _profile_attributes(
    profile: Profile,
    results: Iterator[Iterable[Sequence[str]]],
    ids: Mapping[str, str],
    node_data: Mapping[str, dict[str, Any]],
    rank: LanguageRank,
) -> None:
    """Set the nodes' attributes from one result per attribute property, and `start`/`end`."""
    found_types: dict[str, set[type]] = {}
    for rule in profile.attributes:
        first: dict[str, str] = {}
        several: dict[str, list[str]] = {}
        for node, token in next(results):
            nid = ids.get(node)
            if nid is None:
                continue
            if nid not in first:
                first[nid] = token
            elif token != first[nid]:  # not the same triple from another named graph
                values = several.setdefault(nid, [first[nid]])
                if token not in values:
                    values.append(token)
        name, start, end = rule.name, rule.start, rule.end
        dated = start or end
        types = found_types.setdefault(name, set())
        # Values repeat (years, flags, categories): convert each distinct literal once.
        converted: dict[str, tuple[Value, dt.date | str | None]] = {}
        for nid, token in first.items():
            if nid in several:
                literals = [lit for t in several[nid] if (lit := token_literal(t)) is not None]
                value = _one_value(literals, rank)
                when = time_value(value) if dated else None
            elif token in converted:
                value, when = converted[token]
            else:
                literal = token_literal(token)
                if literal is None:
                    continue
                value = python_value(literal)
                when = time_value(value) if dated else None
                if len(converted) < _CONVERTED_MAX:
                    converted[token] = (value, when)
            types.add(value.__class__)
            attrs = node_data[nid]
            attrs[name] = value
            if dated and when is not None:
                if start and "start" not in attrs:
                    attrs["start"] = when
                if end and "end" not in attrs:
                    attrs["end"] = when
    mixed = [name for name, found in found_types.items() if len(found) > 1]
    if mixed:
        unify_types(node_data.values(), mixed)


def _one_value(literals: Sequence[ox.Literal], rank: LanguageRank) -> Value:
    """One value from several: texts of the best language joined with '; ', else the least."""
    if len(literals) == 1:
        return python_value(literals[0])
    values = [python_value(lit) for lit in dict.fromkeys(literals)]
    if all(isinstance(v, str) for v in values):
        # The texts of one language: the best ranked, the first tag by name among equals.
        best = min((rank(lit.language), lit.language or "") for lit in literals)
        texts = {lit.value for lit in literals if (rank(lit.language), lit.language or "") == best}
        return "; ".join(sorted(texts))
    kinds = {type(v) for v in values}
    if len(kinds) == 1:
        return min(values)
    return "; ".join(sorted({text_of(v) for v in values}))


def unify_types(
    attribute_maps: Iterable[dict[str, Any]], names: Iterable[str] | None = None
) -> None:
    """Give each attribute (of `names`, default all) one Python type across the graph:
    int+float -> float, anything else mixed -> text."""
    maps = list(attribute_maps)
    only = set(names) if names is not None else None
    types: dict[str, set[type]] = {}
    for attrs in maps:
        for name, value in attrs.items():
            if only is None or name in only:
                types.setdefault(name, set()).add(type(value))
    for name, found in types.items():
        if len(found) < 2:
            continue
        to_float = found == {int, float}
        for attrs in maps:
            if name in attrs:
                value = attrs[name]
                attrs[name] = float(value) if to_float else text_of(value)


def _property_labels(
    source: GraphSource,
    properties: Sequence[str | None],
    label_properties: Sequence[str],
    rank: LanguageRank,
    timeout: float | None,
) -> dict[str, str]:
    """property IRI -> its label in the graph (an ontology loaded with the data), if any."""
    wanted = [p for p in dict.fromkeys(properties) if p]
    if not wanted:
        return {}
    text = (
        "SELECT ?p ?label WHERE {\n"
        f"  VALUES ?p {{ {_iri_list(wanted)} }}\n"
        f"  ?p {_label_path(label_properties)} ?label FILTER(isLiteral(?label))\n"
        "}"
    )
    found: dict[str, tuple[int, str]] = {}
    for prop, label in _select(source, text, timeout):
        candidate = (rank(label.language), label.value)
        if prop.value not in found or candidate < found[prop.value]:
            found[prop.value] = candidate
    return {iri: text for iri, (_, text) in found.items()}


#: What the generic profile leaves out unless asked for the schema: the resources that are
#: classes, properties, ontologies, restrictions or shapes, and the triples that describe them.
_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SH = "http://www.w3.org/ns/shacl#"
SCHEMA_TYPES = (
    *(_OWL + t for t in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")),
    *(_OWL + t for t in ("Ontology", "Restriction", "TransitiveProperty", "SymmetricProperty")),
    *(_OWL + t for t in ("FunctionalProperty", "InverseFunctionalProperty", "AllDifferent")),
    *(_OWL + t for t in ("AsymmetricProperty", "ReflexiveProperty", "IrreflexiveProperty")),
    *(_OWL + t for t in ("DeprecatedClass", "DeprecatedProperty", "OntologyProperty")),
    _RDFS + "Class",
    _RDFS + "Datatype",
    _RDF + "Property",
    _SH + "NodeShape",
    _SH + "PropertyShape",
)


def build_generic(
    source: GraphSource,
    profile: Profile,
    *,
    lang: str = "en",
    timeout: float | None = None,
    multi: bool = False,
    schema: bool | None = None,
) -> nx.MultiDiGraph | nx.DiGraph:
    """The generic profile: any RDF as a network, with no profile written for it.

    Every IRI or blank node that is the subject of a triple, or the object of a link, is a
    node; every triple between two of them an edge, its kind the predicate; a node's kind is its
    most specific `rdf:type` (by the `rdfs:subClassOf` the data states), its literals its
    attributes, `rdfs:label`/`skos:prefLabel` its label. Classes, properties, ontologies,
    restrictions and shapes, the triples about them (`SCHEMA_TYPES`) and the cells of RDF
    lists are left out unless `schema` (default: the profile's own `schema`).
    """
    with_schema = profile.schema if schema is None else schema
    if with_schema:
        where = "?s ?p ?o"
    else:
        meta = _iri_list(SCHEMA_TYPES)
        where = (
            "?s ?p ?o\n"
            f"  FILTER NOT EXISTS {{ VALUES ?meta {{ {meta} }} ?s a ?meta }}\n"
            f"  FILTER(!isIRI(?o) || ?p = <{RDF_TYPE}> || "
            f"NOT EXISTS {{ VALUES ?meta {{ {meta} }} ?o a ?meta }})\n"
            # The cells of RDF lists (owl:unionOf, sh:in...) are structure, not things.
            f"  FILTER(?p NOT IN (<{_RDF}first>, <{_RDF}rest>) && ?o != <{_RDF}nil>)"
        )
    text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{\n  {where}\n}}"
    from kgcli.engine.sparql import check_safe

    check_safe(text)
    result = source.query(text, timeout=timeout)
    view = stated_view(source)
    stated = view.query(text, timeout=timeout) if view is not None else None
    supers: dict[str, set[str]] = {}
    closure = f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{_RDFS}subClassOf>+ ?b FILTER(isIRI(?b)) }}"
    for a, b in _select(source, closure, timeout):
        supers.setdefault(a.value, set()).add(b.value)
    graph = network_from_result(
        result,
        name=profile.name,
        title=profile.title,
        description=profile.description,
        query_text=profile.name,
        lang=lang,
        prefixes=profile.prefixes,
        source=source,
        timeout=timeout,
        multi=multi,
        supers=supers,
        stated=stated,
    )
    graph.graph["source"] = profile.name
    return graph


def _inverses(
    source: GraphSource,
    kinds: Mapping[str, str],
    prefixes: Mapping[str, str],
    label_properties: Sequence[str],
    rank: LanguageRank,
    timeout: float | None,
) -> dict[str, Any]:
    """edge kind -> how it reads backwards (`Inverse`), for the predicates (kind -> IRI) whose
    inverse the graph declares (`owl:inverseOf` either way, or `owl:SymmetricProperty`)."""
    from kgcli.network.relations import Inverse

    if not kinds:
        return {}
    owl = "http://www.w3.org/2002/07/owl#"
    text = (
        "SELECT DISTINCT ?p ?q WHERE {\n"
        f"  VALUES ?p {{ {_iri_list(dict.fromkeys(kinds.values()))} }}\n"
        f"  {{ ?p <{owl}inverseOf> ?q }} UNION {{ ?q <{owl}inverseOf> ?p }}\n"
        f"  UNION {{ ?p a <{owl}SymmetricProperty> BIND(?p AS ?q) }}\n"
        "  FILTER(isIRI(?q))\n"
        "}"
    )
    found: dict[str, str] = {}
    for p, q in _select(source, text, timeout):
        found.setdefault(p.value, q.value)
    if not found:
        return {}
    labels = _property_labels(source, list(found.values()), label_properties, rank, timeout)
    out = {}
    for kind, predicate in kinds.items():
        inverse = found.get(predicate)
        if inverse is not None:
            out[kind] = Inverse(
                compact_iri(inverse, prefixes), labels.get(inverse) or local_name(inverse), inverse
            )
    return out


# --- projection ----------------------------------------------------------------------------------


def project(
    graph: nx.Graph,
    keep: Callable[[str], bool],
    via: Callable[[str], bool],
    *,
    kind: str = "shares",
    label: str = "shares",
    isolated: bool = True,
) -> nx.Graph:
    """The bipartite projection: kept nodes, linked by the number of `via` nodes they share.

    Edges between a kept and a via node count in either direction, whatever their kind. Each
    projected edge has `weight` (the number shared, as a float) and `shared` (their labels).
    Nodes that share nothing stay unless `isolated` is false.
    """
    import networkx as nx

    kept = [n for n in graph if keep(n)]
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    pairs: dict[tuple[str, str], list[str]] = {}
    for via_node in (n for n in graph if via(n)):
        members = sorted(n for n in undirected[via_node] if n != via_node and keep(n))
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.setdefault((a, b), []).append(via_node)
    projected = nx.Graph()
    projected.graph.update(graph.graph)
    projected.graph["kinds"] = [
        k for k in graph.graph.get("kinds", []) if any(graph.nodes[n]["kind"] == k for n in kept)
    ]
    linked_nodes = {n for pair in pairs for n in pair}
    projected.add_nodes_from(
        (n, dict(graph.nodes[n])) for n in kept if isolated or n in linked_nodes
    )
    projected.add_edges_from(
        (
            a,
            b,
            {
                "kind": kind,
                "label": label,
                "weight": float(len(shared)),
                "shared": "; ".join(sorted(graph.nodes[s]["label"] for s in shared)),
            },
        )
        for (a, b), shared in pairs.items()
    )
    if any("provenance" in data for *_, data in graph.edges(data=True)):
        from kgcli.network.relations import provenance_of

        # A shared node is a stated link when the links to it of both ends are stated.
        for (a, b), shared in pairs.items():
            projected.edges[a, b]["provenance"] = provenance_of(
                _stated_link(graph, a, s) and _stated_link(graph, b, s) for s in shared
            )
    return projected


def _stated_link(graph: nx.Graph, a: str, b: str) -> bool:
    """Whether a stated edge (`provenance`) joins `a` and `b`, either way."""
    for u, v in ((a, b), (b, a)):
        found = graph.get_edge_data(u, v)
        if found:
            links = found.values() if graph.is_multigraph() else [found]
            if any(data.get("provenance") == "stated" for data in links):
                return True
    return False


# --- networks from query results ---------------------------------------------------------------


def network_from_result(
    result: Result,
    *,
    name: str = "query",
    title: str | None = None,
    description: str = "",
    query_text: str = "",
    lang: str = "en",
    prefixes: Mapping[str, str] | None = None,
    source: GraphSource | None = None,
    timeout: float | None = None,
    multi: bool = False,
    supers: Mapping[str, set[str]] | None = None,
    stated: Result | None = None,
) -> nx.MultiDiGraph | nx.DiGraph:
    """A network from a query's result.

    SELECT: one edge per distinct (?source, ?target, ?kind); rows repeating one add their
    ?weight (default 1) together. `?label` labels the edge, other columns become edge attributes,
    and `?sourceLabel`, `?targetLabel`, `?sourceKind`, `?targetKind` describe the nodes.
    CONSTRUCT/DESCRIBE: triples between two resources are edges whose kind is the predicate;
    `rdf:type` gives a node its kind; other literal triples become attributes of their subject.
    With `source`, the labels of predicates (and their declared inverses) are looked up there.
    `supers` (class -> its superclasses) lets a node with several types take the most specific.
    Each related pair is one edge listing its relations, as in `build_network`, unless `multi`.
    `stated` is the same query's result over the stated triples alone (`stated_view`, with
    `--infer`): each edge gets `provenance`, "stated" when that result has it, else "derived".
    """
    from kgcli import __version__

    known = merged_prefixes(prefixes)
    rank = LanguageRank(lang)
    if isinstance(result, AskResult):
        raise InputError(
            f"{name}: an ASK query answers yes or no; a network needs SELECT or CONSTRUCT"
        )

    def network(found: Result) -> nx.MultiDiGraph:
        if isinstance(found, SelectResult):
            return _select_network(found, name, known, rank)
        assert isinstance(found, GraphResult)  # the same query as `result`: no ASK
        return _construct_network(found, known, rank, supers or {})

    graph = network(result)
    if stated is not None:
        held = network(stated)
        for u, v, key, data in graph.edges(keys=True, data=True):
            data["provenance"] = "stated" if held.has_edge(u, v, key) else "derived"
        for nid, data in graph.nodes(data=True):
            own = held.nodes.get(nid)
            if own is None or own["kind"] != data["kind"]:
                data["kindDerived"] = True
    edge_data = [data for *_, data in graph.edges(data=True)]
    unlabelled = [d for d in edge_data if "label" not in d]
    predicates = sorted({d["predicate"] for d in unlabelled if "predicate" in d})
    if predicates and source is not None:
        found = _property_labels(source, predicates, (RDFS_LABEL, SKOS_PREF_LABEL), rank, timeout)
    else:
        found = {}
    for data in edge_data:
        if "label" not in data:
            predicate = data.get("predicate")
            data["label"] = found.get(predicate) or local_name(predicate or data["kind"])
    graph.graph.update(
        {
            "title": title or name,
            "description": description,
            "creator": f"kgcli {__version__}",
            "source": query_text or name,
            "kinds": sorted({data["kind"] for _, data in graph.nodes(data=True)}),
        }
    )
    if multi:
        return graph
    from kgcli.network.relations import merge_relations

    kinds = {d["kind"]: d["predicate"] for d in edge_data if d.get("predicate")}
    inverses = (
        _inverses(source, kinds, known, (RDFS_LABEL, SKOS_PREF_LABEL), rank, timeout)
        if source is not None
        else {}
    )
    return merge_relations(graph, inverses, sorted({str(d["kind"]) for d in edge_data}))


def _kind_of(term: object, known: Mapping[str, str]) -> tuple[str, str | None]:
    """(kind, class IRI) from a ?kind/?sourceKind value: an IRI's local name, or the text."""
    if isinstance(term, ox.NamedNode):
        return local_name(term.value), term.value
    if isinstance(term, ox.Literal):
        return term.value, None
    return str(node_id(term)), None


def _edge_kind(term: Term | None, known: Mapping[str, str], name: str) -> str:
    """An edge's kind from its ?kind: a predicate compacted, a literal's text, else the query's
    name."""
    if isinstance(term, ox.NamedNode):
        return compact_iri(term.value, known)
    if term is not None:
        return str(term.value if isinstance(term, ox.Literal) else node_id(term))
    return name


def _edge_weight(term: Term | None, name: str, number: int) -> float:
    """An edge's ?weight (1 when unbound); InputError naming the row if it is no number."""
    if term is None:
        return 1.0
    value = python_value(term) if isinstance(term, ox.Literal) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{name}: row {number}: ?weight {term} is not a number")
    return float(value)


def _select_network(
    result: SelectResult, name: str, known: Mapping[str, str], rank: LanguageRank
) -> nx.MultiDiGraph:
    import networkx as nx

    columns = result.variables
    if "source" not in columns or "target" not in columns:
        raise InputError(
            f"{name}: a network query must return ?source and ?target (it returns "
            f"{', '.join('?' + c for c in columns) or 'nothing'})"
        )
    at = {column: i for i, column in enumerate(columns)}
    node_columns = {"sourceLabel", "targetLabel", "sourceKind", "targetKind"}
    special = {"source", "target", "weight", "label", "kind"} | node_columns
    extra = [(c, at[c]) for c in columns if c not in special]
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    node_labels: dict[str, tuple[int, str]] = {}
    node_kinds: dict[str, tuple[str, str | None]] = {}
    order: dict[str, None] = {}
    weight_at, label_at, kind_at = at.get("weight"), at.get("label"), at.get("kind")
    for number, row in enumerate(_rows(result), 1):
        ends = []
        for end in ("source", "target"):
            term = row[at[end]]
            if term is None:
                break
            nid = node_id(term)
            if nid is None:
                raise InputError(
                    f"{name}: row {number}: ?{end} is {term}, not a resource: literals are never "
                    f"nodes (return the resource as ?{end} and its name as ?{end}Label)"
                )
            ends.append(nid)
            order.setdefault(nid)
            label = row[at[end + "Label"]] if end + "Label" in at else None
            if isinstance(label, ox.Literal):
                candidate = (rank(label.language), label.value)
                if nid not in node_labels or candidate < node_labels[nid]:
                    node_labels[nid] = candidate
            kind = row[at[end + "Kind"]] if end + "Kind" in at else None
            if kind is not None and nid not in node_kinds:
                node_kinds[nid] = _kind_of(kind, known)
        if len(ends) < 2:
            continue
        kind_term = row[kind_at] if kind_at is not None else None
        data: dict[str, Any] = {}
        kind = _edge_kind(kind_term, known, name)
        if isinstance(kind_term, ox.NamedNode):
            data["predicate"] = kind_term.value
        weight = 1.0 if weight_at is None else _edge_weight(row[weight_at], name, number)
        key = (ends[0], ends[1], kind)
        found = edges.get(key)
        if found is not None:
            found["weight"] += weight
            continue
        data.update(kind=kind, weight=weight)
        if label_at is not None and isinstance(row[label_at], ox.Literal):
            data["label"] = row[label_at].value
        for column, index in extra:
            term = row[index]
            if term is None:
                continue
            data.setdefault(
                column, python_value(term) if isinstance(term, ox.Literal) else node_id(term)
            )
        edges[key] = data
    unify_types(data for data in edges.values())
    graph = nx.MultiDiGraph()
    for nid in order:
        label = node_labels.get(nid)
        kind, cls = node_kinds.get(nid, ("Resource", RDFS_RESOURCE))
        attrs = {"label": label[1] if label else _fallback_label(nid), "kind": kind, "iri": nid}
        if cls is not None:
            attrs["class"] = cls
        graph.add_node(nid, **attrs)
    graph.add_edges_from((s, t, k, data) for (s, t, k), data in edges.items())
    return graph


def _construct_network(
    result: GraphResult,
    known: Mapping[str, str],
    rank: LanguageRank,
    supers: Mapping[str, set[str]],
) -> nx.MultiDiGraph:
    import networkx as nx

    label_predicates = {RDFS_LABEL, SKOS_PREF_LABEL}
    order: dict[str, None] = {}
    types: dict[str, set[str]] = {}
    labels: dict[str, tuple[int, str]] = {}
    literals: dict[str, dict[str, list[ox.Literal]]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for triple in result:
        subject = node_id(triple.subject)
        if subject is None:
            continue
        order.setdefault(subject)
        predicate = triple.predicate.value
        obj = triple.object
        if isinstance(obj, ox.Literal):
            if predicate in label_predicates:
                candidate = (rank(obj.language), obj.value)
                if subject not in labels or candidate < labels[subject]:
                    labels[subject] = candidate
            else:
                literals.setdefault(subject, {}).setdefault(predicate, []).append(obj)
            continue
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
            types.setdefault(subject, set()).add(obj.value)
            continue
        target = node_id(obj)
        if target is None:
            continue  # a triple term: not a node
        order.setdefault(target)
        kind = compact_iri(predicate, known)
        edges.setdefault(
            (subject, target, kind), {"kind": kind, "predicate": predicate, "weight": 1.0}
        )
    names = _attribute_names({p for attrs in literals.values() for p in attrs}, known)
    attributes = {
        nid: {names[p]: _one_value(values, rank) for p, values in attrs.items()}
        for nid, attrs in literals.items()
    }
    unify_types(attributes.values())
    graph = nx.MultiDiGraph()
    for nid in order:
        cls = _main_type(types.get(nid, set()), supers)
        label = labels.get(nid)
        data: dict[str, Any] = {
            "label": label[1] if label else _fallback_label(nid),
            "kind": local_name(cls),
            "class": cls,
            "iri": nid,
        }
        data.update(attributes.get(nid, {}))
        graph.add_node(nid, **data)
    graph.add_edges_from((s, t, k, data) for (s, t, k), data in edges.items())
    return graph


def _main_type(types: set[str], supers: Mapping[str, set[str]] | None = None) -> str:
    telling = sorted(types - _VACUOUS_TYPES)
    if supers and len(telling) > 1:
        # The most specific: leave out each type that is a superclass of another.
        above = set().union(*(supers.get(t, set()) for t in telling))
        telling = [t for t in telling if t not in above] or telling
    return telling[0] if telling else RDFS_RESOURCE


def _attribute_names(predicates: Iterable[str], known: Mapping[str, str]) -> dict[str, str]:
    """An attribute name per predicate: its local name, or its compact IRI when that is taken."""
    names: dict[str, str] = {}
    taken: set[str] = set(RESERVED)
    for predicate in sorted(predicates):
        name = local_name(predicate)
        if name in taken:
            name = compact_iri(predicate, known)
        names[predicate] = name
        taken.add(name)
    return names


# --- finding nodes -----------------------------------------------------------------------------


def find_node(graph: nx.Graph, ref: str, prefixes: Mapping[str, str] | None = None) -> str:
    """The node `ref` names: an id, `<IRI>`, a prefixed name, or (part of) a label.

    A label matches exactly (ignoring case) first, then by its beginning, then anywhere; the
    first of these that finds anything must find one node. Unknown or ambiguous references are
    InputErrors that list candidates.
    """
    import difflib

    text = ref.strip()
    if text in graph:
        return text
    if text.startswith("<") and text.endswith(">") and text[1:-1] in graph:
        return text[1:-1]
    prefix, colon, local = text.partition(":")
    known = merged_prefixes(prefixes)
    if colon and prefix in known and known[prefix] + local in graph:
        return known[prefix] + local
    wanted = text.casefold()
    labels = {n: str(d.get("label", n)) for n, d in graph.nodes(data=True)}
    exact = sorted(n for n, label in labels.items() if label.casefold() == wanted)
    if len(exact) == 1:
        return exact[0]
    partial = exact
    for match in (str.startswith, str.__contains__):
        if not partial:
            partial = sorted(n for n, label in labels.items() if match(label.casefold(), wanted))
    if len(partial) == 1:
        return partial[0]
    if partial:
        shown = ", ".join(f"{labels[n]!r} ({n})" for n in partial[:5])
        more = f" and {len(partial) - 5} more" if len(partial) > 5 else ""
        raise InputError(f"{ref!r} names {len(partial)} nodes: {shown}{more}; give an IRI")
    close = difflib.get_close_matches(text, sorted(set(labels.values())), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(
        f"no node of the network is {ref!r} (give an IRI, a prefixed name or a label){hint}"
    )


def parse_names(value: str | None) -> list[str]:
    """A comma-separated option value as a list of names, blanks dropped."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


__all__ = [
    "RESERVED",
    "LanguageRank",
    "build_network",
    "find_node",
    "network_from_result",
    "node_id",
    "parse_names",
    "project",
    "python_value",
    "stated_view",
    "text_of",
    "time_value",
    "unify_types",
]
