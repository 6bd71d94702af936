"""A person's language for texts sent later: set only by the person, read back on /me, used by app.i18n."""

import pytest

from app.audit.models import AuditEvent
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import user_language
from app.identity import language
from app.security.permissions import Principal
from tests.support.factories import login, make_user

URL = "/api/mp/v1/me/language"


def _actor(user) -> Principal:
    return Principal(kind="user", subject=str(user.id), user_id=user.id)


def test_service_stores_the_choice_audits_a_change_and_the_provider_returns_it(app):
    user = make_user()
    assert language.language_of(str(user.id)) is None and user_language(str(user.id)) == "zh"
    assert language.set_language(actor=_actor(user), language="en") == "en"
    assert language.language_of(str(user.id)) == "en"
    assert user_language(str(user.id)) == "en"  # through the provider app/wiring.py connected
    language.set_language(actor=_actor(user), language="en")  # the same again: no change, no second event
    events = db.session.query(AuditEvent).filter_by(action="identity.language_set").all()
    assert len(events) == 1 and events[0].details == {"language": "en", "previous": None}
    assert language.set_language(actor=_actor(user), language=None) is None  # cleared: Chinese again
    assert user_language(str(user.id)) == "zh"


def test_service_refuses_an_unknown_language_and_unknown_ids_have_none(app):
    user = make_user()
    with pytest.raises(ValidationFailed) as caught:
        language.set_language(actor=_actor(user), language="fr")
    assert caught.value.errors == {"language": ["Must be one of: zh, en."]}
    assert language.language_of("not-a-uuid") is None
    assert language.language_of("00000000-0000-0000-0000-000000000000") is None


def test_set_and_read_back_over_http(client):
    user = make_user()
    headers = login(user)
    assert client.get("/api/mp/v1/me", headers=headers).get_json()["language"] is None
    response = client.put(URL, json={"language": "en"}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"language": "en"}
    assert client.get("/api/mp/v1/me", headers=headers).get_json()["language"] == "en"
    assert user_language(str(user.id)) == "en"
    assert client.put(URL, json={"language": None}, headers=headers).get_json() == {"language": None}
    assert client.get("/api/mp/v1/me", headers=headers).get_json()["language"] is None


@pytest.mark.parametrize("body", [{"language": "fr"}, {"language": "zh-CN"}, {"language": 1}, {}])
def test_unknown_values_are_422_in_the_readers_language(client, body):
    headers = login(make_user())
    response = client.put(URL, json=body, headers=headers)
    assert response.status_code == 422 and response.get_json()["reason"] == "validation.failed"
    assert "language" in response.get_json()["errors"]
    chinese = client.put(URL, json={"language": "fr"}, headers={**headers, "Accept-Language": "zh-CN"})
    assert chinese.get_json()["errors"]["language"] != ["Must be one of: zh, en."]  # translated


def test_accept_language_is_never_stored(client):
    user = make_user()
    headers = {**login(user), "Accept-Language": "en-US"}
    assert client.get("/api/mp/v1/me", headers=headers).get_json()["language"] is None
    assert language.language_of(str(user.id)) is None and user_language(str(user.id)) == "zh"


def test_needs_a_login(client):
    assert client.put(URL, json={"language": "en"}).status_code == 401


def test_the_callers_language_is_read_from_the_session_without_a_statement(client):
    # /me: authentication holds the caller's row, so its language costs no query (3 statements -> 2); a user
    # the session does not hold is still read, and a choice made meanwhile is what the next request reads.
    from sqlalchemy import event

    user, other = make_user(), make_user()
    headers, other_id = login(user), str(other.id)
    client.put(URL, json={"language": "en"}, headers=headers)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        db.session.expunge_all()
        answer = client.get("/api/mp/v1/me", headers=headers)
        me_statements = list(statements)
        statements.clear()
        db.session.expunge_all()
        assert language.language_of(other_id) is None
        assert len(statements) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert answer.get_json()["language"] == "en"
    assert not [s for s in me_statements if s.lstrip().upper().startswith("SELECT USERS.LANGUAGE")]
    assert language._LANGUAGE_OF is language._LANGUAGE_OF  # built once, at import
