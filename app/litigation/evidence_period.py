"""The court sets and extends the evidence period (举证期限) and serves each change as a 举证通知书 to every party.

Evidence owns the rules and the rows (`app.evidence.period_rules`, `EvidencePeriod`); this command sits above
evidence and documents: it checks the bounds of the procedure, computes the end with the deadline engine
(explained, holiday-aware), records the change (timeline, audit) and commits it, then serves one generated PDF
notice per party through the documents domain (e-service, its own chain and certificate). Each notice has an
idempotency key of its own (period, version, party), so serving again after a failure never doubles a notice.
Only those who serve documents (the court's clerks and court system) set or extend a period; judges decide late
evidence (`app.evidence.period.decide_late`).
"""

from __future__ import annotations

import io
import logging
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.documents import ServedDocument
from app.documents import push as documents_push
from app.errors import AppError, Conflict, Forbidden, NotFound
from app.evidence import EvidencePeriod, EvidencePeriodExtension, period_rules
from app.evidence import period as evidence_period
from app.extensions import db
from app.i18n import Message, label, mark, message
from app.identity import Court
from app.integrations import pdf
from app.legal import Deadline, compute_deadline, deadlines, load_overrides
from app.litigation import evidence_period_notice as notice
from app.litigation import notices
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)


def _load(case_id: uuid.UUID, actor: Principal) -> tuple[Case, str]:
    case, _facts = case_access.load(case_id, actor=actor, lock=True)
    if case.court_id is None or not permissions.may_serve_documents(actor, case.court_id):
        raise Forbidden(
            "The court's clerks and court system set the evidence period and serve its notice.",
            reason="evidence_period.not_court",
        )
    evidence_period.ensure_open_for_period(case)
    return case, evidence_period.require_court(actor, case)


def set_period(*, case_id: uuid.UUID, procedure: str, days: int, reason: str | None, actor: Principal) -> dict:
    """Set the case's period under its procedure (bounds checked), then serve the notice to every party."""
    case, role = _load(case_id, actor)
    if evidence_period.current(case.id) is not None:
        raise Conflict("The evidence period is already set; extend it instead.", reason="evidence_period.already_set")
    period_rules.check_days(procedure, days, reason)
    now = clock.now()
    deadline = compute_deadline(
        trigger_at=now,
        period_days=days,
        trigger_label="evidence.notice_issued",
        period_label=f"举证期限（{period_rules.PROCEDURE_LABELS[procedure]}）",
        overrides=load_overrides(),
    ).require_covered()
    period = EvidencePeriod(
        case_id=case.id,
        procedure=procedure,
        days=days,
        set_at=now,
        set_by_user_id=actor.user_id,
        reason=(reason or "").strip() or None,
        **_end(deadline),
    )
    db.session.add(period)
    db.session.flush()
    summary = message(
        "evidence period set: %(days)s days (%(procedure)s), ends 24:00 on %(day)s",
        days=days,
        procedure=label("procedure", procedure),
        day=deadline.last_day,
    )
    _record(case, period, "evidence_period.set", actor, role, summary, reason=period.reason, days=days)
    db.session.commit()
    return _serve_and_view(case, period, actor)


def extend(*, case_id: uuid.UUID, days: int, reason: str, actor: Principal) -> dict:
    """The court extends the period of its own motion; counted on from the current last day."""
    case, role = _load(case_id, actor)
    period = _period(case)
    period_rules.check_extension(days)
    row = EvidencePeriodExtension(
        case_id=case.id, period_id=period.id, requested_days=days, reason=reason.strip(), status="granted"
    )
    db.session.add(row)
    _apply(case, period, row, days, actor, role, reason.strip())
    db.session.commit()
    return _serve_and_view(case, period, actor)


def decide_extension(
    *, case_id: uuid.UUID, extension_id: uuid.UUID, granted: bool, days: int | None, reason: str, actor: Principal
) -> dict:
    """Grant (with the days asked, or others) or refuse a party's application; a grant extends for every party."""
    case, role = _load(case_id, actor)
    period = _period(case)
    row = db.session.scalar(
        select(EvidencePeriodExtension)
        .where(EvidencePeriodExtension.id == extension_id, EvidencePeriodExtension.case_id == case.id)
        .with_for_update()
    )
    if row is None:
        raise NotFound("No such application in this case.", reason="evidence_period.extension_not_found")
    if row.status != "pending":
        raise Conflict(
            f"The application is already {row.status}.",
            reason="evidence_period.extension_decided",
            errors={"status": [row.status]},
        )
    if not granted:
        row.status = "refused"
        _decided(row, actor, reason)
        summary = message(
            "the court refused the application to extend the evidence period by %(days)s days", days=row.requested_days
        )
        _record(case, period, "evidence_period.extension_refused", actor, role, summary, reason=reason, row=row)
        told = _tell_applicant(case, row, notices.EXTENSION_REFUSED.to_data())
        db.session.commit()
        notices.send(told)
        return court_view(case_id=case.id, actor=actor)
    granted_days = days or row.requested_days
    period_rules.check_extension(granted_days)
    row.status = "granted"
    _apply(case, period, row, granted_days, actor, role, reason)
    told = _tell_applicant(case, row, notices.extension_granted(granted_days))
    db.session.commit()
    notices.send(told)
    return _serve_and_view(case, period, actor)


def _tell_applicant(case: Case, row: EvidencePeriodExtension, result: dict) -> list[uuid.UUID]:
    """The party who applied (and whoever filed it for them) learns the decision (the new notice follows a grant)."""
    party = db.session.get(CaseParty, row.party_id) if row.party_id else None
    people = (row.applied_by_user_id, party.user_id if party else None)
    return notices.tell(case, "evidence_extension_decided", people, result=result)


def _period(case: Case) -> EvidencePeriod:
    period = db.session.scalar(select(EvidencePeriod).where(EvidencePeriod.case_id == case.id).with_for_update())
    if period is None:
        raise Conflict("The court has not set an evidence period for this case.", reason="evidence_period.not_set")
    return period


def _end(deadline: Deadline) -> dict:
    assert deadline.last_day is not None and deadline.ends_at is not None  # require_covered() was called
    return {"last_day": deadline.last_day, "ends_at": deadline.ends_at, "deadline": deadline.as_dict()}


def _decided(row: EvidencePeriodExtension, actor: Principal, reason: str) -> None:
    row.decided_by_user_id, row.decided_at, row.decision_reason = actor.user_id, clock.now(), reason.strip()


def _apply(
    case: Case,
    period: EvidencePeriod,
    row: EvidencePeriodExtension,
    days: int,
    actor: Principal,
    role: str,
    reason: str,
) -> None:
    """Extend by `days` counted from the day after the current last day (a raw end on a holiday rolls forward)."""
    deadline = compute_deadline(
        trigger_at=period_rules.extension_trigger(period.ends_at),
        period_days=days,
        trigger_label=deadlines.trigger("evidence.period_ended", day=period.last_day),
        period_label="延长举证期限",
        overrides=load_overrides(),
    ).require_covered()
    row.granted_days, row.previous_ends_at = days, period.ends_at
    _decided(row, actor, reason)
    end = _end(deadline)
    period.last_day, period.ends_at, period.deadline = end["last_day"], end["ends_at"], end["deadline"]
    period.extended_days += days
    period.version += 1
    row.new_ends_at = period.ends_at
    db.session.flush()
    summary = message(
        "evidence period extended by %(days)s days, ends 24:00 on %(day)s", days=days, day=period.last_day
    )
    _record(case, period, "evidence_period.extended", actor, role, summary, reason=reason, days=days, row=row)


def _record(
    case: Case,
    period: EvidencePeriod,
    event: str,
    actor: Principal,
    role: str,
    summary: Message,
    *,
    reason: str | None,
    days: int | None = None,
    row: EvidencePeriodExtension | None = None,
) -> None:
    data = {"period_id": str(period.id), "version": period.version, "ends_at": period.ends_at.isoformat()}
    if days is not None:
        data["days"] = days
    if row is not None:
        data["extension_id"] = str(row.id)
        data["party_id"] = str(row.party_id) if row.party_id else None
    timeline.record(case, event, actor=actor, actor_role=role, summary=summary, reason=reason, data=data)
    audit.record(event, actor=actor, object_type="evidence_period", object_id=period.id, details=data)


def serve_notices(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """Serve the current version's notice to the parties who have none yet (after a push failed); idempotent."""
    case, _role = _load(case_id, actor)
    period = _period(case)
    db.session.commit()  # release the locks: each push takes its own
    return _serve_and_view(case, period, actor)


def court_view(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The period as the court sees it, with the parties still waiting for this version's notice."""
    view = evidence_period.get(case_id=case_id, actor=actor)
    case = db.session.get_one(Case, case_id)
    period = evidence_period.current(case.id)
    if period is not None and case.court_id is not None and permissions.is_court_staff(actor, case.court_id):
        view["notices_missing"] = [party.id for party in _missing(case, period)]
    return view


def _key(period: EvidencePeriod, party: CaseParty) -> str:
    return f"evidence-period:{period.id}:v{period.version}:{party.id}"


def _missing(case: Case, period: EvidencePeriod) -> list[CaseParty]:
    """The parties without this version's notice (whoever of the court pushed it), in a stable order."""
    parties = list(db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.role)))
    keys = [_key(period, party) for party in parties]
    served = set(
        db.session.scalars(
            select(ServedDocument.submission_key).where(
                ServedDocument.case_id == case.id,
                ServedDocument.submission_key.in_(keys),
                ServedDocument.status != "rejected",
            )
        )
    )
    return [party for party in parties if _key(period, party) not in served]


def _serve_and_view(case: Case, period: EvidencePeriod, actor: Principal) -> dict:
    """Serve this version's notice to every party who has none, remember the documents, answer the court's view."""
    served = list(period.notice_document_ids or [])
    for party in _missing(case, period):  # each push commits on its own
        try:
            result = documents_push.push(
                actor=actor,
                meta={
                    "case_id": case.id,
                    "recipient_party_id": party.id,
                    "doc_type": "evidence_notice",
                    "title": pdf.words(
                        mark("pdf", "Evidence notice (evidence period until %(day)s)"), day=period.last_day
                    ),
                },
                stream=io.BytesIO(notice.render(_notice_data(case, period, party))),
                submission_key=_key(period, party),
            )
        except AppError:
            log.warning("evidence notice not served", extra={"case_id": str(case.id), "party_id": str(party.id)})
            continue
        if str(result["document_id"]) not in served:
            served.append(str(result["document_id"]))
    period = db.session.get_one(EvidencePeriod, period.id)
    period.notice_document_ids = served
    db.session.commit()
    return court_view(case_id=case.id, actor=actor)


def _notice_data(case: Case, period: EvidencePeriod, party: CaseParty) -> notice.NoticeData:
    """The notice's words, in Chinese whoever asks (a court document: docs/i18n.md), from the catalogue."""
    court = db.session.get(Court, case.court_id)
    extended = (
        pdf.words(mark("pdf", ", extended by %(days)s days"), days=period.extended_days) if period.extended_days else ""
    )
    ends = period.ends_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    set_on = period.set_at.astimezone(clock.SHANGHAI).date()
    explained = deadlines.localized(period.deadline, pdf.DOCUMENT_LANGUAGE) or {}  # stored in its writer's language
    procedure = label("procedure", period.procedure)
    return notice.NoticeData(
        heading=pdf.words(notice.TITLE),
        fields=[
            (pdf.words(mark("pdf", "Court")), court.name if court else "—"),
            (pdf.words(mark("pdf", "Case number")), case.case_number or "—"),
            (pdf.words(mark("pdf", "Cause of action")), case.title),
            (
                pdf.words(mark("pdf", "Notified party")),
                pdf.words(mark("pdf", "%(name)s (%(role)s)"), name=party.name, role=pdf.party_role(party.role)),
            ),
            (
                pdf.words(mark("pdf", "Procedure")),
                procedure.render(pdf.DOCUMENT_LANGUAGE) if isinstance(procedure, Message) else procedure,
            ),
            (
                pdf.words(mark("pdf", "Evidence period")),
                pdf.words(
                    mark("pdf", "%(days)s days%(extended)s, counted from the day after %(day)s"),
                    days=period.days,
                    extended=extended,
                    day=set_on,
                ),
            ),
            (
                pdf.words(mark("pdf", "Ends at")),
                pdf.words(mark("pdf", "%(day)s 24:00 (Beijing time, %(ends)s)"), day=period.last_day, ends=ends),
            ),
        ],
        explanation=[str(line) for line in explained.get("explanation", [])],
    )
