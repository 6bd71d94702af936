"""What parties and courts read about fees: a case's notices, ledger entries, balance and applications; the
court's list of notices (unpaid, overdue: the clerk's queue) and of applications awaiting a decision."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.cases import Case, access
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.fees import calculation, enforcement, ledger, notices
from app.fees.models import FeeNotice, FeeRelief, LedgerEntry
from app.legal import deadlines
from app.platform.pagination import Page, oldest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock


def describe_notice(notice: FeeNotice, *, case: Case | None = None) -> dict[str, Any]:
    """A notice as the API shows it."""
    now = clock.now()
    pending = db.session.scalar(
        select(FeeRelief.id).where(FeeRelief.notice_id == notice.id, FeeRelief.status == "pending")
    )
    case = case or db.session.get(Case, notice.case_id)
    return {
        "id": notice.id,
        "case_id": notice.case_id,
        "case_number": case.case_number if case else None,
        "case_title": case.title if case else None,
        "case_status": case.status if case else None,
        "party_id": notice.party_id,
        "court_id": notice.court_id,
        "purpose": notice.purpose,
        "status": notice.status,
        "amount_fen": notice.amount_fen,
        "amount_yuan": calculation.plain_yuan(notice.amount_fen),
        "original_amount_fen": notice.original_amount_fen,
        "basis": notice.basis,
        "issued_at": notice.issued_at,
        "due_at": notice.due_at,
        "last_day": notices.last_day(notice),
        "deadline": deadlines.localized(notice.deadline),  # its explanation in the reader's language
        "overdue": notice.status in ("unpaid", "deferred") and notice.due_at is not None and now >= notice.due_at,
        "relief_pending": pending is not None,
        "reminders_sent": list(notice.reminders_sent or []),
    }


def describe_entry(entry: LedgerEntry) -> dict[str, Any]:
    """A ledger entry as the API shows it."""
    return {
        "id": entry.id,
        "case_id": entry.case_id,
        "party_id": entry.party_id,
        "kind": entry.kind,
        "amount_fen": entry.amount_fen,
        "reference": entry.reference,
        "note": entry.note,
        "created_at": entry.created_at,
    }


def describe_relief(relief: FeeRelief) -> dict[str, Any]:
    """An application for deferral, reduction or waiver, with its decision."""
    return {
        name: getattr(relief, name)
        for name in (
            "id",
            "notice_id",
            "case_id",
            "party_id",
            "kind",
            "reasons",
            "evidence_ids",
            "requested_amount_fen",
            "requested_until",
            "status",
            "decided_at",
            "decision_reason",
            "granted_amount_fen",
            "granted_until",
            "created_at",
        )
    }


def case_fees(*, case_id: uuid.UUID, actor: Principal) -> dict[str, Any]:
    """A case's fees: the court's staff see every payer; a party (or their lawyer) sees their own."""
    case, facts = access.load(case_id, actor=actor)
    if permissions.may_review_filing(actor, facts):
        parties: set[uuid.UUID] | None = None
    else:
        parties = permissions.parties_of(actor, facts)
        if not parties:
            raise Forbidden("Only the parties and the court see a case's fees.", reason="fees.not_a_party")
    rows = ledger.entries(case.id)
    notice_rows = db.session.scalars(
        select(FeeNotice).where(FeeNotice.case_id == case.id).order_by(FeeNotice.issued_at)
    )
    relief_rows = db.session.scalars(
        select(FeeRelief).where(FeeRelief.case_id == case.id).order_by(FeeRelief.created_at)
    )
    if parties is not None:
        rows = [row for row in rows if row.party_id in parties]
    return {
        "case_id": case.id,
        "notices": [describe_notice(n, case=case) for n in notice_rows if parties is None or n.party_id in parties],
        "entries": [describe_entry(row) for row in rows],
        "balance": ledger.summarize(rows),
        "reliefs": [describe_relief(r) for r in relief_rows if parties is None or r.party_id in parties],
        "enforcement_fee": enforcement.for_case(case),
    }


def _courts(actor: Principal, court_id: uuid.UUID | None) -> list[uuid.UUID]:
    courts = permissions.review_court_ids(actor)
    if not courts:
        raise Forbidden("Only a court's clerks, judges and court system see fees.", reason="court.not_staff")
    if court_id is not None:
        if court_id not in courts:
            raise NotFound("No such court.", reason="court.not_found")
        return [court_id]
    return courts


def list_notices(
    *,
    actor: Principal,
    status: str | None = None,
    overdue: bool | None = None,
    court_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Notices at the caller's courts, the earliest deadline first (unpaid and deferred ones unless a status is
    asked for); overdue=true is the clerk's queue of cases whose time to pay has run out."""
    # every notice fees issues has a deadline; one written without (by hand) has no place in a deadline queue
    query = select(FeeNotice).where(FeeNotice.court_id.in_(_courts(actor, court_id)), FeeNotice.due_at.is_not(None))
    query = (
        query.where(FeeNotice.status == status) if status else query.where(FeeNotice.status.in_(("unpaid", "deferred")))
    )
    if overdue is not None:
        now = clock.now()
        query = query.where(FeeNotice.due_at <= now) if overdue else query.where(FeeNotice.due_at > now)
    page = oldest_first(query, at_column=FeeNotice.due_at, id_column=FeeNotice.id, cursor=cursor, limit=limit)
    return Page(items=[describe_notice(n) for n in page.items], next_cursor=page.next_cursor)


def list_reliefs(
    *,
    actor: Principal,
    status: str = "pending",
    court_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Applications for deferral, reduction or waiver at the caller's courts, the longest waiting first."""
    courts = _courts(actor, court_id)
    query = (
        select(FeeRelief)
        .join(FeeNotice, FeeNotice.id == FeeRelief.notice_id)
        .where(FeeNotice.court_id.in_(courts), FeeRelief.status == status)
    )
    page = oldest_first(query, at_column=FeeRelief.created_at, id_column=FeeRelief.id, cursor=cursor, limit=limit)
    return Page(items=[describe_relief(r) for r in page.items], next_cursor=page.next_cursor)
