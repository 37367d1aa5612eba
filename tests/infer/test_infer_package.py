"""The inference package: self-contained (it moves under engine/ later), all RL rules listed."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from kgcli.infer import BUILTIN, NOT_IMPLEMENTED, RL_RULES, THROUGH

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kgcli" / "infer"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_package_imports_only_pyoxigraph_the_standard_library_and_kgcli_errors():
    allowed = set(sys.stdlib_module_names) | {"pyoxigraph", "__future__"}
    offenders = {}
    for path in sorted(PACKAGE.glob("*.py")):
        bad = {
            name
            for name in _imports(path)
            if name.split(".")[0] not in allowed
            and name != "kgcli.errors"
            and not name.startswith("kgcli.infer")
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_every_owl_2_rl_rule_is_implemented_applied_through_another_or_listed_as_not():
    assert len(RL_RULES) == len(set(RL_RULES)) == 78
    covered = set(BUILTIN) | set(NOT_IMPLEMENTED) | set(THROUGH)
    assert set(RL_RULES) - covered == set()
    assert set(BUILTIN) & set(NOT_IMPLEMENTED) == set()
    # The two checks kg adds (unique names) are its own, not W3C names.
    assert set(BUILTIN) - set(RL_RULES) == {"functional", "inverse-functional"}


def test_every_rule_has_an_iri_a_label_and_a_comment():
    for name, rule in BUILTIN.items():
        assert rule.iri == f"https://w3id.org/kgcli/rule/{name}"
        assert rule.label and rule.comment, name


def test_the_documentation_says_what_becomes_of_every_rl_rule():
    text = (ROOT / "docs" / "inference.md").read_text(encoding="utf-8")
    missing = [name for name in (*RL_RULES, *BUILTIN) if f"`{name}`" not in text]
    assert missing == []
    for name in NOT_IMPLEMENTED:
        assert f"| `{name}`" in text or f", `{name}`" in text, name
