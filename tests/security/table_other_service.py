"""Authorization rows for service by other means: the court's clerks and system record it on their court's documents.

Each call gets a judgment of its own, pushed to the defendant of an accepted case at the world's court (the defendant
has no account, so the document is held for a clerk). The judge reads documents but serving is not theirs (403);
court staff of another court get 404 (not theirs looks like does not exist); everyone else is stopped by the court
audience's gate.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from app.cases.models import CaseParty
from app.documents import push as documents_push
from app.extensions import db
from app.utils import clock
from tests.api.service.support import pdf_bytes
from tests.security.routes import COURT, Route
from tests.security.table_litigation import _accepted, _machine
from tests.security.world import NONEXISTENT, World

RULE = f"{COURT}/documents/<uuid:document_id>/other-service"


def _held_document(w: World) -> str:
    case = _accepted(w)
    defendant = db.session.scalars(
        select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.user_id.is_(None))
    ).first()
    assert defendant is not None
    meta = {"case_id": case.id, "recipient_party_id": defendant.id, "doc_type": "judgment", "title": "判决书"}
    pushed = documents_push.push(actor=_machine(w), meta=meta, stream=io.BytesIO(pdf_bytes()), submission_key=None)
    return f"/documents/{pushed['document_id']}/other-service"


ROUTES = [
    Route(
        "POST",
        RULE,
        "any",
        frozenset({"clerk", "machine"}),
        _held_document,
        lambda w: {"method": "in_person", "served_at": clock.now().isoformat()},
        special={"judge": 403},
    ),
]
NONEXISTENT_PATHS = {RULE: f"/documents/{NONEXISTENT}/other-service"}
