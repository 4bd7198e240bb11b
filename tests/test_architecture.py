"""The package's layout rules, checked by reading every module's imports (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "advseg"
LIBRARY = ("advseg.data", "advseg.nn", "advseg.training", "advseg.evaluation", "advseg.baselines", "advseg.plot",
           "advseg.interop", "advseg.utils", "advseg._version")
OUTSIDE_THE_LIBRARY = ("advseg.experiment", "advseg.cli")
MAX_LINES = 320  # "about 300 lines at most"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name: str) -> set[str]:
    """Every advseg module ``name`` imports, at the top or inside a function, resolved to a module of the package."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from pkg import module` depends on the module; `from module import name` on the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found |= {t for t in targets if t == "advseg" or t.startswith("advseg.")}
    return {t for t in found if t in MODULES} | {t.rpartition(".")[0] for t in found if t not in MODULES and t.rpartition(".")[0] in MODULES}


GRAPH = {name: imported_modules(name) - {name} for name in MODULES}


def in_wing(name: str, wings: tuple[str, ...]) -> bool:
    return any(name == w or name.startswith(w + ".") for w in wings)


def test_the_graph_sees_the_known_imports():
    assert "advseg.nn.layers" in GRAPH["advseg.nn.estimators"]
    assert "advseg.experiment.statistics" in GRAPH["advseg.experiment.claims"]
    assert "advseg.nn" in GRAPH["advseg.training.trainer"]  # `from advseg.nn import build_estimator`


@pytest.mark.parametrize("name", [n for n in MODULES if in_wing(n, LIBRARY)])
def test_the_library_never_imports_the_experiment_or_the_command_line(name):
    bad = sorted(t for t in GRAPH[name] if in_wing(t, OUTSIDE_THE_LIBRARY) or t == "advseg")
    assert not bad, f"{name} is library code but imports {bad}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", list(MODULES))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (one concept per module, about 300 at most)"


def test_the_public_api_is_declared():
    import advseg

    missing = [n for n in advseg.__all__ if not hasattr(advseg, n)]
    assert not missing and "load_results" in advseg.__all__
