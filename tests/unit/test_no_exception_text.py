"""No answer carries exception text: no error a client can see is built from a caught exception."""

from __future__ import annotations

import ast
from pathlib import Path

import gophertok
from gophertok import errors

LAYER = Path(gophertok.__file__).parent
CLIENT_ERRORS = {
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.AppError)
}


def _caught_names(tree: ast.AST) -> set[str]:
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler) and node.name}


def _uses(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(child, ast.Name) and child.id in names for child in ast.walk(node))


def test_no_client_error_in_the_layer_is_built_from_a_caught_exception():
    offenders = []
    for path in sorted(LAYER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        caught = _caught_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in CLIENT_ERRORS):
                continue
            if any(_uses(argument, caught) for argument in [*node.args, *(k.value for k in node.keywords)]):
                offenders.append(f"{path.relative_to(LAYER)}:{node.lineno}")
    assert len(CLIENT_ERRORS) >= 15 and len(list(LAYER.rglob("*.py"))) >= 40  # the scan itself looked
    assert offenders == [], f"client errors built from exception text: {offenders}"
