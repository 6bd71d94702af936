"""The Idempotency-Key decorator: a retried write replays the first response instead of running twice."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, g, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from app.errors import AppError, BadRequest
from app.platform import early_claim, idempotency

HEADER = "Idempotency-Key"
EARLY = "idempotency_early"  # in g: the key claimed with the caller's authentication (app/platform/early_claim.py)


def request_fingerprint() -> str:
    """SHA-256 over method, path, and the body (form fields and file digests for multipart)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype == "multipart/form-data":
        fields = request.form.items(multi=True)
        files = request.files.items(multi=True)
        for name, value in sorted(_named(fields)):
            digest.update(f"field {name}={value}\n".encode())
        for name, upload in sorted(_named(files), key=lambda item: item[0]):
            file_digest = hashlib.sha256()
            while chunk := upload.stream.read(256 * 1024):
                file_digest.update(chunk)
            upload.stream.seek(0)
            digest.update(f"file {name}={upload.filename}:{file_digest.hexdigest()}\n".encode())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def early(endpoint: str) -> early_claim.EarlyClaim | None:
    """The request's Idempotency-Key, to be claimed with the caller's authentication (None: no valid key)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    try:
        idempotency.check_key(key)
    except AppError:  # the decorator answers it, after authentication as before
        return None
    return early_claim.EarlyClaim(key=key, endpoint=endpoint, fingerprint_of=request_fingerprint)


def is_idempotent(view: Callable) -> bool:
    """Whether `view` (or a function it wraps) honours Idempotency-Key."""
    current: object = view
    while current is not None:
        if getattr(current, "_idempotent", False):
            return True
        current = getattr(current, "__wrapped__", None)
    return False


def _named(items: Iterable[tuple[str | None, Any]]) -> list[tuple[str, Any]]:
    """The parts of a multipart body; a part without a name is malformed (werkzeug gives it the name None)."""
    parts = list(items)
    named = [(name, value) for name, value in parts if isinstance(name, str)]
    if len(named) != len(parts):
        raise BadRequest(
            "Every part of a multipart body needs a name (Content-Disposition: form-data; name=...).",
            reason="request.multipart_part_unnamed",
        )
    return named


def idempotent(*, required: bool = False, rerun_committed: bool = False) -> Callable:
    """Honour Idempotency-Key on a write; with required=True a missing key is a 400.

    rerun_committed=True only for views whose domain call takes the key and returns its earlier result for it
    (filing a case, pushing a document): a retry whose first answer was lost after the commit runs the view
    again and gets that result, instead of 409 idempotency.outcome_unknown.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER)
            if key is None:
                if required:
                    raise BadRequest(f"The {HEADER} header is required.", reason="idempotency.key_required")
                return view(*args, **kwargs)
            scope = f"{g.get('principal_scope', 'anonymous')}|{request.endpoint}"
            early = g.pop(EARLY, None)
            if early is not None and early.unreadable is not None:
                raise early.unreadable
            if early is not None and early.matches(scope=scope, key=key):
                outcome = early_claim.resolve(early, rerun_committed=rerun_committed)
            else:
                if early is not None and early.claimed is not None:  # not this request's key: never lands
                    idempotency.abandon_fresh()
                outcome = idempotency.claim(
                    scope=scope, key=key, fingerprint=request_fingerprint(), rerun_committed=rerun_committed
                )
            if isinstance(outcome, idempotency.StoredResponse):
                replay = jsonify(outcome.body)
                replay.status_code = outcome.status
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            return _run_and_record(view, args, kwargs, held=outcome)

        wrapper._idempotent = True  # type: ignore[attr-defined]  # auth claims its key with the caller's read
        return wrapper

    return decorator


def _run_and_record(view: Callable, args: tuple, kwargs: dict, *, held: idempotency.Claim) -> Any:
    """Run the view with its commits deferred, so that its answer lands with its work in one COMMIT."""
    failure: BaseException | None = None
    settled = recorded = False
    try:
        with idempotency.holding(held, single_commit=True):
            try:
                result = view(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - re-raised below, once the key is settled
                failure = exc
                settled = idempotency.land_pending(held, refused=_refused(exc))  # its committed work lands
            else:
                response = result if isinstance(result, Response) else make_response(result)
                if 200 <= response.status_code < 300 and response.is_json:
                    recorded = idempotency.answer(held, status=response.status_code, text=_sent_json(response))
                else:  # not an answer to replay: the key is freed, the work (if any) lands
                    recorded = idempotency.land_pending(held, refused=True)
    except BaseException:  # the COMMIT of work and answer failed: whether it landed, the record knows
        idempotency.fail(held)
        raise
    if failure is not None:
        if not settled and _refused(failure):
            idempotency.release(held)  # the request was refused: a corrected retry may use the key
        elif not settled:
            idempotency.fail(held)  # released if nothing committed; else retries learn the outcome is unknown
        else:
            idempotency.run_after_commit(held)
        raise failure
    idempotency.run_after_commit(held)
    if recorded:
        return response
    if 200 <= response.status_code < 300 and response.is_json:
        # The work was committed before its answer existed (a job it enqueued had to read it): the answer
        # gets a short transaction of its own; even if it cannot be written now, the caller gets its answer.
        idempotency.finish(
            scope=held.scope, key=held.key, status=response.status_code, text=_sent_json(response), held=held
        )
    else:
        idempotency.release(held)
    return response


def _sent_json(response: Response) -> str:
    """The answer's JSON text as it goes to the client, to be stored as is.

    (It was parsed with `get_json` and serialised again to be stored: for a filing's answer about a tenth of a
    millisecond of CPU, and a replay decodes and answers either text the same way.)
    """
    return response.get_data(as_text=True)


def _refused(exc: BaseException) -> bool:
    """A client error (4xx) the view raised on purpose, as opposed to a failure of the server."""
    if isinstance(exc, AppError):
        return exc.http_status < 500
    if isinstance(exc, HTTPException):
        return (exc.code or 500) < 500
    return False
