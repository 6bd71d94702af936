"""Helpers for the delegation follow-up tests: a court and a linked organisation with their people, an accepted
litigation case with a joined defendant, stored evidence, and a lawyer appointed with a power of attorney."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases.models import Case, CaseAgent, CaseParty
from app.evidence.models import EvidenceItem
from app.extensions import db
from app.mediation.delegation import EVENT_TYPES
from app.notifications.models import Notification
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.mediation.helpers_outcome import COURT, MP, link, mediator
from tests.api.mediation.test_transfer_evidence import put_item
from tests.support.factories import grant, login, machine_headers, make_court, make_org, make_user
from tests.support.review import litigation

__all__ = ["COURT", "MP", "put_item"]
DEAD_URL = "http://127.0.0.1:9/hooks/microcourt"


def build_world(clock) -> dict:
    """2 November 2026 (a Monday), the court, its clerk, the linked organisation, its admin and a mediator."""
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    court, org = make_court(), make_org()
    link(org, court)
    clerk, admin = make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(admin, role="org_admin", org=org)
    med, profile = mediator(org)
    filer, defendant = make_user(real_name="张三"), make_user(real_name="李四")
    lawyer, other_lawyer = make_user(real_name="赵律师"), make_user(real_name="钱律师")
    grant(lawyer, role="lawyer")
    grant(other_lawyer, role="lawyer")
    return {
        "court": court,
        "org": org,
        "clerk": clerk,
        "admin": admin,
        "mediator": med,
        "profile": profile,
        "filer": filer,
        "defendant": defendant,
        "lawyer": lawyer,
        "other_lawyer": other_lawyer,
        "clock": clock,
    }


def accepted_case(w) -> Case:
    """An accepted litigation case at the world's court; the defendant has joined."""
    case = litigation(w["court"], w["filer"])
    party(case, "defendant").user_id = w["defendant"].id
    w["numbered"] = w.get("numbered", 0) + 1
    case.status, case.case_number = "accepted", f"(2026)浙0212民初{w['numbered']}号"
    db.session.commit()
    return case


def subscribe(client, w) -> None:
    """The court's system subscribes to every delegation event (deliveries are recorded for subscribers only)."""
    events = [f"delegation.{name}" for name in EVENT_TYPES]
    hook = client.post(
        f"{COURT}/webhooks", json={"url": DEAD_URL, "events": events}, headers=machine_headers(w["court"])
    )
    assert hook.status_code == 201, hook.get_json()


def party(case, role: str) -> CaseParty:
    return db.session.scalar(select(CaseParty).filter_by(case_id=case.id, role=role))


def appoint(client, case_id, party_row, user, lawyer, letter, authority="general") -> dict:
    """The party appoints the lawyer over HTTP, naming the power of attorney."""
    body = {
        "lawyer_user_id": str(lawyer.id),
        "party_id": str(party_row.id),
        "authority": authority,
        "power_of_attorney_evidence_id": str(letter.id),
    }
    answer = client.post(f"{MP}/cases/{case_id}/agents", json=body, headers=login(user))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def send(client, w, case_id, *, due="2026-11-30", key=None) -> dict:
    headers = login(w["clerk"]) | ({"Idempotency-Key": key} if key else {})
    body = {"case_id": str(case_id), "org_id": str(w["org"].id), "due_date": due}
    answer = client.post(f"{COURT}/delegations", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def accept(client, w, d_id, *, with_mediator=False) -> dict:
    body = {"mediator_id": str(w["profile"].id)} if with_mediator else {}
    answer = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json=body, headers=login(w["admin"]))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def agents_of(case_id) -> list[tuple[str, uuid.UUID, str, uuid.UUID | None]]:
    """(party role, lawyer, status, power of attorney) of a case's agents."""
    rows = db.session.execute(
        select(CaseParty.role, CaseAgent.lawyer_user_id, CaseAgent.status, CaseAgent.power_of_attorney_evidence_id)
        .join(CaseParty, CaseParty.id == CaseAgent.party_id)
        .where(CaseAgent.case_id == case_id)
        .order_by(CaseParty.role)
    )
    return [tuple(row) for row in rows]


def titles(case_id) -> list[str]:
    """The titles of a case's stored evidence, sorted."""
    return sorted(db.session.scalars(select(EvidenceItem.title).filter_by(case_id=case_id, status="stored")))


def hooks() -> list[str]:
    return sorted(db.session.scalars(select(WebhookDelivery.event_type)))


def notified(user) -> list[str]:
    return sorted(db.session.scalars(select(Notification.kind).filter_by(user_id=user.id)))
