"""Structure figures of a tree: lines of code, function-local project imports, import cycles between units.

usage: .venv/bin/python scripts/structure_report.py [ROOT] [--list]

A unit is a top-level package, or a `moltnet.<name>` module or subpackage. `--list` also prints each
function-local project import (each must carry a comment saying why it is not at module level).
The layering itself is enforced by import-linter (`lint-imports`, contracts in pyproject.toml).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

PACKAGES = ["agents", "attach", "console", "events", "moltnet", "node", "pairings", "rooms", "search", "mcpserver",
            "moderation"]


def _count(root: Path, packages: list[str]) -> tuple[dict[str, int], list[str]]:
    loc = {"code": 0, "tests": 0}
    local_imports: set[str] = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] in (".venv", "build") or "migrations" in rel.parts:
            continue
        text = path.read_text()
        lines = sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
        if rel.parts[0] == "tests":
            loc["tests"] += lines
        elif rel.parts[0] in packages:
            loc["code"] += lines
        else:
            continue
        if rel.parts[0] not in packages:
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    module = sub.module if isinstance(sub, ast.ImportFrom) else sub.names[0].name
                    if module and module.split(".")[0] in packages:
                        local_imports.add(f"{rel}:{sub.lineno} {module}")
    return loc, sorted(local_imports)


def _unit(module: str) -> str:
    parts = module.split(".")
    return "moltnet." + parts[1] if parts[0] == "moltnet" and len(parts) > 1 else parts[0]


def _cycles(packages: list[str]) -> list[list[str]]:
    """Strongly connected groups (more than one unit) of the unit-level import graph (Tarjan)."""
    graph = grimp.build_graph(*packages, include_external_packages=False)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = _unit(module), _unit(imported)
            if a != b:
                edges.setdefault(a, set()).add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    sys.setrecursionlimit(10000)

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in list(edges):
        if v not in index:
            strong(v)
    return groups


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = Path(args[0] if args else Path(__file__).resolve().parent.parent)
    packages = [p for p in PACKAGES if (root / p).is_dir()]
    loc, local_imports = _count(root, packages)
    print("LOC", loc)
    print("function-local project imports", len(local_imports))
    if "--list" in sys.argv:
        for entry in local_imports:
            print("  ", entry)
    sys.path.insert(0, str(root))
    groups = _cycles(packages)
    print("import cycles (strongly connected groups of units):", len(groups))
    for group in groups:
        print("  ", len(group), group)


if __name__ == "__main__":
    main()
