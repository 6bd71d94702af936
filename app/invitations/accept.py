"""Accepting an invitation: bind the caller to the named party (after a real-name match) or add them as a party.

Exactly once: the case row is locked, then a use is taken with one atomic
`UPDATE ... SET uses = uses + 1 WHERE uses < max_uses AND not revoked AND not expired`; only the request
whose UPDATE changed a row goes on, every other one gets the same 404 as an unknown invitation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, and_, bindparam, exists, func, literal, select, true, update

from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.i18n import label, message
from app.identity import User
from app.identity import profile as identity_profile
from app.invitations import issuing as invitations
from app.invitations.models import Invitation
from app.scheduling import MediationSession
from app.scheduling import reminders as mediation_sessions_reminders
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock

STAFF_RELATIONS = frozenset({"mediator", "court_staff", "org_admin"})


def accept_token(*, token: str, actor: Principal) -> dict:
    """Accept by the QR token."""
    if not invitations.valid_token(token):
        raise invitations.not_found()
    return _accept(*_locked(_BY_TOKEN_LOCKING_CASE, {"token_hash": invitations.token_hash(token)}), actor=actor)


def accept_code(*, code: str, actor: Principal) -> dict:
    """Accept by the typed 8-character code."""
    code_hash = invitations.code_hash(invitations.checked_code(code))
    return _accept(*_locked(_BY_CODE_LOCKING_CASE, {"code_hash": code_hash}), actor=actor)


def _locked(query: Select, params: dict) -> tuple[Invitation, Case]:
    """The usable invitation and its case, locked, in one statement (the one 404 if unusable).

    The invitation's checks use the row as read (they did before the case's lock too): its use is taken below
    by a conditional UPDATE that checks them again. The case's row is the one locked, current even if this waited.
    """
    row = db.session.execute(query, params).first()
    invitation = invitations.usable(row[0] if row else None, case_open=False)
    assert row is not None  # usable() answers 404 for no row
    return invitation, row[1]


def _accept(invitation: Invitation, case: Case, *, actor: Principal) -> dict:
    """Statements (issue 18): the invitation and its case are read in one statement, the case locked (its end
    checked under the lock); the bound party's new values are set on the row in hand rather than read back; the
    answer is built before the COMMIT."""
    if case.status in case_lifecycle.TERMINAL[case.kind]:
        raise invitations.not_found()
    if invitation.party_id:  # the case's connections with the invited party, in one statement
        facts, named, ahead = _facts_and_named_party(case, invitation.party_id)
    else:
        facts, named, ahead = case_access.facts_for(case), None, None
    relations = permissions.case_relations(actor, facts)
    if relations & STAFF_RELATIONS:
        raise Forbidden("Staff of the case cannot join it as a party.", reason="invitation.staff_of_case")
    if "party" in relations:
        raise Conflict("You are already a party to this case.", reason="invitation.already_party")
    user = db.session.get_one(User, actor.user_id)  # the caller's own account (the route admits people only)
    if named is not None:
        if named.user_id is not None:
            raise invitations.not_found()
        _check_identity(user, named)
    party: NamedParty | CaseParty
    if named is None:
        _take_use(invitation)
        party = _add_party(case, invitation.role, user)
    else:
        party = _take_use_and_bind(invitation, named, user)
    mediation_sessions_reminders.add_participant(case.id, user.id, ahead=ahead)
    timeline.record(
        case,
        "invitation.accepted",
        actor=actor,
        actor_role="party",
        summary=message("joined the case as the %(role)s by invitation", role=label("party.role", party.role)),
        data={"invitation_id": str(invitation.id), "party_id": str(party.id)},
    )
    answer = {"case_id": case.id, "party_id": party.id, "role": party.role, "case_title": case.title}
    db.session.commit()
    return answer


class NamedParty(NamedTuple):
    """What accepting reads of the invited party (_NAMED_PARTY_COLUMNS, in this order): a plain row, not an ORM
    entity (issue 18); nothing in the request reads the party again once bound."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    role: str
    name: str
    id_number_index: str | None


def _check_identity(user: User, party: NamedParty) -> None:
    """A named party is joined only by the verified person of that name (and ID number, when the party has one)."""
    if user.verification_status != "verified" or not user.real_name:
        raise Forbidden(
            "This invitation is for a named person: verify your real name first.",
            reason="invitation.verification_required",
        )
    same_name = identity_profile.names_match(party.name, user.real_name)
    same_number = party.id_number_index is None or party.id_number_index == user.id_number_index
    if not (same_name and same_number):
        raise Forbidden(
            "Your verified identity does not match the invited party.", reason="invitation.identity_mismatch"
        )


def _facts_and_named_party(
    case: Case, party_id: uuid.UUID
) -> tuple[CaseFacts, NamedParty | None, list[MediationSession] | None]:
    """The case's facts, the invited party and its case's sessions still ahead (to remind the person joining of),
    in one statement read under the case's lock (no session can be booked meanwhile), as the facts were read
    before; (facts, None, None) if the party is gone. One row per connection and session ahead (each side one row of
    NULLs when it has none), so each connection and session repeats: the facts keep one of each, the sessions
    are listed once each, in the order read."""
    rows: Sequence[Any] = db.session.execute(
        _FACTS_AND_PARTY_WITH_SESSIONS_AHEAD, {"case_id": case.id, "party_id": party_id, "now": clock.now()}
    ).all()
    facts = case_access.facts_from(case, (row for row in rows if row.kind is not None))
    party = next((row for row in rows if row[_PARTY_AT] is not None), None)
    if party is None:
        return facts, None, None
    ahead = dict.fromkeys(row[_SESSION_AT] for row in rows if row[_SESSION_AT] is not None)
    return facts, NamedParty(*party[_PARTY_AT:_SESSION_AT]), list(ahead)


def _take_use(invitation: Invitation) -> None:
    """The atomic counter: exactly max_uses requests get past this line."""
    result = db.session.execute(_TAKE_USE, {"invitation_id": invitation.id, "now": clock.now()})
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; typed as Result
        db.session.rollback()
        raise invitations.not_found()


def _take_use_and_bind(invitation: Invitation, party: NamedParty, user: User) -> NamedParty:
    """The use taken (`_take_use`) and the named party bound to the caller if it still has no account, both or
    neither (404 as for an unknown invitation). On PostgreSQL one statement: the party's UPDATE is a
    data-modifying CTE that runs only if the use's UPDATE changed the invitation's row; SQLite runs the two."""
    params = {"invitation_id": invitation.id, "now": clock.now(), "bound_party_id": party.id, "bound_user_id": user.id}
    if db.session.get_bind().dialect.name == "postgresql":
        used, bound = db.session.execute(_TAKE_USE_AND_BIND, params).one()
    else:
        _take_use(invitation)
        used, bound = 1, db.session.execute(_BIND, params).rowcount  # type: ignore[attr-defined]  # a CursorResult
    if used != 1 or bound != 1:
        db.session.rollback()
        raise invitations.not_found()
    return party._replace(user_id=user.id)  # what the UPDATE wrote, without reading the row back


# Built once (issue 18): the invitation with its case locked, by token or by code; the use taken; the party bound.
_INVITATION_LOCKING_CASE = select(Invitation, Case).join(Case, Case.id == Invitation.case_id).with_for_update(of=Case)
_BY_TOKEN_LOCKING_CASE = _INVITATION_LOCKING_CASE.where(Invitation.token_hash == bindparam("token_hash"))
_BY_CODE_LOCKING_CASE = _INVITATION_LOCKING_CASE.where(Invitation.code_hash == bindparam("code_hash"))
_NAMED_PARTY_COLUMNS = (CaseParty.id, CaseParty.user_id, CaseParty.role, CaseParty.name, CaseParty.id_number_index)
_FACTS = case_access.facts_rows(bindparam("case_id")).subquery("facts")
_PARTY_AT = 3  # after the facts' kind, party_id and user_id
_SESSION_AT = _PARTY_AT + len(_NAMED_PARTY_COLUMNS)
# From one row: the connections (outer join), the named party (outer join) and its case's sessions ahead.
_FACTS_AND_PARTY_WITH_SESSIONS_AHEAD = (
    select(_FACTS.c.kind, _FACTS.c.party_id, _FACTS.c.user_id, *_NAMED_PARTY_COLUMNS, MediationSession)
    .select_from(select(literal(1).label("one")).subquery("one_row"))
    .outerjoin(_FACTS, true())
    .outerjoin(CaseParty, CaseParty.id == bindparam("party_id"))
    .outerjoin(
        MediationSession,
        and_(MediationSession.case_id == CaseParty.case_id, *mediation_sessions_reminders.AHEAD_CONDITIONS),
    )
)
# Core statements on the tables (not the ORM's bulk UPDATE: less Python per call); neither the invitation's
# counters nor the bound party (a plain row) are held as objects the session should know the new values of.
_INVITATIONS = cast(Table, Invitation.__table__)
_PARTIES = cast(Table, CaseParty.__table__)
_TAKE_USE = (
    update(_INVITATIONS)
    .where(
        _INVITATIONS.c.id == bindparam("invitation_id"),
        _INVITATIONS.c.uses < _INVITATIONS.c.max_uses,
        _INVITATIONS.c.revoked_at.is_(None),
        _INVITATIONS.c.expires_at > bindparam("now"),
    )
    .values(uses=_INVITATIONS.c.uses + 1, last_accepted_at=bindparam("now"), updated_at=bindparam("now"))
)
_BIND = (
    update(_PARTIES)
    .where(_PARTIES.c.id == bindparam("bound_party_id"), _PARTIES.c.user_id.is_(None))
    .values(user_id=bindparam("bound_user_id"), joined_at=bindparam("now"), updated_at=bindparam("now"))
)
# PostgreSQL: both UPDATEs in one statement (every value given: a CTE's UPDATE gets no onupdate defaults).
_USED = _TAKE_USE.returning(_INVITATIONS.c.id).cte("used")
_BOUND = _BIND.where(exists(_USED.select())).returning(_PARTIES.c.id).cte("bound")
_TAKE_USE_AND_BIND = select(
    select(func.count()).select_from(_USED).scalar_subquery(),
    select(func.count()).select_from(_BOUND).scalar_subquery(),
)


def _add_party(case: Case, role: str, user: User) -> CaseParty:
    """A new party in the offered role, named and identified as the caller's account is."""
    verified = user.verification_status == "verified" and bool(user.real_name)
    party = CaseParty(
        case_id=case.id,
        role=role,
        name=(user.real_name if verified else None) or user.display_name or "未实名用户",
        phone_enc=user.phone_enc,
        phone_index=user.phone_index,
        id_number_enc=user.id_number_enc if verified else None,
        id_number_index=user.id_number_index if verified else None,
        user_id=user.id,
        joined_at=clock.now(),
    )
    db.session.add(party)
    db.session.flush()
    return party
