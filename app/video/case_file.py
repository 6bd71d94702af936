"""The frozen minutes (笔录) of a case's sessions as materials of its case file (app.casefile.providers).

The case file has already decided that the requester may have the case's file (a party or their lawyer, or the
court's staff for the full file); every frozen minutes of the case belongs to all of them, as the minutes are read
and signed by every participant. `app.wiring` registers `for_case_file` under the name "minutes" (folder 笔录/).
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases import Case
from app.extensions import db, storage
from app.i18n import mark
from app.integrations import pdf
from app.scheduling import MediationSession
from app.security.permissions import Principal
from app.utils import clock
from app.video import minutes_pdf
from app.video.models import SessionMinutes

FOLDER = pdf.words(mark("pdf", "Minutes"))  # the case file's folder of minutes (笔录/), Chinese as the whole file


def for_case_file(case: Case, viewer: Principal) -> list[dict]:
    """Each frozen minutes of the case with its PDF's key, size and SHA-256, oldest session first."""
    del viewer  # the case file's own access check decided already; the minutes are the same for every reader
    rows = db.session.execute(
        select(SessionMinutes, MediationSession)
        .join(MediationSession, MediationSession.id == SessionMinutes.session_id)
        .where(
            SessionMinutes.case_id == case.id,
            SessionMinutes.status == "frozen",
            SessionMinutes.pdf_key.is_not(None),
        )
        .order_by(MediationSession.starts_at, SessionMinutes.id)
    ).all()
    items = []
    for minutes, session in rows:
        assert minutes.pdf_key is not None
        blob = storage.head(minutes.pdf_key)
        day = session.starts_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d")
        title = f"{minutes_pdf.title_of(session.kind)} {day}"
        items.append(
            {
                "id": str(minutes.id),
                "session_id": str(session.id),
                "key": minutes.pdf_key,
                "title": title,
                "origin": "minutes",
                "origin_label": pdf.words(mark("pdf", "minutes frozen once every signer answered")),
                "date": minutes.frozen_at.isoformat() if minutes.frozen_at else None,
                "frozen_at": minutes.frozen_at.isoformat() if minutes.frozen_at else None,
                "size": blob.size if blob is not None else None,
                "sha256": minutes.pdf_sha256,
                "text_sha256": minutes.sha256,
                "extension": "pdf",
            }
        )
    return items
