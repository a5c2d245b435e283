"""Dependencies point inward: the domain imports nothing of the outer layers or of AWS, services
talk to ports (never adapters or the HTTP layer), and adapters never import the HTTP layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import shop

PACKAGE = Path(shop.__file__).parent
FORBIDDEN = {
    "domain": ("shop.services", "shop.adapters", "shop.api", "boto3", "botocore", "aws_lambda_powertools"),
    "services": ("shop.adapters", "shop.api", "boto3", "botocore"),
    "adapters": ("shop.api",),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_from_the_layers_outside_it(layer: str) -> None:
    wrong = sorted(
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in imported(path)
        if name.startswith(FORBIDDEN[layer])
    )
    assert not wrong, wrong
