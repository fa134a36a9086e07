"""The simulator package's shape: no import cycles (TYPE_CHECKING imports count), no module above 300 lines,
no Locust, nothing from the packages above it."""

from __future__ import annotations

import ast
from pathlib import Path

import ghrunner_locust.simulator as simulator

PACKAGE = Path(simulator.__file__).parent
UPWARD = ("locust", "gevent", "ghrunner_locust.plugin", "ghrunner_locust.tracking", "ghrunner_locust.report")


def imports(path: Path) -> set[str]:
    """Absolute names of everything a module imports, wherever the import stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module or "")
            else:
                base = ["ghrunner_locust", "simulator"][: 3 - node.level]
                names.add(".".join([*base, node.module] if node.module else base))
    return names


def graph() -> dict[str, set[str]]:
    modules = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    prefix = "ghrunner_locust.simulator."
    return {
        name: {i.removeprefix(prefix).split(".")[0] for i in imports(path) if i.startswith(prefix)} & set(modules)
        for name, path in modules.items()
    }


def test_no_import_cycles_between_simulator_modules():
    edges = graph()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            assert state.get(nxt) != "open", "import cycle: " + " -> ".join([*trail, node, nxt])
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [])
    assert "control" not in edges["app"] or "app" not in edges["control"]


def test_the_cycle_finder_finds_a_type_checking_cycle(tmp_path):
    cyclic = tmp_path / "a.py"
    cyclic.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
    assert "ghrunner_locust.simulator.b" in imports(cyclic)


def test_modules_are_at_most_300_lines_and_never_import_upward():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 300, path.name
        bad = [name for name in imports(path) if name.startswith(UPWARD)]
        assert not bad, (path.name, bad)
