"""The local gateway serves the built console under /console/, as CloudFront does on AWS."""

from __future__ import annotations

import re
import urllib.request
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.browser.conftest import Shop


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects, whatever the status."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_index_and_client_routes_get_the_app_with_a_strict_policy(shop: Shop) -> None:
    for path in ("/console/", "/console/orders/some-order/show", "/console/login"):
        status, headers, body = _get(shop.url + path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == "no-cache"
        assert b'<div id="root">' in body
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
    status, headers, _ = _get(shop.url + "/console")
    assert (status, headers["Location"]) == (308, "/console/")


def test_assets_have_their_type_and_are_cached_for_good(shop: Shop) -> None:
    _, _, index = _get(shop.console_url)
    script = re.search(rb'src="(/console/assets/[^"]+\.js)"', index)
    assert script is not None
    status, headers, body = _get(shop.url + script.group(1).decode())
    assert status == 200 and body
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/console/../template.yaml",
        "/console/%2e%2e/template.yaml",
        "/console/%2e%2e%2ftemplate.yaml",
        "/console/assets/..%2f..%2fpackage.json",
        "/console/..%5c..%5ctemplate.yaml",
        "/console/assets/missing.js",
    ],
)
def test_nothing_outside_the_build_is_served(shop: Shop, path: str) -> None:
    status, _, body = _get(shop.url + path)
    assert status == 404, (path, body[:200])
