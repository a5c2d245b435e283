"""The schemas of the shop's OpenAPI document in words, for the generated half of docs/API.md.

A field's type and constraints as a reader needs them ("string, 1-200 characters"), and nested
objects flattened into one table (`shipping_address.city`, `items[].quantity`). Fields are sorted
by name, so the text depends on what a model says, not on the order it says it in.
"""

from __future__ import annotations

from typing import Any

from shop.api.models import text_pattern_in_words

_MAX_ENUM = 12


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else str(value)


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def notes(schema: dict[str, Any], description: str | None = None, *more: str) -> str:
    """A description, the schema's default and anything `more`, as sentences in one table cell."""
    parts = [str(description or schema.get("description") or "").strip()]
    if "default" in schema:
        parts.append(f"Default `{schema['default']}`.")
    parts.extend(more)
    return cell(" ".join(p if p.endswith((".", "?", "!")) else f"{p}." for p in parts if p))


class SchemaWords:
    """Knows the document's component schemas, so that `$ref`s read as what they point to."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = (document.get("components") or {}).get("schemas") or {}

    def resolve(self, schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            return name, self.schemas.get(name, {})
        return None, schema

    def kind(self, schema: dict[str, Any]) -> str:
        """A schema in words: type and constraints."""
        name, schema = self.resolve(schema)
        if name is not None:
            return f"`{name}`"
        if "anyOf" in schema or "oneOf" in schema:
            options = schema.get("anyOf") or schema.get("oneOf") or []
            kinds = [self.kind(option) for option in options if option.get("type") != "null"]
            nullable = len(kinds) < len(options)
            return " or ".join(kinds) + (", or null" if nullable else "")
        if "enum" in schema:
            values = [str(v) for v in schema["enum"]]
            if len(values) > _MAX_ENUM:
                return f"one of {len(values)} codes"
            return "one of " + ", ".join(f"`{v}`" for v in values)
        kind = str(schema.get("type", "any"))
        if kind == "array":
            return f"array of {self.kind(schema.get('items') or {})}" + self._size(schema, "Items", "")
        if kind == "string":
            return "string" + self._size(schema, "Length", " characters") + self._pattern(schema)
        if kind in {"integer", "number"}:
            return kind + self._range(schema)
        return kind

    @staticmethod
    def _size(schema: dict[str, Any], what: str, unit: str) -> str:
        low, high = schema.get(f"min{what}"), schema.get(f"max{what}")
        if low is not None and high is not None:
            return f", {_number(low)}-{_number(high)}{unit}"
        if high is not None:
            return f", at most {_number(high)}{unit}"
        if low is not None:
            return f", at least {_number(low)}{unit}"
        return ""

    @staticmethod
    def _pattern(schema: dict[str, Any]) -> str:
        pattern = schema.get("pattern")
        if pattern is None:
            return ""
        if pattern == "\\S":
            return ", not blank"
        words = text_pattern_in_words(pattern)
        return f", {words}" if words else f", matching `{pattern}`"

    @staticmethod
    def _range(schema: dict[str, Any]) -> str:
        if "minimum" in schema and "maximum" in schema:
            return f" {_number(schema['minimum'])}-{_number(schema['maximum'])}"
        bounds = []
        for key, word in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        ):
            if key in schema:
                bounds.append(f"{word} {_number(schema[key])}")
        return " " + " and ".join(bounds) if bounds else ""

    def fields(
        self, schema: dict[str, Any], prefix: str = "", seen: frozenset[str] = frozenset()
    ) -> list[str]:
        """One table row per field, nested objects flattened to `parent.child` and `list[].child`."""
        name, resolved = self.resolve(schema)
        if name in seen:
            return []
        seen = seen | {name} if name else seen
        rows = []
        required = set(resolved.get("required") or [])
        for field, prop in sorted((resolved.get("properties") or {}).items()):
            path = f"{prefix}{field}"
            text = notes(prop, prop.get("description") or self.resolve(prop)[1].get("description"))
            must = "yes" if field in required else "no"
            rows.append(f"| `{path}` | {cell(self.kind(prop))} | {must} | {text} |")
            inner = self._object_within(prop)
            if inner is not None:
                suffix = "[]." if self.resolve(prop)[1].get("type") == "array" else "."
                rows.extend(self.fields(inner, f"{path}{suffix}", seen))
        return rows

    def _object_within(self, prop: dict[str, Any]) -> dict[str, Any] | None:
        """The object schema a field holds (itself, its array's items, or its non-null option)."""
        _, resolved = self.resolve(prop)
        if resolved.get("type") == "array":
            return self._object_within(resolved.get("items") or {})
        options = [o for o in resolved.get("anyOf") or [] if o.get("type") != "null"]
        if len(options) == 1:
            return self._object_within(options[0])
        return prop if resolved.get("properties") else None

    def body_schema(self, holder: dict[str, Any]) -> dict[str, Any] | None:
        return ((holder.get("content") or {}).get("application/json") or {}).get("schema")
