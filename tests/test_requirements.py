"""The runtime set (requirements.txt) serves a network on its own: the server and node packages
import nothing that only the development set (requirements-dev.txt) installs."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The packages the project installs (pyproject's package list: "rooms*" → rooms), so a new app is
# checked as soon as it ships.
PACKAGES = tuple(pattern.rstrip("*") for pattern in tomllib.loads((REPO / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"]["find"]["include"])


def pinned(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            names.add(normalize(re.split(r"[\[=<>]", line)[0]))
    return names


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(names: set[str]) -> set[str]:
    """The distributions `names` pull in, following installed metadata."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # a marker-only dependency for another Python
            continue
        for requirement in requirements:
            if "extra ==" in requirement:
                continue
            todo.append(normalize(re.split(r"[\s\[=<>;!~(]", requirement)[0]))
    return seen


def imported_top_level_modules() -> set[str]:
    modules = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__", "tests"}


def test_the_runtime_set_holds_no_test_tools():
    runtime = pinned(REPO / "requirements.txt")
    assert not runtime & {"pytest", "pytest-django", "pytest-asyncio", "playwright", "ruff", "py-spy"}
    assert "-r requirements.txt" in (REPO / "requirements-dev.txt").read_text()


def test_everything_the_server_and_node_import_comes_with_the_runtime_set():
    available = closure(pinned(REPO / "requirements.txt"))
    providers = metadata.packages_distributions()
    missing = {}
    for module in imported_top_level_modules():
        dists = {normalize(d) for d in providers.get(module, [])}
        if not dists & available:
            missing[module] = sorted(dists) or ["not installed"]
    assert not missing, f"imported by the server or node but not in requirements.txt: {missing}"
