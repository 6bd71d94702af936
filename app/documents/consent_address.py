"""The service address in use for notices, and the one-time code that proves an e-mail address reaches its owner.

A party's notices (a document arrived, a reminder) go to the address of their consent in force:
- `phone`, confirmed (given by the party themselves, or read back by a clerk) -> SMS to that number;
- `email`, verified (the code sent to it was entered back) -> an e-mail;
- the mini-program inbox, or an address not (yet) confirmed -> the account's own channels (WeChat, else SMS).
The address is read when each notice is written, so a change or withdrawal counts from the next notice on;
what was sent stays on the document's evidence chain with the (masked) address it went to.

An e-mail named in a consent act gets a 6-digit code by e-mail (valid EMAIL_CODE_TTL_MINUTES, 5 tries); an
address the same person or party verified before needs no new code. Nothing here commits but `confirm_*`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, or_, select, update

from app import i18n
from app.cases import CaseConsent, CaseParty
from app.documents import consent_records as records
from app.documents.consent_models import ServiceAddressCode, ServiceConsentAct
from app.errors import Conflict, RateLimited, ValidationFailed
from app.extensions import db
from app.notifications import email_outbox
from app.platform import settings
from app.security import otp, pii
from app.utils import clock

MAX_TRIES = 5
MAX_CODES_PER_HOUR = 5  # codes mailed to one address in an hour (so the route cannot flood someone's inbox)
PENDING_KEY = "service_address_codes"


def _hash(row_id: uuid.UUID, code: str) -> str:
    return pii.blind_index(f"{row_id}:{code}", field="service_address_code")


def check_available(kind: str) -> None:
    """409 when an e-mail address is named but no e-mail can be sent (production without an SMTP host)."""
    if kind == "email" and not email_outbox.available():
        raise Conflict(
            "E-mail is not available on this platform: choose the mini-program inbox or a phone number.",
            reason="service_consent.email_unavailable",
        )


def start(act: ServiceConsentAct, value: str | None, *, party: CaseParty | None, user_id: uuid.UUID | None) -> None:
    """After an act naming an e-mail: mark it verified if it was before, else send a code (after the commit)."""
    if act.address_kind != "email" or not value:
        return
    db.session.flush()
    index = email_outbox.index(value)
    party_id = party.id if party else None
    row = ServiceAddressCode(
        act_id=act.id,
        user_id=user_id,
        party_id=party_id,
        scope=act.scope,
        address_index=index,
        expires_at=clock.now() + dt.timedelta(minutes=settings.notifications().email_code_ttl_minutes),
    )
    _close_pending(party_id=party_id, user_id=user_id if party is None else None)
    db.session.add(row)
    if is_verified(value, user_id=user_id, party_id=party_id):
        row.verified_at = clock.now()
        return
    _throttle(index)
    db.session.flush()
    code = otp.new_code()
    row.code_hash = _hash(row.id, code)
    minutes = str(settings.notifications().email_code_ttl_minutes)
    language = i18n.user_language(str(user_id) if user_id else None)  # the person confirming it: their language
    params = {"code": code, "minutes": minutes}
    message = email_outbox.queue(to=value, template="service_address_code", params=params, language=language)
    row.email_message_id = message.id
    db.session.info.setdefault(PENDING_KEY, []).append(message.id)


def _throttle(index: str) -> None:
    """429 when this address got MAX_CODES_PER_HOUR codes in the last hour (nothing of the act is kept)."""
    since = clock.now() - dt.timedelta(hours=1)
    query = select(func.count()).where(
        ServiceAddressCode.address_index == index,
        ServiceAddressCode.email_message_id.is_not(None),
        ServiceAddressCode.created_at >= since,
    )
    if (db.session.scalar(query) or 0) >= MAX_CODES_PER_HOUR:
        raise RateLimited(
            "Too many confirmation codes were sent to this address; try again later.",
            reason="service_consent.too_many_codes",
            retry_after=3600,
        )


def send_pending() -> None:
    """After the commit: send the codes this transaction queued (the e-mail sweep covers a lost job)."""
    for message_id in db.session.info.pop(PENDING_KEY, []):
        email_outbox.dispatch(message_id)


def _close_pending(*, party_id: uuid.UUID | None, user_id: uuid.UUID | None) -> None:
    """A new address replaces the code of the one before (for this party, or the person's all-cases consent)."""
    owner = ServiceAddressCode.party_id == party_id if party_id else ServiceAddressCode.user_id == user_id
    scope = ServiceAddressCode.scope == ("case" if party_id else "all_cases")
    db.session.execute(
        update(ServiceAddressCode)
        .where(owner, scope, ServiceAddressCode.verified_at.is_(None), ServiceAddressCode.closed_at.is_(None))
        .values(closed_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def is_verified(value: str, *, user_id: uuid.UUID | None, party_id: uuid.UUID | None) -> bool:
    """The person (or the party) entered a code sent to this address before."""
    owners = [ServiceAddressCode.user_id == user_id] if user_id else []
    owners += [ServiceAddressCode.party_id == party_id] if party_id else []
    if not owners:
        return False
    query = select(ServiceAddressCode.id).where(
        ServiceAddressCode.address_index == email_outbox.index(value),
        ServiceAddressCode.verified_at.is_not(None),
        or_(*owners),
    )
    return db.session.scalar(query.limit(1)) is not None


def pending(*, party_id: uuid.UUID | None, user_id: uuid.UUID | None) -> ServiceAddressCode | None:
    """The open code of a party (case scope) or of a person's all-cases consent."""
    owner = ServiceAddressCode.party_id == party_id if party_id else ServiceAddressCode.user_id == user_id
    query = (
        select(ServiceAddressCode)
        .where(owner, ServiceAddressCode.scope == ("case" if party_id else "all_cases"))
        .where(ServiceAddressCode.verified_at.is_(None), ServiceAddressCode.closed_at.is_(None))
        .order_by(ServiceAddressCode.created_at.desc())
    )
    return db.session.scalars(query.limit(1).with_for_update()).first()


def check_code(row: ServiceAddressCode | None, code: str) -> ServiceAddressCode:
    """Verify the row with the code (the caller commits); 409 without an open code, 422 for a wrong one."""
    now = clock.now()
    if row is None or row.code_hash is None or row.expires_at <= now:
        raise Conflict(
            "No confirmation code is waiting: give or change the e-mail address again for a new one.",
            reason="service_consent.no_code_pending",
        )
    if _hash(row.id, code.strip()) != row.code_hash:
        row.attempts += 1
        if row.attempts >= MAX_TRIES:
            row.closed_at = now
        db.session.commit()
        raise ValidationFailed(
            "The confirmation code is wrong.", reason="service_consent.code_invalid", errors={"code": ["invalid"]}
        )
    row.verified_at = now
    return row


def notice_address(party: CaseParty, *, latest: CaseConsent | None = None) -> tuple[str, str] | None:
    """Where the party's notices go: `("phone", "+86...")`, `("email", "...")`, or None (the account's channels).

    `latest`: the party's newest consent row when the caller has just read it in this transaction (routing).
    """
    if any(isinstance(pending, ServiceConsentAct) for pending in db.session.new):
        db.session.flush()  # an act just recorded (a consent carried into the case) names the address
    row = latest if latest is not None else records.latest(party)
    if not records.is_given(row) or not row.address_confirmed:
        return None
    act = records.last_address(party)
    kind, enc = (act.address_kind, act.address_enc) if act else (None, None)
    if act is not None and act.scope == "all_cases" and enc is None:  # carried from the consent for all cases
        standing = records.standing_of(party.user_id)
        kind, enc = (standing.address_kind, standing.address_enc) if standing and standing.given else (None, None)
    if kind not in ("phone", "email") or enc is None:
        return None
    value = pii.decrypt(enc, field="service_address")
    if kind == "email" and not is_verified(value, user_id=party.user_id, party_id=party.id):
        return None
    return kind, value


def verification(kind: str | None, enc: str | None, *, user_id: uuid.UUID | None, party_id: uuid.UUID | None) -> str:
    """How an address stands: `verified` / `pending` for an e-mail, `not_needed` for the inbox or a phone."""
    if kind != "email" or enc is None:
        return "not_needed"
    value = pii.decrypt(enc, field="service_address")
    return "verified" if is_verified(value, user_id=user_id, party_id=party_id) else "pending"
