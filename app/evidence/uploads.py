"""Uploading evidence: a signed form for the phone to post straight to the store, then verification.

`request_upload` commits a pending row BEFORE it hands out the form, so every object a form can create
has a row (the sweep relies on it). `complete` copies the uploaded object to a fresh key inside the store,
reads the copy once (size, magic bytes, SHA-256), and only then takes the locks to decide: long reads never
hold a lock, and concurrent or repeated calls settle on one answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

from sqlalchemy import func, select

from app.cases import access as case_access
from app.errors import Conflict, Forbidden, PayloadTooLarge, ValidationFailed
from app.evidence import access as evidence_access
from app.evidence import file_types as types
from app.evidence import period as evidence_period
from app.evidence import period_appeal
from app.evidence import rules as rules
from app.evidence.models import LIVE_STATUSES, EvidenceItem
from app.extensions import db, storage
from app.identity import User
from app.platform import settings
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.storage.base import UploadForm

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class UploadTicket:
    """What the phone needs: the new item's id and the form to post the file with."""

    evidence_id: uuid.UUID
    upload: UploadForm
    expires_at: dt.datetime


def limits() -> rules.Limits:
    """The configured limits for the current app and store."""
    return rules.Limits.from_settings(settings.evidence(), store_name=storage.store.name)


def request_upload(*, case_id: uuid.UUID, data: dict, actor: Principal) -> UploadTicket:
    """Check the declared file against the rules and limits, record a pending item, return its upload form."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    party_id = _owner_party(actor, facts, data.get("party_id"))
    uploader = actor.user_id
    assert uploader is not None  # _owner_party admits only people: parties and their lawyers
    appeal = period_appeal.ensure_open(case, party_id=party_id, stage=data.get("stage"))  # decided: appeal only
    mime = _check_declaration(data)
    late = not appeal and evidence_period.is_late(case)
    if late and not (data.get("late_reason") or "").strip():
        raise ValidationFailed(
            "The evidence period has ended: late evidence is accepted with the reason it comes late, for the court "
            "to admit or refuse.",
            reason="evidence.late_reason_required",
            errors={"late_reason": ["Required after the evidence period has ended."]},
        )
    breach = limit_breach(
        case_id=case.id, party_id=party_id, user_id=uploader, mime=mime, size=data["size"], statuses=LIVE_STATUSES
    )
    if breach:
        _raise_limit(breach, mime)
    upload_key = rules.upload_key(case.id)
    form = storage.create_upload_form(
        key=upload_key,
        content_type=mime,
        min_size=data["size"],
        max_size=data["size"],  # the store refuses any other size, where it enforces policies
        expires_in=settings.storage().upload_url_expires_seconds,
    )
    item = EvidenceItem(
        case_id=case.id,
        party_id=party_id,
        uploaded_by_user_id=uploader,
        status="pending",
        catalogue_order=_next_order(case.id, party_id),
        title=data["title"],
        category=data["category"],
        purpose=data["purpose"],
        filename=rules.clean_filename(data["filename"]),
        declared_type=mime,
        declared_size=data["size"],
        declared_sha256=data["sha256"].lower(),
        upload_key=upload_key,
        upload_expires_at=form.expires_at,
    )
    if late:
        evidence_period.mark_late(item, data["late_reason"].strip())
    db.session.add(item)
    db.session.flush()
    evidence_access.custody(
        item,
        "requested",
        actor=actor,
        role=evidence_access.actor_role(actor, facts),
        data={"late": True} if item.late else {"stage": period_appeal.STAGE} if appeal else None,
    )
    db.session.commit()
    log.info("evidence upload requested", extra={"evidence_id": str(item.id), "size": item.declared_size})
    return UploadTicket(evidence_id=item.id, upload=form, expires_at=form.expires_at)


def _owner_party(actor: Principal, facts: CaseFacts, wanted: uuid.UUID | None) -> uuid.UUID:
    """The party the evidence is for: the one the caller acts for (named when they act for several)."""
    mine = permissions.parties_of(actor, facts)
    if wanted is not None and wanted in mine:
        return wanted
    if not mine or wanted is not None:
        raise Forbidden("Only a party to the case, or their lawyer, can add evidence.", reason="evidence.not_a_party")
    if len(mine) > 1:
        raise ValidationFailed(errors={"party_id": ["You act for several parties: name the one this is for."]})
    return next(iter(mine))


def _check_declaration(data: dict) -> str:
    """The declared type on the allow-list, a known category, and a file name that does not claim another type."""
    mime = types.canonical(data["content_type"])
    if mime is None:
        allowed = ", ".join(sorted(types.TYPES))
        raise ValidationFailed(
            f"This type of file cannot be evidence here; allowed: {allowed}.",
            reason=rules.TYPE_NOT_ALLOWED,
            errors={"content_type": [f"Must be one of {allowed}."]},
        )
    errors = {}
    if data["category"] not in settings.evidence().categories:
        errors["category"] = ["Not a category of evidence this platform uses."]
    if rules.foreign_extension(rules.clean_filename(data["filename"]), mime):
        errors["filename"] = [f"The name's extension does not match {mime}."]
    if errors:
        raise ValidationFailed(errors=errors)
    return mime


def limit_breach(
    *,
    case_id: uuid.UUID,
    party_id: uuid.UUID,
    user_id: uuid.UUID,
    mime: str,
    size: int,
    statuses: tuple[str, ...],
    exclude: uuid.UUID | None = None,
) -> str | None:
    """The reason a file of this size would break a limit (counting items in `statuses`), or None."""
    configured = limits()
    if size > configured.max_size(mime):
        return rules.TOO_LARGE
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())  # serialises bytes per user
    if _count(case_id, party_id, statuses, exclude) + 1 > configured.files_per_case:
        return rules.TOO_MANY_FILES
    if _bytes(user_id, statuses, exclude) + size > configured.bytes_per_user:
        return rules.QUOTA_EXCEEDED
    return None


def _raise_limit(reason: str, mime: str) -> None:
    configured = limits()
    if reason == rules.TOO_LARGE:
        raise PayloadTooLarge(
            f"A {mime} file may be at most {configured.max_size(mime)} bytes.",
            reason=reason,
            errors={"size": [f"At most {configured.max_size(mime)} bytes."]},
        )
    if reason == rules.TOO_MANY_FILES:
        raise Conflict(f"A party may hold at most {configured.files_per_case} files in a case.", reason=reason)
    raise Conflict(f"You may hold at most {configured.bytes_per_user} bytes of evidence.", reason=reason)


def _count(case_id: uuid.UUID, party_id: uuid.UUID, statuses: tuple[str, ...], exclude: uuid.UUID | None) -> int:
    query = select(func.count()).where(
        EvidenceItem.case_id == case_id, EvidenceItem.party_id == party_id, EvidenceItem.status.in_(statuses)
    )
    if exclude is not None:
        query = query.where(EvidenceItem.id != exclude)
    return int(db.session.scalar(query) or 0)


def _bytes(user_id: uuid.UUID, statuses: tuple[str, ...], exclude: uuid.UUID | None) -> int:
    query = select(func.coalesce(func.sum(EvidenceItem.declared_size), 0)).where(
        EvidenceItem.uploaded_by_user_id == user_id, EvidenceItem.status.in_(statuses)
    )
    if exclude is not None:
        query = query.where(EvidenceItem.id != exclude)
    return int(db.session.scalar(query) or 0)


def _next_order(case_id: uuid.UUID, party_id: uuid.UUID) -> int:
    """The next number in the party's catalogue (the case row is locked, so numbers never collide)."""
    query = select(func.max(EvidenceItem.catalogue_order)).where(
        EvidenceItem.case_id == case_id, EvidenceItem.party_id == party_id
    )
    return int(db.session.scalar(query) or 0) + 1
