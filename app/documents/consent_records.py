"""Writing e-service consent: the effective `CaseConsent` row, the proof of each act, and the account-wide consent.

The latest act wins: a party's newest `CaseConsent` row (kind `e_service`) is their consent in that case, and a
consent for all cases given after it applies to the case too (it is written into the case the first time
delivery looks, `carry_standing`). Nothing here commits.
"""

from __future__ import annotations

import re
import uuid
from typing import TypeGuard

from sqlalchemy import select

from app.cases import Case, CaseConsent, CaseParty, timeline
from app.documents import consent_text, recipient_facts
from app.documents.consent_models import ServiceConsentAct, StandingServiceConsent
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import message
from app.security import pii
from app.security.permissions import Principal
from app.utils import clock

STANDING_METHOD = "standing_consent"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def latest(party: CaseParty) -> CaseConsent | None:
    """The party's newest e-service consent row in its case (given, refused or withdrawn)."""
    if (facts := recipient_facts.of(party.id)) is not None:
        return facts.latest
    query = (
        select(CaseConsent)
        .where(CaseConsent.case_id == party.case_id, CaseConsent.party_id == party.id, CaseConsent.kind == "e_service")
        .order_by(CaseConsent.given_at.desc(), CaseConsent.id.desc())
    )
    return db.session.scalars(query.limit(1)).first()


def is_given(row: CaseConsent | None) -> TypeGuard[CaseConsent]:
    """The row is a consent in force (given and not withdrawn)."""
    return row is not None and row.given and row.withdrawn_at is None


def standing_of(user_id: uuid.UUID | None) -> StandingServiceConsent | None:
    """The person's consent for all their cases, if they ever gave one (it may be withdrawn)."""
    if user_id is None:
        return None
    read, standing = recipient_facts.standing_of(user_id)
    if read:
        return standing
    return db.session.scalar(select(StandingServiceConsent).where(StandingServiceConsent.user_id == user_id))


def clean_address(kind: str, value: str | None) -> str | None:
    """The phone (normalised) or e-mail to keep; the inbox needs none. 422 when the value does not fit the kind."""
    if kind == "mini_program":
        return None
    if kind == "phone":
        return pii.normalize_phone(value)
    if value is None or not _EMAIL.match(value.strip()):
        raise ValidationFailed(
            "The e-mail address is invalid.", reason="service_consent.address_invalid", errors={"address": ["invalid"]}
        )
    return value.strip()


def masked(kind: str | None, address_enc: str | None) -> str:
    """An address as shown back: the inbox, or the phone / e-mail masked."""
    if kind in (None, "mini_program") or address_enc is None:
        return consent_text.INBOX_ADDRESS
    value = pii.decrypt(address_enc, field="service_address")
    if kind == "phone":
        return pii.mask_phone(value) or ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def write_case_consent(
    party: CaseParty, *, given: bool, method: str, recorded_by: uuid.UUID | None, confirmed: bool = True
) -> CaseConsent:
    """Add the party's new effective row (documents are served into the inbox, so that is the address)."""
    row = CaseConsent(
        case_id=party.case_id,
        party_id=party.id,
        kind="e_service",
        given=given,
        address=consent_text.INBOX_ADDRESS if given else None,
        address_confirmed=given and confirmed,
        method=method,
        recorded_by=recorded_by,
        given_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def record_act(
    action: str,
    *,
    scope: str,
    actor: Principal | None,
    actor_role: str,
    method: str,
    party: CaseParty | None = None,
    user_id: uuid.UUID | None = None,
    address: tuple[str, str | None] | None = None,
    text: tuple[str, str] | None = None,
    note: str | None = None,
    row: CaseConsent | None = None,
) -> ServiceConsentAct:
    """Keep the proof of one act: when, who, how, the address (encrypted) and the text agreed to."""
    kind, value = address if address is not None else (None, None)
    act = ServiceConsentAct(
        at=clock.now(),
        action=action,
        scope=scope,
        case_id=party.case_id if party else None,
        party_id=party.id if party else None,
        user_id=user_id if user_id is not None else (party.user_id if party else None),
        actor_user_id=actor.user_id if actor else None,
        actor_role=actor_role,
        method=method,
        address_kind=kind,
        address_enc=pii.encrypt(value, field="service_address") if value else None,
        text_version=text[0] if text else None,
        text_sha256=text[1] if text else None,
        note=note,
        case_consent_id=row.id if row else None,
    )
    db.session.add(act)
    return act


def last_address(party: CaseParty) -> ServiceConsentAct | None:
    """The party's newest act naming an address in this case (a give or a change of address)."""
    if (facts := recipient_facts.of(party.id)) is not None:
        return facts.last_address
    query = (
        select(ServiceConsentAct)
        .where(ServiceConsentAct.party_id == party.id, ServiceConsentAct.address_kind.is_not(None))
        .order_by(ServiceConsentAct.at.desc(), ServiceConsentAct.id.desc())
    )
    return db.session.scalars(query.limit(1)).first()


def carry_standing(party: CaseParty) -> CaseConsent | None:
    """Write the bound user's consent for all cases into this case when it is newer than the case's own row."""
    standing = standing_of(party.user_id)
    if standing is None or not standing.given:
        return None
    current = latest(party)
    # already carried, or the case's own act is newer (a tie counts for the standing consent: clocks can be frozen)
    if current is not None and (current.method == STANDING_METHOD or current.given_at > standing.given_at):
        return None
    row = write_case_consent(party, given=True, method=STANDING_METHOD, recorded_by=party.user_id)
    record_act(
        "give",
        scope="all_cases",
        actor=None,
        actor_role="system",
        method=STANDING_METHOD,
        party=party,
        address=(standing.address_kind, None),
        text=(standing.text_version, standing.text_sha256),
        row=row,
    )
    timeline.record(
        db.session.get_one(Case, party.case_id),
        "consent.e_service_given",
        actor=None,
        actor_role="system",
        summary=message("%(name)s: e-service consent for all their cases applies to this case", name=party.name),
        data={"party_id": str(party.id), "scope": "all_cases", "method": STANDING_METHOD},
    )
    return row
