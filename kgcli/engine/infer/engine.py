"""Materialisation: the closure of a store's stated graphs under a rule set, by semi-naive rounds.

How it runs (docs/inference.md has the why and the figures):

1. The schema triples are read and compiled in Python (`kgcli.engine.infer.schema`): closed class
   and property hierarchies, and the axioms of each instance rule, as small tables.
2. The triples those rules read or write are read once (one CONSTRUCT per kind, as N-Triples,
   streamed) and dictionary-encoded: a relation is a set of ints (`s << 32 | o`).
3. Rounds: each rule joins the triples new in the last round (the delta) with all known ones,
   hash look-ups in C-implemented sets and dicts; what is new feeds the next round. Derived
   triples are written as they are found, to a `Sink`.
4. SPARQL rules (CONSTRUCT) run when the built-in rules have nothing left to derive, on the
   store's union graph, which holds what was derived so far; their new triples start new rounds.
   Until nothing is new, or a bound (rounds, derived triples) or the timeout stops it all.

Stated triples are never modified; a triple both stated and derivable is not derived.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgcli.engine.infer import isolated
from kgcli.engine.infer import vocab as v
from kgcli.engine.infer.rules import BUILTIN, RuleSet
from kgcli.engine.infer.schema import compile_schema
from kgcli.engine.infer.sink import Sink, StoreSink, TeeSink
from kgcli.engine.infer.terms import BLANK, LITERAL, LOW, SHIFT, Terms, construct_lines, values
from kgcli.errors import KgError, QueryTimeout

HIGH = ~LOW
#: Ways to mark which rule derived a triple (docs/inference.md, "Marking").
MARKINGS = ("sparql", "none", "all", "all-rdf12")
_SCRATCH = "urn:kgcli:infer:scratch"
_SLICE = 1 << 15


class _Restart(Exception):
    """The schema changed so that more stated triples must be read: run again from the start."""

    def __init__(self, read: tuple[bool, set[bytes], set[bytes]]) -> None:
        self.read = read


class InferenceDiverged(KgError):
    """The rules did not reach a fixpoint within the bounds; nothing was written."""

    exit_code = 1


@dataclass(frozen=True)
class Bounds:
    """When to give up: after `max_rounds` rounds, or past `max_derived` derived triples.

    `max_derived` None means 20 per triple the rules read (every triple with SPARQL rules) plus
    100,000: far above any closure of the built-in rules on data like ours (about 3 per triple
    read), well below what exhausts memory.
    """

    max_rounds: int = 100
    max_derived: int | None = None

    def derived_limit(self, read: int) -> int:
        return self.max_derived if self.max_derived is not None else 20 * read + 100_000


@dataclass
class InferenceReport:
    """What a run did: triples read and derived, rounds, and how many each rule derived first."""

    rules: str
    #: Schema triples read (compiled in Python), and the other triples the rules read.
    schema_triples: int = 0
    triples_read: int = 0
    derived: int = 0
    #: Types of anonymous classes (blank-node class expressions): used, never written.
    hidden: int = 0
    #: Derivation records written (`kgi:derivedBy`), for SPARQL rules unless marking says more.
    marks: int = 0
    rounds: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "schemaTriples": self.schema_triples,
            "triplesRead": self.triples_read,
            "derived": self.derived,
            "hidden": self.hidden,
            "marks": self.marks,
            "rounds": self.rounds,
            "byRule": dict(sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "seconds": round(self.seconds, 3),
        }


def _stated_pattern(where: str) -> str:
    """A pattern over the store's default graph and every named graph but the derived one."""
    return (
        f"{{ {where} }} UNION {{ GRAPH ?g {{ {where} }} "
        f"FILTER(?g != <{v.INFERRED_GRAPH}> && ?g != <{_SCRATCH}>) }}"
    )


class _Engine:
    """One materialisation run over one store."""

    def __init__(
        self,
        store: ox.Store,
        rules: RuleSet,
        sink: Sink,
        bounds: Bounds,
        deadline: float | None,
        marking: str,
        progress: Callable[[str], None] | None,
        read: tuple[bool, set[bytes], set[bytes]] = (False, set(), set()),
    ) -> None:
        self.read = read
        self.store = store
        self.rules = rules
        self.sink = sink
        self.bounds = bounds
        self.deadline = deadline
        self.marking = marking
        self.progress = progress
        self.terms = Terms()
        self.facts: dict[int, set[int]] = defaultdict(set)
        self.index_out: dict[int, dict[int, list[int]]] = {}
        self.index_in: dict[int, dict[int, list[int]]] = {}
        self.instances: dict[int, set[int]] = {}
        self.report = InferenceReport(rules.describe())
        self.schema_input: set[tuple[bytes, bytes, bytes]] = set()
        self._buffer: list[bytes] = []
        self._blank: list[bytes] = []
        self._buffered = 0
        self._round_counts: dict[str, int] = defaultdict(int)
        self._limit = 0
        self.type = self.terms.id(v.RDF_TYPE)
        self.same = self.terms.id(v.SAME_AS)
        self.thing = self.terms.id(v.THING)

    def close(self) -> None:
        """Let go of the store and the relations now, not when the cycle collector runs.

        The rules are bound methods of the engine: a reference cycle that would keep an
        on-disk store open (its files in use) and every relation in memory after `infer`.
        """
        self.instance_rules: list[tuple[str, Any]] = []
        self.facts = defaultdict(set)
        self.index_out, self.index_in, self.instances = {}, {}, {}
        self.terms = Terms()
        self.store = None  # type: ignore[assignment]
        self.sink = None  # type: ignore[assignment]

    # --- Reading ---------------------------------------------------------------------------

    def _tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout(isolated.STOPPED)

    def _read_schema(self) -> None:
        triples = self.schema_input

        def take(chunk: bytes) -> None:
            for line in chunk.split(b"\n"):
                if line:
                    s, p, rest = line.split(b" ", 2)
                    triples.add((s, p, rest[:-2]))

        preds = values(sorted(v.SCHEMA_PREDICATES))
        classes = values(sorted(v.SCHEMA_CLASSES))
        construct_lines(
            self.store,
            "CONSTRUCT { ?s ?p ?o } WHERE { "
            + _stated_pattern(f"VALUES ?p {{ {preds} }} ?s ?p ?o")
            + " }",
            take,
        )
        construct_lines(
            self.store,
            f"CONSTRUCT {{ ?s <{v.RDF_NS}type> ?o }} WHERE {{ "
            + _stated_pattern(f"VALUES ?o {{ {classes} }} ?s <{v.RDF_NS}type> ?o")
            + " }",
            take,
        )

    def _compile(self) -> None:
        rs = self.rules
        s = compile_schema(
            self.schema_input,
            owl_rl="owl-rl" in rs.groups,
            domain_range="domain-range" in rs.groups,
        )
        self.schema = s
        t = self.terms.id

        def ids(terms: Iterable[bytes]) -> tuple[int, ...]:
            return tuple(sorted({t(x) for x in terms}))

        self.sup = {t(c): ids(ds) for c, ds in s.superclasses.items()}
        self.supp = {t(p): ids(qs) for p, qs in s.superproperties.items()}
        self.inv = {t(p): ids(qs) for p, qs in s.inverses.items()}
        self.sym = {t(p) for p in s.symmetric}
        self.trans = {t(p) for p in s.transitive}
        self.chains = [(t(p), [t(q) for q in chain]) for p, chain in s.chains]
        self.hv_by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.hv_by_prop: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for r, p, val in s.has_value:
            self.hv_by_class[t(r)].append((t(p), t(val)))
            self.hv_by_prop[t(p)][t(val)].append(t(r))
        self.svf_by_prop: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.svf_by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r, p, d in s.some_values:
            self.svf_by_prop[t(p)].append((t(r), t(d)))
            if d != v.THING:
                self.svf_by_class[t(d)].append((t(p), t(r)))
        self.avf_by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.avf_by_prop: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r, p, d in s.all_values:
            self.avf_by_class[t(r)].append((t(p), t(d)))
            self.avf_by_prop[t(p)].append((t(r), t(d)))
        self.int_by_member: dict[int, list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
        for c, members in s.intersections:
            mids = tuple(t(m) for m in members)
            for m in set(mids):
                self.int_by_member[m].append((t(c), mids))
        self.one_of = [(t(c), [t(x) for x in xs]) for c, xs in s.one_of]
        self.dom = {t(p): ids(ds) for p, ds in s.domains.items() if ds}
        self.rng = {t(p): ids(ds) for p, ds in s.ranges.items() if ds}
        same_as = "same-as" in rs.groups
        self.functional = {t(p) for p in s.functional} if same_as else set()
        self.inverse_functional = {t(p) for p in s.inverse_functional} if same_as else set()
        self.keys = [(t(c), [t(p) for p in ps]) for c, ps in s.keys] if same_as else []
        self.max1 = [
            (t(r), t(p), t(q) if q is not None else None)
            for r, p, q, n in s.max_cardinality
            if n == 1 and same_as
        ]
        self.anonymous = {t(c) for c in s.anonymous}
        # A type of an anonymous class (a union in a domain, say) is never written; it is worth
        # deriving only where a rule reads it. Elsewhere the closed hierarchy goes past it.
        read = (
            set(self.svf_by_class)
            | set(self.avf_by_class)
            | set(self.hv_by_class)
            | set(self.int_by_member)
            | {c for c, _ in self.keys}
            | {r for r, _, _ in self.max1}
            | {q for _, _, q in self.max1 if q is not None}
        )
        unread = self.anonymous - read
        if unread:
            self.sup = {c: tuple(d for d in ds if d not in unread) for c, ds in self.sup.items()}
            for table in (self.dom, self.rng):
                for pid, classes in table.items():
                    table[pid] = tuple(
                        sorted({e for d in classes for e in (d, *self.sup.get(d, ()))} - unread)
                    )
        # The relations a join reads by subject (out) or by object (in).
        need_out = set(self.trans) | {p for _, chain in self.chains for p in chain}
        need_in = set(self.trans) | {p for _, chain in self.chains for p in chain}
        need_in |= set(self.svf_by_prop)
        need_out |= set(self.avf_by_prop) | self.functional | {p for _, p, _ in self.max1}
        need_in |= self.inverse_functional
        for _, ps in self.keys:
            need_out |= set(ps)
        if same_as:
            need_out.add(self.same)
            need_in.add(self.same)
        for n in need_out:
            self.index_out.setdefault(n, defaultdict(list))
        for n in need_in:
            self.index_in.setdefault(n, defaultdict(list))
        for n in {c for c, _ in self.keys} | {r for r, _, _ in self.max1}:
            self.instances.setdefault(n, set())
        self.schema_pids = {t(p) for p in v.SCHEMA_PREDICATES}
        self.schema_classes = {t(c) for c in v.SCHEMA_CLASSES}
        # Can any rule type a node with a schema class (owl:TransitiveProperty, say)? Only then
        # must each round's derived types be looked through.
        made = {d for ds in self.sup.values() for d in ds}
        made |= {c for cs in (*self.dom.values(), *self.rng.values()) for c in cs}
        results = [r for r, _, _ in (*s.some_values, *s.has_value)]
        results += [d for _, _, d in s.all_values] + [c for c, _ in (*s.intersections, *s.one_of)]
        made |= {t(c) for c in results}
        self._may_type_schema = (
            same_as
            or bool(made & self.schema_classes)
            or any(
                r.head_predicates is None or r.head_classes & v.SCHEMA_CLASSES for r in rs.sparql
            )
        )
        self.instance_rules = self._instance_rules()

    def _wanted(self) -> tuple[bool, set[bytes], set[bytes]]:
        """What the rules read or write: every triple, or these predicates and classes."""
        s = self.schema
        everything = "same-as" in self.rules.groups or any(
            r.head_predicates is None for r in self.rules.sparql
        )
        preds = s.properties_read() | {
            p for r in self.rules.sparql for p in r.head_predicates or ()
        }
        preds |= {p for _, p, _, _ in s.derived}
        classes = s.classes_read() | {c for r in self.rules.sparql for c in r.head_classes}
        return everything, preds, classes

    def _read_facts(self) -> None:
        everything, preds, classes = self._wanted()
        everything |= self.read[0]
        preds |= self.read[1]
        classes |= self.read[2]
        self.read = (everything, set(preds), set(classes))
        facts, terms = self.facts, self.terms
        index, text, kinds, ints = terms.index, terms.text, terms.kind, terms.ints
        from kgcli.engine.infer.terms import kind_of

        def tid(term: bytes) -> int:
            found = index.get(term)
            if found is None:
                found = index[term] = len(text)
                text.append(term)
                kinds.append(kind_of(term))
                ints.append(found)
            return found

        count = 0

        def take(chunk: bytes) -> None:
            nonlocal count
            last_p, last_set = b"", set()
            get = index.get
            lines = chunk.split(b"\n")
            lines.pop()  # the chunk ends with a newline
            for line in lines:
                sub, p, rest = line.split(b" ", 2)
                if p != last_p:
                    last_p, last_set = p, facts[tid(p)]
                s_id = get(sub)
                if s_id is None:
                    s_id = tid(sub)
                o = rest[:-2]
                o_id = get(o)
                if o_id is None:
                    o_id = tid(o)
                last_set.add((s_id << SHIFT) | o_id)
            count += len(lines)
            self._tick()

        if everything:
            construct_lines(
                self.store,
                "CONSTRUCT { ?s ?p ?o } WHERE { " + _stated_pattern("?s ?p ?o") + " }",
                take,
            )
        else:
            preds.discard(v.RDF_TYPE)
            if preds:
                construct_lines(
                    self.store,
                    "CONSTRUCT { ?s ?p ?o } WHERE { "
                    + _stated_pattern(f"VALUES ?p {{ {values(sorted(preds))} }} ?s ?p ?o")
                    + " }",
                    take,
                )
            named = sorted(c for c in classes if not c.startswith(b"_:"))
            typed = f"?s <{v.RDF_NS}type> ?o"
            if named:
                where = _stated_pattern(f"VALUES ?o {{ {values(named)} }} {typed}")
                construct_lines(self.store, f"CONSTRUCT {{ {typed} }} WHERE {{ {where} }}", take)
            if len(named) < len(classes):  # anonymous classes: a VALUES block cannot name them
                where = _stated_pattern(f"{typed} FILTER(isBlank(?o))")
                construct_lines(self.store, f"CONSTRUCT {{ {typed} }} WHERE {{ {where} }}", take)
        self.report.triples_read = count
        for pid, keys in list(facts.items()):
            self._index(pid, keys)
        # The bound grows with the data the rules run on: SPARQL rules read every triple.
        base = len(self.store) if self.rules.sparql else count + len(self.schema_input)
        self._limit = self.bounds.derived_limit(base)

    def _index(self, pid: int, keys: Iterable[int]) -> None:
        out, into = self.index_out.get(pid), self.index_in.get(pid)
        ints = self.terms.ints
        if out is not None:
            for k in keys:
                out[ints[k >> SHIFT]].append(ints[k & LOW])
        if into is not None:
            for k in keys:
                into[ints[k & LOW]].append(ints[k >> SHIFT])
        if pid == self.type and self.instances:
            inst = self.instances
            for k in keys:
                found = inst.get(k & LOW)
                if found is not None:
                    found.add(ints[k >> SHIFT])

    # --- Writing ---------------------------------------------------------------------------

    def _emit(self, rule: str, pid: int, keys: Iterable[int]) -> None:
        text, kinds = self.terms.text, self.terms.kind
        middle = b" " + text[pid] + b" "
        todo = list(keys)
        hidden = 0
        if pid == self.type and self.anonymous:
            anonymous = self.anonymous
            kept = [k for k in todo if (k & LOW) not in anonymous]
            hidden, todo = len(todo) - len(kept), kept
        blank: list[int] = []
        if BLANK in kinds:  # some blank node is known: its triples are written apart
            blank = [k for k in todo if kinds[k >> SHIFT] == BLANK or kinds[k & LOW] == BLANK]
            if blank:
                apart = set(blank)
                todo = [k for k in todo if k not in apart]
        # One comprehension per slice (the per-triple cost that matters at 10^7), and a batch
        # written as soon as it is big enough (a round can derive millions of lines).
        for start in range(0, len(todo), _SLICE):
            part = todo[start : start + _SLICE]
            self._buffer.extend([text[k >> SHIFT] + middle + text[k & LOW] + b" .\n" for k in part])
            self._buffered += 100 * len(part)
            if self._buffered > self.sink.batch_bytes:
                self._flush()
        self._blank.extend([text[k >> SHIFT] + middle + text[k & LOW] + b" .\n" for k in blank])
        written = len(todo) + len(blank)
        self._buffered += 100 * len(blank)
        if self.marking in ("all", "all-rdf12"):
            for k in (*todo, *blank):
                self._mark(rule, text[k >> SHIFT], text[pid], text[k & LOW])
                if self._buffered > self.sink.batch_bytes:
                    self._flush()
        rep = self.report
        rep.derived += written
        rep.hidden += hidden
        if written:
            iri = BUILTIN[rule].iri if rule in BUILTIN else rule
            rep.by_rule[iri] = rep.by_rule.get(iri, 0) + written
            self._round_counts[iri] += written
        if self._buffered > self.sink.batch_bytes:
            self._flush()

    def _mark(self, rule: str, s: bytes, p: bytes, o: bytes) -> None:
        """A derivation record: which rule derived `s p o` (docs/inference.md, "Marking")."""
        iri = (BUILTIN[rule].iri if rule in BUILTIN else rule).encode()
        digest = hashlib.blake2b(b" ".join((s, p, o, iri)), digest_size=16).hexdigest()
        node = b"<" + v.DERIVATION_NS.encode() + digest.encode() + b">"
        by = b" <" + v.DERIVED_BY.encode() + b"> <" + iri + b"> .\n"
        if self.marking == "all-rdf12":
            lines = [
                node
                + b" <"
                + v.RDF_NS.encode()
                + b"reifies> <<( "
                + s
                + b" "
                + p
                + b" "
                + o
                + b" )>> .\n",
                node + by,
            ]
        else:
            lines = [
                node + b" " + v.RDF_SUBJECT + b" " + s + b" .\n",
                node + b" " + v.RDF_PREDICATE + b" " + p + b" .\n",
                node + b" " + v.RDF_OBJECT + b" " + o + b" .\n",
                node + by,
            ]
        blank = s.startswith(b"_:") or o.startswith(b"_:")
        (self._blank if blank else self._buffer).extend(lines)
        self._buffered += 200 * len(lines)
        self.report.marks += 1

    def _flush(self) -> None:
        if self._buffer:
            self.sink.write(b"".join(self._buffer))
        if self._blank:
            self.sink.write_blank(b"".join(self._blank))
        self._buffer, self._blank, self._buffered = [], [], 0

    # --- Rounds ----------------------------------------------------------------------------

    def _merge(self, rule: str, found: dict[int, set[int]], nxt: dict[int, set[int]]) -> None:
        facts = self.facts
        for pid, keys in found.items():
            if not keys:
                continue
            known = facts[pid]
            new = keys - known
            if new:
                known |= new
                self._index(pid, new)
                nxt[pid] |= new
                self._emit(rule, pid, new)

    def _round(self, delta: dict[int, set[int]]) -> dict[int, set[int]]:
        nxt: dict[int, set[int]] = defaultdict(set)
        by_class: dict[int, list[int]] | None = None
        dt = delta.get(self.type)
        if dt:
            ints = self.terms.ints
            by_class = defaultdict(list)
            for k in dt:
                by_class[ints[k & LOW]].append(ints[k >> SHIFT])
        for name, rule in self.instance_rules:
            self._tick()
            found = rule(delta, by_class or {})
            if found:
                self._merge(name, found, nxt)
        return {p: keys for p, keys in nxt.items() if keys}

    def _instance_rules(
        self,
    ) -> list[
        tuple[str, Callable[[dict[int, set[int]], dict[int, list[int]]], dict[int, set[int]]]]
    ]:
        """The rules that apply, each a function of the delta (and its types grouped by class)."""
        on = self.rules.enabled
        found: list[tuple[str, Any]] = []
        if on("cax-sco") and self.sup:
            found.append(("cax-sco", self._cax_sco))
        if on("prp-spo1") and self.supp:
            found.append(("prp-spo1", self._prp_spo1))
        if on("prp-dom") and (self.dom or self.rng):
            found.append(("prp-dom", self._prp_dom))
            found.append(("prp-rng", self._prp_rng))
        if on("prp-inv1") and self.inv:
            found.append(("prp-inv1", self._prp_inv))
        if on("prp-symp") and self.sym:
            found.append(("prp-symp", self._prp_symp))
        if on("prp-trp") and self.trans:
            found.append(("prp-trp", self._prp_trp))
        if on("prp-spo2") and self.chains:
            found.append(("prp-spo2", self._prp_spo2))
        if on("cls-hv1") and self.hv_by_class:
            found.append(("cls-hv1", self._cls_hv1))
            found.append(("cls-hv2", self._cls_hv2))
        if on("cls-svf1") and self.svf_by_prop:
            found.append(("cls-svf1", self._cls_svf))
        if on("cls-avf") and self.avf_by_prop:
            found.append(("cls-avf", self._cls_avf))
        if on("cls-int1") and self.int_by_member:
            found.append(("cls-int1", self._cls_int1))
        if "same-as" in self.rules.groups:
            found.append(("eq-sym", self._eq_sym))
            found.append(("eq-trans", self._eq_trans))
            found.append(("eq-rep-s", self._eq_rep_s))
            found.append(("eq-rep-o", self._eq_rep_o))
            found.append(("eq-rep-p", self._eq_rep_p))
            if self.functional:
                found.append(("prp-fp", self._prp_fp))
            if self.inverse_functional:
                found.append(("prp-ifp", self._prp_ifp))
            if self.keys:
                found.append(("prp-key", self._prp_key))
            if self.max1:
                found.append(("cls-maxc2", self._cls_max1))
        return found

    def _cax_sco(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        out: set[int] = set()
        add = out.add
        for c, xs in by_class.items():
            ds = self.sup.get(c)
            if ds:
                for x in xs:
                    base = x << SHIFT
                    for d in ds:
                        add(base | d)
        return {self.type: out}

    def _prp_spo1(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for p, keys in delta.items():
            for q in self.supp.get(p, ()):
                out[q] |= keys
        return out

    def _swapped(self, keys: set[int]) -> set[int]:
        kinds = self.terms.kind
        return {((k & LOW) << SHIFT) | (k >> SHIFT) for k in keys if kinds[k & LOW] != LITERAL}

    def _prp_inv(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for p, keys in delta.items():
            inverses = self.inv.get(p)
            if inverses:
                swapped = self._swapped(keys)
                for q in inverses:
                    out[q] |= swapped
        return out

    def _prp_symp(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        return {p: self._swapped(delta[p]) for p in self.sym if p in delta}

    def _prp_trp(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for t in self.trans:
            keys = delta.get(t)
            if not keys:
                continue
            out: set[int] = set()
            add = out.add
            succ, pred = self.index_out[t], self.index_in[t]
            for k in keys:
                x, y = k >> SHIFT, k & LOW
                zs = succ.get(y)
                if zs:
                    base = x << SHIFT
                    for z in zs:
                        add(base | z)
                ws = pred.get(x)
                if ws:
                    for w in ws:
                        add((w << SHIFT) | y)
            found[t] = out
        return found

    def _walk(self, starts: set[int], chain: list[int], forward: bool) -> set[int]:
        nodes = starts
        for p in chain:
            index = self.index_out[p] if forward else self.index_in[p]
            nodes = {n for m in nodes for n in index.get(m, ())}
            if not nodes:
                break
        return nodes

    def _prp_spo2(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for p, chain in self.chains:
            for i, member in enumerate(chain):
                for k in delta.get(member, ()):
                    lefts = self._walk({k >> SHIFT}, chain[:i][::-1], forward=False)
                    rights = self._walk({k & LOW}, chain[i + 1 :], forward=True)
                    out[p].update((a << SHIFT) | b for a in lefts for b in rights)
        return out

    def _prp_dom(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: set[int] = set()
        for p, keys in delta.items():
            ds = self.dom.get(p)
            if ds:
                for k in keys:
                    base = k & HIGH
                    out.update(base | d for d in ds)
        return {self.type: out}

    def _prp_rng(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: set[int] = set()
        kinds = self.terms.kind
        for p, keys in delta.items():
            rs = self.rng.get(p)
            if rs:
                for k in keys:
                    y = k & LOW
                    if kinds[y] != LITERAL:
                        base = y << SHIFT
                        out.update(base | r for r in rs)
        return {self.type: out}

    def _cls_hv1(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for r, pairs in self.hv_by_class.items():
            xs = by_class.get(r)
            if xs:
                for p, value in pairs:
                    out[p].update((x << SHIFT) | value for x in xs)
        return out

    def _cls_hv2(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: set[int] = set()
        for p, by_value in self.hv_by_prop.items():
            for k in delta.get(p, ()):
                classes = by_value.get(k & LOW)
                if classes:
                    out.update((k & HIGH) | r for r in classes)
        return {self.type: out}

    def _cls_svf(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        out: set[int] = set()
        types = self.facts[self.type]
        thing = self.thing
        for p, pairs in self.svf_by_prop.items():
            for k in delta.get(p, ()):
                y_base = (k & LOW) << SHIFT
                for r, d in pairs:
                    if d == thing or (y_base | d) in types:
                        out.add((k & HIGH) | r)
        for d, pairs in self.svf_by_class.items():
            ys = by_class.get(d)
            if ys:
                for p, r in pairs:
                    pred = self.index_in[p]
                    for y in ys:
                        out.update((x << SHIFT) | r for x in pred.get(y, ()))
        return {self.type: out}

    def _cls_avf(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        out: set[int] = set()
        types = self.facts[self.type]
        kinds = self.terms.kind
        for r, pairs in self.avf_by_class.items():
            xs = by_class.get(r)
            if xs:
                for p, d in pairs:
                    succ = self.index_out[p]
                    for x in xs:
                        out.update((y << SHIFT) | d for y in succ.get(x, ()) if kinds[y] != LITERAL)
        for p, pairs in self.avf_by_prop.items():
            for k in delta.get(p, ()):
                y = k & LOW
                if kinds[y] == LITERAL:
                    continue
                for r, d in pairs:
                    if ((k & HIGH) | r) in types:
                        out.add((y << SHIFT) | d)
        return {self.type: out}

    def _cls_int1(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        out: set[int] = set()
        types = self.facts[self.type]
        for m, intersections in self.int_by_member.items():
            xs = by_class.get(m)
            if xs:
                for c, members in intersections:
                    for x in xs:
                        base = x << SHIFT
                        if all((base | c2) in types for c2 in members):
                            out.add(base | c)
        return {self.type: out}

    # owl:sameAs (with --same-as): every triple is read, each clique of k names multiplies
    # the triples of its members by k.

    def _eq_sym(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        keys = delta.get(self.same)
        return {self.same: self._swapped(keys)} if keys else {}

    def _eq_trans(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        saved = self.trans
        self.trans = {self.same}
        try:
            return self._prp_trp(delta, None)
        finally:
            self.trans = saved

    def _eq_rep(self, delta: dict[int, set[int]], subject: bool) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        same = self.index_out[self.same]
        kinds = self.terms.kind
        new_pairs: dict[int, list[int]] = defaultdict(list)
        for k in delta.get(self.same, ()):
            new_pairs[k >> SHIFT].append(k & LOW)
        for pid, keys in self.facts.items():
            # A new sameAs pair: copy every triple its first member is in (a full scan).
            # Any new triple of a member of a clique: copy it to the other members.
            fresh = delta.get(pid, ())
            for source, pairs in ((keys, new_pairs), (fresh, same)):
                if not pairs:
                    continue
                found = out[pid]
                for k in source:
                    term = k >> SHIFT if subject else k & LOW
                    others = pairs.get(term)
                    if not others:
                        continue
                    if subject:
                        found.update(
                            (o << SHIFT) | (k & LOW) for o in others if kinds[o] != LITERAL
                        )
                    else:
                        found.update((k & HIGH) | o for o in others)
        return out

    def _eq_rep_s(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        return self._eq_rep(delta, subject=True)

    def _eq_rep_o(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        return self._eq_rep(delta, subject=False)

    def _eq_rep_p(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        same = self.index_out[self.same]
        for k in delta.get(self.same, ()):
            p, q = k >> SHIFT, k & LOW
            if p in self.facts and self.terms.kind[q] == 0:
                out[q] |= self.facts[p]
        for p, keys in delta.items():
            for q in same.get(p, ()):
                if self.terms.kind[q] == 0:
                    out[q] |= keys
        return out

    def _pairs_of(self, groups: Iterable[list[int]]) -> set[int]:
        kinds = self.terms.kind
        found: set[int] = set()
        for members in groups:
            members = [m for m in set(members) if kinds[m] != LITERAL]
            for a in members:
                found.update((a << SHIFT) | b for b in members if b != a)
        return found

    def _prp_fp(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        groups: list[list[int]] = []
        for p in self.functional:
            succ = self.index_out[p]
            groups.extend(
                succ[x] for x in {k >> SHIFT for k in delta.get(p, ())} if len(succ[x]) > 1
            )
        return {self.same: self._pairs_of(groups)}

    def _prp_ifp(self, delta: dict[int, set[int]], _: Any) -> dict[int, set[int]]:
        groups: list[list[int]] = []
        for p in self.inverse_functional:
            pred = self.index_in[p]
            groups.extend(pred[y] for y in {k & LOW for k in delta.get(p, ())} if len(pred[y]) > 1)
        return {self.same: self._pairs_of(groups)}

    def _prp_key(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        out: set[int] = set()
        for c, props in self.keys:
            if c not in by_class and not any(p in delta for p in props):
                continue
            by_value: dict[int, list[int]] = defaultdict(list)
            first = self.index_out[props[0]]
            for x in self.instances.get(c, ()):
                for value in set(first.get(x, ())):
                    by_value[value].append(x)
            for members in by_value.values():
                for a in members:
                    for b in members:
                        if a != b and all(
                            set(self.index_out[p].get(a, ())) & set(self.index_out[p].get(b, ()))
                            for p in props[1:]
                        ):
                            out.add((a << SHIFT) | b)
        return {self.same: out}

    def _cls_max1(
        self, delta: dict[int, set[int]], by_class: dict[int, list[int]]
    ) -> dict[int, set[int]]:
        groups: list[list[int]] = []
        types = self.facts[self.type]
        for r, p, q in self.max1:
            if r not in by_class and p not in delta and (q is None or q not in by_class):
                continue
            succ = self.index_out[p]
            for x in self.instances.get(r, ()):
                ys = succ.get(x, ())
                if q is not None and q != self.thing:
                    ys = [y for y in ys if ((y << SHIFT) | q) in types]
                if len(ys) > 1:
                    groups.append(list(ys))
        return {self.same: self._pairs_of(groups)}

    # --- The run ---------------------------------------------------------------------------

    def _schema_changed(self, delta: dict[int, set[int]]) -> bool:
        if any(p in self.schema_pids for p in delta):
            return True
        types = delta.get(self.type, ())
        if not types or not self._may_type_schema:
            return False
        return any((k & LOW) in self.schema_classes for k in types)

    def _recompile(self) -> None:
        """Derived triples changed the schema: compile it again, and start over from all facts."""
        text = self.terms.text
        for pid in self.schema_pids:
            for k in self.facts.get(pid, ()):
                self.schema_input.add((text[k >> SHIFT], text[pid], text[k & LOW]))
        for k in self.facts.get(self.type, ()):
            if (k & LOW) in self.schema_classes:
                self.schema_input.add((text[k >> SHIFT], v.RDF_TYPE, text[k & LOW]))
        saved_out, saved_in = self.index_out, self.index_in
        self.index_out, self.index_in = {}, {}
        self._compile()
        everything, preds, classes = self._wanted()
        if not self.read[0] and (everything or preds - self.read[1] or classes - self.read[2]):
            # The new schema reads triples that were not read: derived triples written so far
            # may be stated ones. Start again, reading them from the start.
            raise _Restart((everything, preds | self.read[1], classes | self.read[2]))
        for pid in set(self.index_out) | set(self.index_in):  # new joins need new indexes
            if pid in saved_out and pid in self.index_out:
                self.index_out[pid] = saved_out[pid]
            elif pid in self.index_out:
                self._index_only(pid, out=True)
            if pid in saved_in and pid in self.index_in:
                self.index_in[pid] = saved_in[pid]
            elif pid in self.index_in:
                self._index_only(pid, out=False)
        self._add_schema_derived()

    def _index_only(self, pid: int, *, out: bool) -> None:
        index = self.index_out[pid] if out else self.index_in[pid]
        ints = self.terms.ints
        for k in self.facts.get(pid, ()):
            if out:
                index[ints[k >> SHIFT]].append(ints[k & LOW])
            else:
                index[ints[k & LOW]].append(ints[k >> SHIFT])

    def _add_schema_derived(self) -> dict[int, set[int]]:
        """The schema's own derived triples (scm-*), and the enumerations' members (cls-oo)."""
        delta: dict[int, set[int]] = defaultdict(set)
        t = self.terms.id
        by_rule: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        for s, p, o, rule in self.schema.derived:
            if self.rules.enabled(rule):
                by_rule[rule][t(p)].add((t(s) << SHIFT) | t(o))
        if self.rules.enabled("cls-oo"):
            for c, xs in self.one_of:
                by_rule["cls-oo"][self.type].update((x << SHIFT) | c for x in xs)
        for rule, found in by_rule.items():
            self._merge(rule, found, delta)
        return delta

    def _diverged(self, why: str) -> InferenceDiverged:
        counts = self._round_counts
        if not counts:
            return InferenceDiverged(f"inference did not converge ({why}); nothing was written")
        iri, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        rule = next((r for r in self.rules.rules() if r.iri == iri), None)
        name = f"{rule.label!r} <{iri}>" if rule else f"<{iri}>"
        return InferenceDiverged(
            f"inference did not converge ({why}): rule {name} kept deriving "
            f"({n} new triples in the last round); nothing was written"
        )

    def _bounded(self, delta: dict[int, set[int]]) -> None:
        rep = self.report
        if rep.derived + rep.hidden > self._limit:
            raise self._diverged(f"more than {self._limit} derived triples, --max-derived")
        if delta and rep.rounds >= self.bounds.max_rounds:
            raise self._diverged(f"{self.bounds.max_rounds} rounds, --max-rounds")

    def run(self) -> InferenceReport:
        started = time.monotonic()
        self._read_schema()
        self.report.schema_triples = len(self.schema_input)
        self._compile()
        self._read_facts()
        self._tick()
        delta: dict[int, set[int]] = dict(self.facts)
        for pid, keys in self._add_schema_derived().items():
            delta[pid] = delta.get(pid, set()) | keys
        while True:
            while delta:
                self._round_counts = defaultdict(int)
                delta = self._round(delta)
                self.report.rounds += 1
                if self.progress is not None:
                    self.progress(f"round {self.report.rounds}: {self.report.derived} derived")
                self._bounded(delta)
                if delta and self._schema_changed(delta):
                    self._recompile()
                    delta = dict(self.facts)
            if not self.rules.sparql:
                break
            self._round_counts = defaultdict(int)
            delta = self._sparql_round()
            self.report.rounds += 1
            self._bounded(delta)
            if not delta:
                break
            if self._schema_changed(delta):
                self._recompile()
                delta = dict(self.facts)
        self._flush()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _sparql_round(self) -> dict[int, set[int]]:
        """Run every SPARQL rule once over stated + derived; return what is new."""
        self._flush()
        self.sink.sync()
        store = self.sink.store
        assert store is not None
        nxt: dict[int, set[int]] = defaultdict(set)
        terms = self.terms
        for rule in self.rules.sparql:
            self._tick()
            found: dict[int, set[int]] = defaultdict(set)

            def take(chunk: bytes, found: dict[int, set[int]] = found) -> None:
                for line in chunk.split(b"\n"):
                    if line:
                        s, p, rest = line.split(b" ", 2)
                        o = rest[:-2]
                        if s.startswith(b'"') or not p.startswith(b"<"):
                            continue  # not RDF: a literal subject or a blank-node predicate
                        found[terms.id(p)].add((terms.id(s) << SHIFT) | terms.id(o))

            try:
                construct_lines(store, rule.text, take, union=True)
            except (OSError, RuntimeError, SyntaxError) as err:
                raise KgError(f"{rule.path}: rule failed: {err}") from None
            saved = self.marking
            if saved == "sparql":
                self.marking = "all"
            try:
                self._merge(rule.rule.iri, found, nxt)
            finally:
                self.marking = saved
        return {p: keys for p, keys in nxt.items() if keys}


def infer(
    store: ox.Store,
    rules: RuleSet,
    *,
    sink: Sink | None = None,
    bounds: Bounds | None = None,
    timeout: float | None = None,
    marking: str = "sparql",
    progress: Callable[[str], None] | None = None,
) -> InferenceReport:
    """Derive the closure of `store`'s stated graphs under `rules`, and write the derived triples.

    Stated graphs are every graph but `kgg:inferred`; they are read, never written. By default
    the derived triples replace the store's `kgg:inferred` graph (the store must be writable);
    give a `Sink` to write them elsewhere (a file, another store). SPARQL rules read derived
    triples from a store, so with SPARQL rules and a sink without a store, they are also written
    to a scratch graph of `store`, removed at the end.

    Raises `InferenceDiverged` (exit 1) past a bound and `QueryTimeout` (exit 3) past
    `timeout` seconds; the sink is then aborted, so nothing is left written. With `timeout`,
    the closure is computed in a child process killed at the deadline, even inside one rule's
    evaluation (`kgcli.engine.infer.isolated`); `store` must then be an in-memory store (an
    on-disk one: `infer_at`), and the sink is written only once the child has succeeded.
    """
    if marking not in MARKINGS:
        raise ValueError(f"marking must be one of {', '.join(MARKINGS)}")
    if timeout is not None and isolated.can_fork():

        def work(spool: Sink, say: Callable[[str], None] | None) -> dict[str, Any]:
            # The child's own copy of `store`: its scratch graph (SPARQL rules) stays there.
            return asdict(_infer_here(store, rules, spool, bounds, None, marking, say))

        def target() -> Sink:
            return sink if sink is not None else StoreSink(store)

        answer = isolated.spooled(work, timeout, sink=target, progress=progress)
        return InferenceReport(**answer)
    return _infer_here(store, rules, sink, bounds, timeout, marking, progress)


def infer_at(
    path: str,
    rules: RuleSet,
    *,
    bounds: Bounds | None = None,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    scratch: str | None = None,
    copy_of: str | None = None,
) -> InferenceReport:
    """Derive the closure of the on-disk store at `path` into its `kgg:inferred` graph, bulk
    loaded (`StoreSink(bulk=True)`), and flush it. Temporary files (the derived triples'
    spool) go to the folder `scratch`, by default the system's. `copy_of`: first make `path`
    a backup of that on-disk store.

    Why the backup is made here: with a timeout it is made in the child, so that the parent
    opens no on-disk store before it forks. RocksDB's background threads do not survive a
    fork, and a child whose parent had started them waits for them forever at its flush; so a
    process that has opened an on-disk store must not call this with a timeout.

    With `timeout`, the store is opened and written by a child process, killed at the deadline
    even inside one rule's evaluation; the caller then discards the store (a generation that
    `kgcli.engine.store.infer` made for this): the child may have written part of it.
    """

    def work(
        spool_dir: Path | None, say: Callable[[str], None] | None, limit: float | None = None
    ) -> dict[str, Any]:
        if copy_of is not None:
            ox.Store.read_only(copy_of).backup(path)
        store = ox.Store(path)
        sink = StoreSink(store, bulk=True, spool_dir=None if spool_dir is None else str(spool_dir))
        report = _infer_here(store, rules, sink, bounds, limit, "sparql", say)
        store.flush()
        del sink, store  # closes the store before the caller commits (or the child ends)
        return asdict(report)

    if timeout is not None and isolated.can_fork():
        # In a child, the parent keeps the time. The temporary folder holds the child's spool:
        # removed even when it is killed.
        with isolated.in_child(work, timeout, progress=progress, scratch=scratch) as (_, answer):
            return InferenceReport(**answer)
    return InferenceReport(**work(None if scratch is None else Path(scratch), progress, timeout))


def _infer_here(
    store: ox.Store,
    rules: RuleSet,
    sink: Sink | None,
    bounds: Bounds | None,
    timeout: float | None,
    marking: str,
    progress: Callable[[str], None] | None,
) -> InferenceReport:
    """`infer` in this process: the deadline is checked between steps only."""
    if sink is None:
        sink = StoreSink(store)
    if rules.sparql and sink.store is None:
        sink = TeeSink(StoreSink(store, _SCRATCH), sink)
    deadline = time.monotonic() + timeout if timeout is not None else None
    read: tuple[bool, set[bytes], set[bytes]] = (False, set(), set())
    try:
        while True:
            engine = _Engine(
                store, rules, sink, bounds or Bounds(), deadline, marking, progress, read
            )
            try:
                report = engine.run()
                break
            except _Restart as restart:
                sink.reset()
                read = restart.read
            finally:
                engine.close()  # before the sink commits: a bulk load then has the memory
        sink.commit()
    except BaseException:
        sink.abort()
        raise
    if isinstance(sink, TeeSink) and isinstance(sink.first, StoreSink):
        store.remove_graph(sink.first.graph)
    return report
