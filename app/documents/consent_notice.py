"""Telling a recipient a document waits for their consent (电子送达提示), and letting a newcomer claim their place.

When a document is held for want of consent, address or account, the recipient is told: a party with an
account gets a notification (WeChat, else SMS) that opens the consent page; a party without one gets an SMS
with a one-time code (never their name or ID number). Logged in with the phone the SMS went to, they enter the
code (`consent_claim`), become the party's user in the case, and then consent (`consent.give`), which
delivers what waits.
The notice is not service: the document is served only once it is delivered under a consent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app import i18n
from app.cases import Case, CaseParty, timeline
from app.documents import outbox as delivery_outbox
from app.documents.consent_models import ServiceClaim
from app.documents.models import ServedDocument
from app.extensions import db
from app.identity import Court
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds
from app.security import pii
from app.sms import outbox as sms_outbox
from app.utils import clock
from app.utils.ids import random_string

KIND = "service_consent_requested"
CODE_ALPHABET = "ABCDEFGHJKLMNPRSTVWXYZ23456789"
CODE_LENGTH = 8
CLAIM_VALID = dt.timedelta(days=30)
RESEND_AFTER = dt.timedelta(days=1)
ASKING = ("no_e_service_consent", "address_not_confirmed", "recipient_not_registered")


def hash_code(code: str) -> str:
    """Keyed hash of a claim code (the code itself is never stored)."""
    return pii.blind_index(code, field="service_claim")


def normalize_code(raw: str) -> str | None:
    """Upper case without spaces or hyphens; None when it cannot be a code we issued."""
    text = "".join(ch for ch in (raw or "").upper() if ch not in " -")
    return text if len(text) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in text) else None


def invite(document: ServedDocument, case: Case, party: CaseParty, reason: str) -> None:
    """Ask the recipient of a held document to consent (the caller commits; the message leaves after)."""
    if reason not in ASKING:
        return
    court = db.session.get(Court, document.court_id)
    court_name = _short(court.name if court else "人民法院")
    if party.user_id is not None:
        data = {"case_id": str(case.id), "court": court_name, "title": document.title, "at": clock.now().isoformat()}
        note = notifications.notify(
            user_id=party.user_id, kind=KIND, data=data, subject=("served_document", document.id)
        )
        delivery_outbox.remember_notifications([note.id])
        how = i18n.message("a notification asking them to consent")
    elif party.phone_enc and _recently_sent(party):
        how = i18n.message("no new SMS: the claim code sent earlier today is still valid and covers this document too")
    elif party.phone_enc:
        code = _new_claim(document, party)
        phone = pii.decrypt(party.phone_enc, field="phone")
        message = sms_outbox.queue(phone=phone, template="service_claim", params={"court": court_name, "code": code})
        delivery_outbox.remember_sms([message.id])
        how = i18n.message("an SMS with a claim code to %(phone)s", phone=pii.mask_phone(phone))
    else:
        return  # no way to reach them: the clerk's work item asks for another method
    timeline.record(
        case,
        "document.consent_requested",
        actor=None,
        actor_role="system",
        summary=i18n.message(
            "《%(title)s》 waits for %(name)s: sent %(how)s", title=document.title, name=party.name, how=how
        ),
        data={"document_id": str(document.id), "party_id": str(party.id)},
    )


def _recently_sent(party: CaseParty) -> bool:
    """A code sent to this party in the last day and still unused: one SMS, not one per document of a batch."""
    since = clock.now() - RESEND_AFTER
    query = select(ServiceClaim.id).where(
        ServiceClaim.party_id == party.id, ServiceClaim.claimed_at.is_(None), ServiceClaim.created_at > since
    )
    return db.session.scalars(query.limit(1)).first() is not None


def _new_claim(document: ServedDocument, party: CaseParty) -> str:
    for _ in range(5):  # 30^8 codes: a collision is all but impossible, but cheap to rule out
        code = random_string(CODE_ALPHABET, CODE_LENGTH)
        digest = hash_code(code)
        if db.session.scalar(select(ServiceClaim.id).where(ServiceClaim.code_hash == digest)) is None:
            db.session.add(
                ServiceClaim(
                    case_id=party.case_id,
                    party_id=party.id,
                    document_id=document.id,
                    code_hash=digest,
                    expires_at=clock.now() + CLAIM_VALID,
                )
            )
            return code
    raise RuntimeError("could not draw a fresh claim code")


def _short(value: str, limit: int = 20) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


notification_kinds.register(
    notification_kinds.Kind(
        name=KIND,
        sms_template="service_consent_request",
        sms_params=lambda data: {"court": data["court"]},
        wechat_data=lambda data: {
            "thing1": data["title"],
            "thing2": data["court"],
            "time3": dt.datetime.fromisoformat(data["at"]),
        },
        page=lambda data: f"pages/service-consent/index?case_id={data['case_id']}",
    )
)
