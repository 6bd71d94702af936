"""Evidence for an appeal: the one opening in a decided litigation's closed evidence.

Evidence closes when the case is decided (access.ensure_open: 409 `evidence.case_closed`). A party whose appeal
period is still running may nevertheless bring new evidence with the appeal (CPL Art. 172: the appeal states its
evidence). Such an item is requested with `stage: "appeal"`; it goes through the same presigned upload and
verification, is marked on its `requested` custody event (`{"stage": "appeal"}`), and is offered by id with the
appeal (`POST /cases/{id}/appeals` `evidence_ids`), which shares it with the court and the other parties
(`share_with_appeal`). It cannot be submitted on its own (submitting, opinions and every other upload stay closed)
and is never late: the first-instance evidence period does not govern it.

Whether a party's appeal period is open is litigation's knowledge (litigation sits above evidence): it registers
the check here (`register_window`), connected once in app/wiring.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from app.cases import Case, timeline
from app.errors import Conflict
from app.evidence import access as evidence_access
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.extensions import db
from app.i18n import message
from app.security.permissions import Principal
from app.utils import clock

STAGE = "appeal"
STAGES = ("first_instance", STAGE)
# (the case, the party) -> True while that party may still appeal
Window = Callable[[Case, uuid.UUID], bool]
_window: list[Window] = []


def register_window(check: Window) -> None:
    """Connect litigation's check of a party's running appeal period (app/wiring.py); replaces an earlier one."""
    _window[:] = [check]


def ensure_open(case: Case, *, party_id: uuid.UUID, stage: str | None) -> bool:
    """Check that evidence may be added for `party_id` at `stage`; True when it is appeal evidence.

    Appeal evidence: only to a decided litigation, only for a party whose appeal period runs (else 409
    `evidence.appeal_closed`). Any other stage: the ordinary rule (409 `evidence.case_closed` once decided).
    """
    if stage != STAGE:
        evidence_access.ensure_open(case)
        return False
    if case.kind != "litigation" or case.status not in ("adjudicated", "appealed"):
        raise Conflict(
            f"The case is {case.status}: evidence for an appeal is brought once a decision is served.",
            reason="evidence.appeal_closed",
            errors={"status": [case.status]},
        )
    if not _window or not _window[0](case, party_id):
        raise Conflict(
            "Evidence for an appeal is brought while this party's appeal period runs; it has ended or not begun.",
            reason="evidence.appeal_closed",
            errors={"status": [case.status]},
        )
    return True


def appeal_item_ids(case_id: uuid.UUID) -> set[uuid.UUID]:
    """The items of a case requested as appeal evidence."""
    query = select(EvidenceCustodyEvent.evidence_id, EvidenceCustodyEvent.data).where(
        EvidenceCustodyEvent.case_id == case_id, EvidenceCustodyEvent.action == "requested"
    )
    return {evidence_id for evidence_id, data in db.session.execute(query) if (data or {}).get("stage") == STAGE}


def is_appeal_item(item: EvidenceItem) -> bool:
    """Whether an item was requested as appeal evidence."""
    return item.id in appeal_item_ids(item.case_id)


def share_with_appeal(
    case: Case, evidence_ids: list[uuid.UUID], *, actor: Principal, role: str, appeal_id: uuid.UUID
) -> None:
    """The items offered with an appeal become visible to the court and the other parties (CPL Art. 174 sends the
    appeal and its evidence to them): each unsubmitted stored one is submitted now, with custody and timeline
    events naming the appeal (the caller commits)."""
    now = clock.now()
    for item in db.session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(evidence_ids))):
        if item.case_id != case.id or item.submitted or item.status != "stored":
            continue
        item.submitted_at = now
        data = {"stage": STAGE, "appeal_id": str(appeal_id)}
        evidence_access.custody(item, "submitted", actor=actor, role=role, data=data)
        timeline.record(
            case,
            "evidence.submitted",
            actor=actor,
            actor_role=role,
            summary=message("evidence submitted with the appeal: %(title)s", title=item.title),
            data={"evidence_id": str(item.id), "sha256": item.declared_sha256, **data},
        )
