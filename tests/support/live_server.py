"""Serve a WSGI app over real HTTP on 127.0.0.1 in a background thread, for tests that need a socket."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger(__name__)

WsgiApp = Callable[..., Any]


@dataclasses.dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL (no trailing slash) and the app it serves."""

    url: str
    app: WsgiApp
    server: BaseWSGIServer


class _ClosedOnce:
    """A response iterable whose `close` runs once, however often it is called."""

    def __init__(self, iterable: Any) -> None:
        self.iterable = iterable
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.iterable)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if hasattr(self.iterable, "close"):
                self.iterable.close()


def _closing(app: WsgiApp) -> WsgiApp:
    """Keep each request's response iterable in its environ, so the handler below can close it."""

    def serve(environ: dict, start_response: Callable) -> _ClosedOnce:
        answer = _ClosedOnce(app(environ, start_response))
        environ["tests.response"] = answer
        return answer

    return serve


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler, closing the response even when the client hung up first.

    When a client closes its end before reading the body (a browser navigating away, a test reading only the headers),
    werkzeug's handler can fail while draining the socket (ConnectionResetError) before it calls the response's
    `close`: a file served by `send_file` then stays open until the garbage collector finds it, and its
    ResourceWarning lands in whichever test is running then.
    """

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            answer = getattr(self, "environ", {}).get("tests.response")
            if answer is not None:
                answer.close()


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
    server = make_server(host, 0, _not_ready, threaded=True, request_handler=_Handler)
    url = f"http://{host}:{server.server_port}"
    try:
        served = app if app is not None else factory(url)  # type: ignore[misc]
    except BaseException:
        server.server_close()
        raise
    server.app = _closing(served)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    log.debug("live server on %s", url)
    try:
        yield LiveServer(url=url, app=served, server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
