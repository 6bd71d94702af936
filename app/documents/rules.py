"""Rules about served documents: types and their statutory periods, file formats, deadlines, masking."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import zipfile
from typing import IO

from app.cases import CaseParty
from app.documents.models import ServedDocument
from app.extensions import db
from app.i18n import current_language, message
from app.legal import Deadline, compute_deadline, deadlines, load_overrides
from app.platform import settings
from app.security import pii


@dataclasses.dataclass(frozen=True)
class DocType:
    """A kind of court document: its Chinese name and the period a recipient has to act, if any."""

    label: str
    period_days: int | None = None
    period_label: str | None = None


# CPL Art. 171 (appeal: judgment 15 days, ruling 10 days), Art. 128 (answer 15 days), Art. 227 (payment order).
DOC_TYPES: dict[str, DocType] = {
    "summons": DocType("传票"),
    "notice": DocType("通知书"),
    "hearing_notice": DocType("开庭通知书"),
    "evidence_notice": DocType("举证通知书"),
    "complaint_copy": DocType("起诉状副本", 15, "答辩期"),
    "answer_copy": DocType("答辩状副本"),
    "payment_order": DocType("支付令", 15, "支付令异议期"),
    "judgment": DocType("判决书", 15, "上诉期（判决）"),
    "ruling": DocType("裁定书", 10, "上诉期（裁定）"),
    "mediation_document": DocType("调解书"),
    "other": DocType("其他法律文书"),
}
APPEALABLE = ("judgment", "ruling")  # their period is the appeal period (上诉期)
ABROAD_APPEAL_DAYS = 30  # CPL Art. 286: a party without a domicile in China
CONTENT_TYPES = {"pdf": "application/pdf", "ofd": "application/ofd"}
EXTENSIONS = {"application/pdf": "pdf", "application/ofd": "ofd"}
CHUNK = 256 * 1024
BASIS_LABELS = {
    "delivered": "到达受送达人确认的电子送达地址",
    "opened": "首次查阅",
    "downloaded": "首次下载",
    "acknowledged": "签收",
    # service by other means, recorded by the court (app/documents/other_service.py)
    "in_person": "直接送达",
    "by_post": "邮寄送达",
    "lodged": "留置送达",
    "announcement": "公告送达，公告期满视为送达",
    "": "未送达",
}


@dataclasses.dataclass(frozen=True)
class Intake:
    """What the server found in an uploaded file: its digest, size and format (None: not allowed)."""

    sha256: str
    size: int
    file_type: str | None

    @property
    def content_type(self) -> str | None:
        """The MIME type of the detected format."""
        return CONTENT_TYPES.get(self.file_type or "")


def inspect(stream: IO[bytes]) -> Intake:
    """Hash and measure the file and detect its format by magic bytes; the stream is rewound afterwards."""
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := stream.read(CHUNK):
        if len(head) < 8:
            head += chunk[:8]
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    file_type = _sniff(head, stream)
    stream.seek(0)
    return Intake(sha256=digest.hexdigest(), size=size, file_type=file_type)


def _sniff(head: bytes, stream: IO[bytes]) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:  # OFD (GB/T 33190) is a ZIP package with OFD.xml at its root; only the directory is read
            with zipfile.ZipFile(stream) as package:
                return "ofd" if "OFD.xml" in package.namelist() else None
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def rejection(intake: Intake, declared_sha256: str | None) -> str | None:
    """Why a file cannot be served (None when it can)."""
    config = settings.documents()
    if intake.size == 0:
        return "empty_file"
    if intake.size > config.max_bytes:
        return "file_too_large"
    if intake.file_type is None or intake.file_type not in config.file_types:
        return "file_type_not_allowed"
    if declared_sha256 and declared_sha256.lower() != intake.sha256:
        return "sha256_mismatch"
    return None


def period_of(document: ServedDocument) -> tuple[int, str] | None:
    """The response period in days and its name: `response_days` if given, else the type's statutory one.

    A judgment or ruling served on a party without a domicile in China (CaseParty.domicile_abroad, set by the
    court) has 30 days to appeal instead of 15 or 10 (CPL Art. 286).
    """
    doc_type = DOC_TYPES[document.doc_type]
    if document.response_days:
        return document.response_days, doc_type.period_label or "答复期限"
    if document.doc_type in APPEALABLE and _recipient_abroad(document):
        return ABROAD_APPEAL_DAYS, f"{doc_type.period_label}（在中华人民共和国领域内没有住所的当事人）"
    if doc_type.period_days:
        return doc_type.period_days, doc_type.period_label or "答复期限"
    return None


def _recipient_abroad(document: ServedDocument) -> bool:
    party = db.session.get(CaseParty, document.recipient_party_id)  # usually in the session already
    return bool(party is not None and party.domicile_abroad)


def deadline_of(document: ServedDocument, overrides: dict | None = None) -> dict | None:
    """The response deadline with its explanation; pending until served; uncovered calendar flagged, not guessed."""
    period = period_of(document)
    if period is None:
        return None
    days, label = period
    if document.served_at is None:
        key = deadlines.period_key(label)
        return {
            "pending": True,
            "period": {"label": label, **({"key": key} if key else {}), "days": days},
            "calendar_covered": None,
            "explanation": [
                message(
                    "Period: %(period)s, %(days)s days, counted from the day after service; "
                    "the document is not yet served, so the deadline cannot be computed yet.",
                    context="deadline",
                    period=deadlines.period_words(key, label),
                    days=days,
                ).render(current_language())
            ],
        }
    result = deadline_for(document, overrides)
    assert result is not None  # served, with a period
    return {"pending": False, **result.as_dict()}


def deadline_for(document: ServedDocument, overrides: dict | None = None) -> Deadline | None:
    """The deadline itself (None until served or for a document without a period), e.g. for an appeal's check."""
    period = period_of(document)
    if period is None or document.served_at is None:
        return None
    days, label = period
    return compute_deadline(
        trigger_at=document.served_at,
        period_days=days,
        trigger_label=deadlines.trigger(
            "document.served", document=document.doc_type, basis=document.served_basis or ""
        ),
        period_label=label,
        overrides=load_overrides() if overrides is None else overrides,
    )


_EMAIL = re.compile(r"^([^@\s])[^@\s]*(@.+)$")


def mask_address(address: str | None) -> str | None:
    """A service address as shown on certificates: phone and e-mail masked, other text cut after 4 characters."""
    if address is None:
        return None
    text = address.strip()
    if re.fullmatch(r"\+?[0-9 \-]{7,20}", text):
        return pii.mask_phone(text)
    email = _EMAIL.match(text)
    if email:
        return f"{email.group(1)}***{email.group(2)}"
    if text in ("mini-program inbox", "微法院小程序"):
        return text
    return text[:4] + "***" if len(text) > 4 else text
