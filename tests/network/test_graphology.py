"""Every export of every built-in profile, read by the readers Gephi Lite uses (graphology-gexf,
graphology-graphml, in Node: tools/graphology-check), shows what an analyst expects: each
attribute under its name, with the type Gephi Lite 1.0 guesses from its values, and every node
and edge.

Gephi Lite ignores declared types and guesses each column's type from its values
(`inferFieldType` in its `core/graph/fieldModel.ts`); `gephi_lite_type` below follows the same
rules, in its order, and tools/gephi-lite-check checks them against the real client
(docs/gephi-lite.md). Skipped when Node or the readers are absent (`npm ci` in
tools/graphology-check), except in CI, where KG_REQUIRE_NODE=1 makes that a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kgcli.api import open_source
from kgcli.network.analyze import analyze
from kgcli.network.build import build_network
from kgcli.network.export import write_network
from kgcli.network.profile import builtin_profiles

CHECK = Path(__file__).resolve().parents[2] / "tools" / "graphology-check"
#: The built-in profiles of our domain (the generic one has its own tests).
DOMAIN_PROFILES = [p for p in builtin_profiles() if not p.generic]
PROFILES = [p.name for p in DOMAIN_PROFILES]
#: The metrics Gephi Lite must read as numbers, and the group numbers it must read as categories.
NUMBERS = ("degree", "betweenness", "closeness", "pagerank", "eigenvector")
GROUPS = ("component", "community", "label_propagation")


def _node() -> str:
    node = shutil.which("node")
    ready = node is not None and (CHECK / "node_modules" / "graphology-gexf").is_dir()
    if not ready:
        reason = (
            "Node.js and the graphology readers are needed: run `npm ci` in tools/graphology-check"
        )
        if os.environ.get("KG_REQUIRE_NODE"):
            pytest.fail(reason + " (KG_REQUIRE_NODE is set)")
        pytest.skip(reason)
    assert node is not None
    return node


# --- Gephi Lite's guess of a column's type, from its values -----------------------------------

_URL = re.compile(r"(?:https?|ftp)://[^\s/$.?#][^\s]*", re.IGNORECASE)
_COLOUR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}){1,2}|rgb\(\d{1,3},\s*\d{1,3},\s*\d{1,3}\)"
    r"|rgba\(\d{1,3},\s*\d{1,3},\s*\d{1,3},\s*\d\)"
)
_DATES = [
    re.compile(r"\d{4}"),
    re.compile(r"\d{4}-(0[1-9]|1[0-2])"),
    re.compile(r"\d{4}(0[1-9]|1[0-2])"),
    re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"),
    re.compile(r"\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"),
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}(:\d{2}(:\d{2}(\.\d{3})?)?)?"),
]
_FORCED_NUMBERS = {"size", "weight", "rawsize", "rawweight", "degree"}


def _text(value: object) -> str:
    """A JavaScript value as `"" + value` spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value.strip() or "0")  # JavaScript's +"" is 0
        except ValueError:
            return False
        return True
    return False


def _errors(values: list[object], test) -> float:
    return sum(1 for v in values if not test(v)) / len(values)


def gephi_lite_type(name: str, values: list[object], count: int) -> str:
    """The type Gephi Lite 1.0 gives a column: url, boolean, color, date, number, keywords,
    category or text, in that order of trial."""
    texts = [_text(v) for v in values[:100]]
    if _errors(values, lambda v: isinstance(v, str) and _URL.fullmatch(v.strip())) < 0.05:
        return "url"
    accepted = ("true", "false")  # and the numbers 0 and 1, true and false

    def boolean(v: object) -> bool:
        if isinstance(v, str):
            return v.strip().lower() in accepted
        return isinstance(v, bool | int | float) and v in (0, 1)

    if _errors(values, boolean) < 0.05:
        return "boolean"
    if _errors(values, lambda v: isinstance(v, str) and _COLOUR.fullmatch(v)) < 0.05:
        return "color"
    for pattern in _DATES:
        matching = sum(1 for t in texts if pattern.fullmatch(t))
        if matching >= len(texts) / 10 and (len(texts) - matching) / len(texts) <= 0.05:
            return "date"
    if _errors(values, _is_number) < 0.01:
        if name.strip().lower() in _FORCED_NUMBERS:
            return "number"
        numbers = [float(str(v)) for v in values if _is_number(v)]
        distinct = sorted(set(numbers))
        series = all(b - a == 1 for a, b in itertools.pairwise(distinct))
        if len(distinct) < len(numbers) and distinct[0] in (0, 1) and series:
            return "category"
        return "number"
    for separator in (";", ",", "|"):
        splitting = sum(
            1
            for t in texts
            if len(t.split(separator)) > 1 and all(p.strip() for p in t.split(separator))
        )
        if splitting >= len(texts) / 10 and splitting:
            parts: dict[str, int] = {}
            for v in values:
                for part in _text(v).split(separator):
                    parts[part] = parts.get(part, 0) + 1
            mean = sum(parts.values()) / len(parts)
            if mean > 2 and 1 < len(parts) < count:
                return "keywords"
            break
    distinct_values = len({_text(v) for v in values})
    if 1 < distinct_values < len(values) ** 0.75:
        return "category"
    return "text"


def test_gephi_lite_types_follow_its_rules():
    assert gephi_lite_type("community", [0, 1, 0, 1], 4) == "boolean"
    assert gephi_lite_type("community", ["c1", "c2", "c1", "c1", "c2"] * 3, 15) == "category"
    assert gephi_lite_type("core", [1, 2, 2, 3, 1], 5) == "category"
    assert gephi_lite_type("degree", [1, 2, 2, 3, 1], 5) == "number"
    assert gephi_lite_type("pagerank", [0.1, 0.3, 0.2], 3) == "number"
    assert gephi_lite_type("weight", [1.0, 1.0, 1.0], 3) == "boolean"
    assert gephi_lite_type("start", ["2006-01-01", "2018-11-01"], 2) == "date"
    assert gephi_lite_type("iri", ["https://w3id.org/x", "https://w3id.org/y"], 2) == "url"
    assert gephi_lite_type("color", ["#e69f00", "#0072b2"], 2) == "color"


# --- every export, as Gephi Lite reads it ------------------------------------------------------


@pytest.fixture(scope="module")
def readings(tmp_path_factory):
    """Each built-in profile's exports (default, and with every metric), read by graphology."""
    node = _node()
    folder = tmp_path_factory.mktemp("graphology")
    source = open_source()
    networks = {}
    files = []
    for profile in DOMAIN_PROFILES:
        for rich in (False, True):
            graph = build_network(source, profile)
            if rich:
                analyze(graph, ["all"])
            name = profile.name + ("-all" if rich else "")
            networks[name] = graph
            for suffix, version in (("gexf", "1.3"), ("1.2draft.gexf", "1.2draft")):
                write_network(graph, folder / f"{name}.{suffix}", gexf_version=version)
                files.append(folder / f"{name}.{suffix}")
            path = folder / f"{name}.graphml"
            write_network(graph, path)
            files.append(path)
    done = subprocess.run(
        [node, str(CHECK / "graphology-check.mjs"), "--values", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = {Path(f["file"]).name: f for f in json.loads(done.stdout)["files"]}
    return networks, found


def _cases() -> list[tuple[str, str]]:
    return [
        (name, suffix)
        for profile in PROFILES
        for name in (profile, profile + "-all")
        for suffix in ("gexf", "1.2draft.gexf", "graphml")
    ]


@pytest.mark.parametrize(("name", "suffix"), _cases())
def test_gephi_lite_shows_every_node_edge_and_attribute_by_name(readings, name, suffix):
    networks, found = readings
    graph = networks[name]
    reading = found[f"{name}.{suffix}"]
    assert "error" not in reading
    assert reading["graph"]["nodes"] == graph.number_of_nodes()
    assert reading["graph"]["edges"] == graph.number_of_edges()
    # Every column under its own name: none under a raw id such as n0 or e0 (#16).
    for cls in ("nodeAttributes", "edgeAttributes"):
        assert [a["name"] for a in reading[cls] if a["namedBy"] == "id"] == []
    assert reading["declaredNotRead"] == {"nodes": [], "edges": []}
    names = {a["name"] for a in reading["nodeAttributes"]}
    assert {"label", "kind", "class", "iri", "size", "color"} <= names
    data = {k for _, d in graph.nodes(data=True) for k in d} - {"end"}
    constant = {k for k in data if len({str(d.get(k)) for _, d in graph.nodes(data=True)}) == 1}
    assert data - constant <= names
    assert reading["nodesWithPosition"] == graph.number_of_nodes()
    # 1.2draft's grammar requires a z; Gephi Lite then lists it (as a number, all 0).
    assert ("z" in names) == (suffix == "1.2draft.gexf")


@pytest.mark.parametrize(("name", "suffix"), _cases())
def test_gephi_lite_guesses_each_type_right(readings, name, suffix):
    networks, found = readings
    graph = networks[name]
    reading = found[f"{name}.{suffix}"]
    nodes = _types_of(reading, "nodeAttributes", graph.number_of_nodes())
    edges = _types_of(reading, "edgeAttributes", graph.number_of_edges())
    if suffix.endswith("gexf"):
        # Gephi Lite declares these itself for GEXF files (its core/file/utils.ts).
        nodes["label"] = edges["label"] = "text"
        if "z" in nodes:
            nodes["z"] = "number"
    assert nodes["label"] == "text"
    assert nodes["size"] == "number"
    assert nodes["color"] == "color"
    assert nodes["iri"] == "url"
    assert nodes["kind"] in ("category", "text")
    for metric in NUMBERS:
        if metric in nodes:
            assert nodes[metric] == "number", metric
    for group in GROUPS:
        if group in nodes:
            assert nodes[group] in ("category", "text"), group
    if "start" in nodes:
        assert nodes["start"] == "date"
    if "weight" in edges:
        assert edges["weight"] == "number"
    # A number column holding only 0 and 1 (in_degree or core of a tiny network) is a boolean to
    # Gephi Lite whatever the file declares (docs/gephi-lite.md, "How Gephi Lite types a
    # column"); every other boolean would be ours to fix.
    zero_one = {
        a["name"]
        for a in reading["nodeAttributes"]
        if a["values"] and all(_is_number(v) and float(str(v)) in (0, 1) for v in a["values"])
    }
    assert not [n for n, t in nodes.items() if t == "boolean" and n not in zero_one], nodes
    assert not zero_one & set(GROUPS), "groups are written as labels (c1, c2, ...)"
    assert not [n for n, t in edges.items() if t == "boolean"], edges


def _types_of(reading: dict, cls: str, count: int) -> dict[str, str]:
    return {a["name"]: gephi_lite_type(a["name"], a["values"], count) for a in reading[cls]}
