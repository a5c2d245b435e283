"""docs/deploy.md documents every parameter of template.yaml (a deploy asks for each of them), and
the README's deploy section sends the reader there with the commands."""

from __future__ import annotations

import re
from pathlib import Path

from shop_local.provisioning.template import find_template, load_template

ROOT = Path(__file__).resolve().parents[3]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


def documented_parameters() -> set[str]:
    return set(re.findall(r"^\| `([A-Za-z0-9]+)` \|", DEPLOY_DOC.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_template_parameter_has_a_row_in_docs_deploy_md() -> None:
    declared = set(load_template(find_template(start=ROOT)).get("Parameters") or {})
    missing = declared - documented_parameters()
    assert not missing, f"docs/deploy.md's Parameters table lacks {sorted(missing)}"


def test_the_sender_alarm_and_deletion_protection_parameters_are_documented() -> None:
    assert {"MailFrom", "AlarmEmail", "DeletionProtection"} <= documented_parameters()


def test_the_readme_deploy_section_links_the_guide_and_gives_the_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Deploy to AWS") :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    assert "(docs/deploy.md)" in section
    for command in ("make deploy", "make admin STACK=", "make logs", "make localstack-deploy"):
        assert command in section, command
    assert "not been tried" in section or "never" in section
