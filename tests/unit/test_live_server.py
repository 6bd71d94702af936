"""The tests' live server closes every response, even one whose client hung up before reading it (a browser that
navigates away, a test that reads only the headers): an unclosed `send_file` response otherwise leaves its file to
the garbage collector, and the ResourceWarning fails whichever test happens to be running then."""

from __future__ import annotations

import socket
import threading

from tests.support.live_server import live_server


class _Body:
    """A small response body (it fits in the socket's buffer) that records whether the server closed it."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def __iter__(self):
        yield b"x" * 4096

    def close(self) -> None:
        self.closed.set()


def test_a_response_is_closed_when_the_client_resets_the_connection():
    bodies: list[_Body] = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        body = _Body()
        bodies.append(body)
        return body

    with live_server(app=app) as server:
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", server.server.server_port)) as connection:
                connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                connection.recv(64)  # the status line; closing with the rest unread resets the connection
        for body in bodies:
            assert body.closed.wait(5)
