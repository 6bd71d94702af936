"""Evidence rules that need no database: display names, keys, limits and reason codes."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import uuid
from collections.abc import Mapping
from typing import Any

from app.evidence.file_types import FOREIGN_EXTENSIONS, TYPES
from app.platform.settings_groups import EvidenceSettings

MAX_NAME_CHARS = 150
FALLBACK_NAME = "evidence"
MULTIPART_OVERHEAD = 64 * 1024  # the form's fields and part headers around the file, for MAX_CONTENT_LENGTH

# Why an item was rejected (the `rejection_reason` of a rejected item).
UPLOAD_EXPIRED = "evidence.upload_expired"
SIZE_MISMATCH = "evidence.size_mismatch"
TYPE_NOT_ALLOWED = "evidence.type_not_allowed"
TYPE_MISMATCH = "evidence.type_mismatch"
ARCHIVE = "evidence.archive_not_allowed"
HASH_MISMATCH = "evidence.hash_mismatch"
TOO_LARGE = "evidence.too_large"
TOO_MANY_FILES = "evidence.too_many_files"
QUOTA_EXCEEDED = "evidence.quota_exceeded"


def clean_filename(raw: str) -> str:
    """The display name: last path part, no control/format characters (CR, LF, NUL, RTL override), Chinese kept."""
    name = unicodedata.normalize("NFC", raw)
    name = "".join(ch for ch in name if ch.isprintable() and unicodedata.category(ch) not in {"Cf", "Co", "Cs"})
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch not in '"<>|:*?').strip(" .")
    return _shorten(name) or FALLBACK_NAME


def _shorten(name: str) -> str:
    """Cut an over-long name in its stem so that the extension survives."""
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, ext = split_extension(name)
    if not ext:
        return name[:MAX_NAME_CHARS].rstrip(" .")
    return stem[: MAX_NAME_CHARS - len(ext)].rstrip(" .") + ext


def split_extension(name: str) -> tuple[str, str]:
    """("借条", ".pdf") for "借条.pdf"; an extension is a dot and 1..8 ASCII letters or digits."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 1 <= len(ext) <= 8 and ext.isascii() and ext.isalnum():
        return stem, "." + ext.lower()
    return name, ""


def foreign_extension(name: str, mime: str) -> str | None:
    """The name's extension when it claims another type than the declared one (a disguise), else None."""
    _stem, ext = split_extension(name)
    if ext and ext in FOREIGN_EXTENSIONS and ext not in TYPES[mime].extensions:
        return ext
    return None


def download_name(name: str, mime: str) -> str:
    """The name a download is saved under: the display name, with the real type's extension if it lacks one."""
    _stem, ext = split_extension(name)
    extensions = TYPES[mime].extensions if mime in TYPES else ()
    if not extensions or ext in extensions:
        return name
    return _shorten(name + extensions[0])


KEY_PATTERN = re.compile(r"^cases/[^/]+/evidence/[0-9a-f]{32}(\.upload)?$")


def object_key(case_id: uuid.UUID) -> str:
    """A fresh key for verified bytes: server-made, random, never from the file name."""
    return f"cases/{case_id}/evidence/{uuid.uuid4().hex}"


def upload_key(case_id: uuid.UUID) -> str:
    """A fresh key for the phone's upload form (the only kind of evidence key a form can write)."""
    return object_key(case_id) + ".upload"


FAMILIES = ("pdf", "image", "audio", "video")


@dataclasses.dataclass(frozen=True)
class Limits:
    """The configured limits of one app."""

    per_family: Mapping[str, int]
    files_per_case: int
    bytes_per_user: int

    @classmethod
    def from_settings(cls, evidence: EvidenceSettings, *, store_name: str) -> Limits:
        """Per-type maxima (capped by MAX_CONTENT_LENGTH when the app itself receives uploads)."""
        families = {family: evidence.max_bytes(family) for family in FAMILIES}
        cap = evidence.max_request_bytes if store_name == "local" else None
        return cls._capped(families, cap, evidence.max_files_per_case, evidence.max_bytes_per_user)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, store_name: str) -> Limits:
        """The same from a mapping of the config's own names (EVIDENCE_MAX_BYTES_PDF, ..., MAX_CONTENT_LENGTH)."""
        families = {family: int(config[f"EVIDENCE_MAX_BYTES_{family.upper()}"]) for family in FAMILIES}
        cap = int(config["MAX_CONTENT_LENGTH"]) if store_name == "local" else None
        files, total = int(config["EVIDENCE_MAX_FILES_PER_CASE"]), int(config["EVIDENCE_MAX_BYTES_PER_USER"])
        return cls._capped(families, cap, files, total)

    @classmethod
    def _capped(cls, families: dict[str, int], request_cap: int | None, files: int, total: int) -> Limits:
        # A file the app receives itself travels in one multipart request of at most MAX_CONTENT_LENGTH.
        cap = max(1, request_cap - MULTIPART_OVERHEAD) if request_cap is not None else None
        return cls({family: min(limit, cap) if cap else limit for family, limit in families.items()}, files, total)

    def max_size(self, mime: str) -> int:
        """The largest file allowed for this (allow-listed) type."""
        return self.per_family[TYPES[mime].family]
