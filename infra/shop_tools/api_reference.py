"""`make api-docs`: the generated half of docs/API.md, from the OpenAPI document the shop serves.

The document is built exactly as `GET /openapi.json` builds it on a running shop (template.yaml
provisioned into an in-process emulator, the gateway's own generator over the handlers' routers),
then written as Markdown between the two markers of docs/API.md; the hand-written half around them
is left alone. The integration suite regenerates it and fails on any difference.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shop.api.access import Access
from shop_local.provisioning.provision import Stack
from shop_tools.access_table import who
from shop_tools.api_markdown import SchemaWords, cell, notes

DOCS_FILE = Path("docs/API.md")
BEGIN = "<!-- BEGIN GENERATED REFERENCE: written by `make api-docs` from GET /openapi.json; do not edit -->"
END = "<!-- END GENERATED REFERENCE -->"
_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
_PLACES = ("path", "query", "header")


def shop_document(stack: Stack) -> dict[str, Any]:
    """What `GET /openapi.json` answers on a shop running this stack."""
    from shop_local.lambda_runtime.containers import Functions
    from shop_local.runtime import build_gateway

    gateway = build_gateway(stack, Functions(stack.functions()))
    if gateway.openapi is None:
        raise RuntimeError("the local gateway serves no OpenAPI document")
    return gateway.openapi()


def access_words(operation: dict[str, Any]) -> str:
    """Who may call an operation (its `x-shop-access`), and what the others get."""
    declared = Access.of(operation)
    if declared is None:
        return "not declared"
    if declared.owner is not None:
        return f"{declared.owner} (anyone else: 404 `NOT_FOUND`, so ids cannot be probed)"
    if "anonymous" in declared.roles:
        return "anyone, with or without a token"
    refused = ["no token: 401 `UNAUTHORIZED`"]
    if "guest" not in declared.roles:
        refused.append(f"a guest: 403 `{declared.guest_refusal}`")
    if "customer" not in declared.roles:
        refused.append("a customer: 403 `FORBIDDEN`")
    return f"{who(declared)} ({'; '.join(refused)})"


def operations(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(tag, METHOD, path, operation), sorted by tag, path and method."""
    found = [
        ((op.get("tags") or ["other"])[0], path, _METHODS.index(method), method.upper(), op)
        for path, item in (document.get("paths") or {}).items()
        for method, op in item.items()
        if method in _METHODS
    ]
    found.sort(key=lambda entry: entry[:3])
    return [(tag, method, path, op) for tag, path, _, method, op in found]


def _parameters(words: SchemaWords, operation: dict[str, Any]) -> list[str]:
    given = [p for p in operation.get("parameters") or [] if p.get("in") in _PLACES]
    if not given:
        return []
    rows = ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
    for p in sorted(given, key=lambda p: _PLACES.index(p["in"])):
        schema = p.get("schema") or {}
        text = notes(schema, p.get("description"))
        must = "yes" if p.get("required") else "no"
        rows.append(f"| `{p['name']}` | {p['in']} | {cell(words.kind(schema))} | {must} | {text} |")
    return ["", *rows]


def _request_body(words: SchemaWords, operation: dict[str, Any]) -> list[str]:
    schema = words.body_schema(operation.get("requestBody") or {})
    if schema is None:
        return []
    name, resolved = words.resolve(schema)
    rules = ["JSON"]
    if resolved.get("additionalProperties") is False:
        rules.append("unknown fields are refused")
    if resolved.get("minProperties"):
        rules.append(f"at least {resolved['minProperties']} field")
    title = f"Request body `{name}`" if name else "Request body"
    header = ["| field | type | required | description |", "|---|---|---|---|"]
    return ["", f"{title} ({', '.join(rules)}):", "", *header, *words.fields(schema)]


def _responses(words: SchemaWords, operation: dict[str, Any]) -> list[str]:
    rows = ["| status | body | description |", "|---|---|---|"]
    for status, response in sorted((operation.get("responses") or {}).items()):
        schema = words.body_schema(response)
        body = "none" if schema is None else words.kind(schema)
        headers = sorted(h for h in response.get("headers") or {} if h.lower() != "x-request-id")
        text = str(response.get("description") or "")
        if headers:
            text = notes({}, text, f"Headers: {', '.join(f'`{h}`' for h in headers)}")
        rows.append(f"| {status} | {cell(body)} | {cell(text)} |")
    return ["", *rows]


def _response_bodies(words: SchemaWords, document: dict[str, Any]) -> list[str]:
    names = set()
    for _, _, _, operation in operations(document):
        for status, response in (operation.get("responses") or {}).items():
            schema = words.body_schema(response) if status.startswith("2") else None
            name = None if schema is None else words.resolve(schema)[0]
            if name is not None:
                names.add(name)
    lines = ["", "### Response bodies"]
    for name in sorted(names):
        header = ["| field | type | always there | description |", "|---|---|---|---|"]
        lines += ["", f"#### `{name}`", "", *header, *words.fields({"$ref": f"#/components/schemas/{name}"})]
    return lines


def _sentence(operation: dict[str, Any]) -> str:
    summary = str(operation.get("summary") or "").strip().rstrip(".")
    return " ".join(part for part in (f"{summary}." if summary else "", operation.get("description")) if part)


def render(document: dict[str, Any]) -> str:
    """The generated half of docs/API.md: an index, then every operation by tag, then the bodies."""
    words, listed = SchemaWords(document), operations(document)
    lines = ["| method | path | who may call | summary |", "|---|---|---|---|"]
    for _, method, path, op in sorted(listed, key=lambda entry: (entry[2], _METHODS.index(entry[1].lower()))):
        declared = Access.of(op)
        caller = "not declared" if declared is None else who(declared)
        lines.append(f"| {method} | `{path}` | {caller} | {cell(op.get('summary', ''))} |")
    for tag in sorted({tag for tag, _, _, _ in listed}):
        lines += ["", f"### {tag.capitalize()}"]
        for _, method, path, op in (entry for entry in listed if entry[0] == tag):
            lines += ["", f"#### `{method} {path}`", "", _sentence(op)]
            lines += ["", f"Who may call: {access_words(op)}."]
            lines += _parameters(words, op) + _request_body(words, op) + _responses(words, op)
    lines += _response_bodies(words, document)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def splice(text: str, generated: str) -> str:
    """`text` with the part between the markers replaced by `generated`, the rest as it was."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{DOCS_FILE} needs the two markers {BEGIN} and {END}, in that order")
    return f"{text[: start + len(BEGIN)]}\n\n{generated.strip()}\n\n{text[end:]}"


def main() -> int:
    from shop_local.engines.emulator import start_emulator
    from shop_local.provisioning.provision import provision
    from shop_local.provisioning.template import find_template, load_template
    from shop_local.runtime import apply_environment, process_environment

    template_path = find_template()
    target = template_path.parent / DOCS_FILE
    emulator = start_emulator()
    try:
        stack = provision(load_template(template_path), emulator.url, base_dir=template_path.parent)
        apply_environment(process_environment(stack))
        document = shop_document(stack)
    finally:
        emulator.stop()
    current = target.read_text(encoding="utf-8")
    try:
        updated = splice(current, render(document))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if updated != current:
        target.write_text(updated, encoding="utf-8")
    print(f"{DOCS_FILE}: {'updated' if updated != current else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
