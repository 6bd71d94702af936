"""The mediation directory: search by region and category, public mediator profiles, administration."""

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.identity.organization_models import MediationOrganization, OrgMembership
from app.mediation.models import MediatorSpecialty, OrgFacet
from tests.api.mediation.helpers_outcome import ADMIN, MP, dispute, mediator, offer
from tests.conftest import is_postgres
from tests.support.factories import grant, login, make_court, make_org, make_user

NINGBO, HANGZHOU = "浙江省宁波市", "浙江省杭州市"


def _org(name, region, regions=(), categories=()):
    org = MediationOrganization(
        name=name, org_type="industry", region=region, regions=list(regions), categories=list(categories)
    )
    db.session.add(org)
    db.session.commit()
    return org


def _names(response):
    assert response.status_code == 200, response.get_json()
    return sorted(item["name"] for item in response.get_json()["items"])


def test_search_by_region_and_category(client):
    _org("宁波金融调解中心", NINGBO, categories=["金融借款合同纠纷"])
    _org("宁波综合调委会", NINGBO, regions=[HANGZHOU])  # no categories: takes every category
    _org("杭州物业调解室", HANGZHOU, categories=["物业服务合同纠纷"])
    closed = _org("已撤销调委会", NINGBO)
    closed.active = False
    db.session.commit()
    headers = login(make_user())
    url = f"{MP}/mediation/orgs"
    assert _names(client.get(url, headers=headers)) == ["宁波综合调委会", "宁波金融调解中心", "杭州物业调解室"]
    assert _names(client.get(url, query_string={"region": NINGBO}, headers=headers)) == [
        "宁波综合调委会",
        "宁波金融调解中心",
    ]
    assert _names(client.get(url, query_string={"region": HANGZHOU}, headers=headers)) == [
        "宁波综合调委会",
        "杭州物业调解室",
    ]
    by_category = client.get(url, query_string={"category": "物业服务合同纠纷"}, headers=headers)
    assert _names(by_category) == ["宁波综合调委会", "杭州物业调解室"]
    both = client.get(url, query_string={"region": NINGBO, "category": "金融借款合同纠纷"}, headers=headers)
    assert _names(both) == ["宁波综合调委会", "宁波金融调解中心"]
    assert _names(client.get(url, query_string={"region": "北京市"}, headers=headers)) == []


def test_the_search_rows_follow_changes_to_the_organisation(client):
    org = _org("宁波综合调委会", NINGBO)
    admin = make_user()
    grant(admin, role="org_admin", org=org)
    patched = client.patch(
        f"{ADMIN}/orgs/{org.id}/directory",
        json={"regions": [HANGZHOU], "categories": ["劳动争议"]},
        headers=login(admin),
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["regions"] == sorted([HANGZHOU, NINGBO]) and patched.get_json()["categories"] == [
        "劳动争议"
    ]
    rows = {(r.facet, r.value) for r in db.session.scalars(select(OrgFacet).filter_by(org_id=org.id))}
    assert rows == {("region", NINGBO), ("region", HANGZHOU), ("category", "劳动争议")}
    headers = login(make_user())
    found = client.get(f"{MP}/mediation/orgs", query_string={"category": "婚姻家庭纠纷"}, headers=headers)
    assert _names(found) == []
    bad = client.patch(f"{ADMIN}/orgs/{org.id}/directory", json={"categories": ["外星人纠纷"]}, headers=login(admin))
    assert bad.status_code == 422 and "categories" in bad.get_json()["errors"]


def test_pages_walk_every_org_once(client, clock):
    for number in range(7):
        _org(f"调委会{number}", NINGBO)
        clock.advance(seconds=1)
    headers, seen, cursor = login(make_user()), [], None
    while True:
        query = {"limit": 3, "region": NINGBO, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{MP}/mediation/orgs", query_string=query, headers=headers).get_json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"调委会{n}" for n in reversed(range(7))]


def test_mediator_profiles_are_public_data_only(client):
    org = _org("宁波综合调委会", NINGBO)
    med, profile = mediator(org, name="王调解", specialties=["民间借贷纠纷", "劳动争议"], phone="13911112222")
    _m2, other = mediator(org, name="李调解", specialties=["婚姻家庭纠纷"], region=HANGZHOU)
    offer(dispute(org=org), profile)
    removed, _gone = mediator(org, name="离职调解员")
    db.session.scalar(select(OrgMembership).filter_by(user_id=removed.id)).active = False
    db.session.commit()
    headers = login(make_user())
    page = client.get(f"{MP}/mediation/orgs/{org.id}/mediators", headers=headers).get_json()
    assert sorted(item["display_name"] for item in page["items"]) == ["李调解", "王调解"]
    wang = next(item for item in page["items"] if item["display_name"] == "王调解")
    assert set(wang) == {
        "id",
        "org_id",
        "display_name",
        "title",
        "bio",
        "specialties",
        "region",
        "accepting",
        "active_load",
        "max_load",
    }
    assert wang["active_load"] == 1 and str(med.id) not in str(page) and "1391111" not in str(page)
    labour = client.get(
        f"{MP}/mediation/orgs/{org.id}/mediators", query_string={"category": "劳动争议"}, headers=headers
    )
    assert [i["display_name"] for i in labour.get_json()["items"]] == ["王调解"]
    hangzhou = client.get(f"{MP}/mediation/orgs/{org.id}/mediators", query_string={"region": HANGZHOU}, headers=headers)
    assert [i["id"] for i in hangzhou.get_json()["items"]] == [str(other.id)]
    unknown = client.get(f"{MP}/mediation/orgs/00000000-0000-7000-8000-000000000000/mediators", headers=headers)
    assert unknown.status_code == 404


def test_org_admins_manage_their_own_mediators_only(client):
    org, other_org = _org("甲调委会", NINGBO), _org("乙调委会", NINGBO)
    admin, other_admin, platform = make_user(), make_user(), make_user()
    grant(admin, role="org_admin", org=org)
    grant(other_admin, role="org_admin", org=other_org)
    grant(platform, role="platform_admin")
    med = make_user()
    grant(med, role="mediator", org=org)
    body = {"display_name": "王调解", "specialties": ["劳动争议"], "region": NINGBO, "max_load": 8, "accepting": True}
    url = f"{ADMIN}/orgs/{org.id}/mediators/{med.id}"
    assert client.put(url, json=body, headers=login(other_admin)).status_code == 404
    created = client.put(url, json=body, headers=login(admin))
    assert created.status_code == 200, created.get_json()
    assert created.get_json()["user_id"] == str(med.id) and created.get_json()["max_load"] == 8
    updated = client.put(
        url, json={**body, "specialties": ["婚姻家庭纠纷"], "accepting": False}, headers=login(platform)
    )
    assert updated.status_code == 200 and updated.get_json()["accepting"] is False
    rows = db.session.scalars(select(MediatorSpecialty.category)).all()
    assert rows == ["婚姻家庭纠纷"]
    listed = client.get(f"{ADMIN}/orgs/{org.id}/mediators", headers=login(admin)).get_json()["items"]
    assert [(i["display_name"], i["listed"]) for i in listed] == [("王调解", True)]
    stranger = make_user()
    not_a_mediator = client.put(f"{ADMIN}/orgs/{org.id}/mediators/{stranger.id}", json=body, headers=login(admin))
    assert not_a_mediator.status_code == 422 and "user_id" in not_a_mediator.get_json()["errors"]
    bad = client.put(url, json={**body, "specialties": ["外星人纠纷"]}, headers=login(admin))
    assert bad.status_code == 422
    smuggled = client.put(url, json={**body, "user_id": str(stranger.id)}, headers=login(admin))
    assert smuggled.status_code == 422
    assert client.get(f"{ADMIN}/orgs/{org.id}/mediators", headers=login(other_admin)).status_code == 404


def test_only_platform_admins_link_courts(client):
    org = _org("法院特邀调解室", NINGBO)
    court = make_court()
    admin, platform = make_user(), make_user()
    grant(admin, role="org_admin", org=org)
    grant(platform, role="platform_admin")
    url = f"{ADMIN}/orgs/{org.id}/courts"
    assert client.put(url, json={"court_ids": [str(court.id)]}, headers=login(admin)).status_code == 404
    linked = client.put(url, json={"court_ids": [str(court.id)]}, headers=login(platform))
    assert linked.status_code == 200 and [c["id"] for c in linked.get_json()["linked_courts"]] == [str(court.id)]
    listed = client.get(f"{MP}/mediation/orgs", headers=login(make_user())).get_json()["items"][0]
    assert listed["linked_courts"][0]["code"] == court.code
    unknown = client.put(url, json={"court_ids": ["00000000-0000-7000-8000-000000000000"]}, headers=login(platform))
    assert unknown.status_code == 422
    cleared = client.put(url, json={"court_ids": []}, headers=login(platform))
    assert cleared.get_json()["linked_courts"] == []


def test_the_directory_queries_use_their_indexes(app, database_url):
    """The facet lookup is answered from its index, not by scanning the organisations."""
    org = make_org()
    for number in range(50):
        _org(f"调委会{number}", f"地区{number}")
    sql = "SELECT org_id FROM mediation_org_facets WHERE facet = 'region' AND value = :v"
    if is_postgres(database_url):
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql), {"v": org.region}))
    else:
        plan = " ".join(
            str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql), {"v": org.region})
        )
    assert "ix_mediation_org_facets_facet_value_org_id" in plan, plan
    db.session.rollback()


@pytest.mark.parametrize("query", [{"limit": 0}, {"cursor": "nonsense"}, {"region": "x"}])
def test_bad_queries_are_422(client, query):
    response = client.get(f"{MP}/mediation/orgs", query_string=query, headers=login(make_user()))
    assert response.status_code == 422
