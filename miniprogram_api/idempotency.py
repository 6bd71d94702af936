"""The Idempotency-Key decorator: a retried write replays the first response instead of running twice."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import Response, g, jsonify, request

from app.errors import BadRequest
from app.platform import idempotency

HEADER = "Idempotency-Key"


def request_fingerprint() -> str:
    """SHA-256 over method, path, and the body (form fields and file digests for multipart)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"field {name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            file_digest = hashlib.sha256()
            while chunk := upload.stream.read(256 * 1024):
                file_digest.update(chunk)
            upload.stream.seek(0)
            digest.update(f"file {name}={upload.filename}:{file_digest.hexdigest()}\n".encode())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def idempotent(*, required: bool = False) -> Callable:
    """Honour Idempotency-Key on a write; with required=True a missing key is a 400."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER)
            if key is None:
                if required:
                    raise BadRequest(f"The {HEADER} header is required.", reason="idempotency.key_required")
                return view(*args, **kwargs)
            scope = f"{g.get('principal_scope', 'anonymous')}|{request.endpoint}"
            stored = idempotency.begin(scope=scope, key=key, fingerprint=request_fingerprint())
            if stored is not None:
                replay = jsonify(stored.body)
                replay.status_code = stored.status
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            return _run_and_record(view, args, kwargs, scope=scope, key=key)

        return wrapper

    return decorator


def _run_and_record(view: Callable, args: tuple, kwargs: dict, *, scope: str, key: str) -> Any:
    try:
        result = view(*args, **kwargs)
    except BaseException:
        idempotency.abandon(scope=scope, key=key)
        raise
    response = result if isinstance(result, Response) else _as_response(result)
    if 200 <= response.status_code < 300 and response.is_json:
        idempotency.finish(scope=scope, key=key, status=response.status_code, body=response.get_json())
    else:
        idempotency.abandon(scope=scope, key=key)
    return response


def _as_response(result: Any) -> Response:
    from flask import make_response

    return make_response(result)
