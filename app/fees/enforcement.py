"""The enforcement application fee (执行申请费, Measures Art. 10(1), 14(1)): computed and shown, never asked in advance.

Art. 20: application fees are prepaid by the applicant, *except* Art. 10(1) (enforcement) and 10(6) (bankruptcy):
"执行申请费执行后交纳". Art. 38: the fee is borne by the person subject to enforcement (被执行人), collected by the
enforcement court out of what it enforces. So a party who applies for enforcement gets no notice to pay and no
ledger entry; the court (and the applicant) see the figure with its basis on the case's fees, on the amount of the
first-instance claim (the enforcement court settles the amount actually enforced).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.cases import Case
from app.extensions import db
from app.fees import calculation
from app.fees import schedule as fee_schedule
from app.litigation import EnforcementApplication

NOTE = (
    "Not prepaid (Measures Art. 20: 执行申请费执行后交纳); borne by the person subject to enforcement (Art. 38) and "
    "collected by the enforcement court after enforcement. Computed on the amount of the first-instance claim."
)


def for_case(case: Case) -> dict[str, Any] | None:
    """The enforcement fee of a case someone applied to enforce (None when nobody did)."""
    application = db.session.scalar(
        select(EnforcementApplication)
        .where(EnforcementApplication.origin_case_id == case.id, EnforcementApplication.status != "rejected")
        .order_by(EnforcementApplication.applied_at)
        .limit(1)
    )
    if application is None:
        return None
    fee = calculation.calculate("enforcement", case.amount, data=fee_schedule.load())
    return {
        "application_id": application.id,
        "schedule": fee.schedule,
        "amount_fen": fee.amount_fen,
        "amount_yuan": calculation.yuan(fee.amount_fen),
        "basis": fee.basis,
        "prepaid": False,
        "borne_by": "person_subject_to_enforcement",
        "note": NOTE,
    }
