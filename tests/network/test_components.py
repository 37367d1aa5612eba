"""The cluster network's components (issue #16): what the articles connect stays connected.

The cluster profile keeps the links that run through n-ary nodes (a procedure, a journey, a
location reason) as edges of ontology shortcuts; these tests hold the resulting partition, stated
and with `--infer`, to what docs/network-model.md says of it, and each shortcut's chain axiom to
the profile's path.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from rdflib import OWL, Graph, URIRef
from rdflib.collection import Collection
from support import ROOT
from typer.testing import CliRunner

from kgcli.cli.app import app
from kgcli.network.profile import resolve_profile
from kgcli.rdf.namespaces import merged_prefixes

DOC = ROOT / "docs" / "network-model.md"
SECTION = "## The cluster network's components"

#: Every node of the cluster network on the embedded graph: one component, stated and inferred.
CLUSTER = frozenset(
    {
        "Akesobio",
        "Anhui Province",
        "Bengbu City",
        "Chia-Tai Tianqing Pharmaceutical Co",
        "China",
        "Dr Smile Surgical Clinic",
        "East China",
        "Fahua Pagoda",
        "Hongqiao CBD",
        "Hongqiao Comprehensive Traffic Hub",
        "Hongqiao Railway Station",
        "Huacao Community Health Service Center",
        "Huacao Town",
        "Huashan Hospital",
        "Huashan Hospital's Hongqiao Branch",
        "Innovent Biologics",
        "Jiading",
        "Liu Jiren",
        "Minhang",
        "Nanxiang town",
        "Neosoft",
        "Neosoft Holding",
        "Neosoft Medical Technology Co",
        "Neosoft Shanghai Sci-tech Center",
        "New Hongqiao International Medical Center",
        "Qianwan area",
        "Qin Xiaorui",
        "Shanghai",
        "Shanghai (Nanxiang) Precision Medicine Industrial Park",
        "Shanghai Kindly Medical Instruments Company",
        "Shengsheng Logistics",
        "Simcere Pharmaceutical Group",
        "South Hongqiao Central Business District",
        "Wego Holding",
        "Yunnan Baiyao",
        "Zhang Qiang",
        "a manager of Wego Holding",
        "a patient surnamed Qin",
        "clinic room of the Dr Smile Surgical Clinic",
        "clinical laboratory",
        "imaging department",
        "inpatient building",
        "operating room of the Dr Smile Surgical Clinic",
        "pharmacy",
        "service platform for the incubation and transformation of innovative achievements in "
        "the field of the precision medicine industry",
        "shared medical technology service platform",
        "the surgeon who operated on Qin",
    }
)


def components(*options: str) -> set[frozenset[str]]:
    """The partition `kg network analyze -m component -f csv` prints, as sets of labels."""
    result = CliRunner().invoke(
        app, ["network", "analyze", "-m", "component", "-f", "csv", *options]
    )
    assert result.exit_code == 0, result.output
    groups: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(result.stdout)):
        groups.setdefault(row["component"], set()).add(row["label"])
    return {frozenset(group) for group in groups.values()}


@pytest.fixture(scope="module")
def stated() -> set[frozenset[str]]:
    return components()


@pytest.fixture(scope="module")
def inferred() -> set[frozenset[str]]:
    return components("--infer")


def test_the_stated_cluster_network_is_one_component(stated):
    # Before #16: 7 (the patient, the surgeon, the station, Neosoft Holding and the Hongqiao CBD
    # cut off, the Jiading article's places apart from the Minhang article's).
    assert stated == {CLUSTER}


def test_with_infer_it_is_the_same_one_component(inferred):
    assert inferred == {CLUSTER}


def test_the_docs_section_states_the_same_counts(stated, inferred):
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    counts = re.search(
        r"\*\*(\d+) components?\*\*\s+stated\s+and\s+\*\*(\d+) components?\*\*\s+with\s+`--infer`",
        section,
    )
    assert counts, "the section must say '**N components** stated and **M** with `--infer`'"
    assert (int(counts[1]), int(counts[2])) == (len(stated), len(inferred))
    nodes = re.search(r"all (\d+) nodes", section)
    assert nodes and int(nodes[1]) == len(CLUSTER)


def test_each_shortcut_is_defined_by_the_profiles_path():
    """A path edge's kind, where the ontology defines it by a chain, says what the path says:
    `^a/b` is the chain (a's declared inverse, b)."""
    onto = Graph().parse(ROOT / "ontology" / "kg.ttl")
    profile = resolve_profile("cluster")
    prefixes = merged_prefixes(profile.prefixes)

    def iri(name: str) -> URIRef:
        prefix, local = name.split(":", 1)
        return URIRef(prefixes[prefix] + local)

    checked = []
    for rule in profile.edges:
        kind = iri(rule.kind)
        head = onto.value(kind, OWL.propertyChainAxiom)
        if rule.path is None or head is None:
            continue
        assert rule.path.startswith("^") and rule.path.count("/") == 1, rule.path
        first, second = (iri(step) for step in rule.path[1:].split("/"))
        chain = list(Collection(onto, head))
        assert chain == [onto.value(first, OWL.inverseOf), second], rule.kind
        checked.append(rule.kind)
    assert checked == [
        "kg:treatedAt",
        "kg:treated",
        "kg:journeyTo",
        "kg:explainsLocationIn",
        "kg:citesAsReason",
    ]
