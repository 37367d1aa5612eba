"""Consistency: the OWL 2 RL rules that conclude `false`, checked over stated + derived triples.

Each violation names its focus node, the rule, a message and the triples involved, as a SHACL
report names focus node, constraint and value. Run it on a store holding the closure (after
`infer`): a class's instances include its subclasses' only once they are derived.

Functional and inverse functional properties are checked under the unique name assumption:
two different IRIs are two things (as SHACL's `sh:maxCount 1` has it). OWL instead concludes
they are the same; with the `same-as` switch kg does so too, and reports only what then clashes
(`owl:differentFrom`, two different literals).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kgcli.infer import vocab as v
from kgcli.infer.explain import _read_schema
from kgcli.infer.rules import BUILTIN, Rule, RuleSet
from kgcli.infer.schema import Schema, is_blank

Fact = tuple[bytes, bytes, bytes]


@dataclass(frozen=True)
class Violation:
    """One inconsistency: the node it is about, the rule that concludes false, the triples."""

    focus: str
    rule: Rule
    message: str
    triples: tuple[Fact, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "rule": self.rule.iri,
            "ruleName": self.rule.name,
            "message": self.message,
            "triples": [" ".join(t.decode() for t in triple) + " ." for triple in self.triples],
        }


@dataclass
class CheckReport:
    """Whether the closure is consistent, and why not."""

    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def rows(self) -> list[dict[str, str]]:
        """One row per violation, for tables and CSV: focus, rule, message, triples."""
        return [
            {
                "focus": x.focus,
                "rule": x.rule.name,
                "message": x.message,
                "triples": " ".join(" ".join(t.decode() for t in tr) + " ." for tr in x.triples),
            }
            for x in self.violations
        ]


def _rows(store: ox.Store, query: str) -> Iterator[dict[str, bytes]]:
    answer = store.query(query, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    names = [var.value for var in answer.variables]
    for row in answer:
        yield {n: str(row[n]).encode() for n in names if row[n] is not None}


def _values(name: str, terms: list[bytes]) -> str:
    return f"VALUES ?{name} {{ {' '.join(t.decode() for t in terms)} }}"


def _named(terms: list[bytes]) -> list[bytes]:
    return [t for t in terms if not is_blank(t)]


def check(store: ox.Store, rules: RuleSet, *, limit: int = 1000) -> CheckReport:
    """Check the closure held in `store` against the schema's consistency axioms.

    At most `limit` violations per rule are reported (the count says when there were more).
    """
    schema = _read_schema(store, RuleSet(rdfs=True, owl_rl=True, domain_range=rules.domain_range))
    report = CheckReport()
    same_as = rules.same_as
    for rule, message, focus, triples in _violations(store, schema, same_as, limit):
        report.violations.append(Violation(focus.decode(), BUILTIN[rule], message, triples))
    report.violations.sort(key=lambda x: (x.rule.name, x.focus, x.triples))
    return report


def _violations(
    store: ox.Store, sc: Schema, same_as: bool, limit: int
) -> Iterator[tuple[str, str, bytes, tuple[Fact, ...]]]:
    T = v.RDF_TYPE
    # Disjoint classes, pairwise (cax-dw) and in lists (cax-adc), and complements (cls-com).
    groups: list[tuple[str, list[bytes]]] = [("cax-adc", _named(m)) for m in sc.all_disjoint]
    groups += [("cax-dw", _named([a, b])) for a, b in sorted(sc.disjoint)]
    groups += [("cls-com", _named([a, b])) for a, b in sorted(sc.complements)]
    for rule, members in groups:
        if len(members) < 2:
            continue
        query = (
            f"SELECT DISTINCT ?x ?a ?b WHERE {{ {_values('a', members)} ?x a ?a . "
            f"{_values('b', members)} ?x a ?b FILTER(STR(?a) < STR(?b)) }} "
            f"ORDER BY ?x LIMIT {limit}"
        )
        for row in _rows(store, query):
            x, a, b = row["x"], row["a"], row["b"]
            what = "complementary" if rule == "cls-com" else "disjoint"
            yield rule, f"an instance of two {what} classes", x, ((x, T, a), (x, T, b))
    for row in _rows(store, f"SELECT ?x WHERE {{ ?x a {v.NOTHING.decode()} }} LIMIT {limit}"):
        yield "cls-nothing2", "an instance of owl:Nothing", row["x"], ((row["x"], T, v.NOTHING),)
    # At most 0 values (cls-maxc1, cls-maxqc1/2).
    for r, p, q, n in sc.max_cardinality:
        if n != 0 or is_blank(p):
            continue
        cls = f". ?y a {q.decode()}" if q is not None and q != v.THING else ""
        rule = "cls-maxc1" if q is None else ("cls-maxqc2" if q == v.THING else "cls-maxqc1")
        query = (
            f"SELECT ?x ?y WHERE {{ ?x a {r.decode()} . ?x {p.decode()} ?y {cls} }} LIMIT {limit}"
        )
        for row in _rows(store, query):
            yield rule, "a value where none is allowed", row["x"], ((row["x"], p, row["y"]),)
    # Irreflexive, asymmetric and disjoint properties.
    for p in sorted(sc.irreflexive):
        for row in _rows(store, f"SELECT ?x WHERE {{ ?x {p.decode()} ?x }} LIMIT {limit}"):
            yield (
                "prp-irp",
                "related to itself by an irreflexive property",
                row["x"],
                ((row["x"], p, row["x"]),),
            )
    for p in sorted(sc.asymmetric):
        query = (
            f"SELECT ?x ?y WHERE {{ ?x {p.decode()} ?y . ?y {p.decode()} ?x "
            f"FILTER(STR(?x) <= STR(?y)) }} LIMIT {limit}"
        )
        for row in _rows(store, query):
            x, y = row["x"], row["y"]
            yield "prp-asyp", "both ways by an asymmetric property", x, ((x, p, y), (y, p, x))
    pairs = [("prp-pdw", [a, b]) for a, b in sorted(sc.disjoint_properties)]
    pairs += [("prp-adp", m) for m in sc.all_disjoint_properties]
    for rule, props in pairs:
        query = (
            f"SELECT DISTINCT ?x ?y ?a ?b WHERE {{ {_values('a', props)} ?x ?a ?y . "
            f"{_values('b', props)} ?x ?b ?y FILTER(STR(?a) < STR(?b)) }} LIMIT {limit}"
        )
        for row in _rows(store, query):
            x, y = row["x"], row["y"]
            yield (
                rule,
                "related by two disjoint properties",
                x,
                ((x, row["a"], y), (x, row["b"], y)),
            )
    # Negative property assertions (prp-npa1/2).
    for _, source, p, target, data in sc.negative_assertions:
        ask = f"ASK {{ {source.decode()} {p.decode()} {target.decode()} }}"
        if bool(store.query(ask, use_default_graph_as_union=True)):
            rule = "prp-npa2" if data else "prp-npa1"
            yield rule, "a triple a negative assertion denies", source, ((source, p, target),)
    # owl:sameAs against owl:differentFrom and AllDifferent (eq-diff1/2/3).
    same, different = v.SAME_AS.decode(), v.DIFFERENT_FROM.decode()
    query = (
        f"SELECT DISTINCT ?x ?y WHERE {{ ?x {same} ?y . "
        f"{{ ?x {different} ?y }} UNION {{ ?y {different} ?x }} FILTER(STR(?x) < STR(?y)) }} "
        f"LIMIT {limit}"
    )
    for row in _rows(store, query):
        x, y = row["x"], row["y"]
        yield "eq-diff1", "the same and different", x, ((x, v.SAME_AS, y), (x, v.DIFFERENT_FROM, y))
    for _, members in sc.all_different:
        named = _named(members)
        query = (
            f"SELECT DISTINCT ?x ?y WHERE {{ {_values('x', named)} {_values('y', named)} "
            f"?x {same} ?y FILTER(?x != ?y) }} LIMIT {limit}"
        )
        for row in _rows(store, query):
            x, y = row["x"], row["y"]
            yield (
                "eq-diff2",
                "the same, and members of one owl:AllDifferent",
                x,
                ((x, v.SAME_AS, y),),
            )
    # Functional and inverse functional properties, under unique names unless same-as.
    for rule, props, forward in (
        ("functional", sorted(sc.functional), True),
        ("inverse-functional", sorted(sc.inverse_functional), False),
    ):
        for p in props:
            # Two values, not the same term, not equal literals (COALESCE: an error is "not equal").
            pattern = (
                f"?x {p.decode()} ?a . ?x {p.decode()} ?b"
                if forward
                else f"?a {p.decode()} ?x . ?b {p.decode()} ?x"
            )
            unless = (
                f"FILTER(isLiteral(?a) || isLiteral(?b)) FILTER NOT EXISTS {{ ?a {same} ?b }}"
                if same_as
                else ""
            )
            query = (
                f"SELECT DISTINCT ?x ?a ?b WHERE {{ {pattern} "
                f"FILTER(STR(?a) < STR(?b) && !COALESCE(?a = ?b, false)) {unless} }} "
                f"ORDER BY ?x LIMIT {limit}"
            )
            for row in _rows(store, query):
                xx, aa, bb = row["x"], row["a"], row["b"]
                if forward:
                    yield (
                        rule,
                        "two values of a functional property",
                        xx,
                        ((xx, p, aa), (xx, p, bb)),
                    )
                else:
                    yield (
                        rule,
                        "two subjects of an inverse functional property",
                        xx,
                        (
                            (aa, p, xx),
                            (bb, p, xx),
                        ),
                    )
