"""E-service consent for all of a person's cases (present and future): give, see, withdraw.

The consent is one row per user; each case they are a party to gets it written in as its own consent row
(now for the cases they are in, at the first delivery for cases they join later), unless the case has a newer
act of its own. Withdrawing it withdraws the consent in every one of their cases.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty
from app.documents import consent_address as addresses
from app.documents import consent_effects as effects
from app.documents import consent_records as records
from app.documents import consent_text
from app.documents import outbox as delivery_outbox
from app.documents.consent_models import StandingServiceConsent
from app.errors import Conflict, NotFound
from app.extensions import db
from app.identity import User
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

WITHDRAWN_METHOD = "standing_withdrawn"


def view_standing(*, actor: Principal) -> dict:
    """The caller's consent for all cases (or none), and the text to agree to."""
    _require_user(actor)
    standing = records.standing_of(actor.user_id)
    return {**_standing_view(standing), "consent_text": consent_text.current()}


def give_standing(
    *, actor: Principal, address_kind: str, address: str | None, text_version: str, text_sha256: str, method: str
) -> dict:
    """Consent for all your cases; documents held in any of them are delivered now."""
    _require_user(actor)
    if not consent_text.agreed(text_version, text_sha256):
        raise Conflict(
            "The consent text shown is not a published one: reload it and agree again.",
            reason="service_consent.text_mismatch",
            errors={"text_version": [consent_text.CURRENT_VERSION]},
        )
    value = records.clean_address(address_kind, address)
    addresses.check_available(address_kind)
    give_standing_now(actor, method, address_kind, value, (text_version, text_sha256))
    delivery_outbox.commit()
    addresses.send_pending()
    return view_standing(actor=actor)


def confirm_standing_address(*, actor: Principal, code: str) -> dict:
    """Enter the code sent to the e-mail address of the consent for all cases."""
    _require_user(actor)
    _lock_person(actor)
    standing = records.standing_of(actor.user_id)
    if standing is None or not standing.given:
        raise Conflict("There is no consent for all cases.", reason="service_consent.not_given")
    addresses.check_code(addresses.pending(party_id=None, user_id=actor.user_id), code)
    audit.record("service_consent.address_verified", actor=actor, object_type="user", object_id=actor.user_id)
    db.session.commit()
    return view_standing(actor=actor)


def give_standing_now(
    actor: Principal, method: str, address_kind: str, value: str | None, text: tuple[str, str]
) -> StandingServiceConsent:
    """Record the consent, carry it into each of the caller's cases and deliver what waits (the caller commits)."""
    _lock_person(actor)
    standing = records.standing_of(actor.user_id)
    if standing is None:
        standing = StandingServiceConsent(user_id=actor.user_id)
        db.session.add(standing)
    standing.given, standing.method, standing.given_at, standing.withdrawn_at = True, method, clock.now(), None
    standing.address_kind = address_kind
    act = records.record_act(
        "give",
        scope="all_cases",
        actor=actor,
        actor_role="party",
        method=method,
        user_id=actor.user_id,
        address=(address_kind, value),
        text=text,
    )
    standing.address_enc = act.address_enc
    standing.text_version, standing.text_sha256 = text
    addresses.start(act, value, party=None, user_id=actor.user_id)
    db.session.flush()
    audit.record(
        "service_consent.given_all_cases",
        actor=actor,
        object_type="user",
        object_id=actor.user_id,
        details={"method": method, "text_version": text[0], "address_kind": address_kind},
    )
    for party in _parties_of(actor):
        records.carry_standing(party)
        effects.deliver_waiting(party)
    return standing


def withdraw_standing(*, actor: Principal) -> dict:
    """Withdraw the consent for all cases, and so the consent in each case (served documents stay served)."""
    _require_user(actor)
    _lock_person(actor)
    standing = records.standing_of(actor.user_id)
    if standing is None or not standing.given:
        raise Conflict("There is no consent for all cases to withdraw.", reason="service_consent.not_given")
    standing.given, standing.withdrawn_at = False, clock.now()
    records.record_act(
        "withdraw", scope="all_cases", actor=actor, actor_role="party", method="mini_program", user_id=actor.user_id
    )
    audit.record("service_consent.withdrawn_all_cases", actor=actor, object_type="user", object_id=actor.user_id)
    for party in _parties_of(actor):
        if not records.is_given(records.latest(party)):
            continue
        row = records.write_case_consent(party, given=False, method=WITHDRAWN_METHOD, recorded_by=actor.user_id)
        records.record_act(
            "withdraw", scope="all_cases", actor=actor, actor_role="party", method="mini_program", party=party, row=row
        )
        case = db.session.get_one(Case, party.case_id)
        effects.announce(case, party, "withdrawn", actor=actor, role="party", data={"scope": "all_cases"})
    db.session.commit()
    return view_standing(actor=actor)


def _parties_of(actor: Principal) -> list[CaseParty]:
    return list(db.session.scalars(select(CaseParty).where(CaseParty.user_id == actor.user_id)))


def _lock_person(actor: Principal) -> None:
    """One act on a person's all-cases consent at a time (two first consents would both insert the row)."""
    db.session.scalar(select(User.id).where(User.id == actor.user_id).with_for_update())


def _require_user(actor: Principal) -> None:
    if not permissions.is_user(actor):
        raise NotFound("Not found.", reason="resource.not_found")


def _standing_view(standing: StandingServiceConsent | None) -> dict:
    given = standing is not None and standing.given
    return {
        "status": "given" if given else ("withdrawn" if standing is not None else "none"),
        "method": standing.method if standing else None,
        "given_at": standing.given_at if standing else None,
        "withdrawn_at": standing.withdrawn_at if standing else None,
        "address_kind": standing.address_kind if given and standing else None,
        "address": records.masked(standing.address_kind, standing.address_enc) if given and standing else None,
        "address_verification": (
            addresses.verification(standing.address_kind, standing.address_enc, user_id=standing.user_id, party_id=None)
            if given and standing
            else None
        ),
        "text_version": standing.text_version if standing else None,
    }
