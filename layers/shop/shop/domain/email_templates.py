"""Customer emails from template files, with every inserted value escaped in the HTML part.

Templates live next to this module in `emails/` (shipped with the package: the layer build copies
the package directory, and the editable install maps the package to its source) so that wording and
layout change without touching code. They are `string.Template`s: `$name` placeholders only, no
logic, and a missing value fails loudly (KeyError) instead of sending a mail with a hole in it.
In the HTML part each value is escaped unless it is `Markup` that another template produced, so a
customer's name or an admin's product name can never inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from string import Template

TEMPLATE_PACKAGE, TEMPLATE_DIR = "shop.domain", "emails"
# ISO 4217 currencies whose minor unit is not 1/100; every other currency has two decimals.
_EXPONENTS = dict.fromkeys(
    (
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ),
    0,
) | dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}


class Markup(str):
    """HTML rendered from one of our templates: inserted into another one as is."""

    __slots__ = ()


def format_money(minor_units: int, currency: str) -> str:
    """1999 USD -> "$19.99", 1500 JPY -> "¥1,500", 1999 CHF -> "19.99 CHF" (minor units, never floats)."""
    code = currency.upper()
    exponent = _EXPONENTS.get(code, 2)
    whole, fraction = divmod(abs(int(minor_units)), 10**exponent)
    amount = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    sign = "-" if minor_units < 0 else ""
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"


@cache
def _template(name: str) -> Template:
    return Template(files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_DIR, name).read_text(encoding="utf-8"))


def render_text(name: str, values: Mapping[str, object]) -> str:
    return _template(name).substitute({key: str(value) for key, value in values.items()})


def render_html(name: str, values: Mapping[str, object]) -> Markup:
    safe = {
        key: value if isinstance(value, Markup) else html.escape(str(value), quote=True)
        for key, value in values.items()
    }
    return Markup(_template(name).substitute(safe))
