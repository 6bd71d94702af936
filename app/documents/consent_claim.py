"""Claiming one's place in a case with the code an SMS notice carried (a recipient who had no account on it).

The code shows which party; the login with the phone the SMS went to shows it is that party's phone (the
same proof as the 12368 claim). Wrong, used or expired codes, and codes sent to another phone, all answer 404.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.audit import log as audit
from app.cases import Case, CaseParty, timeline
from app.documents import consent_effects as effects
from app.documents import consent_text
from app.documents import outbox as delivery_outbox
from app.documents.consent_models import ServiceClaim
from app.documents.consent_notice import hash_code, normalize_code
from app.errors import NotFound
from app.extensions import db
from app.i18n import message
from app.identity import User
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock


def claim_not_found() -> NotFound:
    """The one answer for a wrong, expired or used code, and for a code sent to another phone."""
    return NotFound("No document waits for you with this code and your phone number.", reason="service_claim.not_found")


def claim(*, code: str, actor: Principal) -> dict:
    """Become the party the code was sent to: the caller's phone must be that party's (wrong, used, expired: 404)."""
    if not permissions.is_user(actor):
        raise claim_not_found()
    found, party = _claimable(code, actor)
    now = clock.now()
    won = db.session.execute(
        update(ServiceClaim)
        .where(ServiceClaim.id == found.id, ServiceClaim.claimed_at.is_(None))
        .values(claimed_at=now, claimed_by_user_id=actor.user_id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; typed as Result
    if not won:
        db.session.rollback()
        raise claim_not_found()
    first = party.user_id is None
    party.user_id, party.joined_at = actor.user_id, party.joined_at or now
    case = db.session.get_one(Case, party.case_id)
    if first:
        timeline.record(
            case,
            "case.party_joined",
            actor=actor,
            actor_role="party",
            summary=message("%(name)s joined the case with the code sent with a court document", name=party.name),
            data={"party_id": str(party.id), "claim_id": str(found.id)},
        )
    audit.record("service_claim.claimed", actor=actor, object_type="case_party", object_id=party.id)
    effects.deliver_waiting(party)  # only if they already consented for all their cases
    delivery_outbox.commit()
    return {
        "case_id": case.id,
        "party_id": party.id,
        "role": party.role,
        "case_title": case.title,
        "waiting_documents": effects.held_count(party.id),
        "consent_text": consent_text.current(),
    }


def _claimable(code: str, actor: Principal) -> tuple[ServiceClaim, CaseParty]:
    normalized = normalize_code(code)
    found = None
    if normalized is not None:
        query = select(ServiceClaim).where(ServiceClaim.code_hash == hash_code(normalized))
        found = db.session.scalar(query.with_for_update())
    party = db.session.get(CaseParty, found.party_id) if found is not None else None
    user = db.session.get(User, actor.user_id)
    usable = (
        found is not None
        and party is not None
        and found.claimed_at is None
        and found.expires_at > clock.now()
        and user is not None
        and user.phone_index is not None
        and user.phone_index == party.phone_index
        and party.user_id in (None, user.id)
    )
    if not usable or found is None or party is None:
        object_id = found.id if found is not None else None
        audit.record_now("service_claim.failed", actor=actor, object_type="service_claim", object_id=object_id)
        raise claim_not_found()
    return found, party
