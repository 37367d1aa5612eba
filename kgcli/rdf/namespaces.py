"""Namespaces and prefixes: the vocabularies kg knows by name, and IRIs shown short.

Every table, Markdown table, Turtle, TriG and RDF/XML output, network profile and node reference
knows `WELL_KNOWN_PREFIXES`; a query's or a profile's own PREFIX declarations are added to them
(and win on a shared name).
"""

from __future__ import annotations

from collections.abc import Mapping

from kgcli.rdf.xsd import XSD

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
SHACL = "http://www.w3.org/ns/shacl#"
#: The Internationalization Tag Set, whose `its:dir` carries a literal's base direction.
ITS = "http://www.w3.org/2005/11/its"
#: The SPARQL 1.1 Service Description, the W3C's format IRIs and VoID, for `kg serve`.
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"

#: The project's own namespaces, stable and documented in the README.
ONTOLOGY_NS = "https://w3id.org/kgcli/ontology#"
RESOURCE_NS = "https://w3id.org/kgcli/resource/"
GRAPH_NS = "https://w3id.org/kgcli/graph/"

RDF_TYPE = RDF + "type"
RDF_LANG_STRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
RDFS_COMMENT = RDFS + "comment"
RDFS_SUBCLASS_OF = RDFS + "subClassOf"
RDFS_RESOURCE = RDFS + "Resource"
SKOS_PREF_LABEL = SKOS + "prefLabel"

#: Prefixes every output that abbreviates IRIs knows.
WELL_KNOWN_PREFIXES: dict[str, str] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "dcterms": DCTERMS,
    "kg": ONTOLOGY_NS,
    "kgr": RESOURCE_NS,
    "kgg": GRAPH_NS,
}


def merged_prefixes(prefixes: Mapping[str, str] | None = None) -> dict[str, str]:
    """The well-known prefixes plus `prefixes` (which win on a shared name)."""
    return {**WELL_KNOWN_PREFIXES, **(prefixes or {})}


def compact_iri(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """`rdfs:label` for `http://www.w3.org/2000/01/rdf-schema#label`, for display.

    Uses the longest namespace in `prefixes` (default: `WELL_KNOWN_PREFIXES`) that starts the IRI;
    an IRI no namespace starts is returned whole. The local part is not checked against Turtle's
    grammar: this is for reading, not for writing Turtle.
    """
    return Compactor(WELL_KNOWN_PREFIXES if prefixes is None else prefixes)(iri)


class Compactor:
    """compact_iri with its namespaces sorted once and its answers cached (IRIs repeat a lot)."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # Longest namespace first; on a tie the later entry (the query's own) wins.
        order = {ns: name for name, ns in prefixes.items() if ns}
        self._namespaces = sorted(order.items(), key=lambda item: -len(item[0]))
        self._cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self._cache.get(iri)
        if found is None:
            found = iri
            for namespace, name in self._namespaces:
                if iri.startswith(namespace):
                    found = f"{name}:{iri[len(namespace) :]}"
                    break
            if len(self._cache) < 100_000:
                self._cache[iri] = found
        return found


def local_name(iri: str) -> str:
    """The part of an IRI after its last `#`, `/` or `:`; the whole IRI if that part is empty."""
    cut = max(iri.rfind("#"), iri.rfind("/"), iri.rfind(":"))
    return iri[cut + 1 :] if 0 <= cut < len(iri) - 1 else iri


def prefix_block(prefixes: Mapping[str, str]) -> str:
    """PREFIX declarations for a query made from prefixed names (a profile's paths)."""
    return "".join(f"PREFIX {name}: <{ns}>\n" for name, ns in prefixes.items())
