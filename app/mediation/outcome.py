"""The outcome of a mediation: settled (the agreement drafted from a template, with its SHA-256) or failed.

Signing the agreement lives in mediation_agreement.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, Uuid, bindparam, func, insert, select, update

from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import message
from app.identity import Court, MediationOrganization
from app.legal import calendar
from app.mediation import assignment as mediation_assignment
from app.mediation import case_facts
from app.mediation import delegation as mediation_delegation
from app.mediation.models import AgreementSignature, MediationAgreement, MediatorProfile
from app.platform import pending_rows
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock
from app.utils.clock import SHANGHAI
from app.utils.ids import new_id

TEMPLATE = "people_mediation_v1"
ROLE_LABELS = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
AGREEMENT_TEXT = """人民调解协议书

调解组织：{venue}
案由：{category}
纠纷事项：{title}

当事人：
{parties}

经调解，各方当事人在平等协商、互谅互让的基础上自愿达成如下协议：
{terms}

本协议自各方当事人签署之日起生效。各方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。

调解员：{mediator}
日期：{date}
"""


class SignatureRow(NamedTuple):
    """The columns of a signature an agreement's answer shows (SIGNATURE_COLUMNS, in this order): a signature read
    or written as a plain row, without an ORM object (issue 18)."""

    id: uuid.UUID
    party_id: uuid.UUID
    signed_at: dt.datetime
    agreement_sha256: str
    signature_evidence_id: uuid.UUID | None


class PartyRow(NamedTuple):
    """The columns of a party the signing and its answer read (PARTY_COLUMNS, in this order): read as a plain row,
    not an ORM object (issue 18)."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    party_type: str
    name: str
    role: str


PARTY_COLUMNS = (CaseParty.id, CaseParty.user_id, CaseParty.party_type, CaseParty.name, CaseParty.role)
SIGNATURE_COLUMNS = (
    AgreementSignature.id,
    AgreementSignature.party_id,
    AgreementSignature.signed_at,
    AgreementSignature.agreement_sha256,
    AgreementSignature.signature_evidence_id,
)


def sha256_of(text: str) -> str:
    """The SHA-256 (hex) of the agreement text as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_agreement(case: Case, *, terms: str, at: dt.datetime) -> str:
    """The agreement text: venue, parties by name and role, the agreed terms, mediator and date."""
    return _render(case, terms=terms, at=at)[0]


def _render(case: Case, *, terms: str, at: dt.datetime) -> tuple[str, list[PartyRow]]:
    """The agreement text and every party of the case, in one statement: the parties (plain rows, not ORM
    entities: issue 18), with the organisation's and the court's names and the mediator's directory name as scalar
    subqueries (built once)."""
    names = {"org_id": case.org_id, "court_id": case.court_id, "mediator_user_id": case.mediator_user_id}
    rows: Sequence[Any] = db.session.execute(_RENDER_QUERY, {"case_id": case.id, **names}).all()
    if rows:
        org, court, mediator = rows[0][_NAMES_AT:]
    else:  # a case always has parties; the names alone if not
        org, court, mediator = db.session.execute(_NAMES_QUERY, names).one()
    parties = [PartyRow(*row[:_NAMES_AT]) for row in rows]
    venue = "；".join(name for name in (org, court) if name)
    lines = "\n".join(f"{ROLE_LABELS.get(p.role, p.role)}：{p.name}" for p in parties)
    local = clock.as_utc(at).astimezone(SHANGHAI)
    text = AGREEMENT_TEXT.format(
        venue=venue,
        category=case.category,
        title=case.title,
        parties=lines,
        terms=terms.strip(),
        mediator=mediator or "调解员",
        date=f"{local.year}年{local.month}月{local.day}日",
    )
    return text, parties


_ORG_ID = bindparam("org_id", type_=Uuid)
_NAMES = (
    select(MediationOrganization.name).where(MediationOrganization.id == _ORG_ID).scalar_subquery(),
    select(Court.name).where(Court.id == bindparam("court_id", type_=Uuid)).scalar_subquery(),
    select(MediatorProfile.display_name)
    .where(MediatorProfile.user_id == bindparam("mediator_user_id", type_=Uuid), MediatorProfile.org_id == _ORG_ID)
    .limit(1)
    .scalar_subquery(),
)
_RENDER_QUERY = select(*PARTY_COLUMNS, *_NAMES).where(CaseParty.case_id == bindparam("case_id")).order_by(CaseParty.id)
_NAMES_AT = len(PARTY_COLUMNS)
_NAMES_QUERY = select(*_NAMES)


def _require_mediator(actor: Principal, facts: CaseFacts) -> None:
    if "mediator" not in permissions.case_relations(actor, facts):
        raise Forbidden("Only the case's mediator records the outcome.", reason="mediation.not_mediator")


def record_outcome(*, case_id: uuid.UUID, result: str, terms: str | None, reason: str | None, actor: Principal) -> dict:
    """The mediator closes the mediation: settled (the agreement is drafted) or failed (with the reason).

    Statements (issue 18): what is read after the case's lock (the calendar, the sessions to cancel, the parties
    and names of the agreement) does not flush this request's writes one by one, so the flush before the COMMIT
    writes the case, the timeline entries (one INSERT), the sessions and the agreement together; the answer is
    built from the rows in hand instead of read again after the COMMIT.
    """
    case, facts, (version, delegated) = case_facts.load_by(_CASE_FOR_OUTCOME, case_id, actor=actor)
    calendar.saw_version(version)  # the conclusion's working day reads no calendar version of its own
    if not delegated:
        mediation_delegation.known_undelegated(case)  # its end hook has no delegation to return
    _require_mediator(actor, facts)
    field, text = ("terms", terms) if result == "settled" else ("reason", reason)
    if not (text or "").strip():
        raise ValidationFailed(errors={field: [f"A {result} mediation needs its {field}."]})
    _take(case)
    mediation_assignment.start_mediation(case, actor=actor)
    case_lifecycle.transition(
        case,
        result,
        actor=actor,
        actor_role="mediator",
        reason=None if result == "settled" else reason,
        event=f"mediation.{result}",
    )
    agreement, parties = None, None
    if result == "settled":
        assert terms is not None  # checked above: a settled mediation needs its terms
        agreement, parties = _draft(case, terms=terms, actor=actor)
    db.session.flush()
    view = {
        "case_id": case.id,
        "status": case.status,
        "agreement": agreement_view(agreement, signatures=[], parties=parties) if agreement else None,
    }
    db.session.commit()
    mediation_delegation.dispatch_pending()  # a delegating court hears of the outcome at once
    return view


# Built once: the case locked with its facts, the calendar's version and whether an accepted delegation exists.
_CASE_FOR_OUTCOME = case_facts.query(
    calendar.version_column(), mediation_delegation.ACCEPTED_EXISTS.label("delegated"), lock=True
)


def _take(case: Case) -> None:
    """Make the case's status as read the one this outcome changes, on SQLite too (FOR UPDATE locks nothing there).

    A conditional UPDATE on the status read: on SQLite it waits for any writer and, if one changed the status
    meanwhile (the court's recall ending the mediation), matches nothing. The row is then read again while this
    transaction holds the write lock, so the transition checks the current status (409 `case.illegal_transition`)
    instead of overwriting the recall's. On PostgreSQL the row was read by SELECT ... FOR UPDATE in this request's
    own session, so it is locked and current, and the UPDATE (which would always match) is not sent.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return
    taken = db.session.execute(_TAKE, {"taken_case_id": case.id, "read_status": case.status, "taken_at": clock.now()})
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(case)


_TAKE = (
    update(Case)
    .where(Case.id == bindparam("taken_case_id"), Case.status == bindparam("read_status"))
    .values(updated_at=bindparam("taken_at"))
    .execution_options(synchronize_session=False)
)


class DraftedAgreement(NamedTuple):
    """An agreement just drafted, as the answer shows it (written as a plain row, not an ORM object)."""

    id: uuid.UUID
    case_id: uuid.UUID
    version: int
    template: str
    terms: str
    text: str
    sha256: str
    created_at: dt.datetime
    effective_at: dt.datetime | None


_INSERT_AGREEMENT = insert(cast(Table, MediationAgreement.__table__))


def _draft(case: Case, *, terms: str, actor: Principal) -> tuple[DraftedAgreement, list[PartyRow]]:
    with db.session.no_autoflush:  # the parties and names read do not depend on this request's pending writes
        text, parties = _render(case, terms=terms, at=clock.now())
    now = clock.now()
    agreement = DraftedAgreement(
        id=new_id(),
        case_id=case.id,
        version=1,
        template=TEMPLATE,
        terms=terms.strip(),
        text=text,
        sha256=sha256_of(text),
        created_at=now,
        effective_at=None,
    )
    # a plain row (built once), not an ORM object: nothing in the request reads it back but the answer, built
    # from the tuple (issue 18). It waits with the timeline entries (app/platform/pending_rows.py) and is written
    # with them after the case's flush: on PostgreSQL the agreement and the entries are one statement.
    row = pending_rows.Values(agreement._asdict(), updated_at=now, drafted_by=actor.user_id)
    pending_rows.add(db.session(), _INSERT_AGREEMENT, row, owner=case)
    timeline.record(
        case,
        "agreement.drafted",
        actor=actor,
        actor_role="mediator",
        summary=message("Mediation agreement drafted."),
        data={"sha256": agreement.sha256, "version": 1},
    )
    return agreement, parties


def outcome_view(case: Case) -> dict:
    """The case's mediation outcome and, when settled, its agreement."""
    agreement = db.session.scalar(select(MediationAgreement).where(MediationAgreement.case_id == case.id))
    return {"case_id": case.id, "status": case.status, "agreement": agreement_view(agreement) if agreement else None}


def agreement_of(case: Case, *, lock: bool = False) -> MediationAgreement:
    """The case's agreement (optionally locked), or 404 `agreement.not_found`."""
    agreement = db.session.scalar(_AGREEMENT_FOR_UPDATE if lock else _AGREEMENT, {"case_id": case.id})
    if agreement is None:
        raise agreement_not_found()
    return agreement


def agreement_not_found() -> NotFound:
    """The 404 of a case without a mediation agreement."""
    return NotFound("This case has no mediation agreement.", reason="agreement.not_found")


_AGREEMENT = select(MediationAgreement).where(MediationAgreement.case_id == bindparam("case_id"))
_AGREEMENT_FOR_UPDATE = _AGREEMENT.with_for_update()


def get_agreement(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The agreement as every reader of the case may see it, with who has signed."""
    case, facts = case_access.load(case_id, actor=actor)
    view = agreement_view(agreement_of(case))
    mine = {p for p, uid in facts.party_users.items() if uid == actor.user_id}
    signed = {s["party_id"] for s in view["signatures"]}
    return {**view, "my_unsigned_party_ids": sorted(mine - signed)}


def agreement_view(
    agreement: MediationAgreement | DraftedAgreement,
    *,
    signatures: Sequence[AgreementSignature | SignatureRow] | None = None,
    parties: Sequence[CaseParty | PartyRow] | None = None,
) -> dict:
    """The agreement, its hash and its signatures; from the given rows when the caller holds them all (every
    signature of the agreement, every party of its case), else read."""
    if signatures is None or parties is None:
        rows = db.session.execute(
            select(AgreementSignature, CaseParty.name, CaseParty.role)
            .join(CaseParty, CaseParty.id == AgreementSignature.party_id)
            .where(AgreementSignature.agreement_id == agreement.id)
            .order_by(AgreementSignature.signed_at, AgreementSignature.id)
        ).all()
        total = db.session.execute(
            select(func.count()).select_from(CaseParty).where(CaseParty.case_id == agreement.case_id)
        ).scalar_one()  # a count without GROUP BY always returns one row
        signed: list[tuple[AgreementSignature | SignatureRow, str, str]] = [(s, name, role) for s, name, role in rows]
    else:
        by_id = {party.id: party for party in parties}
        ordered = sorted(signatures, key=lambda s: (clock.as_utc(s.signed_at), s.id))
        signed = [(s, by_id[s.party_id].name, by_id[s.party_id].role) for s in ordered]
        total = len(parties)
    return {
        "id": agreement.id,
        "case_id": agreement.case_id,
        "version": agreement.version,
        "template": agreement.template,
        "terms": agreement.terms,
        "text": agreement.text,
        "sha256": agreement.sha256,
        "created_at": agreement.created_at,
        "effective_at": agreement.effective_at,
        "parties_total": total,
        "signatures": [
            {
                "party_id": s.party_id,
                "party_name": name,
                "role": role,
                "signed_at": s.signed_at,
                "agreement_sha256": s.agreement_sha256,
                "signature_evidence_id": s.signature_evidence_id,
            }
            for s, name, role in signed
        ],
    }


def revise_agreement(*, case_id: uuid.UUID, terms: str, actor: Principal) -> dict:
    """The mediator corrects the terms before anyone has signed (a new version with a new hash)."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    _require_mediator(actor, facts)
    agreement = agreement_of(case, lock=True)
    if signature_count(agreement) or case.status != "settled":
        raise Conflict("The agreement has been signed and can no longer change.", reason="agreement.signed")
    text = render_agreement(case, terms=terms, at=clock.now())
    agreement.terms, agreement.text, agreement.sha256 = terms.strip(), text, sha256_of(text)
    agreement.version += 1
    timeline.record(
        case,
        "agreement.revised",
        actor=actor,
        actor_role="mediator",
        summary=message("Mediation agreement revised."),
        data={"sha256": agreement.sha256, "version": agreement.version},
    )
    db.session.commit()
    return agreement_view(agreement)


def signature_count(agreement: MediationAgreement) -> int:
    """How many parties have signed the agreement."""
    query = select(func.count()).select_from(AgreementSignature).where(AgreementSignature.agreement_id == agreement.id)
    return db.session.execute(query).scalar_one()  # a count without GROUP BY always returns one row
