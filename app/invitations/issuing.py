"""QR invitations: issue, revoke, preview and render; accepting lives in `invitations_accept`.

The token (24 characters of [A-Za-z0-9], about 143 bits) fits a mini-program code's 32-character `scene`;
the 8-character code (alphabet without look-alikes, about 39 bits, so accept is rate limited) is for typing.
Both are stored only as keyed HMACs (the PII blind-index key). Unknown, expired, revoked and used-up
invitations answer the same 404. Issue, accept and revoke are case timeline events.
"""

from __future__ import annotations

import datetime as dt
import string
import uuid
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, Uuid, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.cases import PARTY_ROLES, Case, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.identity import Court, MediationOrganization, wechat_login
from app.integrations import qr
from app.invitations.models import Invitation
from app.mediation import case_facts
from app.platform import settings
from app.security import permissions, pii
from app.security.permissions import CaseFacts, Principal
from app.utils import clock
from app.utils.ids import new_id, random_string

TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 24
CODE_ALPHABET = "ABCDEFGHJKLMNPRSTVWXYZ23456789"
CODE_LENGTH = 8
NOT_FOUND = "invitation.not_found"


class _NamedParty(NamedTuple):
    """What the terms check reads of the named party (each None when there is no such party)."""

    case_id: uuid.UUID | None
    role: str | None
    user_id: uuid.UUID | None


def not_found() -> NotFound:
    """The one answer for unknown, expired, revoked and used-up invitations."""
    return NotFound("No such invitation, or it is no longer valid.", reason=NOT_FOUND)


def token_hash(token: str) -> str:
    """Keyed hash of a token (the token itself is never stored)."""
    return pii.blind_index(token, field="invitation_token")


def code_hash(code: str) -> str:
    """Keyed hash of a code, after normalising what people type (case, spaces, hyphens)."""
    return pii.blind_index(normalize_code(code), field="invitation_code")


def normalize_code(code: str) -> str:
    """Upper case without spaces or hyphens."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def valid_token(token: str) -> bool:
    """Shape check before any lookup."""
    return 1 <= len(token) <= 32 and all(ch in TOKEN_ALPHABET for ch in token)


def issue(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    role: str,
    party_id: uuid.UUID | None = None,
    expires_in_hours: int | None = None,
    max_uses: int | None = None,
) -> dict:
    """Invite someone to the case as a named party or in a role (the mediator, or a clerk/judge of the court)."""
    case, facts, named = case_facts.load_by(_CASE_WITH_NAMED_PARTY, case_id, actor=actor, party_id=party_id)
    _require_inviter(actor, facts)
    if case.status in case_lifecycle.TERMINAL[case.kind]:
        raise Conflict(f"The case is {case.status}.", reason="invitation.case_closed", errors={"status": [case.status]})
    hours, uses = _check_terms(
        case, role=role, party_id=party_id, named=named, expires_in_hours=expires_in_hours, max_uses=max_uses
    )
    expires_at = clock.now() + dt.timedelta(hours=hours)
    values = {"case_id": case.id, "party_id": party_id, "role": role, "expires_at": expires_at, "max_uses": uses}
    summary = (
        message("invitation issued for the role %(role)s (named party)", role=label("party.role", role))
        if party_id
        else message("invitation issued for the role %(role)s", role=label("party.role", role))
    )
    data = {"invitation_id": None, "role": role, "max_uses": uses, "named_party": bool(party_id)}
    entry = timeline.new_entry(
        case, "invitation.issued", actor=actor, actor_role=_inviter_role(actor, facts), summary=summary, data=data
    )
    token, code, invitation = _insert_fresh(case, values, created_by=actor.user_id, entry=entry)
    db.session.commit()
    return {**issued_view(invitation), **links(token), "token": token, "code": code}


def _require_inviter(actor: Principal, facts: CaseFacts) -> None:
    if not permissions.may_invite_to_case(actor, facts):
        raise Forbidden("Only the case's mediator or the court's staff invite people.", reason="invitation.forbidden")


def _inviter_role(actor: Principal, facts: CaseFacts) -> str:
    return "mediator" if permissions.may_schedule_sessions(actor, facts) else "court_staff"


def _check_terms(
    case: Case,
    *,
    role: str,
    party_id: uuid.UUID | None,
    named: tuple[Any, ...],
    expires_in_hours: int | None,
    max_uses: int | None,
) -> tuple[int, int]:
    """The invitation's hours and uses, or 422 naming every wrong term (409 when the named party has joined);
    `named`: the named party's case, role and user (NULLs for no such party), read with the case."""
    config = settings.invitations()
    hours = expires_in_hours or config.default_hours
    errors: dict[str, list[str]] = {}
    if role not in PARTY_ROLES[case.kind]:
        errors["role"] = [f"Must be one of {', '.join(PARTY_ROLES[case.kind])} for a {case.kind} case."]
    if not 1 <= hours <= config.max_hours:
        errors["expires_in_hours"] = [f"Between 1 and {config.max_hours} hours."]
    if party_id is not None:
        party = _NamedParty(*named)
        if party.case_id is None or party.case_id != case.id:
            errors["party_id"] = ["No such party in this case."]
        elif party.role != role:
            errors["role"] = [f"The named party is the {party.role}."]
        elif party.user_id is not None:
            raise Conflict("The named party has already joined the case.", reason="invitation.party_joined")
        if (max_uses or 1) != 1:
            errors["max_uses"] = ["An invitation for a named party is single use."]
    if errors:
        raise ValidationFailed(errors=errors)
    return hours, max_uses or 1


def _insert_fresh(
    case: Case, values: dict, *, created_by: uuid.UUID | None, entry: timeline.Entry
) -> tuple[str, str, Invitation]:
    """Insert the invitation with a token and a code unused so far, and its timeline `entry` (naming it) with it:
    the unique constraints decide, in the INSERT itself (ON CONFLICT DO NOTHING ... RETURNING: a row taken by
    another invitation returns nothing and fresh secrets are drawn; the transaction is not aborted, so no savepoint
    is needed); nothing is read first. On PostgreSQL the entry is written by the same statement, only with the
    invitation's row (`_INSERT_WITH_ENTRY`); elsewhere it is recorded once the row is in (written at the flush)."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    for _ in range(8):
        token = random_string(TOKEN_ALPHABET, TOKEN_LENGTH)
        code = random_string(CODE_ALPHABET, CODE_LENGTH)
        now = clock.now()
        row = {
            **values,
            "id": new_id(),
            "created_at": now,
            "updated_at": now,
            "uses": 0,
            "token_hash": token_hash(token),
            "code_hash": code_hash(code),
            "created_by": created_by,
        }
        entry.data["invitation_id"] = str(row["id"])  # the entry names the row this draw writes
        if postgresql:
            params = {**row, "entries": timeline.as_json([entry.values()])}
            written = db.session.execute(_INSERT_WITH_ENTRY, params).first() is not None
        else:
            written = db.session.execute(_INSERT_SQLITE, row).first() is not None
            if written:
                timeline.add(case, entry)
        if written:
            # the row as written, for the answer: a plain object the session does not track
            return token, code, Invitation(**row)
    raise Conflict("Could not draw an unused invitation code; try again.", reason="invitation.retry")


# The case with its facts and what the terms check reads of the named party (each NULL when no party is named or
# found), in one statement (built once; issue 18).
_NAMED_PARTY_ID = bindparam("party_id", type_=Uuid)
_CASE_WITH_NAMED_PARTY = case_facts.query(
    *(
        select(column).where(CaseParty.id == _NAMED_PARTY_ID).correlate(None).scalar_subquery()
        for column in (CaseParty.case_id, CaseParty.role, CaseParty.user_id)
    )
)
# The INSERT of a new invitation (a Core statement on the table, built once: not the ORM's bulk INSERT with an
# entity returned, issue 18), returning its id unless a unique column (the token's or the code's hash) is taken.
# PostgreSQL: WITH new_invitation AS (INSERT ... ON CONFLICT DO NOTHING RETURNING id) INSERT INTO case_timeline
# the entry of the JSON array `entries` joined to new_invitation RETURNING its id: the entry lands only with the
# invitation's row, and a row returned says that both did (a taken hash writes neither: the next draw tries again).
# The statement is a DML run through the session, as the plain INSERT was: the Idempotency-Key layer sees the write.
_INVITATIONS = cast(Table, Invitation.__table__)
_ROW_KEYS = (
    "id",
    "created_at",
    "updated_at",
    "case_id",
    "party_id",
    "role",
    "token_hash",
    "code_hash",
    "expires_at",
    "max_uses",
    "uses",
    "created_by",
)
_INSERT_SQLITE = sqlite_insert(_INVITATIONS).on_conflict_do_nothing().returning(_INVITATIONS.c.id)
_NEW_INVITATION = (
    pg_insert(_INVITATIONS)
    .values({key: bindparam(key, type_=_INVITATIONS.c[key].type) for key in _ROW_KEYS})
    .on_conflict_do_nothing()
    .returning(_INVITATIONS.c.id)
    .cte("new_invitation")
)
_INSERT_WITH_ENTRY = timeline.insert_after(_NEW_INVITATION, returning=True).add_cte(_NEW_INVITATION)


def issued_view(invitation: Invitation) -> dict:
    """The invitation's server-side state (never the token or code)."""
    return {
        "invitation_id": invitation.id,
        "case_id": invitation.case_id,
        "party_id": invitation.party_id,
        "role": invitation.role,
        "expires_at": invitation.expires_at,
        "max_uses": invitation.max_uses,
        "uses": invitation.uses,
        "revoked_at": invitation.revoked_at,
    }


def links(token: str) -> dict[str, str | None]:
    """The scene, page and image URLs of a token."""
    base = f"{settings.http().public_base_url.rstrip('/')}/api/mp/v1/invitations/{token}"
    answer: dict[str, str | None] = {
        "scene": token,
        "page": settings.invitations().page,
        "qr_png_url": f"{base}/qr.png",
        "qr_svg_url": f"{base}/qr.svg",
    }
    answer["wxacode_url"] = f"{base}/wxacode.png" if wechat_configured() else None
    return answer


def wechat_configured() -> bool:
    """Mini-program codes need the mini-program's credentials."""
    return settings.wechat().configured


def revoke(*, invitation_id: uuid.UUID, actor: Principal) -> dict:
    """Revoke an invitation (the case's mediator, or the court's staff); revoking twice is harmless."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.id == invitation_id).with_for_update())
    if invitation is None:
        raise not_found()
    try:
        case, facts = case_access.load(invitation.case_id, actor=actor)
    except NotFound:
        raise not_found() from None
    _require_inviter(actor, facts)
    if invitation.revoked_at is None:
        invitation.revoked_at, invitation.revoked_by = clock.now(), actor.user_id
        timeline.record(
            case,
            "invitation.revoked",
            actor=actor,
            actor_role=_inviter_role(actor, facts),
            summary=message("invitation for the role %(role)s revoked", role=label("party.role", invitation.role)),
            data={"invitation_id": str(invitation.id)},
        )
    db.session.commit()
    return issued_view(invitation)


def usable(invitation: Invitation | None, *, case_open: bool = True) -> Invitation:
    """The invitation if it can still be accepted; the one 404 otherwise. `case_open=False`: the caller checks
    that the case has not ended itself (after locking it, which reads it anyway)."""
    if (
        invitation is None
        or invitation.revoked_at is not None
        or invitation.expires_at <= clock.now()
        or invitation.uses >= invitation.max_uses
    ):
        raise not_found()
    if case_open:
        case = db.session.get(Case, invitation.case_id)
        if case is None or case.status in case_lifecycle.TERMINAL[case.kind]:
            raise not_found()
    return invitation


def by_token(token: str, *, case_open: bool = True) -> Invitation:
    """A usable invitation by its token."""
    if not valid_token(token):
        raise not_found()
    return usable(db.session.scalar(_BY_TOKEN, {"token_hash": token_hash(token)}), case_open=case_open)


def by_code(code: str, *, case_open: bool = True) -> Invitation:
    """A usable invitation by its typed code."""
    return usable(db.session.scalar(_BY_CODE, {"code_hash": code_hash(checked_code(code))}), case_open=case_open)


def checked_code(code: str) -> str:
    """The code as typed, normalised, if it has the shape of a code; the one 404 otherwise."""
    normalized = normalize_code(code)
    if len(normalized) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normalized):
        raise not_found()
    return normalized


_BY_TOKEN = select(Invitation).where(Invitation.token_hash == bindparam("token_hash"))
_BY_CODE = select(Invitation).where(Invitation.code_hash == bindparam("code_hash"))


def preview(*, token: str) -> dict:
    """What the invitation offers, without personal data: the court or organisation, the case title, the role."""
    invitation = by_token(token)
    case = db.session.get_one(Case, invitation.case_id)  # by_token -> usable() has read it
    court = db.session.get(Court, case.court_id) if case.court_id else None
    org = db.session.get(MediationOrganization, case.org_id) if case.org_id else None
    return {
        "case_kind": case.kind,
        "case_title": case.title,
        "court_name": court.name if court else None,
        "org_name": org.name if org else None,
        "role": invitation.role,
        "names_a_party": invitation.party_id is not None,
        "requires_real_name": invitation.party_id is not None,
        "expires_at": invitation.expires_at,
    }


def qr_png(*, token: str) -> bytes:
    """The plain QR code (PNG) of the invitation's link."""
    by_token(token)
    return qr.png_bytes(qr_link(token))


def qr_svg(*, token: str) -> bytes:
    """The plain QR code (SVG) of the invitation's link."""
    by_token(token)
    return qr.svg_bytes(qr_link(token))


def qr_link(token: str) -> str:
    """`{INVITATION_LINK_BASE}/{page}?scene={token}`: a 普通链接二维码 rule maps it to the page with the scene."""
    config = settings.invitations()
    base = config.link_base or f"{settings.http().public_base_url.rstrip('/')}/mp"
    return f"{base.rstrip('/')}/{config.page}?scene={token}"


def wxacode_png(*, token: str) -> bytes:
    """The mini-program code (getwxacodeunlimit) that opens the invitation page with the token as scene."""
    if not wechat_configured():
        raise NotFound("Mini-program codes are not configured.", reason="invitation.wxacode_unavailable")
    by_token(token)
    return wechat_login.client().wxacode_unlimited(
        token, settings.invitations().page, check_path=False, env_version=settings.wechat().env_version
    )
