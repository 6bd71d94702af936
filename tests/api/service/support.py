"""Electronic-service test helpers: a court with a case whose respondent can (or cannot) be served, and pushes."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import uuid

from sqlalchemy import select

from app.cases.models import CaseAgent, CaseConsent, CaseParty
from app.documents.models import DeliveryEvent, ServedDocument, WorkItem
from app.extensions import db
from app.utils import clock
from tests.support.cases import file_case
from tests.support.factories import grant, login, machine_headers, make_court, make_user

_numbers = itertools.count(1)
PUSH = "/api/court/v1/documents"
BATCH = "/api/court/v1/documents/batch"


def pdf_bytes(text: str = "") -> bytes:
    """A small PDF (magic bytes and structure; the content makes each one's SHA-256 different)."""
    marker = text or uuid.uuid4().hex
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + marker.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


@dataclasses.dataclass
class Service:
    """A court, its clerk and machine client, a case with a joined respondent, and everyone's headers."""

    court: object
    case: object
    respondent: object  # the CaseParty served on
    respondent_user: object
    applicant: object  # the filer's CaseParty
    clerk_headers: dict
    machine_headers: dict
    respondent_headers: dict
    people: dict


def consent(
    party: CaseParty,
    *,
    by: uuid.UUID | None,
    address: str = "mini-program inbox",
    confirmed: bool = True,
    given: bool = True,
) -> CaseConsent:
    """Record an e-service consent for a party (by: the user who recorded it)."""
    row = CaseConsent(
        case_id=party.case_id,
        party_id=party.id,
        kind="e_service",
        given=given,
        address=address,
        address_confirmed=confirmed,
        method="mini_program" if by == party.user_id else "court_record",
        recorded_by=by,
        given_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()
    return row


def service_world(*, respondent_consents: bool = True, self_confirmed: bool = True, joined: bool = True) -> Service:
    """A litigation-style world at one court; the respondent joined and consented unless told otherwise."""
    court = make_court()
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    serial = next(_numbers)
    filer = make_user(real_name="张三", phone=f"1380{serial:07d}")
    case = file_case(filer, court=court)
    case.case_number = f"(2026){court.code}民初{serial}号"
    db.session.commit()
    parties = list(db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id)))
    applicant = next(p for p in parties if p.user_id == filer.id)
    respondent = next(p for p in parties if p.user_id is None)
    respondent_user = make_user(phone=f"1390{serial:07d}", real_name="李四")
    if joined:
        respondent.user_id = respondent_user.id
        db.session.commit()
    if respondent_consents:
        consent(respondent, by=respondent_user.id if self_confirmed else clerk.id)
    return Service(
        court=court,
        case=case,
        respondent=respondent,
        respondent_user=respondent_user,
        applicant=applicant,
        clerk_headers=login(clerk),
        machine_headers=machine_headers(court),
        respondent_headers=login(respondent_user),
        people={"clerk": clerk, "filer": filer},
    )


def relogin(world: Service) -> None:
    """Fresh tokens for everyone (after the clock moved past their life)."""
    world.clerk_headers = login(world.people["clerk"])
    world.respondent_headers = login(world.respondent_user)
    world.machine_headers = machine_headers(world.court)


def add_lawyer(world: Service, *, status: str = "active") -> tuple[object, dict]:
    """A verified lawyer acting for the respondent; returns the user and their headers."""
    lawyer = make_user(phone=f"1370{next(_numbers):07d}")
    grant(lawyer, role="lawyer")
    agent = CaseAgent(
        case_id=world.case.id,
        party_id=world.respondent.id,
        lawyer_user_id=lawyer.id,
        authority="general",
        status=status,
    )
    db.session.add(agent)
    db.session.commit()
    return lawyer, login(lawyer)


def meta(world: Service, **changes: object) -> dict:
    """Push meta for the respondent (a complaint copy: 15-day answer period)."""
    body = {
        "case_id": str(world.case.id),
        "recipient_party_id": str(world.respondent.id),
        "doc_type": "complaint_copy",
        "title": "起诉状副本",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def push(
    client,
    world: Service,
    *,
    headers: dict | None = None,
    key: str | None = None,
    content: bytes | None = None,
    **changes: object,
):
    """POST /documents with a PDF (or the given bytes)."""
    headers = dict(headers if headers is not None else world.machine_headers)
    if key is not False:
        headers["Idempotency-Key"] = key or f"push-{uuid.uuid4()}"
    data = {
        "meta": json.dumps(meta(world, **changes), ensure_ascii=False),
        "file": (io.BytesIO(pdf_bytes() if content is None else content), "文书.pdf"),
    }
    return client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")


def events(document_id: object) -> list[DeliveryEvent]:
    """The document's events in order (fresh from the database)."""
    db.session.expire_all()
    query = select(DeliveryEvent).where(DeliveryEvent.document_id == uuid.UUID(str(document_id)))
    return list(db.session.scalars(query.order_by(DeliveryEvent.seq)))


def types(document_id: object) -> list[str]:
    """Just the event types, in order."""
    return [event.type for event in events(document_id)]


def document(document_id: object) -> ServedDocument:
    """The document row, fresh."""
    db.session.expire_all()
    return db.session.get(ServedDocument, uuid.UUID(str(document_id)))


def make_state(client, world: Service, state: str, clock) -> str:
    """A document of `world` brought to `state` through the real paths (push, recipient acts, sweep, work item)."""
    from app.documents import escalation as delivery_escalation

    if state == "rejected":
        return push(client, world, content=b"not a pdf").get_json()["document_id"]
    if state in ("held", "failed"):
        db.session.query(CaseConsent).filter_by(party_id=world.respondent.id).delete()
        db.session.commit()
        document_id = push(client, world).get_json()["document_id"]
        if state == "failed":
            item = db.session.scalar(select(WorkItem).where(WorkItem.document_id == uuid.UUID(document_id)))
            answer = client.post(
                f"/api/court/v1/work-items/{item.id}/resolve",
                json={"outcome": "served_by_phone"},  # failed without a service time (post would serve it)
                headers=world.clerk_headers,
            )
            assert answer.status_code == 200, answer.get_json()
        return document_id
    document_id = push(client, world).get_json()["document_id"]
    base = f"/api/mp/v1/documents/{document_id}"
    if state == "opened":
        assert client.get(base, headers=world.respondent_headers).status_code == 200
    elif state == "acknowledged":
        assert client.post(f"{base}/acknowledge", headers=world.respondent_headers).status_code == 200
    elif state == "expired":
        clock.advance(hours=25)
        delivery_escalation.run()
        clock.advance(hours=48)
        assert delivery_escalation.run()["expired"] == 1
        relogin(world)
    assert document(document_id).status == state
    return document_id
