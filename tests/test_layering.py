"""Rooms import only from rooms below them (DESIGN.md: lower rooms never import higher)."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "ember"

# Lower number = lower room. A module may import only from rooms of lower or
# equal rank (equal: within its own room).
RANK = {
    "errors": 0,
    "dtypes": 0,
    "backend": 0,
    "tensor": 1,
    "random": 1,
    "creation": 2,
    "ops": 3,
    "autograd": 4,
    "testing": 5,
    "nn": 6,
    "optim": 7,
    "data": 7,
    "train": 8,
    "viz": 8,
    "io": 8,
    "zoo": 8,
    "cli": 9,
    "__init__": 9,
}


def _room(module_path: pathlib.Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_rooms(tree: ast.AST) -> set[str]:
    rooms = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ember"):
            parts = node.module.split(".")
            if len(parts) > 1:
                rooms.add(parts[1])
            else:
                rooms.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "ember" and len(parts) > 1:
                    rooms.add(parts[1])
    return rooms


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_downward(path):
    room = _room(path)
    assert room in RANK, f"{room} has no rank in the layering table"
    tree = ast.parse(path.read_text())
    for other in _imported_rooms(tree):
        assert other in RANK, f"{path.name} imports unknown room {other}"
        assert RANK[other] <= RANK[room], f"{room} (rank {RANK[room]}) imports {other}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_level_imports_of_ember(path):
    """Ember modules are imported at the top, never inside a function to dodge a cycle.

    Optional third-party packages (tensorboardX, matplotlib) may be imported where
    they are first needed, so that ``import ember`` does not pay for them.
    """
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    names = [inner.module or ""]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                else:
                    continue
                assert not any(n == "ember" or n.startswith("ember.") for n in names), (
                    f"{path.name}:{inner.lineno} imports {names} inside {node.name}()"
                )
