"""Who takes part in a case's sessions, the locks that serialise bookings, and the overlap check (排期避让).

Intervals are half-open [start, end): a session ending at 10:00 and one starting at 10:00 do not overlap.
Busy means: a scheduled session of any kind (mediation session, hearing, pre-trial meeting) in which the
person takes part (as its mediator, presiding judge or clerk, a joined party of its case, or an active lawyer
acting in it), or a period the person declared unavailable. A courtroom is busy during its scheduled hearings.

Concurrency: `lock` takes the courtroom rows first (courtroom-id order), then one `schedule_locks` row per
person, in user-id order, before anything is read. Every booking takes them in that order.
On PostgreSQL two bookings sharing a person therefore run one after the other and the second sees the
first's session (READ COMMITTED takes a fresh snapshot per statement); the fixed order rules out deadlocks.
On SQLite the row lock is a no-op, but the INSERT takes the database's single write lock, which serialises
every writer until commit (SQLite is the single-process embedded mode).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NoReturn
from typing import cast as typing_cast

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    String,
    Table,
    Uuid,
    any_,
    bindparam,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.cases import Case, CaseAgent, CaseParty
from app.errors import Conflict
from app.extensions import db
from app.identity import User
from app.scheduling.models import Courtroom, MediationSession, ScheduleLock, Unavailability
from app.security import pii
from app.security.permissions import CaseFacts

SLOT_CONFLICT = "mediation.slot_conflict"


@dataclasses.dataclass(frozen=True)
class Participant:
    """A person who takes part in a case's sessions, and how."""

    user_id: uuid.UUID
    role: str  # mediator | judge | clerk | party | lawyer
    party_id: uuid.UUID | None
    party_role: str | None
    name: str | None


@dataclasses.dataclass(frozen=True)
class Busy:
    """One reason a person cannot take a slot."""

    user_id: uuid.UUID
    source: str  # session | unavailable
    starts_at: dt.datetime
    ends_at: dt.datetime


def participants(
    case: Case, facts: CaseFacts, *, staff: tuple[tuple[str, uuid.UUID | None], ...] | None = None
) -> list[Participant]:
    """The mediator (or, for a hearing, the `staff` given: judge and clerk), every joined party user and every
    active lawyer of the case (each person once).

    One statement built once (issue 18): the case's parties as rows, then the names of the staff and the lawyers
    (it was the parties as entities and one read per person named)."""
    found: dict[uuid.UUID, Participant] = {}
    people = tuple(staff if staff is not None else (("mediator", case.mediator_user_id),))
    named = {user_id for _role, user_id in people if user_id is not None} | set(facts.agent_lawyers.values())
    rows = db.session.execute(_PARTIES_AND_NAMES, {"case_id": case.id, "named_ids": sorted(named)}).all()
    parties = [row for row in rows if row.kind == _PARTY]
    names = {row.id: row.name or row.display_name for row in rows if row.kind != _PARTY}
    for role, user_id in people:
        if user_id is not None:
            found.setdefault(user_id, Participant(user_id, role, None, None, names.get(user_id)))
    roles = {party.id: party.role for party in parties}
    for party in parties:
        if party.user_id is not None:
            found.setdefault(party.user_id, Participant(party.user_id, "party", party.id, party.role, party.name))
    for party_id, lawyer_id in facts.agent_lawyers.items():
        found.setdefault(
            lawyer_id, Participant(lawyer_id, "lawyer", party_id, roles.get(party_id), names.get(lawyer_id))
        )
    return list(found.values())


_PARTY = "party"


def _parties_and_names() -> CompoundSelect:
    """The case's parties (id, user, role, name), in the order a SELECT of the parties alone returns them, then the
    users named (id, real name, display name: a person's name is the real one, else the display name)."""
    no_id = cast(null(), Uuid)
    no_text = cast(null(), String)
    parties = select(
        literal(_PARTY).label("kind"),
        CaseParty.id.label("id"),
        CaseParty.user_id.label("user_id"),
        CaseParty.role.label("role"),
        CaseParty.name.label("name"),
        no_text.label("display_name"),
    ).where(CaseParty.case_id == bindparam("case_id", type_=Uuid))
    users = select(literal("user"), User.id, no_id, no_text, User.real_name, User.display_name).where(
        User.id.in_(bindparam("named_ids", expanding=True))
    )
    return union_all(parties, users)


_PARTIES_AND_NAMES = _parties_and_names()


def participant_ids(case: Case, facts: CaseFacts) -> set[uuid.UUID]:
    """The user ids of `participants(case, facts)` (a mediation's), from the facts in hand: nothing is read."""
    ids = {uid for uid in facts.party_users.values() if uid is not None} | set(facts.agent_lawyers.values())
    return ids | ({case.mediator_user_id} if case.mediator_user_id is not None else set())


def lock(user_ids: Iterable[uuid.UUID], *, courtroom_ids: Iterable[uuid.UUID] = ()) -> None:
    """Lock the courtrooms' rows, then create (if needed) and lock the schedule rows of these people, each in id
    order, until commit."""
    rooms = sorted(set(courtroom_ids))
    if rooms:
        db.session.execute(
            select(Courtroom.id).where(Courtroom.id.in_(rooms)).order_by(Courtroom.id).with_for_update()
        ).all()
    ids = sorted(set(user_ids))
    if not ids:
        return
    if db.engine.dialect.name == "postgresql":
        db.session.execute(_LOCK_PEOPLE_PG, {"lock_user_ids": ids})
        return
    # SQLite has no row locks: its one writer at a time serialises bookings; only the rows need to exist.
    db.session.execute(_LOCK_PEOPLE_SQLITE, [{"user_id": uid} for uid in ids])


def _lock_people_pg() -> Any:
    """One statement, built once (issue 18): the missing rows are inserted and the existing ones locked, in id
    order. An ON CONFLICT DO UPDATE locks the conflicting row even when its WHERE is false (the row is then not
    updated, no new version is written), as SELECT ... FOR UPDATE did after a separate INSERT ... DO NOTHING. The
    ids come as one array, unnested in id order (uuid sorts in PostgreSQL as in Python: by its bytes)."""
    unnested = func.unnest(bindparam("lock_user_ids", type_=ARRAY(Uuid))).column_valued("user_id")
    upsert = pg_insert(_SCHEDULE_LOCKS).from_select(["user_id"], select(unnested).order_by(unnested))
    return upsert.on_conflict_do_update(
        index_elements=["user_id"], set_={"user_id": upsert.excluded.user_id}, where=false()
    )


_SCHEDULE_LOCKS = typing_cast(Table, ScheduleLock.__table__)  # Core statements: not the ORM's bulk INSERT
_LOCK_PEOPLE_PG = _lock_people_pg()
_LOCK_PEOPLE_SQLITE = sqlite_insert(_SCHEDULE_LOCKS).on_conflict_do_nothing(index_elements=["user_id"])


def busy(
    user_ids: Iterable[uuid.UUID], start: dt.datetime, end: dt.datetime, *, exclude_session: uuid.UUID | None = None
) -> list[Busy]:
    """Every session and declared unavailability of these people that overlaps [start, end)."""
    ids = set(user_ids)
    if not ids:
        return []
    query = _BUSY if exclude_session is None else _BUSY_EXCLUDING
    rows = db.session.execute(query, {"ids": list(ids), "start": start, "end": end, "exclude": exclude_session}).all()
    return busy_of(ids, rows)


def busy_of(ids: set[uuid.UUID], rows: Iterable[Any]) -> list[Busy]:
    """`busy`'s answer from the rows of its statement (`busy_query`'s columns) read for the people `ids`."""
    rows = list(rows)
    found = [Busy(row.user_id, "unavailable", row.starts_at, row.ends_at) for row in rows if row.case_id is None]
    sessions = [row for row in rows if row.case_id is not None]
    members = _members(ids, {session.case_id for session in sessions})
    for session in sessions:
        staff = {session.mediator_user_id, session.judge_user_id, session.clerk_user_id}
        people = members[session.case_id] | {uid for uid in staff if uid is not None and uid in ids}
        found += [Busy(uid, "session", session.starts_at, session.ends_at) for uid in people]
    return found


def busy_query(*, excluding: bool = False, array: bool = False) -> CompoundSelect:
    """The declared unavailabilities (case_id NULL) and the scheduled sessions of the people `ids` overlapping
    [start, end), in one statement built once with bound parameters (issue 18). `array` (PostgreSQL): `ids` is one
    uuid[] parameter (`= ANY`), so the statement's text is the same for any number of people."""
    ids: Any = any_(bindparam("ids", type_=ARRAY(Uuid))) if array else bindparam("ids", expanding=True)
    start: BindParameter[Any] = bindparam("start")
    end: BindParameter[Any] = bindparam("end")

    def among(column: Any) -> Any:
        return column == ids if array else column.in_(ids)

    no_id = cast(null(), Uuid)
    unavailable = select(
        Unavailability.user_id,
        Unavailability.starts_at,
        Unavailability.ends_at,
        no_id.label("case_id"),
        no_id.label("mediator_user_id"),
        no_id.label("judge_user_id"),
        no_id.label("clerk_user_id"),
    ).where(among(Unavailability.user_id), Unavailability.starts_at < end, Unavailability.ends_at > start)
    as_party = select(CaseParty.case_id).where(among(CaseParty.user_id))
    as_lawyer = select(CaseAgent.case_id).where(among(CaseAgent.lawyer_user_id), CaseAgent.status == "active")
    sessions = select(
        no_id,
        MediationSession.starts_at,
        MediationSession.ends_at,
        MediationSession.case_id,
        MediationSession.mediator_user_id,
        MediationSession.judge_user_id,
        MediationSession.clerk_user_id,
    ).where(
        MediationSession.status == "scheduled",
        MediationSession.starts_at < end,
        MediationSession.ends_at > start,
        or_(
            among(MediationSession.mediator_user_id),
            among(MediationSession.judge_user_id),
            among(MediationSession.clerk_user_id),
            MediationSession.case_id.in_(as_party),
            MediationSession.case_id.in_(as_lawyer),
        ),
    )
    if excluding:
        sessions = sessions.where(MediationSession.id != bindparam("exclude"))
    return union_all(unavailable, sessions)


_BUSY = busy_query()
_BUSY_EXCLUDING = busy_query(excluding=True)


def _members(ids: set[uuid.UUID], case_ids: set[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each case, which of `ids` take part in it as a joined party or an active lawyer."""
    members: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if not case_ids:
        return members
    rows = db.session.execute(_MEMBERS, {"member_ids": list(ids), "member_case_ids": list(case_ids)}).all()
    for case_id, user_id in rows:
        if user_id is not None:  # always (IN never matches NULL): narrows the nullable party column
            members[case_id].add(user_id)
    return members


def _members_query() -> CompoundSelect:
    """The joined parties and active lawyers among the people, in the cases: one statement built once (issue 18)."""
    ids: BindParameter[Any] = bindparam("member_ids", expanding=True)
    case_ids: BindParameter[Any] = bindparam("member_case_ids", expanding=True)
    parties = select(CaseParty.case_id, CaseParty.user_id).where(
        CaseParty.case_id.in_(case_ids), CaseParty.user_id.in_(ids)
    )
    lawyers = select(CaseAgent.case_id, CaseAgent.lawyer_user_id).where(
        CaseAgent.case_id.in_(case_ids), CaseAgent.lawyer_user_id.in_(ids), CaseAgent.status == "active"
    )
    return union_all(parties, lawyers)


_MEMBERS = _members_query()


def courtroom_busy(
    courtroom_id: uuid.UUID, start: dt.datetime, end: dt.datetime, *, exclude_session: uuid.UUID | None = None
) -> bool:
    """Whether a scheduled hearing holds the courtroom during [start, end)."""
    query = select(MediationSession.id).where(
        MediationSession.courtroom_id == courtroom_id,
        MediationSession.status == "scheduled",
        MediationSession.starts_at < end,
        MediationSession.ends_at > start,
    )
    if exclude_session is not None:
        query = query.where(MediationSession.id != exclude_session)
    return db.session.scalar(query.limit(1)) is not None


def ensure_free(
    people: list[Participant],
    start: dt.datetime,
    end: dt.datetime,
    *,
    exclude_session: uuid.UUID | None = None,
    courtroom: Courtroom | None = None,
) -> None:
    """409 mediation.slot_conflict naming (role + masked name) everyone, and the courtroom, double-booked."""
    _ensure_free([p.user_id for p in people], lambda: people, start, end, exclude_session, courtroom)


def ensure_case_free(
    case: Case, facts: CaseFacts, start: dt.datetime, end: dt.datetime, *, exclude_session: uuid.UUID | None = None
) -> None:
    """`ensure_free` for the `participants` of a mediation case, read only to name who is double-booked: the
    check itself needs only their ids, which the facts hold (issue 18: one statement less per booking)."""
    ids = sorted(participant_ids(case, facts))
    _ensure_free(ids, lambda: participants(case, facts), start, end, exclude_session, None)


def _ensure_free(
    user_ids: list[uuid.UUID],
    people: Callable[[], list[Participant]],
    start: dt.datetime,
    end: dt.datetime,
    exclude_session: uuid.UUID | None,
    courtroom: Courtroom | None,
) -> None:
    found = busy(user_ids, start, end, exclude_session=exclude_session)
    room_taken = courtroom is not None and courtroom_busy(courtroom.id, start, end, exclude_session=exclude_session)
    if not found and not room_taken:
        return
    _refuse(found, people, courtroom if room_taken else None)


def refuse_case_slot(case: Case, facts: CaseFacts, found: list[Busy]) -> NoReturn:
    """`ensure_case_free`'s 409 for what `busy` found (not empty) for the participants of the mediation case."""
    _refuse(found, lambda: participants(case, facts), None)


def _refuse(found: list[Busy], people: Callable[[], list[Participant]], room_taken: Courtroom | None) -> NoReturn:
    """409 mediation.slot_conflict naming who is double-booked (`people` read only now) and the courtroom taken."""
    reasons: dict[uuid.UUID, set[str]] = defaultdict(set)
    for item in found:
        reasons[item.user_id].add(item.source)
    booked = [
        {
            "role": person.role,
            "party_role": person.party_role,
            "name": pii.mask_name(person.name),
            "reasons": sorted(reasons[person.user_id]),
        }
        for person in people()
        if person.user_id in reasons
    ]
    if room_taken is not None:
        booked.append({"role": "courtroom", "party_role": None, "name": room_taken.name, "reasons": ["session"]})
    raise Conflict(
        "The slot overlaps another session or a declared unavailability of a participant.",
        reason=SLOT_CONFLICT,
        errors={"starts_at": ["Someone taking part is not free in this slot."], "double_booked": booked},
    )
