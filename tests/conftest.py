"""Shared fixtures: an app per test on a clean database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.utils import clock as clock_module
from config import TestingConfig, normalize_database_url

# Every JSON response any test receives must keep the published OpenAPI contract (issue 13, item 3).
pytest_plugins = ["tests.support.contract_check"]

_schema_ready: set[str] = set()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PostgreSQL when TEST_DATABASE_URL is set (CI), else a SQLite file private to this run.

    Under pytest-xdist (`-n`), each worker process gets a database of its own on that server, named after it
    and dropped at the end (tests empty every table after themselves, so two processes cannot share one)."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = normalize_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        yield url
        return
    with _database_of_its_own(url, worker) as own:
        yield own


@contextmanager
def _database_of_its_own(url: str, worker: str) -> Iterator[str]:
    """A fresh database `<TEST_DATABASE_URL's name>_<worker>` on the same server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")  # the suite's own database: it exists
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # left by a killed run
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        for application in list(_apps.values()):
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(database_url: str, tmp_path: os.PathLike, **overrides: object) -> Flask:
    """Create a testing app on the given database with blobs under tmp_path."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_LOCAL_ROOT": str(os.path.join(tmp_path, "blobs")),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    }
    settings.update(overrides)
    application = create_app(TestingConfig(**settings))
    _temporary_apps.append(application)
    return application


_temporary_apps: list[Flask] = []


@pytest.fixture(autouse=True)
def _celery_may_wait_for_results() -> None:
    """Eager .delay() from threads can leave Celery's process-wide "join would block" flag set; clear it."""
    from celery import _state

    _state._set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _dispose_temporary_apps() -> Iterator[None]:
    """Close the pools of apps a test built for itself, so no connection is left for the garbage collector."""
    yield
    while _temporary_apps:
        application = _temporary_apps.pop()
        if application in _apps.values():
            continue
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def _ensure_schema(app: Flask, url: str) -> None:
    if url in _schema_ready:
        return
    with app.app_context():
        db.drop_all()
        db.create_all()
    _schema_ready.add(url)


def _wipe(app: Flask) -> None:
    """Empty every table, children first, so each test starts from nothing.

    DELETE, not TRUNCATE: on PostgreSQL truncating ~60 tables costs ~0.7 s a test, deleting a few rows ~20 ms.
    """
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


PER_APP_CACHES = (
    "microcourt.wechat",
    "microcourt.sms",
    "microcourt.identity_verifier",
    "microcourt.jwt_ring",
    "microcourt.pii",
    "microcourt.calendar",  # the holiday overrides of the version read (a wiped database starts again at 0)
    "microcourt.wechatpay",  # a client built from one test's merchant settings (a fake WeChat Pay that has stopped)
)
_apps: dict[str, Flask] = {}


def _shared_app(database_url: str, tmp_path) -> Flask:
    """One app per database for the whole run (building one costs ~0.3 s); tests get it reset."""
    if database_url not in _apps:
        from tests.support import probe_routes

        application = make_app(database_url, tmp_path)
        probe_routes.mount(application)
        _ensure_schema(application, database_url)
        _apps[database_url] = application
    return _apps[database_url]


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:
    """The app on an empty database with its own blob folder; config changes and caches are undone after."""
    from app.extensions import limiter, storage
    from app.jobs import init_celery

    application = _shared_app(database_url, tmp_path)
    saved = dict(application.config)
    application.config["STORAGE_LOCAL_ROOT"] = str(tmp_path / "blobs")
    for key in PER_APP_CACHES:
        application.extensions.pop(key, None)
    storage.init_app(application)
    init_celery(application)  # other tests may have bound Celery to an app of their own
    ctx = application.app_context()
    ctx.push()
    limiter.reset()
    try:
        yield application
    finally:
        db.session.remove()
        ctx.pop()
        _wipe(application)
        application.config.clear()
        application.config.update(saved)
        for key in PER_APP_CACHES:
            application.extensions.pop(key, None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client for the app (in-process WSGI)."""
    return app.test_client()


@pytest.fixture
def clock() -> Iterator[clock_module.FakeClock]:
    """A frozen, controllable clock installed as the app's time source."""
    fake = clock_module.FakeClock()
    clock_module.set_source(fake)
    try:
        yield fake
    finally:
        clock_module.reset()


def is_postgres(url: str) -> bool:
    """True when the suite runs against PostgreSQL."""
    return url.startswith("postgresql")


@pytest.fixture
def probe_client(app: Flask) -> FlaskClient:
    """A client for the app's test-only probe routes (tests/support/probe_routes.py)."""
    from tests.support import probe_routes

    probe_routes.calls["count"] = 0
    return app.test_client()


@pytest.fixture
def wechat(app: Flask, fake_wechat):  # noqa: F811 - the fixture below is imported for this
    """The app pointed at a fresh fake WeChat server on 127.0.0.1."""
    app.config.update(fake_wechat.config())
    app.extensions.pop("microcourt.wechat", None)
    return fake_wechat


from tests.support.fake_wechat import fake_wechat  # noqa: E402,F401  (fixture)
from tests.support.storage_servers import (  # noqa: E402,F401  (fixtures)
    blob_store,
    enforcing_store,
    local_server,
    s3_endpoint,
    s3_store,
)
