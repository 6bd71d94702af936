"""Authorization rows for litigation after acceptance: the court's steps, its queues, a party's appeal and
enforcement application, the litigation view.

Each call that changes something gets a case (or appeal, or application) of its own, made when the path is built:
the world's citizen files a litigation at the world's court (with a verified view of the same person, as in
table_review), the court accepts it, and where needed the judgment is served on the citizen's party or the case is
put in the state the route needs. The court's clerk, judge and machine client act on their court's cases; the
citizen, a party, gets 403 on the court's routes (a reader, not staff) and the court's staff get 403 on the
party's routes (readers, not parties); everyone else gets 404 (not theirs looks like does not exist).
"""

from __future__ import annotations

import dataclasses
import io
import uuid

from sqlalchemy import select

from app.cases import filing as case_filing
from app.cases import review
from app.cases.models import CaseParty
from app.documents import ServedDocument
from app.documents import push as documents_push
from app.extensions import db
from app.identity import login_sessions as sessions
from app.litigation import court_actions
from app.litigation.models import Appeal, EnforcementApplication, LitigationDecision
from app.security.permissions import Principal
from app.utils import clock
from miniprogram_api.schemas.cases import CaseCreateIn
from tests.api.service.support import pdf_bytes
from tests.security.routes import COURT, MP, Route
from tests.security.world import NONEXISTENT, World
from tests.support.cases import filing

STAFF = frozenset({"clerk", "judge", "machine"})
QUEUE_READERS = STAFF | {"other_clerk", "other_machine"}  # their own court's queue
NOT_STAFF_USERS = frozenset(
    {"citizen", "lawyer", "mediator", "org_admin", "other_org_admin", "hotline_operator", "platform_admin"}
)


def _machine(w: World) -> Principal:
    return Principal(kind="machine", subject="mc_table", court_roles={w.court.id: frozenset({"court_system"})})


def _accepted(w: World, status: str | None = None):
    """A litigation the world's citizen filed and the world's court accepted (optionally forced into `status`)."""
    actor = dataclasses.replace(sessions.load_principal(w.people["citizen"]), real_name_verified=True)
    case = case_filing.create_case(actor=actor, data=CaseCreateIn().load(filing(kind="litigation", court=w.court)))
    review.accept(case_id=case.id, actor=sessions.load_principal(w.people["clerk"]))
    if status is not None:
        case.status = status
        db.session.commit()
    return case


def _citizen_party(case) -> CaseParty:
    return db.session.scalars(
        select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.user_id.is_not(None))
    ).one()


def _adjudicated(w: World):
    """The citizen's case with the judgment served on the citizen's party."""
    case = _accepted(w)
    court_actions.record_decision(
        case_id=case.id, actor=sessions.load_principal(w.people["judge"]), closing_method="judgment"
    )
    meta = {
        "case_id": case.id,
        "recipient_party_id": _citizen_party(case).id,
        "doc_type": "judgment",
        "title": "判决书",
    }
    documents_push.push(actor=_machine(w), meta=meta, stream=io.BytesIO(pdf_bytes()), submission_key=None)
    return case


def _effective(w: World):
    case = _adjudicated(w)
    decision = db.session.scalars(select(LitigationDecision).where(LitigationDecision.case_id == case.id)).one()
    case.status, decision.state, decision.effective_at = "effective", "effective", clock.now()
    db.session.commit()
    return case


def _appealed(w: World):
    case = _accepted(w, status="appealed")
    db.session.add(
        LitigationDecision(case_id=case.id, closing_method="judgment", state="appealed", decided_at=clock.now())
    )
    db.session.commit()
    return case


def _appeal(w: World) -> uuid.UUID:
    case = _adjudicated(w)
    row = Appeal(
        case_id=case.id,
        court_id=w.court.id,
        party_id=_citizen_party(case).id,
        document_id=_document_id(case),
        filed_by_user_id=w.people["citizen"].id,
        filed_as="party",
        statement="撤销原判",
        grounds="理由",
        evidence_ids=[],
        filed_at=clock.now(),
        deadline_ends_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def _document_id(case) -> uuid.UUID:
    return db.session.scalars(select(ServedDocument.id).where(ServedDocument.case_id == case.id)).first()


def _application(w: World) -> uuid.UUID:
    case = _effective(w)
    row = EnforcementApplication(
        origin_case_id=case.id,
        court_id=w.court.id,
        applicant_party_id=_citizen_party(case).id,
        applied_by_user_id=w.people["citizen"].id,
        request="执行",
        property_clues=[],
        applied_at=clock.now(),
        limitation_ends_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def _case_path(make, suffix: str):
    return lambda w: f"/cases/{make(w).id}/{suffix}"


def _domicile_path(w: World) -> str:
    case = _accepted(w)
    return f"/cases/{case.id}/parties/{_citizen_party(case).id}/domicile"


ROUTES = [
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/trial/start",
        "any",
        STAFF,
        _case_path(_accepted, "trial/start"),
        lambda w: {},
        special={"citizen": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/decision",
        "any",
        STAFF,
        _case_path(_accepted, "decision"),
        lambda w: {"closing_method": "judgment", "performance_days": 10},
        special={"citizen": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/appeal/concluded",
        "any",
        STAFF,
        _case_path(_appealed, "appeal/concluded"),
        lambda w: {},
        special={"citizen": 403},
    ),
    Route(
        "PUT",
        f"{COURT}/cases/<uuid:case_id>/parties/<uuid:party_id>/domicile",
        "any",
        STAFF,
        _domicile_path,
        lambda w: {"domicile_abroad": True},
        special={"citizen": 403},
    ),
    Route(
        "GET",
        f"{COURT}/cases/<uuid:case_id>/litigation",
        "any",
        STAFF,
        lambda w: f"/cases/{w.case.id}/litigation",
    ),
    Route("GET", f"{COURT}/appeals", "any", QUEUE_READERS, special=dict.fromkeys(NOT_STAFF_USERS, 403)),
    Route(
        "POST",
        f"{COURT}/appeals/<uuid:appeal_id>/acknowledge",
        "any",
        STAFF,
        lambda w: f"/appeals/{_appeal(w)}/acknowledge",
        lambda w: {"note": "已收到"},
    ),
    Route(
        "POST",
        f"{COURT}/appeals/<uuid:appeal_id>/forward",
        "any",
        STAFF,
        lambda w: f"/appeals/{_appeal(w)}/forward",
        lambda w: {},
    ),
    Route(
        "GET", f"{COURT}/enforcement-applications", "any", QUEUE_READERS, special=dict.fromkeys(NOT_STAFF_USERS, 403)
    ),
    Route(
        "POST",
        f"{COURT}/enforcement-applications/<uuid:application_id>/accept",
        "any",
        STAFF,
        lambda w: f"/enforcement-applications/{_application(w)}/accept",
    ),
    Route(
        "POST",
        f"{COURT}/enforcement-applications/<uuid:application_id>/reject",
        "any",
        STAFF,
        lambda w: f"/enforcement-applications/{_application(w)}/reject",
        lambda w: {"reason": "不符合受理条件"},
    ),
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/litigation",
        "user",
        frozenset({"citizen", "clerk", "judge", "org_admin"}),
        lambda w: f"/cases/{w.case.id}/litigation",
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/appeals",
        "user",
        frozenset({"citizen"}),
        _case_path(_adjudicated, "appeals"),
        lambda w: {"statement": "撤销原判", "grounds": "事实认定错误"},
        special={"clerk": 403, "judge": 403},
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/enforcement-applications",
        "user",
        frozenset({"citizen"}),
        _case_path(_effective, "enforcement-applications"),
        lambda w: {"request": "强制执行", "property_clues": [{"kind": "bank_account", "description": "某银行账户"}]},
        special={"clerk": 403, "judge": 403},
    ),
]

NONEXISTENT_PATHS = {
    f"{COURT}/cases/<uuid:case_id>/trial/start": f"/cases/{NONEXISTENT}/trial/start",
    f"{COURT}/cases/<uuid:case_id>/decision": f"/cases/{NONEXISTENT}/decision",
    f"{COURT}/appeals/<uuid:appeal_id>/acknowledge": f"/appeals/{NONEXISTENT}/acknowledge",
    f"{COURT}/enforcement-applications/<uuid:application_id>/accept": f"/enforcement-applications/{NONEXISTENT}/accept",
    f"{MP}/cases/<uuid:case_id>/litigation": f"/cases/{NONEXISTENT}/litigation",
    f"{MP}/cases/<uuid:case_id>/appeals": f"/cases/{NONEXISTENT}/appeals",
}
