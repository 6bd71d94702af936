"""The court files a delegated dispute whose mediation came back without agreement (立案), or was recalled."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.audit import log as audit_log
from app.cases import Case, timeline
from app.cases import queries as case_queries
from app.errors import Conflict, NotFound
from app.extensions import db
from app.i18n import message
from app.mediation import delegation_carry
from app.mediation import transfer as mediation_transfer
from app.mediation.models import CourtDelegation
from app.security import permissions
from app.security.permissions import Principal
from app.webhooks import deliveries as webhooks

FILEABLE = {("returned", "failed"), ("returned", "withdrawn"), ("recalled", "failed"), ("recalled", "withdrawn")}


def file_after_failure(*, delegation_id: uuid.UUID, actor: Principal) -> dict:
    """A litigation filing at the court, the applicant's side the plaintiff, carrying the parties (joined ones keep
    their accounts), the evidence, and the lawyers whose power of attorney came with the evidence."""
    row = db.session.scalar(select(CourtDelegation).where(CourtDelegation.id == delegation_id).with_for_update())
    if row is None or not permissions.is_court_staff(actor, row.court_id):
        raise NotFound("No such delegation.", reason="delegation.not_found")
    dispute = db.session.get_one(Case, row.case_id)  # a foreign key
    if (row.state, row.outcome) not in FILEABLE or dispute.kind != "mediation":
        raise Conflict(
            "Only a dispute whose delegated mediation came back without agreement is filed from here.",
            reason="delegation.not_fileable",
            errors={"state": [row.state]},
        )
    filed = db.session.scalar(
        select(Case.id).where(
            Case.origin_case_id == dispute.id,
            Case.kind == "litigation",
            Case.status.in_(mediation_transfer.LIVE_TRANSFERS),
        )
    )
    if filed is not None:
        raise Conflict("This dispute has already been taken to court.", reason="mediation.already_transferred")
    litigation = mediation_transfer.file_litigation(
        dispute,
        court_id=row.court_id,
        actor=actor,
        actor_role="court_staff",
        plaintiff_role="applicant",
        filed_by_user_id=dispute.filed_by_user_id,
        filed_via="delegation",
        keep_account=lambda party: True,
    )
    parties = delegation_carry.match_parties(dispute, litigation)
    agents = delegation_carry.carry_agents(
        dispute, litigation, parties=parties, actor=actor, role="court_staff", need_power_of_attorney=True
    )
    summary = message("Filed for litigation by the court after the delegated mediation")
    data = {"litigation_case_id": str(litigation.id), "delegation_id": str(row.id), "agents": agents}
    timeline.record(
        dispute,
        "mediation.transferred_to_litigation",
        actor=actor,
        actor_role="court_staff",
        summary=summary,
        data=data,
    )
    audit_log.record("delegation.filed", actor=actor, object_type="court_delegation", object_id=row.id, details=data)
    db.session.commit()
    webhooks.dispatch(db.session.info.pop(delegation_carry.DISPATCH_KEY, []))  # a carried mandate's approval
    return case_queries.case_detail(case_id=litigation.id, actor=actor)
