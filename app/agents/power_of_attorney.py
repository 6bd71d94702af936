"""The power of attorney (授权委托书): stored evidence of the represented party that the caller may see."""

from __future__ import annotations

import uuid

from app.cases import Case, CaseParty
from app.errors import ValidationFailed
from app.evidence import EvidenceItem
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal


def check(case: Case, facts: CaseFacts, actor: Principal, party: CaseParty, evidence_id: uuid.UUID) -> None:
    """The power of attorney is stored evidence of the represented party that the caller may see; else 422.

    Unknown ids, other cases' items, deleted items and drafts the caller may not see get the same answer,
    so the field cannot be used to probe for evidence; a visible item of another party is named as such.
    """
    item = db.session.get(EvidenceItem, evidence_id)
    if (
        item is None
        or item.case_id != case.id
        or item.status == "deleted"
        or not permissions.may_view_evidence(actor, facts, owner_party_id=item.party_id, submitted=item.submitted)
    ):
        message, reason = "No such evidence in this case.", "agent.power_of_attorney_not_found"
    elif item.party_id != party.id:
        message, reason = (
            "The power of attorney must be evidence of the party the lawyer acts for.",
            "agent.power_of_attorney_wrong_party",
        )
    elif item.status != "stored":
        message, reason = (
            f"The evidence is {item.status}, not stored: upload and complete it first.",
            "agent.power_of_attorney_not_stored",
        )
    else:
        return
    raise ValidationFailed(errors={"power_of_attorney_evidence_id": [message]}, reason=reason)
