"""The house rules of the code: dependency order, module sizes, docstrings (docs/architecture.md)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "corridors"

#: The dependency order: a unit may import only units that stand before it (or itself).
#: A unit is a top-level module or sub-package of ``corridors``. Keep in step with docs/architecture.md.
ORDER = [
    "__init__", "errors", "statistics", "workers", "outdir", "ranges", "elements", "network", "model", "availability", "routing", "scenario", "simulation",
    "emissions", "costs", "footprint", "daily", "disruption", "results", "trace", "bound", "curve", "search", "capacity", "comparison", "viz", "figures", "pipeline", "sweep", "history", "brief", "timeline", "screen", "progress", "cli",
]
#: Units that must run without the geospatial and plotting stack (process pools, clusters).
CORE = ["statistics", "simulation", "emissions", "costs", "footprint", "trace", "bound", "curve", "search", "scenario", "elements", "routing", "model",
        "availability"]

MAX_MODULE_LINES, MAX_CLASS_LINES, MAX_FUNCTION_LINES = 700, 300, 80


def _modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only, never imported at run time)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imported_units(path: Path) -> set[str]:
    """Units of ``corridors`` that a module imports at run time (top level or inside functions)."""
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: inside the same unit unless it climbs out
                if node.level == 1 or (node.level == 2 and len(path.relative_to(PKG).parts) > 2):
                    continue
                names = [f"corridors.{node.module}"] if node.module else []
            elif node.module == "corridors":
                names = [f"corridors.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        for n in names:
            parts = n.split(".")
            if parts[0] == "corridors":
                out.add(parts[1] if len(parts) > 1 else "__init__")
    return out


def test_every_unit_has_a_place_in_the_order():
    units = {_unit(p) for p in _modules()}
    assert units <= set(ORDER), f"add {sorted(units - set(ORDER))} to ORDER and docs/architecture.md"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_imports_run_one_way(path):
    me = _unit(path)
    later = {u for u in _imported_units(path) if u in ORDER and ORDER.index(u) > ORDER.index(me)}
    assert not later, f"{path.relative_to(PKG)} ({me}) imports {sorted(later)}, which stand after it"


def test_core_imports_neither_geopandas_nor_matplotlib():
    mods = ", ".join(f"corridors.{u}" for u in CORE)
    code = (f"import sys, {mods}; "
            "bad = [m for m in ('geopandas', 'matplotlib') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_sizes_stay_readable(path):
    src = path.read_text(encoding="utf-8")
    too_big = []
    if src.count("\n") > MAX_MODULE_LINES:
        too_big.append(f"module {src.count(chr(10))} lines > {MAX_MODULE_LINES}")
    for node in ast.walk(ast.parse(src)):
        if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        n = node.end_lineno - node.lineno + 1
        if isinstance(node, ast.ClassDef) and n > MAX_CLASS_LINES:
            too_big.append(f"class {node.name} {n} lines > {MAX_CLASS_LINES}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and n > MAX_FUNCTION_LINES:
            too_big.append(f"function {node.name} {n} lines > {MAX_FUNCTION_LINES}")
    assert not too_big, f"{path.relative_to(PKG)}: " + "; ".join(too_big)


def test_public_api_has_numpydoc_docstrings():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    out = subprocess.run([ruff, "check", "--select", "D", "--output-format", "concise", str(PKG)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-1000:]
