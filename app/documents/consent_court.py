"""The court's side of e-service consent: who in a case has not consented, and a consent a clerk obtained by phone.

A consent a clerk records (by phone, in person, on a paper 送达地址确认书) counts as express consent, but the
recipient did not confirm the address in the platform themselves: documents delivered under it are served
when the recipient first opens, downloads or acknowledges them (delivery's rule for consents others record).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import CaseParty
from app.cases import access as case_access
from app.documents import consent_address as addresses
from app.documents import consent_effects as effects
from app.documents import consent_records as records
from app.documents import consent_text
from app.documents import outbox as delivery_outbox
from app.documents.consent import not_found, party_view
from app.errors import Forbidden
from app.extensions import db
from app.security import permissions
from app.security.permissions import Principal


def overview(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """Every party of the case with its e-service consent, those without one first (court staff and systems)."""
    case, _facts = case_access.load(case_id, actor=actor)
    if case.court_id is None or not permissions.is_court_staff(actor, case.court_id):
        raise case_access.not_found()
    parties = [party_view(p) for p in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))]
    parties.sort(key=lambda p: (p["status"] == "given", p["role"], p["name"]))
    missing = sum(1 for p in parties if p["status"] != "given")
    return {"case_id": case.id, "without_consent": missing, "parties": parties}


def record_by_clerk(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    party_id: uuid.UUID,
    note: str,
    address_kind: str,
    address: str | None,
    address_read_back: bool,
) -> dict:
    """A clerk records a consent the party gave them (with a note of how); held documents are delivered."""
    case, _facts = case_access.load(case_id, actor=actor, lock=True)
    if case.court_id is None or not permissions.is_court_staff(actor, case.court_id):
        raise case_access.not_found()
    if not permissions.is_court_staff(actor, case.court_id, "clerk", "judge"):
        raise Forbidden("Only the court's clerks and judges record a consent.", reason="service_consent.not_clerk")
    party = db.session.get(CaseParty, party_id)
    if party is None or party.case_id != case.id:
        raise not_found()
    value = records.clean_address(address_kind, address)
    addresses.check_available(address_kind)
    row = records.write_case_consent(
        party, given=True, method=consent_text.CLERK_METHOD, recorded_by=actor.user_id, confirmed=address_read_back
    )
    act = records.record_act(
        "give",
        scope="case",
        actor=actor,
        actor_role="clerk",
        method=consent_text.CLERK_METHOD,
        party=party,
        address=(address_kind, value),
        text=(consent_text.CURRENT_VERSION, consent_text.sha256(consent_text.CURRENT_VERSION)),
        note=note,
        row=row,
    )
    addresses.start(act, value, party=party, user_id=party.user_id)
    data = {"scope": "case", "method": consent_text.CLERK_METHOD, "address_read_back": address_read_back}
    effects.announce(case, party, "given", actor=actor, role="clerk", data=data)
    effects.deliver_waiting(party)
    delivery_outbox.commit()
    addresses.send_pending()
    return party_view(party)
