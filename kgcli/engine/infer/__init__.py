"""Inference (issue #14): derive what a graph's schema and rules entail, and mark it as derived.

The library front door; a CLI command is a thin layer over these. docs/inference.md describes
the rules, the bounds, the marking and the figures.

- `rule_set(specs, ...)` reads `--rules` (rdfs, owl-rl, folders and files of SPARQL rules),
  checking every rule file before anything runs.
- `infer(store, rules, sink=..., bounds=..., timeout=...)` derives the closure of the store's
  stated graphs and writes the derived triples (only them) to `kgg:inferred` or a `Sink`;
  `infer_at(path, ...)` does it for an on-disk store. With a timeout, both work in a child
  process killed at the deadline (`kgcli.engine.infer.isolated`).
- `dataset(store, infer=...)`: the graphs a query sees with and without `--infer`.
- `resolve(...)` and `explain(store, triple, rules)`: why a triple holds.
- `check(store, rules)`: the OWL 2 RL consistency rules, as SHACL-like violations.
"""

from __future__ import annotations

from kgcli.engine.infer.check import CheckReport, Violation, check
from kgcli.engine.infer.choice import rule_set
from kgcli.engine.infer.dataset import Dataset, dataset, has_inferences
from kgcli.engine.infer.engine import (
    MARKINGS,
    Bounds,
    InferenceDiverged,
    InferenceReport,
    infer,
    infer_at,
)
from kgcli.engine.infer.explain import Explanation, NotEntailed, explain, resolve
from kgcli.engine.infer.rules import (
    BUILTIN,
    NOT_IMPLEMENTED,
    RL_RULES,
    THROUGH,
    Rule,
    RuleSet,
)
from kgcli.engine.infer.sink import Sink, StoreSink, StreamSink
from kgcli.engine.infer.sparql_rules import SparqlRule, load_rules
from kgcli.engine.infer.vocab import DERIVED_BY, INFERRED_GRAPH, KGI_NS, RULE_NS

__all__ = [
    "BUILTIN",
    "DERIVED_BY",
    "INFERRED_GRAPH",
    "KGI_NS",
    "MARKINGS",
    "NOT_IMPLEMENTED",
    "RL_RULES",
    "RULE_NS",
    "THROUGH",
    "Bounds",
    "CheckReport",
    "Dataset",
    "Explanation",
    "InferenceDiverged",
    "InferenceReport",
    "NotEntailed",
    "Rule",
    "RuleSet",
    "Sink",
    "SparqlRule",
    "StoreSink",
    "StreamSink",
    "Violation",
    "check",
    "dataset",
    "explain",
    "has_inferences",
    "infer",
    "infer_at",
    "load_rules",
    "resolve",
    "rule_set",
]
