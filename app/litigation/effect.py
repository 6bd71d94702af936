"""Legal effect (生效): a decision nobody appealed in time takes effect when the last party's period ends.

The periodic sweep (`mark_effective`, task `microcourt.litigation.effect_sweep`) looks at decisions whose latest
appeal end has passed; each case is locked and read again before it moves, so N workers or two sweeps at once
move it once. The parties (and their lawyers) are told by notification; the court by the webhook
`litigation.effective`; the timeline and the audit log record it. A mediation statement takes effect when the
last party is served (served.py calls `make_effective` then).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update

from app.cases import Case, CaseAgent, CaseParty, lifecycle
from app.extensions import db
from app.i18n import message
from app.integrations.wechat import subscribe_value
from app.litigation import rules, signals
from app.litigation.models import Appeal, LitigationDecision
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds
from app.utils import clock
from app.webhooks import deliveries as webhooks

notification_kinds.register(
    notification_kinds.Kind(
        name="litigation_effective",
        sms_template="litigation_effective",
        sms_params=lambda data: {"title": subscribe_value("thing", data["case_title"])},
        wechat_data=lambda data: {
            "thing1": data["case_title"],
            "thing2": message("Decision in effect", context="notification"),
        },
        page=lambda data: f"pages/case/detail?id={data['case_id']}",
    )
)


def make_effective(
    case: Case, decision: LitigationDecision, *, effective_at: dt.datetime
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """adjudicated -> effective, told to the parties and the court; returns (notifications, webhooks) to dispatch."""
    label = rules.closing_label(decision.closing_method)
    data = {"closing_method": decision.closing_method, "effective_at": effective_at.isoformat()}
    lifecycle.transition(
        case,
        "effective",
        actor=None,
        actor_role="system",
        event="litigation.effective",
        reason=f"{label}已发生法律效力",
        data=data,
    )
    decision.state, decision.effective_at = "effective", effective_at
    note_data = {"case_id": str(case.id), "case_title": case.title, "closing_method": decision.closing_method}
    notes = [
        notifications.notify(user_id=user_id, kind="litigation_effective", data=note_data, subject=("case", case.id)).id
        for user_id in sorted(people_to_tell(case))
    ]
    return notes, signals.announce(case, "litigation.effective", actor=None, data=data)


def people_to_tell(case: Case) -> set[uuid.UUID]:
    """The joined parties and their active lawyers."""
    parties = db.session.scalars(
        select(CaseParty.user_id).where(CaseParty.case_id == case.id, CaseParty.user_id.is_not(None))
    )
    lawyers = db.session.scalars(
        select(CaseAgent.lawyer_user_id).where(CaseAgent.case_id == case.id, CaseAgent.status == "active")
    )
    return {user_id for user_id in (*parties, *lawyers) if user_id is not None}


def mark_effective(*, limit: int = 200) -> int:
    """Make effective every unappealed decision whose last appeal period has ended; safe to repeat or race."""
    due = db.session.scalars(
        select(LitigationDecision.case_id)
        .join(Case, Case.id == LitigationDecision.case_id)
        .where(
            LitigationDecision.state == "served",
            LitigationDecision.appeal_ends_at <= clock.now(),
            Case.status == "adjudicated",
        )
        .order_by(LitigationDecision.appeal_ends_at)
        .limit(limit)
    ).all()
    db.session.rollback()  # each case is handled in its own transaction
    return sum(_settle(case_id) for case_id in due)


def _settle(case_id: uuid.UUID) -> int:
    from app.litigation import served  # served.py calls make_effective: imported here, not at the top

    # The case first (appeals lock it too, so the two never wait on each other crosswise), then a claim: only one
    # transaction moves the decision out of `served`, also where row locks do not exist (SQLite: the UPDATE takes
    # the write lock and reads the latest data). Anything that stops the move below rolls the claim back.
    case = db.session.scalars(select(Case).where(Case.id == case_id).with_for_update()).one()
    claim = (
        update(LitigationDecision)
        .where(LitigationDecision.case_id == case_id, LitigationDecision.state == "served")
        .values(state="effective")
    )
    if db.session.execute(claim).rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        db.session.rollback()
        return 0
    decision = db.session.scalars(select(LitigationDecision).where(LitigationDecision.case_id == case_id)).one()
    db.session.refresh(case)
    db.session.refresh(decision)
    ends = served.appeal_end(case, decision)
    appealed = db.session.scalar(select(Appeal.id).where(Appeal.case_id == case_id).limit(1)) is not None
    if case.status != "adjudicated" or appealed or ends is None:
        db.session.rollback()
        return 0
    if ends > clock.now() or not _covered(case, decision):
        db.session.rollback()  # later than thought (a period the calendar does not cover yet): look again then
        db.session.execute(
            update(LitigationDecision).where(LitigationDecision.case_id == case_id).values(appeal_ends_at=ends)
        )
        db.session.commit()
        return 0
    notes, hooks = make_effective(case, decision, effective_at=ends)
    db.session.commit()
    for note_id in notes:
        notifications.dispatch(note_id)
    webhooks.dispatch(hooks)
    return 1


def _covered(case: Case, decision: LitigationDecision) -> bool:
    from app.litigation import served

    return all(d is not None and d.calendar_covered for d in served.party_deadlines(case, decision).values())
