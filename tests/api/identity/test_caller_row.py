"""Authentication builds the caller's User from its one Core statement: the request reads it no second time, a
fresh request sees what another request changed, and a row the session already holds is kept as the ORM keeps it."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import event, update

from app.extensions import db
from app.identity import login_sessions
from app.identity.models import User
from tests.support.factories import grant, login, make_user

ME = "/api/mp/v1/me"


def _in_own_context(app: Flask, work):
    """Run `work` in a thread with its own app context and session, as a production request is."""
    out: dict = {}

    def run() -> None:
        with app.app_context():
            try:
                out["value"] = work()
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out.get("value")


def _statements(app: Flask, work) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        _in_own_context(app, work)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_the_caller_is_read_once_per_request(app, client):
    user = make_user(real_name="张三")
    headers = login(user)
    client.get(ME, headers=headers)  # warm
    seen = _statements(app, lambda: app.test_client().get(ME, headers=headers))
    reads_of_users = [s for s in seen if "FROM users" in s or "JOIN users" in s]
    assert len(reads_of_users) == 1, seen  # the authentication statement; profile's session.get finds the row


def test_the_built_row_is_persistent_clean_and_current(app):
    user = make_user(real_name="张三")
    token = login(user)["Authorization"].split()[1]
    user_id = user.id

    def authenticate():
        principal = login_sessions.authenticate_user(token=token)
        caller = db.session.get(User, user_id)  # from the identity map: no statement
        state = db.inspect(caller)
        return principal, caller.display_name, state.persistent, state.modified, list(db.session.dirty)

    principal, name, persistent, modified, dirty = _in_own_context(app, authenticate)
    assert principal.user_id == user_id and principal.real_name_verified
    assert persistent and not modified and not dirty
    assert name == user.display_name

    db.session.execute(update(User).where(User.id == user_id).values(display_name="改过"))
    db.session.commit()
    _principal, name, *_ = _in_own_context(app, authenticate)
    assert name == "改过"  # nothing cached across requests

    def change_and_flush():
        login_sessions.authenticate_user(token=token)
        db.session.get(User, user_id).language = "en"
        db.session.commit()

    _in_own_context(app, change_and_flush)  # the built row is written like a loaded one
    db.session.expire_all()
    assert db.session.get(User, user_id).language == "en"


def test_a_row_already_held_keeps_its_pending_change_and_fills_what_was_expired(app):
    user = make_user(real_name="张三")
    token = login(user)["Authorization"].split()[1]
    db.session.commit()  # expires the test's row
    user.language = "en"  # pending in this session: the ORM would have flushed it before reading
    principal = login_sessions.authenticate_user(token=token)
    assert principal.user_id == user.id
    assert db.inspect(user).persistent and user.language == "en" and user.real_name == "张三"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "en"


def test_a_disabled_caller_is_refused_at_once(app, client):
    user = make_user()
    headers = login(user)
    assert client.get(ME, headers=headers).status_code == 200
    db.session.execute(update(User).where(User.id == user.id).values(status="disabled"))
    db.session.commit()
    answer = client.get(ME, headers=headers)
    assert answer.status_code == 401 and answer.get_json()["reason"] == "auth.account_disabled"


def test_me_reads_the_lawyer_profile_only_when_authentication_saw_one(app, client):
    citizen, lawyer = make_user(real_name="张三"), make_user(real_name="李四")
    grant(lawyer, role="lawyer")
    citizen_headers, lawyer_headers = login(citizen), login(lawyer)

    def profile_reads(headers: dict) -> list[str]:
        seen = _statements(app, lambda: app.test_client().get(ME, headers=headers))
        assert len([s for s in seen if "auth_sessions" in s]) == 1, seen
        return [s for s in seen if "lawyer_profiles" in s and "auth_sessions" not in s]

    assert profile_reads(citizen_headers) == []  # authentication saw no profile: none read
    assert len(profile_reads(lawyer_headers)) == 1
    assert client.get(ME, headers=citizen_headers).get_json()["lawyer_profile"] is None
    profile = client.get(ME, headers=lawyer_headers).get_json()["lawyer_profile"]
    assert profile is not None and profile["status"] in {"pending", "verified"}
