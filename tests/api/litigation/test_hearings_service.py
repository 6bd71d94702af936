"""Hearing rules at the service level (no HTTP): who counts as represented, which states a hearing moves, the
courtroom check of the conflict engine."""

import datetime as dt

import pytest

from app.cases.models import Case
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.identity import login_sessions
from app.scheduling import conflicts, hearings
from app.scheduling.models import Courtroom
from tests.support.hearings import trial
from tests.support.scheduling import add_lawyer, lawyer, parse, person


def _at(text: str) -> dt.datetime:
    return parse(f"2026-11-10T{text}:00+08:00")


def _book(t, start="09:00", end="10:00", **extra):
    actor = login_sessions.load_principal(t.clerk)
    body = {"kind": "hearing", "mode": "in_person", "courtroom_id": t.room.id, "judge_user_id": t.judge.id, **extra}
    return hearings.book(case_id=t.case.id, actor=actor, starts_at=_at(start), ends_at=_at(end), **body)


def test_a_party_whose_lawyer_came_has_appeared(app, clock):
    t = trial()
    counsel = lawyer("冯律师")
    add_lawyer(t.case, counsel, role="defendant")
    hearing = _book(t)
    clock.set(_at("09:10"))
    actor = login_sessions.load_principal(t.clerk)
    present = [{"user_id": uid, "present": True} for uid in (t.judge.id, t.clerk.id, t.plaintiff.id, counsel.id)]
    view = hearings.hold(session_id=hearing["id"], actor=actor, attendance=present)
    rows = {row["user_id"]: row for row in view["attendance"]}
    assert rows[t.defendant.id]["attended"] is False and rows[t.defendant.id]["consequence"] is None
    assert rows[counsel.id]["role"] == "lawyer" and rows[counsel.id]["attended"] is True


def test_a_pretrial_meeting_held_leaves_the_case_where_it_was(app, clock):
    t = trial()
    hearing = _book(t, kind="pretrial_meeting")
    clock.set(_at("09:10"))
    hearings.hold(session_id=hearing["id"], actor=login_sessions.load_principal(t.judge), attendance=[])
    assert db.session.get(Case, t.case.id).status == "accepted"


def test_a_second_hearing_keeps_the_case_scheduled_until_the_last_is_cancelled(app, clock):
    t = trial()
    first = _book(t)
    second = _book(t, start="14:00", end="15:00")
    clerk = login_sessions.load_principal(t.clerk)
    hearings.cancel(session_id=first["id"], actor=clerk, reason="合并审理")
    assert db.session.get(Case, t.case.id).status == "hearing_scheduled"
    hearings.cancel(session_id=second["id"], actor=clerk, reason="撤诉")
    assert db.session.get(Case, t.case.id).status == "in_trial"


def test_the_engine_names_a_taken_courtroom_and_ignores_the_booking_it_moves(app, clock):
    t = trial()
    hearing = _book(t)
    room = db.session.get(Courtroom, t.room.id)
    with pytest.raises(Conflict) as caught:
        conflicts.ensure_free([], _at("09:30"), _at("09:45"), courtroom=room)
    assert caught.value.errors["double_booked"] == [
        {"role": "courtroom", "party_role": None, "name": room.name, "reasons": ["session"]}
    ]
    conflicts.ensure_free([], _at("09:30"), _at("09:45"), courtroom=room, exclude_session=hearing["id"])
    conflicts.ensure_free([], _at("10:00"), _at("11:00"), courtroom=room)  # half-open: touching is free


def test_someone_who_is_not_in_the_case_is_not_in_its_hearing(app, clock):
    t = trial()
    hearing = _book(t)
    clock.set(_at("09:10"))
    stranger = person()
    with pytest.raises(ValidationFailed) as caught:
        hearings.hold(
            session_id=hearing["id"],
            actor=login_sessions.load_principal(t.clerk),
            attendance=[{"user_id": stranger.id, "present": True}],
        )
    assert caught.value.errors == {"attendance": ["Only people taking part in the hearing can be listed."]}
