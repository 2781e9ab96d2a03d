"""The code's structure: the flow runs one way (README, "Layout of the code").

Each module of convcost may import only modules of its own stage or an earlier one: spec ->
expansion -> costed layers (Report) -> analyses -> views and renderers -> CLI. Imports made
only for type checking (under `if TYPE_CHECKING:`) are annotations, not flow, and are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "convcost"

STAGES: list[tuple[str, ...]] = [
    ("errors", "limits", "checks"),  # what everything may use
    ("shapes", "expr", "files"),  # output sizes, the expression language, bounded reads
    ("counting", "layers"),  # the registry: one registration per kind
    ("yamlnodes", "spec", "zoo"),  # YAML with locations, the spec language, built-in specs
    ("report",),  # LayerCost, Report, run_layer
    ("expand", "calculator", "onnx_import", "onnx_export", "cache"),  # spec/ONNX <-> layers
    (
        "memory",
        "latency",
        "guidelines",
        "conventions",
        "budget",
        "pareto",
        "sweep",
        "runtime",
        "measure",
        "calibrate",
        "formulas",
    ),
    ("render", "plot"),  # views and renderers
    ("api", "cli", "__init__", "__main__"),  # the Python API and the command line
]
"""convcost's modules (or packages) in the order of the flow."""

STAGE = {name: i for i, names in enumerate(STAGES) for name in names}


def _module(path: Path) -> str:
    """The top-level module or package of convcost a file belongs to."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> set[str]:
    """convcost modules `path` imports at run time (at the top or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "convcost":
                out |= {a.name for a in node.names if a.name != "__version__"}
            elif node.module.startswith("convcost."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative, inside a package
            if node.level == 2 and node.module:
                out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("convcost.")}
    return out


FILES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_module_has_a_stage():
    assert sorted({_module(p) for p in FILES} - set(STAGE)) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path):
    mine = STAGE[_module(path)]
    later = sorted(m for m in _imports(path) if m in STAGE and STAGE[m] > mine)
    assert later == [], f"{path.name} imports {later}, which come after it in the flow"
