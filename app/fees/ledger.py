"""The fee ledger: append-only entries per case and payer, in integer fen; every balance is derived from it.

`post` adds an entry to the caller's transaction (it flushes, the caller commits). The pair (kind, reference)
is unique: posting the same payment notification (same kind, same reference) twice books it once and returns
the first entry; the same reference with a different case, payer or amount is a Conflict. Entries are never
updated or deleted (an ORM guard refuses it; a correction is a new entry).
"""

from __future__ import annotations

import uuid

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from app.cases import CaseParty
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.fees.models import LEDGER_KINDS, FeeNotice, LedgerEntry
from app.utils import clock

ADDS_TO_DUE = ("due", "adjusted")
RELIEF = ("waived", "reduced")


def post(
    *,
    case_id: uuid.UUID,
    party_id: uuid.UUID,
    kind: str,
    amount_fen: int,
    reference: str | None,
    actor_user_id: uuid.UUID | None = None,
    note: str | None = None,
) -> LedgerEntry:
    """Append one entry (idempotent on (kind, reference)); the notice of the payer follows its balance."""
    if kind not in LEDGER_KINDS:
        raise ValidationFailed(errors={"kind": [f"One of {', '.join(LEDGER_KINDS)}."]})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed(errors={"amount_fen": ["A positive whole number of fen."]})
    if reference is not None:
        existing = _existing(kind, reference)
        if existing is not None:
            return _same_or_conflict(existing, case_id=case_id, party_id=party_id, amount_fen=amount_fen)
    if db.session.scalar(select(CaseParty.case_id).where(CaseParty.id == party_id)) != case_id:
        raise ValidationFailed(errors={"party_id": ["Not a party to this case."]})
    entry = LedgerEntry(
        case_id=case_id,
        party_id=party_id,
        kind=kind,
        amount_fen=amount_fen,
        reference=reference,
        actor_user_id=actor_user_id,
        note=note,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # the same (kind, reference) committed by a concurrent transaction
        existing = _existing(kind, reference) if reference is not None else None
        if existing is None:
            raise
        return _same_or_conflict(existing, case_id=case_id, party_id=party_id, amount_fen=amount_fen)
    if kind in ("paid", "refunded", "waived", "reduced", "adjusted"):
        _settle_notices(case_id, party_id)
    return entry


def _existing(kind: str, reference: str) -> LedgerEntry | None:
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == kind, LedgerEntry.reference == reference))


def _same_or_conflict(entry: LedgerEntry, *, case_id: uuid.UUID, party_id: uuid.UUID, amount_fen: int) -> LedgerEntry:
    if (entry.case_id, entry.party_id, entry.amount_fen) != (case_id, party_id, amount_fen):
        raise Conflict(
            "This reference is already booked for another case, payer or amount.", reason="fees.reference_reused"
        )
    return entry


def entries(case_id: uuid.UUID, party_id: uuid.UUID | None = None) -> list[LedgerEntry]:
    """A case's entries (or one payer's), oldest first."""
    query = select(LedgerEntry).where(LedgerEntry.case_id == case_id)
    if party_id is not None:
        query = query.where(LedgerEntry.party_id == party_id)
    return list(db.session.scalars(query.order_by(LedgerEntry.created_at, LedgerEntry.id)))


def balance(case_id: uuid.UUID, party_id: uuid.UUID | None = None) -> dict[str, int]:
    """Sums per kind and what is outstanding: due + adjusted - waived - reduced - (paid - refunded).

    A negative outstanding is money held for the payer (e.g. after a half fee on a mediated settlement,
    until it is refunded).
    """
    return summarize(entries(case_id, party_id))


def summarize(rows: list[LedgerEntry]) -> dict[str, int]:
    """The balance of some entries (see `balance`)."""
    sums = dict.fromkeys(LEDGER_KINDS, 0)
    for row in rows:
        sums[row.kind] += row.amount_fen
    owed = sums["due"] + sums["adjusted"] - sums["waived"] - sums["reduced"]
    return {
        "due": sums["due"] + sums["adjusted"],
        "paid": sums["paid"],
        "refunded": sums["refunded"],
        "waived": sums["waived"],
        "reduced": sums["reduced"],
        "deferred": sums["deferred"],
        "owed": owed,
        "outstanding": owed - (sums["paid"] - sums["refunded"]),
    }


def _settle_notices(case_id: uuid.UUID, party_id: uuid.UUID) -> None:
    """A payer's notices follow the ledger: the amount is what is outstanding; paid once nothing is, waived when
    nothing is owed. A refund does not reopen a paid notice (the balance shows what is outstanding): a refund that
    follows a lower fee (a half fee after a mediated settlement) should come after the `reduced` entry."""
    totals = balance(case_id, party_id)
    notices = db.session.scalars(
        select(FeeNotice).where(FeeNotice.case_id == case_id, FeeNotice.party_id == party_id)
    ).all()
    for notice in notices:
        if notice.status == "treated_as_withdrawn":
            continue
        notice.amount_fen = max(totals["outstanding"], 0)
        if totals["owed"] <= 0 and totals["paid"] == 0:
            notice.status, notice.settled_at = "waived", notice.settled_at or clock.now()
        elif totals["outstanding"] <= 0:
            notice.status, notice.settled_at = "paid", notice.settled_at or clock.now()


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise RuntimeError("fee ledger entries are append-only: post a new entry instead")
