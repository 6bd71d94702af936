"""The catalogue (证据目录): listing, reading with a download link, submitting (exchange) and deleting drafts."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import json
import logging
import uuid

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, false, func, or_, select, tuple_

from app.cases import Case, timeline
from app.cases import access as case_access
from app.errors import Conflict, Forbidden, ValidationFailed
from app.evidence import access as evidence_access
from app.evidence import period as evidence_period
from app.evidence import period_events
from app.evidence import rules as rules
from app.evidence.models import LIVE_STATUSES, EvidenceCustodyEvent, EvidenceItem, EvidenceOpinion
from app.extensions import db, storage
from app.i18n import message
from app.platform import settings
from app.platform.pagination import Page, clamp_limit
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class EvidenceDetail:
    """An item as its reader sees it: a short-lived download link, its custody and the opinions on it."""

    item: EvidenceItem
    download_url: str | None
    download_expires_at: dt.datetime | None
    custody_events: list[EvidenceCustodyEvent]
    custody_event_count: int
    opinions: list[EvidenceOpinion]
    mine: bool

    def __getattr__(self, name: str) -> object:
        return getattr(self.item, name)  # the item's own fields, for the output schema


def _visible(case: Case, facts: CaseFacts, actor: Principal) -> ColumnElement[bool]:
    """The SQL condition for listed items: the caller's side's pending, verifying and stored ones, others' submitted
    ones (only a stored item can be submitted).

    Rejected and deleted items are never listed: a rejection's reason came with `complete` and stays
    readable by its owner at GET /evidence/{id}.
    """
    mine = permissions.parties_of(actor, facts)
    condition: ColumnElement[bool] = EvidenceItem.party_id.in_(mine) if mine else false()
    if permissions.may_see_submitted_evidence(actor, facts):
        condition = or_(condition, EvidenceItem.submitted_at.is_not(None))
    return (EvidenceItem.case_id == case.id) & EvidenceItem.status.in_(LIVE_STATUSES) & condition


def list_catalogue(*, case_id: uuid.UUID, actor: Principal, cursor: str | None, limit: int | None) -> Page:
    """The caller's side's items (drafts included) and other parties' submitted items, party by party, in order."""
    case, facts = case_access.load(case_id, actor=actor)
    if not (permissions.parties_of(actor, facts) or permissions.may_see_submitted_evidence(actor, facts)):
        raise Forbidden(
            "Evidence is for the parties, their lawyers, the mediator and the court.", reason="evidence.forbidden"
        )
    query = select(EvidenceItem).where(_visible(case, facts, actor))
    if cursor:
        party_id, order = _decode(cursor)
        query = query.where(tuple_(EvidenceItem.party_id, EvidenceItem.catalogue_order) > (party_id, order))
    size = clamp_limit(limit)
    order_by = (EvidenceItem.party_id, EvidenceItem.catalogue_order)
    rows = list(db.session.scalars(query.order_by(*order_by).limit(size + 1)))
    more, rows = len(rows) > size, rows[:size]
    return Page(items=rows, next_cursor=_encode(rows[-1]) if more else None)


def _encode(item: EvidenceItem) -> str:
    raw = json.dumps([str(item.party_id), item.catalogue_order]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[uuid.UUID, int]:
    try:
        party_id, order = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return uuid.UUID(party_id), int(order)
    except (ValueError, TypeError):
        raise ValidationFailed(errors={"cursor": ["Not a cursor this API issued."]}) from None


def visible_count(case: Case, facts: CaseFacts, *, actor: Principal) -> int:
    """How many items of the case this caller can see (the `counts.evidence` of a case's detail)."""
    return int(db.session.scalar(select(func.count()).where(_visible(case, facts, actor))) or 0)


def visible_count_column(facts: CaseFacts, actor: Principal) -> ScalarSelect[int] | None:
    """`visible_count` as a column for the case detail's one statement of counts (app/cases/detail_sections.py):
    the rule of `_visible` with the bound parameters `case_id` and `party_ids`; None when nothing is visible."""
    mine = bool(permissions.parties_of(actor, facts))
    submitted = permissions.may_see_submitted_evidence(actor, facts)
    return _count_column(mine, submitted) if mine or submitted else None


@functools.cache
def _count_column(mine: bool, submitted: bool) -> ScalarSelect[int]:
    """Built once per shape (issue 18): the caller's side's live items, and others' submitted ones."""
    condition: ColumnElement[bool] = (
        EvidenceItem.party_id.in_(bindparam("party_ids", expanding=True)) if mine else false()
    )
    if submitted:
        condition = or_(condition, EvidenceItem.submitted_at.is_not(None))
    visible = (EvidenceItem.case_id == bindparam("case_id")) & EvidenceItem.status.in_(LIVE_STATUSES) & condition
    return select(func.count()).where(visible).scalar_subquery()


def detail(*, evidence_id: uuid.UUID, actor: Principal) -> EvidenceDetail:
    """Metadata, a download link (<= 5 min) for stored items, custody and opinions; the access is custody too."""
    item, _case, facts = evidence_access.load(evidence_id, actor=actor)
    role = evidence_access.actor_role(actor, facts)
    url = expires = None
    if item.status == "stored":
        lifetime = min(int(settings.storage().download_url_expires_seconds), 300)
        name = rules.download_name(item.filename, item.detected_type or item.declared_type)
        url = storage.download_url(item.object_key, filename=name, content_type=item.detected_type, expires_in=lifetime)
        expires = clock.now() + dt.timedelta(seconds=lifetime)
    evidence_access.custody(item, "download" if url else "view", actor=actor, role=role)
    db.session.commit()
    events, total = evidence_access.custody_events(item)
    opinions = db.session.scalars(
        select(EvidenceOpinion).where(EvidenceOpinion.evidence_id == item.id).order_by(EvidenceOpinion.created_at)
    )
    mine = permissions.may_manage_evidence(actor, facts, item.party_id)
    return EvidenceDetail(item, url, expires, events, total, list(opinions), mine)


def submit(*, evidence_id: uuid.UUID, actor: Principal) -> EvidenceItem:
    """Share a stored item with the other parties, the mediator and the court (idempotent)."""
    item, case, facts = evidence_access.load_own(evidence_id, actor=actor, lock=True)
    if item.submitted:
        return item
    evidence_access.ensure_open(case)
    if item.status != "stored":
        raise Conflict(
            f"Only verified evidence can be submitted; this item is {item.status}.",
            reason="evidence.not_stored",
            errors={"status": [item.status]},
        )
    role = evidence_access.actor_role(actor, facts)
    item.submitted_at = clock.now()
    if not item.late and evidence_period.is_late(case, item.submitted_at):
        evidence_period.mark_late(item, None)  # uploaded in time, shared after the end: late all the same
    evidence_access.custody(item, "submitted", actor=actor, role=role, data={"late": True} if item.late else None)
    if item.late:
        summary = message("evidence submitted late (逾期举证): %(title)s", title=item.title)
    else:
        summary = message("evidence submitted: %(title)s", title=item.title)
    timeline.record(
        case,
        "evidence.submitted",
        actor=actor,
        actor_role=role,
        summary=summary,
        data={"evidence_id": str(item.id), "sha256": item.declared_sha256} | ({"late": True} if item.late else {}),
    )
    hooks = []
    if item.late:
        data = {"evidence_id": str(item.id), "party_id": str(item.party_id), "title": item.title}
        hooks = period_events.announce(case, "evidence.late_submitted", data)
    db.session.commit()
    period_events.dispatch(hooks)
    return item


def delete(*, evidence_id: uuid.UUID, actor: Principal) -> None:
    """Withdraw a draft before it is submitted: its objects go first, then the row is marked deleted."""
    item, _case, facts = evidence_access.load_own(evidence_id, actor=actor, lock=True)
    if item.submitted:
        raise Conflict("Submitted evidence cannot be deleted.", reason="evidence.already_submitted")
    for key in (item.object_key, item.upload_key):
        if key:
            storage.delete(key)  # a 503 here changes nothing
    item.status, item.deleted_at = "deleted", clock.now()
    evidence_access.custody(item, "deleted", actor=actor, role=evidence_access.actor_role(actor, facts))
    db.session.commit()
    log.info("evidence deleted", extra={"evidence_id": str(item.id)})
