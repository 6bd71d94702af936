"""S3-compatible BlobStore (AWS S3, Ceph RGW, MinIO, Tencent COS, Alibaba OSS) over boto3.

The only module that imports boto3/botocore. Phones upload straight to the bucket with a presigned POST
and download with a presigned GET, so file bytes never pass through a worker. Every network failure
(refused, timed out, 5xx) becomes `StorageUnavailable`: a fast 503 with Retry-After, never a 500 or a hang.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import email.utils
import enum
import io
import logging
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as EndpointUnreachable

from app.errors import StorageUnavailable
from app.storage.base import (
    CHUNK_SIZE,
    LIST_PAGE_SIZE,
    BlobInfo,
    BlobStore,
    ChunkStream,
    UploadForm,
    check_key,
    content_disposition,
)
from app.utils import clock

log = logging.getLogger(__name__)

# Refused, unresolvable, timed out (connect or read), closed mid-answer (also mid-body: IncompleteReadError),
# or no credentials at all.
OUTAGES = (EndpointUnreachable, HTTPClientError, IncompleteReadError, NoCredentialsError, PartialCredentialsError)
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
# The largest PUT `put` sends itself, in memory (the server's own documents: PDFs, certificates, case files' parts);
# larger ones stream through botocore.
QUICK_PUT_MAX = 8 * 1024 * 1024


class _Unsure(enum.Enum):
    """The quick HEAD's and PUT's "ask botocore": before any request went out; after an outage (no answer, 5xx,
    401/403); after another answer (a redirect, 400...). A request that went out counts as one of the attempts."""

    NOT_SENT = 0
    OUTAGE = 1
    OTHER = 2


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextlib.contextmanager
def _outage_as_unavailable(action: str) -> Iterator[None]:
    """Turn connection failures, timeouts and 5xx answers into StorageUnavailable."""
    try:
        yield
    except OUTAGES as exc:
        log.error("object store unreachable during %s: %s", action, type(exc).__name__)
        raise StorageUnavailable(f"object store unreachable ({type(exc).__name__})") from None
    except ClientError as exc:
        # 5xx is an outage; 401/403 (our credentials or bucket policy are wrong) and a missing bucket
        # are misconfigurations: an outage to us as well.
        if _status(exc) >= 500 or _status(exc) in {401, 403} or _code(exc) == "NoSuchBucket":
            log.error("object store failed during %s: %s %s", action, _status(exc), _code(exc))
            raise StorageUnavailable(f"object store answered {_status(exc)} {_code(exc)}") from None
        raise


class S3BlobStore(BlobStore):
    """One bucket on an S3-compatible server; the boto3 client is built once, here."""

    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        addressing_style: str = "path",
        connect_timeout: float = 3,
        read_timeout: float = 20,
        max_attempts: int = 3,
        session: boto3.session.Session | None = None,
    ) -> None:
        self.bucket = bucket
        self.region = region
        self._session = session or boto3.session.Session()
        self._options = {
            "endpoint_url": endpoint_url or None,
            "addressing_style": addressing_style,
            "access_key": access_key,
            "secret_key": secret_key,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
        }
        self._max_attempts = max_attempts
        self._base: str | None = None
        self._fallback: Any = None
        self._fallback_lock = threading.Lock()
        self.client = self._new_client(max_attempts)

    def _new_client(self, max_attempts: int) -> Any:
        options = self._options
        config = BotoConfig(
            signature_version="s3v4",  # otherwise presigned POSTs may be signed with SigV2
            s3={"addressing_style": options["addressing_style"]},
            request_checksum_calculation="when_required",  # several S3-compatible stores reject CRC headers
            response_checksum_validation="when_required",
            # total_max_attempts counts requests (3 = AWS's standard default); botocore's `max_attempts`
            # counts retries after the first, so it would mean 4 requests and a slower 503.
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=options["connect_timeout"],
            read_timeout=options["read_timeout"],
            # Every request's parameters are built here, from checked keys and fixed names: botocore's
            # validation of them against the service model costs CPU on every call and can never fail.
            parameter_validation=False,
        )
        # A private session unless one is given (tests share one to load botocore's models once):
        # boto3's default session is not safe to share between threads.
        return self._session.client(
            "s3",
            endpoint_url=options["endpoint_url"],
            region_name=self.region,
            aws_access_key_id=options["access_key"] or None,
            aws_secret_access_key=options["secret_key"] or None,
            config=config,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3BlobStore:
        """Build from app config (S3_* keys)."""
        return cls(
            bucket=config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or "us-east-1",
            access_key=config.get("S3_ACCESS_KEY") or None,
            secret_key=config.get("S3_SECRET_KEY") or None,
            addressing_style=config.get("S3_ADDRESSING_STYLE") or "path",
            connect_timeout=config.get("S3_CONNECT_TIMEOUT", 3),
            read_timeout=config.get("S3_READ_TIMEOUT", 20),
        )

    # -- uploads ----------------------------------------------------------------------------------
    def create_upload_form(
        self, *, key: str, content_type: str, max_size: int, min_size: int = 1, expires_in: int = 900
    ) -> UploadForm:
        """A presigned POST bound to this exact key, type and size range."""
        expires_at = clock.now() + dt.timedelta(seconds=expires_in)
        # botocore appends {"bucket": ...} and the exact {"key": key} itself (check_key forbids "${filename}").
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=check_key(key),
            Fields={"Content-Type": content_type},
            Conditions=[["content-length-range", min_size, max_size], {"Content-Type": content_type}],
            ExpiresIn=expires_in,
        )
        return UploadForm(url=post["url"], fields=dict(post["fields"]), expires_at=expires_at)

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str) -> BlobInfo:
        """Upload bytes written by the server itself in one PUT.

        Up to QUICK_PUT_MAX bytes go as one signed PUT without botocore's request pipeline (`_quick_put`, as the
        HEAD does: a court's batch of 100 documents is 100 PUTs); what that does not settle goes to botocore, with
        an attempt fewer when the quick one was sent. A PUT of the same bytes to the same key may be repeated."""
        body = io.BytesIO(bytes(data)) if isinstance(data, bytes | bytearray) else data
        start = body.tell()
        size = body.seek(0, io.SEEK_END) - start
        body.seek(start)
        check_key(key)
        client = self.client
        if size <= QUICK_PUT_MAX:
            answer = self._quick_put(key, body.read(), content_type)
            body.seek(start)
            if answer is None:
                return BlobInfo(key=key, size=size, content_type=content_type, last_modified=clock.now())
            if answer is _Unsure.OUTAGE and self._max_attempts <= 1:
                log.error("object store unavailable during put")
                raise StorageUnavailable("object store unreachable or failing")
            client = self.client if answer is _Unsure.NOT_SENT else self._fallback_client()
        with _outage_as_unavailable("put"):
            client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        return BlobInfo(key=key, size=size, content_type=content_type, last_modified=clock.now())

    def _quick_put(self, key: str, payload: bytes, content_type: str) -> _Unsure | None:
        """One signed PUT (SigV4 over the payload's SHA-256, which the store checks) sent straight through the
        client's own HTTP session; None when the store answered 200, else _Unsure for botocore to settle."""
        base = self._head_base()
        credentials = self.client._request_signer._credentials  # resolved, and refreshed, by botocore itself
        if base is None or credentials is None:
            return _Unsure.NOT_SENT
        try:
            request = AWSRequest(method="PUT", url=base + key, data=payload, headers={"Content-Type": content_type})
            S3SigV4Auth(credentials.get_frozen_credentials(), "s3", self.region).add_auth(request)
            answer = self.client._endpoint.http_session.send(request.prepare())
        except (BotoCoreError, OSError):
            return _Unsure.OUTAGE
        if answer.status_code == 200:
            return None
        if answer.status_code >= 500 or answer.status_code in (401, 403):
            return _Unsure.OUTAGE
        return _Unsure.OTHER

    def copy(self, source: str, target: str) -> BlobInfo:
        """Server-side CopyObject (type kept); KeyError when the source does not exist."""
        request: dict[str, str | dict[str, str]] = {
            "Bucket": self.bucket,
            "Key": check_key(target),
            "MetadataDirective": "COPY",
        }
        request["CopySource"] = {"Bucket": self.bucket, "Key": check_key(source)}
        try:
            with _outage_as_unavailable("copy"):
                self.client.copy_object(**request)
        except ClientError as exc:
            if _status(exc) == 404 or _code(exc) in MISSING_CODES:
                raise KeyError(source) from None
            raise
        info = self.head(target)
        if info is None:  # deleted between the copy and the HEAD: as good as missing
            raise KeyError(source)
        return info

    # -- reads ------------------------------------------------------------------------------------
    def head(self, key: str) -> BlobInfo | None:
        """Size, type and modification time, or None when the object does not exist."""
        check_key(key)
        answer = self._quick_head(key)
        if not isinstance(answer, _Unsure):
            return answer
        if answer is _Unsure.OUTAGE and self._max_attempts <= 1:
            log.error("object store unavailable during head")
            raise StorageUnavailable("object store unreachable or failing")
        client = self.client if answer is _Unsure.NOT_SENT else self._fallback_client()
        try:
            with _outage_as_unavailable("head"):
                found = client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _status(exc) == 404 or _code(exc) in MISSING_CODES:
                return None
            raise
        return BlobInfo(
            key=key,
            size=int(found["ContentLength"]),
            content_type=found.get("ContentType"),
            last_modified=found.get("LastModified"),
        )

    def _quick_head(self, key: str) -> BlobInfo | _Unsure | None:
        """One signed HEAD sent straight through the client's own HTTP session (its pool, timeouts, proxies and TLS
        settings), without botocore's request pipeline: parameter serialisation, endpoint rules, a dozen event
        hooks and the response parser cost about half of a HEAD's CPU. Only the plain answers are taken here (200,
        404); anything else (no credentials, a network failure, 5xx, 403, a redirect) is _Unsure, and the caller
        asks botocore, whose retries (one attempt fewer: this one counted) and error mapping stay the rule."""
        base = self._head_base()
        credentials = self.client._request_signer._credentials  # resolved, and refreshed, by botocore itself
        if base is None or credentials is None:
            return _Unsure.NOT_SENT
        try:
            request = AWSRequest(method="HEAD", url=base + key, headers={})
            S3SigV4Auth(credentials.get_frozen_credentials(), "s3", self.region).add_auth(request)
            answer = self.client._endpoint.http_session.send(request.prepare())
        except (BotoCoreError, OSError):
            return _Unsure.OUTAGE
        if answer.status_code == 404:
            return None
        if answer.status_code >= 500 or answer.status_code in (401, 403):
            return _Unsure.OUTAGE
        if answer.status_code != 200 or "content-length" not in answer.headers:
            return _Unsure.OTHER
        modified = answer.headers.get("last-modified")
        return BlobInfo(
            key=key,
            size=int(answer.headers["content-length"]),
            content_type=answer.headers.get("content-type"),
            last_modified=email.utils.parsedate_to_datetime(modified) if modified else None,
        )

    def _head_base(self) -> str | None:
        """The URL every object key is appended to (the client's addressing style and endpoint), found once from a
        presigned URL; None when it cannot be (no credentials yet: botocore answers for itself then)."""
        if self._base is None:
            probe = "probe"
            try:
                url = self.client.generate_presigned_url(
                    "head_object", Params={"Bucket": self.bucket, "Key": probe}, ExpiresIn=60
                )
            except BotoCoreError:
                return None
            parts = urllib.parse.urlsplit(url)
            if not parts.path.endswith("/" + probe):
                self._base = ""
            else:
                self._base = f"{parts.scheme}://{parts.netloc}{parts.path[: -len(probe)]}"
        return self._base or None

    def _fallback_client(self) -> Any:
        """The client for a HEAD the quick attempt did not settle: one with an attempt fewer, so a HEAD makes the
        configured attempts in all (at least one each; built once, on first need)."""
        with self._fallback_lock:
            if self._fallback is None:
                self._fallback = self._new_client(max(self._max_attempts - 1, 1))
        return self._fallback

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> ChunkStream:
        """Start the GET now (KeyError when missing) and stream the body in chunks."""
        try:
            with _outage_as_unavailable("get"):
                answer = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if _status(exc) == 404 or _code(exc) in MISSING_CODES:
                raise KeyError(key) from None
            raise
        body = answer["Body"]

        def read(size: int) -> bytes:
            with _outage_as_unavailable("read"):
                return body.read(size)

        return ChunkStream(read, body.close, chunk_size)

    def download_url(self, key: str, *, filename: str, content_type: str | None = None, expires_in: int = 300) -> str:
        """A presigned GET that makes the store answer as an attachment named `filename`."""
        params = {
            "Bucket": self.bucket,
            "Key": check_key(key),
            "ResponseContentDisposition": content_disposition(filename),
        }
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Iterate over objects under a prefix, page by page (type is not listed by S3)."""
        for page in self.list_pages(prefix):
            yield from page

    def list_pages(
        self, prefix: str = "", *, page_size: int = LIST_PAGE_SIZE
    ) -> Iterator[builtins.list[BlobInfo]]:  # `list` here is the method above
        """One ListObjectsV2 request per page (MaxKeys = page_size; S3 answers at most 1000 keys a request)."""
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size!r}")
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
        )
        with _outage_as_unavailable("list"):
            for page in pages:
                infos = [
                    BlobInfo(key=item["Key"], size=int(item["Size"]), last_modified=item.get("LastModified"))
                    for item in page.get("Contents", [])
                ]
                if infos:
                    yield infos

    # -- writes and administration ----------------------------------------------------------------
    def delete(self, key: str) -> None:
        """Delete the object; S3 answers 204 for a missing one too."""
        with _outage_as_unavailable("delete"):
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def check(self) -> None:
        """HEAD the bucket; unreachable, refused or missing all raise StorageUnavailable."""
        try:
            with _outage_as_unavailable("check"):
                self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            detail = f"{_status(exc)} {_code(exc)}" if isinstance(exc, ClientError) else type(exc).__name__
            log.error("object store bucket %s not usable: %s", self.bucket, detail)
            raise StorageUnavailable(f"bucket {self.bucket!r} is not usable ({detail})") from None

    def ensure_bucket(self) -> bool:
        """Create the bucket when missing; return True when it was created (tests and `flask` commands)."""
        with _outage_as_unavailable("ensure_bucket"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
                return False
            except ClientError as exc:
                if _status(exc) != 404 and _code(exc) not in MISSING_CODES:
                    raise
            request: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self.client.create_bucket(**request)
            except ClientError as exc:
                if _code(exc) != "BucketAlreadyOwnedByYou":
                    raise
                return False
        log.info("created bucket %s", self.bucket)
        return True
