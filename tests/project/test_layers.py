"""The package keeps its layers (issue #13): imports go one way, no cycle, no private name.

    cli > api > {serve, network, remote} > output > engine > rdf > {errors, atomic, ...}

A module may import a module of a lower layer, or of its own package; never a higher layer, nor a
peer (serve, network and remote import none of each other). Every `import` counts, those inside
functions and under `if TYPE_CHECKING:` too, since a lazy import is a dependency all the same.
No import cycle, even within a package; no name starting with `_` taken from another module.
`docs/architecture.md` says what each layer owns.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import ROOT

#: Each part of the package (the name after `kgcli.`) and its layer: a higher layer may import a
#: lower one. The bottom layer's modules import nothing of ours but each other.
LAYERS: dict[str, int] = {
    "__main__": 8,
    "cli": 7,
    "api": 6,
    "serve": 5,
    "network": 5,
    "remote": 5,
    "output": 4,
    "engine": 3,
    "rdf": 2,
    **dict.fromkeys(("errors", "atomic", "redact", "text", "limits", "tomlfile"), 1),
}
BOTTOM = 1


def _order() -> str:
    """The layers as the module docstring draws them."""
    groups = []
    for rank in sorted(set(LAYERS.values()), reverse=True):
        names = [name for name, r in LAYERS.items() if r == rank and name != "__main__"]
        if names:
            groups.append(names[0] if len(names) == 1 else "{" + ", ".join(names) + "}")
    return " > ".join(groups)


@dataclass(frozen=True)
class Import:
    """One import statement's target, as a module name (and a name taken from it, if any)."""

    module: str
    name: str | None
    line: int


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str, package: Path) -> bool:
    """Whether `name` (dotted, starting with the package's name) is a module or package of it."""
    path = package.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


class _Reader(ast.NodeVisitor):
    """Every import of the package's own modules in one module, and the private names it reads
    from them (`module._name`, `Class._name` of an imported module or class)."""

    def __init__(self, this: str, package: Path) -> None:
        self.this = this
        self.package = package
        self.root = package.name
        self.imports: list[Import] = []
        self.private: list[tuple[int, str]] = []
        self._bound: dict[str, str] = {}  # local name -> the module it came from

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.this.split(".")
        is_package = (self.package.parent.joinpath(*parts) / "__init__.py").is_file()
        base = parts if is_package else parts[:-1]
        base = base[: len(base) - node.level + 1]
        return ".".join([*base, node.module] if node.module else base)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == self.root or alias.name.startswith(self.root + "."):
                self.imports.append(Import(alias.name, None, node.lineno))
                local = alias.asname or alias.name.split(".")[0]
                self._bound[local] = alias.name if alias.asname else self.root

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = self._absolute(node)
        if module != self.root and not module.startswith(self.root + "."):
            return
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if _is_module(full, self.package):  # `from kgcli.engine import store`
                self.imports.append(Import(full, None, node.lineno))
            else:
                self.imports.append(Import(module, alias.name, node.lineno))
            self._bound[alias.asname or alias.name] = full

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain = []
        value: ast.expr = node
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in self._bound:
            # `stores._HELD.clear()`: the name read is the chain up to its first private part.
            # The chain holds nothing else to visit, nor are its inner parts read again.
            parts = list(reversed(chain))
            for i, part in enumerate(parts):
                if _private(part):
                    dotted = ".".join([self._bound[value.id], *parts[: i + 1]])
                    self.private.append((node.lineno, dotted))
                    break
            return
        self.generic_visit(node)


@dataclass(frozen=True)
class Violation:
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _private(name: str) -> bool:
    """Whether a dotted name has a private part: `_x`, not a dunder such as `__version__`."""
    return any(p.startswith("_") and not p.endswith("__") for p in name.split("."))


def _owner(module: str, package: Path) -> str:
    """The module an imported name lives in: `kgcli.x.y` if it is a module, else `kgcli.x`."""
    return module if _is_module(module, package) else module.rpartition(".")[0]


def check(package: Path) -> list[Violation]:
    """Every import of `package` (a folder) against its layers, cycles and private names."""
    found: list[Violation] = []
    graph: dict[str, set[str]] = {}
    order = _order()
    for path in sorted(package.rglob("*.py")):
        this = module_name(path, package)
        where = str(path.relative_to(package.parent))
        part = _part(this)
        if part and part not in LAYERS:
            found.append(Violation(where, f"{part!r} is in no layer: add it to LAYERS ({order})"))
            continue
        reader = _Reader(this, package)
        reader.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        edges = graph.setdefault(this, set())
        for item in reader.imports:
            target = item.module if item.name is None else _owner(item.module, package)
            at = f"{where}:{item.line}"
            shown = item.module + (f".{item.name}" if item.name else "")
            if target == this:
                continue
            if target != package.name:
                edges.add(target)
            if _private(shown):
                found.append(Violation(at, f"imports the private name {shown}"))
            other = _part(target)
            if not other or other == part or not part:
                continue  # the package itself (its version), or within one part
            mine, theirs = LAYERS[part], LAYERS.get(other)
            if theirs is None:
                continue  # reported where that module is read
            if theirs > mine or (theirs == mine and mine != BOTTOM):
                how = "a peer" if theirs == mine else "a higher layer"
                found.append(
                    Violation(at, f"{part} imports {shown}, {how} ({other}): layers go {order}")
                )
        for line, name in reader.private:
            found.append(Violation(f"{where}:{line}", f"reads the private name {name}"))
    found += [Violation(" -> ".join(cycle), "an import cycle") for cycle in _cycles(graph)]
    return found


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """One cycle through each strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    for component in components:
        members = set(component)
        path = [component[0]]
        while True:  # walk inside the component back to where it started
            step = min(n for n in graph[path[-1]] if n in members)
            if step in path:
                yield [*path[path.index(step) :], step]
                break
            path.append(step)


# --- the package ---------------------------------------------------------------------------


def test_the_package_keeps_its_layers() -> None:
    assert [str(v) for v in check(ROOT / "kgcli")] == []


def test_each_part_says_in_one_line_what_it_owns() -> None:
    for init in sorted((ROOT / "kgcli").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "\n" not in doc, init


# --- the checker catches each kind of fault, planted in a copy of the package -----------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "kgcli"
    shutil.copytree(ROOT / "kgcli", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _plant(package: Path, module: str, code: str) -> None:
    path = package.joinpath(*module.split(".")[1:]).with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code + "\n", encoding="utf-8")


def _faults(package: Path) -> list[str]:
    return [str(v) for v in check(package)]


def test_a_wrong_way_import_fails(copy: Path) -> None:
    _plant(copy, "kgcli.engine.sparql", "def later():\n    from kgcli.output.formats import Kind")
    (fault,) = _faults(copy)
    assert fault.startswith("kgcli/engine/sparql.py:")
    assert "engine imports kgcli.output.formats.Kind, a higher layer (output)" in fault


def test_a_wrong_way_import_for_type_checking_only_fails(copy: Path) -> None:
    _plant(
        copy,
        "kgcli.rdf.iri",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import kgcli.cli.app",
    )
    # The cli imports rdf.iri on its way down, so this makes a cycle too: reported after.
    fault, cycle = _faults(copy)
    assert fault.startswith("kgcli/rdf/iri.py:")
    assert "rdf imports kgcli.cli.app, a higher layer (cli)" in fault
    assert cycle.endswith(": an import cycle") and "kgcli.rdf.iri -> kgcli.cli.app" in cycle


def test_a_peer_import_fails(copy: Path) -> None:
    _plant(copy, "kgcli.network.analyze", "from kgcli.remote import client")
    (fault,) = _faults(copy)
    assert "network imports kgcli.remote.client, a peer (remote)" in fault


def test_an_import_cycle_fails(copy: Path) -> None:
    _plant(copy, "kgcli.rdf.xsd", "from kgcli.rdf import iri")
    _plant(copy, "kgcli.rdf.iri", "def later():\n    from kgcli.rdf.xsd import XSD")
    assert _faults(copy) == ["kgcli.rdf.iri -> kgcli.rdf.xsd -> kgcli.rdf.iri: an import cycle"]


def test_a_private_cross_module_import_fails(copy: Path) -> None:
    _plant(copy, "kgcli.serve.app", "from kgcli.engine.sparql import _prefixes")
    _plant(
        copy, "kgcli.cli.store", "from kgcli.engine import store as stores\nstores._HELD.clear()"
    )
    reads, imports = _faults(copy)  # in the order of the files: cli/ before serve/
    assert reads.startswith("kgcli/cli/store.py:")
    assert reads.endswith("reads the private name kgcli.engine.store._HELD")
    assert imports.startswith("kgcli/serve/app.py:")
    assert imports.endswith("imports the private name kgcli.engine.sparql._prefixes")


def test_a_module_in_no_layer_fails(copy: Path) -> None:
    (copy / "helpers.py").write_text('"""Somewhere."""\n', encoding="utf-8")
    (fault,) = _faults(copy)
    assert fault == (
        "kgcli/helpers.py: 'helpers' is in no layer: add it to LAYERS (cli > api > "
        "{serve, network, remote} > output > engine > rdf > "
        "{errors, atomic, redact, text, limits, tomlfile})"
    )


# --- the tests keep the same shape (#13) --------------------------------------------------------

TESTS = ROOT / "tests"
#: Folders of tests/ that are not a part of the package: the bottom layer's modules (core), the
#: repository as a whole (project), real servers (integration), and what tests share.
NOT_PARTS = {"core", "project", "integration", "support", "fixtures", "golden"}


def test_tests_mirror_the_package() -> None:
    parts = {p.name for p in (ROOT / "kgcli").iterdir() if (p / "__init__.py").is_file()}
    parts.add("api")  # the front door is one module (kgcli/api.py), tested in tests/api/
    folders = {p.parent.name for p in TESTS.glob("*/test_*.py")}
    assert folders - NOT_PARTS <= parts, "a folder of tests/ that names no part of kgcli"
    assert list(TESTS.glob("test_*.py")) == [], "tests live in the folder of what they test"


def test_no_test_module_imports_another() -> None:
    """What tests share is in tests/support (and fixtures in conftest.py), imported from there."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                last = name.split(".")[-1]
                if last.startswith("test_") or last == "conftest":
                    line = getattr(node, "lineno", 0)
                    found.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    assert found == []
