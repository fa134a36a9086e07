"""The house rules of the package layout: wings import only what they may, no cycles, no Locust outside
``plugin/``, small modules, ``__init__.py`` files that only hand names on."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ghrunner_locust"
ROOT = "ghrunner_locust"

MAY_IMPORT = {
    "github": {"github", "errors", "clock", "_version"},
    "simulator": {"simulator", "github", "errors", "clock", "_version"},
    "tracking": {"tracking", "github", "errors", "clock", "_version"},
    "planning": {"planning", "errors"},
    "report": {"report", "tracking", "planning", "errors", "_version"},
}
"""What each wing may import from the package (its own wing included); ``plugin/`` and the commands may import all."""

LOCUST = {"locust", "gevent"}
MAX_LINES = 300
REASON = "above 300 lines:"
"""A module longer than ``MAX_LINES`` says why in its docstring, after these words."""


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """Absolute names of every module that ``name`` imports (at any depth of its code, TYPE_CHECKING included)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def internal_graph() -> dict[str, set[str]]:
    mods = modules()
    graph = {}
    for name, path in mods.items():
        targets = {t for t in imports(name, path) if t in mods and t != name}
        # importing a.b.c also runs a and a.b, but those are packages that only hand names on: not edges
        graph[name] = {t for t in targets if mods[t].name != "__init__.py"}
    return graph


def wing(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_only_plugin_imports_locust():
    offenders = [
        name
        for name, path in modules().items()
        if wing(name) != "plugin" and {t.split(".")[0] for t in imports(name, path)} & LOCUST
    ]
    assert offenders == []


@pytest.mark.parametrize("wing_name", sorted(MAY_IMPORT))
def test_wings_import_only_what_they_may(wing_name):
    allowed = MAY_IMPORT[wing_name]
    bad = []
    for name, path in modules().items():
        if wing(name) != wing_name:
            continue
        for target in imports(name, path):
            if target.startswith(ROOT + ".") and wing(target) not in allowed:
                bad.append(f"{name} imports {target}")
    assert bad == []


def test_no_import_cycles():
    graph = internal_graph()
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_modules_are_small_or_say_why():
    long = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and REASON not in (ast.get_docstring(ast.parse(text)) or ""):
            long.append(f"{name}: {text.count(chr(10))} lines")
    assert long == []


HANDED_ON = {"__all__", "_WHERE", "__getattr__", "__dir__"}
"""The names an ``__init__.py`` may assign: its ``__all__``, and lazy hand-on (``ghrunner_locust._lazy``)."""


def _names(targets: list[ast.expr]) -> set[str]:
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def test_package_inits_only_hand_names_on():
    allowed_defs = {"__getattr__", "__dir__"}
    bad = []
    for name, path in modules().items():
        if path.name != "__init__.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the docstring
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if all(isinstance(t, ast.Name | ast.Tuple) for t in targets) and _names(targets) <= HANDED_ON:
                    continue
            if isinstance(node, ast.FunctionDef) and node.name in allowed_defs:
                continue
            bad.append(f"{name}: line {node.lineno}")
    assert bad == []


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_plugin_imports_first_in_a_plain_script():
    """A user's own script or test may import the plugin before anything else (issue: RecursionError)."""
    done = run_python(
        "import ghrunner_locust.plugin\n"
        "from ghrunner_locust.plugin import ClosedLoopUser, LoadShape, harness_of\n"
        "import locust\n"
        "assert issubclass(ClosedLoopUser, locust.User) and issubclass(LoadShape, locust.LoadTestShape)\n"
        "print('ok')\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "module",
    [
        "ghrunner_locust",
        "ghrunner_locust.github",
        "ghrunner_locust.simulator",
        "ghrunner_locust.tracking",
        "ghrunner_locust.planning",
        "ghrunner_locust.report",
        "ghrunner_locust.cli",
        "ghrunner_locust.plugin",
    ],
)
def test_import_does_not_pull_in_locust(module):
    done = run_python(f"import sys, {module}\nprint(sorted(m for m in ('locust', 'gevent') if m in sys.modules))")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_package_root_hands_on_its_names():
    done = run_python("import ghrunner_locust as g\nprint(g.GitHubClient.__name__, g.FakeClock.__name__, g.__version__ != '')")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["GitHubClient", "FakeClock", "True"]
