"""E-service consent by the recipient or their agent: see, give (this case / all my cases), change address, withdraw.

Each act is kept with its time, method and the text agreed to (`consent_records`), put on the case timeline and in
the audit log, and commits once. Documents held for want of consent are delivered in the same transaction,
through the ordinary delivery path: the moment of delivery (and so the deadlines) is the moment consent arrived.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import CaseConsent, CaseParty
from app.cases import access as case_access
from app.documents import consent_address as addresses
from app.documents import consent_effects as effects
from app.documents import consent_records as records
from app.documents import consent_standing, consent_text
from app.documents import outbox as delivery_outbox
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal

WITHDRAWN = "withdrawn"
REFUSING_METHODS = ("filing_form", "hotline", "carried_over")  # a "no" on a form, not a withdrawal


def not_found() -> NotFound:
    """The one answer for a party that is not the caller's (or not in the case)."""
    return NotFound("No such party of yours in this case.", reason="service_consent.party_not_found")


def view(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The caller's parties in the case (their own and those they act for), each with its consent, and the text."""
    case, facts = case_access.load(case_id, actor=actor)
    mine = permissions.parties_of(actor, facts)
    if not mine:
        raise not_found()
    parties = db.session.scalars(select(CaseParty).where(CaseParty.id.in_(mine)).order_by(CaseParty.created_at))
    return {"case_id": case.id, "parties": [party_view(p) for p in parties], "consent_text": consent_text.current()}


def party_view(party: CaseParty) -> dict:
    """One party's e-service state as people see it (address masked)."""
    row = records.latest(party)
    standing = records.standing_of(party.user_id)
    address = records.last_address(party)
    use_standing = row is not None and row.method == records.STANDING_METHOD and standing is not None
    kind = (standing.address_kind if use_standing and standing else None) or (address.address_kind if address else None)
    enc = (standing.address_enc if use_standing and standing else None) or (address.address_enc if address else None)
    verified = addresses.verification(kind, enc, user_id=party.user_id, party_id=party.id)
    return {
        "party_id": party.id,
        "role": party.role,
        "name": party.name,
        "joined": party.user_id is not None,
        "status": _status(row),
        "scope": "all_cases" if use_standing else ("case" if row is not None and row.given else None),
        "method": row.method if row else None,
        "given_at": row.given_at if row else None,
        "address_kind": kind or ("mini_program" if records.is_given(row) else None),
        "address": records.masked(kind, enc) if records.is_given(row) else None,
        "address_confirmed": bool(row and row.address_confirmed and records.is_given(row)) and verified != "pending",
        "address_verification": verified if records.is_given(row) else None,
        "notices_to": _notices_to(party) if records.is_given(row) else None,
        "waiting_documents": effects.held_count(party.id),
    }


def _notices_to(party: CaseParty) -> str:
    """Where the next notice goes: `phone` / `email` (the confirmed address), else `account` (WeChat or SMS)."""
    found = addresses.notice_address(party)
    return found[0] if found else "account"


def give(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    party_id: uuid.UUID | None,
    scope: str,
    address_kind: str,
    address: str | None,
    text_version: str,
    text_sha256: str,
    method: str,
) -> dict:
    """Consent to e-service for one party (scope `case`), or as the party for all your cases (`all_cases`)."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    party, role = _own_party(facts, party_id, actor=actor)
    _check_text(text_version, text_sha256)
    value = records.clean_address(address_kind, address)
    addresses.check_available(address_kind)
    if scope == "all_cases":
        if role != "party":
            raise Forbidden(
                "Only the party themselves can consent for all their cases.", reason="service_consent.scope"
            )
        consent_standing.give_standing_now(actor, method, address_kind, value, (text_version, text_sha256))
    else:
        row = records.write_case_consent(party, given=True, method=method, recorded_by=actor.user_id)
        act = records.record_act(
            "give",
            scope="case",
            actor=actor,
            actor_role=role,
            method=method,
            party=party,
            address=(address_kind, value),
            text=(text_version, text_sha256),
            row=row,
        )
        addresses.start(act, value, party=party, user_id=party.user_id)
        effects.announce(case, party, "given", actor=actor, role=role, data={"scope": "case", "method": method})
    effects.deliver_waiting(party)
    delivery_outbox.commit()
    addresses.send_pending()
    return party_view(party)


def change_address(
    *, case_id: uuid.UUID, actor: Principal, party_id: uuid.UUID | None, address_kind: str, address: str | None
) -> dict:
    """Confirm or change the service address under a consent in force (a new confirmed row; held documents go)."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    party, role = _own_party(facts, party_id, actor=actor)
    current = records.latest(party)
    if not records.is_given(current):
        raise Conflict("There is no e-service consent to change.", reason="service_consent.not_given")
    value = records.clean_address(address_kind, address)
    addresses.check_available(address_kind)
    row = records.write_case_consent(party, given=True, method=current.method, recorded_by=actor.user_id)
    act = records.record_act(
        "change_address",
        scope="case",
        actor=actor,
        actor_role=role,
        method="mini_program",
        party=party,
        address=(address_kind, value),
        row=row,
    )
    addresses.start(act, value, party=party, user_id=party.user_id)
    effects.announce(case, party, "address_changed", actor=actor, role=role, data={"address_kind": address_kind})
    effects.deliver_waiting(party)
    delivery_outbox.commit()
    addresses.send_pending()
    return party_view(party)


def confirm_address(*, case_id: uuid.UUID, actor: Principal, party_id: uuid.UUID | None, code: str) -> dict:
    """Enter the code sent to the e-mail address: from now on the party's notices go there."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    party, role = _own_party(facts, party_id, actor=actor)
    if not records.is_given(records.latest(party)):
        raise Conflict("There is no e-service consent in force.", reason="service_consent.not_given")
    addresses.check_code(addresses.pending(party_id=party.id, user_id=None), code)
    effects.announce(case, party, "address_verified", actor=actor, role=role, data={"address_kind": "email"})
    db.session.commit()
    return party_view(party)


def withdraw(*, case_id: uuid.UUID, actor: Principal, party_id: uuid.UUID | None) -> dict:
    """Withdraw the consent in this case; what was served before stays served, new documents are held."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    party, role = _own_party(facts, party_id, actor=actor)
    if not records.is_given(records.latest(party)):
        raise Conflict("There is no e-service consent to withdraw.", reason="service_consent.not_given")
    row = records.write_case_consent(party, given=False, method="mini_program", recorded_by=actor.user_id)
    records.record_act(
        "withdraw", scope="case", actor=actor, actor_role=role, method="mini_program", party=party, row=row
    )
    effects.announce(case, party, WITHDRAWN, actor=actor, role=role, data={"scope": "case"})
    db.session.commit()
    return party_view(party)


def _status(row: CaseConsent | None) -> str:
    if row is None:
        return "none"
    if records.is_given(row):
        return "given"
    return "refused" if row.method in REFUSING_METHODS else WITHDRAWN


def _own_party(facts: CaseFacts, party_id: uuid.UUID | None, *, actor: Principal) -> tuple[CaseParty, str]:
    """The party the caller acts for (named, or their only one), and whether as the party or as an agent."""
    mine = permissions.parties_of(actor, facts)
    if not mine:
        raise not_found()
    if party_id is None:
        if len(mine) != 1:
            raise ValidationFailed(
                "Name the party (party_id).", reason="service_consent.party_required", errors={"party_id": ["required"]}
            )
        party_id = next(iter(mine))
    if party_id not in mine:
        raise not_found()
    role = "party" if permissions.is_party_user(actor, facts, party_id) else "agent"
    return db.session.get_one(CaseParty, party_id), role


def _check_text(version: str, digest: str) -> None:
    if not consent_text.agreed(version, digest):
        raise Conflict(
            "The consent text shown is not a published one: reload it and agree again.",
            reason="service_consent.text_mismatch",
            errors={"text_version": [consent_text.CURRENT_VERSION]},
        )
