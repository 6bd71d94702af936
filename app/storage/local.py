"""Local-disk BlobStore (embedded default): atomic writes, and signed forms/URLs the app serves itself.

The upload form mirrors an S3 presigned POST: the phone sends the returned `fields` plus the file as one
multipart POST. The policy (key, type, size range, expiry) is HMAC-signed with the app's storage key, and
`accept_upload` re-checks every condition, so clients cannot tell this store from S3.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import os
import tempfile
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from app.errors import StorageUnavailable
from app.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobStore,
    ChunkStream,
    UploadForm,
    UploadRejected,
    UploadTooLarge,
    UploadTooSmall,
    check_key,
    content_disposition,
)
from app.utils import clock

__all__ = ["DOWNLOAD_PATH", "UPLOAD_PATH", "LocalBlobStore", "check_key", "content_disposition"]

log = logging.getLogger(__name__)

UPLOAD_PATH = "/api/public/v1/storage/uploads"
DOWNLOAD_PATH = "/api/public/v1/storage/objects"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unavailable(exc: OSError) -> StorageUnavailable:
    log.error("local storage failed: %s", exc.strerror or type(exc).__name__)
    return StorageUnavailable(f"local storage is not usable: {exc.strerror or type(exc).__name__}")


class LocalBlobStore(BlobStore):
    """Files under one folder; metadata beside each file in a small JSON sidecar."""

    name = "local"

    def __init__(self, root: str | Path, *, signing_key: bytes, base_url: str) -> None:
        self.root = Path(root)
        self.signing_key = signing_key
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LocalBlobStore:
        """Build from app config; the signing key is derived from SECRET_KEY."""
        secret = hashlib.sha256(b"microcourt-local-storage:" + config["SECRET_KEY"].encode()).digest()
        base = config.get("STORAGE_PUBLIC_BASE_URL") or config["PUBLIC_BASE_URL"]
        return cls(config["STORAGE_LOCAL_ROOT"], signing_key=secret, base_url=base)

    # -- paths and signatures -------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        return self.root / "objects" / check_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / "meta" / (check_key(key) + ".json")

    def _sign(self, payload: str) -> str:
        return hmac.new(self.signing_key, payload.encode(), hashlib.sha256).hexdigest()

    # -- uploads ----------------------------------------------------------------------------------
    def create_upload_form(
        self, *, key: str, content_type: str, max_size: int, min_size: int = 1, expires_in: int = 900
    ) -> UploadForm:
        """Return the signed form for UPLOAD_PATH."""
        expires_at = clock.now() + dt.timedelta(seconds=expires_in)
        policy = {
            "key": check_key(key),
            "content_type": content_type,
            "min": min_size,
            "max": max_size,
            "exp": int(expires_at.timestamp()),
        }
        encoded = _b64(json.dumps(policy, sort_keys=True, separators=(",", ":")).encode())
        fields = {"key": key, "Content-Type": content_type, "policy": encoded, "signature": self._sign(encoded)}
        return UploadForm(url=self.base_url + UPLOAD_PATH, fields=fields, expires_at=expires_at)

    def verify_upload_fields(self, fields: Mapping[str, str]) -> dict[str, Any]:
        """Check a posted form's signature, expiry, key and type; return the policy."""
        encoded = fields.get("policy", "")
        signature = fields.get("signature", "")
        if not encoded or not hmac.compare_digest(self._sign(encoded).encode(), signature.encode()):
            raise UploadRejected("The upload form's signature is invalid.", reason="storage.signature_invalid")
        try:
            policy = json.loads(_unb64(encoded))
        except ValueError:
            raise UploadRejected("The upload form's policy is malformed.", reason="storage.policy_invalid") from None
        if clock.now().timestamp() > policy["exp"]:
            raise UploadRejected("The upload form has expired.", reason="storage.form_expired")
        if fields.get("key") != policy["key"]:
            raise UploadRejected("The key does not match the form.", reason="storage.key_mismatch")
        if fields.get("Content-Type") != policy["content_type"]:
            raise UploadRejected("The Content-Type does not match the form.", reason="storage.type_mismatch")
        return policy

    def accept_upload(self, fields: Mapping[str, str], stream: BinaryIO) -> BlobInfo:
        """Store a posted file if the form is valid and the size is within the signed range."""
        policy = self.verify_upload_fields(fields)
        return self._write(
            policy["key"], stream, content_type=policy["content_type"], limits=(policy["min"], policy["max"])
        )

    # -- reads and writes -------------------------------------------------------------------------
    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str) -> BlobInfo:
        """Write bytes atomically (temp file + fsync + rename)."""
        stream = io.BytesIO(bytes(data)) if isinstance(data, bytes | bytearray) else data
        return self._write(key, stream, content_type=content_type, limits=None)

    def copy(self, source: str, target: str) -> BlobInfo:
        """Copy atomically (KeyError when missing); a later write to `source` never changes `target`."""
        info = self.head(source)
        if info is None:
            raise KeyError(source)
        content_type = info.content_type or "application/octet-stream"
        try:
            stream = self._path(source).open("rb")
        except FileNotFoundError:
            raise KeyError(source) from None
        except OSError as exc:
            raise _unavailable(exc) from None
        with stream:
            return self._write(target, stream, content_type=content_type, limits=None)

    def _write(self, key: str, stream: BinaryIO, *, content_type: str, limits: tuple[int, int] | None) -> BlobInfo:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        except OSError as exc:
            raise _unavailable(exc) from None
        try:
            size = self._copy(stream, fd, limits)
            self._write_meta(key, content_type)
            os.replace(tmp_name, target)
        except BaseException as exc:
            Path(tmp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _unavailable(exc) from None
            raise
        return BlobInfo(key=key, size=size, content_type=content_type, last_modified=clock.now())

    @staticmethod
    def _copy(stream: BinaryIO, fd: int, limits: tuple[int, int] | None) -> int:
        """Copy the stream into the open temp file, enforcing the size range; return the size."""
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                if limits and size > limits[1]:
                    raise UploadTooLarge()
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if limits and size < limits[0]:
            raise UploadTooSmall()
        return size

    def _write_meta(self, key: str, content_type: str) -> None:
        meta = self._meta_path(key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        tmp = meta.with_name(meta.name + ".tmp")
        tmp.write_text(json.dumps({"content_type": content_type}))
        os.replace(tmp, meta)

    def head(self, key: str) -> BlobInfo | None:
        """Size, type and modification time of a stored file; None when missing."""
        path = self._path(key)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _unavailable(exc) from None
        try:
            content_type = json.loads(self._meta_path(key).read_text()).get("content_type")
        except (FileNotFoundError, ValueError):
            content_type = None
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
        return BlobInfo(key=key, size=stat.st_size, content_type=content_type, last_modified=modified)

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> ChunkStream:
        """Open the file now (KeyError when missing) and stream it in chunks."""
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as exc:
            raise _unavailable(exc) from None
        return ChunkStream(handle.read, handle.close, chunk_size)

    def delete(self, key: str) -> None:
        """Remove a file and its metadata; missing is fine."""
        try:
            self._path(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise _unavailable(exc) from None

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Walk stored files whose key starts with prefix (temp files skipped), lazily, from the prefix's folder."""
        base = self.root / "objects"
        folder = prefix.rpartition("/")[0]
        start = base / folder if folder and ".." not in folder.split("/") else base
        try:
            base.stat()
            if not start.is_dir():
                return
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _unavailable(exc) from None

        def fail(exc: OSError) -> None:
            raise _unavailable(exc)

        for dirpath, dirs, files in os.walk(start, onerror=fail):
            dirs.sort()  # a stable order, as S3 lists in key order
            for name in sorted(files):
                if name.startswith(".upload-"):
                    continue
                key = Path(dirpath, name).relative_to(base).as_posix()
                if key.startswith(prefix):
                    info = self.head(key)
                    if info:
                        yield info

    def check(self) -> None:
        """The root must exist (it is created) and be writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".ready-probe-{os.getpid()}-{uuid.uuid4().hex}"  # concurrent probes never collide
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise _unavailable(exc) from None

    # -- downloads --------------------------------------------------------------------------------
    def download_url(self, key: str, *, filename: str, content_type: str | None = None, expires_in: int = 300) -> str:
        """A URL to DOWNLOAD_PATH signed over key, expiry, name and type."""
        params = {
            "key": check_key(key),
            "exp": str(int(clock.now().timestamp()) + expires_in),
            "name": filename,
            "type": content_type or "application/octet-stream",
        }
        params["sig"] = self._sign(self._download_payload(params))
        return f"{self.base_url}{DOWNLOAD_PATH}?{urllib.parse.urlencode(params)}"

    @staticmethod
    def _download_payload(params: Mapping[str, str]) -> str:
        # JSON, not a joined string, so no field can absorb the next one.
        return json.dumps(["download", params["key"], params["exp"], params["name"], params["type"]])

    def verify_download(self, params: Mapping[str, str]) -> dict[str, str]:
        """Check a download URL's signature and expiry; return its key, name and type."""
        try:
            wanted = {name: params[name] for name in ("key", "exp", "name", "type")}
            expires = int(wanted["exp"])
        except (KeyError, ValueError):
            raise UploadRejected("The download link is malformed.", reason="storage.link_invalid") from None
        expected = self._sign(self._download_payload(wanted)).encode()
        if not hmac.compare_digest(expected, params.get("sig", "").encode()):
            raise UploadRejected("The download link's signature is invalid.", reason="storage.signature_invalid")
        if clock.now().timestamp() > expires:
            raise UploadRejected("The download link has expired.", reason="storage.link_expired")
        return wanted
