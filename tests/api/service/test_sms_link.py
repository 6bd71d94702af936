"""The SMS telling a recipient a document is waiting carries the link to its page in the H5 client, so a person
without the mini-program can open it from a plain phone browser after logging in (docs/pages.md)."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.integrations.sms import render
from app.security import pii
from app.sms.models import SmsMessage
from tests.api.service.support import push, service_world


def test_the_served_document_sms_links_to_the_documents_h5_page(app, client, clock):
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    message = db.session.scalars(select(SmsMessage).where(SmsMessage.template == "document_served")).one()
    params = json.loads(pii.decrypt(message.params_enc, field="sms_params"))["params"] if message.params_enc else None
    text = message.text or render(message.template, params)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert f"{base}/h5/#/documents/{document_id}" in text
    assert text.startswith("【微法院】")
