"""The evaluator's modules import each other without a circle, type-only imports included.

A circle works today only as long as every edge of it stays lazy; this keeps the package a
straight line a reader can follow from ``subject`` (who asks) to ``evaluate`` (the decision).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import gateway.evaluator

PACKAGE = "gateway.evaluator"
FOLDER = Path(gateway.evaluator.__file__).parent

# In a fresh interpreter: the package as a bare namespace (its __init__ imports everything), then
# each module in the given order. Prints, per module, which evaluator modules were loaded after it.
IMPORT_IN_ORDER = """
import importlib, json, sys, types
order = json.loads(sys.argv[1])
package = types.ModuleType("gateway.evaluator")
package.__path__ = [sys.argv[2]]
sys.modules["gateway.evaluator"] = package
loaded = []
for name in order:
    importlib.import_module(name)
    loaded.append(sorted(m for m in sys.modules if m.startswith("gateway.evaluator.")))
print(json.dumps(loaded))
"""


def _module_name(path: Path) -> str:
    return PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}"


def evaluator_imports(path: Path) -> set[str]:
    """Evaluator modules that ``path`` imports anywhere (``TYPE_CHECKING`` blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                found |= {f"{PACKAGE}.{alias.name}" for alias in node.names}
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(PACKAGE + ".")}
    return {name for name in found if (FOLDER / f"{name.rsplit('.', 1)[1]}.py").exists()}


def import_graph() -> dict[str, set[str]]:
    """Each evaluator module (the package's ``__init__`` aside) and the modules it imports."""
    return {
        _module_name(path): evaluator_imports(path)
        for path in sorted(FOLDER.glob("*.py"))
        if path.stem != "__init__"
    }


def test_the_evaluator_import_graph_has_no_circle() -> None:
    graph = import_graph()
    assert len(graph) >= 10
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None
    assert order.index(f"{PACKAGE}.subject") < order.index(f"{PACKAGE}.properties")
    assert order.index(f"{PACKAGE}.rules") < order.index(f"{PACKAGE}.models")


def test_each_module_imports_in_a_fresh_interpreter_with_only_its_dependencies() -> None:
    graph = import_graph()
    order = list(TopologicalSorter(graph).static_order())
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_ORDER, json.dumps(order), str(FOLDER)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded_after = json.loads(done.stdout)
    for position, name in enumerate(order):
        # Importing a module loads nothing of the evaluator beyond what comes before it.
        assert loaded_after[position] == sorted(order[: position + 1]), name
