"""A listening socket bound by us, so that a busy port is one clear error instead of werkzeug exiting."""

from __future__ import annotations

import errno
import socket


class PortInUse(RuntimeError):
    """The port is taken, most likely by another local shop still running."""


def listening_socket(host: str, port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} on {host} is already in use: stop whatever listens there "
                "(another local shop?) or choose another port"
            ) from None
        raise
    return listener
