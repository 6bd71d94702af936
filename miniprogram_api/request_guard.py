"""Every request's raw input is checked once, before any route: JSON bodies, query strings, the body stream.

JSON bodies go through miniprogram_api/json_input.py (depth, number size, lone surrogates); query
strings and paths may not carry NUL (PostgreSQL refuses it in text; a body's text fields refuse it in
their schema, schemas/base.py); a body stream that breaks while it
is read (invalid chunked encoding, a client gone mid-body) is the client's 400, not the server's 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest as HTTPBadRequest
from werkzeug.exceptions import HTTPException

from app.errors import BadRequest, ValidationFailed
from miniprogram_api import json_input

TEXT_REFUSED = "Text may not hold NUL or unpaired surrogate characters."


def check_request() -> None:
    """Refuse NUL in the path and query, and any JSON body json_input refuses (400 malformed, 422 per field)."""
    if "\x00" in request.path:
        raise BadRequest("The path holds a NUL character.")
    bad_args = {name: [TEXT_REFUSED] for name, value in request.args.items(multi=True) if _bad_text(name, value)}
    if bad_args:
        raise ValidationFailed(errors=bad_args)
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data.strip():
        return  # an empty body is the schema's to judge (required fields), as before
    try:
        _value, found = json_input.checked(data)
    except json_input.BadJson as exc:
        raise BadRequest(
            "The body is not acceptable JSON.", reason="request.bad_json", errors={"json": [str(exc)]}
        ) from None
    if found:
        raise ValidationFailed(errors=found)


def _bad_text(name: str, value: str) -> bool:
    return bool(json_input.NUL_OR_SURROGATE.search(name) or json_input.NUL_OR_SURROGATE.search(value))


class _GuardedStream:
    """wsgi.input whose read errors (a bad chunk, a lost client) become a 400 the error handlers render."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except HTTPException:
            raise
        except Exception as exc:
            # gunicorn raises InvalidChunkSize (not an OSError) or NoMoreData; werkzeug's server an OSError.
            raise HTTPBadRequest("The request body could not be read (bad transfer encoding).") from exc

    def read(self, *args: Any) -> bytes:
        """Read like the wrapped stream."""
        return self._call(self._stream.read, *args)

    def readline(self, *args: Any) -> bytes:
        """Read a line like the wrapped stream."""
        return self._call(self._stream.readline, *args)

    def readlines(self, *args: Any) -> list[bytes]:
        """Read lines like the wrapped stream."""
        return self._call(self._stream.readlines, *args)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._stream, name)  # AttributeError when absent: werkzeug then uses read()
        if name == "readinto":
            return lambda *args: self._call(attribute, *args)
        return attribute


class GuardedInput:
    """WSGI middleware: wraps wsgi.input in _GuardedStream."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Serve the request with a guarded body stream."""
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _GuardedStream(environ["wsgi.input"])
        return self.wsgi_app(environ, start_response)


def register(app: Flask) -> None:
    """Install the guarded JSON provider, the body-stream wrapper and the check before every route."""
    json_input.install(app)
    app.wsgi_app = GuardedInput(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(check_request)
