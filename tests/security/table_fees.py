"""Authorization rows for litigation fees (app/fees): the public schedule and calculator; a case's fees and the
application for deferral, reduction or waiver (the payer: the world's citizen); the court's notices, applications,
decisions and the decision at the deadline (the world's court: clerk, judge, machine).

The notice is put on the world's case for the citizen (the same w.extra key as table_payments, so the two tables
never make two acceptance notices for one payer). A decision needs a pending application: each call gets a fresh
one. Readers of the case who are not its payer get 403 on the payer's routes.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import CaseParty
from app.extensions import db
from app.fees import FeeNotice, FeeRelief, ledger
from app.utils import clock
from tests.security.routes import COURT, COURT_STAFF, MP, PUBLIC, Route
from tests.security.world import NONEXISTENT, World

WORLD_COURT = frozenset({"clerk", "judge", "machine"})
PAYER = frozenset({"citizen"})


def _party_id(w: World) -> uuid.UUID:
    citizen = w.people["citizen"]
    return db.session.scalar(
        select(CaseParty.id).where(CaseParty.case_id == w.case.id, CaseParty.user_id == citizen.id)
    )


def _notice(w: World) -> str:
    """An unpaid notice of 50 yuan on the world's case for the citizen."""
    if "fee_notice_id" not in w.extra:
        party_id = _party_id(w)
        now = clock.now()
        notice = FeeNotice(
            case_id=w.case.id,
            party_id=party_id,
            court_id=w.court.id,
            purpose="acceptance",
            amount_fen=5000,
            original_amount_fen=5000,
            basis={},
            deadline={},
            issued_at=now,
            due_at=now + dt.timedelta(days=7),
            status="unpaid",
        )
        db.session.add(notice)
        db.session.flush()
        ledger.post(case_id=w.case.id, party_id=party_id, kind="due", amount_fen=5000, reference=f"n:{notice.id}")
        db.session.commit()
        w.extra["fee_notice_id"] = str(notice.id)
    return w.extra["fee_notice_id"]


def _relief(w: World) -> str:
    """A fresh pending application for deferral (a decision settles one; each call decides its own)."""
    notice_id = uuid.UUID(_notice(w))
    relief = FeeRelief(
        notice_id=notice_id,
        case_id=w.case.id,
        party_id=_party_id(w),
        kind="deferral",
        reasons="生活困难",
        evidence_ids=[],
        requested_until=clock.now_shanghai().date() + dt.timedelta(days=20),
        applied_by_user_id=w.people["citizen"].id,
        status="pending",
    )
    db.session.add(relief)
    db.session.commit()
    return str(relief.id)


def _fresh_notice_for_relief(w: World) -> str:
    """The notice, with no application pending (an earlier allowed call may have left one)."""
    notice_id = _notice(w)
    for row in db.session.scalars(select(FeeRelief).where(FeeRelief.notice_id == uuid.UUID(notice_id))):
        row.status = "refused"
    db.session.commit()
    return notice_id


def _until(_w: World) -> dict:
    return {
        "kind": "deferral",
        "reasons": "正在接受法律援助",
        "requested_until": (clock.now_shanghai().date() + dt.timedelta(days=30)).isoformat(),
    }


READERS_NOT_PAYER = {"org_admin": 403}

ROUTES = [
    Route("GET", f"{PUBLIC}/fees/schedule", "public", public_status=200),
    Route(
        "GET", f"{PUBLIC}/fees/calculate", "public", public_status=200, query={"schedule": "property", "amount": "1"}
    ),
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/fees",
        "user",
        PAYER | {"clerk", "judge"},
        lambda w: f"/cases/{w.case.id}/fees",
        special=READERS_NOT_PAYER,
    ),
    Route(
        "POST",
        f"{MP}/fee-notices/<uuid:notice_id>/relief",
        "user",
        PAYER,
        lambda w: f"/fee-notices/{_fresh_notice_for_relief(w)}/relief",
        _until,
        special={"org_admin": 403, "clerk": 403, "judge": 403},
    ),
    Route("GET", f"{COURT}/fee-notices", "any", COURT_STAFF),
    Route("GET", f"{COURT}/fee-reliefs", "any", COURT_STAFF),
    Route("GET", f"{COURT}/cases/<uuid:case_id>/fees", "any", WORLD_COURT, lambda w: f"/cases/{w.case.id}/fees"),
    Route(
        "POST",
        f"{COURT}/fee-reliefs/<uuid:relief_id>/decision",
        "any",
        WORLD_COURT,
        lambda w: f"/fee-reliefs/{_relief(w)}/decision",
        lambda w: {"decision": "refuse", "reason": "证明材料不足"},
    ),
    Route(
        "POST",
        f"{COURT}/fee-notices/<uuid:notice_id>/overdue-decision",
        "any",
        WORLD_COURT,
        lambda w: f"/fee-notices/{_notice(w)}/overdue-decision",
        lambda w: {"decision": "extend", "days": 3},
    ),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/fees": f"/cases/{NONEXISTENT}/fees",
    f"{MP}/fee-notices/<uuid:notice_id>/relief": f"/fee-notices/{NONEXISTENT}/relief",
    f"{COURT}/cases/<uuid:case_id>/fees": f"/cases/{NONEXISTENT}/fees",
    f"{COURT}/fee-reliefs/<uuid:relief_id>/decision": f"/fee-reliefs/{NONEXISTENT}/decision",
    f"{COURT}/fee-notices/<uuid:notice_id>/overdue-decision": f"/fee-notices/{NONEXISTENT}/overdue-decision",
}

ROUTES += [
    Route(
        "GET",
        f"{COURT}/courts/<uuid:court_id>/fee-settings",
        "any",
        WORLD_COURT,
        lambda w: f"/courts/{w.court.id}/fee-settings",
    ),
    Route(
        "PUT",
        f"{COURT}/courts/<uuid:court_id>/fee-settings",
        "any",
        frozenset({"judge", "machine"}),
        lambda w: f"/courts/{w.court.id}/fee-settings",
        lambda w: {"prepay_at_filing": False},
        special={"clerk": 403},
    ),
]
NONEXISTENT_PATHS.update(
    {
        f"{COURT}/courts/<uuid:court_id>/fee-settings": f"/courts/{NONEXISTENT}/fee-settings",
    }
)


def _recalculation(w: World) -> dict:
    """Another amount on each call (a correction that changes nothing is 409 fees.unchanged)."""
    calls = w.extra["recalculations"] = w.extra.get("recalculations", 0) + 1
    return {"schedule": "property", "amount": f"{10000 + calls * 1000}.00", "reason": "诉讼请求变更"}


ROUTES.append(
    Route(
        "POST",
        f"{COURT}/fee-notices/<uuid:notice_id>/recalculation",
        "any",
        WORLD_COURT,
        lambda w: f"/fee-notices/{_notice(w)}/recalculation",
        _recalculation,
    )
)
NONEXISTENT_PATHS[f"{COURT}/fee-notices/<uuid:notice_id>/recalculation"] = f"/fee-notices/{NONEXISTENT}/recalculation"
