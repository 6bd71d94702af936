"""Serve a WSGI app over real HTTP on 127.0.0.1 in a background thread, for tests that need a socket."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

log = logging.getLogger(__name__)

WsgiApp = Callable[..., Any]


@dataclasses.dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL (no trailing slash) and the app it serves."""

    url: str
    app: WsgiApp
    server: BaseWSGIServer


def _not_ready(environ: dict, start_response: Callable) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@contextlib.contextmanager
def live_server(
    app: WsgiApp | None = None, *, factory: Callable[[str], WsgiApp] | None = None, host: str = "127.0.0.1"
) -> Iterator[LiveServer]:
    """Serve `app`, or `factory(base_url)` when the app must know its own URL, on a free port.

    The port is bound before the app is built (port 0, then read back), so there is no race for it.
    """
    if (app is None) == (factory is None):
        raise TypeError("pass exactly one of app= or factory=")
    server = make_server(host, 0, _not_ready, threaded=True)
    url = f"http://{host}:{server.server_port}"
    try:
        server.app = app if app is not None else factory(url)  # type: ignore[misc]
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    log.debug("live server on %s", url)
    try:
        yield LiveServer(url=url, app=server.app, server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
