"""The IRIs inference reads and writes: RDF, RDFS and OWL terms, the derived graph, rule IRIs.

Terms are kept as their N-Triples text (`<iri>`), the form the engine reads and writes, so that
comparing a schema term with a data term is comparing two byte strings.
"""

from __future__ import annotations

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

#: The named graph that holds the derived triples, and only them.
INFERRED_GRAPH = "https://w3id.org/kgcli/graph/inferred"
#: The vocabulary of inference: `kgi:derivedBy` and the class of rules (docs/inference.md).
KGI_NS = "https://w3id.org/kgcli/inference#"
#: Built-in rules are named after the W3C OWL 2 RL rule they implement: `.../rule/cax-sco`.
RULE_NS = "https://w3id.org/kgcli/rule/"
#: Where a derivation record of a SPARQL rule's triple is named (a hash of triple and rule).
DERIVATION_NS = "https://w3id.org/kgcli/derivation/"

DERIVED_BY = KGI_NS + "derivedBy"


def iri(text: str) -> bytes:
    """An IRI as the engine's N-Triples term text."""
    return f"<{text}>".encode()


RDF_TYPE = iri(RDF_NS + "type")
RDF_FIRST = iri(RDF_NS + "first")
RDF_REST = iri(RDF_NS + "rest")
RDF_NIL = iri(RDF_NS + "nil")
RDF_SUBJECT = iri(RDF_NS + "subject")
RDF_PREDICATE = iri(RDF_NS + "predicate")
RDF_OBJECT = iri(RDF_NS + "object")

SUB_CLASS_OF = iri(RDFS_NS + "subClassOf")
SUB_PROPERTY_OF = iri(RDFS_NS + "subPropertyOf")
DOMAIN = iri(RDFS_NS + "domain")
RANGE = iri(RDFS_NS + "range")
LABEL = iri(RDFS_NS + "label")
COMMENT = iri(RDFS_NS + "comment")


def owl(name: str) -> bytes:
    """An OWL term as N-Triples text."""
    return iri(OWL_NS + name)


THING = owl("Thing")
NOTHING = owl("Nothing")
SAME_AS = owl("sameAs")
DIFFERENT_FROM = owl("differentFrom")
EQUIVALENT_CLASS = owl("equivalentClass")
EQUIVALENT_PROPERTY = owl("equivalentProperty")
INVERSE_OF = owl("inverseOf")
PROPERTY_CHAIN = owl("propertyChainAxiom")
ON_PROPERTY = owl("onProperty")
HAS_VALUE = owl("hasValue")
SOME_VALUES_FROM = owl("someValuesFrom")
ALL_VALUES_FROM = owl("allValuesFrom")
INTERSECTION_OF = owl("intersectionOf")
UNION_OF = owl("unionOf")
ONE_OF = owl("oneOf")
COMPLEMENT_OF = owl("complementOf")
DISJOINT_WITH = owl("disjointWith")
MEMBERS = owl("members")
DISTINCT_MEMBERS = owl("distinctMembers")
PROPERTY_DISJOINT_WITH = owl("propertyDisjointWith")
MAX_CARDINALITY = owl("maxCardinality")
MAX_QUALIFIED_CARDINALITY = owl("maxQualifiedCardinality")
ON_CLASS = owl("onClass")
HAS_KEY = owl("hasKey")
SOURCE_INDIVIDUAL = owl("sourceIndividual")
ASSERTION_PROPERTY = owl("assertionProperty")
TARGET_INDIVIDUAL = owl("targetIndividual")
TARGET_VALUE = owl("targetValue")

TRANSITIVE = owl("TransitiveProperty")
SYMMETRIC = owl("SymmetricProperty")
FUNCTIONAL = owl("FunctionalProperty")
INVERSE_FUNCTIONAL = owl("InverseFunctionalProperty")
IRREFLEXIVE = owl("IrreflexiveProperty")
ASYMMETRIC = owl("AsymmetricProperty")
ALL_DISJOINT_CLASSES = owl("AllDisjointClasses")
ALL_DISJOINT_PROPERTIES = owl("AllDisjointProperties")
ALL_DIFFERENT = owl("AllDifferent")
NEGATIVE_ASSERTION = owl("NegativePropertyAssertion")

#: Predicates whose triples are schema: read once, closed in Python (`kgcli.infer.schema`).
SCHEMA_PREDICATES = frozenset(
    {
        SUB_CLASS_OF,
        SUB_PROPERTY_OF,
        EQUIVALENT_CLASS,
        EQUIVALENT_PROPERTY,
        INVERSE_OF,
        DOMAIN,
        RANGE,
        PROPERTY_CHAIN,
        ON_PROPERTY,
        HAS_VALUE,
        SOME_VALUES_FROM,
        ALL_VALUES_FROM,
        INTERSECTION_OF,
        UNION_OF,
        ONE_OF,
        COMPLEMENT_OF,
        DISJOINT_WITH,
        MEMBERS,
        DISTINCT_MEMBERS,
        PROPERTY_DISJOINT_WITH,
        MAX_CARDINALITY,
        MAX_QUALIFIED_CARDINALITY,
        ON_CLASS,
        HAS_KEY,
        SOURCE_INDIVIDUAL,
        ASSERTION_PROPERTY,
        TARGET_INDIVIDUAL,
        TARGET_VALUE,
        RDF_FIRST,
        RDF_REST,
    }
)
#: Classes whose instances are schema (a property typed transitive, a disjointness axiom).
SCHEMA_CLASSES = frozenset(
    {
        TRANSITIVE,
        SYMMETRIC,
        FUNCTIONAL,
        INVERSE_FUNCTIONAL,
        IRREFLEXIVE,
        ASYMMETRIC,
        ALL_DISJOINT_CLASSES,
        ALL_DISJOINT_PROPERTIES,
        ALL_DIFFERENT,
        NEGATIVE_ASSERTION,
    }
)


def rule_iri(name: str) -> str:
    """The IRI of a built-in rule, after its W3C name (`cax-sco`)."""
    return RULE_NS + name
