"""The code passes its linters, so the README's one test command also keeps the style."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    if shutil.which(name):
        return [name]
    pytest.skip(f"{name} is not installed (pip install -e '.[test]')")


def test_ruff_lint_and_format():
    lint = subprocess.run(
        [*_tool("ruff"), "check", "kgcli", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = subprocess.run(
        [*_tool("ruff"), "format", "--check", "kgcli", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.slow
def test_mypy_on_the_package_and_the_tests():
    """pyproject's [tool.mypy]: kgcli and tests, and no `type: ignore` that is not needed."""
    done = subprocess.run([*_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_only_the_cli_imports_typer():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "kgcli").rglob("*.py")
        if "cli" not in p.relative_to(ROOT / "kgcli").parts[:1]
        and ("import typer" in p.read_text() or "from typer" in p.read_text())
    ]
    assert offenders == []


def test_help_imports_no_heavy_library():
    code = (
        "import sys; from kgcli.cli import app; "
        "heavy = {'rdflib', 'networkx', 'pyshacl', 'SPARQLWrapper', 'rich'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
