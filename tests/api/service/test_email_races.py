"""Concurrent workers on one e-mail: exactly one message reaches the SMTP server (the outbox claim decides)."""

from __future__ import annotations

import threading

from app.extensions import db
from app.notifications import EmailMessage, email_outbox
from tests.support.fake_smtp import FakeSmtp

THREADS = 8


def test_concurrent_sends_of_one_email_deliver_it_once(app, clock):
    with FakeSmtp() as smtp:
        app.config.update(EMAIL_SMTP_HOST="127.0.0.1", EMAIL_SMTP_PORT=smtp.port, EMAIL_SMTP_SECURITY="plain")
        app.extensions.pop("microcourt.mailer", None)
        try:
            message = email_outbox.queue(
                to="race@example.com", template="document_served", params={"title": "传票", "court": "法院"}
            )
            db.session.commit()
            message_id, results, barrier = message.id, [], threading.Barrier(THREADS)

            def run():
                with app.app_context():
                    barrier.wait()
                    results.append(email_outbox.send(message_id))
                    db.session.remove()

            threads = [threading.Thread(target=run) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            app.extensions.pop("microcourt.mailer", None)
    assert len(results) == THREADS and set(results) <= {"sent", "queued"} and "sent" in results
    assert len(smtp.to("race@example.com")) == 1
    db.session.expire_all()
    stored = db.session.get(EmailMessage, message_id)
    assert stored.status == "sent" and stored.attempts == 1 and stored.params_enc is None
