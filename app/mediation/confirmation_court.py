"""Which court confirms a mediation agreement: the court the case names, or one the organisation is linked to.

CPL Art. 205(1): an agreement reached by a people's mediation organisation goes to the basic-level court where
the organisation is located (调解组织所在地基层人民法院). A case that names a court goes there. A case that names
only an organisation may go to any court linked to it (MediationOrgCourt: the courts it works with); without a
choice, the venue rule picks the linked court of the organisation's own region, or the only linked court.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import Case
from app.cases import access as case_access
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.identity import Court, MediationOrganization, MediationOrgCourt
from app.security.permissions import Principal


def options(*, case_id: uuid.UUID, actor: Principal) -> list[dict]:
    """For every reader of the case: the courts its parties may ask to confirm the agreement."""
    case, _facts = case_access.load(case_id, actor=actor)
    return candidates(case)


def candidates(case: Case) -> list[dict]:
    """The courts the parties may ask, each marked when the venue rule would choose it."""
    if case.court_id is not None:
        court = db.session.get_one(Court, case.court_id)  # a foreign key
        return [_entry(court, venue=True, named=True)]
    courts = _linked(case)
    venue = _venue(case, courts)
    return [_entry(court, venue=venue is not None and court.id == venue.id, named=False) for court in courts]


def choose(case: Case, court_id: uuid.UUID | None) -> uuid.UUID:
    """The court for the application: checked against the case's court or the organisation's linked courts."""
    if case.court_id is not None:
        if court_id is not None and court_id != case.court_id:
            raise _not_allowed(court_id, [case.court_id])
        return case.court_id
    courts = _linked(case)
    if court_id is not None:
        if court_id not in {court.id for court in courts}:
            raise _not_allowed(court_id, [court.id for court in courts])
        return court_id
    venue = _venue(case, courts)
    if venue is None:
        raise Conflict(
            "The case names no court and the venue rule does not pick one of the organisation's linked courts: "
            "choose one (court_id).",
            reason="judicial_confirmation.no_court",
            errors={"court_id": [str(court.id) for court in courts]},
        )
    return venue.id


def _linked(case: Case) -> list[Court]:
    if case.org_id is None:
        return []
    return list(
        db.session.scalars(
            select(Court)
            .join(MediationOrgCourt, MediationOrgCourt.court_id == Court.id)
            .where(MediationOrgCourt.org_id == case.org_id, Court.active.is_(True))
            .order_by(Court.code)
        )
    )


def _venue(case: Case, courts: list[Court]) -> Court | None:
    """The court of the organisation's place (same region); the only linked court when there is one."""
    if len(courts) == 1:
        return courts[0]
    org = db.session.get(MediationOrganization, case.org_id) if case.org_id else None
    local = [court for court in courts if org is not None and court.region == org.region]
    return local[0] if len(local) == 1 else None


def _entry(court: Court, *, venue: bool, named: bool) -> dict:
    return {
        "id": court.id,
        "code": court.code,
        "name": court.name,
        "region": court.region,
        "venue": venue,
        "named": named,
    }


def _not_allowed(court_id: uuid.UUID, allowed: list[uuid.UUID]) -> ValidationFailed:
    return ValidationFailed(
        "That court cannot confirm this agreement: choose the case's court or one linked to its organisation.",
        reason="judicial_confirmation.court_not_allowed",
        errors={"court_id": [str(court) for court in allowed]},
    )
