"""Explanations: why a triple holds, down to stated triples and their evidence.

Nothing is stored per derived triple to explain it: an explanation is searched for, on demand,
in the materialised closure (a store holding the stated graphs and `kgg:inferred`). First
backwards: every rule instance whose conclusion is the triple and whose premises hold, then the
same for each derived premise, and so on (a bounded search). Then forwards from the stated
triples, so that the proof found is well-founded: no triple is explained by itself.

Triples are N-Triples text here, as in the engine; `resolve` turns what a person types (an IRI,
a prefixed name, a label) into a term.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kgcli.engine.infer import vocab as v
from kgcli.engine.infer.rules import BUILTIN, Rule, RuleSet
from kgcli.engine.infer.schema import Schema, compile_schema, is_blank, is_literal
from kgcli.engine.infer.sparql_rules import SparqlRule
from kgcli.engine.infer.terms import construct_lines, nt, to_term, values
from kgcli.errors import InputError, KgError

Fact = tuple[bytes, bytes, bytes]
#: How an explanation names the store's default graph among the graphs that state a triple.
DEFAULT_GRAPH = "the default graph"
#: Past this many triples looked at, the search stops (it says so).
SEARCH_LIMIT = 20_000

_KG = "https://w3id.org/kgcli/ontology#"
_PROV = "http://www.w3.org/ns/prov#"
_DCTERMS = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"


class NotEntailed(KgError):
    """The triple is neither stated nor derivable with the rules."""

    exit_code = 1


@dataclass
class Explanation:
    """Why a triple holds: stated (where, on what evidence) or derived (rule and premises)."""

    triple: Fact
    #: `stated`, `derived`, or `schema` (an axiom about an anonymous class, never written).
    status: str
    rule: Rule | None = None
    premises: list[Explanation] = field(default_factory=list)
    #: The named graphs that state it.
    graphs: list[str] = field(default_factory=list)
    #: For a stated triple: its reified statements' evidence (article, quote, speaker).
    evidence: list[dict[str, str]] = field(default_factory=list)
    #: For a SPARQL rule: the solution of its WHERE clause that gives the triple.
    bindings: dict[str, str] = field(default_factory=dict)
    #: Explained earlier in the same tree: shown once.
    repeated: bool = False

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "subject": self.triple[0].decode(),
            "predicate": self.triple[1].decode(),
            "object": self.triple[2].decode(),
            "status": self.status,
        }
        if self.repeated:
            doc["repeated"] = True
            return doc
        if self.graphs:
            doc["graphs"] = self.graphs
        if self.evidence:
            doc["evidence"] = self.evidence
        if self.rule is not None:
            doc["rule"] = {"iri": self.rule.iri, "label": self.rule.label}
        if self.bindings:
            doc["bindings"] = self.bindings
        if self.premises:
            doc["premises"] = [p.to_dict() for p in self.premises]
        return doc

    def lines(self, show: Callable[[bytes], str] = bytes.decode) -> list[str]:
        """The explanation as an indented tree, one line per triple and per piece of evidence."""
        out: list[str] = []
        self._lines(out, "", "", show)
        return out

    def _lines(self, out: list[str], lead: str, rest: str, show: Callable[[bytes], str]) -> None:
        s, p, o = (show(t) for t in self.triple)
        if self.repeated:
            out.append(f"{lead}{s} {p} {o}  (explained above)")
            return
        if self.status == "stated":
            where = ", ".join(self.graphs)
            out.append(f"{lead}{s} {p} {o}  stated in {where}")
            for ev in self.evidence:
                said = f" ({ev['saidBy']})" if ev.get("saidBy") else ""
                out.append(f'{rest}  "{ev["quote"]}"{said} — {ev["article"]}')
            return
        if self.status == "schema":
            out.append(f"{lead}{s} {p} {o}  (schema, about an anonymous class)")
            return
        assert self.rule is not None
        out.append(f"{lead}{s} {p} {o}  derived by {self.rule.name}: {self.rule.label}")
        if self.bindings:
            shown = ", ".join(f"?{k} = {show(val.encode())}" for k, val in self.bindings.items())
            out.append(f"{rest}  where {shown}")
        for i, premise in enumerate(self.premises):
            last = i == len(self.premises) - 1
            premise._lines(
                out, rest + ("└─ " if last else "├─ "), rest + ("   " if last else "│  "), show
            )


@dataclass
class _Instance:
    rule: Rule
    premises: list[Fact]
    bindings: dict[str, str] = field(default_factory=dict)


class _Prover:
    """Rule instances that conclude a triple, found in a store holding the closure."""

    def __init__(self, store: ox.Store, rules: RuleSet, schema: Schema) -> None:
        self.store = store
        self.rules = rules
        self.schema = schema
        self._terms: dict[bytes, Any] = {}
        self.subclasses = _inverse(schema.superclasses)
        self.subproperties = _inverse(schema.superproperties)
        self.inferred = ox.NamedNode(v.INFERRED_GRAPH)

    def term(self, text: bytes) -> Any:
        found = self._terms.get(text)
        if found is None:
            found = self._terms[text] = to_term(text)
        return found

    def _quads(self, s: bytes | None, p: bytes | None, o: bytes | None) -> Iterator[ox.Quad]:
        s_term = self.term(s) if s is not None else None
        o_term = self.term(o) if o is not None else None
        p_term = self.term(p) if p is not None else None
        if (s is not None and is_literal(s)) or (p is not None and not p.startswith(b"<")):
            return iter(())
        return self.store.quads_for_pattern(s_term, p_term, o_term, None)

    def graphs(self, fact: Fact) -> list[str]:
        """The graphs that hold a triple (`kgg:inferred` among them when derived)."""
        found = {q.graph_name for q in self._quads(*fact)}
        named = sorted(g.value for g in found if isinstance(g, ox.NamedNode))
        # A store's default graph states triples too (an endpoint's, copied; a TriG file's).
        return [DEFAULT_GRAPH, *named] if ox.DefaultGraph() in found else named

    def virtual(self, fact: Fact) -> bool:
        """A schema triple about an anonymous class: true by the compiled schema, not stored."""
        s, p, o = fact
        if not (is_blank(s) or is_blank(o)):
            return False
        if p == v.SUB_CLASS_OF:
            return o in self.schema.superclasses.get(s, ())
        return False

    def holds(self, fact: Fact) -> bool:
        s, p, o = fact
        if p == v.RDF_TYPE and o in self.schema.anonymous:
            return True  # an anonymous class's instances are never written: search them
        return self.virtual(fact) or next(self._quads(s, p, o), None) is not None

    def objects(self, s: bytes, p: bytes) -> set[bytes]:
        return {nt(q.object) for q in self._quads(s, p, None)}

    def subjects(self, p: bytes, o: bytes) -> set[bytes]:
        return {nt(q.subject) for q in self._quads(None, p, o)}

    # One branch per rule that can conclude a triple of this shape, as the engine applies them:
    # a table of the rules reads best in one place (C901 allowed).
    def instances(self, fact: Fact) -> list[_Instance]:  # noqa: C901
        s, p, o = fact
        found: list[_Instance] = []
        on = self.rules.enabled
        sc = self.schema
        T = v.RDF_TYPE

        def add(name: str, premises: list[Fact]) -> None:
            if all(self.holds(f) for f in premises):
                found.append(_Instance(BUILTIN[name], premises))

        if p == T:
            if on("cax-sco"):
                for d in self.subclasses.get(o, ()):
                    add("cax-sco", [(s, T, d), (d, v.SUB_CLASS_OF, o)])
            if on("prp-dom"):
                for q, classes in sc.domains.items():
                    if o in classes:
                        for y in self.objects(s, q):
                            add("prp-dom", [(s, q, y), (q, v.DOMAIN, o)])
                for q, classes in sc.ranges.items():
                    if o in classes:
                        for x in self.subjects(q, s):
                            add("prp-rng", [(x, q, s), (q, v.RANGE, o)])
            if on("cls-hv2"):
                for r, q, value in sc.has_value:
                    if r == o:
                        add("cls-hv2", [(s, q, value), *_restriction(r, q, v.HAS_VALUE, value)])
            if on("cls-svf1"):
                for r, q, d in sc.some_values:
                    if r != o:
                        continue
                    for y in self.objects(s, q):
                        axiom = _restriction(r, q, v.SOME_VALUES_FROM, d)
                        if d == v.THING:
                            add("cls-svf2", [(s, q, y), *axiom])
                        else:
                            add("cls-svf1", [(s, q, y), (y, T, d), *axiom])
            if on("cls-avf"):
                for r, q, d in sc.all_values:
                    if d == o:
                        for x in self.subjects(q, s):
                            axiom = _restriction(r, q, v.ALL_VALUES_FROM, d)
                            add("cls-avf", [(x, T, r), (x, q, s), *axiom])
            if on("cls-int1"):
                for c, members in sc.intersections:
                    if c == o:
                        add("cls-int1", [(s, T, m) for m in members])
            if on("cls-oo"):
                for c, members in sc.one_of:
                    if c == o and s in members:
                        add("cls-oo", [])
        elif p in _SCHEMA_FACTS:
            found.extend(self._schema_instances(fact))
        if on("prp-spo1"):
            for q in self.subproperties.get(p, ()):
                add("prp-spo1", [(s, q, o), (q, v.SUB_PROPERTY_OF, p)])
        if on("prp-inv1"):
            for q in sc.inverses.get(p, ()):
                if self.holds((q, v.INVERSE_OF, p)):
                    add("prp-inv1", [(o, q, s), (q, v.INVERSE_OF, p)])
                else:
                    add("prp-inv2", [(o, q, s), (p, v.INVERSE_OF, q)])
        if on("prp-symp") and p in sc.symmetric:
            add("prp-symp", [(o, p, s), (p, T, v.SYMMETRIC)])
        if on("prp-trp") and p in sc.transitive:
            for y in self.objects(s, p) & self.subjects(p, o):
                add("prp-trp", [(s, p, y), (y, p, o), (p, T, v.TRANSITIVE)])
        if on("prp-spo2"):
            for q, chain in sc.chains:
                if q == p:
                    for path in self._paths(s, chain, o):
                        add(
                            "prp-spo2",
                            [(path[i], chain[i], path[i + 1]) for i in range(len(chain))],
                        )
        if on("cls-hv1"):
            for r, q, value in sc.has_value:
                if q == p and value == o:
                    add("cls-hv1", [(s, T, r), *_restriction(r, q, v.HAS_VALUE, value)])
        if on("eq-rep-s"):
            found.extend(self._same_as_instances(fact))
        for rule in self.rules.sparql:
            found.extend(self._sparql_instances(rule, fact))
        return found

    def _paths(self, start: bytes, chain: list[bytes], end: bytes) -> list[list[bytes]]:
        paths = [[start]]
        for i, q in enumerate(chain):
            last = i == len(chain) - 1
            paths = [
                [*path, n]
                for path in paths
                for n in self.objects(path[-1], q)
                if not last or n == end
            ][:50]
        return paths

    def _schema_instances(self, fact: Fact) -> list[_Instance]:
        s, p, o = fact
        sc = self.schema
        found: list[_Instance] = []

        def add(name: str, premises: list[Fact]) -> None:
            if self.rules.enabled(name) and all(self.holds(f) for f in premises):
                found.append(_Instance(BUILTIN[name], premises))

        if p == v.SUB_CLASS_OF:
            for via in sc.superclasses.get(s, ()):
                if via != o and o in sc.superclasses.get(via, ()) and self._direct_class(s, via):
                    add("scm-sco", [(s, p, via), (via, p, o)])
            add("scm-eqc1", [(s, v.EQUIVALENT_CLASS, o)])
            add("scm-eqc1", [(o, v.EQUIVALENT_CLASS, s)])
        elif p == v.SUB_PROPERTY_OF:
            for via in sc.superproperties.get(s, ()):
                if via != o and o in sc.superproperties.get(via, ()):
                    add("scm-spo", [(s, p, via), (via, p, o)])
            add("scm-eqp1", [(s, v.EQUIVALENT_PROPERTY, o)])
            add("scm-eqp1", [(o, v.EQUIVALENT_PROPERTY, s)])
        elif p == v.EQUIVALENT_CLASS:
            add("scm-eqc2", [(s, v.SUB_CLASS_OF, o), (o, v.SUB_CLASS_OF, s)])
        elif p == v.EQUIVALENT_PROPERTY:
            add("scm-eqp2", [(s, v.SUB_PROPERTY_OF, o), (o, v.SUB_PROPERTY_OF, s)])
        elif p in (v.DOMAIN, v.RANGE):
            first, second = ("scm-dom1", "scm-dom2") if p == v.DOMAIN else ("scm-rng1", "scm-rng2")
            for c in self.objects(s, p):
                if c != o and o in sc.superclasses.get(c, ()):
                    add(first, [(s, p, c), (c, v.SUB_CLASS_OF, o)])
            for q in sc.superproperties.get(s, ()):
                add(second, [(q, p, o), (s, v.SUB_PROPERTY_OF, q)])
        return found

    def _direct_class(self, s: bytes, via: bytes) -> bool:
        return next(self._quads(s, v.SUB_CLASS_OF, via), None) is not None or self.virtual(
            (s, v.SUB_CLASS_OF, via)
        )

    def _same_as_instances(self, fact: Fact) -> list[_Instance]:
        s, p, o = fact
        found: list[_Instance] = []
        same = v.SAME_AS
        if p == same:
            if self.holds((o, same, s)):
                found.append(_Instance(BUILTIN["eq-sym"], [(o, same, s)]))
            for y in self.objects(s, same) & self.subjects(same, o):
                found.append(_Instance(BUILTIN["eq-trans"], [(s, same, y), (y, same, o)]))
        for s2 in self.objects(s, same):
            if s2 != s and self.holds((s2, p, o)):
                found.append(_Instance(BUILTIN["eq-rep-s"], [(s, same, s2), (s2, p, o)]))
        for o2 in self.objects(o, same) if not is_literal(o) else ():
            if o2 != o and self.holds((s, p, o2)):
                found.append(_Instance(BUILTIN["eq-rep-o"], [(o, same, o2), (s, p, o2)]))
        for p2 in self.objects(p, same):
            if p2 != p and self.holds((s, p2, o)):
                found.append(_Instance(BUILTIN["eq-rep-p"], [(p, same, p2), (s, p2, o)]))
        return found

    def _sparql_instances(self, rule: SparqlRule, fact: Fact) -> list[_Instance]:
        if rule.head_predicates is not None and fact[1] not in rule.head_predicates:
            return []
        found: list[_Instance] = []
        try:
            solutions = self.store.query(rule.select, use_default_graph_as_union=True)
        except (OSError, RuntimeError, SyntaxError):
            return []
        assert isinstance(solutions, ox.QuerySolutions)
        names = [var.value for var in solutions.variables]
        for n, row in enumerate(solutions):
            if n >= 10_000 or len(found) >= 3:
                break
            bound = {f"?{name}": nt(row[name]).decode() for name in names if row[name] is not None}
            if not any(_matches(t, fact, bound) for t in rule.template):
                continue
            premises = []
            for pattern in rule.premises:
                triple = tuple(
                    bound.get(x, x) for x in (pattern.subject, pattern.predicate, pattern.object)
                )
                if any(x.startswith("?") for x in triple):
                    continue
                encoded = (triple[0].encode(), triple[1].encode(), triple[2].encode())
                if encoded != fact and self.holds(encoded) and encoded not in premises:
                    premises.append(encoded)
            shown = {k[1:]: val for k, val in bound.items()}
            found.append(_Instance(rule.rule, premises, shown))
        return found


_SCHEMA_FACTS = frozenset(
    {
        v.SUB_CLASS_OF,
        v.SUB_PROPERTY_OF,
        v.EQUIVALENT_CLASS,
        v.EQUIVALENT_PROPERTY,
        v.DOMAIN,
        v.RANGE,
    }
)


def _matches(pattern: Any, fact: Fact, bound: dict[str, str]) -> bool:
    for term, value in zip((pattern.subject, pattern.predicate, pattern.object), fact, strict=True):
        text = bound.get(term, term)
        if text != value.decode():
            return False
    return True


def _restriction(r: bytes, p: bytes, kind: bytes, filler: bytes) -> list[Fact]:
    return [(r, v.ON_PROPERTY, p), (r, kind, filler)]


def _inverse(closure: Mapping[bytes, set[bytes]]) -> dict[bytes, set[bytes]]:
    found: dict[bytes, set[bytes]] = {}
    for a, bs in closure.items():
        for b in bs:
            found.setdefault(b, set()).add(a)
    return found


def read_schema(store: ox.Store, rules: RuleSet) -> Schema:
    triples: set[Fact] = set()

    def take(chunk: bytes) -> None:
        for line in chunk.split(b"\n"):
            if line:
                s, p, rest = line.split(b" ", 2)
                triples.add((s, p, rest[:-2]))

    preds = values(sorted(v.SCHEMA_PREDICATES))
    classes = values(sorted(v.SCHEMA_CLASSES))
    stated = f"FILTER(?g != <{v.INFERRED_GRAPH}>)"
    construct_lines(
        store,
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ VALUES ?p {{ {preds} }} ?s ?p ?o }} UNION "
        f"{{ VALUES ?p {{ {preds} }} GRAPH ?g {{ ?s ?p ?o }} {stated} }} }}",
        take,
    )
    typed = f"?s <{v.RDF_NS}type> ?o"
    construct_lines(
        store,
        f"CONSTRUCT {{ {typed} }} WHERE {{ {{ VALUES ?o {{ {classes} }} {typed} }} UNION "
        f"{{ VALUES ?o {{ {classes} }} GRAPH ?g {{ {typed} }} {stated} }} }}",
        take,
    )
    return compile_schema(
        triples, owl_rl="owl-rl" in rules.groups, domain_range="domain-range" in rules.groups
    )


def _evidence(store: ox.Store, fact: Fact) -> list[dict[str, str]]:
    if any(t.startswith(b"_:") for t in fact):
        return []  # a blank node in a query is a variable, not this node
    s, p, o = (t.decode() for t in fact)
    query = f"""
        SELECT ?statement ?quote ?article ?saidBy WHERE {{
          ?statement <{v.RDF_NS}subject> {s} ; <{v.RDF_NS}predicate> {p} ; <{v.RDF_NS}object> {o} ;
                     <{_KG}evidence> ?evidence .
          ?evidence <{_KG}quote> ?quote .
          OPTIONAL {{ ?evidence <{_PROV}wasQuotedFrom> ?source .
                     OPTIONAL {{ ?source <{_DCTERMS}title> ?title }} }}
          OPTIONAL {{ ?evidence <{_KG}saidBy> ?speaker .
                     OPTIONAL {{ ?speaker <{v.RDFS_NS}label> ?speakerLabel }} }}
          BIND(COALESCE(?title, STR(?source)) AS ?article)
          BIND(COALESCE(?speakerLabel, STR(?speaker)) AS ?saidBy)
        }} ORDER BY ?statement ?quote"""
    try:
        rows = store.query(query, use_default_graph_as_union=True)
    except SyntaxError:  # a literal the query cannot hold: no evidence to show
        return []
    found = []
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        item = {"statement": str(row["statement"].value)}
        for key in ("quote", "article", "saidBy"):
            if row[key] is not None:
                item[key] = str(row[key].value)
        found.append(item)
    return found


# Backwards search, forwards proof, then the tree: three steps sharing their tables (C901 allowed).
def explain(  # noqa: C901
    store: ox.Store,
    triple: tuple[Any, Any, Any],
    rules: RuleSet,
    *,
    limit: int = SEARCH_LIMIT,
) -> Explanation:
    """Explain one triple of `store`'s closure (its stated graphs plus `kgg:inferred`).

    `triple` holds pyoxigraph terms (see `resolve`). Raises `NotEntailed` (exit 1) when the
    triple is neither stated nor derivable with `rules`.
    """
    goal: Fact = (nt(triple[0]), nt(triple[1]), nt(triple[2]))
    prover = _Prover(store, rules, read_schema(store, rules))
    inferred = v.INFERRED_GRAPH

    def is_stated(fact: Fact) -> list[str]:
        return [g for g in prover.graphs(fact) if g != inferred]

    # Backwards: the rule instances of every triple the goal may rest on.
    instances: dict[Fact, list[_Instance]] = {}
    stated: dict[Fact, list[str]] = {}
    frontier, seen = [goal], {goal}
    while frontier:
        fact = frontier.pop()
        graphs = is_stated(fact)
        if graphs:
            stated[fact] = graphs
            continue
        if prover.virtual(fact):
            continue
        found = prover.instances(fact)
        instances[fact] = found
        for inst in found:
            for premise in inst.premises:
                if premise not in seen:
                    if len(seen) >= limit:
                        raise KgError(f"explanation search stopped after {limit} triples")
                    seen.add(premise)
                    frontier.append(premise)
    if goal not in stated and not instances.get(goal):
        s, p, o = (t.decode() for t in goal)
        raise NotEntailed(f"{s} {p} {o} is neither stated nor derivable with {rules.describe()}")
    # Forwards: prove from stated (and schema) triples up; the first proof of each triple wins.
    proof: dict[Fact, _Instance | None] = {f: None for f in stated}
    proof.update({f: None for f in seen if prover.virtual(f)})

    # Level by level, so that each triple gets one of its shortest proofs; of those, the one
    # with the fewest derived premises, then the first in term order (the same every run).
    def rank(inst: _Instance) -> tuple[int, list[Fact]]:
        return sum(proof[q] is not None for q in inst.premises), inst.premises

    while goal not in proof:
        level = {}
        for fact, found in instances.items():
            if fact not in proof:
                ready = [i for i in found if all(q in proof for q in i.premises)]
                if ready:
                    level[fact] = min(ready, key=rank)
        if not level:
            break
        proof.update(level)
    if goal not in proof:
        s, p, o = (t.decode() for t in goal)
        raise NotEntailed(f"{s} {p} {o} is neither stated nor derivable with {rules.describe()}")
    shown: set[Fact] = set()

    def build(fact: Fact) -> Explanation:
        if fact in shown and proof[fact] is not None:
            return Explanation(fact, "derived", repeated=True)
        shown.add(fact)
        if fact in stated:
            return Explanation(fact, "stated", graphs=stated[fact], evidence=_evidence(store, fact))
        inst = proof[fact]
        if inst is None:
            return Explanation(fact, "schema")
        return Explanation(
            fact,
            "derived",
            rule=inst.rule,
            premises=[build(q) for q in inst.premises],
            bindings=inst.bindings,
        )

    return build(goal)


# --- Reading a triple as a person types it ---------------------------------------------------

_ABSOLUTE_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*")


def resolve(
    store: ox.Store,
    text: str,
    prefixes: Mapping[str, str],
    *,
    position: str = "subject",
) -> ox.NamedNode | ox.Literal:
    """A term from an IRI (`<...>` or absolute), a prefixed name, `a`, a literal or a label.

    A label matches `rdfs:label`, `skos:prefLabel` or `skos:altLabel`, exactly (ignoring case)
    or else as a part; no match or several is an `InputError` (exit 2) listing the candidates.
    """
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return _named(text[1:-1])
    if position == "predicate" and text == "a":
        return ox.NamedNode(v.RDF_NS + "type")
    if text.startswith('"') or re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        if position != "object":
            raise InputError(f"{text}: a literal can only be the object of a triple")
        return _literal(text, prefixes)
    prefix, colon, local = text.partition(":")
    if colon and re.fullmatch(r"[A-Za-z][\w.\-]*|", prefix) and " " not in text:
        if prefix in prefixes:
            return _named(prefixes[prefix] + local)
        if not local.startswith("//") and prefix not in ("http", "https", "urn", "file"):
            known = ", ".join(sorted(p + ":" for p in prefixes))
            raise InputError(f"{text}: unknown prefix '{prefix}:' (known: {known})")
    if (_ABSOLUTE_RE.fullmatch(text) and "://" in text) or text.startswith("urn:"):
        return _named(text)
    return _by_label(store, text)


def _literal(text: str, prefixes: Mapping[str, str]) -> ox.Literal:
    """The literal `text` is, in Turtle (`"12"^^xsd:integer` with the prefixes known); an error
    gives the position within `text`, not within the document built around it here."""
    head = "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in prefixes.items() if ">" not in ns)
    # The literal starts a line of its own, so that the parser's columns on it are the value's.
    first = head.count("\n") + 2
    try:
        quads = list(ox.parse(f"{head}<urn:x:s> <urn:x:p>\n{text} .", format=ox.RdfFormat.TURTLE))
    except SyntaxError as err:
        detail = str(err.msg).split(": ", 1)[-1]
        where = _within(text, err, first)
        raise InputError(f"the object {text!r}{where}: not a literal ({detail})") from None
    if len(quads) != 1 or not isinstance(quads[0].object, ox.Literal):
        raise InputError(f"the object {text!r}: not one literal")
    return quads[0].object


def _within(text: str, err: SyntaxError, first: int) -> str:
    """`, column N` (or `, columns N to M`, or `, line L column N`) of the parser's error in
    `text`, which began at column 1 of line `first` of what was parsed."""
    if err.lineno is None or err.lineno < first or err.offset is None:
        return ""
    line = err.lineno - first + 1
    lines = text.split("\n")
    if line > len(lines):  # the end of the value: after its last character
        line, start = len(lines), len(lines[-1]) + 1
    else:
        start = min(err.offset, len(lines[line - 1]) + 1)
    end_line = getattr(err, "end_lineno", None)
    end = getattr(err, "end_offset", None)
    if len(lines) > 1:
        return f", line {line} column {start}"
    if end_line == err.lineno and end is not None and min(end - 1, len(text)) > start:
        return f", columns {start} to {min(end - 1, len(text))}"
    return f", column {start}"


def _named(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise InputError(f"<{iri}>: not an IRI") from None


def _by_label(store: ox.Store, text: str) -> ox.NamedNode:
    labels = f"<{v.RDFS_NS}label>|<{_SKOS}prefLabel>|<{_SKOS}altLabel>"
    query = f"""SELECT DISTINCT ?x ?label WHERE {{
        ?x {labels} ?name . FILTER(isIRI(?x) && CONTAINS(LCASE(STR(?name)), LCASE(?text)))
        OPTIONAL {{ ?x <{v.RDFS_NS}label> ?label }} }} ORDER BY ?x"""
    rows = store.query(query.replace("?text", _string(text)), use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, str] = {}
    for row in rows:
        iri = str(row["x"].value)
        label = row["label"]
        found.setdefault(iri, str(label.value) if label is not None else "")
    if not found:
        raise InputError(f"{text!r}: no IRI, prefixed name or label matches")
    exact = [iri for iri in found if _has_exact_label(store, iri, text)]
    if len(exact) == 1:
        return ox.NamedNode(exact[0])
    if len(found) == 1:
        return ox.NamedNode(next(iter(found)))
    candidates = exact or list(found)
    shown = "; ".join(f"{found[iri] or iri} <{iri}>" for iri in candidates[:10])
    more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
    raise InputError(f"{text!r} matches {len(candidates)} things: {shown}{more}")


def _has_exact_label(store: ox.Store, iri: str, text: str) -> bool:
    labels = f"<{v.RDFS_NS}label>|<{_SKOS}prefLabel>|<{_SKOS}altLabel>"
    query = f"ASK {{ <{iri}> {labels} ?n FILTER(LCASE(STR(?n)) = LCASE({_string(text)})) }}"
    return bool(store.query(query, use_default_graph_as_union=True))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
