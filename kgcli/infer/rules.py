"""The rules: the built-in OWL 2 RL / RDFS ones (by their W3C names), and how rule sets are chosen.

Every rule has an IRI, a label and a comment, built-in or SPARQL; a derived triple names the rule
that derived it, and `kg explain` shows it. `RL_RULES` lists all 78 rules of the OWL 2 RL/RDF
profile (W3C OWL 2 Profiles, section 4.3) and says, for each, what this package does with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kgcli.errors import UsageError
from kgcli.infer.vocab import rule_iri


@dataclass(frozen=True)
class Rule:
    """An inference rule: `name` is short (`cax-sco`, or a SPARQL rule's file stem)."""

    name: str
    iri: str
    label: str
    comment: str
    #: `rdfs`, `domain-range`, `owl-rl`, `same-as`, `check` or `sparql`.
    group: str


def _rule(name: str, group: str, label: str, comment: str) -> Rule:
    return Rule(name, rule_iri(name), label, comment, group)


_IMPLEMENTED = [
    # rdfs: the class and property hierarchies.
    _rule("scm-sco", "rdfs", "subClassOf is transitive", "C1 ⊑ C2, C2 ⊑ C3 → C1 ⊑ C3 (rdfs11)."),
    _rule("scm-spo", "rdfs", "subPropertyOf is transitive", "P1 ⊑ P2, P2 ⊑ P3 → P1 ⊑ P3 (rdfs5)."),
    _rule("cax-sco", "rdfs", "instances of a subclass", "C1 ⊑ C2, x a C1 → x a C2 (rdfs9)."),
    _rule("prp-spo1", "rdfs", "values of a subproperty", "P1 ⊑ P2, x P1 y → x P2 y (rdfs7)."),
    # rdfs with --domain-range.
    _rule("prp-dom", "domain-range", "typed by a domain", "P domain C, x P y → x a C (rdfs2)."),
    _rule("prp-rng", "domain-range", "typed by a range", "P range C, x P y → y a C (rdfs3)."),
    _rule("scm-dom1", "domain-range", "domain widened", "P domain C1, C1 ⊑ C2 → P domain C2."),
    _rule("scm-dom2", "domain-range", "domain inherited", "P2 domain C, P1 ⊑ P2 → P1 domain C."),
    _rule("scm-rng1", "domain-range", "range widened", "P range C1, C1 ⊑ C2 → P range C2."),
    _rule("scm-rng2", "domain-range", "range inherited", "P2 range C, P1 ⊑ P2 → P1 range C."),
    # owl-rl.
    _rule("scm-eqc1", "owl-rl", "equivalent classes", "C1 ≡ C2 → C1 ⊑ C2, C2 ⊑ C1."),
    _rule("scm-eqc2", "owl-rl", "mutual subclasses", "C1 ⊑ C2, C2 ⊑ C1 → C1 ≡ C2."),
    _rule("scm-eqp1", "owl-rl", "equivalent properties", "P1 ≡ P2 → P1 ⊑ P2, P2 ⊑ P1."),
    _rule("scm-eqp2", "owl-rl", "mutual subproperties", "P1 ⊑ P2, P2 ⊑ P1 → P1 ≡ P2."),
    _rule("scm-int", "owl-rl", "intersection subsumes", "C ≡ C1 ⊓ ... ⊓ Cn → C ⊑ Ci."),
    _rule("scm-uni", "owl-rl", "union subsumes", "C ≡ C1 ⊔ ... ⊔ Cn → Ci ⊑ C."),
    _rule("scm-hv", "owl-rl", "hasValue restrictions", "∃P1.{i} ⊑ ∃P2.{i} when P1 ⊑ P2."),
    _rule("scm-svf1", "owl-rl", "someValuesFrom by class", "∃P.C1 ⊑ ∃P.C2 when C1 ⊑ C2."),
    _rule("scm-svf2", "owl-rl", "someValuesFrom by property", "∃P1.C ⊑ ∃P2.C when P1 ⊑ P2."),
    _rule("scm-avf1", "owl-rl", "allValuesFrom by class", "∀P.C1 ⊑ ∀P.C2 when C1 ⊑ C2."),
    _rule("scm-avf2", "owl-rl", "allValuesFrom by property", "∀P2.C ⊑ ∀P1.C when P1 ⊑ P2."),
    _rule("prp-inv1", "owl-rl", "inverse property", "P1 inverseOf P2, x P1 y → y P2 x."),
    _rule("prp-inv2", "owl-rl", "inverse property", "P1 inverseOf P2, x P2 y → y P1 x."),
    _rule("prp-symp", "owl-rl", "symmetric property", "P symmetric, x P y → y P x."),
    _rule("prp-trp", "owl-rl", "transitive property", "P transitive, x P y, y P z → x P z."),
    _rule("prp-spo2", "owl-rl", "property chain", "P ≡ P1 ∘ ... ∘ Pn, x0 P1 x1 ... → x0 P xn."),
    _rule("cls-int1", "owl-rl", "in every class of an intersection", "x a C1...Cn → x a C."),
    _rule("cls-svf1", "owl-rl", "someValuesFrom", "R ≡ ∃P.C, x P y, y a C → x a R."),
    _rule("cls-svf2", "owl-rl", "someValuesFrom owl:Thing", "R ≡ ∃P.owl:Thing, x P y → x a R."),
    _rule("cls-avf", "owl-rl", "allValuesFrom", "R ≡ ∀P.C, x a R, x P y → y a C."),
    _rule("cls-hv1", "owl-rl", "hasValue gives the value", "R ≡ ∃P.{v}, x a R → x P v."),
    _rule("cls-hv2", "owl-rl", "hasValue gives the class", "R ≡ ∃P.{v}, x P v → x a R."),
    _rule("cls-oo", "owl-rl", "enumerated class", "C ≡ {x1 ... xn} → xi a C."),
    # owl:sameAs, with --same-as.
    _rule("eq-sym", "same-as", "sameAs is symmetric", "x = y → y = x."),
    _rule("eq-trans", "same-as", "sameAs is transitive", "x = y, y = z → x = z."),
    _rule("eq-rep-s", "same-as", "same subject", "s = s', s p o → s' p o."),
    _rule("eq-rep-p", "same-as", "same predicate", "p = p', s p o → s p' o."),
    _rule("eq-rep-o", "same-as", "same object", "o = o', s p o → s p o'."),
    _rule("prp-fp", "same-as", "functional property", "P functional, x P y1, x P y2 → y1 = y2."),
    _rule(
        "prp-ifp", "same-as", "inverse functional", "P inv. functional, x1 P y, x2 P y → x1 = x2."
    ),
    _rule(
        "prp-key", "same-as", "keys", "C hasKey (P1..Pn), x, y in C share each Pi value → x = y."
    ),
    _rule(
        "cls-maxc2", "same-as", "at most one value", "R ≡ ≤1 P, x a R, x P y1, x P y2 → y1 = y2."
    ),
    _rule(
        "cls-maxqc3", "same-as", "at most one qualified value", "R ≡ ≤1 P.C: two C values are =."
    ),
    _rule(
        "cls-maxqc4",
        "same-as",
        "at most one value (owl:Thing)",
        "R ≡ ≤1 P.owl:Thing: two values are =.",
    ),
]

_CHECKS = [
    _rule(
        "cax-dw", "check", "disjoint classes", "C1 disjointWith C2, x a C1, x a C2: inconsistent."
    ),
    _rule("cax-adc", "check", "all disjoint classes", "AllDisjointClasses(C1..Cn), x in two Ci."),
    _rule("cls-nothing2", "check", "nothing is owl:Nothing", "x a owl:Nothing: inconsistent."),
    _rule("cls-com", "check", "complement", "C1 complementOf C2, x a C1, x a C2: inconsistent."),
    _rule("cls-maxc1", "check", "no value allowed", "R ≡ ≤0 P, x a R, x P y: inconsistent."),
    _rule("cls-maxqc1", "check", "no qualified value", "R ≡ ≤0 P.C, x a R, x P y, y a C."),
    _rule("cls-maxqc2", "check", "no value (owl:Thing)", "R ≡ ≤0 P.owl:Thing, x a R, x P y."),
    _rule("prp-irp", "check", "irreflexive property", "P irreflexive, x P x: inconsistent."),
    _rule("prp-asyp", "check", "asymmetric property", "P asymmetric, x P y, y P x: inconsistent."),
    _rule("prp-pdw", "check", "disjoint properties", "P1 disjoint P2, x P1 y, x P2 y."),
    _rule("prp-adp", "check", "all disjoint properties", "AllDisjointProperties, x Pi y, x Pj y."),
    _rule("prp-npa1", "check", "negative assertion", "NPA(x P y) stated and x P y holds."),
    _rule("prp-npa2", "check", "negative data assertion", "NPA(x P v) stated and x P v holds."),
    _rule("eq-diff1", "check", "same and different", "x = y, x differentFrom y: inconsistent."),
    _rule("eq-diff2", "check", "AllDifferent members", "AllDifferent(..x..y..), x = y."),
    _rule("eq-diff3", "check", "AllDifferent (distinctMembers)", "as eq-diff2."),
    _rule(
        "functional",
        "check",
        "one value of a functional property",
        "P functional, x P y1, x P y2, y1 ≠ y2: two different literals always; two IRIs too "
        "unless --same-as (unique names: kg treats two IRIs as two things).",
    ),
    _rule(
        "inverse-functional",
        "check",
        "one subject of an inverse functional property",
        "P inverse functional, x1 P y, x2 P y, x1 ≠ x2 (unique names, unless --same-as).",
    ),
]

#: The rules of the OWL 2 RL/RDF profile this package does not apply, and why.
NOT_IMPLEMENTED = {
    "eq-ref": "x = x for every term: three triples per term that say nothing",
    "prp-ap": "axiomatic triples typing the OWL annotation properties",
    "cls-thing": "axiomatic: owl:Thing a owl:Class",
    "cls-nothing1": "axiomatic: owl:Nothing a owl:Class",
    "scm-cls": "C ⊑ C, C ≡ C, C ⊑ owl:Thing, owl:Nothing ⊑ C for every class: tautologies (and "
    "through cax-sco one `x a owl:Thing` per typed node)",
    "scm-op": "P ⊑ P and P ≡ P for every object property: tautologies",
    "scm-dp": "P ⊑ P and P ≡ P for every datatype property: tautologies",
    "dt-type1": "axiomatic typing of the datatypes",
    "dt-type2": "a literal typed by its datatype: a literal cannot be a subject in RDF 1.1",
    "dt-eq": "sameAs between equal literals: a literal cannot be a subject in RDF 1.1",
    "dt-diff": "differentFrom between unequal literals: as dt-eq",
    "dt-not-type": "ill-typed literals are refused by the parser, before any rule runs",
}

#: Rules this package applies through another one, with the closed hierarchy.
THROUGH = {
    "cax-eqc1": "scm-eqc1 then cax-sco",
    "cax-eqc2": "scm-eqc1 then cax-sco",
    "prp-eqp1": "scm-eqp1 then prp-spo1",
    "prp-eqp2": "scm-eqp1 then prp-spo1",
    "cls-int2": "scm-int then cax-sco",
    "cls-uni": "scm-uni then cax-sco",
}

BUILTIN: dict[str, Rule] = {r.name: r for r in _IMPLEMENTED + _CHECKS}

#: All 78 rule names of the OWL 2 RL/RDF profile, in the order of the W3C tables 4 to 9.
RL_RULES = (
    *("eq-ref", "eq-sym", "eq-trans", "eq-rep-s", "eq-rep-p", "eq-rep-o"),
    *("eq-diff1", "eq-diff2", "eq-diff3"),
    *("prp-ap", "prp-dom", "prp-rng", "prp-fp", "prp-ifp", "prp-irp", "prp-symp", "prp-asyp"),
    *("prp-trp", "prp-spo1", "prp-spo2", "prp-eqp1", "prp-eqp2", "prp-pdw", "prp-adp"),
    *("prp-inv1", "prp-inv2", "prp-key", "prp-npa1", "prp-npa2"),
    *("cls-thing", "cls-nothing1", "cls-nothing2", "cls-int1", "cls-int2", "cls-uni", "cls-com"),
    *("cls-svf1", "cls-svf2", "cls-avf", "cls-hv1", "cls-hv2", "cls-maxc1", "cls-maxc2"),
    *("cls-maxqc1", "cls-maxqc2", "cls-maxqc3", "cls-maxqc4", "cls-oo"),
    *("cax-sco", "cax-eqc1", "cax-eqc2", "cax-dw", "cax-adc"),
    *("dt-type1", "dt-type2", "dt-eq", "dt-diff", "dt-not-type"),
    *("scm-cls", "scm-sco", "scm-eqc1", "scm-eqc2", "scm-op", "scm-dp", "scm-spo", "scm-eqp1"),
    *("scm-eqp2", "scm-dom1", "scm-dom2", "scm-rng1", "scm-rng2", "scm-hv", "scm-svf1"),
    *("scm-svf2", "scm-avf1", "scm-avf2", "scm-int", "scm-uni"),
)

#: Names `--rules` takes besides a folder or a `.rq` file.
RULE_SET_NAMES = ("rdfs", "owl-rl")


@dataclass(frozen=True)
class RuleSet:
    """Which rules run: the RDFS core, OWL 2 RL, two switches, and SPARQL rules.

    `owl_rl` includes the RDFS rules (they are OWL 2 RL rules too). `domain_range` adds
    rdfs:domain/rdfs:range typing, `same_as` the owl:sameAs rules: both off unless asked for.
    """

    rdfs: bool = True
    owl_rl: bool = True
    domain_range: bool = False
    same_as: bool = False
    #: SPARQL CONSTRUCT rules (`kgcli.infer.sparql_rules.SparqlRule`), run with the others.
    sparql: tuple = field(default=())  # type: ignore[type-arg]

    @property
    def groups(self) -> frozenset[str]:
        """The groups of built-in rules that apply."""
        on = set()
        if self.rdfs or self.owl_rl:
            on.add("rdfs")
        if self.owl_rl:
            on.add("owl-rl")
        if self.domain_range and on:
            on.add("domain-range")
        if self.same_as and self.owl_rl:
            on.add("same-as")
        return frozenset(on)

    def enabled(self, name: str) -> bool:
        """Whether the built-in rule `name` applies."""
        rule = BUILTIN.get(name)
        return rule is not None and rule.group in self.groups

    def rules(self) -> list[Rule]:
        """Every rule that applies (built-in, then SPARQL), for listings and reports."""
        found = [r for r in _IMPLEMENTED if r.group in self.groups]
        return found + [r.rule for r in self.sparql]

    def describe(self) -> str:
        """One line: the rule sets and switches, as `kg infer` reports them."""
        names = [n for n, on in (("owl-rl", self.owl_rl), ("rdfs", self.rdfs)) if on]
        if self.owl_rl:
            names = ["owl-rl"]
        if self.domain_range:
            names.append("domain-range")
        if self.same_as:
            names.append("same-as")
        if self.sparql:
            names.append(f"{len(self.sparql)} SPARQL rule{'s' if len(self.sparql) != 1 else ''}")
        return ", ".join(names) or "no rules"


def rule_set(
    specs: Iterable[str],
    *,
    domain_range: bool = False,
    same_as: bool = False,
    project_rules: str | Path | None = None,
) -> RuleSet:
    """The rule set `--rules` names: `rdfs`, `owl-rl`, a folder of `.rq` rules or one `.rq` file.

    With no spec, the default: `owl-rl` and the project's own SPARQL rules (`project_rules`).
    Every SPARQL rule file is read and checked here, before anything runs.
    """
    from kgcli.infer.sparql_rules import load_rules

    specs = list(specs)
    if not specs:
        specs = ["owl-rl"] + ([str(project_rules)] if project_rules is not None else [])
    rdfs = owl_rl = False
    paths: list[str] = []
    for spec in specs:
        if spec == "rdfs":
            rdfs = True
        elif spec == "owl-rl":
            owl_rl = True
        elif spec.endswith((".rq", ".sparql")) or Path(spec).is_dir() or "/" in spec:
            paths.append(spec)
        else:
            raise UsageError(
                f"--rules {spec}: not a rule set (rdfs, owl-rl), "
                "a folder of .rq rules or a .rq file"
            )
    if (domain_range or same_as) and not (rdfs or owl_rl):
        raise UsageError("--domain-range and --same-as need --rules rdfs or owl-rl")
    if same_as and not owl_rl:
        raise UsageError("--same-as needs --rules owl-rl (owl:sameAs is an OWL rule)")
    sparql = load_rules(paths, project=project_rules)
    return RuleSet(rdfs, owl_rl, domain_range, same_as, tuple(sparql))


def rule_named(name_or_iri: str, rules: Sequence[Rule]) -> Rule | None:
    """A rule by its short name or IRI."""
    for rule in rules:
        if name_or_iri in (rule.name, rule.iri):
            return rule
    return BUILTIN.get(name_or_iri)
