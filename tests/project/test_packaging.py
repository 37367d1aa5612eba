"""The wheel carries the ontology, graph and catalogue, so a plain install works anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"pip wheel failed:\n{done.stdout}\n{done.stderr}")
    (path,) = out.glob("kgcli-*.whl")
    return path


@pytest.mark.slow  # builds a wheel: ~5 s alone
def test_wheel_ships_the_data_inside_the_package(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (("ontology", "*.ttl"), ("graph", "*.ttl"), ("queries", "*.rq")):
        for path in (ROOT / folder).glob(pattern):
            assert f"kgcli/_data/{folder}/{path.name}" in names, path
    assert "kgcli/_data/ontology/shapes.ttl" in names
    assert any(n.startswith("kgcli/_data/queries/checks/") for n in names)
    for path in (ROOT / "kgcli" / "profiles").glob("*.toml"):
        assert f"kgcli/network/profiles/{path.name}" in names, path
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kg = kgcli.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow  # builds and installs a wheel
def test_installed_wheel_runs_from_any_directory(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    # Run from an empty folder, with the installed copy first on the path (not the source tree).
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from kgcli.engine import resources; from kgcli.cli import main; "
            "assert '_data' in str(resources.queries_dir()), resources.queries_dir(); "
            "sys.argv = ['kg', 'query', 'articles', '-f', 'csv']; main()",
            str(target),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Making headway with new health industry cluster" in done.stdout
