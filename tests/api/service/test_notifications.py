"""Delivery notices: WeChat subscribe message when granted, else SMS; each channel's answer on the chain."""

from __future__ import annotations

from app.extensions import db
from app.identity.models import SubscriptionGrant, User
from tests.api.service.support import events, push, service_world

TEMPLATE = "tpl-document-served"


def _wechat_recipient(app, wechat, world, *, refuses: bool) -> None:
    app.config["NOTIFICATION_WECHAT_TEMPLATES"] = f"document_served:{TEMPLATE}"
    user = db.session.get(User, world.respondent_user.id)
    user.wechat_openid = "openid-respondent"
    db.session.add(SubscriptionGrant(user_id=user.id, template_id=TEMPLATE, accepted=True, remaining=1))
    db.session.commit()
    if refuses:
        wechat.refusing_users.add("openid-respondent")


def _notices(document_id) -> list[tuple[str, str, str, str | None]]:
    return [
        (e.type, e.data["channel"], e.data["outcome"], e.data.get("provider_code"))
        for e in events(document_id)
        if e.type in ("notified", "notification_failed")
    ]


def test_a_granted_recipient_is_told_by_wechat(app, client, clock, wechat):
    world = service_world()
    _wechat_recipient(app, wechat, world, refuses=False)
    document_id = push(client, world, title="民事判决书").get_json()["document_id"]
    assert _notices(document_id) == [("notified", "wechat", "sent", "0")]
    (message,) = wechat.sent_messages
    assert message["touser"] == "openid-respondent" and message["template_id"] == TEMPLATE
    assert message["page"] == f"pages/documents/detail?id={document_id}"
    assert message["data"]["thing1"]["value"] == "民事判决书"


def test_a_refused_wechat_message_falls_back_to_sms_and_both_answers_are_kept(app, client, clock, wechat):
    world = service_world()
    _wechat_recipient(app, wechat, world, refuses=True)
    document_id = push(client, world).get_json()["document_id"]
    assert _notices(document_id) == [
        ("notification_failed", "wechat", "refused", "43101"),
        ("notified", "sms", "sent", "ok"),
    ]
    detail = client.get(f"/api/court/v1/documents/{document_id}", headers=world.clerk_headers).get_json()
    assert [(n["channel"], n["status"], n["provider"]) for n in detail["notifications"]] == [("sms", "sent", "console")]


def test_a_recipient_without_any_channel_is_recorded_as_not_notified(client, clock):
    world = service_world()
    user = db.session.get(User, world.respondent_user.id)
    user.phone_enc = user.phone_index = None
    db.session.commit()
    document_id = push(client, world).get_json()["document_id"]
    failed = [e for e in events(document_id) if e.type == "notification_failed"]
    assert (
        len(failed) == 1
        and failed[0].data["channel"] is None
        and "no usable channel" in failed[0].data["provider_message"]
    )
    assert events(document_id)[2].type == "delivered"  # delivery itself stands: the inbox was reached
