"""Every action of the mediation state machine from every state: legal -> its events, illegal -> 409 and nothing."""

import pytest

from app.cases.lifecycle import TRANSITIONS
from app.cases.models import Case
from app.extensions import db
from tests.api.mediation.helpers_outcome import (
    COURT,
    MP,
    agreement,
    confirmation,
    dispute,
    events,
    link,
    mediator,
    offer,
    status_of,
)
from tests.support.factories import grant, login, make_court, make_org, make_user

STATES = tuple(TRANSITIONS["mediation"])
# action -> {legal source state: the status changes it makes, in order}
LEGAL = {
    "choose": {"submitted": [("submitted", "assigned")], "assigned": []},
    "accept": {"assigned": [("assigned", "mediator_accepted")]},
    "settle": {
        "mediator_accepted": [("mediator_accepted", "in_mediation"), ("in_mediation", "settled")],
        "in_mediation": [("in_mediation", "settled")],
    },
    "fail": {
        "mediator_accepted": [("mediator_accepted", "in_mediation"), ("in_mediation", "failed")],
        "in_mediation": [("in_mediation", "failed")],
    },
    "withdraw": {s: [(s, "withdrawn")] for s in ("submitted", "assigned", "mediator_accepted", "in_mediation")},
    "apply": {"settled": [("settled", "judicial_confirmation_requested")]},
    "confirm": {"judicial_confirmation_requested": [("judicial_confirmation_requested", "confirmed")]},
    "reject": {"judicial_confirmation_requested": [("judicial_confirmation_requested", "confirmation_rejected")]},
}


def test_the_table_covers_every_transition_of_the_state_machine():
    made = {pair for by_state in LEGAL.values() for pairs in by_state.values() for pair in pairs}
    defined = {(source, target) for source, targets in TRANSITIONS["mediation"].items() for target in targets}
    assert made == defined


def _prepare(action: str, state: str):
    """A case in `state` with everything else the action needs already in place; returns (case, call)."""
    court, org = make_court(), make_org()
    link(org, court)
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, court=court, filer=filer, respondent=respondent)
    med, profile = mediator(org)
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    if action == "accept":
        offer(case, profile)
    if action in ("settle", "fail"):
        offer(case, profile, status="accepted")
    if action == "apply":
        agreement(case)
    if action in ("confirm", "reject"):
        confirmation(case, agreement(case))
    db.session.get(Case, case.id).status = state
    db.session.commit()
    calls = {
        "choose": (filer, f"{MP}/cases/{case.id}/mediator", {"mediator_id": str(profile.id)}),
        "accept": (med, f"{MP}/cases/{case.id}/mediator/accept", None),
        "settle": (med, f"{MP}/cases/{case.id}/outcome", {"result": "settled", "terms": "李四于年底前还款12000元。"}),
        "fail": (med, f"{MP}/cases/{case.id}/outcome", {"result": "failed", "reason": "双方分歧过大"}),
        "withdraw": (filer, f"{MP}/cases/{case.id}/withdraw", {"reason": "已和解"}),
        "apply": (filer, f"{MP}/cases/{case.id}/judicial-confirmation", None),
        "confirm": (
            clerk,
            f"{COURT}/cases/{case.id}/judicial-confirmation/decide",
            {"confirmed": True, "reason": "合法"},
        ),
        "reject": (
            clerk,
            f"{COURT}/cases/{case.id}/judicial-confirmation/decide",
            {"confirmed": False, "reason": "违法"},
        ),
    }
    return case, calls[action]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(LEGAL))
def test_action_from_state(client, clock, action, state):
    case, (user, url, body) = _prepare(action, state)
    before = events(case.id)
    response = client.post(url, json=body, headers=login(user))
    new = events(case.id)[len(before) :]
    changes = [(e.from_status, e.to_status) for e in new if e.to_status is not None]
    if state in LEGAL[action]:
        assert response.status_code in (200, 201), response.get_json()
        assert changes == LEGAL[action][state]
        assert status_of(case.id) == (changes[-1][1] if changes else state)
        assert all(e.actor_user_id == user.id for e in new)
    else:
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["errors"]["status"] == [state]
        assert f"'{state}'" in response.get_json()["message"]
        assert new == [] and status_of(case.id) == state
