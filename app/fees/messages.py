"""How fees tells people and court systems: notification kinds (with their SMS texts), the timeline actor role,
webhook events, and notifications dispatched after the commit that wrote them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.cases import Case, CaseParty
from app.extensions import db
from app.i18n import Message, message
from app.integrations.wechat import subscribe_value
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds
from app.security import permissions
from app.security.permissions import Principal
from app.webhooks import deliveries as webhooks

WEBHOOK_EVENTS = (
    "fee.notice_issued",
    "fee.notice_recalculated",
    "fee.overdue",
    "fee.relief_decided",
    "fee.deadline_extended",
    "fee.treated_as_withdrawn",
    "fee.halved",
)
_PENDING = "fees.notifications_to_dispatch"
_WEBHOOKS = "fees.webhooks_to_dispatch"
_COMMITTED = "fees.committed"

# The SMS texts of the fee kinds are in app/integrations/sms.py TEMPLATES ("fee_notice", "fee_reminder",
# "fee_decision"), with the gateway's other templates.

# `what`, the words a fee notification names (the SMS's fee, the subscribe message's status line): catalogue
# messages kept in the notification's data as facts (`to_data()`), written in the payer's language when sent.
# English at most 20 characters, WeChat's limit for a `thing` value.
ACCEPTANCE_FEE = message("Litigation fee", context="notification")
APPEAL_FEE = message("Appeal fee", context="notification")
DUE_SOON = message("Fee due soon", context="notification")
DUE_TODAY = message("Fee due today", context="notification")
TREATED_AS_WITHDRAWN = message("Treated as withdrawn", context="notification")
TIME_EXTENDED = message("Time to pay extended", context="notification")
AMOUNT_CORRECTED = message("Fee amount corrected", context="notification")
RELIEF_DECIDED = {
    "deferral": message("Deferral decided", context="notification"),
    "reduction": message("Reduction decided", context="notification"),
    "waiver": message("Waiver decided", context="notification"),
}
_FEES = message("Litigation fees", context="notification")


def halved(article: str) -> dict:
    """`what` when the acceptance fee is halved under an article (the article is a fact, not translated)."""
    return message("Acceptance fee halved (%(article)s)", context="notification", article=article).to_data()


def what(words: Message) -> dict:
    """A fee message as a notification keeps it in its data."""
    return words.to_data()


def _due(data: dict) -> str:
    return str(data.get("due_date") or "")


def _register(name: str, template: str, params) -> None:
    notification_kinds.register(
        notification_kinds.Kind(
            name=name,
            sms_template=template,
            sms_params=params,
            wechat_data=lambda data: {
                "thing1": data["case_title"],
                "amount2": data.get("amount_yuan", ""),
                "thing3": data.get("what") or _FEES,
            },
            page=lambda data: f"pages/case/fees?id={data['case_id']}",
        )
    )


_register(
    "fee_notice",
    "fee_notice",
    lambda data: {
        "title": subscribe_value("thing", data["case_title"]),
        "due": _due(data),
        "what": data.get("what") or ACCEPTANCE_FEE,
        "amount": data.get("amount_yuan", ""),
    },
)
_register(
    "fee_reminder",
    "fee_reminder",
    lambda data: {
        "title": subscribe_value("thing", data["case_title"]),
        "due": _due(data),
        "amount": data.get("amount_yuan", ""),
    },
)
_register("fee_decision", "fee_decision", lambda data: {"title": subscribe_value("thing", data["case_title"])})


def tell_payer(case: Case, party: CaseParty, kind: str, data: dict) -> None:
    """Notify the payer (and the lawyer who filed for them), dispatched after the commit."""
    users = {party.user_id} - {None}
    if case.filed_via != "hotline":  # a lawyer who filed is told too; a hotline operator is not the payer's channel
        users.add(case.filed_by_user_id)
    payload = {"case_id": str(case.id), "case_title": case.title, **data}
    for user_id in sorted(users, key=str):
        assert user_id is not None
        note = notifications.notify(user_id=user_id, kind=kind, data=payload, subject=("case", case.id))
        db.session.info.setdefault(_PENDING, []).append(note.id)


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _dispatch_after_release(session: Session, transaction: SessionTransaction) -> None:
    """Start the sends once the committed transaction has given its connection back to the pool.

    Inline (eager) deliveries take a connection of their own: started from `after_commit`, while the request
    still held its connection, N simultaneous requests needed 2N connections and could exhaust the pool.
    """
    if transaction.parent is not None:
        return
    committed = session.info.pop(_COMMITTED, False)
    notes = session.info.pop(_PENDING, [])
    hooks = session.info.pop(_WEBHOOKS, [])
    if not committed:  # rolled back: what this transaction wrote is gone, so is what it meant to send
        return
    for notification_id in notes:
        notifications.dispatch(notification_id)  # a lost one is sent by the notification sweep
    if hooks:
        webhooks.dispatch(hooks)


def court_event(case: Case, event_type: str, now: dt.datetime, payload: dict) -> None:
    """A webhook to the case's court (delivered by the webhook outbox)."""
    if case.court_id is None:
        return
    body = {"case_id": str(case.id), "case_number": case.case_number, **payload}
    ids = webhooks.record(
        [webhooks.Event(id=uuid.uuid4(), type=event_type, court_id=case.court_id, at=now, data=lambda: body)]
    )
    db.session.info.setdefault(_WEBHOOKS, []).extend(ids)


def staff_role(actor: Principal | None, court_id: uuid.UUID | None) -> str:
    """How court staff appear on the timeline: court_system, judge or clerk (system when no one)."""
    if actor is None or court_id is None:
        return "system"
    held = permissions.court_roles(actor, court_id)
    return next((role for role in ("court_system", "judge", "clerk") if role in held), "court_staff")
