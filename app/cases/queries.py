"""Reading cases: the caller's list, a case's detail (other people's PII masked) and its timeline."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Select, bindparam, literal, select
from sqlalchemy.orm import Bundle, aliased

from app.cases import access as case_access
from app.cases import detail_sections, filing, timeline
from app.cases.models import Case, CaseAgent, CaseConsent, CaseParty, CorrectionRequest
from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE
from app.identity import Court, MediationOrganization, User
from app.platform.pagination import Page, merged_branch, merged_page, newest_first_page
from app.security import permissions, pii
from app.security.permissions import CaseFacts, Principal

_LISTED = ("id", "kind", "status", "case_number", "category", "title", "submitted_at", "court_id", "org_id")


def list_cases(
    *, actor: Principal, status: str | None, kind: str | None, cursor: str | None, limit: int | None
) -> Page:
    """Cases where the caller is a party, an agent, the mediator, the filer, or staff of the court/org."""
    if not permissions.is_user(actor):
        return Page(items=[], next_cursor=None)
    courts = permissions.staff_court_ids(actor)
    orgs = [org_id for org_id in actor.org_roles if permissions.is_org_admin(actor, org_id)]
    statement = _list_statement(bool(status), bool(kind), bool(courts), bool(orgs), bool(cursor))
    parameters = {"me": actor.user_id, "status": status, "kind": kind, "courts": list(courts), "orgs": orgs}
    return newest_first_page(statement, parameters, cursor=cursor, limit=limit)


@functools.cache
def _list_statement(status: bool, kind: bool, courts: bool, orgs: bool, after: bool) -> Select:
    """The list for one shape of request, built once with bound parameters (issue 18, session 6)."""
    pairs = select(Case.created_at, Case.id)
    if status:
        pairs = pairs.where(Case.status == bindparam("status"))
    if kind:
        pairs = pairs.where(Case.kind == bindparam("kind"))
    me = bindparam("me", type_=Case.mediator_user_id.type)
    branches = [  # the relations of permissions.case_relations, each through its own index
        pairs.where(Case.id.in_(select(CaseParty.case_id).where(CaseParty.user_id == me))),
        pairs.where(
            Case.id.in_(select(CaseAgent.case_id).where(CaseAgent.lawyer_user_id == me, CaseAgent.status == "active"))
        ),
        pairs.where(Case.mediator_user_id == me),
        pairs.where(Case.filed_by_user_id == me, Case.filed_via != "hotline"),
    ]
    if courts:
        branches.append(pairs.where(Case.court_id.in_(bindparam("courts", expanding=True))))
    if orgs:
        branches.append(pairs.where(Case.org_id.in_(bindparam("orgs", expanding=True))))
    built = [merged_branch(branch, at_column=Case.created_at, id_column=Case.id, after=after) for branch in branches]
    # Every branch's top-N (its own index, order and limit) in one UNION ALL (issue 18, session 7: 4 to 6 statements
    # were 1 each), merged, de-duplicated and cut to the page in the database, and the page's cases read in the same
    # statement (session 11: they were a statement of their own). They are a Bundle of the listed fields
    # (CaseSummaryOut's), not Case objects: the list only shows their values (session 10).
    return merged_page(
        built, Bundle("case", *(getattr(Case, name) for name in _LISTED)), at_column=Case.created_at, id_column=Case.id
    )


def case_detail(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The case as this caller may see it: the case with its court, organisation, open correction, parties and
    their agents in one statement, the permission facts from it (issue 18: not read a second time). Read as
    columns, not ORM objects (issue 18, session 10): the answer needs only their values."""
    rows = db.session.execute(_DETAIL_QUERY, {"case_id": case_id}).all()
    if not rows:
        raise case_access.not_found()
    first = rows[0]
    case = _CaseValues._make(first[:_COURT_AT])
    court = _Court._make(first[_COURT_AT:_ORG_AT]) if first[_COURT_AT] is not None else None
    org = _Org._make(first[_ORG_AT:_CORRECTION_AT]) if first[_ORG_AT] is not None else None
    correction = _Correction._make(first[_CORRECTION_AT:_PARTY_AT]) if first[_CORRECTION_AT] is not None else None
    parties: list[_Party] = []
    agents: list[_Agent] = []
    for row in rows:  # a row per party and agent of that party (a party without one once, its agent's columns None)
        if row[_PARTY_AT] is not None and (not parties or parties[-1].id != row[_PARTY_AT]):
            parties.append(_Party._make(row[_PARTY_AT:_AGENT_AT]))
        if row[_AGENT_AT] is not None:
            agents.append(_Agent._make(row[_AGENT_AT:]))
    agents.sort(key=lambda agent: (agent.created_at, agent.id))  # in the order they were appointed
    # facts_of reads only these columns' values (the rows stand in for the Case, CaseParty and CaseAgent)
    facts = case_access.facts_of(cast(Case, case), cast(list[CaseParty], parties), agents=cast(list[CaseAgent], agents))
    if not permissions.may_read_case(actor, facts):
        raise case_access.not_found()
    return _describe_rest(
        case, facts, actor=actor, venue=(court, org), parties=parties, correction=correction, agents=agents
    )


def describe_loaded(case: Case, *, actor: Principal) -> dict:
    """`case_detail` of a case this request already holds (e.g. just filed): its facts are read, not the case.

    A case this request filed, its transaction still open, is described from the rows the filing wrote: the same
    answer as reading them (`filing.just_filed` says why), without the nine reads (issue 18, session 7)."""
    filed = filing.just_filed(case)
    if filed is None:
        facts = case_access.facts_for(case)
        if not permissions.may_read_case(actor, facts):
            raise case_access.not_found()
        return describe(case, facts, actor=actor)
    facts = case_access.facts_of(case, cast(list[CaseParty], filed.parties))  # reads only the columns
    if not permissions.may_read_case(actor, facts):
        raise case_access.not_found()
    mine = permissions.parties_of(actor, facts)
    return _view(
        case,
        facts,
        actor=actor,
        venue=(filed.court, filed.org),
        parties=sorted(filed.parties, key=lambda party: party.id),  # in id order, as the detail's statements give them
        mine=mine,
        correction=None,
        agents=[],
        consents=sorted((c for c in filed.consents if c.party_id in mine), key=lambda consent: consent.given_at),
        sections={
            "next_session": None,
            "deadlines": _alone(case, detail_sections.section("deadlines", case, facts, actor)),
        },
        counts={"evidence": 0, "documents": 0},
    )


def describe(
    case: Case,
    facts: CaseFacts,
    *,
    actor: Principal,
    venue: tuple[Court | None, MediationOrganization | None] | None = None,
) -> dict:
    """Build the detail view (used after writes too); `venue` is the case's court and organisation when in hand."""
    if venue is None:
        court = db.session.get(Court, case.court_id) if case.court_id else None
        org = db.session.get(MediationOrganization, case.org_id) if case.org_id else None
        venue = (court, org)
    rows = db.session.execute(_PARTIES_AND_CORRECTION_QUERY, {"case_id": case.id}).all()
    parties = [party for party, _correction in rows if party is not None]
    correction = rows[0][1]
    agents = db.session.execute(_AGENTS_QUERY, {"case_id": case.id}).all()
    return _describe_rest(case, facts, actor=actor, venue=venue, parties=parties, correction=correction, agents=agents)


def _describe_rest(
    case: Any,
    facts: CaseFacts,
    *,
    actor: Principal,
    venue: tuple[Any, Any],
    parties: Sequence[Any],
    correction: Any,
    agents: Sequence[Any],
) -> dict:
    """The detail once the case's own rows are in hand: the caller's consents, every count and the sections read
    with them (the next session, the deadlines) in one statement."""
    mine = permissions.parties_of(actor, facts)
    consents, counts, sections = _shared_reads(case, facts, actor, mine)
    return _view(
        case,
        facts,
        actor=actor,
        venue=venue,
        parties=parties,
        mine=mine,
        correction=correction,
        agents=_agent_views(agents),
        consents=consents,
        sections=sections,
        counts=counts,
    )


def _view(
    case: Any,
    facts: CaseFacts,
    *,
    actor: Principal,
    venue: tuple[Any, Any],
    parties: Sequence[Any],
    mine: set[uuid.UUID],
    correction: Any,
    agents: list[dict],
    consents: Sequence[Any],
    sections: dict[str, Any],
    counts: dict[str, int],
) -> dict:
    """The detail from its parts. `case` is the Case or its columns (CASE_COLUMNS), a party a CaseParty or its
    columns (_Party), the court, organisation, correction and consents likewise: only their values are read."""
    court, org = venue
    return {
        **{name: getattr(case, name) for name in _CASE_FIELDS},
        "court": court,
        "org": org,
        "parties": [_party_view(party, actor=actor, represented=party.id in mine) for party in parties],
        "agents": agents,
        "my_relations": sorted(permissions.case_relations(actor, facts)),
        "my_party_ids": sorted(mine),
        "open_correction": correction,
        "consents": consents,
        "next_session": sections["next_session"],
        "deadlines": sections["deadlines"],
        "counts": counts,
    }


_CASE_FIELDS = (
    "id",
    "kind",
    "status",
    "case_number",
    "category",
    "title",
    "claims",
    "facts",
    "amount",
    "filed_via",
    "submitted_at",
    "review_due_at",
    "accepted_at",
    "closed_at",
    "origin_case_id",
    "mediator_user_id",
    "court_id",  # the venue's ids, None when none: on the case's row (or its columns) already, so no read
    "org_id",
)


class _CaseValues(NamedTuple):  # the case's columns the detail reads: its fields and the permission facts'
    id: uuid.UUID
    kind: str
    status: str
    case_number: str | None
    category: str
    title: str
    claims: str
    facts: str
    amount: Decimal | None
    filed_via: str
    submitted_at: dt.datetime
    review_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    closed_at: dt.datetime | None
    origin_case_id: uuid.UUID | None
    mediator_user_id: uuid.UUID | None
    court_id: uuid.UUID | None
    org_id: uuid.UUID | None
    filed_by_user_id: uuid.UUID


CASE_COLUMNS = tuple(getattr(Case, name) for name in _CaseValues._fields)


class _Court(NamedTuple):
    id: uuid.UUID
    name: str
    code: str


class _Org(NamedTuple):  # no code: an organisation's venue has none (VenueOut leaves it out)
    id: uuid.UUID
    name: str


class _Correction(NamedTuple):
    id: uuid.UUID
    items: list[str]
    note: str | None
    due_at: dt.datetime


class _Party(NamedTuple):
    id: uuid.UUID
    role: str
    party_type: str
    name: str
    phone_enc: str | None
    id_number_enc: str | None
    user_id: uuid.UUID | None


class _Agent(NamedTuple):
    id: uuid.UUID
    party_id: uuid.UUID
    lawyer_user_id: uuid.UUID
    status: str
    authority: str
    real_name: str | None
    display_name: str | None
    created_at: dt.datetime


class _Consent(NamedTuple):
    id: uuid.UUID
    party_id: uuid.UUID
    kind: str
    given: bool
    address: str | None
    address_confirmed: bool
    method: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None


def _party_view(party: Any, *, actor: Principal, represented: bool) -> dict:
    """A party with PII unmasked only for that party and their lawyer."""
    phone = pii.decrypt(party.phone_enc, field="phone") if party.phone_enc else None
    number = pii.decrypt(party.id_number_enc, field="id_number") if party.id_number_enc else None
    return {
        "id": party.id,
        "role": party.role,
        "party_type": party.party_type,
        "name": party.name,
        "phone": phone if represented else pii.mask_phone(phone),
        "id_number": number if represented else pii.mask_id_number(number),
        "joined": party.user_id is not None,
        "is_me": actor.user_id is not None and party.user_id == actor.user_id,
    }


def _agent_views(rows: Sequence[Any]) -> list[dict]:
    return [
        {
            "id": agent.id,
            "party_id": agent.party_id,
            "lawyer_name": agent.real_name or agent.display_name,
            "status": agent.status,
            "authority": agent.authority,
        }
        for agent in rows
    ]


_FOLDABLE = ("next_session", "deadlines")  # the sections whose providers may answer with a Read


def _shared_reads(
    case: Any, facts: CaseFacts, actor: Principal, mine: set[uuid.UUID]
) -> tuple[list[Any], dict[str, int], dict[str, Any]]:
    """The consents of the caller's parties, the detail's counts (detail_sections.COUNTS) and the sections whose
    providers answer with a Read (the next session, the deadlines), in one statement."""
    columns = detail_sections.count_columns(facts, actor)
    read = tuple(column for column in columns.values() if column is not None)
    sections = {name: detail_sections.section(name, case, facts, actor) for name in _FOLDABLE}
    reads = {name: part for name, part in sections.items() if isinstance(part, detail_sections.Read)}
    if not mine and not read and not reads:
        return [], dict.fromkeys(columns, 0), sections
    parameters: dict[str, Any] = {"case_id": case.id, "party_ids": list(mine)}
    for part in reads.values():
        parameters.update(part.parameters)
    query = _shared_query(bool(mine), read, tuple(part.fold for part in reads.values()))
    found = db.session.execute(query, parameters).all()
    first = found[0]
    at = len(_CONSENT_COLUMNS) if mine else 0  # the consent (or Nones) first, when there are consents
    values = iter(first[at : at + len(read)])
    counts = {name: int(next(values) or 0) if column is not None else 0 for name, column in columns.items()}
    at += len(read)
    for name, part in reads.items():
        width = len(part.fold.columns)
        sections[name] = part.value(first[at : at + width])
        at += width
    consents = [_Consent._make(row[: len(_CONSENT_COLUMNS)]) for row in found if row[0] is not None] if mine else []
    return consents, counts, sections


def _alone(case: Any, part: Any) -> Any:
    """A section's value when no shared statement is run (a case just filed): a Read is read on its own."""
    if not isinstance(part, detail_sections.Read):
        return part
    found = db.session.execute(_shared_query(False, (), (part.fold,)), {"case_id": case.id, **part.parameters})
    return part.value(found.one())


_SHAPES: dict[tuple[bool, tuple[int, ...], tuple[int, ...]], tuple[Select, tuple[object, ...]]] = {}


def _shared_query(
    consents: bool, columns: tuple[ColumnElement[int], ...], folds: tuple[detail_sections.Fold, ...]
) -> Select:
    """Built once per shape (the counts' columns and the sections' Folds are built once by their providers); the
    consents and each Fold's rows outer-joined to one row, so the counts come back when the caller has no consent
    (and alone when the caller has no party)."""
    key = (consents, tuple(id(column) for column in columns), tuple(id(fold) for fold in folds))
    if key not in _SHAPES:
        folded = [column for fold in folds for column in fold.columns]
        query: Select = select(*(_CONSENT_COLUMNS if consents else ()), *columns, *folded).select_from(_ONE_ROW)
        if consents:
            query = query.outerjoin(
                CaseConsent,
                (CaseConsent.case_id == bindparam("case_id"))
                & CaseConsent.party_id.in_(bindparam("party_ids", expanding=True)),
            )
        for fold in folds:
            for target, on in fold.joins:
                query = query.outerjoin(target, on)
        if consents:
            query = query.order_by(CaseConsent.given_at, CaseConsent.id)  # ties (one filing's) in creation order
        _SHAPES[key] = (query, (*columns, *folds))  # the columns and Folds kept with it: their ids stay theirs
    return _SHAPES[key][0]


# The detail's statements are built once with bound parameters, not per call: building a statement and its cache
# key cost about as much CPU as running it (issue 18, session 6; tests/integration/test_read_path_built_once.py).
_ONE_ROW = select(literal(1).label("one")).subquery("one_row")
_CONSENT_COLUMNS = tuple(getattr(CaseConsent, name) for name in _Consent._fields)
_OPEN = aliased(CorrectionRequest, name="open_correction")
_OPEN_CORRECTION_ID = (  # the newest unanswered correction
    select(_OPEN.id)
    .where(_OPEN.case_id == Case.id, _OPEN.answered_at.is_(None))
    .order_by(_OPEN.created_at.desc())
    .limit(1)
    .correlate(Case)
    .scalar_subquery()
)
_COURT_COLUMNS = (Court.id.label("court_id_"), Court.name.label("court_name"), Court.code.label("court_code"))
_ORG_COLUMNS = (MediationOrganization.id.label("org_id_"), MediationOrganization.name.label("org_name"))
_CORRECTION_COLUMNS = tuple(
    getattr(CorrectionRequest, name).label(f"correction_{name}") for name in _Correction._fields
)
_PARTY_COLUMNS = tuple(getattr(CaseParty, name).label(f"party_{name}") for name in _Party._fields)
_COURT_AT = len(CASE_COLUMNS)
_ORG_AT = _COURT_AT + len(_COURT_COLUMNS)
_CORRECTION_AT = _ORG_AT + len(_ORG_COLUMNS)
_PARTY_AT = _CORRECTION_AT + len(_CORRECTION_COLUMNS)
_AGENT_COLUMNS = (  # in _Agent's order
    CaseAgent.id.label("agent_id"),
    CaseAgent.party_id.label("agent_party_id"),
    CaseAgent.lawyer_user_id.label("agent_lawyer_user_id"),
    CaseAgent.status.label("agent_status"),
    CaseAgent.authority.label("agent_authority"),
    User.real_name.label("agent_real_name"),
    User.display_name.label("agent_display_name"),
    CaseAgent.created_at.label("agent_created_at"),
)
_AGENT_AT = _PARTY_AT + len(_PARTY_COLUMNS)
_LISTED_AGENTS = ("active", "pending_confirmation")
# One row per party and its listed agent (active or awaiting confirmation; a party without one once), parties in id
# order (the case, court, organisation and correction on each): the agents were a statement of their own before
# session 10 of issue 18.
_DETAIL_QUERY = (
    select(*CASE_COLUMNS, *_COURT_COLUMNS, *_ORG_COLUMNS, *_CORRECTION_COLUMNS, *_PARTY_COLUMNS, *_AGENT_COLUMNS)
    .select_from(Case)
    .outerjoin(Court, Court.id == Case.court_id)
    .outerjoin(MediationOrganization, MediationOrganization.id == Case.org_id)
    .outerjoin(CorrectionRequest, CorrectionRequest.id == _OPEN_CORRECTION_ID)
    .outerjoin(CaseParty, CaseParty.case_id == Case.id)
    .outerjoin(
        CaseAgent,
        (CaseAgent.case_id == Case.id) & (CaseAgent.party_id == CaseParty.id) & CaseAgent.status.in_(_LISTED_AGENTS),
    )
    .outerjoin(User, User.id == CaseAgent.lawyer_user_id)
    .where(Case.id == bindparam("case_id"))
    .order_by(CaseParty.id, CaseAgent.created_at, CaseAgent.id)
)
_PARTIES_AND_CORRECTION_QUERY = (  # describe's: one row per party (at least one row), the correction on each
    select(CaseParty, CorrectionRequest)
    .select_from(_ONE_ROW)
    .outerjoin(CaseParty, CaseParty.case_id == bindparam("case_id"))
    .outerjoin(
        CorrectionRequest,
        CorrectionRequest.id
        == (
            select(_OPEN.id)
            .where(_OPEN.case_id == bindparam("case_id"), _OPEN.answered_at.is_(None))
            .order_by(_OPEN.created_at.desc())
            .limit(1)
            .scalar_subquery()
        ),
    )
    .order_by(CaseParty.id)
)
_AGENTS_QUERY = (  # columns, not the CaseAgent: the facts (access.facts_of) and the view read only these
    select(
        CaseAgent.id,
        CaseAgent.party_id,
        CaseAgent.lawyer_user_id,
        CaseAgent.status,
        CaseAgent.authority,
        User.real_name,
        User.display_name,
    )
    .join(User, User.id == CaseAgent.lawyer_user_id)
    .where(CaseAgent.case_id == bindparam("case_id"), CaseAgent.status.in_(_LISTED_AGENTS))
    .order_by(CaseAgent.created_at, CaseAgent.id)  # in the order they were appointed, as case_detail lists them
)


def case_timeline(*, case_id: uuid.UUID, actor: Principal, language: str = DEFAULT_LANGUAGE) -> list[dict]:
    """The append-only history of a case, its words in the reader's language (stored facts rendered now)."""
    case, _facts = case_access.load(case_id, actor=actor)
    return [timeline.read(event, language) for event in timeline.events_for(case)]
