"""12368 hotline: an operator records a call and may file the case for the caller, who claims it by SMS code."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

from sqlalchemy import select, update

from app.audit import log as audit
from app.cases import Case, CaseConsent, CaseParty, timeline
from app.cases import access as case_access
from app.cases import filing as case_filing
from app.cases import queries as case_queries
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.hotline.models import HotlineCall
from app.i18n import message
from app.identity import User
from app.platform import settings
from app.platform.pagination import Page, newest_first
from app.security import otp, permissions, pii
from app.security.permissions import Principal
from app.sms import outbox as notifications_sms
from app.utils import clock
from app.utils.ids import random_string

CLAIM_ALPHABET = "ABCDEFGHJKLMNPRSTVWXYZ23456789"
CLAIM_LENGTH = 8
CLAIM_PURPOSE = "hotline_claim"
CALLER_ROLE = {"mediation": "applicant", "litigation": "plaintiff"}
OPERATOR = "hotline_operator"
_CALLER_FIELDS = ("caller_id_number", "caller_address", "address_read_back")


def _hidden() -> NotFound:
    return NotFound("Not found.", reason="resource.not_found")


def claim_not_found() -> NotFound:
    """The one answer for a wrong, expired or used code, and for a code sent to another phone."""
    return NotFound("No case to claim with this code and your phone number.", reason="claim.not_found")


def _code_key() -> bytes:
    return hashlib.sha256(b"microcourt-hotline-claim:" + settings.hotline().secret_key.encode()).digest()


def hash_claim_code(code: str) -> str:
    """Keyed hash of a claim code (the code itself is never stored)."""
    return otp.hash_code(_code_key(), subject="case", purpose=CLAIM_PURPOSE, code=code)


def normalize_claim_code(raw: str) -> str | None:
    """Upper-case without spaces or hyphens; None when it cannot be a code we issued."""
    text = re.sub(r"[\s-]", "", raw or "").upper()
    return text if len(text) == CLAIM_LENGTH and all(ch in CLAIM_ALPHABET for ch in text) else None


def _new_claim_code() -> tuple[str, str]:
    for _ in range(5):  # 30^8 codes: a collision with a stored one is all but impossible, but cheap to rule out
        code = random_string(CLAIM_ALPHABET, CLAIM_LENGTH)
        digest = hash_claim_code(code)
        if db.session.scalar(select(HotlineCall.id).where(HotlineCall.claim_code_hash == digest)) is None:
            return code, digest
    raise RuntimeError("could not draw a fresh claim code")


def record_call(
    *,
    actor: Principal,
    caller_phone: str,
    caller_name: str,
    summary: str,
    category: str,
    create_case: dict | None = None,
    creation_key: str | None = None,
) -> dict:
    """Record a 12368 call; with `create_case`, file the case for the caller and text them a claim code."""
    if not permissions.is_hotline_operator(actor):
        raise _hidden()
    try:
        phone = pii.normalize_phone(caller_phone)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, reason=exc.reason, errors={"caller_phone": exc.errors["phone"]}) from None
    call = HotlineCall(
        operator_user_id=actor.user_id,
        caller_phone_enc=pii.encrypt(phone, field="phone"),
        caller_phone_index=pii.blind_index(phone, field="phone"),
        caller_name=caller_name.strip(),
        summary=summary.strip(),
        category=category,
    )
    if create_case is None:
        db.session.add(call)
        db.session.commit()
        return call_view(call)
    return _file_for_caller(call, phone, create_case, actor=actor, creation_key=creation_key)


def _file_for_caller(
    call: HotlineCall, phone: str, request: dict, *, actor: Principal, creation_key: str | None
) -> dict:
    """File with the caller as the applicant/plaintiff; call, consents and SMS commit with the case."""
    caller = {"role": CALLER_ROLE[request["kind"]], "name": call.caller_name, "phone": phone}
    caller.update({k: request[k] for k in ("caller_id_number", "caller_address") if request.get(k)})
    caller = {key.removeprefix("caller_"): value for key, value in caller.items()}
    data = {k: v for k, v in request.items() if k not in _CALLER_FIELDS}
    data["parties"] = [*request["parties"], caller]
    messages: list[uuid.UUID] = []

    def attach(case: Case, parties: list[case_filing.PartyRow]) -> None:
        messages.append(_attach(call, case, parties[-1], request, phone, actor=actor))

    try:
        case = case_filing.create_case(
            actor=actor, data=data, creation_key=creation_key, filed_via="hotline", on_build=attach
        )
    except ValidationFailed as exc:
        errors = _filing_errors(exc.errors, caller_index=len(data["parties"]) - 1)
        raise ValidationFailed(exc.message, reason=exc.reason, errors=errors) from None
    if not messages or call.case_id != case.id:  # the same key filed it before: that call is the answer
        earlier = db.session.scalar(select(HotlineCall).where(HotlineCall.case_id == case.id))
        if earlier is None:  # the operator used this key for a filing of their own
            raise Conflict("This Idempotency-Key was used for another filing.", reason="idempotency.key_reused")
        return call_view(earlier)
    notifications_sms.dispatch(messages[0])
    return call_view(call)


def _filing_errors(errors: dict, *, caller_index: int) -> dict:
    """Filing errors named as the operator sent them: create_case.<field>, create_case.caller_<field>."""
    named = {}
    for key, messages in errors.items():
        prefix = f"parties.{caller_index}."
        named["create_case." + ("caller_" + key.removeprefix(prefix) if key.startswith(prefix) else key)] = messages
    return named


def _attach(
    call: HotlineCall, case: Case, party: case_filing.PartyRow, request: dict, phone: str, *, actor: Principal
) -> uuid.UUID:
    """The call record, the consents given by phone, the claim code and its SMS; returns the message id."""
    code, digest = _new_claim_code()
    days = settings.hotline().claim_code_days
    call.case_id, call.party_id = case.id, party.id
    call.claim_code_hash, call.claim_expires_at = digest, clock.now() + dt.timedelta(days=days)
    db.session.add(call)
    db.session.flush()
    data = {"call_id": str(call.id)}
    timeline.record(
        case,
        "hotline.call_recorded",
        actor=actor,
        actor_role=OPERATOR,
        summary=message("12368 call recorded"),
        data=data,
    )
    _record_consents(case, party, request, actor=actor)
    timeline.record(
        case,
        "hotline.claim_code_sent",
        actor=actor,
        actor_role=OPERATOR,
        summary=message("claim code sent to the caller by SMS, valid %(days)s days", days=days),
        data=data,
    )
    return notifications_sms.queue(phone=phone, template="case_claim", params={"code": code}).id


def _record_consents(case: Case, party: case_filing.PartyRow, request: dict, *, actor: Principal) -> None:
    """Consent given by phone; the address counts as confirmed only if the operator read it back."""
    now = clock.now()
    consents = request.get("consents") or {}
    e_service = bool(consents.get("e_service"))
    read_back = e_service and bool(request.get("address_read_back"))
    address = request.get("service_address") or "mini-program inbox"
    common = {"case_id": case.id, "party_id": party.id, "method": "hotline", "recorded_by": actor.user_id}
    db.session.add(
        CaseConsent(
            kind="e_service", given=e_service, address=address, address_confirmed=read_back, given_at=now, **common
        )
    )
    if read_back:
        e_words = message("e-service given (address read back)")
    else:
        e_words = message("e-service given") if e_service else message("e-service refused")
    words = message("by phone: %(e_service)s", e_service=e_words)
    if case.kind == "mediation":
        online = bool(consents.get("online_mediation"))
        db.session.add(CaseConsent(kind="online_mediation", given=online, given_at=now, **common))
        o_words = message("online mediation given") if online else message("online mediation refused")
        words = message("by phone: %(e_service)s, %(online)s", e_service=e_words, online=o_words)
    timeline.record(case, "consent.recorded", actor=actor, actor_role=OPERATOR, summary=words)


def claim_case(*, code: str, actor: Principal) -> dict:
    """Bind the logged-in caller to their party: the code unused and unexpired, their phone the party's."""
    if not permissions.is_user(actor):
        raise claim_not_found()
    call, party = _claimable(code, actor)
    now = clock.now()
    won = db.session.execute(  # an UPDATE gives a CursorResult; Session.execute is typed as the plain Result
        update(HotlineCall)
        .where(HotlineCall.id == call.id, HotlineCall.claimed_at.is_(None))
        .values(claimed_at=now, claimed_by_user_id=actor.user_id)
    ).rowcount  # type: ignore[attr-defined]
    if not won:  # claimed by a concurrent request between our read and our write
        db.session.rollback()
        raise claim_not_found()
    party.user_id, party.joined_at = actor.user_id, party.joined_at or now
    assert call.case_id is not None  # the call's party exists, so the case it was filed in does
    case = db.session.get_one(Case, call.case_id)
    timeline.record(
        case,
        "case.claimed",
        actor=actor,
        actor_role="party",
        summary=message("%(name)s took over the case the 12368 hotline filed for them", name=party.name),
        data={"call_id": str(call.id)},
    )
    audit.record("hotline.case_claimed", actor=actor, object_type="case", object_id=case.id)
    db.session.commit()
    case, facts = case_access.load(case.id, actor=actor)
    return case_queries.describe(case, facts, actor=actor)


def _claimable(code: str, actor: Principal) -> tuple[HotlineCall, CaseParty]:
    """The locked call the code names and the party it was filed for, if the caller may claim it; 404 otherwise."""
    normalized = normalize_claim_code(code)
    call = None
    if normalized is not None:
        query = select(HotlineCall).where(HotlineCall.claim_code_hash == hash_claim_code(normalized))
        call = db.session.scalar(query.with_for_update())
    party = db.session.get(CaseParty, call.party_id) if call is not None and call.party_id else None
    user = db.session.get(User, actor.user_id)
    if not (
        call is not None
        and party is not None
        and call.claimed_at is None
        and call.claim_expires_at is not None
        and call.claim_expires_at > clock.now()
        and user is not None
        and user.phone_index is not None
        and user.phone_index == party.phone_index
        and party.user_id in (None, user.id)
    ):
        object_id = call.id if call is not None else None
        audit.record_now("hotline.claim_failed", actor=actor, object_type="hotline_call", object_id=object_id)
        raise claim_not_found()
    return call, party


def list_calls(*, actor: Principal, cursor: str | None, limit: int | None) -> Page:
    """The operator's own calls, newest first."""
    if not permissions.is_hotline_operator(actor):
        raise _hidden()
    query = select(HotlineCall).where(HotlineCall.operator_user_id == actor.user_id)
    page = newest_first(query, at_column=HotlineCall.created_at, id_column=HotlineCall.id, cursor=cursor, limit=limit)
    case_ids = [call.case_id for call in page.items if call.case_id]
    cases = {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    return Page(items=[call_view(call, cases.get(call.case_id)) for call in page.items], next_cursor=page.next_cursor)


def call_view(call: HotlineCall, case: Case | None = None) -> dict:
    """A call as its operator sees it (the caller's phone masked; the claim code is never shown)."""
    if case is None and call.case_id is not None:
        case = db.session.get(Case, call.case_id)
    return {
        "id": call.id,
        "created_at": call.created_at,
        "caller_name": call.caller_name,
        "caller_phone": pii.mask_phone(pii.decrypt(call.caller_phone_enc, field="phone")),
        "summary": call.summary,
        "category": call.category,
        "case": case,
        "claim_expires_at": call.claim_expires_at,
        "claimed": call.claimed_at is not None,
        "claimed_at": call.claimed_at,
    }
