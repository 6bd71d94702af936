"""Authorization rows for court-to-organisation delegation (委派调解 / 委托调解).

The world's court (its clerk, judge and machine client) sends and reads its own delegations; the other court's
staff get 404 for them (their list is their own, so 200). The organisation's admin answers what was sent to it;
everyone else gets 404 as for an unknown delegation. Any person may list the delegations sent to the organisations
they administer (none for most). The world's organisation is linked to the world's court on first use.
"""

from __future__ import annotations

import datetime as dt
import uuid

from app.cases.models import Case
from app.extensions import db
from app.identity import login_sessions
from app.identity.organization_models import MediationOrgCourt
from app.mediation import delegation
from app.mediation.models import CourtDelegation
from tests.security.routes import COURT, MP, USERS, Route
from tests.security.world import NONEXISTENT, World
from tests.support.cases import file_case

SENDERS = frozenset({"clerk", "judge", "machine"})
COURT_STAFF = SENDERS | {"other_clerk", "other_machine"}
DUE = "2099-12-31"


def _dispute(w: World) -> uuid.UUID:
    """A fresh dispute brought to the world's court (a sent delegation would block a second send)."""
    if not w.extra.get("delegation_linked"):
        db.session.add(MediationOrgCourt(org_id=w.org.id, court_id=w.court.id))
        db.session.commit()
        w.extra["delegation_linked"] = True
    return file_case(w.people["citizen"], court=w.court).id


def _sent(w: World) -> str:
    if "delegation_id" not in w.extra:
        case_id = _dispute(w)
        clerk = login_sessions.load_principal(w.people["clerk"])
        sent = delegation.send(case_id=case_id, org_id=w.org.id, due_date=dt.date(2099, 12, 31), note=None, actor=clerk)
        w.extra["delegation_id"] = str(sent["id"])
    return w.extra["delegation_id"]


def _failed(w: World) -> str:
    """A delegated dispute whose mediation came back failed, for the court to file."""
    if "failed_delegation_id" not in w.extra:
        case_id = _dispute(w)
        clerk = login_sessions.load_principal(w.people["clerk"])
        sent = delegation.send(case_id=case_id, org_id=w.org.id, due_date=dt.date(2099, 12, 31), note=None, actor=clerk)
        row = db.session.get(CourtDelegation, sent["id"])
        row.state, row.outcome = "returned", "failed"
        db.session.get(Case, case_id).status = "failed"
        db.session.commit()
        w.extra["failed_delegation_id"] = str(row.id)
    return w.extra["failed_delegation_id"]


def _to_recall(w: World) -> str:
    """A sent delegation of its own, for the recall row (the first allowed caller recalls it)."""
    if "recall_delegation_id" not in w.extra:
        case_id = _dispute(w)
        clerk = login_sessions.load_principal(w.people["clerk"])
        sent = delegation.send(case_id=case_id, org_id=w.org.id, due_date=dt.date(2099, 12, 31), note=None, actor=clerk)
        w.extra["recall_delegation_id"] = str(sent["id"])
    return w.extra["recall_delegation_id"]


def _send_body(w: World) -> dict:
    return {"case_id": str(_dispute(w)), "org_id": str(w.org.id), "due_date": DUE}


ROUTES = [
    Route("POST", f"{COURT}/delegations", "any", SENDERS, body=_send_body),
    Route("GET", f"{COURT}/delegations", "any", COURT_STAFF),
    Route(
        "GET",
        f"{COURT}/delegations/<uuid:delegation_id>",
        "any",
        SENDERS,
        lambda w: f"/delegations/{_sent(w)}",
    ),
    Route(
        "POST",
        f"{COURT}/delegations/<uuid:delegation_id>/file",
        "any",
        frozenset({"clerk"}),
        lambda w: f"/delegations/{_failed(w)}/file",
        special={"judge": 409, "machine": 409},  # the clerk filed it first: already taken to court
    ),
    Route(
        "POST",
        f"{COURT}/delegations/<uuid:delegation_id>/recall",
        "any",
        frozenset({"clerk"}),
        lambda w: f"/delegations/{_to_recall(w)}/recall",
        lambda w: {"reason": "当事人已自行和解"},
        special={"judge": 409, "machine": 409},  # the clerk recalled it first: no longer recallable
    ),
    Route("GET", f"{MP}/mediation/delegations", "user", USERS),
    Route(
        "POST",
        f"{MP}/mediation/delegations/<uuid:delegation_id>/accept",
        "user",
        frozenset({"org_admin"}),
        lambda w: f"/mediation/delegations/{_sent(w)}/accept",
        lambda w: {},
    ),
    Route(
        "POST",
        f"{MP}/mediation/delegations/<uuid:delegation_id>/decline",
        "user",
        frozenset({"org_admin"}),
        lambda w: f"/mediation/delegations/{_sent(w)}/decline",
        lambda w: {"reason": "本会近期人手不足"},
    ),
]

NONEXISTENT_PATHS = {
    f"{COURT}/delegations/<uuid:delegation_id>": f"/delegations/{NONEXISTENT}",
    f"{COURT}/delegations/<uuid:delegation_id>/file": f"/delegations/{NONEXISTENT}/file",
    f"{COURT}/delegations/<uuid:delegation_id>/recall": f"/delegations/{NONEXISTENT}/recall",
    f"{MP}/mediation/delegations/<uuid:delegation_id>/accept": f"/mediation/delegations/{NONEXISTENT}/accept",
    f"{MP}/mediation/delegations/<uuid:delegation_id>/decline": f"/mediation/delegations/{NONEXISTENT}/decline",
}
