"""plugins/fastbuild's modules import each other in one direction only (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "fastbuild"


def sibling_imports(path: Path) -> set[str]:
    """The modules of the package that ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "plugins.fastbuild."
        ):
            found.add(node.module.split(".")[2])
    return found


def test_no_module_of_fastbuild_imports_one_that_imports_it_back():
    graph = {
        path.stem: sibling_imports(path) for path in PACKAGE.glob("*.py") if path.stem != "__init__"
    }
    graph = {name: imports & graph.keys() for name, imports in graph.items()}
    assert "reading" not in graph["preread"], "preread.py does not import reading.py"

    def reaches(start: str, goal: str, seen: set) -> bool:
        for name in graph[start]:
            if name == goal or (name not in seen and reaches(name, goal, seen | {name})):
                return True
        return False

    cycles = sorted(name for name in graph if reaches(name, name, set()))
    assert cycles == [], f"modules in an import cycle: {cycles}"
