"""A light keep-alive HTTP/1.1 client for the load generators (stdlib http.client only).

The part of requests.Session that bench/lifecycle.py and bench/mixed_users.py use, at a fraction of its CPU:
the client shares the machine with the server it measures, so every microsecond it spends is taken from the node.

    http = Session()
    answer = http.post(url, json={...}, headers={...}, timeout=30)           # application/json
    answer = http.post(url, data={"meta": "..."}, files={"file": ("a.pdf", content, "application/pdf")})
    answer.status_code, answer.ok, answer.json(), answer.text, answer.content, answer.headers

One persistent connection per (scheme, host, port) per Session; a Session belongs to one thread. A request is
sent once: before reusing an idle connection the client checks that the server has not closed it (the usual
keep-alive timeout) and then opens a new one, since nothing was sent on the old one. Any failure after that
(refused, reset, timed out, a malformed answer) raises HttpError and drops the connection; the request is not
repeated, because a POST may have reached the server.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import select
import socket
import urllib.parse
from collections.abc import Mapping
from typing import Any

FileField = tuple[str, bytes] | tuple[str, bytes, str]  # (filename, content[, content type])


class HttpError(Exception):
    """No answer to a request: the connection failed, timed out or the answer was malformed."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind  # the underlying exception's class name, e.g. ConnectionRefusedError, TimeoutError


class Response:
    """A complete answer: the body is read before the request returns."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: http.client.HTTPMessage, content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode(self.headers.get_content_charset() or "utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def raise_for_status(self) -> None:
        if not self.ok:
            raise HttpError(f"http_{self.status_code}", self.text[:300])


class Session:
    """Keep-alive connections of one thread, one per (scheme, host, port)."""

    def __init__(self) -> None:
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def get(self, url: str, **kw: Any) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Response:
        return self.request("PUT", url, **kw)

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | bytes | None = None,
        files: Mapping[str, FileField] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body, content_type = encode(json, data, files)
        sent = dict(headers or {})
        if content_type:
            sent["Content-Type"] = content_type
        key = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        conn = self._connection(key, timeout)
        try:
            conn.request(method, target, body, sent)  # adds Host and Content-Length; opens the socket if closed
            answer = conn.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            del self._connections[key]
            raise HttpError(type(exc).__name__, f"{method} {url}: {exc}") from exc
        return Response(answer.status, answer.headers, content)  # "Connection: close" closed conn; it reopens

    def _connection(self, key: tuple[str, str, int], timeout: float | None) -> http.client.HTTPConnection:
        conn = self._connections.get(key)
        if conn is None:
            kind = http.client.HTTPSConnection if key[0] == "https" else http.client.HTTPConnection
            conn = self._connections[key] = kind(key[1], key[2], timeout=timeout)
        elif conn.sock is not None and _closed_by_server(conn.sock):
            conn.close()  # idle too long: nothing of this request was sent on it; conn.request connects again
        if conn.timeout != timeout:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        return conn

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()


def _closed_by_server(sock: socket.socket) -> bool:
    """An idle keep-alive socket that is readable holds an EOF, a reset or stray bytes: it cannot carry a request."""
    poll = select.poll()
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


def encode(
    json: Any, data: Mapping[str, str] | bytes | None, files: Mapping[str, FileField] | None
) -> tuple[bytes | None, str | None]:
    """The body and its Content-Type: JSON, a multipart form (fields, then files), a urlencoded form or raw bytes."""
    if json is not None:
        return jsonlib.dumps(json, separators=(",", ":")).encode(), "application/json"
    if files:
        return multipart(data if isinstance(data, Mapping) else {}, files)
    if isinstance(data, Mapping):
        return urllib.parse.urlencode(data).encode(), "application/x-www-form-urlencoded"
    return data, None


def multipart(fields: Mapping[str, str], files: Mapping[str, FileField]) -> tuple[bytes, str]:
    """multipart/form-data: every field, then every file (S3's presigned POST wants the file last)."""
    boundary = os.urandom(16).hex()
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(_part_head(boundary, name, None, None))
        chunks.append(value.encode() + b"\r\n")
    for name, (filename, content, *kind) in files.items():
        chunks.append(_part_head(boundary, name, filename, kind[0] if kind else None))
        chunks.append(content)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _part_head(boundary: str, name: str, filename: str | None, content_type: str | None) -> bytes:
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
    if filename is not None:
        head += f'; filename="{_quoted(filename)}"'
    if content_type:
        head += f"\r\nContent-Type: {content_type}"
    return (head + "\r\n\r\n").encode()


def _quoted(value: str) -> str:
    """A name in a Content-Disposition header, escaped as HTML forms do (UTF-8 kept, quotes and newlines encoded)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
