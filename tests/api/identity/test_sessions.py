"""Sessions end when they should: refresh rotation, reuse detection, logout, disabling, role removal."""

from app.extensions import db
from app.identity.login_models import AuthSession
from tests.support.factories import grant, login, login_pair, make_user


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def refresh(client, token):
    return client.post("/api/mp/v1/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_and_the_new_pair_works(client):
    pair = login_pair(make_user())
    response = refresh(client, pair.refresh_token)
    assert response.status_code == 200
    fresh = response.get_json()
    assert fresh["refresh_token"] != pair.refresh_token
    assert client.get("/api/mp/v1/me", headers=bearer(fresh["access_token"])).status_code == 200
    assert refresh(client, fresh["refresh_token"]).status_code == 200


def test_reusing_a_spent_refresh_token_ends_the_whole_family(client):
    pair = login_pair(make_user())
    fresh = refresh(client, pair.refresh_token).get_json()
    reused = refresh(client, pair.refresh_token)
    assert reused.status_code == 401 and reused.get_json()["reason"] == "auth.refresh_reused"
    # the thief's and the owner's newer tokens are both dead now
    assert refresh(client, fresh["refresh_token"]).status_code == 401
    me = client.get("/api/mp/v1/me", headers=bearer(fresh["access_token"]))
    assert me.status_code == 401 and me.get_json()["reason"] == "auth.session_ended"
    assert db.session.query(AuthSession).one().revoked_reason == "refresh_reused"


def test_unknown_and_malformed_refresh_tokens(client):
    assert refresh(client, "rt_" + "x" * 40).status_code == 401
    assert refresh(client, "short").status_code == 422


def test_refresh_tokens_expire(client, clock):
    pair = login_pair(make_user())
    clock.advance(days=31)
    response = refresh(client, pair.refresh_token)
    assert response.status_code == 401 and response.get_json()["reason"] == "auth.session_ended"


def test_access_tokens_expire_after_fifteen_minutes(client, clock):
    headers = login(make_user())
    clock.advance(minutes=14)
    assert client.get("/api/mp/v1/me", headers=headers).status_code == 200
    clock.advance(minutes=2)
    response = client.get("/api/mp/v1/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["reason"] == "auth.token_expired"


def test_logout_ends_access_and_refresh_at_once(client):
    pair = login_pair(make_user())
    headers = bearer(pair.access_token)
    assert client.post("/api/mp/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/mp/v1/me", headers=headers).status_code == 401
    assert refresh(client, pair.refresh_token).status_code == 401


def test_logout_ends_only_that_device(client):
    user = make_user()
    phone, tablet = login(user), login(user)
    client.post("/api/mp/v1/auth/logout", headers=phone)
    assert client.get("/api/mp/v1/me", headers=tablet).status_code == 200


def test_disabling_a_user_ends_access_at_once(client):
    admin, citizen = make_user(), make_user()
    grant(admin, role="platform_admin")
    citizen_pair = login_pair(citizen)
    response = client.put(f"/api/admin/v1/users/{citizen.id}/status", json={"active": False}, headers=login(admin))
    assert response.status_code == 200 and response.get_json()["status"] == "disabled"
    assert client.get("/api/mp/v1/me", headers=bearer(citizen_pair.access_token)).status_code == 401
    assert refresh(client, citizen_pair.refresh_token).status_code == 401


def test_removing_a_role_ends_its_powers_at_once(client):
    root, other_admin = make_user(), make_user()
    grant(root, role="platform_admin")
    grant(other_admin, role="platform_admin")
    headers = login(other_admin)
    assert client.get("/api/admin/v1/clients", headers=headers).status_code == 200
    removed = client.post(
        f"/api/admin/v1/users/{other_admin.id}/roles/remove", json={"role": "platform_admin"}, headers=login(root)
    )
    assert removed.status_code == 200
    assert client.get("/api/admin/v1/clients", headers=headers).status_code == 404  # same token, no power
    me = client.get("/api/mp/v1/me", headers=headers).get_json()
    assert "platform_admin" not in me["roles"]


def test_an_admin_cannot_lock_themselves_out(client):
    admin = make_user()
    grant(admin, role="platform_admin")
    headers = login(admin)
    assert (
        client.put(f"/api/admin/v1/users/{admin.id}/status", json={"active": False}, headers=headers).status_code == 409
    )
    removal = client.post(
        f"/api/admin/v1/users/{admin.id}/roles/remove", json={"role": "platform_admin"}, headers=headers
    )
    assert removal.status_code == 409
