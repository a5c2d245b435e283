"""The IAM check's verdict on recorded calls: the denied ones, and the grants no call used.

`python -m shop_local.iam.report <directory> [--security-md SECURITY.md]` reads the files that
`shop_local.iam.record` wrote, holds every call against its function's statements, prints the
denials (`Function: action on resource`, exit 1 if any), writes `<directory>/unused-grants.md`
and, with --security-md, puts that section at the end of the given file (replacing its previous
version there). A grant is one (function, statement, action, resource) of template.yaml's Policies;
it is used when an allowed request matched that action and resource under that statement.
A denied call that failed anyway because what it named does not exist (NOT_FOUND) is listed apart
and fails nothing: the suites meet that failure locally too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shop_local.iam.actions import ArnBook, requests_for
from shop_local.iam.check import Request, Statement, Verdict, action_matches, evaluate, resource_matches

SECTION_HEADING = "## IAM grants not exercised by the test suites"
# A denied call that failed with one of these anyway named something that does not exist (a test's
# deliberately wrong secret): it fails locally as on AWS, so it is listed apart and fails no run.
NOT_FOUND = {
    "ResourceNotFoundException",
    "NotFoundException",
    "NotFound",
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
}
_ARN_PREFIX = re.compile(r"^arn:aws:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:")


@dataclass(frozen=True)
class Grant:
    function: str
    statement: str
    action: str
    resource: str  # as the template names it


@dataclass(frozen=True)
class Denial:
    function: str
    call: str  # service.Operation
    request: Request
    verdict: Verdict
    reason: str = ""

    def line(self) -> str:
        notes = [n for n in (self.request.note, self.reason) if n]
        if self.verdict is Verdict.EXPLICIT_DENY:
            notes.append("explicitly denied")
        suffix = f" ({'; '.join(notes)})" if notes else ""
        return f"{self.function}: {self.request.action} on {self.request.resource}{suffix} [{self.call}]"


@dataclass(frozen=True)
class _Role:
    logical_id: str
    statements: tuple[Statement, ...]
    book: ArnBook
    error: str = ""


@dataclass
class Outcome:
    calls: int = 0  # distinct calls checked
    unchecked: int = 0  # distinct calls by functions of no described stack
    invoked: set[str] = field(default_factory=set)
    denials: dict[tuple[str, str, str], Denial] = field(default_factory=dict)
    existing: set[tuple[str, str, str]] = field(default_factory=set)  # denied on something that exists
    grants: set[Grant] = field(default_factory=set)
    used: set[Grant] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)

    @property
    def unused(self) -> list[Grant]:
        return sorted(self.grants - self.used, key=lambda g: (g.function, g.statement, g.resource, g.action))

    @property
    def failing(self) -> list[Denial]:
        """The denials that fail the run."""
        return [denial for key, denial in self.denials.items() if key in self.existing]

    def denied_lines(self) -> list[str]:
        return sorted(denial.line() for denial in self.failing)

    def missing_lines(self) -> list[str]:
        """Denied calls that named something that does not exist (they failed anyway)."""
        return sorted(d.line() for key, d in self.denials.items() if key not in self.existing)

    def summary(self) -> str:
        verdict = f"{len(self.failing)} denied" if self.failing else "all allowed"
        if len(self.failing) < len(self.denials):
            verdict += f" ({len(self.denials) - len(self.failing)} more on resources that do not exist)"
        others = (
            f" ({self.unchecked} more by functions of other stacks, not checked)" if self.unchecked else ""
        )
        return (
            f"IAM check: {self.calls} distinct AWS calls by {len(self.invoked)} functions{others}, {verdict}; "
            f"{len(self.unused)} of {len(self.grants)} granted (function, action, resource) never used"
        )


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            yield json.loads(text)
        except ValueError:
            continue  # a line cut short when its process was killed


def check(directory: Path) -> Outcome:
    outcome = Outcome()
    for path in sorted(directory.glob("calls-*.jsonl")):
        _check_file(path, outcome)
    return outcome


def _check_file(path: Path, outcome: Outcome) -> None:
    by_name: dict[str, _Role] = {}
    by_logical_id: dict[str, _Role] = {}
    calls: list[dict[str, Any]] = []
    for line in _lines(path):
        if "stack" in line:
            book = ArnBook.from_json(line["stack"]["book"])
            for name, described in line["stack"]["functions"].items():
                statements = tuple(Statement.from_json(s) for s in described.get("statements", []))
                role = _Role(described["logical_id"], statements, book, described.get("error", ""))
                by_name[name] = by_logical_id[role.logical_id] = role
                outcome.functions.add(role.logical_id)
                outcome.grants |= set(_grants(role))
        elif "call" in line:
            calls.append(line["call"])
    for call in calls:
        found = by_name.get(call["function"]) if call["function"] else by_logical_id.get(call["logical_id"])
        if found is None:
            outcome.unchecked += 1
            continue
        outcome.calls += 1
        outcome.invoked.add(found.logical_id)
        _check_call(found, call, outcome)


def _grants(role: _Role) -> Iterator[Grant]:
    for statement in role.statements:
        if (
            statement.effect != "Allow"
            or statement.implicit
            or statement.not_action
            or statement.not_resource
        ):
            continue
        for action in statement.actions:
            for index in range(len(statement.resources)):
                yield Grant(role.logical_id, statement.label, action, statement.shown_resource(index))


def _check_call(role: _Role, call: dict[str, Any], outcome: Outcome) -> None:
    label = f"{call['service']}.{call['operation']}"
    missing = call.get("error") in NOT_FOUND
    for request in requests_for(call["service"], call["operation"], call["facts"], role.book):
        decision = evaluate(role.statements, request) if not role.error else None
        if decision is None or not decision.allowed:
            key = (role.logical_id, request.action, request.resource)
            verdict = decision.verdict if decision is not None else Verdict.IMPLICIT_DENY
            outcome.denials.setdefault(key, Denial(role.logical_id, label, request, verdict, role.error))
            if not missing:
                outcome.existing.add(key)
            continue
        for statement in decision.statements:
            for action in statement.actions:
                if not action_matches(action, request.action):
                    continue
                for index, resource in enumerate(statement.resources):
                    if resource_matches(resource, request.resource):
                        shown = statement.shown_resource(index)
                        outcome.used.add(Grant(role.logical_id, statement.label, action, shown))


def unused_markdown(outcome: Outcome) -> str:
    """The SECURITY.md section: one row per (function, statement, resource) with its unused actions."""
    rows: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for grant in outcome.unused:
        rows[(grant.function, grant.statement, grant.resource)].append(grant.action)
    never = sorted(outcome.functions - outcome.invoked)
    lines = [
        SECTION_HEADING,
        "",
        "Written by `make iam-report`: the integration and e2e suites run with the local IAM check on",
        "(`SHOP_IAM_CHECK`), which holds every AWS call a function makes against that function's",
        "`Policies` in `template.yaml` (SAM policy templates expanded, intrinsics resolved to the local",
        "stack's ARNs) and fails the run on any call they do not grant. Each function builds its own",
        "services meanwhile, as in its own Lambda process, so a secret or data key that one function",
        "fetched never spares another its call. Below are the grants no call used in that run.",
        "Unused is not the same as unneeded (a path the suites do not reach may need",
        "it), but each is a candidate for trimming. The roles' managed policies that SAM adds",
        "(logging, X-Ray, event sources) are left out. Resources read as in the template: `{X}` is",
        "`!Ref X`, `{X.Arn}` is `!GetAtt X.Arn`, and `arn:aws:<service>:<region>:<account>:` is left off.",
        "",
        f"{len(outcome.unused)} of {len(outcome.grants)} granted (function, action, resource) were not used; "
        f"{outcome.calls} distinct calls by {len(outcome.invoked)} functions were checked, "
        + (f"{len(outcome.failing)} denied." if outcome.failing else "none denied."),
    ]
    if never:
        lines += ["", "Functions no test invoked (every grant of theirs is below): " + ", ".join(never) + "."]
    if outcome.failing:
        lines += ["", "Denied in that run:", ""] + [f"- `{line}`" for line in outcome.denied_lines()]
    lines += ["", "| function | statement | resource | actions not used |", "|---|---|---|---|"]
    for (function, statement, resource), actions in rows.items():
        shown = _ARN_PREFIX.sub("", resource)
        lines.append(f"| {function} | {statement} | `{shown}` | {', '.join(sorted(actions))} |")
    return "\n".join(lines) + "\n"


def replace_section(document: str, section: str) -> str:
    """`section` at the end of `document`, instead of its previous version (heading to the end)."""
    at = document.find(SECTION_HEADING)
    kept = document[:at] if at >= 0 else document
    return kept.rstrip("\n") + "\n\n" + section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop_local.iam.report", description=__doc__)
    parser.add_argument("directory", type=Path, help="where SHOP_IAM_CHECK=record:<directory> wrote")
    parser.add_argument(
        "--security-md", type=Path, help="put the unused grants section at the end of this file"
    )
    args = parser.parse_args(argv)
    outcome = check(args.directory)
    section = unused_markdown(outcome)
    (args.directory / "unused-grants.md").write_text(section, encoding="utf-8")
    if args.security_md is not None:
        args.security_md.write_text(replace_section(args.security_md.read_text(encoding="utf-8"), section))
    print(outcome.summary())
    for line in outcome.denied_lines():
        print(f"  denied: {line}")
    for line in outcome.missing_lines():
        print(f"  denied, on something that does not exist (not failing): {line}")
    return 1 if outcome.failing else 0


if __name__ == "__main__":
    sys.exit(main())
