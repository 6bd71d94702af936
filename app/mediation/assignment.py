"""Giving a case to a mediator: recommendations, a party's choice or an org admin's assignment, the answer."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.cases import Case, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.i18n import message
from app.identity import Court, MediationOrganization, MediationOrgCourt
from app.mediation import case_facts
from app.mediation import deadlines as mediation_deadlines
from app.mediation import directory as mediation_directory
from app.mediation.models import MediatorAssignment, MediatorProfile
from app.platform import pending_rows
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock
from app.utils.ids import new_id

OPEN_FOR_ASSIGNMENT = ("submitted", "assigned")
RECOMMENDED = 3
SPECIALTY_POINTS, REGION_POINTS, NEARBY_POINTS, LOAD_POINTS = 50, 30, 15, 20


@dataclasses.dataclass(frozen=True)
class Candidate:
    """What the scoring needs to know about one mediator."""

    profile_id: uuid.UUID
    specialties: tuple[str, ...]
    region: str
    active_load: int
    max_load: int


def score(candidate: Candidate, *, category: str, region: str | None) -> dict[str, float]:
    """Points for specialty, region and spare capacity (documented in docs/mediation.md)."""
    specialty = SPECIALTY_POINTS if category in candidate.specialties else 0
    if region and candidate.region == region:
        near = REGION_POINTS
    elif region and (candidate.region.startswith(region) or region.startswith(candidate.region)):
        near = NEARBY_POINTS
    else:
        near = 0
    spare = max(candidate.max_load - candidate.active_load, 0) / candidate.max_load if candidate.max_load else 0
    load = round(LOAD_POINTS * spare, 2)
    return {"specialty": specialty, "region": near, "load": load, "total": round(specialty + near + load, 2)}


def rank(candidates: list[Candidate], *, category: str, region: str | None) -> list[tuple[Candidate, dict]]:
    """Best first: total score, then the lighter load, then the earlier profile; full ones are left out."""
    scored = [(c, score(c, category=category, region=region)) for c in candidates if c.active_load < c.max_load]
    return sorted(scored, key=lambda item: (-item[1]["total"], item[0].active_load, item[0].profile_id))


def _require_mediation(case: Case, *states: str) -> None:
    if case.kind != "mediation" or case.status not in states:
        raise Conflict(
            f"A {case.kind} case in state '{case.status}' cannot take a mediator now.",
            reason="mediation.not_open_for_assignment",
            errors={"status": [case.status]},
        )


def case_region(case: Case) -> str | None:
    """Where the dispute is: the court's region, else the organisation's."""
    if case.court_id is not None:
        return db.session.get_one(Court, case.court_id).region  # a foreign key: the court exists
    org = db.session.get(MediationOrganization, case.org_id) if case.org_id else None
    return org.region if org else None


def _eligible_query(*, of_court: bool) -> Select[MediatorProfile]:
    """Listed, accepting mediators who have not declined the case `case_id`: of the organisation `org_id`, or
    (`of_court`) of the active organisations linked to the court `court_id` (built once, issue 18)."""
    declined = select(MediatorAssignment.profile_id).where(
        MediatorAssignment.case_id == bindparam("case_id"), MediatorAssignment.status == "declined"
    )
    if of_court:
        linked = (
            select(MediationOrgCourt.org_id)
            .join(MediationOrganization, MediationOrganization.id == MediationOrgCourt.org_id)
            .where(MediationOrgCourt.court_id == bindparam("court_id"), MediationOrganization.active.is_(True))
        )
        venue: ColumnElement[bool] = MediatorProfile.org_id.in_(linked)
    else:
        venue = MediatorProfile.org_id == bindparam("org_id")
    return mediation_directory.listed_mediators().where(
        venue, MediatorProfile.accepting.is_(True), MediatorProfile.id.not_in(declined)
    )


_ELIGIBLE = {of_court: _eligible_query(of_court=of_court) for of_court in (False, True)}
# The chosen mediator if eligible, with their active load, the case's pending offers and those of them made to
# this mediator (to supersede, and to leave out of the load once superseded).
_PENDING = select(func.count()).where(
    MediatorAssignment.case_id == bindparam("case_id"), MediatorAssignment.status == "pending"
)
_CHOSEN = {
    of_court: query.add_columns(
        mediation_directory.PROFILE_LOAD,
        _PENDING.scalar_subquery(),
        _PENDING.where(MediatorAssignment.mediator_user_id == MediatorProfile.user_id).scalar_subquery(),
    ).where(MediatorProfile.id == bindparam("profile_id"))
    for of_court, query in _ELIGIBLE.items()
}
# Core statements on the table (not the ORM's bulk UPDATE/INSERT: less Python per call, issue 18); the session
# never holds these offers, or is told what was written (set_committed_value).
_OFFERS = cast(Table, MediatorAssignment.__table__)
_SUPERSEDE = (
    update(_OFFERS)
    .where(_OFFERS.c.case_id == bindparam("offered_case_id"), _OFFERS.c.status == "pending")
    .values(status="superseded", responded_at=bindparam("superseded_at"))
)


def _eligible_params(case: Case) -> tuple[bool, dict] | None:
    """Which eligibility statement applies to the case and its parameters; None when no organisation can."""
    if case.org_id is not None:
        return False, {"case_id": case.id, "org_id": case.org_id}
    if case.court_id is None:
        return None
    return True, {"case_id": case.id, "court_id": case.court_id}


def eligible_profiles(case: Case) -> list[MediatorProfile]:
    """Listed, accepting mediators of the candidate organisations who have not declined this case."""
    which = _eligible_params(case)
    return [] if which is None else list(db.session.scalars(_ELIGIBLE[which[0]], which[1]))


def _ranked(case: Case) -> list[tuple[MediatorProfile, dict, int]]:
    profiles = {p.id: p for p in eligible_profiles(case)}
    loads = mediation_directory.active_loads(p.user_id for p in profiles.values())
    candidates = [
        Candidate(p.id, tuple(p.specialties or ()), p.region, loads.get(p.user_id, 0), p.max_load)
        for p in profiles.values()
    ]
    ranked = rank(candidates, category=case.category, region=case_region(case))
    return [(profiles[c.profile_id], points, c.active_load) for c, points in ranked]


def recommendations(*, case_id: uuid.UUID, actor: Principal) -> list[dict]:
    """The three best mediators for the case, with their score broken down."""
    case, _facts = case_access.load(case_id, actor=actor)
    _require_mediation(case, *OPEN_FOR_ASSIGNMENT)
    return [
        {**mediation_directory.mediator_view(profile, load), "score": points}
        for profile, points, load in _ranked(case)[:RECOMMENDED]
    ]


def _assigner_role(actor: Principal, facts: CaseFacts) -> str:
    """'party' (a party or their lawyer) or 'org_admin' (the case's organisation); 403 for other readers."""
    if permissions.parties_of(actor, facts):
        return "party"
    if facts.org_id is not None and permissions.is_org_admin(actor, facts.org_id):
        return "org_admin"
    raise Forbidden(
        "Only a party of the case or the organisation's admin chooses the mediator.", reason="mediation.not_assigner"
    )


def choose(*, case_id: uuid.UUID, mediator_id: uuid.UUID, actor: Principal) -> dict:
    """A party chooses, or the org admin assigns, a mediator; the case becomes assigned and the offer pending."""
    case, facts = case_facts.load(case_id, actor=actor, lock=True)
    via = _assigner_role(actor, facts)
    _require_mediation(case, *OPEN_FOR_ASSIGNMENT)
    which = _eligible_params(case)
    row = None if which is None else db.session.execute(_CHOSEN[which[0]], {**which[1], "profile_id": mediator_id})
    chosen = None if row is None else row.first()
    if chosen is None or chosen[1] >= chosen[0].max_load:
        raise ValidationFailed(errors={"mediator_id": ["No such mediator is available for this case."]})
    profile, load, pending, pending_to_them = chosen
    if pending:  # the case's open offer is superseded by this one
        db.session.execute(_SUPERSEDE, {"offered_case_id": case.id, "superseded_at": clock.now()})
    now = clock.now()
    values = {
        "id": new_id(),
        "created_at": now,
        "updated_at": now,
        "case_id": case.id,
        "profile_id": profile.id,
        "org_id": profile.org_id,
        "mediator_user_id": profile.user_id,
        "status": "pending",
        "assigned_via": via,
        "assigned_by": actor.user_id,
    }
    # The offer's row with Core (issue 18), queued with the timeline entry: on PostgreSQL both go out as one statement
    # after the case's UPDATE (app/platform/pending_rows.py). The unique index on the case's pending offer still
    # decides races, at that flush: `_commit` answers its IntegrityError as the INSERT's own answered it.
    pending_rows.add(db.session(), _INSERT_OFFER, pending_rows.Values(values), owner=case)
    # The row as written, for the answer: a plain object the session does not track (nothing reads it back).
    assignment = MediatorAssignment(**values)
    case.org_id = case.org_id or profile.org_id  # a court's dispute now sits with the mediator's organisation
    summary = f"Mediator offered: {profile.display_name}"
    if case.status == "submitted":
        case_lifecycle.transition(
            case, "assigned", actor=actor, actor_role=via, reason=summary, event="mediation.assigned"
        )
    else:
        words = message("Mediator offered: %(name)s", name=profile.display_name)
        timeline.record(case, "mediation.mediator_offered", actor=actor, actor_role=via, summary=words)
    # the mediator's load once this lands: this case's earlier offers to them are superseded, the new one counts
    load += (1 if case.status in mediation_directory.OFFER_STATES else 0) - pending_to_them
    return _commit(_CHOSEN_MEANWHILE, lambda: assignment_view(assignment, profile, load=load))


_CHOSEN_MEANWHILE = "Another mediator was offered the case at the same time; reload and try again."
_INSERT_OFFER = insert(_OFFERS)


def _commit(message: str, answer: Callable[[], dict]) -> dict:
    """Flush, build the answer from the objects in hand (nothing is read again after the COMMIT), commit."""
    try:
        db.session.flush()
        view = answer()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message, reason="mediation.assignment_conflict") from None
    return view


def assignment_view(
    assignment: MediatorAssignment, profile: MediatorProfile | None = None, *, load: int | None = None
) -> dict:
    """An offer or assignment, with the mediation clock once accepted (`load`: the mediator's, when known)."""
    if profile is None or load is None:  # the profile and its load in one statement
        profile, load = db.session.execute(_PROFILE_WITH_LOAD, {"profile_id": assignment.profile_id}).one()
    return {
        "id": assignment.id,
        "case_id": assignment.case_id,
        "status": assignment.status,
        "assigned_via": assignment.assigned_via,
        "assigned_at": assignment.created_at,
        "responded_at": assignment.responded_at,
        "decline_reason": assignment.decline_reason,
        "mediator": mediation_directory.mediator_view(profile, load),
        "accepted_at": assignment.accepted_at,
        "mediation_due_at": assignment.due_at,
        "mediation_warn_at": assignment.warn_at,
    }


_PROFILE_WITH_LOAD = select(MediatorProfile, mediation_directory.PROFILE_LOAD).where(
    MediatorProfile.id == bindparam("profile_id")
)  # a foreign key: one row
_CASE_FOR_UPDATE = select(Case).where(Case.id == bindparam("case_id")).with_for_update()
# The caller's pending offer of the case, with its mediator's profile and active load (read after the case's lock).
_OFFER = (
    select(MediatorAssignment, MediatorProfile, mediation_directory.PROFILE_LOAD)
    .join(MediatorProfile, MediatorProfile.id == MediatorAssignment.profile_id)
    .where(
        MediatorAssignment.case_id == bindparam("case_id"),
        MediatorAssignment.status == "pending",
        MediatorAssignment.mediator_user_id == bindparam("user_id"),
    )
)


# The case locked with the caller's pending offer, its mediator's profile and active load (NULLs when the caller
# has none; at most one offer of a case is pending); the load correlated to the profile only (built once).
_CASE_WITH_OFFER = (
    select(
        Case,
        MediatorAssignment,
        MediatorProfile,
        mediation_directory.active_load_of(MediatorProfile.user_id).correlate(MediatorProfile),
    )
    .outerjoin(
        MediatorAssignment,
        and_(
            MediatorAssignment.case_id == Case.id,
            MediatorAssignment.status == "pending",
            MediatorAssignment.mediator_user_id == bindparam("user_id"),
        ),
    )
    .outerjoin(MediatorProfile, MediatorProfile.id == MediatorAssignment.profile_id)
    .where(Case.id == bindparam("case_id"))
    .with_for_update(of=Case)
)


def _offer_for(case_id: uuid.UUID, actor: Principal) -> tuple[Case, MediatorAssignment, MediatorProfile, int]:
    """The case and the caller's pending offer, with the profile and the load it was offered to (404 to
    strangers, 403 to other readers, 409 when answered)."""
    case = db.session.scalar(_CASE_FOR_UPDATE, {"case_id": case_id})
    if case is None or not permissions.is_user(actor):
        raise case_access.not_found()
    row = db.session.execute(_OFFER, {"case_id": case.id, "user_id": actor.user_id}).first()
    if row is not None and permissions.is_mediator_of(actor, row[0].org_id):
        return case, row[0], row[1], row[2]
    raise _refusal(case, actor)


def _offer_with_case(case_id: uuid.UUID, actor: Principal) -> tuple[Case, MediatorAssignment, MediatorProfile, int]:
    """`_offer_for`'s answer in one statement: the case locked with the caller's pending offer, its profile and
    load outer-joined. The offer then comes from the statement's snapshot, taken before any wait for the lock:
    the caller takes it with a conditional UPDATE (`_ANSWER_OFFER`: still pending) and, if it was answered
    meanwhile, refuses as `_offer_for` would have (`_refusal`)."""
    row = db.session.execute(_CASE_WITH_OFFER, {"case_id": case_id, "user_id": actor.user_id}).first()
    if row is None or not permissions.is_user(actor):
        raise case_access.not_found()
    case, offer, profile, load = row
    if offer is not None and permissions.is_mediator_of(actor, offer.org_id):
        return case, offer, profile, load
    raise _refusal(case, actor)


def _refusal(case: Case, actor: Principal) -> Exception:
    """Why the caller, without a pending offer of the case, may not answer one: 404, 409 or 403."""
    relations = permissions.case_relations(actor, case_access.facts_for(case))
    if not relations:
        return case_access.not_found()
    if "mediator" in relations:
        return Conflict(
            f"The case is already '{case.status}'.", reason="mediation.offer_answered", errors={"status": [case.status]}
        )
    return Forbidden(
        "Only the mediator the case was offered to answers the offer.", reason="mediation.not_offered_to_you"
    )


def accept(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The mediator takes the case: mediator_accepted, and the mediation clock starts.

    The answer's load is the one read with the offer: only an assigned case can be accepted, so its pending
    offer counted there as the accepted assignment of a mediator_accepted case counts after (one statement
    less than reading it again after the flush)."""
    case, offer, profile, load = _offer_with_case(case_id, actor)
    now = clock.now()
    due_at, warn_at = mediation_deadlines.mediation_clock(now)
    answered = {"status": "accepted", "responded_at": now, "accepted_at": now, "due_at": due_at, "warn_at": warn_at}
    try:  # the offer's answer now, with Core (issue 18): the unit of work neither watches nor writes the offer
        with db.session.no_autoflush:  # nothing is pending yet; the case's changes are flushed at the commit
            taken = db.session.execute(_ANSWER_OFFER, {**answered, "updated_at": now, "offer_id": offer.id})
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_ANSWERED_MEANWHILE, reason="mediation.assignment_conflict") from None
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # answered while this waited for the case's lock
        raise _refusal(case, actor)
    for name, value in (*answered.items(), ("updated_at", now)):
        set_committed_value(offer, name, value)  # the loaded offer as written, without reading it back
    case.mediator_user_id = actor.user_id
    case_lifecycle.transition(
        case,
        "mediator_accepted",
        actor=actor,
        actor_role="mediator",
        event="mediation.mediator_accepted",
        reason=f"Mediation due by {due_at.isoformat()}",
    )
    return _commit(_ANSWERED_MEANWHILE, lambda: assignment_view(offer, profile, load=load))


_ANSWERED_MEANWHILE = "The case was answered at the same time; reload it."
_ANSWER_OFFER = (
    update(_OFFERS)
    .where(_OFFERS.c.id == bindparam("offer_id"), _OFFERS.c.status == "pending")
    .values(
        status=bindparam("status"),
        responded_at=bindparam("responded_at"),
        accepted_at=bindparam("accepted_at"),
        due_at=bindparam("due_at"),
        warn_at=bindparam("warn_at"),
        updated_at=bindparam("updated_at"),
    )
)


def decline(*, case_id: uuid.UUID, reason: str | None, actor: Principal) -> dict:
    """The mediator refuses the case: it goes back to the organisation's admin (the case stays assigned)."""
    case, offer, _profile, _load = _offer_for(case_id, actor)  # the load is read again below, without the offer
    offer.status, offer.responded_at, offer.decline_reason = "declined", clock.now(), reason
    timeline.record(
        case,
        "mediation.mediator_declined",
        actor=actor,
        actor_role="mediator",
        summary=message("The mediator declined; the organisation will assign another."),
        reason=reason,
    )
    return _commit(_ANSWERED_MEANWHILE, lambda: assignment_view(offer))


def start_mediation(case: Case, *, actor: Principal | None, actor_role: str = "mediator") -> bool:
    """mediator_accepted -> in_mediation (the first session, or the outcome); no-op otherwise. The caller commits."""
    if case.kind != "mediation" or case.status != "mediator_accepted":
        return False
    case_lifecycle.transition(case, "in_mediation", actor=actor, actor_role=actor_role, event="mediation.started")
    return True
