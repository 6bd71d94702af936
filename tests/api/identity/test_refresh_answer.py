"""A refresh answers with the same profile as before (issue 18): its roles and memberships are read with the token.

The refresh reads the token, its session, the user and the user's roles and memberships in one statement and
writes the rotation with Core statements; the answer's `user` must still be what GET /me says with the new token,
and a refresh that fails after spending leaves the token unspent (its transaction is rolled back).
"""

from __future__ import annotations

from app.extensions import db
from app.identity.login_models import AuthSession, RefreshToken
from tests.integration.test_statement_budgets import counting
from tests.support.factories import grant, login_pair, make_court, make_org, make_user

MP = "/api/mp/v1"


def refresh(client, token):
    return client.post(f"{MP}/auth/refresh", json={"refresh_token": token})


def test_the_refresh_answer_is_the_profile_me_shows(client):
    user = make_user(phone="13800138123", real_name="张三")
    grant(user, role="platform_admin")
    grant(user, court=make_court(), role="judge")
    grant(user, org=make_org(), role="mediator")
    grant(user, role="lawyer")
    pair = login_pair(user)
    with counting() as count:
        answer = refresh(client, pair.refresh_token)
    assert answer.status_code == 200
    body = answer.get_json()
    # the token, session, user and grants 1; spend 1; last use 1; the new token 1; the lawyer profile 1
    assert len(count.statements) == 5, count
    me = client.get(f"{MP}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    shown = me.get_json()
    shown.pop("language")  # GET /me adds the caller's language to the profile both answers share
    assert body["user"] == shown
    assert {m.get("role") for m in body["user"]["memberships"]} == {"judge", "mediator"}
    assert body["user"]["lawyer_profile"] is not None and "platform_admin" in body["user"]["roles"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900


def test_a_plain_user_refreshes_in_four_statements(client):
    pair = login_pair(make_user())
    with counting() as count:
        answer = refresh(client, pair.refresh_token)
    assert answer.status_code == 200, answer.get_json()
    assert len(count.statements) == 4, count
    body = answer.get_json()["user"]
    assert body["roles"] == ["citizen"] and body["memberships"] == [] and body["lawyer_profile"] is None


def test_the_rotation_writes_what_it_wrote_before(client):
    pair = login_pair(make_user())
    answer = refresh(client, pair.refresh_token).get_json()
    db.session.expire_all()
    tokens = db.session.query(RefreshToken).order_by(RefreshToken.created_at).all()
    assert len(tokens) == 2 and tokens[0].spent_at is not None and tokens[1].spent_at is None
    session = db.session.query(AuthSession).one()
    assert tokens[1].session_id == session.id and tokens[1].expires_at <= session.expires_at
    assert session.last_used_at is not None and session.revoked_at is None
    assert refresh(client, answer["refresh_token"]).status_code == 200


def test_a_disabled_account_cannot_refresh_and_its_token_stays_unspent(client):
    user = make_user()
    pair = login_pair(user)
    user.status = "disabled"
    db.session.commit()
    answer = refresh(client, pair.refresh_token)
    assert answer.status_code == 401 and answer.get_json()["reason"] == "auth.session_ended"
    db.session.expire_all()
    assert db.session.query(RefreshToken).one().spent_at is None
    assert db.session.query(AuthSession).one().revoked_at is None
