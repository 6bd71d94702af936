"""A court's fee settings: whether it asks for the acceptance fee at filing (prepayment, Measures Art. 22 lets the
court fix when) instead of at acceptance. Read by the court's staff; changed by its judges or court system
(audited)."""

from __future__ import annotations

import uuid

from app.audit import log as audit
from app.cases import Case
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.fees import notices
from app.fees.models import FeeCourtSetting
from app.security import permissions
from app.security.permissions import Principal

SETTERS = ("judge", "court_system")


def prepays_at_filing(court_id: uuid.UUID | None) -> bool:
    """Whether the court asks for the fee at filing."""
    if court_id is None:
        return False
    row = db.session.get(FeeCourtSetting, court_id)
    return bool(row and row.prepay_at_filing)


def describe(court_id: uuid.UUID) -> dict:
    """The settings of a court (the default for a court that never set them)."""
    row = db.session.get(FeeCourtSetting, court_id)
    return {
        "court_id": court_id,
        "prepay_at_filing": bool(row and row.prepay_at_filing),
        "updated_at": row.updated_at if row else None,
    }


def read(*, court_id: uuid.UUID, actor: Principal) -> dict:
    """A court's fee settings, for its staff."""
    if court_id not in permissions.staff_court_ids(actor):
        raise NotFound("No such court.", reason="court.not_found")
    return describe(court_id)


def update(*, court_id: uuid.UUID, actor: Principal, prepay_at_filing: bool) -> dict:
    """Change whether the court asks for prepayment at filing (its judges or court system)."""
    roles = permissions.court_roles(actor, court_id)
    if not roles:
        raise NotFound("No such court.", reason="court.not_found")
    if not roles & set(SETTERS):
        raise Forbidden("A court's judges or its court system set its fee settings.", reason="fees.not_setter")
    row = db.session.get(FeeCourtSetting, court_id, with_for_update=True)
    if row is None:
        row = FeeCourtSetting(court_id=court_id)
        db.session.add(row)
    previous = bool(row.prepay_at_filing)
    row.prepay_at_filing = prepay_at_filing
    row.updated_by_user_id = permissions.user_id_of(actor)
    audit.record(
        "fee.court_settings_changed",
        actor=actor,
        object_type="court",
        object_id=court_id,
        details={"prepay_at_filing": {"from": previous, "to": prepay_at_filing}},
    )
    db.session.commit()
    return describe(court_id)


def on_case_filed(case: Case, actor: Principal) -> None:
    """The filing hook (app/wiring.py): the notice to pay at filing where the court asks for prepayment."""
    if case.kind == "litigation" and prepays_at_filing(case.court_id):
        # issued by the platform under the court's setting, not by the filer
        notices.issue_for_case(case, None, trigger="fee.notice.filing")
