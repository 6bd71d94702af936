"""The SMS channel on the outbox engine: a dead worker's claim is taken over after the lease, retryable
failures are retried until MAX_ATTEMPTS, a refusal is final, and a sent message is never sent again."""

from collections.abc import Mapping

from app.extensions import db
from app.integrations.sms import SmsGateway, SmsResult
from app.platform import adapters
from app.sms import outbox as sms_outbox
from app.sms.models import SmsMessage

PHONE = "+8613900000001"


class FakeGateway(SmsGateway):
    name = "fake"

    def __init__(self, *answers: SmsResult) -> None:
        self.answers = list(answers)
        self.calls = 0

    def send(self, *, phone: str, template: str, params: Mapping[str, str], language: str = "zh") -> SmsResult:
        self.calls += 1
        self.language = language
        return self.answers.pop(0) if self.answers else SmsResult(ok=True, provider=self.name, message_id="m-1")


def install(app, gateway: FakeGateway) -> FakeGateway:
    app.extensions[adapters.SMS] = gateway
    return gateway


def queued() -> SmsMessage:
    message = sms_outbox.queue(phone=PHONE, template="login_code", params={"code": "123456"})
    db.session.commit()
    return message


def test_a_dead_workers_claim_is_taken_over_after_the_lease(app, clock):
    gateway = install(app, FakeGateway())
    message_id = queued().id
    clock.advance(seconds=61)  # past the sweep's grace for a job on its way
    assert sms_outbox.OUTBOX.claim(message_id) is not None  # a worker claimed it, then died
    assert sms_outbox.send(message_id) == "queued" and gateway.calls == 0  # a live claim is not taken
    clock.advance(seconds=app.config["SMS_HTTP_TIMEOUT"] + 29)
    assert sms_outbox.sweep() == 0  # still inside the lease (SMS_HTTP_TIMEOUT + 30 s)
    clock.advance(seconds=2)
    assert sms_outbox.sweep() == 1  # eager: the re-enqueued job has sent it
    message = db.session.get(SmsMessage, message_id, populate_existing=True)
    assert (message.status, message.attempts, message.params_enc, gateway.calls) == ("sent", 2, None, 1)
    assert sms_outbox.send(message_id) == "sent" and gateway.calls == 1  # never sent twice
    assert sms_outbox.sweep() == 0


def test_retryable_failures_are_retried_until_max_attempts(app, clock):
    busy = SmsResult(ok=False, provider="fake", error="http 503", retryable=True)
    gateway = install(app, FakeGateway(*[busy] * sms_outbox.MAX_ATTEMPTS))
    message_id = queued().id
    for attempt in range(1, sms_outbox.MAX_ATTEMPTS):
        assert sms_outbox.send(message_id) == "queued"
        message = db.session.get(SmsMessage, message_id)
        assert (message.attempts, message.error, message.claimed_at) == (attempt, "http 503", None)
    assert sms_outbox.send(message_id) == "failed"
    message = db.session.get(SmsMessage, message_id)
    assert (message.attempts, message.params_enc, gateway.calls) == (sms_outbox.MAX_ATTEMPTS, None, 5)
    clock.advance(hours=1)
    assert sms_outbox.sweep() == 0


def test_a_refusal_is_final_at_once(app, clock):
    refused = SmsResult(ok=False, provider="fake", error="invalid number", retryable=False)
    install(app, FakeGateway(refused))
    message_id = queued().id
    assert sms_outbox.send(message_id) == "failed"
    message = db.session.get(SmsMessage, message_id)
    assert (message.attempts, message.error, message.params_enc) == (1, "invalid number", None)


def test_the_sms_sweep_runs_on_beat_every_minute(app):
    """A job lost between the commit and the send (a killed worker) is found by beat, not only by hand."""
    from app.extensions import celery

    entry = celery.conf.beat_schedule["sms-sweep"]
    assert entry["task"] == "microcourt.sms.sweep"
    assert entry["schedule"] == 60.0
    assert "microcourt.sms.sweep" in celery.tasks
