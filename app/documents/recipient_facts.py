"""What routing a document reads about its recipient party, read for all recipients of a push at once.

Routing asks four things about the recipient: their consent for all cases (`consent_records.standing_of`), the
newest e-service consent row in the case (`latest`), the newest consent act naming an address (`last_address`)
and their active lawyers (`notify.people`). A push or a batch reads them for every recipient in one statement
(`prefetch`), with the holiday calendar's version (`app.legal.calendar`: the deadline of a served document then
needs no statement either). The readers take a party's facts from here while they are current and fall back to
their own query otherwise:

- the facts live for the current transaction only (dropped when it ends);
- a party's facts are dropped when a flush writes one of its consent rows, acts or agents (a standing consent
  drops them all), and are not used while such a row waits in the session unflushed: the reader then queries, as
  before, and sees what it would have seen.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ScalarSelect, Select, bindparam, event, select
from sqlalchemy.orm import Session, SessionTransaction, aliased

from app.cases import CaseAgent, CaseConsent, CaseParty
from app.documents.consent_models import ServiceConsentAct, StandingServiceConsent
from app.extensions import db
from app.legal import calendar

KEY = "documents.recipient_facts"
USERS = "documents.recipient_facts.users"  # user id -> the parties whose facts were kept for it, in order
_WATCHED = (CaseConsent, ServiceConsentAct, CaseAgent)


@dataclasses.dataclass
class Facts:
    """One recipient party's routing facts, as read by `prefetch`."""

    user_id: uuid.UUID | None
    standing: StandingServiceConsent | None
    latest: CaseConsent | None
    last_address: ServiceConsentAct | None
    lawyers: list[uuid.UUID]


def prefetch(parties: Iterable[CaseParty]) -> None:
    """Read the routing facts of these parties (those not read yet in this transaction) in one statement."""
    known: dict[uuid.UUID, Facts] = db.session.info.setdefault(KEY, {})
    wanted = {party.id for party in parties if party.id not in known}
    if not wanted:
        return
    keep(db.session.execute(_query(), {"party_ids": list(wanted)}).all())


def keep(rows: Sequence[Sequence[Any]], start: int = 0) -> None:
    """Keep for this transaction the facts read by `_query`, or by a statement that added them with `joined` (its
    columns from `start` on); a party already known keeps the facts it has. Rows without a party are skipped."""
    known: dict[uuid.UUID, Facts] = db.session.info.setdefault(KEY, {})
    found: dict[uuid.UUID, Facts] = {}
    for row in rows:
        party_id, user_id, standing, latest, last_address, lawyer, _version = row[start : start + 7]
        if party_id is None or party_id in known:
            continue
        facts = found.setdefault(party_id, Facts(user_id, standing, latest, last_address, []))
        if lawyer is not None and lawyer not in facts.lawyers:
            facts.lawyers.append(lawyer)
    if rows:
        calendar.saw_version(rows[0][start + 6])
    known.update(found)
    users: dict[uuid.UUID | None, list[uuid.UUID]] = db.session.info.setdefault(USERS, {})
    for party_id, facts in found.items():
        users.setdefault(facts.user_id, []).append(party_id)


def joined(query: Select) -> Select:
    """`query`, whose FROM is one join that holds CaseParty (the recipient), with the facts' seven columns added
    after its own and their outer joins: one statement reads what it reads and the facts (`keep`)."""
    latest_id, last_act_id = _latest()
    return (
        query.add_columns(
            CaseParty.id,
            CaseParty.user_id,
            StandingServiceConsent,
            CaseConsent,
            ServiceConsentAct,
            CaseAgent.lawyer_user_id,
            calendar.version_column(),
        )
        .outerjoin(StandingServiceConsent, StandingServiceConsent.user_id == CaseParty.user_id)
        .outerjoin(CaseConsent, CaseConsent.id == latest_id)
        .outerjoin(ServiceConsentAct, ServiceConsentAct.id == last_act_id)
        .outerjoin(CaseAgent, (CaseAgent.party_id == CaseParty.id) & (CaseAgent.status == "active"))
    )


@functools.cache
def _query() -> Select:
    """The statement, built once with bound parameters (building it per call cost more than running it)."""
    return joined(select().select_from(CaseParty)).where(CaseParty.id.in_(bindparam("party_ids", expanding=True)))


def _latest() -> tuple[ScalarSelect, ScalarSelect]:
    """The id of the party's newest e-service consent in its case and of its newest act naming an address."""
    newest = aliased(CaseConsent)
    latest_id = (
        select(newest.id)
        .where(newest.case_id == CaseParty.case_id, newest.party_id == CaseParty.id, newest.kind == "e_service")
        .order_by(newest.given_at.desc(), newest.id.desc())
        .limit(1)
        .correlate(CaseParty)
        .scalar_subquery()
    )
    act = aliased(ServiceConsentAct)
    last_act_id = (
        select(act.id)
        .where(act.party_id == CaseParty.id, act.address_kind.is_not(None))
        .order_by(act.at.desc(), act.id.desc())
        .limit(1)
        .correlate(CaseParty)
        .scalar_subquery()
    )
    return latest_id, last_act_id


def of(party_id: uuid.UUID) -> Facts | None:
    """The party's facts read in this transaction, when still current; else None (the caller queries)."""
    facts = db.session.info.get(KEY, {}).get(party_id)
    if facts is None or _unflushed(party_id, facts.user_id):
        return None
    return facts


def standing_of(user_id: uuid.UUID) -> tuple[bool, StandingServiceConsent | None]:
    """(True, the person's standing consent or None) when a recipient's facts hold it; (False, None) otherwise."""
    known: dict[uuid.UUID, Facts] = db.session.info.get(KEY, {})
    for party_id in db.session.info.get(USERS, {}).get(user_id, ()):  # not a scan of every party (a batch's 100)
        facts = known.get(party_id)  # None once a flush dropped them
        if facts is not None and of(party_id) is not None:
            return True, facts.standing
    return False, None


def _unflushed(party_id: uuid.UUID, user_id: uuid.UUID | None) -> bool:
    session = db.session
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, _WATCHED) and row.party_id == party_id:
            return True
        if isinstance(row, StandingServiceConsent) and row.user_id == user_id:
            return True
    return False


@event.listens_for(Session, "before_flush")
def _written(session: Session, flush_context: object, instances: object) -> None:
    """A flush that writes a party's consent rows, acts or agents drops its facts (a standing consent: all)."""
    known: dict[uuid.UUID, Facts] | None = session.info.get(KEY)
    if not known:
        return
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, StandingServiceConsent):
            known.clear()
            return
        if isinstance(row, _WATCHED) and row.party_id is not None:
            known.pop(row.party_id, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """The facts are good for one transaction."""
    if transaction.parent is None:
        session.info.pop(KEY, None)
        session.info.pop(USERS, None)
