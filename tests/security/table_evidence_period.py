"""Authorization rows for the evidence period (举证期限) and late evidence.

Every call gets a litigation case of its own, filed by the world's citizen (the plaintiff) at the world's court and
accepted by its clerk (made when the path is built), so one principal's call never changes what the next is asked:

- the period is read by the case's readers: the citizen and the court's clerk and judge on the phone route, the
  court's clerk, judge and system on the court route; the other court's staff and everyone else get 404;
- the clerk and the court system set and extend the period and decide applications (they serve the notice);
  the judge reads the case but gets 403 there, and decides late evidence like the clerk and the court system;
- only a party's side applies for an extension: the clerk and judge read the case but get 403.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from app.cases import review
from app.cases.models import CaseParty
from app.evidence import catalogue as evidence_catalogue
from app.evidence import complete as evidence_complete
from app.evidence import period as evidence_period
from app.evidence import uploads as evidence_uploads
from app.evidence.models import EvidenceItem
from app.evidence.period_models import EvidencePeriod
from app.extensions import db, storage
from app.identity import login_sessions as sessions
from app.litigation import evidence_period as period_commands
from app.utils import clock
from tests.security.routes import COURT, MP, Route
from tests.security.world import NONEXISTENT, World
from tests.support.cases import file_case
from tests.support.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj <</Type/Page>> endobj\nstartxref\n0\n%%EOF\n"
CASE_READERS = frozenset({"citizen", "clerk", "judge"})
SERVERS = frozenset({"clerk", "machine"})
COURT_READERS = frozenset({"clerk", "judge", "machine"})


def _as(w: World, who: str):
    return sessions.load_principal(w.people[who])


def _citizens_litigation(w: World) -> object:
    """An accepted litigation case whose plaintiff is the world's citizen (filed by a verified user, litigation
    needs real-name verification, then the plaintiff bound to the citizen as an accepted invitation does)."""
    case = file_case(make_user(real_name="张三"), kind="litigation", court=w.court)
    review.accept(case_id=case.id, actor=_as(w, "clerk"))
    plaintiff = db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "plaintiff"))
    plaintiff.user_id = w.people["citizen"].id
    db.session.commit()
    return case


def _case(w: World, *, period: bool = True, ended: bool = False) -> object:
    """A fresh accepted litigation case of the citizen's; with its period set (and ended, when asked)."""
    case = _citizens_litigation(w)
    if period:
        period_commands.set_period(case_id=case.id, procedure="summary", days=10, reason=None, actor=_as(w, "clerk"))
    if ended:
        row = db.session.scalar(select(EvidencePeriod).where(EvidencePeriod.case_id == case.id))
        row.ends_at = clock.now() - dt.timedelta(seconds=1)  # as if the period had run out
        db.session.commit()
    w.extra["period_case"] = case.id
    return case.id


def _application(w: World) -> str:
    case_id = _case(w)
    applied = evidence_period.apply_for_extension(
        case_id=case_id, data={"days": 3, "reason": "证据尚在调取"}, actor=_as(w, "citizen")
    )
    return f"/cases/{case_id}/evidence-period/extensions/{applied['id']}/decide"


def _late_item(w: World) -> str:
    case_id = _case(w, ended=True)
    plaintiff = _as(w, "citizen")
    declaration = {
        "filename": "逾期证据.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "title": "逾期证据",
        "category": "书证",
        "purpose": "证明还款",
        "late_reason": "新发现",
    }
    ticket = evidence_uploads.request_upload(case_id=case_id, data=declaration, actor=plaintiff)
    storage.put(db.session.get_one(EvidenceItem, ticket.evidence_id).upload_key, PDF, content_type="application/pdf")
    evidence_complete.complete(evidence_id=ticket.evidence_id, actor=plaintiff)
    evidence_catalogue.submit(evidence_id=ticket.evidence_id, actor=plaintiff)
    return f"/evidence/{ticket.evidence_id}/late-decision"


ROUTES = [
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/evidence-period",
        "user",
        CASE_READERS,
        lambda w: f"/cases/{_case(w)}/evidence-period",
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/evidence-period/extensions",
        "user",
        frozenset({"citizen"}),
        lambda w: f"/cases/{_case(w)}/evidence-period/extensions",
        lambda w: {"days": 5, "reason": "证人出差在外"},
        special={"clerk": 403, "judge": 403},
    ),
    Route(
        "GET",
        f"{COURT}/cases/<uuid:case_id>/evidence-period",
        "any",
        COURT_READERS,
        lambda w: f"/cases/{_case(w)}/evidence-period",
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/evidence-period",
        "any",
        SERVERS,
        lambda w: f"/cases/{_case(w, period=False)}/evidence-period",
        lambda w: {"procedure": "ordinary", "days": 15},
        special={"judge": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/evidence-period/notices",
        "any",
        SERVERS,
        lambda w: f"/cases/{_case(w)}/evidence-period/notices",
        special={"judge": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/evidence-period/extend",
        "any",
        SERVERS,
        lambda w: f"/cases/{_case(w)}/evidence-period/extend",
        lambda w: {"days": 5, "reason": "依职权延长"},
        special={"judge": 403},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/evidence-period/extensions/<uuid:extension_id>/decide",
        "any",
        SERVERS,
        _application,
        lambda w: {"granted": True, "reason": "理由成立"},
        special={"judge": 403},
    ),
    Route(
        "POST",
        f"{COURT}/evidence/<uuid:evidence_id>/late-decision",
        "any",
        COURT_READERS,
        _late_item,
        lambda w: {"admitted": True, "reason": "理由成立"},
    ),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/evidence-period": f"/cases/{NONEXISTENT}/evidence-period",
    f"{MP}/cases/<uuid:case_id>/evidence-period/extensions": f"/cases/{NONEXISTENT}/evidence-period/extensions",
    f"{COURT}/cases/<uuid:case_id>/evidence-period": f"/cases/{NONEXISTENT}/evidence-period",
    f"{COURT}/cases/<uuid:case_id>/evidence-period/extend": f"/cases/{NONEXISTENT}/evidence-period/extend",
    f"{COURT}/cases/<uuid:case_id>/evidence-period/notices": f"/cases/{NONEXISTENT}/evidence-period/notices",
    f"{COURT}/cases/<uuid:case_id>/evidence-period/extensions/<uuid:extension_id>/decide": (
        f"/cases/{NONEXISTENT}/evidence-period/extensions/{NONEXISTENT}/decide"
    ),
    f"{COURT}/evidence/<uuid:evidence_id>/late-decision": f"/evidence/{NONEXISTENT}/late-decision",
}
