"""Authentication puts the caller's User in the request's session as the ORM's loader would (issue 18).

The row read with the session and grants becomes a persistent, unmodified User in the identity map, without a
statement: a later `get` in the request returns it without SQL, and a change to it is flushed like any loaded row.
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.extensions import db
from app.identity import login_sessions
from app.identity.models import User
from tests.integration.test_statement_budgets import counting
from tests.support.factories import login_pair, make_user


def test_the_caller_row_is_a_loaded_persistent_user(app):
    user = make_user(real_name="张三")
    user_id, token = user.id, login_pair(user).access_token
    db.session.remove()
    with app.test_request_context("/api/mp/v1/me"):
        principal = login_sessions.authenticate_user(token=token)
        caller: User = db.session.info[login_sessions.CALLER_ROWS]
        state = inspect(caller)
        assert state.persistent and not state.modified and not state.unloaded and caller in db.session
        assert not db.session.dirty and not db.session.new
        with counting() as count:
            assert db.session.get(User, user_id) is caller
            assert caller.real_name == "张三" and principal.real_name_verified
        assert count.statements == [], count
        caller.display_name = "李四"
        assert caller in db.session.dirty
        db.session.commit()
        db.session.remove()
    assert db.session.scalar(select(User.display_name).where(User.id == user_id)) == "李四"
