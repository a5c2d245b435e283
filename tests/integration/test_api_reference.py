"""docs/API.md's generated half is what `make api-docs` writes from the document the shop serves."""

from __future__ import annotations

import difflib
from pathlib import Path

from shop_local.provisioning.provision import Stack
from shop_tools.api_reference import DOCS_FILE, render, shop_document, splice

ROOT = Path(__file__).resolve().parents[2]


def test_the_operations_in_docs_api_md_are_current(stack: Stack) -> None:
    document = shop_document(stack)
    current = (ROOT / DOCS_FILE).read_text(encoding="utf-8")
    regenerated = splice(current, render(document))
    if regenerated != current:
        diff = difflib.unified_diff(
            current.splitlines(), regenerated.splitlines(), "docs", "handlers", n=0, lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        raise AssertionError(f"{DOCS_FILE} is out of date: run make api-docs\n{shown}")
    for path, item in document["paths"].items():
        for method in item:
            assert f"#### `{method.upper()} {path}`" in current
