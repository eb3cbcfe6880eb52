"""The code's shape (issue 15): every package has a layer, no import cycle, no unexplained local import.

`lint-imports` (run by `make test` and `make lint`) checks the layers themselves; these tests
check what the contract cannot: that nothing new slipped in without a layer, and the two counts
scripts/structure_report.py gives.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("structure_report", REPO / "scripts" / "structure_report.py")
structure_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(structure_report)


def _layered() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    return {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}


def test_every_package_and_every_moltnet_module_has_a_layer():
    layered = _layered()
    packages = [p for p in structure_report.PACKAGES if p != "moltnet"]
    modules = sorted(f"moltnet.{p.stem if p.is_file() else p.name}" for p in (REPO / "moltnet").iterdir()
                     if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists())
    missing = [name for name in [*packages, *modules] if name not in layered]
    assert missing == [], f"add these to a layer in pyproject.toml: {missing}"


def test_no_import_cycle_between_packages():
    assert structure_report._cycles(structure_report.PACKAGES) == []


def test_each_function_local_import_says_why():
    _, local_imports = structure_report._count(REPO, structure_report.PACKAGES)
    unexplained = []
    for entry in local_imports:
        where = entry.split()[0]
        path, line = where.rsplit(":", 1)
        lines = (REPO / path).read_text().splitlines()
        nearby = lines[max(0, int(line) - 5):int(line)]
        if not any("#" in text for text in nearby):
            unexplained.append(entry)
    assert unexplained == [], f"import at module level, or say in a comment why not: {unexplained}"
