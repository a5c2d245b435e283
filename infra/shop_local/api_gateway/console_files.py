"""The built admin console (admin-console/dist) under /console/, from the same origin as the API.

What CloudFront does for it on AWS, done here for `make run`: files by their content type, the
hashed assets cached for good and index.html never, index.html for any path that names no file
(the console's own routes, such as /console/orders/42/show), and nothing outside dist, however
the path is spelled.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from shop_local.api_gateway.proxy_response import HttpResponse
from shop_local.provisioning.template import find_template

PREFIX = "/console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
# The same policy as the CloudFront distribution's response headers in template.yaml.
SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]


@cache
def console_dist() -> Path:
    return (find_template().parent / "admin-console" / "dist").resolve()


def is_console_path(raw_path: str) -> bool:
    return raw_path == PREFIX or raw_path.startswith(PREFIX + "/")


def console_response(raw_path: str, dist: Path | None = None) -> HttpResponse:
    """The answer to a GET of `raw_path` (which `is_console_path`)."""
    if raw_path == PREFIX:
        return HttpResponse(308, [("Location", PREFIX + "/")], b"")
    root = dist or console_dist()
    index = root / "index.html"
    if not index.is_file():
        body = b"The admin console is not built: run `make console` (or `make run`, which builds it).\n"
        return _answer(503, "text/plain; charset=utf-8", body)
    relative = PurePosixPath(unquote(raw_path[len(PREFIX) + 1 :]))
    if any(part in {"..", ""} or "\\" in part or "\x00" in part for part in relative.parts):
        return _not_found()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        return _not_found()
    if candidate.is_file():
        immutable = relative.parts[:1] == ("assets",)
        return _file(candidate, immutable)
    if relative.suffix:  # a file that is not there, not a route of the console
        return _not_found()
    return _file(index, immutable=False)


def _file(path: Path, immutable: bool) -> HttpResponse:
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    cache_control = "public, max-age=31536000, immutable" if immutable else "no-cache"
    return _answer(200, content_type, path.read_bytes(), cache_control)


def _not_found() -> HttpResponse:
    return _answer(404, "text/plain; charset=utf-8", b"Not found.\n")


def _answer(status: int, content_type: str, body: bytes, cache_control: str = "no-store") -> HttpResponse:
    headers = [("Content-Type", content_type), ("Cache-Control", cache_control), *SECURITY_HEADERS]
    return HttpResponse(status, headers, body)
