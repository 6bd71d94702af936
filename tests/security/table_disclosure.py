"""Authorization rows for staff unmasking of a party's PII (court route and mini-program route).

Both routes call the same service: the world's court's clerk and judge and the case's own mediator see the
party in full; everyone else - the filing party, the organisation's admin, the other court's clerk, the
platform admin, the court's machine client - gets 404 as for an unknown case. The case is a mediation filed
by the world's citizen at the world's court and organisation, with the world's mediator assigned (built on
first use and memoised in world.extra).
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import CaseParty
from app.extensions import db
from tests.security.routes import COURT, MP, Route
from tests.security.world import NONEXISTENT, World
from tests.support.cases import file_case

DISCLOSERS = frozenset({"clerk", "judge", "mediator"})
RULE = "/cases/<uuid:case_id>/parties/<uuid:party_id>/disclose"


def _path(w: World) -> str:
    if "disclosure_path" not in w.extra:
        case = file_case(w.people["citizen"], court=w.court, org=w.org)
        case.mediator_user_id, case.status = w.people["mediator"].id, "in_mediation"
        db.session.commit()
        party_id = db.session.scalar(select(CaseParty.id).filter_by(case_id=case.id, role="respondent"))
        w.extra["disclosure_path"] = f"/cases/{case.id}/parties/{party_id}/disclose"
    return w.extra["disclosure_path"]


def _body(w: World) -> dict:
    return {"reason": "核实当事人身份以便送达"}


ROUTES = [
    Route("POST", f"{COURT}{RULE}", "any", DISCLOSERS, _path, _body, gate="discloser"),
    Route("POST", f"{MP}{RULE}", "user", DISCLOSERS, _path, _body),
]

NONEXISTENT_PATHS = {
    f"{COURT}{RULE}": f"/cases/{NONEXISTENT}/parties/{NONEXISTENT}/disclose",
    f"{MP}{RULE}": f"/cases/{NONEXISTENT}/parties/{NONEXISTENT}/disclose",
}
