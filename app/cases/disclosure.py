"""Staff unmasking of a party's PII: a separate, audited act for the court's clerks and judges and the mediator.

Case detail masks other people's phone and ID numbers (services/case_queries.py). A clerk or judge of the
case's court, or the case's own mediator while it is a mediation, may ask for them in full, giving a reason.
Every disclosure is written to the hash-chained audit log (never to the case timeline, which parties read),
with who, which case and party, which fields and why - never the values themselves.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import access as case_access
from app.cases.models import Case, CaseParty
from app.errors import ValidationFailed
from app.extensions import db
from app.security import permissions, pii
from app.security.permissions import Principal

log = logging.getLogger(__name__)

ACTION = "pii.unmasked"
REASON_MIN, REASON_MAX = 4, 300
_SEPARATORS = re.compile(r"[\s\-()（）]")
_NUMBER_LIKE = re.compile(r"[0-9]{11,}")  # a mobile number (11 digits) or an ID number (15 or 17 + check)


def disclose_party(*, case_id: uuid.UUID, party_id: uuid.UUID, reason: str, actor: Principal) -> dict:
    """The party's name, full phone and full ID number, for a permitted caller, recorded in the audit log."""
    case = db.session.get(Case, case_id)
    role = _disclosing_role(actor, case) if case is not None else None
    if case is None or role is None:
        raise case_access.not_found()
    party = db.session.scalar(select(CaseParty).where(CaseParty.id == party_id, CaseParty.case_id == case.id))
    if party is None:
        raise case_access.not_found()
    cleaned = clean_reason(reason)
    phone = pii.decrypt(party.phone_enc, field=pii.PHONE) if party.phone_enc else None
    number = pii.decrypt(party.id_number_enc, field=pii.ID_NUMBER) if party.id_number_enc else None
    disclosed = ["name"] + [name for name, value in ((pii.PHONE, phone), (pii.ID_NUMBER, number)) if value]
    event = audit.record(
        ACTION,
        actor=actor,
        object_type="case_party",
        object_id=party.id,
        details={
            "case_id": str(case.id),
            "party_id": str(party.id),
            "as": role,
            "fields": disclosed,
            "reason": cleaned,
        },
    )
    disclosed_at = event.at  # read before the commit expires the row
    db.session.commit()
    log.info("party PII disclosed", extra={"case_id": str(case.id), "party_id": str(party.id), "role": role})
    return {"party_id": party.id, "name": party.name, "phone": phone, "id_number": number, "disclosed_at": disclosed_at}


def _disclosing_role(actor: Principal, case: Case) -> str | None:
    """'clerk' or 'judge' of the case's court, or 'mediator' of the case while it is a mediation; else None."""
    if not permissions.is_user(actor):
        return None  # a court's machine client never unmasks: a person answers for every disclosure
    if case.court_id is not None:
        for role in ("judge", "clerk"):
            if permissions.is_court_staff(actor, case.court_id, role):
                return role
    if (
        case.kind == "mediation"
        and case.mediator_user_id is not None
        and case.mediator_user_id == actor.user_id
        and case.org_id is not None
        and permissions.is_mediator_of(actor, case.org_id)  # removed from the organisation: no longer
    ):
        return "mediator"
    return None


def clean_reason(reason: object) -> str:
    """The trimmed reason (4 to 300 characters, no phone or ID number in it); 422 on `reason` otherwise."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise _bad_reason(f"Give a reason of {REASON_MIN} to {REASON_MAX} characters.")
    if _NUMBER_LIKE.search(_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))):
        raise _bad_reason("Do not write phone or ID numbers in the reason: it is kept in the audit log.")
    return text


def _bad_reason(message: str) -> ValidationFailed:
    return ValidationFailed(reason="pii.reason_invalid", errors={"reason": [message]})
