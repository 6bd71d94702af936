"""A failed mediation moves on to litigation: a new filing at a court, carrying the parties and evidence over."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy import select

from app.cases import Case, CaseConsent, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.cases import queries as case_queries
from app.errors import Conflict, Forbidden, ValidationFailed
from app.evidence import carry as evidence_carry
from app.extensions import db
from app.i18n import message
from app.identity import Court
from app.platform import settings
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock

OPPOSITE = {"applicant": "respondent", "respondent": "applicant"}
COPIED = ("party_type", "name", "phone_enc", "phone_index", "id_number_enc", "id_number_index", "org_code", "address")
LIVE_TRANSFERS = ("submitted", "correction_requested", "accepted")


def _transferring_party(case: Case, actor: Principal, facts: CaseFacts) -> CaseParty:
    mine = permissions.parties_of(actor, facts)
    parties = [p for p in db.session.scalars(select(CaseParty).where(CaseParty.id.in_(mine))) if p.role in OPPOSITE]
    if not parties:
        raise Forbidden(
            "Only the applicant or the respondent (or their lawyer) takes the dispute to court.",
            reason="mediation.not_a_party",
        )
    return sorted(parties, key=lambda p: p.id)[0]


def transfer_to_litigation(*, case_id: uuid.UUID, court_id: uuid.UUID, actor: Principal) -> dict:
    """File a litigation case from a failed mediation; the transferring party is the plaintiff."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    party = _transferring_party(case, actor, facts)
    if case.kind != "mediation" or case.status != "failed":
        raise Conflict(
            f"Only a failed mediation goes on to litigation; this case is '{case.status}'.",
            reason="mediation.not_failed",
            errors={"status": [case.status]},
        )
    _check(case, court_id=court_id, actor=actor, party=party)
    litigation = _file(case, court_id=court_id, actor=actor, plaintiff_role=party.role)
    summary = message("Taken to litigation by %(name)s", name=party.name)
    timeline.record(
        case,
        "mediation.transferred_to_litigation",
        actor=actor,
        actor_role="party",
        summary=summary,
        data={"litigation_case_id": str(litigation.id)},
    )
    db.session.commit()
    return case_queries.case_detail(case_id=litigation.id, actor=actor)


def _check(case: Case, *, court_id: uuid.UUID, actor: Principal, party: CaseParty) -> None:
    court = db.session.get(Court, court_id)
    if court is None or not court.active:
        raise ValidationFailed(errors={"court_id": ["No such court."]})
    if party.user_id == actor.user_id and not actor.real_name_verified:
        raise ValidationFailed(errors={"parties": ["Litigation filings need real-name verification."]})
    live = db.session.scalar(
        select(Case.id).where(
            Case.origin_case_id == case.id, Case.kind == "litigation", Case.status.in_(LIVE_TRANSFERS)
        )
    )
    if live is not None:
        raise Conflict("This dispute has already been taken to court.", reason="mediation.already_transferred")


def _file(origin: Case, *, court_id: uuid.UUID, actor: Principal, plaintiff_role: str) -> Case:
    return file_litigation(
        origin,
        court_id=court_id,
        actor=actor,
        actor_role="party",
        plaintiff_role=plaintiff_role,
        filed_by_user_id=actor.user_id,
        filed_via="transfer",
        keep_account=lambda party: party.user_id == actor.user_id,
    )


def file_litigation(
    origin: Case,
    *,
    court_id: uuid.UUID,
    actor: Principal,
    actor_role: str,
    plaintiff_role: str,
    filed_by_user_id: uuid.UUID | None,
    filed_via: str,
    keep_account: Callable[[CaseParty], bool],
) -> Case:
    """A litigation filing made from a mediation, carrying its parties and submitted evidence (the caller commits)."""
    now = clock.now()
    litigation = Case(
        kind="litigation",
        status=case_lifecycle.INITIAL,
        court_id=court_id,
        org_id=None,
        category=origin.category,
        title=origin.title,
        claims=origin.claims,
        facts=origin.facts,
        amount=origin.amount,
        filed_by_user_id=filed_by_user_id,
        filed_via=filed_via,
        submitted_at=now,
        origin_case_id=origin.id,
        review_due_at=now + dt.timedelta(days=settings.cases().filing_review_days),
    )
    db.session.add(litigation)
    db.session.flush()
    roles = {plaintiff_role: "plaintiff", OPPOSITE[plaintiff_role]: "defendant", "third_party": "third_party"}
    mapping = carry_parties(origin, litigation, roles=roles, keep_account=keep_account, actor=actor)
    timeline.record(
        litigation,
        "case.filed",
        actor=actor,
        actor_role=actor_role,
        to_status=litigation.status,
        summary=message("litigation filed from failed mediation: %(title)s", title=litigation.title),
        data={"origin_case_id": str(origin.id)},
    )
    carry_evidence(origin, litigation, parties=mapping, actor=actor)
    return litigation


def carry_parties(
    origin: Case, target: Case, *, roles: dict[str, str], keep_account: Callable[[CaseParty], bool], actor: Principal
) -> dict[uuid.UUID, uuid.UUID]:
    """Copy every party of `origin` into `target` under `roles` (old role -> new); old party id -> new party id.

    A party whose account `keep_account` keeps stays linked to it and keeps its e-service consent; the others
    join when they are served or invited.
    """
    mapping = {}
    for old in db.session.scalars(select(CaseParty).where(CaseParty.case_id == origin.id).order_by(CaseParty.id)):
        own = old.user_id is not None and keep_account(old)
        new = CaseParty(
            case_id=target.id,
            role=roles[old.role],
            user_id=old.user_id if own else None,
            joined_at=clock.now() if own else None,
            **{name: getattr(old, name) for name in COPIED},
        )
        db.session.add(new)
        db.session.flush()
        mapping[old.id] = new.id
        if own:
            _carry_e_service_consent(origin, old, new, actor=actor)
    return mapping


def _carry_e_service_consent(origin: Case, old: CaseParty, new: CaseParty, *, actor: Principal) -> None:
    consent = db.session.scalar(
        select(CaseConsent)
        .where(CaseConsent.case_id == origin.id, CaseConsent.party_id == old.id, CaseConsent.kind == "e_service")
        .order_by(CaseConsent.given_at.desc())
    )
    if consent is None or not consent.given or consent.withdrawn_at is not None:
        return
    db.session.add(
        CaseConsent(
            case_id=new.case_id,
            party_id=new.id,
            kind="e_service",
            given=True,
            address=consent.address,
            address_confirmed=consent.address_confirmed,
            method="carried_over",
            recorded_by=actor.user_id,
            given_at=clock.now(),
        )
    )


def carry_evidence(origin: Case, litigation: Case, *, parties: dict[uuid.UUID, uuid.UUID], actor: Principal) -> None:
    """Bring the mediation's stored, submitted evidence into the filing (old party id -> new party id given).

    Store-side copies under the new case's keys; a store outage raises StorageUnavailable (503) and the
    whole transfer rolls back (see evidence_carry).
    """
    evidence_carry.carry(origin, litigation, parties=parties, actor=actor)
