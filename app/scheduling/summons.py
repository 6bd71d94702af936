"""Summons (传票) for hearings: a PDF per party, served through electronic service (the documents domain's push).

Each booking serves round 1 to every party of the case; each postponement serves the next round with the new
time and the reason. The summons is pushed after the hearing's own commit (push commits its document, its
delivery and the party's notification itself), under a submission key made of the hearing, the round and the
party, so serving again never makes a second document. A push that fails is recorded on the summons row
(`error`) for the clerk to follow up, and the hearing stays booked. Documents never import scheduling.

Who serves: the booking clerk or court system; a judge's booking is served in the name of the court's system
(documents are served by clerks and court systems only, `permissions.may_serve_documents`).
"""

from __future__ import annotations

import io
import logging
import uuid

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy import select

from app.cases import Case, CaseParty
from app.documents import push as documents_push
from app.extensions import db
from app.i18n import mark
from app.identity import Court
from app.integrations import pdf
from app.scheduling.models import Courtroom, HearingSummons, MediationSession
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
# The summons' words come from the catalogue (context "pdf") and are written in Chinese whoever asks (docs/i18n.md).
KIND_LABELS = {"hearing": mark("pdf", "trial hearing"), "pretrial_meeting": mark("pdf", "pre-trial meeting")}
HEARING = mark("pdf", "hearing")  # a kind the table does not name


def server(actor: Principal, court_id: uuid.UUID) -> Principal:
    """Who pushes the summons: the caller if they serve documents, else the court's system."""
    if permissions.may_serve_documents(actor, court_id):
        return actor
    return Principal(
        kind="machine", subject=f"hearings:{court_id}", court_roles={court_id: frozenset({"court_system"})}
    )


def serve_all(session_id: uuid.UUID, *, round_no: int, actor: Principal, reason: str | None = None) -> int:
    """Serve round `round_no` of the hearing's summons on every party of its case; returns how many were served."""
    session = db.session.get_one(MediationSession, session_id)
    case = db.session.get_one(Case, session.case_id)
    parties = db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id)).all()
    who = server(actor, case.court_id) if case.court_id else actor
    served = 0
    for party_id in [party.id for party in parties]:
        served += _serve_one(session_id, case.id, party_id, round_no=round_no, actor=who, reason=reason)
    return served


def _serve_one(
    session_id: uuid.UUID,
    case_id: uuid.UUID,
    party_id: uuid.UUID,
    *,
    round_no: int,
    actor: Principal,
    reason: str | None,
) -> int:
    session = db.session.get_one(MediationSession, session_id)
    case, party = db.session.get_one(Case, case_id), db.session.get_one(CaseParty, party_id)
    title = pdf.words(mark("pdf", "Summons for %(kind)s (%(at)s)"), kind=_kind(session), at=_local(session))
    meta = {"case_id": case.id, "recipient_party_id": party.id, "doc_type": "summons", "title": title}
    key = f"summons:{session.id}:{round_no}:{party.id}"
    document_id, error = None, None
    try:
        body = render(session, case, party, reason=reason)
        result = documents_push.push(actor=actor, meta=meta, stream=io.BytesIO(body), submission_key=key)
        document_id = result["document_id"]
    except Exception as exc:  # the hearing stays booked; the clerk sees the failed summons
        db.session.rollback()
        log.exception("summons could not be served", extra={"session_id": str(session_id), "party_id": str(party_id)})
        error = f"{type(exc).__name__}: {exc}"[:500]
    db.session.add(
        HearingSummons(session_id=session_id, party_id=party_id, round=round_no, document_id=document_id, error=error)
    )
    db.session.commit()
    return 1 if document_id is not None else 0


def render(session: MediationSession, case: Case, party: CaseParty, *, reason: str | None = None) -> bytes:
    """The summons as PDF bytes (A4; fonts embedded as for the service certificate)."""
    fonts = pdf.certificate_fonts()
    faces = (fonts.cjk, fonts.sans)
    base = ParagraphStyle("base", fontName=fonts.cjk.name, fontSize=12, leading=20, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=base, fontSize=22, leading=30, alignment=1)
    court = db.session.get(Court, case.court_id) if case.court_id else None
    room = db.session.get(Courtroom, session.courtroom_id) if session.courtroom_id else None
    if room:
        place = room.name
        if room.location:
            place += pdf.words(mark("pdf", " (%(location)s)"), location=room.location)
    else:
        place = pdf.words(mark("pdf", "online (%(url)s)"), url=session.meeting_url)
    role = pdf.party_role(party.role, party.role)
    until = session.ends_at.astimezone(clock.SHANGHAI).strftime("%H:%M")
    lines = [
        pdf.words(mark("pdf", "Case number: %(number)s"), number=case.case_number or "—"),
        pdf.words(mark("pdf", "Cause of action: %(cause)s"), cause=case.category or case.title),
        pdf.words(mark("pdf", "Person summoned: %(name)s (%(role)s)"), name=party.name, role=role),
        pdf.words(mark("pdf", "Summoned for: %(kind)s"), kind=_kind(session)),
        pdf.words(mark("pdf", "Time to appear: %(start)s to %(end)s (Beijing time)"), start=_local(session), end=until),
        pdf.words(mark("pdf", "Place to appear: %(place)s"), place=place),
    ]
    if reason:
        lines.append(pdf.words(mark("pdf", "Reason for the postponement: %(reason)s"), reason=reason))
    lines.append(pdf.words(NOTES))
    title = pdf.words(mark("pdf", "SUMMONS"))
    story = [_para(f"{court.name if court else ''}", heading, faces), _para(title, heading, faces), Spacer(1, 8 * mm)]
    story += [_para(line, base, faces) for line in lines]
    today = clock.now_shanghai()
    issued = pdf.words(
        mark("pdf", "Date of issue: %(day)s/%(month)s/%(year)s"),
        year=today.strftime("%Y"),
        month=today.strftime("%m"),
        day=today.strftime("%d"),
    )
    story += [Spacer(1, 10 * mm), _para(issued, base, faces)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        initialFontName=fonts.cjk.name,
        title=pdf.words(mark("pdf", "Summons")),
        author=court.name if court else pdf.words(pdf.AUTHOR),
    ).build(story)
    return buffer.getvalue()


def _para(text: str, style: ParagraphStyle, faces: tuple) -> Paragraph:
    """A paragraph whose characters are each set in the first face that has them (CJK, then Latin)."""
    runs: list[tuple[str, str]] = []
    for char in text:
        name = next((face.name for face in faces if ord(char) in face.glyphs), faces[0].name)
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    markup = "".join(f'<font face="{name}">{_escape(run)}</font>' for name, run in runs)
    return Paragraph(markup, style)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


NOTES = mark(
    "pdf",
    "Notes: the person summoned shall appear on time, bringing this summons and an identity document; an agent "
    "appointed by a party shall submit the power of attorney. A plaintiff who, summoned by summons, refuses to "
    "appear without a proper reason may be treated as having withdrawn the action; a defendant who, summoned by "
    "summons, refuses to appear without a proper reason may be judged by default.",
)


def _kind(session: MediationSession) -> str:
    return pdf.words(KIND_LABELS.get(session.kind, HEARING))


def _local(session: MediationSession) -> str:
    return session.starts_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def of_session(session_id: uuid.UUID) -> list[HearingSummons]:
    """Every summons row of a hearing, by round."""
    query = select(HearingSummons).where(HearingSummons.session_id == session_id)
    return list(db.session.scalars(query.order_by(HearingSummons.round, HearingSummons.created_at)))
