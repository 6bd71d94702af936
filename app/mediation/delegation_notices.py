"""Telling the organisation (and the mediator) what the court or the clock did to a delegation.

Three kinds: `delegation_expired` (not answered by the due date: the organisation's admins),
`delegation_overdue` (accepted and not back by the due date: the admins and the mediator) and
`delegation_recalled` (the court took it back: the admins and the mediator). Each is a notification written in
the caller's transaction; `dispatch` sends them after the commit (the notification sweep covers a lost send).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import Case
from app.extensions import db
from app.i18n import Message, message
from app.identity import OrgMembership
from app.integrations.wechat import subscribe_value
from app.mediation.models import CourtDelegation
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds

# the WeChat status line of each kind (a catalogue message, written in the recipient's language when sent; English
# at most 20 characters, WeChat's limit); its SMS text is the template of the same name in app/integrations/sms.py
STATUSES = {
    "delegation_expired": message("Delegation lapsed", context="notification"),
    "delegation_overdue": message("Delegation overdue", context="notification"),
    "delegation_recalled": message("Delegation recalled", context="notification"),
}


def _register(name: str, status: Message) -> None:
    notification_kinds.register(
        notification_kinds.Kind(
            name=name,
            sms_template=name,
            sms_params=lambda data: {"title": subscribe_value("thing", data["case_title"])},
            wechat_data=lambda data: {"thing1": data["case_title"], "thing2": status},
            # the mediation for those who mediate it; the organisation's list of delegations otherwise
            page=lambda data: (
                f"pages/case/detail?id={data['mediation_case_id']}"
                if data.get("mediation_case_id")
                else "pages/mediation/delegations"
            ),
        )
    )


for _name, _status in STATUSES.items():
    _register(_name, _status)


def org_admins(org_id: uuid.UUID) -> set[uuid.UUID]:
    """The active admins of an organisation."""
    return set(
        db.session.scalars(
            select(OrgMembership.user_id).where(
                OrgMembership.org_id == org_id, OrgMembership.role == "org_admin", OrgMembership.active.is_(True)
            )
        )
    )


def tell(row: CourtDelegation, kind: str, *, with_mediator: bool) -> list[uuid.UUID]:
    """Notify the organisation's admins (and the mediator of the delegated mediation); the notification ids."""
    case = db.session.get_one(Case, row.case_id)
    people = org_admins(row.org_id)
    if with_mediator and row.mediation_case_id is not None:
        mediation = db.session.get_one(Case, row.mediation_case_id)
        if mediation.mediator_user_id is not None:
            people.add(mediation.mediator_user_id)
    data = {
        "delegation_id": str(row.id),
        "mediation_case_id": str(row.mediation_case_id) if row.responded_at and row.mediation_case_id else None,
        "case_title": case.title,
    }
    return [
        notifications.notify(user_id=user_id, kind=kind, data=data, subject=("court_delegation", row.id)).id
        for user_id in sorted(people)
    ]


def dispatch(note_ids: list[uuid.UUID]) -> None:
    """Send the notifications written in the transaction just committed."""
    for note_id in note_ids:
        notifications.dispatch(note_id)
