"""Loading evidence with the facts its permission checks need, and writing the chain of custody."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, Select, Table, Uuid, bindparam, func, insert, select, true

from app.audit import log as audit
from app.cases import Case, end_hooks
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden, NotFound
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock
from app.utils.ids import new_id

NOT_FOUND = "evidence.not_found"


def not_found() -> NotFound:
    """The one answer for unknown, deleted and not-yours items."""
    return NotFound("No such evidence.", reason=NOT_FOUND)


def load(evidence_id: uuid.UUID, *, actor: Principal, lock: bool = False) -> tuple[EvidenceItem, Case, CaseFacts]:
    """The item, its case and the case's facts if the caller may see the item; otherwise 404.

    With lock=True the case row and then the item row are locked, in that order (as every writer does).
    """
    item = db.session.get(EvidenceItem, evidence_id)
    if item is None or item.status == "deleted":
        raise not_found()
    try:
        case, facts = case_access.load(item.case_id, actor=actor, lock=lock)
    except NotFound:
        raise not_found() from None
    if lock:
        item = db.session.scalar(_LOCKED_ITEM, {"evidence_id": evidence_id})
        if item is None or item.status == "deleted":
            raise not_found()
    if not permissions.may_view_evidence(actor, facts, owner_party_id=item.party_id, submitted=item.submitted):
        raise not_found()
    return item, case, facts


# Built once with a bound id. populate_existing: the row read before the lock is in the identity map; take the
# locked version.
_LOCKED_ITEM = (
    select(EvidenceItem)
    .where(EvidenceItem.id == bindparam("evidence_id", type_=Uuid))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def load_own(evidence_id: uuid.UUID, *, actor: Principal, lock: bool = False) -> tuple[EvidenceItem, Case, CaseFacts]:
    """An item the caller may manage (their party's side): 404 when unseen, 403 when only readable."""
    item, case, facts = load(evidence_id, actor=actor, lock=lock)
    _ensure_own(actor, facts, item)
    return item, case, facts


def _ensure_own(actor: Principal, facts: CaseFacts, item: EvidenceItem) -> None:
    if not permissions.may_manage_evidence(actor, facts, item.party_id):
        raise Forbidden(
            "Only the party who brought this evidence, or their lawyer, may do this.", reason="evidence.not_owner"
        )


def load_own_item(evidence_id: uuid.UUID, *, actor: Principal) -> tuple[EvidenceItem, CaseFacts]:
    """`load_own` without the Case entity, unlocked, in one statement (issue 18): the item, its case's columns the
    facts need and the case's connections (one row per connection, the item repeated; at least one row). The same
    answers as `load_own`: 404 for an unknown, deleted or unseen item, 403 when it is only readable."""
    rows = db.session.execute(_ITEM_WITH_FACTS, {"evidence_id": evidence_id}).all()
    item = rows[0][0] if rows else None
    if item is None or item.status == "deleted":
        raise not_found()
    first = rows[0]
    case = _CaseColumns(
        first.case_row_id,
        first.court_id,
        first.org_id,
        first.mediator_user_id,
        first.filed_by_user_id,
        first.filed_via,
    )
    facts = case_access.facts_from(cast(Case, case), [row for row in rows if row.kind is not None])
    if not permissions.may_read_case(actor, facts):
        raise not_found()
    if not permissions.may_view_evidence(actor, facts, owner_party_id=item.party_id, submitted=item.submitted):
        raise not_found()
    _ensure_own(actor, facts, item)
    return item, facts


class _CaseColumns(NamedTuple):
    """The columns of a case that `case_access.facts_from` reads."""

    id: uuid.UUID
    court_id: uuid.UUID | None
    org_id: uuid.UUID | None
    mediator_user_id: uuid.UUID | None
    filed_by_user_id: uuid.UUID | None
    filed_via: str


def _item_with_facts() -> Select:
    """Built once: the item (an entity), its case's columns and, outer-joined, the case's `facts_rows`."""
    item_id = bindparam("evidence_id", type_=Uuid)
    case_of_item = select(EvidenceItem.case_id).where(EvidenceItem.id == item_id).scalar_subquery()
    connections = case_access.facts_rows(cast(Any, case_of_item)).subquery("connections")
    return (
        select(
            EvidenceItem,
            Case.id.label("case_row_id"),
            Case.court_id,
            Case.org_id,
            Case.mediator_user_id,
            Case.filed_by_user_id,
            Case.filed_via,
            connections.c.kind,
            connections.c.party_id,  # named as facts_from reads them
            connections.c.user_id,
        )
        .join(Case, Case.id == EvidenceItem.case_id)
        .outerjoin(connections, true())
        .where(EvidenceItem.id == item_id)
    )


_ITEM_WITH_FACTS = _item_with_facts()


def ensure_open(case: Case) -> None:
    """Evidence can be added, shared and examined only while the case is open: for litigation, until the decision
    (adjudicated, appealed, effective, closed: a second instance has its own case and evidence)."""
    ended = case.kind == "litigation" and end_hooks.has_ended(case.kind, case.status)
    if ended or case.status in case_lifecycle.TERMINAL[case.kind]:
        raise Conflict(
            f"The case is {case.status}; its evidence can no longer change.",
            reason="evidence.case_closed",
            errors={"status": [case.status]},
        )


def actor_role(actor: Principal | None, facts: CaseFacts) -> str:
    """How the caller relates to the case, for custody events and the timeline."""
    if actor is None:
        return "system"
    relations = permissions.case_relations(actor, facts)
    for role in ("party", "agent", "mediator", "court_staff", "org_admin"):
        if role in relations:
            return "lawyer" if role == "agent" else role
    return "user"


def custody(
    item: EvidenceItem, action: str, *, actor: Principal | None, role: str, data: dict | None = None
) -> EvidenceCustodyEvent:
    """Append one custody event in the caller's transaction (server time, the item's current hash).

    It is mirrored in the hash-chained audit log (`evidence.<action>`), so evidence access is tamper-evident.
    """
    event = EvidenceCustodyEvent(
        evidence_id=item.id,
        case_id=item.case_id,
        at=clock.now(),
        action=action,
        actor_user_id=actor.user_id if actor is not None else None,
        actor_role=role,
        sha256=item.declared_sha256 if item.status == "stored" else None,
        data=data or {},
    )
    db.session.add(event)
    details = {"case_id": str(item.case_id), "as": role, "sha256": event.sha256}
    audit.record(f"evidence.{action}", actor=actor, object_type="evidence", object_id=item.id, details=details)
    return event


def custody_written(
    evidence_id: uuid.UUID,
    case_id: uuid.UUID,
    action: str,
    *,
    actor: Principal | None,
    role: str,
    sha256: str | None = None,
    data: dict | None = None,
) -> None:
    """`custody` for an item whose row is already written, as one INSERT now (no ORM object: nothing in the
    request reads the event back); `sha256` is the item's hash when it is stored, else None."""
    row = custody_row(evidence_id, case_id, action, actor=actor, role=role, sha256=sha256, data=data)
    db.session.execute(_INSERT_CUSTODY, row)
    custody_audited(row, actor=actor)


def custody_row(
    evidence_id: uuid.UUID,
    case_id: uuid.UUID,
    action: str,
    *,
    actor: Principal | None,
    role: str,
    sha256: str | None = None,
    data: dict | None = None,
) -> dict[str, Any]:
    """The custody event `custody_written` inserts, as the row's values (for a caller that inserts it itself)."""
    return {
        "id": new_id(),
        "evidence_id": evidence_id,
        "case_id": case_id,
        "at": clock.now(),
        "action": action,
        "actor_user_id": actor.user_id if actor is not None else None,
        "actor_role": role,
        "sha256": sha256,
        "data": data or {},
    }


def custody_audited(row: dict[str, Any], *, actor: Principal | None, carried: bool = False) -> None:
    """Mirror a custody event written from `custody_row` in the audit log, as `custody_written` does; `carried`:
    by the statement that writes the event (app/audit/log.py `record_carried`), which the caller runs next."""
    details = {"case_id": str(row["case_id"]), "as": row["actor_role"], "sha256": row["sha256"]}
    append = audit.record_carried if carried else audit.record
    append(
        f"evidence.{row['action']}", actor=actor, object_type="evidence", object_id=row["evidence_id"], details=details
    )


_INSERT_CUSTODY = insert(cast(Table, EvidenceCustodyEvent.__table__))  # built once: the ORM's INSERT, no object


def custody_events(item: EvidenceItem, *, limit: int = 100) -> tuple[list[EvidenceCustodyEvent], int]:
    """The newest custody events of an item (at most `limit`) and how many there are in all."""
    events = db.session.scalars(_NEWEST_EVENTS, {"evidence_id": item.id, "limit": limit})
    total = db.session.scalar(_EVENT_COUNT, {"evidence_id": item.id})
    return list(events), int(total or 0)


_OF_ITEM = EvidenceCustodyEvent.evidence_id == bindparam("evidence_id", type_=Uuid)
_NEWEST_EVENTS = (
    select(EvidenceCustodyEvent)
    .where(_OF_ITEM)
    .order_by(EvidenceCustodyEvent.at.desc(), EvidenceCustodyEvent.id.desc())
    .limit(bindparam("limit", type_=Integer))
)
_EVENT_COUNT = select(func.count()).where(_OF_ITEM)
