"""The HTTP side of the local gateway: werkzeug's threaded server and WSGI requests as IncomingRequest.

Kept apart from the gateway's API Gateway logic, which only ever sees an IncomingRequest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from shop_local.api_gateway.events import IncomingRequest
from shop_local.listener import listening_socket

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


BodyProblem = Literal["too_large", "bad_length"] | None
"""Over the limit (then left unread, like API Gateway), or a Content-Length that is no length."""


def incoming(environ: dict[str, Any]) -> tuple[IncomingRequest, BodyProblem]:
    """The request, and what is wrong with its body, if anything (then the body is left unread)."""
    raw_uri = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/")
    raw_path = raw_uri.split("?", 1)[0] or "/"
    headers = [
        (key[5:].replace("_", "-").title(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers.append((name, str(environ[key])))
    raw_length = str(environ.get("CONTENT_LENGTH") or "0").strip()
    length = int(raw_length) if raw_length.isascii() and raw_length.isdigit() else -1
    stream = environ["wsgi.input"]
    if length < 0:
        body = b""
    elif length:
        body = stream.read(length) if length <= MAX_BODY_BYTES else b""
    else:  # chunked: read up to one byte past the limit
        body = stream.read(MAX_BODY_BYTES + 1) if environ.get("wsgi.input_terminated") else b""
    request = IncomingRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        raw_path=raw_path,
        query_string=str(environ.get("QUERY_STRING", "")),
        headers=tuple(headers),
        body=body,
        source_ip=str(environ.get("REMOTE_ADDR", "127.0.0.1")),
        server_port=int(environ.get("SERVER_PORT") or 0),
    )
    if length < 0:
        return request, "bad_length"
    return request, "too_large" if length > MAX_BODY_BYTES or len(body) > MAX_BODY_BYTES else None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class RunningGateway:
    url: str
    port: int
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def serve(app: WsgiApp, host: str = "127.0.0.1", port: int = 3000) -> RunningGateway:
    """Listen on host:port (0 = any free port) from a daemon thread; raises PortInUse."""
    with listening_socket(host, port) as listener:
        server = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler, fd=listener.fileno()
        )
    server.daemon_threads = True  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name=f"gateway:{server.port}", daemon=True)
    thread.start()
    return RunningGateway(f"http://{host}:{server.port}", server.port, server, thread)
