"""The schema (TBox), read once and compiled in Python into the tables the instance rules use.

Schemas are small (hundreds to thousands of triples even for big ontologies), so their closure
(`scm-*` rules) is computed here with plain sets; the instance rules then need one step where
the rule would otherwise chain (a class's superclasses are known at once, not round by round).
Terms are N-Triples text (`bytes`), as everywhere in the engine.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kgcli.infer import vocab as v

Term = bytes
Triple = tuple[Term, Term, Term]

_COUNT_RE = re.compile(rb'^"\s*\+?0*(\d+)\s*"')


def _count(literal: Term) -> int | None:
    """The value of a cardinality literal (`"1"^^xsd:nonNegativeInteger`), if it is one."""
    found = _COUNT_RE.match(literal)
    return int(found[1]) if found else None


def is_blank(term: Term) -> bool:
    return term.startswith(b"_:")


def is_literal(term: Term) -> bool:
    return term.startswith(b'"')


@dataclass
class Schema:
    """The compiled schema: closed hierarchies and the axioms each instance rule reads."""

    #: Strict superclasses of each class, the closure of subClassOf, equivalence, unions...
    superclasses: dict[Term, set[Term]] = field(default_factory=dict)
    #: Strict superproperties of each property.
    superproperties: dict[Term, set[Term]] = field(default_factory=dict)
    #: Each property's inverses (both directions of every owl:inverseOf).
    inverses: dict[Term, set[Term]] = field(default_factory=dict)
    symmetric: set[Term] = field(default_factory=set)
    transitive: set[Term] = field(default_factory=set)
    #: (property, [p1, ..., pn]) for each owl:propertyChainAxiom.
    chains: list[tuple[Term, list[Term]]] = field(default_factory=list)
    #: (class, property, value) for each owl:hasValue restriction.
    has_value: list[tuple[Term, Term, Term]] = field(default_factory=list)
    #: (class, property, filler) for each owl:someValuesFrom restriction.
    some_values: list[tuple[Term, Term, Term]] = field(default_factory=list)
    #: (class, property, filler) for each owl:allValuesFrom restriction.
    all_values: list[tuple[Term, Term, Term]] = field(default_factory=list)
    #: (class, [c1, ..., cn]) for each owl:intersectionOf.
    intersections: list[tuple[Term, list[Term]]] = field(default_factory=list)
    #: (class, [x1, ..., xn]) for each owl:oneOf.
    one_of: list[tuple[Term, list[Term]]] = field(default_factory=list)
    #: The domains and ranges of each property, closed (scm-dom*, scm-rng*); with domain-range.
    domains: dict[Term, set[Term]] = field(default_factory=dict)
    ranges: dict[Term, set[Term]] = field(default_factory=dict)
    functional: set[Term] = field(default_factory=set)
    inverse_functional: set[Term] = field(default_factory=set)
    #: (class, [p1, ..., pn]) for each owl:hasKey.
    keys: list[tuple[Term, list[Term]]] = field(default_factory=list)
    #: (class, property, qualifying class or None, n) for max (qualified) cardinality 0 or 1.
    max_cardinality: list[tuple[Term, Term, Term | None, int]] = field(default_factory=list)
    # Consistency axioms.
    disjoint: set[tuple[Term, Term]] = field(default_factory=set)
    #: AllDisjointClasses member lists (cax-adc), kept apart from pairwise disjointWith (cax-dw).
    all_disjoint: list[list[Term]] = field(default_factory=list)
    complements: set[tuple[Term, Term]] = field(default_factory=set)
    irreflexive: set[Term] = field(default_factory=set)
    asymmetric: set[Term] = field(default_factory=set)
    disjoint_properties: set[tuple[Term, Term]] = field(default_factory=set)
    all_disjoint_properties: list[list[Term]] = field(default_factory=list)
    all_different: list[tuple[Term, list[Term]]] = field(default_factory=list)
    #: (axiom node, source, property, target, is a data value) for each negative assertion.
    negative_assertions: list[tuple[Term, Term, Term, Term, bool]] = field(default_factory=list)
    #: Derived schema triples, (s, p, o, rule name), none about an anonymous class.
    derived: list[tuple[Term, Term, Term, str]] = field(default_factory=list)
    #: Anonymous classes (blank nodes) of the schema: their instances are never written.
    anonymous: set[Term] = field(default_factory=set)

    def classes_read(self) -> set[Term]:
        """Classes whose instances some rule reads or writes."""
        found: set[Term] = set(self.superclasses)
        for sups in self.superclasses.values():
            found |= sups
        for c, _, v2 in self.some_values:
            found |= {c, v2}
        for c, _, v2 in self.all_values:
            found |= {c, v2}
        for c, _, _ in self.has_value:
            found.add(c)
        for c, members in self.intersections:
            found |= {c, *members}
        for c, _ in self.one_of:
            found.add(c)
        for ds in (*self.domains.values(), *self.ranges.values()):
            found |= ds
        for c, _ in self.keys:
            found.add(c)
        for c, _, q, _ in self.max_cardinality:
            found.add(c)
            if q is not None:
                found.add(q)
        for a, b in self.disjoint | self.complements:
            found |= {a, b}
        for members in self.all_disjoint:
            found |= set(members)
        found.add(v.NOTHING)
        return found

    def properties_read(self) -> set[Term]:
        """Properties whose triples some rule reads or writes."""
        found: set[Term] = set(self.superproperties) | set(self.inverses)
        for sups in (*self.superproperties.values(), *self.inverses.values()):
            found |= sups
        found |= self.symmetric | self.transitive | self.irreflexive | self.asymmetric
        found |= self.functional | self.inverse_functional
        for p, chain in self.chains:
            found |= {p, *chain}
        for _, p, _ in (*self.has_value, *self.some_values, *self.all_values):
            found.add(p)
        found |= set(self.domains) | set(self.ranges)
        for _, ps in self.keys:
            found |= set(ps)
        for _, p, _, _ in self.max_cardinality:
            found.add(p)
        for a, b in self.disjoint_properties:
            found |= {a, b}
        for members in self.all_disjoint_properties:
            found |= set(members)
        for _, _, p, _, _ in self.negative_assertions:
            found.add(p)
        return found


def _closure(edges: dict[Term, set[Term]]) -> dict[Term, set[Term]]:
    """Strict reachability in a small graph (in a cycle, a class is its own superclass)."""
    out: dict[Term, set[Term]] = {}
    for start in edges:
        seen: set[Term] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        seen.discard(start)
        out[start] = seen
    return out


class _Graph:
    """The schema triples, indexed for the look-ups compilation makes."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.by_p: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
        self.sp: dict[tuple[Term, Term], list[Term]] = defaultdict(list)
        self.typed: dict[Term, set[Term]] = defaultdict(set)
        for s, p, o in set(triples):
            self.by_p[p].append((s, o))
            self.sp[(s, p)].append(o)
            if p == v.RDF_TYPE:
                self.typed[o].add(s)

    def one(self, s: Term, p: Term) -> Term | None:
        values = self.sp.get((s, p))
        return values[0] if values else None

    def items(self, head: Term) -> list[Term] | None:
        """The members of an RDF list, or None if it is not a well-formed list."""
        found: list[Term] = []
        seen: set[Term] = set()
        while head != v.RDF_NIL:
            if head in seen:
                return None
            seen.add(head)
            first, rest = self.sp.get((head, v.RDF_FIRST)), self.sp.get((head, v.RDF_REST))
            if not first or not rest or len(first) != 1 or len(rest) != 1:
                return None
            found.append(first[0])
            head = rest[0]
        return found


def compile_schema(
    triples: Iterable[Triple], *, owl_rl: bool = True, domain_range: bool = False
) -> Schema:
    """Compile the schema triples (stated, and any derived since) into a `Schema`.

    With `owl_rl` off only subClassOf and subPropertyOf count (the `rdfs` rule set).
    """
    g = _Graph(triples)
    schema = Schema()
    derived: dict[tuple[Term, Term, Term], str] = {}
    stated = {(s, p, o) for p, pairs in g.by_p.items() for s, o in pairs}

    def derive(s: Term, p: Term, o: Term, rule: str) -> None:
        if (s, p, o) not in stated and (s, p, o) not in derived:
            derived[(s, p, o)] = rule

    # --- Property hierarchy: subPropertyOf and equivalentProperty (scm-spo, scm-eqp1).
    prop_edges: dict[Term, set[Term]] = defaultdict(set)
    direct_p: dict[tuple[Term, Term], str] = {}
    for s, o in g.by_p.get(v.SUB_PROPERTY_OF, ()):
        if s != o and not is_literal(o):
            prop_edges[s].add(o)
            direct_p[(s, o)] = ""
    if owl_rl:
        for s, o in g.by_p.get(v.EQUIVALENT_PROPERTY, ()):
            if s != o and not is_literal(o):
                for a, b in ((s, o), (o, s)):
                    prop_edges[a].add(b)
                    direct_p.setdefault((a, b), "scm-eqp1")
    superproperties = _closure(prop_edges)
    for p, sups in superproperties.items():
        for q in sups:
            derive(p, v.SUB_PROPERTY_OF, q, direct_p.get((p, q)) or "scm-spo")
    schema.superproperties = {p: s for p, s in superproperties.items() if s}

    def supp_or_self(p: Term) -> set[Term]:
        return {p} | superproperties.get(p, set())

    # --- Property characteristics.
    if owl_rl:
        for s, o in g.by_p.get(v.INVERSE_OF, ()):
            if not is_literal(o):
                schema.inverses.setdefault(s, set()).add(o)
                schema.inverses.setdefault(o, set()).add(s)
        schema.symmetric = set(g.typed.get(v.SYMMETRIC, ()))
        schema.transitive = set(g.typed.get(v.TRANSITIVE, ()))
        for p, head in g.by_p.get(v.PROPERTY_CHAIN, ()):
            chain = g.items(head)
            if chain:
                schema.chains.append((p, chain))
        schema.functional = set(g.typed.get(v.FUNCTIONAL, ()))
        schema.inverse_functional = set(g.typed.get(v.INVERSE_FUNCTIONAL, ()))
        schema.irreflexive = set(g.typed.get(v.IRREFLEXIVE, ()))
        schema.asymmetric = set(g.typed.get(v.ASYMMETRIC, ()))

    # --- Class hierarchy edges, each with the rule that gives it.
    class_edges: dict[Term, set[Term]] = defaultdict(set)
    direct_c: dict[tuple[Term, Term], str] = {}

    def edge(a: Term, b: Term, rule: str) -> bool:
        if a == b or is_literal(a) or is_literal(b) or b in class_edges[a]:
            return False
        class_edges[a].add(b)
        direct_c.setdefault((a, b), rule)
        return True

    for s, o in g.by_p.get(v.SUB_CLASS_OF, ()):
        edge(s, o, "")
    restrictions: dict[Term, tuple[Term, str, Term]] = {}
    if owl_rl:
        for s, o in g.by_p.get(v.EQUIVALENT_CLASS, ()):
            edge(s, o, "scm-eqc1")
            edge(o, s, "scm-eqc1")
        for c, head in g.by_p.get(v.INTERSECTION_OF, ()):
            members = g.items(head)
            if members:
                schema.intersections.append((c, members))
                for m in members:
                    edge(c, m, "scm-int")
        for c, head in g.by_p.get(v.UNION_OF, ()):
            members = g.items(head)
            if members:
                for m in members:
                    edge(m, c, "scm-uni")
        for c, head in g.by_p.get(v.ONE_OF, ()):
            members = g.items(head)
            if members:
                schema.one_of.append((c, members))
        for r, p in g.by_p.get(v.ON_PROPERTY, ()):
            for kind, pred in (
                ("hv", v.HAS_VALUE),
                ("svf", v.SOME_VALUES_FROM),
                ("avf", v.ALL_VALUES_FROM),
            ):
                filler = g.one(r, pred)
                if filler is not None:
                    restrictions[r] = (p, kind, filler)
                    if kind == "hv":
                        schema.has_value.append((r, p, filler))
                    elif kind == "svf":
                        schema.some_values.append((r, p, filler))
                    else:
                        schema.all_values.append((r, p, filler))
            for pred, qualified in (
                (v.MAX_CARDINALITY, False),
                (v.MAX_QUALIFIED_CARDINALITY, True),
            ):
                for literal in g.sp.get((r, pred), ()):
                    n = _count(literal)
                    on_class = g.one(r, v.ON_CLASS) if qualified else None
                    if n in (0, 1) and (not qualified or on_class is not None):
                        schema.max_cardinality.append((r, p, on_class, n))
        for c, head in g.by_p.get(v.HAS_KEY, ()):
            props = g.items(head)
            if props:
                schema.keys.append((c, props))

    # Restriction subsumption (scm-hv, scm-svf1/2, scm-avf1/2) depends on the closed
    # hierarchies, and adds to the class one: iterate until nothing new.
    superclasses = _closure(class_edges)
    while owl_rl and restrictions:
        added = False
        by_kind: dict[str, list[tuple[Term, Term, Term]]] = defaultdict(list)
        for r, (p, kind, filler) in restrictions.items():
            by_kind[kind].append((r, p, filler))
        for r1, p1, f1 in by_kind["hv"]:
            for r2, p2, f2 in by_kind["hv"]:
                if r1 != r2 and f1 == f2 and p2 in supp_or_self(p1):
                    added |= edge(r1, r2, "scm-hv")
        for r1, p1, f1 in by_kind["svf"]:
            for r2, p2, f2 in by_kind["svf"]:
                if r1 == r2:
                    continue
                if p1 == p2 and (f1 == f2 or f2 in superclasses.get(f1, ())):
                    added |= edge(r1, r2, "scm-svf1")
                elif f1 == f2 and p2 in superproperties.get(p1, ()):
                    added |= edge(r1, r2, "scm-svf2")
        for r1, p1, f1 in by_kind["avf"]:
            for r2, p2, f2 in by_kind["avf"]:
                if r1 == r2:
                    continue
                if p1 == p2 and (f1 == f2 or f2 in superclasses.get(f1, ())):
                    added |= edge(r1, r2, "scm-avf1")
                elif f1 == f2 and p1 in superproperties.get(p2, ()):
                    added |= edge(r1, r2, "scm-avf2")
        if not added:
            break
        superclasses = _closure(class_edges)
    schema.superclasses = {c: s for c, s in superclasses.items() if s}
    for c, sups in superclasses.items():
        for d in sups:
            derive(c, v.SUB_CLASS_OF, d, direct_c.get((c, d)) or "scm-sco")
    if owl_rl:  # scm-eqc2, scm-eqp2: mutual subsumption is equivalence.
        for c, sups in superclasses.items():
            for d in sups:
                if c in superclasses.get(d, ()):
                    derive(c, v.EQUIVALENT_CLASS, d, "scm-eqc2")
        for p, sups in superproperties.items():
            for q in sups:
                if p in superproperties.get(q, ()):
                    derive(p, v.EQUIVALENT_PROPERTY, q, "scm-eqp2")

    # --- Domains and ranges, closed over both hierarchies (scm-dom1/2, scm-rng1/2).
    if domain_range:
        for pred, target, rule1, rule2 in (
            (v.DOMAIN, schema.domains, "scm-dom1", "scm-dom2"),
            (v.RANGE, schema.ranges, "scm-rng1", "scm-rng2"),
        ):
            declared: dict[Term, set[Term]] = defaultdict(set)
            for prop, cls in g.by_p.get(pred, ()):
                if not is_literal(cls):
                    declared[prop].add(cls)
            described = set(declared) | {
                p for p in superproperties if superproperties[p] & set(declared)
            }
            for p in described:
                found: set[Term] = set()
                for q in supp_or_self(p):
                    for c in declared.get(q, ()):
                        if q != p:
                            derive(p, pred, c, rule2)
                        found.add(c)
                for c in list(found):
                    for d in superclasses.get(c, ()):
                        derive(p, pred, d, rule1)
                        found.add(d)
                target[p] = found

    # --- Consistency axioms.
    if owl_rl:
        for a, b in g.by_p.get(v.DISJOINT_WITH, ()):
            schema.disjoint.add((a, b))
        for node in g.typed.get(v.ALL_DISJOINT_CLASSES, ()):
            members = g.items(g.one(node, v.MEMBERS) or v.RDF_NIL)
            if members:
                schema.all_disjoint.append(members)
        for a, b in g.by_p.get(v.COMPLEMENT_OF, ()):
            schema.complements.add((a, b))
        for a, b in g.by_p.get(v.PROPERTY_DISJOINT_WITH, ()):
            schema.disjoint_properties.add((a, b))
        for node in g.typed.get(v.ALL_DISJOINT_PROPERTIES, ()):
            members = g.items(g.one(node, v.MEMBERS) or v.RDF_NIL)
            if members:
                schema.all_disjoint_properties.append(members)
        for node in g.typed.get(v.ALL_DIFFERENT, ()):
            for listed in (v.MEMBERS, v.DISTINCT_MEMBERS):
                first = g.one(node, listed)
                distinct = g.items(first) if first is not None else None
                if distinct:
                    schema.all_different.append((node, distinct))
        for node, source in g.by_p.get(v.SOURCE_INDIVIDUAL, ()):
            asserted = g.one(node, v.ASSERTION_PROPERTY)
            individual = g.one(node, v.TARGET_INDIVIDUAL)
            value = g.one(node, v.TARGET_VALUE)
            denied = individual if individual is not None else value
            if asserted is not None and denied is not None:
                schema.negative_assertions.append(
                    (node, source, asserted, denied, individual is None)
                )

    schema.anonymous = {
        t for t in (*class_edges, *(d for ds in class_edges.values() for d in ds)) if is_blank(t)
    }
    schema.anonymous |= {r for r in restrictions if is_blank(r)}
    schema.anonymous |= {c for c, _ in schema.intersections if is_blank(c)}
    schema.derived = [
        (s, p, o, rule)
        for (s, p, o), rule in derived.items()
        if not (is_blank(s) or is_blank(o))  # never a triple about an anonymous class
    ]
    return schema
