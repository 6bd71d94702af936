"""Authorization rows for court review: the filings queue, accept / reject / request correction, the filer's answer.

Each call on a review route gets a litigation filing of its own (made when the path is built), because the
first principal allowed to accept a filing would otherwise leave a 409 for the next. The world's citizen files
it as plaintiff at the world's court, so its readers are the citizen (403: a party, not court staff), the court's
clerk, judge and machine client (allowed); everyone else gets 404.
"""

from __future__ import annotations

import dataclasses

from app.cases import corrections as case_corrections
from app.cases import filing as case_filing
from app.identity import login_sessions as sessions
from miniprogram_api.schemas.cases import CaseCreateIn
from tests.security.routes import COURT, MP, Route
from tests.security.world import NONEXISTENT, World
from tests.support.cases import filing

STAFF = frozenset({"clerk", "judge", "machine"})
NOT_STAFF_USERS = frozenset(
    {"citizen", "lawyer", "mediator", "org_admin", "other_org_admin", "hotline_operator", "platform_admin"}
)


def _filing(w: World, *, correction: bool = False):
    """A fresh litigation filing by the world's citizen, optionally with an open correction request."""
    # The world's citizen is not real-name verified (other rows rely on that); litigation needs it, so the
    # filing is made with a verified view of the same person.
    actor = dataclasses.replace(sessions.load_principal(w.people["citizen"]), real_name_verified=True)
    case = case_filing.create_case(actor=actor, data=CaseCreateIn().load(filing(kind="litigation", court=w.court)))
    if correction:
        clerk = sessions.load_principal(w.people["clerk"])
        case_corrections.request_correction(case_id=case.id, actor=clerk, items=["请补充证据"], due_days=7)
    return case


def _review(action: str):
    return lambda w: f"/cases/{_filing(w).id}/{action}"


ROUTES = [
    Route(
        "GET",
        f"{COURT}/filings",
        "any",
        STAFF | {"other_clerk", "other_machine"},  # their own court's queue
        special=dict.fromkeys(NOT_STAFF_USERS, 403),
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/accept",
        "any",
        STAFF,
        _review("accept"),
        lambda w: {},
        special={"citizen": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/reject",
        "any",
        STAFF,
        _review("reject"),
        lambda w: {"reason": "不属于本院管辖"},
        special={"citizen": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/request-correction",
        "any",
        STAFF,
        _review("request-correction"),
        lambda w: {"items": ["请补充借条"], "due_days": 7},
        special={"citizen": 403},
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/corrections",
        "user",
        frozenset({"citizen"}),
        lambda w: f"/cases/{_filing(w, correction=True).id}/corrections",
        lambda w: {"note": "已补充证据"},
        special={"clerk": 403, "judge": 403},
    ),
]

NONEXISTENT_PATHS = {
    f"{COURT}/cases/<uuid:case_id>/accept": f"/cases/{NONEXISTENT}/accept",
    f"{COURT}/cases/<uuid:case_id>/reject": f"/cases/{NONEXISTENT}/reject",
    f"{COURT}/cases/<uuid:case_id>/request-correction": f"/cases/{NONEXISTENT}/request-correction",
    f"{MP}/cases/<uuid:case_id>/corrections": f"/cases/{NONEXISTENT}/corrections",
}
