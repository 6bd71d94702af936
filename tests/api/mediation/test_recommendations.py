"""Mediator recommendations: the documented score, computed by hand for a table of mediators."""

import uuid

import pytest

from app.extensions import db
from app.mediation.assignment import Candidate, rank, score
from tests.api.mediation.helpers_outcome import MP, dispute, mediator, offer
from tests.support.factories import login, make_org, make_user

NINGBO, ZHEJIANG, BEIJING = "浙江省宁波市", "浙江省", "北京市"
LOAN, FAMILY = "民间借贷纠纷", "婚姻家庭纠纷"

# name, specialties, region, max_load, active_load, accepting -> expected (specialty, region, load, total) by hand
# specialty 50 if the case's category is listed; region 30 same / 15 one contains the other / 0;
# load 20 x (max - active) / max. The case: 民间借贷纠纷 at an organisation in 浙江省宁波市.
TABLE = [
    ("A", [LOAN], NINGBO, 10, 0, True, (50, 30, 20.0, 100.0)),
    ("B", [LOAN, FAMILY], NINGBO, 10, 5, True, (50, 30, 10.0, 90.0)),
    ("C", [FAMILY], NINGBO, 4, 0, True, (0, 30, 20.0, 50.0)),
    ("D", [LOAN], ZHEJIANG, 10, 2, True, (50, 15, 16.0, 81.0)),
    ("E", [LOAN], BEIJING, 5, 1, True, (50, 0, 16.0, 66.0)),
    ("F", [LOAN], NINGBO, 3, 3, True, None),  # full: never recommended
    ("G", [LOAN], NINGBO, 10, 0, False, None),  # not accepting new cases
    ("H", [LOAN], NINGBO + "北仑区", 3, 1, True, (50, 15, 13.33, 78.33)),
]
EXPECTED_ORDER = ["A", "B", "D"]  # then H 78.33, E 66, C 50


@pytest.fixture
def world(app):
    org = make_org(region=NINGBO)
    filer = make_user(real_name="张三")
    case = dispute(org=org, filer=filer)
    profiles = {}
    for name, specialties, region, max_load, load, accepting, _expected in TABLE:
        _user, profile = mediator(org, name=name, specialties=specialties, region=region, max_load=max_load)
        for _ in range(load):
            offer(dispute(org=org, filer=filer), profile, status="accepted", case_status="in_mediation")
        profile.accepting = accepting
        profiles[name] = profile
    db.session.commit()
    return case, filer, profiles


def test_the_top_three_in_the_order_computed_by_hand(client, world):
    case, filer, _profiles = world
    response = client.get(f"{MP}/cases/{case.id}/mediator-recommendations", headers=login(filer))
    assert response.status_code == 200, response.get_json()
    recs = response.get_json()
    assert [r["display_name"] for r in recs] == EXPECTED_ORDER
    expected = {row[0]: row[6] for row in TABLE}
    for rec in recs:
        points = rec["score"]
        assert (points["specialty"], points["region"], points["load"], points["total"]) == expected[rec["display_name"]]
    loads = {row[0]: row[4] for row in TABLE}
    assert all(rec["active_load"] == loads[rec["display_name"]] for rec in recs)


def test_every_scored_mediator_matches_the_hand_computation(world):
    case, _filer, _profiles = world
    from app.mediation.assignment import _ranked

    ranked = {p.display_name: points for p, points, _load in _ranked(case)}
    for name, *_rest, expected in TABLE:
        if expected is None:
            assert name not in ranked
        else:
            points = ranked[name]
            assert (points["specialty"], points["region"], points["load"], points["total"]) == expected
    assert list(ranked) == ["A", "B", "D", "H", "E", "C"]


def test_finished_cases_do_not_count_as_load_but_open_offers_do(client, world):
    case, filer, profiles = world
    org_id = profiles["A"].org_id
    from app.identity.organization_models import MediationOrganization

    org = db.session.get(MediationOrganization, org_id)
    for _ in range(2):
        offer(dispute(org=org, filer=filer), profiles["A"], status="accepted", case_status="settled")
    offer(dispute(org=org, filer=filer), profiles["A"])  # pending: counts
    offer(dispute(org=org, filer=filer), profiles["A"], case_status="withdrawn")  # pending on a withdrawn case: not
    recs = client.get(f"{MP}/cases/{case.id}/mediator-recommendations", headers=login(filer)).get_json()
    a = next(r for r in recs if r["display_name"] == "A")
    assert a["active_load"] == 1 and a["score"]["load"] == 18.0 and a["score"]["total"] == 98.0


def test_ties_go_to_the_lighter_load_then_the_earlier_profile():
    first, second, third = (uuid.UUID(int=n) for n in (1, 2, 3))
    candidates = [
        Candidate(third, ("x",), "r", active_load=0, max_load=10),  # 50 + 30 + 20 = 100
        Candidate(second, ("x",), "r", active_load=10, max_load=20),  # 50 + 30 + 10 = 90
        Candidate(first, ("x",), "r", active_load=5, max_load=10),  # 50 + 30 + 10 = 90
    ]
    order = [c.profile_id for c, _points in rank(candidates, category="x", region="r")]
    assert order == [third, first, second]
    same = [Candidate(second, (), "r", 1, 10), Candidate(first, (), "r", 1, 10)]
    assert [c.profile_id for c, _ in rank(same, category="x", region="r")] == [first, second]


def test_region_points_need_a_region():
    candidate = Candidate(uuid.uuid4(), (), "浙江省宁波市", 0, 1)
    assert score(candidate, category="x", region=None) == {"specialty": 0, "region": 0, "load": 20.0, "total": 20.0}
    assert score(candidate, category="x", region="浙江省杭州市")["region"] == 0


def test_no_recommendations_once_a_mediator_has_accepted(client, world):
    case, filer, profiles = world
    offer(case, profiles["A"], status="accepted", case_status="mediator_accepted")
    response = client.get(f"{MP}/cases/{case.id}/mediator-recommendations", headers=login(filer))
    assert response.status_code == 409 and response.get_json()["errors"]["status"] == ["mediator_accepted"]
