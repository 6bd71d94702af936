"""Evidence for the court: every event, the certificate PDF, public verification, and tamper detection."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.audit.models import AuditEvent
from app.documents.chain import GENESIS
from app.extensions import db
from tests.api.service.support import document, events, pdf_bytes, push, service_world
from tests.support import pdf_reader

CHAIN_CLI = "verify-service-chains"


def _served(client):
    world = service_world()
    document_id = push(client, world, doc_type="judgment", title="张三诉李四民间借贷纠纷民事判决书").get_json()[
        "document_id"
    ]
    client.get(f"/api/mp/v1/documents/{document_id}", headers=world.respondent_headers)
    client.post(f"/api/mp/v1/documents/{document_id}/acknowledge", headers=world.respondent_headers)
    return world, document_id


def test_the_court_sees_every_event_chained_with_the_documents_sha256(client, clock):
    world, document_id = _served(client)
    body = client.get(f"/api/court/v1/documents/{document_id}", headers=world.clerk_headers).get_json()
    assert [e["type"] for e in body["events"]] == [
        "submitted",
        "accepted",
        "delivered",
        "notified",
        "opened",
        "acknowledged",
    ]
    assert body["chain"] == {"valid": True, "problem": None, "head": body["events"][-1]["hash"]}
    previous = GENESIS
    for event in body["events"]:
        assert event["prev_hash"] == previous and re.fullmatch(r"[0-9a-f]{64}", event["hash"])
        previous = event["hash"]
    assert body["recipient"]["name"] == "李*" and body["recipient"]["phone"].count("*") == 4
    assert body["served_basis"] == "delivered" and body["deadline"]["period"]["label"] == "上诉期（判决）"
    assert body["notifications"][0]["status"] == "sent" and body["notifications"][0]["channel"] == "sms"
    assert body["verify_url"].endswith(f"/api/public/v1/verify/{body['verification_code']}")


def test_the_hash_covers_the_documents_sha256(client, clock):
    """Changing the recorded SHA-256 of the document breaks its chain at the first event."""
    from app.documents import chain as delivery_chain

    _world, document_id = _served(client)
    row = document(document_id)
    assert delivery_chain.verify_document(row) is None
    row.sha256 = hashlib.sha256(b"another file").hexdigest()
    broken = delivery_chain.verify_document(row)
    assert broken.seq == 1 and "hash does not match" in broken.problem
    db.session.rollback()


def test_the_certificate_is_a_pdf_in_chinese_with_the_facts_and_a_qr_code(app, client, clock, tmp_path):
    world, document_id = _served(client)
    response = client.get(f"/api/court/v1/documents/{document_id}/certificate.pdf", headers=world.machine_headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert (
        db.session.scalar(
            select(AuditEvent.action).where(
                AuditEvent.object_id == document_id, AuditEvent.action.like("%certificate%")
            )
        )
        == "document.certificate_issued"
    )
    data = response.data
    assert data.startswith(b"%PDF-") and b"/Subtype /Image" in data  # the QR code
    fonts = pdf_reader.fonts(data)  # every font embedded (tests/integration/test_certificate_pdf.py has the rest)
    assert fonts and all(font.embedded_file == "FontFile2" for font in fonts) and b"/STSong-Light" not in data
    content = pdf_reader.text(data)  # the text layer, as a viewer copies and searches it
    row = document(document_id)
    for phrase in ("电子送达凭证", "案号", "受送达人", "视为送达时间", "签收", "受送达人的微法院小程序账户"):
        assert phrase in content, phrase
    assert row.sha256 in content and row.verification_code in content and world.case.case_number in content
    assert "13900000" not in content and "李*" in content  # the phone and the name are masked
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the certificate was checked as PDF only, not rendered")
    source = tmp_path / "certificate.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(Path(tmp_path).glob("page*.png"))
    assert pages and pages[0].read_bytes().startswith(b"\x89PNG")
    if shutil.which("pdftotext"):
        extracted = subprocess.run(
            ["pdftotext", str(source), "-"], check=True, capture_output=True, timeout=60
        ).stdout.decode()
        assert "电子送达凭证" in extracted and world.case.case_number in extracted and "李*" in extracted


def test_public_verification_confirms_without_personal_data(client, clock):
    world, document_id = _served(client)
    row = document(document_id)
    response = client.get(f"/api/public/v1/verify/{row.verification_code.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["chain_valid"] is True and body["document_sha256"] == row.sha256
    assert body["case_number"] == world.case.case_number and body["served_at"] == row.served_at.isoformat()
    assert body["title_sha256"] == hashlib.sha256(row.title.encode()).hexdigest()
    assert [e["type"] for e in body["events"]][-1] == "acknowledged"
    raw = response.get_data(as_text=True)
    # Hashes and the code are random hex/base32: a phone prefix such as "139" can occur in them by chance.
    for opaque in (body["document_sha256"], body["title_sha256"], body["verification_code"]):
        raw = raw.replace(opaque, "")
    for secret in ("李四", "张三", "138", "139", str(world.respondent.id), str(world.respondent_user.id), row.title):
        assert secret not in raw, secret
    assert client.get("/api/public/v1/verify/NOPE2345678923456789").status_code == 404


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=[CHAIN_CLI, *args])


def test_the_cli_verifies_every_chain_and_finds_the_first_broken_link(app, client, clock):
    _world, document_id = _served(client)
    _other_world, other_id = _served(client)
    ok = _cli(app)
    assert ok.exit_code == 0, ok.output
    assert "checked 2 documents, 12 events, 2 stored files" in ok.output and "all chains" in ok.output
    # tamper with the data of event 3 behind the ORM's back (the model itself refuses updates)
    db.session.execute(
        text("UPDATE delivery_events SET data = :data WHERE document_id = :doc AND seq = 3"),
        {
            "data": '{"channel": "forged"}',
            "doc": document(document_id).id.hex
            if db.engine.dialect.name == "sqlite"
            else str(document(document_id).id),
        },
    )
    db.session.commit()
    broken = _cli(app, "--skip-objects")
    assert broken.exit_code == 1
    assert f"BROKEN document {document_id}: event 3: hash does not match the event's content" in broken.output
    assert str(other_id) not in broken.output


def test_the_cli_finds_a_removed_event_and_a_changed_stored_file(app, client, clock):
    _world, document_id = _served(client)
    row = document(document_id)
    doc_param = row.id.hex if db.engine.dialect.name == "sqlite" else str(row.id)
    db.session.execute(text("DELETE FROM delivery_events WHERE document_id = :doc AND seq = 2"), {"doc": doc_param})
    db.session.commit()
    missing = _cli(app, "--skip-objects")
    assert missing.exit_code == 1 and f"document {document_id}: event 2: missing" in missing.output
    _world2, second = _served(client)
    stored = Path(app.config["STORAGE_LOCAL_ROOT"]) / "objects" / document(second).storage_key
    stored.write_bytes(pdf_bytes("换过的文件"))
    changed = _cli(app)
    assert changed.exit_code == 1 and f"document {second}: stored object changed" in changed.output


def test_events_cannot_be_changed_or_deleted_through_the_orm(client, clock):
    _world, document_id = _served(client)
    event = events(document_id)[0]
    event.data = {"forged": True}
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(events(document_id)[0])
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
