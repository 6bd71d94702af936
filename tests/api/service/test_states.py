"""Every document state x every action: a legal action writes exactly one event, an illegal one 409 and nothing."""

from __future__ import annotations

import pytest

from app.documents import delivery
from app.documents import outbox as delivery_outbox
from app.documents import states as delivery_states
from app.documents.chain import Actor
from app.errors import Conflict
from tests.api.service.support import document, events, make_state, service_world

STATES = ("rejected", "held", "delivered", "opened", "acknowledged", "expired", "failed")
ACTIONS = ("deliver", "open", "download", "acknowledge", "expire", "fail")
EVENT = {
    "deliver": "delivered",
    "open": "opened",
    "download": "downloaded",
    "acknowledge": "acknowledged",
    "expire": "expired",
    "fail": "failed",
}
# Written out by hand (not read from the code) so that a wrong change to the state machine fails here.
LEGAL = {
    ("held", "deliver"): "delivered",
    ("held", "fail"): "failed",
    ("delivered", "open"): "opened",
    ("opened", "open"): "opened",
    ("acknowledged", "open"): "acknowledged",
    ("expired", "open"): "opened",
    ("delivered", "download"): "opened",
    ("opened", "download"): "opened",
    ("acknowledged", "download"): "acknowledged",
    ("expired", "download"): "opened",
    ("delivered", "acknowledge"): "acknowledged",
    ("opened", "acknowledge"): "acknowledged",
    ("expired", "acknowledge"): "acknowledged",
    ("delivered", "expire"): "expired",
}
ACTOR = Actor(kind="user", id="tester", role="recipient")


@pytest.mark.parametrize("state", STATES)
def test_every_action_in_every_state(client, clock, state):
    world = service_world()
    document_id = make_state(client, world, state, clock)
    for action in ACTIONS:
        before = [(event.seq, event.hash) for event in events(document_id)]
        status_before = document(document_id).status
        locked = delivery.lock(document(document_id).id)
        if (state, action) in LEGAL:
            delivery_states.apply(locked, action, actor=ACTOR)
            delivery_outbox.commit()
            after = events(document_id)
            assert [(e.seq, e.hash) for e in after[: len(before)]] == before, "earlier events must not change"
            assert [e.type for e in after[len(before) :]] == [EVENT[action]], (state, action)
            assert document(document_id).status == LEGAL[(state, action)]
            # put the document back in the state under test for the next action
            document_id = make_state(client, world, state, clock)
        else:
            with pytest.raises(Conflict) as refused:
                delivery_states.apply(locked, action, actor=ACTOR)
            delivery_outbox.commit()  # nothing pending: commits nothing
            assert refused.value.errors == {"status": [state]}
            assert [(e.seq, e.hash) for e in events(document_id)] == before, (state, action)
            assert document(document_id).status == status_before


RECIPIENT_ROUTES = {
    "open": ("GET", ""),
    "download": ("GET", "/download"),
    "acknowledge": ("POST", "/acknowledge"),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(RECIPIENT_ROUTES))
def test_recipient_routes_in_every_state(client, clock, state, action):
    world = service_world()
    document_id = make_state(client, world, state, clock)
    before = [event.hash for event in events(document_id)]
    method, suffix = RECIPIENT_ROUTES[action]
    clock.advance(minutes=5)
    response = client.open(
        f"/api/mp/v1/documents/{document_id}{suffix}", method=method, headers=world.respondent_headers
    )
    after = events(document_id)
    if (state, action) in LEGAL:
        assert response.status_code == 200, response.get_json()
        assert [e.hash for e in after[: len(before)]] == before
        assert [e.type for e in after[len(before) :]] == [EVENT[action]]
        assert after[-1].at == clock() and after[-1].actor_role == "recipient"
        assert document(document_id).status == LEGAL[(state, action)]
    else:
        assert response.status_code == 409, response.get_json()
        expected = "document.already_acknowledged" if state == "acknowledged" else "document.not_delivered"
        assert response.get_json()["reason"] == expected
        assert [e.hash for e in after] == before
