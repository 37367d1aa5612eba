"""Generate a synthetic, city-scale health-cluster graph, deterministically from a seed.

Shaped like the real clusters: a city with districts, towns, parks and medical centers; firms with
sectors in towns and parks; facilities sharing resources through platforms; people with roles;
statements traced to evidence. Streams N-Triples, so 10^7 triples need no more memory than 10^4.

    python benchmarks/generate.py --triples 1000000 --seed 7 -o /tmp/city-1m.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from typing import TextIO

KG = "https://w3id.org/kgcli/ontology#"
R = "https://w3id.org/kgcli/resource/synthetic/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"

# The ontology terms the generator uses, in one place so they follow the ontology.
T = {
    "City": KG + "City",
    "District": KG + "District",
    "Town": KG + "Town",
    "Park": KG + "IndustrialPark",
    "Center": KG + "MedicalCenter",
    "Firm": KG + "Company",
    "Hospital": KG + "Hospital",
    "Clinic": KG + "Clinic",
    "Resource": KG + "SharedResource",
    "Platform": KG + "SharingPlatform",
    "Person": KG + "Person",
    "Sector": KG + "IndustrySector",
    "Evidence": KG + "Evidence",
    "locatedIn": KG + "locatedIn",
    "sector": KG + "inSector",
    "usesResource": KG + "usesSharedResource",
    "providedVia": KG + "sharedVia",
    "partOf": KG + "partOfMedicalCenter",
    "worksFor": KG + "memberOf",
    "established": KG + "establishedIn",
    "evidence": KG + "evidence",
    "quote": KG + "quote",
}
SECTORS = ["biomedicine", "medical devices", "diagnostics", "cold-chain logistics", "imaging"]
SYLLABLES = ["bio", "gen", "med", "neo", "tech", "vita", "cura", "sino", "hua", "kang", "tai"]


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: str, datatype: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"^^<{datatype}>' if datatype else f'"{text}"@en'


def triples(target: int, seed: int) -> Iterator[tuple[str, str, str]]:
    """Yield about `target` triples (as N-Triples terms) of a synthetic city."""
    rng = random.Random(seed)
    a, label = _iri(RDF_TYPE), _iri(LABEL)
    located = _iri(T["locatedIn"])
    city = _iri(R + "city")
    yield city, a, _iri(T["City"])
    yield city, label, _lit("Synthetic City")
    sectors = []
    for i, name in enumerate(SECTORS):
        sector = _iri(f"{R}sector/{i}")
        sectors.append(sector)
        yield sector, a, _iri(T["Sector"])
        yield sector, label, _lit(name)
    # Per firm about 9 triples, per facility about 8: size the city from the target.
    districts = max(2, int((target / 400_000) ** 0.5 * 4))
    firms_per_town = max(3, target // (districts * 10 * 14))
    emitted, n = 0, 0
    d = 0
    while emitted < target:
        district = _iri(f"{R}district/{d}")
        for t in (
            (district, a, _iri(T["District"])),
            (district, label, _lit(f"District {d}")),
            (district, located, city),
        ):
            emitted += 1
            yield t
        for w in range(10):
            town = _iri(f"{R}town/{d}-{w}")
            park = _iri(f"{R}park/{d}-{w}")
            center = _iri(f"{R}center/{d}-{w}")
            platform = _iri(f"{R}platform/{d}-{w}")
            for t in (
                (town, a, _iri(T["Town"])),
                (town, label, _lit(f"Town {d}-{w}")),
                (town, located, district),
                (park, a, _iri(T["Park"])),
                (park, label, _lit(f"Park {d}-{w}")),
                (park, located, town),
                (center, a, _iri(T["Center"])),
                (center, label, _lit(f"Medical Center {d}-{w}")),
                (center, located, town),
                (platform, a, _iri(T["Platform"])),
                (platform, label, _lit(f"Platform {d}-{w}")),
            ):
                emitted += 1
                yield t
            resources = []
            for k, kind in enumerate(("imaging", "laboratory", "pharmacy", "inpatient")):
                res = _iri(f"{R}resource/{d}-{w}-{k}")
                resources.append(res)
                for t in (
                    (res, a, _iri(T["Resource"])),
                    (res, label, _lit(f"{kind} {d}-{w}")),
                    (res, _iri(T["providedVia"]), platform),
                ):
                    emitted += 1
                    yield t
            for f in range(max(2, firms_per_town // 6)):
                fac = _iri(f"{R}facility/{d}-{w}-{f}")
                kind = T["Hospital"] if f % 3 == 0 else T["Clinic"]
                yield fac, a, _iri(kind)
                yield fac, label, _lit(f"Facility {d}-{w}-{f}")
                yield fac, _iri(T["partOf"]), center
                yield fac, located, town
                emitted += 4
                for res in rng.sample(resources, rng.randint(1, 4)):
                    yield fac, _iri(T["usesResource"]), res
                    emitted += 1
            for _ in range(firms_per_town):
                firm = _iri(f"{R}firm/{n}")
                name = "".join(rng.choice(SYLLABLES) for _ in range(2)).title() + f" {n}"
                place = park if rng.random() < 0.4 else town
                ev = _iri(f"{R}evidence/{n}")
                for t in (
                    (firm, a, _iri(T["Firm"])),
                    (firm, label, _lit(name)),
                    (firm, located, place),
                    (firm, _iri(T["sector"]), rng.choice(sectors)),
                    (ev, a, _iri(T["Evidence"])),
                    (ev, _iri(T["quote"]), _lit(f"{name} settled in Town {d}-{w}.")),
                    (firm, _iri(T["evidence"]), ev),
                ):
                    emitted += 1
                    yield t
                if rng.random() < 0.7:
                    year = str(1990 + rng.randrange(35))
                    yield firm, _iri(T["established"]), _lit(year, XSD + "gYear")
                    emitted += 1
                if rng.random() < 0.3:
                    person = _iri(f"{R}person/{n}")
                    for t in (
                        (person, a, _iri(T["Person"])),
                        (person, label, _lit(f"Person {n}")),
                        (person, _iri(T["worksFor"]), firm),
                    ):
                        emitted += 1
                        yield t
                n += 1
                if emitted >= target:
                    return
        d += 1


def write(out: TextIO, target: int, seed: int) -> int:
    """Write the graph as N-Triples; return the number of triples written."""
    count = 0
    buffer = []
    for s, p, o in triples(target, seed):
        buffer.append(f"{s} {p} {o} .\n")
        count += 1
        if len(buffer) >= 10_000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=float, default=1e5, help="about how many triples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", default="-", help="N-Triples file ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.output == "-":
        count = write(sys.stdout, int(args.triples), args.seed)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            count = write(out, int(args.triples), args.seed)
    print(f"{count} triples", file=sys.stderr)


if __name__ == "__main__":
    main()
