"""Every (state x event) pair of litigation after acceptance, at the service level.

Court and party commands (start the trial, record a decision that closes at once or awaits service, appeal,
conclude the appeal) succeed only from their legal states; from every other state they answer 409
`case.illegal_transition` naming the state and leave no timeline or audit row. Events that are not commands
(a judgment served, the legal-effect sweep) move the case from their legal states and otherwise do nothing. Booking
a hearing, setting the evidence period and applying for enforcement are tried from every state the same way.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest

from app.cases.lifecycle import TRANSITIONS
from app.documents import push as documents_push
from app.errors import Conflict
from app.extensions import db
from app.litigation import appeals, court_actions, effect, enforcement, evidence_period
from app.litigation.models import LitigationDecision
from app.scheduling import hearings
from app.utils import clock as clock_module
from tests.api.litigation.support import World, accepted_case, status_of, timeline_types, trail
from tests.api.service.support import pdf_bytes
from tests.support.review import machine

STATES = tuple(TRANSITIONS["litigation"])
BEFORE_DECISION = {"accepted", "in_trial", "hearing_scheduled"}


def serve(world: World, party, doc_type: str = "judgment") -> dict:
    """The court's system serves a document on a party (served at once: the party confirmed the address)."""
    meta = {"case_id": world.case.id, "recipient_party_id": party.id, "doc_type": doc_type, "title": "民事判决书"}
    return documents_push.push(
        actor=machine(world.court), meta=meta, stream=io.BytesIO(pdf_bytes()), submission_key=None
    )


def adjudicated(status: str) -> World:
    """A case whose judgment was served on both parties, then put in `status`."""
    world = accepted_case()
    court_actions.record_decision(case_id=world.case.id, actor=world.principal("judge"), closing_method="judgment")
    for party in (world.plaintiff, world.defendant):
        serve(world, party)
    assert status_of(world.case.id) == "adjudicated"
    world.case.status = status
    db.session.commit()
    return world


def _start(world: World) -> None:
    court_actions.start_trial(case_id=world.case.id, actor=world.principal("clerk"))


def _close(world: World) -> None:
    court_actions.record_decision(
        case_id=world.case.id, actor=world.principal("judge"), closing_method="withdrawal_permitted"
    )


def _judgment(world: World) -> None:
    court_actions.record_decision(case_id=world.case.id, actor=world.principal("judge"), closing_method="judgment")


def _appeal(world: World) -> None:
    appeals.file(case_id=world.case.id, actor=world.principal("defendant"), statement="撤销原判", grounds="理由")


def _conclude(world: World) -> None:
    court_actions.conclude_appeal(case_id=world.case.id, actor=world.principal("judge"))


# command -> (how to prepare a case in a state, the command, the states it is legal from, the state it leads to)
COMMANDS: dict[str, tuple[Callable[..., World], Callable[[World], None], set[str], str | None]] = {
    "start_trial": (accepted_case, _start, {"accepted", "hearing_scheduled"}, "in_trial"),
    "decide_closed": (accepted_case, _close, BEFORE_DECISION, "closed"),
    "decide_judgment": (accepted_case, _judgment, BEFORE_DECISION, None),  # awaits service: the state stays
    "appeal": (adjudicated, _appeal, {"adjudicated", "appealed"}, "appealed"),
    "conclude_appeal": (adjudicated, _conclude, {"appealed"}, "effective"),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_from_every_state(app, state, command):
    prepare, act, legal, target = COMMANDS[command]
    world = prepare(status=state)
    before = trail(world.case.id)
    if state in legal:
        act(world)
        assert status_of(world.case.id) == (target or state)
        timeline, audit = trail(world.case.id)
        assert timeline > before[0] and audit > before[1]
    else:
        with pytest.raises(Conflict) as refused:
            act(world)
        db.session.rollback()
        assert refused.value.reason == "case.illegal_transition" and refused.value.errors == {"status": [state]}
        assert status_of(world.case.id) == state and trail(world.case.id) == before


@pytest.mark.parametrize("state", STATES)
def test_a_served_judgment_adjudicates_only_a_case_before_its_decision(app, state):
    world = accepted_case(status=state)
    serve(world, world.defendant)
    moved = state in BEFORE_DECISION
    assert status_of(world.case.id) == ("adjudicated" if moved else state)
    assert ("litigation.adjudicated" in timeline_types(world.case.id)) is moved


@pytest.mark.parametrize("state", STATES)
def test_the_effect_sweep_moves_only_an_adjudicated_case_past_its_periods(app, clock, state):
    world = adjudicated(status=state)
    clock.advance(days=40)
    assert effect.mark_effective() == (1 if state == "adjudicated" else 0)
    assert status_of(world.case.id) == ("effective" if state == "adjudicated" else state)
    assert effect.mark_effective() == 0  # once


def test_a_ruling_served_without_a_decision_by_ruling_decides_nothing(app):
    world = accepted_case()
    serve(world, world.defendant, doc_type="ruling")  # e.g. a ruling on a jurisdiction objection
    assert status_of(world.case.id) == "accepted" and db.session.query(LitigationDecision).count() == 0


def test_a_mediation_statement_takes_effect_when_the_last_party_is_served(app):
    world = accepted_case()
    court_actions.record_decision(case_id=world.case.id, actor=world.principal("judge"), closing_method="mediation")
    serve(world, world.plaintiff, doc_type="mediation_document")
    assert status_of(world.case.id) == "adjudicated"
    serve(world, world.defendant, doc_type="mediation_document")
    assert status_of(world.case.id) == "effective"
    with pytest.raises(Conflict) as refused:  # no appeal against a mediation statement
        _appeal(world)
    assert refused.value.reason == "case.illegal_transition"


def test_a_second_decision_is_refused(app):
    world = accepted_case()
    _judgment(world)
    with pytest.raises(Conflict) as refused:
        _close(world)
    assert refused.value.reason == "litigation.decision_recorded"


def test_a_party_appeals_once(app):
    world = adjudicated(status="adjudicated")
    _appeal(world)
    with pytest.raises(Conflict) as refused:
        _appeal(world)
    assert refused.value.reason == "litigation.already_appealed"
    assert status_of(world.case.id) == "appealed"


def _book_hearing(world: World) -> None:
    start = clock_module.now() + dt.timedelta(days=3)
    hearings.book(
        case_id=world.case.id,
        actor=world.principal("clerk"),
        kind="hearing",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        mode="video",
        meeting_url="https://meeting.example.cn/h1",
        judge_user_id=world.people["judge"].id,
    )


def _set_evidence_period(world: World) -> None:
    evidence_period.set_period(
        case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=world.principal("clerk")
    )


def _apply_enforcement(world: World) -> None:
    clues = [{"kind": "bank_account", "description": "被告在宁波银行的账户"}]
    enforcement.apply(case_id=world.case.id, actor=world.principal("plaintiff"), request="执行", property_clues=clues)


def _effective_then(status: str) -> World:
    """A judgment served on both parties and made effective by the sweep, then put in `status`."""
    world = adjudicated(status="adjudicated")
    fake = clock_module._source
    assert isinstance(fake, clock_module.FakeClock)  # the test's `clock` fixture
    fake.advance(days=40)
    assert effect.mark_effective() == 1
    world.case.status = status
    db.session.commit()
    return world


# the other events of the new states: (prepare, act, legal states, state after, the 409's reason)
OTHER_EVENTS: dict[str, tuple[Callable[..., World], Callable[[World], None], set[str], str | None, str]] = {
    "book_hearing": (
        accepted_case,
        _book_hearing,
        BEFORE_DECISION,
        "hearing_scheduled",
        "session.case_not_schedulable",
    ),
    "set_evidence_period": (
        accepted_case,
        _set_evidence_period,
        BEFORE_DECISION,
        None,
        "evidence_period.case_not_open",
    ),
    "apply_enforcement": (_effective_then, _apply_enforcement, {"effective"}, None, "enforcement.not_enforceable"),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("event", OTHER_EVENTS)
def test_hearings_evidence_period_and_enforcement_from_every_state(app, clock, state, event):
    prepare, act, legal, target = OTHER_EVENTS[event][:4]
    world = prepare(status=state)
    before = trail(world.case.id)
    if state in legal:
        act(world)
        assert status_of(world.case.id) == (target or state)
        timeline, audit = trail(world.case.id)
        assert timeline > before[0] and audit > before[1]
    else:
        with pytest.raises(Conflict) as refused:
            act(world)
        db.session.rollback()
        assert refused.value.reason == OTHER_EVENTS[event][4] and refused.value.errors == {"status": [state]}
        assert status_of(world.case.id) == state and trail(world.case.id) == before
