"""The HTTP client: token, retries, idempotent pushes, certificates and webhook subscriptions (stdlib urllib only)."""

from __future__ import annotations

import dataclasses
import email.utils
import json
import logging
import mimetypes
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

PREFIX = "/api/court/v1"
log = logging.getLogger("microcourt_client")
RETRY_STATUSES = frozenset({429, 503})


class ApiError(Exception):
    """An error answer in the API's one shape: `status`, the machine `reason`, the `body` (dict)."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.body = body if isinstance(body, dict) else {"message": str(body)}
        self.reason = self.body.get("reason")
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.reason}: {self.body.get('message')}")


@dataclasses.dataclass(frozen=True)
class Response:
    """One answer: status, headers (names lower-cased) and the raw body."""

    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.content.decode("utf-8"))


@dataclasses.dataclass
class BatchItem:
    """One document of a batch push; the key is generated once if not given, so a resend reuses it."""

    file: bytes
    meta: dict
    filename: str = "document.pdf"
    idempotency_key: str = dataclasses.field(default_factory=lambda: f"mc-{uuid.uuid4()}")


def _multipart(fields: Sequence[tuple[str, str | tuple[str, bytes]]]) -> tuple[bytes, str]:
    boundary = f"mc-{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):
            filename, data = value
            kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            quoted = urllib.parse.quote(filename)
            chunks.append(
                f'Content-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
                f"Content-Type: {kind}\r\n\r\n".encode()
            )
            chunks.append(data)
        else:
            chunks.append(f'Content-Disposition: form-data; name="{name}"\r\n'.encode())
            chunks.append(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + value.encode())
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def retry_after_seconds(value: str | None, *, now: float | None = None, default: float = 1.0) -> float:
    """Retry-After as seconds: a number of seconds or an HTTP date (never negative)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return default
    return max(0.0, when - (time.time() if now is None else now))


class MicroCourtClient:
    """A court system's client of one Micro Court deployment (one machine client = one court)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 4,
        max_wait: float = 60.0,
        refresh_margin: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("base_url must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.timeout, self.max_retries, self.max_wait = timeout, max_retries, max_wait
        self.refresh_margin = refresh_margin
        self.sleep, self.monotonic = sleep, monotonic
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.deprecations: dict[str, dict[str, str]] = {}  # "METHOD path" -> Deprecation/Sunset/Link headers seen

    # -- token -------------------------------------------------------------------------------------------------
    def token(self) -> str:
        """A valid access token: fetched again `refresh_margin` seconds before the current one expires."""
        with self._lock:
            if self._token is None or self.monotonic() >= self._expires_at - self.refresh_margin:
                started = self.monotonic()
                answer = self._send(
                    "POST",
                    f"{PREFIX}/auth/token",
                    body=json.dumps({"client_id": self.client_id, "client_secret": self.client_secret}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                if answer.status != 200:
                    raise ApiError(answer.status, _json_or_text(answer), answer.headers)
                issued = answer.json()
                self._token = issued["access_token"]
                self._expires_at = started + float(issued.get("expires_in", 0))
            return self._token

    # -- the one request path ------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
        expect: Sequence[int] = (200, 201, 204),
    ) -> Response:
        """Send with the token; retry 429/503 after Retry-After, and network errors when the call is idempotent.

        A 401 fetches a new token once. The Idempotency-Key is the same on every attempt, so a retried write
        never acts twice. Any other status outside `expect` raises ApiError.
        """
        headers: dict[str, str] = {"Accept": "application/json"}
        if json_body is not None:
            body, content_type = json.dumps(json_body, ensure_ascii=False).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        safe_to_repeat = method in ("GET", "HEAD", "PUT", "DELETE") or bool(idempotency_key)
        refreshed = False
        attempt = 0
        while True:
            headers["Authorization"] = f"Bearer {self.token()}"
            try:
                answer = self._send(method, path, body=body, headers=headers)
            except OSError:
                if not safe_to_repeat or attempt >= self.max_retries:
                    raise
                attempt += 1
                self.sleep(min(self.max_wait, 2.0**attempt))
                continue
            self._note_deprecation(method, path, answer)
            if answer.status == 401 and not refreshed:
                refreshed = True
                with self._lock:
                    self._token = None
                continue
            retryable = answer.status in RETRY_STATUSES or (
                answer.status == 409 and idempotency_key and _reason(answer) == "idempotency.in_flight"
            )
            if retryable and attempt < self.max_retries:
                attempt += 1
                self.sleep(min(self.max_wait, retry_after_seconds(answer.headers.get("retry-after"))))
                continue
            if answer.status not in expect:
                raise ApiError(answer.status, _json_or_text(answer), answer.headers)
            return answer

    def _note_deprecation(self, method: str, path: str, answer: Response) -> None:
        """Remember (and log once) an operation the server says is deprecated: docs/versioning.md."""
        since = answer.headers.get("deprecation")
        if since is None:
            return
        key = f"{method} {path}"
        if key not in self.deprecations:
            log.warning("%s is deprecated (%s); sunset %s", key, since, answer.headers.get("sunset", "not given"))
        self.deprecations[key] = {
            "deprecation": since,
            **{k: v for k, v in answer.headers.items() if k in ("sunset", "link")},
        }

    def _send(self, method: str, path: str, *, body: bytes | None, headers: Mapping[str, str]) -> Response:
        url = self.base_url + path  # base_url is the operator's configured http(s) URL, never user input
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return Response(answer.status, _lower(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, _lower(error.headers.items()), error.read())

    # -- documents -----------------------------------------------------------------------------------------------
    def push_document(
        self, *, file: bytes, meta: dict, filename: str = "document.pdf", idempotency_key: str | None = None
    ) -> dict:
        """Serve one document (POST /documents); `replayed` is true when the key was seen before (nothing new made)."""
        key = idempotency_key or f"mc-{uuid.uuid4()}"
        body, kind = _multipart([("meta", json.dumps(meta, ensure_ascii=False)), ("file", (filename, file))])
        answer = self.request("POST", f"{PREFIX}/documents", body=body, content_type=kind, idempotency_key=key)
        replayed = answer.headers.get("idempotent-replayed") == "true"  # the first answer, stored and replayed
        document = answer.json()
        return {**document, "replayed": bool(document.get("replayed")) or replayed, "idempotency_key": key}

    def push_batch(self, items: Sequence[BatchItem], *, idempotency_key: str | None = None) -> dict:
        """Serve several documents in one request; each item keeps its own key (a resend replays finished ones)."""
        fields: list[tuple[str, str | tuple[str, bytes]]] = []
        listed = []
        for index, item in enumerate(items):
            part = f"file{index}"
            listed.append({"idempotency_key": item.idempotency_key, "file": part, "meta": item.meta})
            fields.append((part, (item.filename, item.file)))
        fields.insert(0, ("items", json.dumps(listed, ensure_ascii=False)))
        body, kind = _multipart(fields)
        key = idempotency_key or f"mc-batch-{uuid.uuid4()}"
        return self.request(
            "POST", f"{PREFIX}/documents/batch", body=body, content_type=kind, idempotency_key=key
        ).json()

    def document(self, document_id: str) -> dict:
        """The evidence of service: status, times, deadline, notifications and the hash-chained events."""
        return self.request("GET", f"{PREFIX}/documents/{document_id}").json()

    def certificate(self, document_id: str) -> bytes:
        """The electronic service certificate (PDF bytes)."""
        return self.request("GET", f"{PREFIX}/documents/{document_id}/certificate.pdf").content

    # -- webhooks ------------------------------------------------------------------------------------------------
    def subscribe(self, url: str, events: Sequence[str] = ("*",)) -> dict:
        """Subscribe a URL to events; the answer's `secret` is shown only this once."""
        return self.request("POST", f"{PREFIX}/webhooks", json_body={"url": url, "events": list(events)}).json()

    def webhooks(self) -> list[dict]:
        """The court's subscriptions (without secrets)."""
        return self.request("GET", f"{PREFIX}/webhooks").json()


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def _json_or_text(answer: Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.content.decode("utf-8", "replace")


def _reason(answer: Response) -> str | None:
    body = _json_or_text(answer)
    return body.get("reason") if isinstance(body, dict) else None
