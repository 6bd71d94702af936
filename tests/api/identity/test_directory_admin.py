"""Administration of courts, organisations and memberships; org admins manage their own organisation only."""

from tests.support.factories import grant, login, make_court, make_org, make_user


def admin():
    user = make_user()
    grant(user, role="platform_admin")
    return login(user)


def test_admin_registers_courts_with_unique_codes(client):
    headers = admin()
    payload = {"code": "浙0212", "name": "宁波市北仑区人民法院", "region": "浙江省宁波市"}
    created = client.post("/api/admin/v1/courts", json=payload, headers=headers)
    assert created.status_code == 201 and created.get_json()["code"] == "浙0212"
    duplicate = client.post("/api/admin/v1/courts", json=payload, headers=headers)
    assert duplicate.status_code == 409 and duplicate.get_json()["reason"] == "court.code_taken"
    bad = client.post("/api/admin/v1/courts", json={**payload, "code": "ZJ0212"}, headers=headers)
    assert bad.status_code == 422 and "code" in bad.get_json()["errors"]


def test_court_membership_makes_a_clerk_and_removal_unmakes_them(client):
    headers, court, user = admin(), make_court(), make_user()
    user_headers = login(user)
    added = client.put(
        f"/api/admin/v1/courts/{court.id}/members", json={"user_id": str(user.id), "role": "clerk"}, headers=headers
    )
    assert added.status_code == 200
    me = client.get("/api/mp/v1/me", headers=user_headers).get_json()
    assert {"court_id": str(court.id), "role": "clerk"} in me["memberships"] and "clerk" in me["roles"]
    client.post(
        f"/api/admin/v1/courts/{court.id}/members/remove",
        json={"user_id": str(user.id), "role": "clerk"},
        headers=headers,
    )
    assert client.get("/api/mp/v1/me", headers=user_headers).get_json()["memberships"] == []


def test_invalid_roles_are_422(client):
    court, user = make_court(), make_user()
    response = client.put(
        f"/api/admin/v1/courts/{court.id}/members", json={"user_id": str(user.id), "role": "king"}, headers=admin()
    )
    assert response.status_code == 422 and "role" in response.get_json()["errors"]


def test_org_admins_manage_their_own_organisation_only(client):
    own, other = make_org(name="甲调委会"), make_org(name="乙调委会")
    org_admin, mediator = make_user(), make_user()
    grant(org_admin, role="org_admin", org=own)
    headers = login(org_admin)
    payload = {"user_id": str(mediator.id), "role": "mediator"}
    assert client.put(f"/api/admin/v1/orgs/{own.id}/members", json=payload, headers=headers).status_code == 200
    assert client.put(f"/api/admin/v1/orgs/{other.id}/members", json=payload, headers=headers).status_code == 404
    assert (
        client.post(
            "/api/admin/v1/courts", json={"code": "浙0001", "name": "某法院", "region": "浙江"}, headers=headers
        ).status_code
        == 404
    )


def test_lawyer_verification_flow(client):
    lawyer = make_user()
    lawyer_headers = login(lawyer)
    applied = client.post(
        "/api/mp/v1/me/lawyer-profile",
        json={"license_number": "13302201810123456", "law_firm": "浙江甬法律师事务所", "practice_region": "浙江省"},
        headers=lawyer_headers,
    )
    assert applied.status_code == 201 and applied.get_json()["status"] == "pending"
    headers = admin()
    pending = client.get("/api/admin/v1/lawyers", headers=headers).get_json()
    assert [p["id"] for p in pending] == [applied.get_json()["id"]]
    reviewed = client.post(f"/api/admin/v1/lawyers/{pending[0]['id']}/review", json={"approve": True}, headers=headers)
    assert reviewed.get_json()["status"] == "verified"
    assert "lawyer" in client.get("/api/mp/v1/me", headers=lawyer_headers).get_json()["roles"]
    again = client.post(
        "/api/mp/v1/me/lawyer-profile",
        json={"license_number": "13302201810123456", "law_firm": "x律所", "practice_region": "浙江省"},
        headers=lawyer_headers,
    )
    assert again.status_code == 409


def test_a_licence_belongs_to_one_account(client):
    payload = {"license_number": "13302201810999999", "law_firm": "某律所", "practice_region": "浙江省"}
    assert client.post("/api/mp/v1/me/lawyer-profile", json=payload, headers=login(make_user())).status_code == 201
    taken = client.post("/api/mp/v1/me/lawyer-profile", json=payload, headers=login(make_user()))
    assert taken.status_code == 409 and taken.get_json()["reason"] == "lawyer.license_taken"
