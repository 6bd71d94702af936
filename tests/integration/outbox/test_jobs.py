"""Jobs are enqueued by task name: run in-process at once when eager, sent to the broker for a name not known here."""

from app.extensions import celery
from app.platform import jobs

seen: list[tuple] = []


@celery.task(name="tests.outbox.echo")
def echo(*args: object) -> None:
    seen.append(args)


def test_an_eager_job_runs_in_process_with_its_arguments(app):
    seen.clear()
    assert app.config["JOBS_EAGER"]
    jobs.enqueue("tests.outbox.echo", "a", 1)
    assert seen == [("a", 1)]


def test_a_name_this_process_does_not_know_goes_to_the_broker(app, monkeypatch):
    sent = []
    monkeypatch.setattr(celery, "send_task", lambda name, args: sent.append((name, args)))
    jobs.enqueue("microcourt.elsewhere.only", "x")
    assert sent == [("microcourt.elsewhere.only", ("x",))]


def test_every_task_the_domains_enqueue_is_registered(app):
    from app.notifications import dispatch
    from app.sms import outbox
    from app.webhooks import deliveries

    for name in (dispatch.DELIVER_TASK, outbox.SEND_TASK, deliveries.DELIVER_TASK):
        assert name in celery.tasks
