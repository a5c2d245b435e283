"""The embedded AWS emulator: moto's server, one request at a time, on a local port.

moto's backends are not atomic: concurrent conditional writes on one item all see the old value
(16 threads decrementing a stock of 100 got 101..107 successes). DynamoDB's guarantees are the
whole point of the shop's stock rules, so every request runs under one process-wide lock.
Transactions honour their ClientRequestToken as DynamoDB's do (`moto_request_tokens`).
The server also answers LocalStack's `/_aws/ses` endpoint so that tests can read the mails sent.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from shop_local.engines.moto_request_tokens import install as honour_client_request_tokens
from shop_local.engines.moto_transactions import install as install_moto_transactions
from shop_local.engines.outbox import MAILBOX_PATH, MailOutbox
from shop_local.listener import PortInUse, listening_socket

__all__ = ["Emulator", "PortInUse", "SerialisedApp", "start_emulator"]

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SerialisedApp:
    """WSGI middleware: runs each request to completion, body included, under one lock."""

    def __init__(self, app: WsgiApp, outbox: MailOutbox) -> None:
        self._app = app
        self._outbox = outbox
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").rstrip("/") == MAILBOX_PATH:
            with self.lock:
                status, headers, body = self._outbox.answer(environ)
            start_response(status, headers)
            return [body]
        _keep_presigned_body(environ)
        sent: dict[str, Any] = {}

        def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            sent.update(status=status, headers=headers, exc_info=exc_info)

        with self.lock:
            mail = self._outbox.before(environ)
            chunks = self._app(environ, remember)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            if mail is not None:
                self._outbox.after(mail, body)
        start_response(sent["status"], sent["headers"], sent["exc_info"])
        return [body]


def _keep_presigned_body(environ: dict[str, Any]) -> None:
    """A presigned PUT from urllib says it carries a form; Flask would eat the body as one.

    S3 stores the bytes whatever the type, and AWS's query protocols only ever POST, so an
    unsigned form-typed PUT can only be an upload (e.g. a custom resource's response).
    """
    if (
        environ.get("REQUEST_METHOD") == "PUT"
        and "HTTP_AUTHORIZATION" not in environ
        and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
    ):
        environ["CONTENT_TYPE"] = "binary/octet-stream"


class _QuietHandler(MotoRequestHandler):
    """moto's request handler without one log line per request (tests make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class Emulator:
    """A running emulator; `url` is what AWS_ENDPOINT_URL should be."""

    host: str
    port: int
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget every resource and message (moto's state lives in this process, not the server)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own local URL
            pass

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def start_emulator(port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> Emulator:
    """Serve moto on host:port (0 = any free port) from a daemon thread; returns once it listens."""
    honour_client_request_tokens()  # DynamoDB's own idempotency for resent transactions
    install_moto_transactions()  # no whole-table copies, no phantom stream records on a rollback
    app = SerialisedApp(DomainDispatcherApplication(create_backend_app), MailOutbox())
    handler = _QuietHandler if quiet else MotoRequestHandler
    with listening_socket(host, port) as listener:
        server = make_server(host, port, app, threaded=True, request_handler=handler, fd=listener.fileno())
    server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer's
    thread = threading.Thread(target=server.serve_forever, name=f"emulator:{server.port}", daemon=True)
    thread.start()
    return Emulator(host=host, port=server.port, _server=server, _thread=thread)
