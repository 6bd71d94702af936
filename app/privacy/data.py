"""Collecting everything held about one person (PIPL Art. 45): identity's record, the cases they are a party to
with their own parties' data, the cases they act in, consents, notifications, SMS sent to them, audit entries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.audit import subjects as audit_subjects
from app.cases import Case, CaseAgent, CaseConsent, CaseParty
from app.documents import consent_standing
from app.extensions import db
from app.identity import closure as identity_closure
from app.notifications import Notification
from app.security import pii
from app.security.permissions import Principal
from app.sms import SmsMessage
from app.utils import clock

# Requests and links of the export itself are left out of the fingerprint, so asking twice does not rebuild.
OWN_ACTIONS = ("privacy.export_requested", "privacy.export_link_issued")
LIMIT = 5000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def collect(user_id: uuid.UUID, *, for_fingerprint: bool = False) -> dict:
    """The whole export as plain JSON-ready data."""
    record = identity_closure.personal_record(user_id)
    parties = list(db_scalars(select(CaseParty).where(CaseParty.user_id == user_id).order_by(CaseParty.id)))
    indexes = {p.phone_index for p in parties if p.phone_index}
    own_index = identity_closure.phone_index_of(user_id)
    if own_index:
        indexes.add(own_index)
    data = {
        "format": "microcourt.personal-data/1",
        "user_id": str(user_id),
        **record,
        "cases_as_party": [_party_case(p) for p in parties],
        "cases_as_agent": _agent_cases(user_id),
        "consents": _consents([p.id for p in parties]),
        "e_service_consent_all_cases": _standing_consent(user_id),
        "notifications": _notifications(user_id),
        "sms": _sms(indexes),
        "audit_entries": list(
            audit_subjects.entries_about(user_id, skip_actions=OWN_ACTIONS if for_fingerprint else ())
        ),
    }
    if not for_fingerprint:
        data["generated_at"] = clock.now().isoformat()
    return data


def _party_case(party: CaseParty) -> dict:
    case = db_get(party.case_id)
    return {
        "case_id": str(case.id),
        "kind": case.kind,
        "case_number": case.case_number,
        "title": case.title,
        "status": case.status,
        "submitted_at": _iso(case.submitted_at),
        "party": {
            "party_id": str(party.id),
            "role": party.role,
            "party_type": party.party_type,
            "name": party.name,
            "phone": pii.decrypt(party.phone_enc, field="phone") if party.phone_enc else None,
            "id_number_masked": pii.mask_id_number(
                pii.decrypt(party.id_number_enc, field="id_number") if party.id_number_enc else None
            ),
            "address": party.address,
            "joined_at": _iso(party.joined_at),
        },
    }


def _agent_cases(user_id: uuid.UUID) -> list[dict]:
    rows = db_scalars(select(CaseAgent).where(CaseAgent.lawyer_user_id == user_id).order_by(CaseAgent.created_at))
    result = []
    for agent in rows:
        case = db_get(agent.case_id)
        result.append(
            {
                "case_id": str(case.id),
                "case_number": case.case_number,
                "title": case.title,
                "status": case.status,
                "party_id": str(agent.party_id),
                "authority": agent.authority,
                "agent_status": agent.status,
                "since": _iso(agent.created_at),
            }
        )
    return result


def _consents(party_ids: list[uuid.UUID]) -> list[dict]:
    if not party_ids:
        return []
    rows = db_scalars(select(CaseConsent).where(CaseConsent.party_id.in_(party_ids)).order_by(CaseConsent.given_at))
    return [
        {
            "case_id": str(c.case_id),
            "party_id": str(c.party_id),
            "kind": c.kind,
            "given": c.given,
            "address": c.address,
            "method": c.method,
            "given_at": _iso(c.given_at),
            "withdrawn_at": _iso(c.withdrawn_at),
        }
        for c in rows
    ]


def _standing_consent(user_id: uuid.UUID) -> dict:
    """The person's e-service consent for all their cases, as the documents domain shows it to them (masked)."""
    view = consent_standing.view_standing(actor=Principal(kind="user", subject=str(user_id), user_id=user_id))
    view.pop("consent_text", None)
    return view


def _notifications(user_id: uuid.UUID) -> list[dict]:
    query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.created_at)
    return [
        {
            "id": str(n.id),
            "kind": n.kind,
            "status": n.status,
            "channel": n.channel,
            "subject_type": n.subject_type,
            "subject_id": str(n.subject_id) if n.subject_id else None,
            "created_at": _iso(n.created_at),
            "finished_at": _iso(n.finished_at),
        }
        for n in db_scalars(query.limit(LIMIT))
    ]


def _sms(indexes: set[str]) -> list[dict]:
    if not indexes:
        return []
    query = select(SmsMessage).where(SmsMessage.phone_index.in_(indexes)).order_by(SmsMessage.created_at)
    return [
        {
            "id": str(m.id),
            "to": m.phone_masked,
            "template": m.template,
            "status": m.status,
            "created_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
        }
        for m in db_scalars(query.limit(LIMIT))
    ]


def db_scalars(query: Any) -> list:
    """Rows of a query in the current session."""
    return list(db.session.scalars(query))


def db_get(case_id: uuid.UUID) -> Case:
    """A case by id (it exists: the caller found it through a foreign key)."""
    case = db.session.get(Case, case_id)
    assert case is not None
    return case
