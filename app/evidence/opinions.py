"""Cross-examination (质证): another party's opinion on authenticity, legality and relevance of an item."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import timeline
from app.errors import Conflict, Forbidden, ValidationFailed
from app.evidence import access as evidence_access
from app.evidence.models import EvidenceOpinion
from app.extensions import db
from app.i18n import label, message
from app.security import permissions
from app.security.permissions import CaseFacts, Principal

ASPECTS = ("authenticity", "legality", "relevance")


def record_opinion(*, evidence_id: uuid.UUID, data: dict, actor: Principal) -> EvidenceOpinion:
    """Record the opinion of a party other than the item's owner (one per party; a retry is a 409)."""
    item, case, facts = evidence_access.load(evidence_id, actor=actor, lock=True)
    if not permissions.may_cross_examine(actor, facts, item.party_id):
        raise Forbidden(
            "Opinions on evidence come from the other parties or their lawyers.", reason="evidence.not_other_party"
        )
    evidence_access.ensure_open(case)
    party_id = _speaking_for(actor, facts, item.party_id, data.get("party_id"))
    given = select(EvidenceOpinion.id).where(
        EvidenceOpinion.evidence_id == item.id, EvidenceOpinion.party_id == party_id
    )
    if db.session.scalar(given) is not None:
        raise _already()
    if not data.get("comment") and any(data[aspect] != "admitted" for aspect in ASPECTS):
        raise ValidationFailed(errors={"comment": ["Give your reasons when you do not admit every aspect."]})
    opinion = EvidenceOpinion(
        evidence_id=item.id,
        case_id=case.id,
        party_id=party_id,
        author_user_id=actor.user_id,
        comment=data.get("comment") or None,
        **{aspect: data[aspect] for aspect in ASPECTS},
    )
    db.session.add(opinion)
    role = evidence_access.actor_role(actor, facts)
    evidence_access.custody(item, "opinion", actor=actor, role=role, data={"party_id": str(party_id)})
    timeline.record(
        case,
        "evidence.opinion",
        actor=actor,
        actor_role=role,
        summary=message(
            "opinion on %(title)s: authenticity %(authenticity)s, legality %(legality)s, relevance %(relevance)s",
            title=item.title,
            **{aspect: label("opinion", data[aspect]) for aspect in ASPECTS},
        ),
        data={"evidence_id": str(item.id), "party_id": str(party_id)},
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _already() from None
    return opinion


def _speaking_for(actor: Principal, facts: CaseFacts, owner: uuid.UUID, wanted: uuid.UUID | None) -> uuid.UUID:
    """The party whose opinion this is: the one other party the caller acts for, or the one they name."""
    others = permissions.parties_of(actor, facts) - {owner}
    if wanted is not None:
        if wanted not in others:
            raise ValidationFailed(errors={"party_id": ["You do not act for this party, or it owns the evidence."]})
        return wanted
    if len(others) > 1:
        raise ValidationFailed(errors={"party_id": ["You act for several parties: name the one this is for."]})
    return next(iter(others))


def _already() -> Conflict:
    return Conflict("This party has already given its opinion on this item.", reason="evidence.opinion_exists")
