"""Carrying a failed mediation's evidence into the litigation filing made from it.

Every `stored` item the parties submitted in the mediation is copied inside the store (S3 `CopyObject`: no
bytes through the app) to a fresh key of the new case (`cases/{litigation}/evidence/{uuid}`), and a new
item with the same SHA-256, size, type, title, category and purpose is recorded for the mapped party,
already submitted. Drafts (never submitted) stay behind. Both items get a custody event `carried_over`
naming the other; the filing's timeline says how many came over.

This runs inside the transfer's transaction. When the store fails, the objects copied so far are deleted
(best effort: any that cannot be are unclaimed and the orphan sweep removes them after its grace period)
and StorageUnavailable propagates: the request answers 503 and rolls back, so no filing is left. A source
object that is missing, or whose copy has another size, is not carried; the timeline names it, and the
sweep's integrity pass already reports such an item in the mediation.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid

from sqlalchemy import select

from app.cases import Case, timeline
from app.cases import access as case_access
from app.errors import StorageUnavailable
from app.evidence import access as evidence_access
from app.evidence import rules as rules
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.extensions import db, storage
from app.i18n import message
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
ACTION = "carried_over"
COPIED = ("uploaded_by_user_id", "title", "category", "purpose", "filename", "declared_type", "declared_size")
COPIED_TOO = ("declared_sha256", "detected_type", "page_count")


@dataclasses.dataclass
class CarryReport:
    """What came over: (origin item, new item) pairs, and the ids of items that could not be copied."""

    carried: list[tuple[EvidenceItem, EvidenceItem]] = dataclasses.field(default_factory=list)
    not_carried: list[uuid.UUID] = dataclasses.field(default_factory=list)


def carry(
    origin: Case,
    litigation: Case,
    *,
    parties: dict[uuid.UUID, uuid.UUID],
    actor: Principal | None,
    role: str | None = None,
    exclude_from_case: uuid.UUID | None = None,
) -> CarryReport:
    """Copy each stored, submitted item of `origin` into `litigation` for the mapped party (503 leaves nothing).

    Items of a party `parties` does not map stay behind; with `exclude_from_case`, so do the items that were
    themselves carried from that case (a delegated mediation's evidence going back to the court's case).
    """
    query = select(EvidenceItem).where(
        EvidenceItem.case_id == origin.id,
        EvidenceItem.status == "stored",
        EvidenceItem.submitted_at.is_not(None),
    )
    items = list(db.session.scalars(query.order_by(EvidenceItem.party_id, EvidenceItem.catalogue_order)))
    came_from = set(copies_from(origin.id, exclude_from_case).values()) if exclude_from_case else set()
    items = [item for item in items if item.party_id in parties and item.id not in came_from]
    report = CarryReport()
    if not items:
        return report
    keys = _copy_objects(items, litigation)
    role = role or evidence_access.actor_role(actor, case_access.facts_for(origin))
    orders: dict[uuid.UUID, int] = {}
    for old in items:
        key = keys.get(old.id)
        if key is None:
            report.not_carried.append(old.id)
            continue
        party_id = parties[old.party_id]
        orders[party_id] = orders.get(party_id, 0) + 1
        new = _new_item(old, litigation, party_id=party_id, order=orders[party_id], key=key)
        data = {"from_evidence_id": str(old.id), "from_case_id": str(origin.id)}
        evidence_access.custody(new, ACTION, actor=actor, role=role, data=data)
        data = {"to_evidence_id": str(new.id), "to_case_id": str(litigation.id)}
        evidence_access.custody(old, ACTION, actor=actor, role=role, data=data)
        report.carried.append((old, new))
    _record(litigation, origin, report, actor=actor, role=role)
    return report


def copies_in(case_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """The items carried into a case: origin item id -> its copy there (read from the custody chain)."""
    return copies_from(case_id, None)


def copies_from(case_id: uuid.UUID, from_case_id: uuid.UUID | None) -> dict[uuid.UUID, uuid.UUID]:
    """Like `copies_in`, only the items carried from `from_case_id` (None: from any case)."""
    rows = db.session.execute(
        select(EvidenceCustodyEvent.evidence_id, EvidenceCustodyEvent.data).where(
            EvidenceCustodyEvent.case_id == case_id, EvidenceCustodyEvent.action == ACTION
        )
    )
    found = {}
    for item_id, data in rows:
        origin_item, origin_case = (data or {}).get("from_evidence_id"), (data or {}).get("from_case_id")
        if origin_item and (from_case_id is None or origin_case == str(from_case_id)):
            found[uuid.UUID(origin_item)] = item_id
    return found


def _copy_objects(items: list[EvidenceItem], litigation: Case) -> dict[uuid.UUID, str]:
    """Store-side copies under the new case's keys (item id -> new key); on an outage, undo them and raise."""
    keys: dict[uuid.UUID, str] = {}
    try:
        for item in items:
            key = rules.object_key(litigation.id)
            try:
                info = storage.copy(item.object_key, key)
            except KeyError:
                log.error("evidence object missing; not carried over", extra={"evidence_id": str(item.id)})
                continue
            keys[item.id] = key
            if info.size != item.declared_size:
                log.error("evidence object changed; not carried over", extra={"evidence_id": str(item.id)})
                del keys[item.id]
                _forget(key)
    except StorageUnavailable:
        for key in keys.values():
            _forget(key)
        raise
    return keys


def _forget(key: str) -> None:
    """Best-effort delete of a copy no row will claim; the orphan sweep removes it if this fails."""
    try:
        storage.delete(key)
    except StorageUnavailable:
        log.warning("carried evidence copy left for the sweep", extra={"key": key})


def _new_item(old: EvidenceItem, litigation: Case, *, party_id: uuid.UUID, order: int, key: str) -> EvidenceItem:
    now = clock.now()
    item = EvidenceItem(
        case_id=litigation.id,
        party_id=party_id,
        status="stored",
        catalogue_order=order,
        object_key=key,
        upload_key=rules.upload_key(litigation.id),  # required and unique; no form is ever issued for it
        upload_expires_at=now,
        stored_at=now,
        submitted_at=now,
        **{name: getattr(old, name) for name in COPIED + COPIED_TOO},
    )
    db.session.add(item)
    db.session.flush()
    return item


def _record(litigation: Case, origin: Case, report: CarryReport, *, actor: Principal | None, role: str) -> None:
    count = len(report.carried)
    source = message("the mediation") if origin.kind == "mediation" else message("the court's case")
    facts = {"count": count, "source": source}
    if report.not_carried and count == 1:
        summary = message(
            "%(count)s evidence item carried over from %(source)s; %(failed)s could not be copied",
            **facts,
            failed=len(report.not_carried),
        )
    elif report.not_carried:
        summary = message(
            "%(count)s evidence items carried over from %(source)s; %(failed)s could not be copied",
            **facts,
            failed=len(report.not_carried),
        )
    elif count == 1:
        summary = message("%(count)s evidence item carried over from %(source)s", **facts)
    else:
        summary = message("%(count)s evidence items carried over from %(source)s", **facts)
    timeline.record(
        litigation,
        "evidence.carried_over",
        actor=actor,
        actor_role=role,
        summary=summary,
        data={
            "origin_case_id": str(origin.id),
            "count": count,
            "evidence_ids": [str(new.id) for _old, new in report.carried],
            "not_carried": [str(item_id) for item_id in report.not_carried],
        },
    )
