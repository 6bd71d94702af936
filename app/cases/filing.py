"""Filing a case: validation a court would demand, parties with encrypted PII, consents, exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import bindparam, inspect, literal, select
from sqlalchemy.exc import IntegrityError

from app.cases import acceptance_hooks, filed_rows, timeline
from app.cases import lifecycle as case_lifecycle
from app.cases.filed_rows import ConsentRow, PartyRow
from app.cases.models import FILER_ROLES, OPPOSING_ROLES, PARTY_ROLES, Case
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.identity import Court, MediationOrganization, User
from app.legal import calendar
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
    on_build: Callable[[Case, list[PartyRow]], None] | None = None,
) -> Case:
    """File a case for mediation or litigation; a retried request with the same key returns the same case."""
    db.session.info.pop(FILED, None)
    row = db.session.execute(
        _READ_AHEAD,
        {
            "me": actor.user_id,
            "key": creation_key or None,
            "court_id": data.get("court_id"),
            "org_id": data.get("org_id"),
        },
    ).one()
    existing, court, org, version = row
    calendar.saw_version(version)  # the off-hours flag of the filing reads no calendar version of its own
    if existing is not None:
        return existing
    errors = validate(data, actor=actor, filed_via=filed_via, venue=(court, org))
    if errors:
        raise ValidationFailed(errors=errors)
    case, parties, consents = _build(actor=actor, data=data, creation_key=creation_key, filed_via=filed_via)
    if on_build is not None:  # e.g. the hotline's call record, consent and claim code: one transaction
        on_build(case, sorted(parties, key=lambda party: party.id))  # the parties in hand, in id order (not read)
    acceptance_hooks.case_filed(case, actor)  # e.g. fees: the notice to pay where the court asks for prepayment
    transaction = db.session().get_transaction()
    try:
        db.session.commit()
    except IntegrityError:  # the same key raced in: the other request's case is the answer
        db.session.rollback()
        if not creation_key:  # without a key no other request's case is the answer
            raise
        return db.session.scalars(
            select(Case).where(Case.filed_by_user_id == actor.user_id, Case.creation_key == creation_key)
        ).one()
    if on_build is None:
        db.session.info[FILED] = Filed(case, parties, consents, court, org, transaction)
    return case


# What a filing reads, in one statement (issue 18): the case an earlier request made with this creation key, the
# court and the organisation named (each NULL when not named or not found) and the holiday calendar's version (for
# the off-hours flag). Built once, with bound parameters; a key of None finds no case.
_ONE_ROW = select(literal(1).label("one")).subquery("one_row")
_READ_AHEAD = (
    select(Case, Court, MediationOrganization, calendar.version_column())
    .select_from(_ONE_ROW)
    .outerjoin(Case, (Case.filed_by_user_id == bindparam("me")) & (Case.creation_key == bindparam("key")))
    .outerjoin(Court, Court.id == bindparam("court_id"))
    .outerjoin(MediationOrganization, MediationOrganization.id == bindparam("org_id"))
)

FILED = "microcourt.filed_case"


@dataclasses.dataclass(frozen=True)
class Filed:
    """A case this request just filed, with every row its detail shows that the filing wrote or read."""

    case: Case
    parties: list[PartyRow]  # all of them, as written
    consents: list[ConsentRow]  # all of them (the filer's), as written
    court: Court | None
    org: MediationOrganization | None
    transaction: object  # the transaction that wrote them, still open (a deferred commit only flushes)


def just_filed(case: Case) -> Filed | None:
    """The rows of `case` if this request filed it and its transaction is still open, else None (read it then).

    While the filing's transaction is open nobody else sees the case: its parties and consents are exactly those
    built here, and it has no agents, corrections, sessions, evidence or documents (a filed hook adding any of
    these must turn this off). A COMMIT that really happened (no Idempotency-Key) ends the transaction: then None.
    """
    filed: Filed | None = db.session.info.pop(FILED, None)
    if filed is None or filed.case is not case or filed.transaction is not db.session().get_transaction():
        return None
    if inspect(case).expired_attributes:  # the parties and consents are plain rows, as written
        return None
    return filed


def validate(
    data: dict,
    *,
    actor: Principal,
    filed_via: str,
    venue: tuple[Court | None, MediationOrganization | None] | None = None,
) -> dict[str, list[str]]:
    """Every business rule of a filing, as per-field messages (empty when valid); `venue`: the court and the
    organisation the data names, when already read (None for one not named or not found)."""
    errors: dict[str, list[str]] = {}
    kind = data["kind"]
    _check_venue(data, errors, venue)
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


def _check_venue(data: dict, errors: dict, venue: tuple[Court | None, MediationOrganization | None] | None) -> None:
    court_id, org_id = data.get("court_id"), data.get("org_id")
    if data["kind"] == "litigation" and court_id is None:
        errors["court_id"] = ["A litigation filing names the court."]
    if data["kind"] == "mediation" and court_id is None and org_id is None:
        errors["org_id"] = ["A mediation names an organisation or a court."]
    if court_id is not None:
        court = venue[0] if venue is not None else db.session.get(Court, court_id)
        if court is None or not court.active:
            errors["court_id"] = ["No such court."]
        _keep(court)
    if org_id is not None:
        org = venue[1] if venue is not None else db.session.get(MediationOrganization, org_id)
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


def _build(
    *, actor: Principal, data: dict, creation_key: str | None, filed_via: str
) -> tuple[Case, list[PartyRow], list[ConsentRow]]:
    """Write the case, its parties, the filer's consents and the `case.filed` entry (app/cases/filed_rows.py: one
    statement on PostgreSQL); the case is then in the session, the rest plain rows."""
    now = clock.now()
    review_days = settings.cases().filing_review_days
    case = Case(  # every column given: the case joins the session without a flush and nothing is read back
        id=new_id(),
        kind=data["kind"],
        status=case_lifecycle.INITIAL,
        court_id=data.get("court_id"),
        org_id=data.get("org_id"),
        category=data["category"],
        title=data["title"].strip(),
        claims=data["claims"].strip(),
        facts=data["facts"].strip(),
        amount=data.get("amount"),
        case_number=None,
        filed_by_user_id=actor.user_id,
        filed_via=filed_via,
        creation_key=creation_key,
        submitted_at=now,
        review_due_at=now + dt.timedelta(days=review_days) if data["kind"] == "litigation" else None,
        accepted_at=None,
        closed_at=None,
        origin_case_id=None,
        mediator_user_id=None,
        outcome=None,
        concluded_at=None,
        concluded_on_working_day=None,
        filed_off_hours=case_lifecycle.filed_off_hours(now),
        created_at=now,
        updated_at=now,
    )
    filer_party = None
    parties = []
    for party_data in data["parties"]:
        party = build_party(case, party_data, user_id=actor.user_id if party_data.get("is_self") else None, now=now)
        parties.append(party)
        if party_data.get("is_self"):
            filer_party = party
    consents = _consents(case, filer_party, data, actor=actor, now=now) if filer_party is not None else []
    entry = timeline.new_entry(
        case,
        "case.filed",
        actor=actor,
        actor_role=_role(actor, filed_via),
        to_status=case.status,
        summary=message("%(kind)s filed: %(title)s", kind=label("case.kind", case.kind), title=case.title),
    )
    filed_rows.write(db.session(), case, parties, consents, entry)
    return case, parties, consents


def _role(actor: Principal, filed_via: str) -> str:
    if filed_via == "hotline":
        return "hotline_operator"
    return "lawyer" if permissions.is_verified_lawyer(actor) and filed_via == "lawyer" else "party"


def build_party(case: Case, data: dict, *, user_id: uuid.UUID | None, now: dt.datetime) -> PartyRow:
    """A party's row with phone and ID number encrypted and blind-indexed; joined at once when it is the filer."""
    name = data["name"].strip()
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is not None and user.verification_status == "verified" and user.real_name:
            name = user.real_name  # a verified filer is named as verified
    phone_enc = phone_index = id_number_enc = id_number_index = None
    if data.get("phone"):
        phone = pii.normalize_phone(data["phone"])
        phone_enc, phone_index = pii.encrypt(phone, field="phone"), pii.blind_index(phone, field="phone")
    if data.get("id_number"):
        number = idcard.clean(data["id_number"])
        id_number_enc = pii.encrypt(number, field="id_number")
        id_number_index = pii.blind_index(number, field="id_number")
    return PartyRow(
        id=new_id(),
        case_id=case.id,
        role=data["role"],
        party_type=data.get("party_type", "person"),
        name=name,
        phone_enc=phone_enc,
        phone_index=phone_index,
        id_number_enc=id_number_enc,
        id_number_index=id_number_index,
        org_code=data.get("org_code"),
        address=data.get("address"),
        user_id=user_id,
        joined_at=now if user_id else None,
        domicile_abroad=False,
        created_at=now,
        updated_at=now,
    )


def _consents(case: Case, party: PartyRow, data: dict, *, actor: Principal, now: dt.datetime) -> list[ConsentRow]:
    consents = data.get("consents") or {}
    given = bool(consents.get("e_service"))
    address = data.get("service_address") or "mini-program inbox"
    kinds = [("e_service", given, address, given)]  # kind, given, address, address confirmed
    if case.kind == "mediation":
        kinds.append(("online_mediation", bool(consents.get("online_mediation")), None, False))
    return [
        ConsentRow(
            id=new_id(),
            case_id=case.id,
            party_id=party.id,
            kind=kind,
            given=given,
            address=address,
            address_confirmed=confirmed,
            method="filing_form",
            recorded_by=actor.user_id,
            given_at=now,
            withdrawn_at=None,
            created_at=now,
            updated_at=now,
        )
        for kind, given, address, confirmed in kinds
    ]
