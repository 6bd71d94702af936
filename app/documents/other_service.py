"""Service by other means (直接送达, 邮寄送达, 留置送达, 公告送达) recorded on a served document by the court.

A party who is served outside the platform (paper handed over, a postal receipt returned, the document lodged at
the residence, or an announcement) has no service time from electronic delivery: the document is `held`, `failed`
(the clerk's work item resolved `served_by_post`), or delivered but never opened. The court records here when and
how the party was served; the document then counts as served from that moment (`served_at`, `served_basis`), and
everything that follows service runs as for electronic service: the `document.served` timeline event and the
served hooks (`delivery.served`: a judgment moves the case to adjudicated, each party's appeal period runs from
their own service, the legal-effect sweep counts it).

公告送达 (CPL Art. 95): the document is deemed served when 30 days have passed since the announcement; the end is
computed by the deadline engine (a last day on a rest day or holiday rolls forward; a year the calendar does not
cover is refused with 409 `legal.calendar_not_covered` until an administrator enters it). The deemed moment is the
last second of that last day (Asia/Shanghai), so the next period counts from the day after it.

The record is one `served_otherwise` event in the document's hash chain (with the method, the time, the
announcement's deadline explanation and the clerk's note), a timeline event, an audit record, and the webhook
`document.served_otherwise`; the service certificate shows the method and the deemed time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from app.audit import log as audit
from app.cases import Case, timeline
from app.documents import chain as delivery_chain
from app.documents import court_view, delivery
from app.documents import outbox as delivery_outbox
from app.documents import push as documents
from app.documents import states as delivery_states
from app.documents.chain import Actor
from app.documents.models import ServedDocument
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.legal import compute_deadline, load_overrides
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock


@dataclasses.dataclass(frozen=True)
class Method:
    """A way of serving outside the platform: its Chinese name and the work-item outcome it resolves to."""

    label: str
    outcome: str


METHODS: dict[str, Method] = {
    "in_person": Method("直接送达", "served_in_person"),  # CPL Art. 88
    "lodged": Method("留置送达", "served_in_person"),  # Art. 89
    "by_post": Method("邮寄送达", "served_by_post"),  # Art. 91
    "announcement": Method("公告送达", "served_by_announcement"),  # Art. 95
}
ANNOUNCEMENT_DAYS = 30  # CPL Art. 95: deemed served when 30 days have passed since the announcement
# a document electronic service has not served yet; `rejected` never reached service at all
OPEN_STATUSES = ("accepted", "held", "failed", "delivered", "expired")


def record(
    *,
    document_id: uuid.UUID,
    method: str,
    actor: Principal,
    served_at: dt.datetime | None = None,
    announced_at: dt.datetime | None = None,
    note: str | None = None,
) -> dict:
    """Record service by `method` on the document; it becomes served (its hooks run) in one transaction.

    `served_at` is when the party was served (in person, lodged, the postal receipt's date); for an announcement,
    `announced_at` is when it was published and the service is deemed 30 days later (computed). Returns the
    court's view of the document.
    """
    document = court_view.load_for_court(document_id, actor=actor)
    if not permissions.may_serve_documents(actor, document.court_id):
        raise Forbidden(
            "Only the court's clerks and court systems record service by other means.",
            reason="document.service_forbidden",
        )
    locked = delivery.lock(document.id)
    assert locked is not None  # loaded just above; documents are never deleted while their case lives
    document = locked
    if document.served_at is not None:
        raise Conflict(
            "The document has already been served.",
            reason="document.already_served",
            errors={"served_at": [document.served_at.isoformat()], "served_basis": [document.served_basis or ""]},
        )
    if document.status not in OPEN_STATUSES:
        raise Conflict(
            f"A document in state '{document.status}' cannot be served.",
            reason="document.illegal_transition",
            errors={"status": [document.status]},
        )
    at, data = _service_time(document, method, served_at, announced_at)
    role = documents.role_of(actor)
    who = Actor.of(actor, role)
    if document.status in ("accepted", "held"):  # electronic service ends here; the clerk served it another way
        delivery_states.apply(
            document, "fail", actor=who, data={"reason": "served by another method", "method": method}
        )
    document.served_at, document.served_basis = at, method
    data.update(method=method, method_label=METHODS[method].label, served_at=at.isoformat(), note=note)
    delivery_chain.append(document, "served_otherwise", actor=who, data=data)
    delivery.close_work_items(document, outcome=METHODS[method].outcome)
    case = db.session.get_one(Case, document.case_id)
    timeline.record(
        case,
        "document.served_otherwise",
        actor=actor,
        actor_role=role,
        summary=message(
            "%(type)s《%(title)s》%(method)s",
            type=label("document.type", document.doc_type),
            title=document.title,
            method=label("service.method", method),
        ),
        data={"document_id": str(document.id), "method": method, "served_at": at.isoformat()},
    )
    audit.record(
        "document.served_otherwise",
        actor=actor,
        object_type="served_document",
        object_id=document.id,
        details={"method": method, "served_at": at.isoformat(), "case_id": str(case.id)},
    )
    delivery.served(case, document)  # timeline `document.served` and the served hooks (litigation ...)
    delivery_outbox.commit()
    return court_view.court_detail(document_id=document.id, actor=actor)


def _service_time(
    document: ServedDocument, method: str, served_at: dt.datetime | None, announced_at: dt.datetime | None
) -> tuple[dt.datetime, dict]:
    """When the document counts as served, and what the chain event says about it; 422 for a wrong time."""
    if method not in METHODS:
        raise ValidationFailed("Unknown method of service.", errors={"method": [f"one of {sorted(METHODS)}"]})
    now = clock.now()
    field = "announced_at" if method == "announcement" else "served_at"
    given = announced_at if method == "announcement" else served_at
    if given is None:
        raise ValidationFailed(f"`{field}` is required for {method}.", errors={field: ["Missing data."]})
    if given.tzinfo is None:
        raise ValidationFailed("Give the time with its offset.", errors={field: ["Not an aware datetime."]})
    if given > now + dt.timedelta(minutes=5):
        raise ValidationFailed("Service cannot be recorded in advance.", errors={field: ["In the future."]})
    if given < document.created_at:
        raise ValidationFailed("The document did not exist yet.", errors={field: ["Before the document was pushed."]})
    if method != "announcement":
        return given, {}
    deadline = compute_deadline(
        trigger_at=given,
        period_days=ANNOUNCEMENT_DAYS,
        trigger_label="announcement.issued",
        period_label="公告期（民事诉讼法第九十五条）",
        overrides=load_overrides(),
    ).require_covered()
    assert deadline.ends_at is not None  # covered
    deemed = deadline.ends_at - dt.timedelta(seconds=1)  # 23:59:59 of the last day, Asia/Shanghai
    return deemed, {"announced_at": given.isoformat(), "announcement_period": deadline.as_dict()}
