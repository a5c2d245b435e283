"""The documentation stands alone: every relative link in the repository's Markdown names a file of
the repository, so a fresh clone has no broken link and nothing points outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SKIPPED = {".venv", ".tools", ".aws-sam", "node_modules", ".git", ".pytest_cache"}
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.md")
        if not SKIPPED & set(path.relative_to(ROOT).parts) and "dist" not in path.relative_to(ROOT).parts
    )


@pytest.mark.parametrize("page", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_names_a_file_of_the_repository(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL, or an anchor on the same page
        linked = (page.parent / target.split("#", 1)[0]).resolve()
        if not linked.is_relative_to(ROOT) or not linked.exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to what a fresh clone does not have: {broken}"


# Built so that this file does not match itself: a sibling folder of the clone, a design document
# that is not in the repository, an issue tracker's number.
OUTSIDE = re.compile(
    "|".join([r"\.\./" + "shared", "COMMERCE_" + "DESIGN", r"\bissues?\s+#?\d+"]), re.IGNORECASE
)
SCANNED = ("functions", "layers", "infra", "docs", "tests", "events", "admin-console/src")
TOP_LEVEL = ("README.md", "SECURITY.md", "BENCHMARKS.md", "Makefile", "template.yaml", "pyproject.toml")


def _text_files() -> list[Path]:
    files = [ROOT / name for name in TOP_LEVEL]
    for folder in SCANNED:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and not SKIPPED & set(p.parts)]
    return sorted(p for p in files if p.exists() and p.suffix not in {".pyc", ".png", ".jpg", ".ico"})


def test_no_comment_or_doc_names_something_outside_the_repository() -> None:
    found = []
    for path in _text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {match.group(0)}" for match in OUTSIDE.finditer(text)]
    assert not found, "names a file outside the repository or an issue number: " + "; ".join(found)
