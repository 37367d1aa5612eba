"""Inference (issue #14): derive what a graph's schema and rules entail, and mark it as derived.

The front door for the CLI; docs/inference.md is the user's and the designer's description.
"""

from __future__ import annotations

from kgcli.infer.engine import MARKINGS, Bounds, InferenceDiverged, InferenceReport, infer
from kgcli.infer.rules import BUILTIN, NOT_IMPLEMENTED, RL_RULES, Rule, RuleSet, rule_set
from kgcli.infer.sink import Sink, StoreSink, StreamSink
from kgcli.infer.sparql_rules import SparqlRule, load_rules
from kgcli.infer.vocab import DERIVED_BY, INFERRED_GRAPH

__all__ = [
    "BUILTIN",
    "DERIVED_BY",
    "INFERRED_GRAPH",
    "MARKINGS",
    "NOT_IMPLEMENTED",
    "RL_RULES",
    "Bounds",
    "InferenceDiverged",
    "InferenceReport",
    "Rule",
    "RuleSet",
    "Sink",
    "SparqlRule",
    "StoreSink",
    "StreamSink",
    "infer",
    "load_rules",
    "rule_set",
]
