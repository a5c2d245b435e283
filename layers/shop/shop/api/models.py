"""Base classes of request and response models, the ids that routes of several modules take (the
cart names a product and the shipment routes an order without loading the catalog's or the orders'
models), and how a PATCH body's schema is published."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, StringConstraints

ID_MAX = 64  # the longest id a route takes: a product's, a category's or an order's
Ref = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX)]
OrderId = Ref

_HIDDEN = r"\u2028\u2029\u202a-\u202e\u2066-\u2069"  # line breaks and bidirectional overrides
_CONTROLS = r"\x00-\x1f\x7f-\x9f" + _HIDDEN
_CONTROLS_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _HIDDEN


def text(min_length: int, max_length: int, *, lines: bool = False, blank: bool = True) -> StringConstraints:
    """A text field's constraints: no control characters (tab, newline and carriage return only
    with `lines`) and none of the bidirectional overrides that make text display as something else
    (a name shown reversed in the admin console or an email); with `blank=False`, at least one
    character that is not a space. The pattern is published in the OpenAPI document too."""
    return StringConstraints(
        min_length=min_length or None, max_length=max_length, pattern=_text_pattern(lines, blank)
    )


def _text_pattern(lines: bool, blank: bool) -> str:
    bad = _CONTROLS_BUT_LINES if lines else _CONTROLS
    return rf"^[^{bad}]*$" if blank else rf"^[^{bad}]*[^\s{bad}][^{bad}]*$"


def text_pattern_in_words(pattern: str) -> str | None:
    """How the API reference says a `text` pattern (None: not one of them)."""
    for lines in (False, True):
        for blank in (True, False):
            if pattern == _text_pattern(lines, blank):
                kind = "plain text, line breaks allowed" if lines else "plain text on one line"
                return kind if blank else f"{kind}, not blank"
    return None


class RequestModel(BaseModel):
    """A request body: unknown fields are refused and nothing is coerced ("5" is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class ResponseModel(BaseModel):
    """What leaves the system: only the fields a model names."""

    model_config = ConfigDict(frozen=True, defer_build=True)


class LineResponse(ResponseModel):
    """The fields of a priced line (a cart's or an order's), read from the line's attributes: an
    order line's stock shards are the shop's business, not the buyer's, and are not among them."""

    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int

    @classmethod
    def of(cls, line: object) -> Self:
        return cls.model_validate(line, from_attributes=True)


def document_patch(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The published schema says what `_some_change` enforces: at least one field, null only where allowed."""
    schema["minProperties"] = 1
    nullable: frozenset[str] = getattr(model, "nullable", frozenset())
    for name, prop in (schema.get("properties") or {}).items():
        options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
        if name not in nullable and len(options) == 1 and len(prop["anyOf"]) == 2:
            del prop["anyOf"]
            prop.pop("default", None)  # absent means unchanged; null is refused
            prop.update(options[0])
