"""The end of the mediation period: the parties may agree to extend it once; otherwise it closes as failed.

最高人民法院关于人民法院特邀调解的规定 (2016) Art. 25: a mediation a court delegates (委派调解) is to finish within
30 days, unless both parties agree to extend it; 人民调解法 Art. 26: a mediation that fails ends, and the parties
are told they may go to court. The rule here: every party (or their lawyer) agrees to extend by some days before
the period runs out; when it runs out, the periodic sweep extends it once by the smallest number of days all
agreed to, or, without every party's agreement (or once extended), closes the mediation as failed
(`failed`, from which a party may transfer it to litigation as today) and tells the mediator, the parties, the
organisation's admins (notifications) and the court the dispute came from (webhook `mediation.period_ended`).
Each case is locked while it is handled, so two sweeps at once act once.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update

from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.i18n import message
from app.identity import OrgMembership
from app.integrations.wechat import subscribe_value
from app.mediation import assignment as mediation_assignment
from app.mediation.deadlines import CLOCK_RUNNING
from app.mediation.extension_models import ExtensionAgreement, PeriodExtension
from app.mediation.models import MediatorAssignment
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds
from app.platform import settings
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.utils.clock import SHANGHAI
from app.webhooks import deliveries as webhooks

MAX_EXTENSION_DAYS = 30  # one more ordinary period at most; a longer need is a new agreement after it
FAILURE_REASON = "调解期限届满，当事人未同意延长，调解终结"
WEBHOOK_EVENTS = ("mediation.period_extended", "mediation.period_ended")

notification_kinds.register(
    notification_kinds.Kind(
        name="mediation_period_ended",
        sms_template="mediation_period_ended",
        sms_params=lambda data: {"title": subscribe_value("thing", data["case_title"])},
        wechat_data=lambda data: {
            "thing1": data["case_title"],
            "thing2": message("Mediation period up", context="notification"),
        },
        page=lambda data: f"pages/case/detail?id={data['case_id']}",
    )
)


def agree(*, case_id: uuid.UUID, days: int, actor: Principal) -> dict:
    """A party (or their lawyer) agrees to extend the running mediation period by `days`; again replaces it."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    mine = permissions.parties_of(actor, facts)
    if not mine:
        raise Forbidden("Only the parties (or their lawyers) agree to extend.", reason="mediation.not_a_party")
    assignment = _running(case)
    if db.session.get(PeriodExtension, assignment.id) is not None:
        raise Conflict("The mediation period was already extended once.", reason="mediation.already_extended")
    now = clock.now()
    assert assignment.due_at is not None  # a running clock has its end
    if now >= assignment.due_at:
        raise Conflict("The mediation period has already run out.", reason="mediation.period_over")
    user_id = permissions.user_id_of(actor)
    assert user_id is not None  # only a person is a party or a party's lawyer
    for party_id in sorted(mine):
        row = db.session.scalar(select(ExtensionAgreement).filter_by(assignment_id=assignment.id, party_id=party_id))
        if row is None:
            row = ExtensionAgreement(assignment_id=assignment.id, party_id=party_id, user_id=user_id)
            db.session.add(row)
        row.days, row.agreed_at, row.user_id = days, now, user_id
    timeline.record(
        case,
        "mediation.extension_agreed",
        actor=actor,
        actor_role="lawyer" if "agent" in permissions.case_relations(actor, facts) else "party",
        summary=message("A party agreed to extend the mediation period by %(days)s days.", days=days),
        data={"party_ids": [str(p) for p in sorted(mine)], "days": days},
    )
    db.session.commit()
    return _view(case, assignment)


def get(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The running period, the parties' agreements to extend it and the extension applied, for readers."""
    case, _facts = case_access.load(case_id, actor=actor)
    return _view(case, _running(case, any_state=True))


def _running(case: Case, *, any_state: bool = False) -> MediatorAssignment:
    assignment = db.session.scalar(
        select(MediatorAssignment).where(MediatorAssignment.case_id == case.id, MediatorAssignment.status == "accepted")
    )
    if assignment is None or assignment.due_at is None or not (any_state or case.status in CLOCK_RUNNING):
        raise Conflict(
            f"No mediation period is running in state '{case.status}'.",
            reason="mediation.no_period",
            errors={"status": [case.status]},
        )
    return assignment


def _agreed_days(case: Case, assignment: MediatorAssignment) -> int | None:
    """The days every party agreed to (the smallest), or None while a party has not agreed."""
    parties = set(db.session.scalars(select(CaseParty.id).where(CaseParty.case_id == case.id)))
    rows = list(db.session.scalars(select(ExtensionAgreement).filter_by(assignment_id=assignment.id)))
    if not parties or {row.party_id for row in rows} != parties:
        return None
    return min(row.days for row in rows)


def _view(case: Case, assignment: MediatorAssignment) -> dict:
    rows = db.session.scalars(
        select(ExtensionAgreement).filter_by(assignment_id=assignment.id).order_by(ExtensionAgreement.agreed_at)
    )
    applied = db.session.get(PeriodExtension, assignment.id)
    return {
        "case_id": case.id,
        "due_at": assignment.due_at.astimezone(SHANGHAI) if assignment.due_at else None,  # as the clock shows it
        "agreements": [{"party_id": r.party_id, "days": r.days, "agreed_at": r.agreed_at} for r in rows],
        "agreed_days": _agreed_days(case, assignment),
        "extended_days": applied.days if applied else None,
        "extended_at": applied.applied_at if applied else None,
    }


def end_expired(*, limit: int = 200) -> int:
    """Extend or close every running mediation whose period has run out; safe to run twice or at once."""
    due = db.session.scalars(
        select(MediatorAssignment.id)
        .join(Case, Case.id == MediatorAssignment.case_id)
        .where(
            MediatorAssignment.status == "accepted",
            MediatorAssignment.due_at <= clock.now(),
            Case.status.in_(CLOCK_RUNNING),
        )
        .order_by(MediatorAssignment.due_at)
        .limit(limit)
    ).all()
    return sum(_end_one(assignment_id) for assignment_id in due)


def _end_one(assignment_id: uuid.UUID) -> int:
    assignment = db.session.get_one(MediatorAssignment, assignment_id)
    case = db.session.scalars(select(Case).where(Case.id == assignment.case_id).with_for_update()).one()
    db.session.refresh(assignment)  # read again under the case's lock: another sweep may have acted
    now = clock.now()
    if case.status not in CLOCK_RUNNING or assignment.due_at is None or assignment.due_at > now:
        db.session.rollback()
        return 0
    days = None if db.session.get(PeriodExtension, assignment.id) else _agreed_days(case, assignment)
    if days is not None:
        hooks = _extend(case, assignment, days, now)
        notes: list[uuid.UUID] = []
    else:
        notes, hooks = _close(case, assignment, now)
    db.session.commit()
    for note_id in notes:
        notifications.dispatch(note_id)
    webhooks.dispatch(hooks)
    return 1


def _extend(case: Case, assignment: MediatorAssignment, days: int, now: dt.datetime) -> list[uuid.UUID]:
    previous = assignment.due_at
    assert previous is not None  # checked by the caller
    due_at = previous + dt.timedelta(days=days)
    db.session.execute(
        update(MediatorAssignment)
        .where(MediatorAssignment.id == assignment.id)
        .values(due_at=due_at, warn_at=due_at - dt.timedelta(days=settings.mediation().warn_days), warned_at=None)
    )
    db.session.add(
        PeriodExtension(assignment_id=assignment.id, days=days, previous_due_at=previous, due_at=due_at, applied_at=now)
    )
    last_day = (due_at.astimezone(SHANGHAI) - dt.timedelta(days=1)).date()
    timeline.record(
        case,
        "mediation.period_extended",
        actor=None,
        actor_role="system",
        summary=message(
            "The parties agreed: the mediation period is extended by %(days)s days, to 24:00 on %(day)s.",
            days=days,
            day=last_day,
        ),
        data={"days": days, "previous_due_at": previous.isoformat(), "due_at": due_at.isoformat()},
    )
    return _court_event(case, "mediation.period_extended", now, {"days": days, "due_at": due_at.isoformat()})


def _close(case: Case, assignment: MediatorAssignment, now: dt.datetime) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    mediation_assignment.start_mediation(case, actor=None, actor_role="system")
    case_lifecycle.transition(
        case, "failed", actor=None, actor_role="system", reason=FAILURE_REASON, event="mediation.period_expired"
    )
    data = {
        "case_id": str(case.id),
        "case_title": case.title,
        "due_at": assignment.due_at.isoformat() if assignment.due_at else None,
    }
    notes = [
        notifications.notify(user_id=user_id, kind="mediation_period_ended", data=data, subject=("case", case.id)).id
        for user_id in sorted(_people_to_tell(case, assignment))
    ]
    return notes, _court_event(case, "mediation.period_ended", now, {"status": "failed", "reason": FAILURE_REASON})


def _people_to_tell(case: Case, assignment: MediatorAssignment) -> set[uuid.UUID]:
    parties = db.session.scalars(select(CaseParty.user_id).where(CaseParty.case_id == case.id))
    admins = db.session.scalars(
        select(OrgMembership.user_id).where(
            OrgMembership.org_id == assignment.org_id, OrgMembership.role == "org_admin", OrgMembership.active.is_(True)
        )
    )
    return {assignment.mediator_user_id, *(u for u in parties if u is not None), *admins}


def _court_event(case: Case, event_type: str, now: dt.datetime, extra: dict) -> list[uuid.UUID]:
    """A webhook to the court the dispute came from (a case that names a court); none otherwise."""
    if case.court_id is None:
        return []
    payload = {"case_id": str(case.id), "org_id": str(case.org_id) if case.org_id else None, **extra}
    event = webhooks.Event(id=uuid.uuid4(), type=event_type, court_id=case.court_id, at=now, data=lambda: payload)
    return webhooks.record([event])
