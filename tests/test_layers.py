"""The import layers of docs/architecture.md hold: no module imports from a layer above it.

The contracts are ``[tool.importlinter]`` in ``pyproject.toml``; ``lint-imports``
(import-linter) checks them on the package under test, function-level imports
included. The tests also check that the contracts name every module (a new
module is placed in a layer, not left unchecked) and that a back-edge fails.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import stridecheck

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(stridecheck.__file__).resolve().parent
CONFIG = ROOT / "pyproject.toml"


def contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def lint_imports(source_root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the ``stridecheck`` package found under ``source_root``."""
    command = Path(sys.executable).with_name("lint-imports")
    assert command.is_file(), "lint-imports is missing: install the dev extra (import-linter)"
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [str(command), "--no-cache", str(CONFIG)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=300,
    )


def test_no_module_imports_from_a_layer_above_it() -> None:
    done = lint_imports(PACKAGE.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def layer_names(contract: dict[str, object]) -> set[str]:
    layers = contract["layers"]
    assert isinstance(layers, list)
    return {name.strip() for layer in layers for name in layer.split("|")}


def children(folder: Path) -> set[str]:
    """Modules and packages directly inside ``folder`` (without ``__init__``)."""
    names = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}
    return names


@pytest.mark.parametrize(
    ("contract_id", "folder"),
    [("layers", "."), ("io", "io"), ("io-fit", "io/fit"), ("live", "live")],
)
def test_every_module_is_in_a_layer(contract_id: str, folder: str) -> None:
    assert layer_names(contracts()[contract_id]) == children(PACKAGE / folder)


def test_a_back_edge_breaks_the_contract(tmp_path: Path) -> None:
    """An analysis module importing the command line (even inside a function) fails."""
    copy = tmp_path / "stridecheck"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "locales"))
    notes = copy / "segment" / "notes.py"
    text = notes.read_text(encoding="utf-8")
    notes.write_text(
        text + "\n\ndef _app():\n    from stridecheck.cli import app\n\n    return app\n",
        encoding="utf-8",
    )
    ast.parse(notes.read_text(encoding="utf-8"))
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "stridecheck.segment.notes -> stridecheck.cli" in done.stdout


def test_no_private_name_is_used_across_modules() -> None:
    """A module imports only public names of another (its own package's private modules aside)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own_package = ".".join(("stridecheck", *path.relative_to(PACKAGE).parent.parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stridecheck")
            ):
                continue
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                own_module = (
                    node.module == own_package
                    and (
                        PACKAGE.parent / own_package.replace(".", "/") / f"{alias.name}.py"
                    ).is_file()
                )
                if private and not own_module:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {alias.name}")
    assert found == []
