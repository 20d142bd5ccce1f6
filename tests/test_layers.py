"""The house's layers: no import cycles between the package's modules, and each layer imports
only the layers below it: checks, then backends, then core (the verdict), then reports; only
the adapter and the plugin know pytest."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_persona"

# a module of a layer may import (at module level) only modules of the layers listed for it
LAYERS = {
    "checks": {"checks", "registry"},
    "backends": {"backends", "checks", "registry"},
    "core": {"core", "backends", "checks", "registry"},
    "reports": {"reports", "core", "backends", "checks", "registry"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(path: Path) -> set[str]:
    """pytest_persona modules imported when ``path`` is imported (not in functions or TYPE_CHECKING)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("pytest_persona"))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.startswith("pytest_persona"):
                    found.add(target)
                    found.update(f"{target}.{a.name}" for a in node.names)  # a submodule, when it is one
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for child in ("body", "orelse", "finalbody"):
                    visit(getattr(node, child, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(path.read_text("utf-8")).body)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = {m for m in _top_level_imports(path) if m in modules and m != name}
        # importing a.b.c imports a and a.b first
        graph[name] = edges | {p for m in edges for p in _parents(m) if p in modules and p != name}
    return graph


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt in _parents(node):
                continue  # a package's __init__ runs before its modules; importing it back is not a cycle
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for name, edges in _graph().items():
        layer = name.split(".")[1] if "." in name else ""
        allowed = LAYERS.get(layer)
        if allowed is None:
            continue
        for target in edges:
            target_layer = target.split(".")[1] if "." in target else ""
            if target_layer and target_layer not in allowed:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_only_the_adapter_and_the_plugin_know_pytest() -> None:
    """checks, backends, core and reports import pytest nowhere at module level, so they run
    (and raise their own errors) outside a pytest session; the adapter turns those into usage errors."""
    knowing = []
    for path in PACKAGE.rglob("*.py"):
        layer = _module_name(path).split(".")[1] if "." in _module_name(path) else ""
        if layer not in LAYERS:
            continue
        for node in ast.parse(path.read_text("utf-8")).body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(n.split(".")[0] in ("pytest", "_pytest") for n in names):
                knowing.append(_module_name(path))
    assert not knowing, "imports pytest: " + ", ".join(sorted(knowing))
