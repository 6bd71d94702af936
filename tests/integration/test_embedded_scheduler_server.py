"""`make run`'s server runs beat's periodic tasks itself: a due session reminder reaches the dev SMS outbox."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import requests

from app.extensions import db
from app.platform import scheduler
from app.utils import clock
from tests.conftest import make_app
from tests.integration.test_gunicorn_server import GUNICORN, ROOT, _wait_for_listen
from tests.support.factories import make_user
from tests.support.scheduling import MP, book, mediation_case, mediator, phone


def _due_reminder(url: str, folder: Path) -> str:
    """A session starting in 1 h 2 s, so its 1-hour reminder falls due 2 s from now; returns the filer's phone."""
    application = make_app(url, folder)
    with application.app_context():
        db.create_all()
        filer_phone = phone()
        med, filer = mediator(), make_user(real_name="张三", phone=filer_phone)
        case = mediation_case(mediator_user=med, filer=filer, title="张三诉李四民间借贷纠纷")
        start = clock.now() + dt.timedelta(hours=1, seconds=2)
        booked = book(
            application.test_client(), case, med, start.isoformat(), (start + dt.timedelta(hours=1)).isoformat()
        )
        assert booked.status_code == 201, booked.get_json()
        db.engine.dispose()
    return filer_phone


def test_a_reminder_due_while_the_server_runs_is_sent_to_the_dev_outbox(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    filer_phone = _due_reminder(url, tmp_path)
    time.sleep(2.1)  # the reminder is now due
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("RATELIMIT_", "TEST_DATABASE", "PROMETHEUS_", "GUNICORN_", "WEB_CONCURRENCY"))
        },
        "MICROCOURT_ENV": "development",  # EMBEDDED_SCHEDULER's default is on here, as under make run
        "DATABASE_URL": url,
        "STORAGE_LOCAL_ROOT": str(tmp_path / "blobs"),
        "BIND": "127.0.0.1:0",
    }
    env.pop("EMBEDDED_SCHEDULER", None)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
    try:
        base = _wait_for_listen(log, process)
        deadline, templates = time.monotonic() + 30, []  # generous: CI machines can be loaded
        while time.monotonic() < deadline and "session_reminder" not in templates:
            outbox = requests.get(f"{base}{MP}/dev/sms-outbox", params={"phone": filer_phone}, timeout=5).json()
            templates = [message["template"] for message in outbox]
            time.sleep(0.2)
        assert "session_reminder" in templates, log.read_text(errors="replace")[-2000:]
        assert "embedded scheduler leads" in log.read_text(errors="replace")
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine: graceful shutdown overran; do not leave it running
            process.kill()
            process.wait(timeout=10)
        Path(scheduler.lock_path_for(url)).unlink(missing_ok=True)  # nobody holds it now
