"""Court systems: client credentials -> a court-scoped token; secrets hashed, rotated with overlap, revocable."""

from sqlalchemy import select

from app.extensions import db
from app.identity.client_models import MachineClient
from tests.support.factories import grant, login, make_court, make_user


def admin_headers():
    admin = make_user()
    grant(admin, role="platform_admin")
    return login(admin)


def token(client, client_id, secret):
    return client.post("/api/court/v1/auth/token", json={"client_id": client_id, "client_secret": secret})


def create(client, court, headers):
    response = client.post(
        "/api/admin/v1/clients", json={"court_id": str(court.id), "name": "审判系统"}, headers=headers
    )
    assert response.status_code == 201
    return response.get_json()


def test_credentials_give_a_token_scoped_to_one_court(client):
    court = make_court()
    created = create(client, court, admin_headers())
    stored = db.session.scalar(select(MachineClient))
    assert created["client_secret"] not in (stored.secret_hash, stored.client_id)  # only the hash is kept
    response = token(client, created["client_id"], created["client_secret"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    whoami = client.get("/api/court/v1/whoami", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert whoami.get_json() == {"kind": "machine", "subject": created["client_id"], "court_ids": [str(court.id)]}


def test_machine_tokens_do_not_open_citizen_routes(client):
    created = create(client, make_court(), admin_headers())
    access = token(client, created["client_id"], created["client_secret"]).get_json()["access_token"]
    assert client.get("/api/mp/v1/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_wrong_secret_and_unknown_client_look_alike(client):
    created = create(client, make_court(), admin_headers())
    wrong = token(client, created["client_id"], "cs_wrong")
    unknown = token(client, "mc_unknown", created["client_secret"])
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["reason"] == unknown.get_json()["reason"] == "auth.invalid_client"


def test_rotation_keeps_the_old_secret_for_the_overlap_only(client, clock):
    headers = admin_headers()
    created = create(client, make_court(), headers)
    rotated = client.post(f"/api/admin/v1/clients/{created['client_id']}/rotate", headers=headers).get_json()
    assert rotated["client_secret"] != created["client_secret"]
    assert token(client, created["client_id"], created["client_secret"]).status_code == 200
    assert token(client, created["client_id"], rotated["client_secret"]).status_code == 200
    clock.advance(hours=25)
    assert token(client, created["client_id"], created["client_secret"]).status_code == 401
    assert token(client, created["client_id"], rotated["client_secret"]).status_code == 200


def test_revocation_ends_issued_tokens_at_once(client):
    headers = admin_headers()
    created = create(client, make_court(), headers)
    access = token(client, created["client_id"], created["client_secret"]).get_json()["access_token"]
    machine = {"Authorization": f"Bearer {access}"}
    assert client.get("/api/court/v1/whoami", headers=machine).status_code == 200
    assert client.post(f"/api/admin/v1/clients/{created['client_id']}/revoke", headers=headers).status_code == 200
    assert client.get("/api/court/v1/whoami", headers=machine).status_code == 401
    assert token(client, created["client_id"], created["client_secret"]).status_code == 401


def test_only_platform_admins_manage_clients(client):
    court = make_court()
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    response = client.post(
        "/api/admin/v1/clients", json={"court_id": str(court.id), "name": "某系统"}, headers=login(clerk)
    )
    assert response.status_code == 404
    assert client.get("/api/admin/v1/clients").status_code == 401


def test_clients_for_unknown_courts_are_refused(client):
    response = client.post(
        "/api/admin/v1/clients",
        json={"court_id": "00000000-0000-7000-8000-000000000000", "name": "某系统"},
        headers=admin_headers(),
    )
    assert response.status_code == 404 and response.get_json()["reason"] == "court.not_found"
