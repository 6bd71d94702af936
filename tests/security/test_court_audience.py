"""Court routes are for court staff and court systems: everyone else is refused alike, lists included."""

from __future__ import annotations

from tests.security.world import build_world

COURT = "/api/court/v1"
OUTSIDERS = ("citizen", "lawyer", "mediator", "org_admin", "hotline_operator", "platform_admin")
STAFF = ("clerk", "other_clerk", "judge", "machine", "other_machine")
LISTS = ("/work-items", "/webhooks", "/filings", "/judicial-confirmations")


def _answer(response) -> tuple[int, str, str]:
    body = response.get_json()
    return response.status_code, body["reason"], body["message"]


def test_outsiders_get_the_same_refusal_on_every_court_list(client):
    """GET /work-items used to answer 200 with an empty list where the filings queue refused (403 court.not_staff)."""
    world = build_world()
    for principal in OUTSIDERS:
        answers = {path: _answer(client.get(COURT + path, headers=world.headers[principal])) for path in LISTS}
        assert set(answers.values()) == {answers["/filings"]}, (principal, answers)
        assert answers["/filings"][:2] == (403, "court.not_staff")


def test_court_staff_and_court_systems_keep_their_lists(client):
    world = build_world()
    for principal in STAFF:
        for path in LISTS:
            response = client.get(COURT + path, headers=world.headers[principal])
            assert response.status_code == 200, (principal, path, response.get_json())
