"""Filing a case: validation a court would demand, parties with encrypted PII, consents, exactly once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import acceptance_hooks, timeline
from app.cases import lifecycle as case_lifecycle
from app.cases.models import FILER_ROLES, OPPOSING_ROLES, PARTY_ROLES, Case, CaseConsent, CaseParty
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.identity import Court, MediationOrganization, User
from app.platform import settings
from app.security import idcard, permissions, pii
from app.security.permissions import Principal
from app.utils import clock
from app.utils.ids import new_id


def create_case(
    *,
    actor: Principal,
    data: dict,
    creation_key: str | None = None,
    filed_via: str = "self",
    on_build: Callable[[Case, list[CaseParty]], None] | None = None,
) -> Case:
    """File a case for mediation or litigation; a retried request with the same key returns the same case."""
    if creation_key:
        existing = db.session.scalar(
            select(Case).where(Case.filed_by_user_id == actor.user_id, Case.creation_key == creation_key)
        )
        if existing is not None:
            return existing
    errors = validate(data, actor=actor, filed_via=filed_via)
    if errors:
        raise ValidationFailed(errors=errors)
    case = _build(actor=actor, data=data, creation_key=creation_key, filed_via=filed_via)
    if on_build is not None:  # e.g. the hotline's call record, consent and claim code: one transaction
        parties = select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id)
        on_build(case, list(db.session.scalars(parties)))
    acceptance_hooks.case_filed(case, actor)  # e.g. fees: the notice to pay where the court asks for prepayment
    try:
        db.session.commit()
    except IntegrityError:  # the same key raced in: the other request's case is the answer
        db.session.rollback()
        if not creation_key:  # without a key no other request's case is the answer
            raise
        return db.session.scalars(
            select(Case).where(Case.filed_by_user_id == actor.user_id, Case.creation_key == creation_key)
        ).one()
    return case


def validate(data: dict, *, actor: Principal, filed_via: str) -> dict[str, list[str]]:
    """Every business rule of a filing, as per-field messages (empty when valid)."""
    errors: dict[str, list[str]] = {}
    kind = data["kind"]
    _check_venue(data, errors)
    if data["category"] not in settings.cases().categories:
        errors["category"] = ["Not a category this platform handles."]
    amount = data.get("amount")
    if amount is not None and not Decimal(0) <= amount <= settings.cases().amount_max_yuan:
        errors["amount"] = ["Must be between 0 and the maximum amount, in yuan."]
    _check_parties(kind, data["parties"], errors, filed_via=filed_via)
    self_filing = filed_via == "self" and _self_party(data) is not None
    if kind == "litigation" and self_filing and not actor.real_name_verified:
        errors.setdefault("parties", []).append("Litigation filings need real-name verification.")
    if filed_via == "self" and _self_party(data) is None and not permissions.is_verified_lawyer(actor):
        errors.setdefault("parties", []).append("Mark your own party with is_self (or file as a verified lawyer).")
    return errors


def _check_venue(data: dict, errors: dict) -> None:
    court_id, org_id = data.get("court_id"), data.get("org_id")
    if data["kind"] == "litigation" and court_id is None:
        errors["court_id"] = ["A litigation filing names the court."]
    if data["kind"] == "mediation" and court_id is None and org_id is None:
        errors["org_id"] = ["A mediation names an organisation or a court."]
    if court_id is not None:
        court = db.session.get(Court, court_id)
        if court is None or not court.active:
            errors["court_id"] = ["No such court."]
        _keep(court)
    if org_id is not None:
        org = db.session.get(MediationOrganization, org_id)
        if org is None or not org.active:
            errors["org_id"] = ["No such organisation."]
        _keep(org)


KEPT = "microcourt.filing_venues"


def _keep(row: object) -> None:
    """Hold the venue read here until the session ends: the identity map keeps rows only while something refers
    to them, and the answer (the case detail) names the court and organisation again (issue 18: not read twice)."""
    if row is not None:
        db.session.info.setdefault(KEPT, {})[type(row).__name__] = row


def _check_parties(kind: str, parties: list[dict], errors: dict, *, filed_via: str) -> None:
    roles = [party["role"] for party in parties]
    if not any(role in OPPOSING_ROLES for role in roles):
        errors.setdefault("parties", []).append("Name at least one opposing party.")
    if not any(role in FILER_ROLES for role in roles):
        errors.setdefault("parties", []).append("Name the party who brings the case.")
    if sum(1 for party in parties if party.get("is_self")) > 1:
        errors.setdefault("parties", []).append("Only one party can be you.")
    today = clock.now_shanghai().date()
    for number, party in enumerate(parties):
        prefix = f"parties.{number}"
        if party["role"] not in PARTY_ROLES[kind]:
            errors[f"{prefix}.role"] = [f"Must be one of {', '.join(PARTY_ROLES[kind])} for {kind}."]
        if party.get("is_self") and party["role"] not in FILER_ROLES:
            errors[f"{prefix}.is_self"] = ["You can only file as the applicant or plaintiff."]
        _check_pii(party, prefix, errors, today)


def _check_pii(party: dict, prefix: str, errors: dict[str, list[str]], today: dt.date) -> None:
    for field, check in (
        ("phone", pii.normalize_phone),
        ("id_number", lambda v: idcard.parse_id_number(v, today=today)),
    ):
        if party.get(field):
            try:
                check(party[field])
            except ValidationFailed as exc:
                errors[f"{prefix}.{field}"] = _messages(exc)


def _messages(exc: ValidationFailed) -> list[str]:
    """The messages of a validation error's fields (each a list of them), else its message."""
    found = [str(msg) for msgs in exc.errors.values() if isinstance(msgs, list) for msg in msgs]
    return found or [exc.message]


def _self_party(data: dict) -> dict | None:
    return next((party for party in data["parties"] if party.get("is_self")), None)


def _build(*, actor: Principal, data: dict, creation_key: str | None, filed_via: str) -> Case:
    now = clock.now()
    review_days = settings.cases().filing_review_days
    case = Case(
        kind=data["kind"],
        status=case_lifecycle.INITIAL,
        court_id=data.get("court_id"),
        org_id=data.get("org_id"),
        category=data["category"],
        title=data["title"].strip(),
        claims=data["claims"].strip(),
        facts=data["facts"].strip(),
        amount=data.get("amount"),
        filed_by_user_id=actor.user_id,
        filed_via=filed_via,
        creation_key=creation_key,
        submitted_at=now,
        filed_off_hours=case_lifecycle.filed_off_hours(now),
        review_due_at=now + dt.timedelta(days=review_days) if data["kind"] == "litigation" else None,
    )
    db.session.add(case)
    db.session.flush()  # the unit of work orders tables by relationships, and these models declare none
    filer_party = None
    for party_data in data["parties"]:
        party = build_party(case, party_data, user_id=actor.user_id if party_data.get("is_self") else None)
        if party_data.get("is_self"):
            filer_party = party
    db.session.flush()  # every party in one INSERT (ids given in build_party), before the consents naming them
    if filer_party is not None:
        _record_consents(case, filer_party, data, actor=actor)
    timeline.record(
        case,
        "case.filed",
        actor=actor,
        actor_role=_role(actor, filed_via),
        to_status=case.status,
        summary=message("%(kind)s filed: %(title)s", kind=label("case.kind", case.kind), title=case.title),
    )
    return case


def _role(actor: Principal, filed_via: str) -> str:
    if filed_via == "hotline":
        return "hotline_operator"
    return "lawyer" if permissions.is_verified_lawyer(actor) and filed_via == "lawyer" else "party"


def build_party(case: Case, data: dict, *, user_id: uuid.UUID | None) -> CaseParty:
    """A party row with phone and ID number encrypted and blind-indexed; joined at once when it is the filer."""
    party = CaseParty(
        id=new_id(),  # known now, so the caller flushes all the parties together (one INSERT, issue 18)
        case_id=case.id,
        role=data["role"],
        party_type=data.get("party_type", "person"),
        name=data["name"].strip(),
        org_code=data.get("org_code"),
        address=data.get("address"),
        user_id=user_id,
        joined_at=clock.now() if user_id else None,
    )
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is not None and user.verification_status == "verified" and user.real_name:
            party.name = user.real_name  # a verified filer is named as verified
    if data.get("phone"):
        phone = pii.normalize_phone(data["phone"])
        party.phone_enc, party.phone_index = pii.encrypt(phone, field="phone"), pii.blind_index(phone, field="phone")
    if data.get("id_number"):
        number = idcard.clean(data["id_number"])
        party.id_number_enc = pii.encrypt(number, field="id_number")
        party.id_number_index = pii.blind_index(number, field="id_number")
    db.session.add(party)
    return party


def _record_consents(case: Case, party: CaseParty, data: dict, *, actor: Principal) -> None:
    consents = data.get("consents") or {}
    now = clock.now()
    address = data.get("service_address") or "mini-program inbox"
    db.session.add(
        CaseConsent(
            case_id=case.id,
            party_id=party.id,
            kind="e_service",
            given=bool(consents.get("e_service")),
            address=address,
            address_confirmed=bool(consents.get("e_service")),
            method="filing_form",
            recorded_by=actor.user_id,
            given_at=now,
        )
    )
    if case.kind == "mediation":
        db.session.add(
            CaseConsent(
                case_id=case.id,
                party_id=party.id,
                kind="online_mediation",
                given=bool(consents.get("online_mediation")),
                address=None,  # the same columns as the e-service consent: both in one INSERT
                address_confirmed=False,
                method="filing_form",
                recorded_by=actor.user_id,
                given_at=now,
            )
        )
