"""Generate a synthetic, city-scale health-cluster graph, deterministically from a seed.

Shaped like the curated clusters (graph/*.ttl) and written only in their vocabulary: a city of
districts, towns, industrial parks (with focus areas) and medical centers; firms with sectors and
founding years; healthcare facilities that share the centers' resources through service
platforms and offer specialties; people with roles in firms (org:Membership); and, as in the
curated graphs, statements reified as rdf:Statement with kg:evidence quotes from articles.

It streams, entity by entity, as N-Triples, Turtle or N-Quads: 10^7 triples need no more memory
than 10^4. In N-Quads each district is a named graph, derived from its article as each curated
graph is (what `kg lint` checks); the other formats hold the same triples in one graph.

    python benchmarks/generate.py --triples 1e6 --seed 7 -o /tmp/city-1e6.nt
    python benchmarks/generate.py --triples 1e4 --format turtle -o /tmp/city-1e4.ttl
    python benchmarks/generate.py --triples 1e4 --format nquads -o /tmp/city-1e4.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from typing import TextIO

KG = "https://w3id.org/kgcli/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
#: Synthetic entities live under their own path, apart from the curated graph's kgr: IRIs.
R = "https://w3id.org/kgcli/resource/synthetic/"
#: A district's named graph, beside the curated graphs' (kgg:).
G = "https://w3id.org/kgcli/graph/synthetic-"

#: Vocabulary prefixes, for Turtle output; each entity kind below gets its own prefix too.
PREFIXES = {
    "kg": KG,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
}
KINDS = (
    *("city", "district", "town", "park", "center", "platform", "resource", "facility"),
    *("firm", "person", "membership", "role", "sector", "specialty", "focus", "article"),
    *("evidence", "statement", "graph"),
)

SECTORS = ("biomedicine", "medical devices", "diagnostics", "cold-chain logistics", "imaging")
SPECIALTIES = ("rehabilitation", "dermatology", "neurology", "cardiology", "oncology", "surgery")
FOCUS_AREAS = ("precision medicine", "gene therapy", "medical AI", "biochips", "cell therapy")
ROLES = ("chairman", "general manager", "chief scientist", "manager", "founder")
#: Resource classes, each a subclass of kg:SharedMedicalResource's parent kg:MedicalResource.
RESOURCES = (
    ("ImagingDepartment", "imaging department"),
    ("ClinicalLaboratory", "clinical laboratory"),
    ("Pharmacy", "pharmacy"),
    ("InpatientBuilding", "inpatient building"),
)
FACILITY_CLASSES = ("Hospital", "Clinic", "Clinic", "CommunityHealthServiceCenter")
SYLLABLES = ("bio", "gen", "med", "neo", "tech", "vita", "cura", "sino", "hua", "kang", "tai")

Block = tuple[str, list[tuple[str, str]]]


def node(kind: str, key: object) -> str:
    """A synthetic entity's IRI, as an N-Triples term."""
    return f"<{R}{kind}/{key}>"


def graph_iri(district: int) -> str:
    """The named graph of a district's facts (N-Quads), as an N-Triples term."""
    return f"<{G}{district}>"


def v(prefix: str, local: str) -> str:
    """A vocabulary term, as an N-Triples term."""
    return f"<{PREFIXES[prefix]}{local}>"


def lit(text: str, datatype: str | None = None, lang: str = "en") -> str:
    """A literal as an N-Triples (and Turtle) term."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"^^<{datatype}>' if datatype else f'"{text}"@{lang}'


A, LABEL = v("rdf", "type"), v("rdfs", "label")
LOCATED, EVIDENCE = v("kg", "locatedIn"), v("kg", "evidence")


def _statement(key: str, s: str, p: str, o: str, evidence: str) -> Block:
    """A reified statement with its evidence, as graph/*.ttl write theirs."""
    return node("statement", key), [
        (A, v("rdf", "Statement")),
        (v("rdf", "subject"), s),
        (v("rdf", "predicate"), p),
        (v("rdf", "object"), o),
        (EVIDENCE, evidence),
    ]


def _concepts(kind: str, cls: str, scheme: str, labels: tuple[str, ...]) -> Iterator[Block]:
    for i, name in enumerate(labels):
        yield (
            node(kind, i),
            [(A, v("kg", cls)), (v("skos", "inScheme"), v("kg", scheme)), (LABEL, lit(name))],
        )


def blocks(target: int, seed: int) -> Iterator[Block]:
    """Yield (subject, [(predicate, object), ...]) blocks, about `target` triples in all."""
    for _, block in district_blocks(target, seed):
        yield block


def district_blocks(target: int, seed: int) -> Iterator[tuple[int, Block]]:
    """Yield (district, block): the blocks and the district whose article states them (the
    city and the concept schemes are district 0's).

    The city is sized from the target (more districts as it grows, firms filling the towns), and
    generation stops at the first entity boundary past the target.
    """
    rng = random.Random(seed)
    emitted = 0
    city = node("city", 0)
    yield 0, (city, [(A, v("kg", "City")), (LABEL, lit("Synthetic City"))])
    for kind, cls, scheme, labels in (
        ("sector", "IndustrySector", "IndustryScheme", SECTORS),
        ("specialty", "MedicalSpecialty", "MedicalSpecialtyScheme", SPECIALTIES),
        ("focus", "FocusArea", "FocusAreaScheme", FOCUS_AREAS),
        ("role", "Role", "RoleScheme", ROLES),
    ):
        for block in _concepts(kind, cls, scheme, labels):
            yield 0, block
    emitted = 2 + 3 * (len(SECTORS) + len(SPECIALTIES) + len(FOCUS_AREAS) + len(ROLES))
    # About 22 triples per firm, facilities and places included: ten towns per district.
    districts = max(2, int((target / 400_000) ** 0.5 * 4))
    firms_per_town = max(3, target // (districts * 10 * 22))
    n = 0  # firms so far, across the city: their keys
    d = 0
    while emitted < target:
        district, article = node("district", d), node("article", d)
        title = f"Health industry of District {d}"
        for block in (
            # What the district's named graph is derived from, as graph/*.ttl say of theirs.
            (graph_iri(d), [(v("prov", "wasDerivedFrom"), article)]),
            (district, [(A, v("kg", "District")), (LABEL, lit(f"District {d}")), (LOCATED, city)]),
            (
                article,
                [
                    (A, v("kg", "NewsArticle")),
                    (LABEL, lit(title)),
                    (v("dcterms", "title"), lit(title)),
                    (v("dcterms", "source"), lit(f"synthetic/{seed}/{d}", XSD + "string")),
                ],
            ),
        ):
            emitted += len(block[1])
            yield d, block
        for w in range(10):
            for block in _town(rng, d, w, firms_per_town, article):
                emitted += len(block[1])
                yield d, block
            for _ in range(firms_per_town):
                for block in _firm(rng, n, d, w, article):
                    emitted += len(block[1])
                    yield d, block
                n += 1
                if emitted >= target:
                    return
        d += 1


def _town(rng: random.Random, d: int, w: int, firms: int, article: str) -> Iterator[Block]:
    """A town with its park, medical center, platform, shared resources and facilities."""
    key = f"{d}-{w}"
    town, park = node("town", key), node("park", key)
    center, platform = node("center", key), node("platform", key)
    yield (
        town,
        [
            (A, v("kg", "Town")),
            (LABEL, lit(f"Town {key}")),
            # English, as the shapes ask of every label (a zh name would fail `kg validate`).
            (v("skos", "altLabel"), lit(f"township {key}")),
            (LOCATED, node("district", d)),
        ],
    )
    yield (
        park,
        [
            (A, v("kg", "IndustrialPark")),
            (LABEL, lit(f"Park {key}")),
            (LOCATED, town),
            (v("kg", "focusArea"), node("focus", rng.randrange(len(FOCUS_AREAS)))),
            (v("kg", "foundingDate"), lit(str(1995 + rng.randrange(30)), XSD + "gYear")),
        ],
    )
    facilities = max(2, firms // 6)
    yield (
        center,
        [
            (A, v("kg", "MedicalCenter")),
            (LABEL, lit(f"Medical Center {key}")),
            (LOCATED, town),
            (v("kg", "hasPlatform"), platform),
            *((v("kg", "hasFacility"), node("facility", f"{key}-{f}")) for f in range(facilities)),
        ],
    )
    yield platform, [(A, v("kg", "ServicePlatform")), (LABEL, lit(f"Sharing platform {key}"))]
    resources = []
    for k, (cls, name) in enumerate(RESOURCES):
        res = node("resource", f"{key}-{k}")
        resources.append(res)
        yield (
            res,
            [
                (A, v("kg", "SharedMedicalResource")),
                (A, v("kg", cls)),
                (LABEL, lit(f"{name} {key}")),
                # As graph/*.ttl: shared among the center's facilities (kg:sharedWithin, #15),
                # which the catalogue's sharing queries follow; kg:hostedBy would name a provider.
                (v("kg", "sharedWithin"), center),
                (v("kg", "sharedVia"), platform),
            ],
        )
    for f in range(facilities):
        fac = node("facility", f"{key}-{f}")
        cls = FACILITY_CLASSES[f % len(FACILITY_CLASSES)]
        uses = rng.sample(resources, rng.randint(1, len(resources)))
        yield (
            fac,
            [
                (A, v("kg", cls)),
                (LABEL, lit(f"Facility {key}-{f}")),
                (LOCATED, town),
                *((v("kg", "usesSharedResource"), r) for r in uses),
                (v("kg", "offersSpecialty"), node("specialty", rng.randrange(len(SPECIALTIES)))),
            ],
        )


def _firm(rng: random.Random, n: int, d: int, w: int, article: str) -> Iterator[Block]:
    """A firm, its evidence and reified statements, and now and then a person with a role."""
    key = f"{d}-{w}"
    firm, ev = node("firm", n), node("evidence", n)
    name = "".join(rng.choice(SYLLABLES) for _ in range(2)).title() + f" {n}"
    place = node("park", key) if rng.random() < 0.4 else node("town", key)
    sector = node("sector", rng.randrange(len(SECTORS)))
    facts = [
        (A, v("kg", "Company")),
        (LABEL, lit(name)),
        (LOCATED, place),
        (v("kg", "industrySector"), sector),
    ]
    if rng.random() < 0.7:
        facts.append((v("kg", "foundingDate"), lit(str(1990 + rng.randrange(35)), XSD + "gYear")))
    yield firm, facts
    person = node("person", n) if rng.random() < 0.3 else None
    quote = [
        (A, v("kg", "Evidence")),
        (v("kg", "quote"), lit(f"{name} settled in Town {key}.")),
        (v("prov", "wasQuotedFrom"), article),
    ]
    if person:
        quote.append((v("kg", "saidBy"), person))
    yield ev, quote
    yield _statement(f"{n}-0", firm, LOCATED, place, ev)
    yield _statement(f"{n}-1", firm, v("kg", "industrySector"), sector, ev)
    if person:
        membership, role = node("membership", n), rng.randrange(len(ROLES))
        yield person, [(A, v("kg", "Person")), (LABEL, lit(f"Person {n}"))]
        yield (
            membership,
            [
                (A, v("org", "Membership")),
                (LABEL, lit(f"{ROLES[role]} of {name}: Person {n}")),
                (v("org", "member"), person),
                (v("org", "organization"), firm),
                (v("org", "role"), node("role", role)),
            ],
        )


def _turtle_term(term: str, cache: dict[str, str]) -> str:
    """The Turtle form of an N-Triples term: prefixed names where they are safe and shorter."""
    if term[0] != "<":
        if term.endswith(">"):  # a typed literal: shorten its datatype
            text, _, datatype = term.rpartition("^^")
            return f"{text}^^{_turtle_term(datatype, cache)}"
        return term
    if term.startswith(R, 1):
        kind, _, local = term[len(R) + 1 : -1].partition("/")
        return f"{kind}:{local}"
    short = cache.get(term)
    if short is None:
        short = term
        for prefix, iri in PREFIXES.items():
            if term.startswith(iri, 1) and term[len(iri) + 1 : -1].isalnum():
                short = f"{prefix}:{term[len(iri) + 1 : -1]}"
        cache[term] = short
    return short


def write(out: TextIO, target: int, seed: int, fmt: str = "ntriples") -> int:
    """Write the graph as N-Triples, Turtle or N-Quads; return the number of triples written."""
    count = 0
    buffer: list[str] = []
    cache: dict[str, str] = {v("rdf", "type"): "a"}
    if fmt == "turtle":
        names = {**PREFIXES, **{kind: f"{R}{kind}/" for kind in KINDS}}
        buffer.extend(f"@prefix {name}: <{iri}> .\n" for name, iri in names.items())
    for d, (s, facts) in district_blocks(target, seed):
        count += len(facts)
        if fmt == "nquads":
            g = graph_iri(d)
            buffer.extend(f"{s} {p} {o} {g} .\n" for p, o in facts)
        elif fmt == "turtle":
            pairs = " ;\n    ".join(
                f"{_turtle_term(p, cache)} {_turtle_term(o, cache)}" for p, o in facts
            )
            buffer.append(f"\n{_turtle_term(s, cache)} {pairs} .\n")
        else:
            buffer.extend(f"{s} {p} {o} .\n" for p, o in facts)
        if len(buffer) >= 10_000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=float, default=1e5, help="about how many triples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("ntriples", "turtle", "nquads"), default="ntriples")
    parser.add_argument("-o", "--output", default="-", help="output file ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.output == "-":
        count = write(sys.stdout, int(args.triples), args.seed, args.format)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            count = write(out, int(args.triples), args.seed, args.format)
    print(f"{count} triples", file=sys.stderr)


if __name__ == "__main__":
    main()
