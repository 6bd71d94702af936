"""The court's actions on an accepted case: start the trial, record the decision (结案) with its closing method,
and record that a party has no domicile in China (its appeal period is 30 days).

Clerks, judges and the court's own system act, as for filing review (`app.cases.review.load_for_review`: the
case's court only; 404 for strangers, 403 for the case's other readers). An illegal step is a 409
`case.illegal_transition` naming the current state, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, lifecycle, review, timeline
from app.cases import queries as case_queries
from app.errors import Conflict, NotFound
from app.extensions import db
from app.i18n import label, message
from app.litigation import rules, signals
from app.litigation.models import LitigationDecision
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import deliveries as webhooks


def start_trial(*, case_id: uuid.UUID, actor: Principal, note: str | None = None) -> dict:
    """accepted (or a hearing held) -> in_trial."""
    case, facts = review.load_for_review(case_id=case_id, actor=actor)
    lifecycle.check(case, "in_trial")
    role = review.staff_role(actor, review.review_court(case))
    lifecycle.transition(case, "in_trial", actor=actor, actor_role=role, reason=note, event="litigation.trial_started")
    hooks = signals.announce(case, "litigation.trial_started", actor=actor, data={})
    db.session.commit()
    webhooks.dispatch(hooks)
    return case_queries.describe(case, facts, actor=actor)


def decision_of(case: Case, *, lock: bool = False) -> LitigationDecision | None:
    """The case's decision row, if one was recorded."""
    query = select(LitigationDecision).where(LitigationDecision.case_id == case.id)
    return db.session.scalar(query.with_for_update() if lock else query)


def record_decision(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    closing_method: str,
    note: str | None = None,
    performance_days: int | None = None,
    decided_at: dt.datetime | None = None,
) -> dict:
    """Record how the case is decided (结案): closed at once, or awaiting service of the judgment/ruling/statement."""
    case, facts = review.load_for_review(case_id=case_id, actor=actor)
    at_once = closing_method in rules.CLOSED_AT_ONCE
    lifecycle.check(case, "closed" if at_once else "adjudicated")
    if decision_of(case) is not None:
        raise Conflict("A decision is already recorded for this case.", reason="litigation.decision_recorded")
    now = clock.now()
    role = review.staff_role(actor, review.review_court(case))
    decision = LitigationDecision(
        case_id=case.id,
        closing_method=closing_method,
        state="closed" if at_once else "recorded",
        decided_at=min(decided_at or now, now),
        decided_by=actor.scope,
        note=note,
        performance_days=performance_days if closing_method in rules.ENFORCEABLE else None,
        closed_at=now if at_once else None,
    )
    db.session.add(decision)
    data = {"closing_method": closing_method, "decided_at": decision.decided_at.isoformat()}
    if at_once:
        lifecycle.transition(
            case, "closed", actor=actor, actor_role=role, reason=note, event="litigation.closed", data=data
        )
        hooks = signals.announce(case, "litigation.closed", actor=actor, data=data)
    else:
        timeline.record(
            case,
            "litigation.decision_recorded",
            actor=actor,
            actor_role=role,
            summary=message(
                "Decided by %(label)s; the case is adjudicated once the document is served.",
                label=label("closing.method", closing_method),
            ),
            reason=note,
            data=data,
        )
        hooks = signals.announce(case, "litigation.decision_recorded", actor=actor, data=data)
    db.session.commit()
    webhooks.dispatch(hooks)
    return case_queries.describe(case, facts, actor=actor)


def set_domicile(*, case_id: uuid.UUID, party_id: uuid.UUID, domicile_abroad: bool, actor: Principal) -> dict:
    """Record whether a party has no domicile in China (its appeal period becomes 30 days, CPL Art. 286)."""
    case, _facts = review.load_for_review(case_id=case_id, actor=actor)
    party = db.session.get(CaseParty, party_id)
    if party is None or party.case_id != case.id:
        raise NotFound("No such party in this case.", reason="case.party_not_found")
    if party.domicile_abroad != domicile_abroad:
        party.domicile_abroad = domicile_abroad
        timeline.record(
            case,
            "litigation.party_domicile",
            actor=actor,
            actor_role=review.staff_role(actor, review.review_court(case)),
            summary=(
                message("A party's domicile recorded as outside China.")
                if domicile_abroad
                else message("A party's domicile recorded as inside China.")
            ),
            data={"party_id": str(party.id), "domicile_abroad": domicile_abroad},
        )
        audit.record(
            "litigation.party_domicile",
            actor=actor,
            object_type="case_party",
            object_id=party.id,
            details={"case_id": str(case.id), "domicile_abroad": domicile_abroad},
        )
    db.session.commit()
    return {"party_id": party.id, "case_id": case.id, "domicile_abroad": party.domicile_abroad}


def conclude_appeal(*, case_id: uuid.UUID, actor: Principal, note: str | None = None) -> dict:
    """appealed -> effective: the appellate court's final judgment or ruling (终审) was made and served."""
    case, facts = review.load_for_review(case_id=case_id, actor=actor)
    lifecycle.check(case, "effective")
    decision = decision_of(case, lock=True)
    if case.status != "appealed" or decision is None:  # adjudicated -> effective is the sweep's, not the court's
        raise Conflict(
            f"Only an appealed case is concluded by the appellate court (state '{case.status}').",
            reason="case.illegal_transition",
            errors={"status": [case.status]},
        )
    now = clock.now()
    data = {"closing_method": decision.closing_method, "effective_at": now.isoformat(), "by": "appellate_court"}
    role = review.staff_role(actor, review.review_court(case))
    lifecycle.transition(
        case, "effective", actor=actor, actor_role=role, reason=note, event="litigation.effective", data=data
    )
    decision.state, decision.effective_at = "effective", now
    hooks = signals.announce(case, "litigation.effective", actor=actor, data=data)
    db.session.commit()
    webhooks.dispatch(hooks)
    return case_queries.describe(case, facts, actor=actor)
