"""Text fields take plain text only: no control characters, no hidden line breaks, no bidirectional
overrides (a name that shows reversed in the admin console or an email), and say so in words in
the API reference."""

from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from shop.api.auth_models import RegisterRequest
from shop.api.catalog_models import NewProduct
from shop.api.models import text, text_pattern_in_words
from shop.api.order_models import ShippingAddress

ONE_LINE, LINES, NOT_BLANK = text(1, 200), text(0, 5000, lines=True), text(1, 200, blank=False)


def accepts(constraints: object, value: str) -> bool:
    try:
        TypeAdapter(Annotated[str, constraints]).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", ["Ann", "Zoë Straße", "李小龍", "O'Brien-Smith 😀", "a\u00a0b"])
def test_letters_symbols_and_spaces_of_any_script_are_plain_text(value):
    assert accepts(ONE_LINE, value) and accepts(LINES, value)


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "a\x07", "abc\n", "a\rb", "a\tb", "a\x7f", "a\x85", "a\u2028b", "\u202eevil", "a\u2066b"],
)
def test_control_characters_hidden_breaks_and_overrides_are_refused_on_one_line(value):
    assert not accepts(ONE_LINE, value)


def test_line_breaks_and_tabs_only_where_a_field_allows_them():
    assert accepts(LINES, "first line\r\nsecond\tline") and not accepts(LINES, "a\x0bb")
    assert not accepts(LINES, "a\u202eb") and not accepts(LINES, "a\x00")


def test_not_blank_needs_a_character_that_is_not_a_space():
    assert accepts(NOT_BLANK, " x ") and not accepts(NOT_BLANK, "  ") and not accepts(NOT_BLANK, "\u00a0")


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (
            RegisterRequest,
            {"email": "a@example.com", "password": "long enough pw", "name": "Ann\u202e"},
            "name",
        ),
        (NewProduct, {"sku": "S-1", "name": "Mug\x00", "price_cents": 1, "category_id": "c"}, "name"),
        (
            ShippingAddress,
            {"name": "Ann", "line1": "1 Main\nSt", "city": "Leeds", "postal_code": "LS1", "country": "GB"},
            "line1",
        ),
    ],
)
def test_request_models_refuse_them_naming_the_field(model, body, field):
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


def test_the_api_reference_says_the_patterns_in_words():
    words = [text_pattern_in_words(str(c.pattern)) for c in (ONE_LINE, LINES, NOT_BLANK)]
    assert words == [
        "plain text on one line",
        "plain text, line breaks allowed",
        "plain text on one line, not blank",
    ]
    assert text_pattern_in_words(r"^[a-z]+$") is None
