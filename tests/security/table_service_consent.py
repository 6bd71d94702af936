"""Authorization rows for e-service consent: the parties' own routes, the account-wide one, the claim, the court's.

In the world the citizen is the applicant and consented on the filing form; nobody has a consent for all cases
(withdrawing it answers 409 to every person); the claim code below was never issued (404 for every person).
The court's routes sit behind the court-staff gate; the world court's clerk and judge (and, for reading, its
court system) see the case's consents; the clerk and judge may record one for the respondent.
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import CaseParty
from app.documents import consent_text
from app.extensions import db
from tests.security.routes import COURT, MP, USERS, Route
from tests.security.world import NONEXISTENT, World

CITIZEN = frozenset({"citizen"})


def _agree(w: World) -> dict:
    text = consent_text.current()
    return {"address_kind": "mini_program", "text_version": text["version"], "text_sha256": text["sha256"]}


def _respondent(w: World) -> str:
    query = select(CaseParty.id).where(CaseParty.case_id == w.case.id, CaseParty.user_id.is_(None))
    return str(db.session.scalars(query).first())


def _case(suffix: str) -> object:
    return lambda w: f"/cases/{w.case.id}/{suffix}"


ROUTES = [
    Route("GET", f"{MP}/cases/<uuid:case_id>/service-consent", "user", CITIZEN, _case("service-consent")),
    Route("POST", f"{MP}/cases/<uuid:case_id>/service-consent", "user", CITIZEN, _case("service-consent"), _agree),
    Route("DELETE", f"{MP}/cases/<uuid:case_id>/service-consent", "user", CITIZEN, _case("service-consent")),
    Route(
        "PUT",
        f"{MP}/cases/<uuid:case_id>/service-consent/address",
        "user",
        CITIZEN,
        _case("service-consent/address"),
        lambda w: {"address_kind": "phone", "address": "13800000008"},
    ),
    Route("GET", f"{MP}/me/service-consent", "user", USERS),
    Route("POST", f"{MP}/me/service-consent", "user", USERS, body=_agree),
    Route("DELETE", f"{MP}/me/service-consent", "user", frozenset(), special=dict.fromkeys(USERS, 409)),
    Route(
        "POST",
        f"{MP}/service/claim",
        "user",
        frozenset(),
        body=lambda w: {"code": "ABCD2345"},
        special=dict.fromkeys(USERS, 404),
    ),
    Route(
        "GET",
        f"{COURT}/cases/<uuid:case_id>/service-consents",
        "any",
        frozenset({"clerk", "judge", "machine"}),
        _case("service-consents"),
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/service-consents",
        "user",
        frozenset({"clerk", "judge"}),
        _case("service-consents"),
        lambda w: {"party_id": _respondent(w), "note": "consent given by phone on 2026-11-02"},
    ),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/service-consent": f"/cases/{NONEXISTENT}/service-consent",
    f"{COURT}/cases/<uuid:case_id>/service-consents": f"/cases/{NONEXISTENT}/service-consents",
}
