"""Judicial confirmation (司法确认) of an effective mediation agreement: apply, consent, court accepts and decides."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.cases import numbers as case_numbers
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.i18n import message
from app.legal import CalendarNotCovered
from app.mediation import confirmation_court
from app.mediation import deadlines as mediation_deadlines
from app.mediation.models import ConfirmationConsent, JudicialConfirmation, MediationAgreement
from app.platform import settings
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock


def _not_found() -> NotFound:
    return NotFound("This case has no application for judicial confirmation.", reason="judicial_confirmation.not_found")


def _my_parties(actor: Principal, facts: CaseFacts) -> set[uuid.UUID]:
    parties = permissions.parties_of(actor, facts)
    if not parties:
        raise Forbidden(
            "Only the parties (or their lawyers) apply for judicial confirmation.",
            reason="judicial_confirmation.not_a_party",
        )
    return parties


def _in_window(effective_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The window's end (its earliest end beyond the calendar) if `now` is inside it; 409 when late.

    Holidays only extend the window, so an application before 24:00 of its raw 30th day is in time whatever
    next year's holidays are; only a later one needs the calendar (409 legal.calendar_not_covered until entered).
    """
    deadline = mediation_deadlines.application_window(effective_at)
    if not deadline.calendar_covered:
        if deadline.certainly_met_by(now):
            return deadline.earliest_ends_at.astimezone(dt.UTC)
        raise CalendarNotCovered(deadline.uncovered_date or deadline.raw_end_date)
    if not deadline.is_met_by(now):
        raise Conflict(
            "The time for applying for judicial confirmation has passed.",
            reason="judicial_confirmation.out_of_time",
            errors={"deadline": deadline.explanation()},
        )
    assert deadline.ends_at is not None  # a covered deadline has its end
    return deadline.ends_at


def apply(*, case_id: uuid.UUID, actor: Principal, court_id: uuid.UUID | None = None) -> dict:
    """A party applies within the window after the agreement took effect, to the case's court or a chosen one."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    mine = _my_parties(actor, facts)
    agreement = db.session.scalar(select(MediationAgreement).where(MediationAgreement.case_id == case.id))
    if case.status != "settled" or agreement is None or agreement.effective_at is None:
        state = case.status if case.status != "settled" else "settled (agreement not yet signed by every party)"
        raise Conflict(
            f"Judicial confirmation cannot be requested in state '{state}'.",
            reason="case.illegal_transition",
            errors={"status": [case.status]},
        )
    court = confirmation_court.choose(case, court_id)
    now = clock.now()
    window_ends_at = _in_window(agreement.effective_at, now)
    chosen = case.court_id is None
    case.court_id = court  # the confirming court handles the case from now on (its staff may read it)
    confirmation = JudicialConfirmation(
        case_id=case.id,
        agreement_id=agreement.id,
        court_id=court,
        status="awaiting_consent",
        applied_by_party_id=sorted(mine)[0],
        applied_by_user_id=actor.user_id,
        applied_at=now,
        window_ends_at=window_ends_at,
    )
    db.session.add(confirmation)
    db.session.flush()
    for party_id in sorted(mine):
        db.session.add(
            ConfirmationConsent(
                confirmation_id=confirmation.id, party_id=party_id, user_id=actor.user_id, at=now, as_applicant=True
            )
        )
    case_lifecycle.transition(
        case,
        "judicial_confirmation_requested",
        actor=actor,
        actor_role=_role(actor, facts),
        event="judicial_confirmation.requested",
        data={"court_id": str(court), "court_chosen": chosen},
    )
    db.session.flush()
    _submit_when_complete(case, confirmation, actor=actor)
    db.session.commit()
    return view(confirmation)


def _role(actor: Principal, facts: CaseFacts) -> str:
    return "lawyer" if "agent" in permissions.case_relations(actor, facts) else "party"


def consent(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """Another party joins the application (within the same window); complete, it goes to the court."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    mine = _my_parties(actor, facts)
    confirmation = _confirmation(case, lock=True)
    if confirmation.status != "awaiting_consent":
        raise Conflict(
            f"The application is already '{confirmation.status}'.",
            reason="judicial_confirmation.not_awaiting_consent",
            errors={"status": [confirmation.status]},
        )
    done = set(db.session.scalars(select(ConfirmationConsent.party_id).filter_by(confirmation_id=confirmation.id)))
    missing = sorted(mine - done)
    if not missing:
        raise Conflict("Your consent is already recorded.", reason="judicial_confirmation.already_consented")
    now = clock.now()
    agreement = db.session.get_one(MediationAgreement, confirmation.agreement_id)  # a foreign key
    assert agreement.effective_at is not None  # apply() refuses an agreement not yet in effect
    _in_window(agreement.effective_at, now)
    for party_id in missing:
        db.session.add(
            ConfirmationConsent(confirmation_id=confirmation.id, party_id=party_id, user_id=actor.user_id, at=now)
        )
    timeline.record(
        case,
        "judicial_confirmation.consented",
        actor=actor,
        actor_role=_role(actor, facts),
        summary=message("A party joined the application for judicial confirmation."),
        data={"party_ids": [str(p) for p in missing]},
    )
    db.session.flush()
    _submit_when_complete(case, confirmation, actor=actor)
    db.session.commit()
    return view(confirmation)


def _submit_when_complete(case: Case, confirmation: JudicialConfirmation, *, actor: Principal) -> None:
    # a count without GROUP BY always returns one row
    parties = db.session.execute(
        select(func.count()).select_from(CaseParty).where(CaseParty.case_id == case.id)
    ).scalar_one()
    consents = db.session.execute(
        select(func.count()).select_from(ConfirmationConsent).filter_by(confirmation_id=confirmation.id)
    ).scalar_one()
    if consents < parties:
        return
    now = clock.now()
    confirmation.status, confirmation.submitted_at = "submitted", now
    confirmation.accept_due_at = _court_deadline(
        now,
        settings.mediation().confirmation_accept_days,
        "judicial_confirmation.submitted",
        "judicial_confirmation.acceptance",
    )
    timeline.record(
        case,
        "judicial_confirmation.submitted",
        actor=actor,
        actor_role="party",
        summary=message("Every party has applied: the application goes to the court."),
    )


def _court_deadline(trigger: dt.datetime, days: int, trigger_label: str, period_label: str) -> dt.datetime:
    deadline = mediation_deadlines.legal_deadline(
        trigger_at=trigger, days=days, trigger_label=trigger_label, period_label=period_label
    )
    # Beyond the calendar the court's limit is its earliest end: the court is told it early, never late,
    # and the parties' application is not refused for a year nobody has entered yet.
    return deadline.ends_at if deadline.ends_at is not None else deadline.earliest_ends_at.astimezone(dt.UTC)


def _confirmation(case: Case, *, lock: bool = False) -> JudicialConfirmation:
    query = select(JudicialConfirmation).where(JudicialConfirmation.case_id == case.id)
    confirmation = db.session.scalar(query.with_for_update() if lock else query)
    if confirmation is None:
        raise _not_found()
    return confirmation


def get(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The application and where it stands, for every reader of the case."""
    case, _facts = case_access.load(case_id, actor=actor)
    return view(_confirmation(case))


def view(confirmation: JudicialConfirmation) -> dict:
    """The application with its consents and the court's time limits."""
    consents = db.session.scalars(
        select(ConfirmationConsent).filter_by(confirmation_id=confirmation.id).order_by(ConfirmationConsent.at)
    )
    fields = (
        "id",
        "case_id",
        "court_id",
        "status",
        "applied_at",
        "window_ends_at",
        "submitted_at",
        "accept_due_at",
        "accepted_at",
        "accepted_late",
        "case_number",
        "decide_due_at",
        "decided_at",
        "decision_reason",
    )
    agreement = db.session.get_one(MediationAgreement, confirmation.agreement_id)  # a foreign key
    window = mediation_deadlines.application_window(agreement.effective_at) if agreement.effective_at else None
    return {
        **{name: getattr(confirmation, name) for name in fields},
        # False: the window ends no earlier than window_ends_at; next year's holidays may extend it
        "window_calendar_covered": window is None or window.calendar_covered,
        "consents": [{"party_id": c.party_id, "at": c.at, "as_applicant": c.as_applicant} for c in consents],
    }


def _for_court(case_id: uuid.UUID, actor: Principal) -> tuple[Case, JudicialConfirmation]:
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    if not permissions.may_review_filing(actor, facts):
        raise Forbidden(
            "Only the court named in the case handles its judicial confirmation.",
            reason="judicial_confirmation.not_court",
        )
    return case, _confirmation(case, lock=True)


def accept(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The court accepts a complete application and numbers it (调确); late acceptance is recorded as late."""
    case, confirmation = _for_court(case_id, actor)
    if confirmation.status != "submitted":
        raise Conflict(
            f"An application in state '{confirmation.status}' cannot be accepted.",
            reason="judicial_confirmation.not_submitted",
            errors={"status": [confirmation.status]},
        )
    now = clock.now()
    number = case_numbers.assign(court_id=confirmation.court_id, type_code=settings.mediation().confirmation_type_code)
    confirmation.status, confirmation.accepted_at, confirmation.accepted_by = "accepted", now, actor.user_id
    confirmation.accepted_late = confirmation.accept_due_at is not None and now >= confirmation.accept_due_at
    confirmation.case_number = number
    case.case_number = case.case_number or number
    confirmation.decide_due_at = _court_deadline(
        now,
        settings.mediation().confirmation_decide_days,
        "judicial_confirmation.accepted",
        "judicial_confirmation.decision",
    )
    timeline.record(
        case,
        "judicial_confirmation.accepted",
        actor=actor,
        actor_role=_court_role(actor),
        summary=message("The court accepted the application: %(number)s.", number=number),
        data={"case_number": number, "late": confirmation.accepted_late},
    )
    db.session.commit()
    return view(confirmation)


def _court_role(actor: Principal) -> str:
    return "court_system" if permissions.is_machine(actor) else "court_staff"


def decide(*, case_id: uuid.UUID, confirmed: bool, reason: str, actor: Principal) -> dict:
    """The court confirms the agreement or rejects it, with its reasons."""
    case, confirmation = _for_court(case_id, actor)
    if confirmation.status != "accepted":
        raise Conflict(
            f"An application in state '{confirmation.status}' cannot be decided.",
            reason="judicial_confirmation.not_accepted",
            errors={"status": [confirmation.status]},
        )
    target = "confirmed" if confirmed else "confirmation_rejected"
    case_lifecycle.transition(
        case,
        target,
        actor=actor,
        actor_role=_court_role(actor),
        reason=reason,
        event=f"judicial_confirmation.{'confirmed' if confirmed else 'rejected'}",
    )
    confirmation.status = "confirmed" if confirmed else "rejected"
    confirmation.decided_at, confirmation.decided_by, confirmation.decision_reason = clock.now(), actor.user_id, reason
    db.session.commit()
    return view(confirmation)
