"""Reading cases: the caller's list, a case's detail (other people's PII masked) and its timeline."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, Select, bindparam, literal, select, union_all
from sqlalchemy.orm import aliased

from app.cases import access as case_access
from app.cases import detail_sections, filing, timeline
from app.cases.models import Case, CaseAgent, CaseConsent, CaseParty, CorrectionRequest
from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE
from app.identity import Court, MediationOrganization, User
from app.platform.pagination import Page, merged_branch, newest_first_merged, rows_by_id
from app.security import permissions, pii
from app.security.permissions import CaseFacts, Principal


def list_cases(
    *, actor: Principal, status: str | None, kind: str | None, cursor: str | None, limit: int | None
) -> Page:
    """Cases where the caller is a party, an agent, the mediator, the filer, or staff of the court/org."""
    if not permissions.is_user(actor):
        return Page(items=[], next_cursor=None)
    courts = permissions.staff_court_ids(actor)
    orgs = [org_id for org_id in actor.org_roles if permissions.is_org_admin(actor, org_id)]
    branches, load = _list_statements(bool(status), bool(kind), bool(courts), bool(orgs), bool(cursor))
    parameters = {"me": actor.user_id, "status": status, "kind": kind, "courts": list(courts), "orgs": orgs}
    return newest_first_merged(branches, load, parameters, cursor=cursor, limit=limit)


@functools.cache
def _list_statements(status: bool, kind: bool, courts: bool, orgs: bool, after: bool) -> tuple[tuple[Select], Select]:
    """The list's branches for one shape of request, built once with bound parameters (issue 18, session 6)."""
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
    # Every branch's top-N in one statement (issue 18, session 7: 4 to 6 statements were 1 each): UNION ALL of the
    # branches, each its own subquery (its own index, order and limit); merged and de-duplicated as before.
    tops = [branch.subquery(f"relation_{number}") for number, branch in enumerate(built)]
    related = union_all(*(select(top.c.created_at, top.c.id) for top in tops)).subquery("related")
    return (select(related.c.created_at, related.c.id),), rows_by_id(Case, Case.id)


def case_detail(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The case as this caller may see it: the case with its court, organisation, open correction and parties in
    one statement, then its agents; the permission facts come from these two (issue 18: not read a third time)."""
    rows = db.session.execute(_DETAIL_QUERY, {"case_id": case_id}).all()
    if not rows:
        raise case_access.not_found()
    case, court, org, correction, _party = rows[0]
    parties = [row[4] for row in rows if row[4] is not None]
    agents = db.session.execute(_AGENTS_QUERY, {"case_id": case.id}).all()
    facts = case_access.facts_of(case, parties, agents=[row[0] for row in agents])
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
    facts = case_access.facts_of(case, filed.parties)
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
        next_session=None,
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
    case: Case,
    facts: CaseFacts,
    *,
    actor: Principal,
    venue: tuple[Court | None, MediationOrganization | None],
    parties: list[CaseParty],
    correction: CorrectionRequest | None,
    agents: Sequence[Row],
) -> dict:
    """The detail once the case's own rows are in hand: the caller's consents and every count in one statement,
    the next session (and the deadlines, in `_view`)."""
    mine = permissions.parties_of(actor, facts)
    consents, counts = _consents_and_counts(case, facts, actor, mine)
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
        next_session=detail_sections.section("next_session", case, facts, actor),
        counts=counts,
    )


def _view(
    case: Case,
    facts: CaseFacts,
    *,
    actor: Principal,
    venue: tuple[Court | None, MediationOrganization | None],
    parties: list[CaseParty],
    mine: set[uuid.UUID],
    correction: CorrectionRequest | None,
    agents: list[dict],
    consents: list[CaseConsent],
    next_session: object,
    counts: dict[str, int],
) -> dict:
    """The detail from its parts (the deadlines are asked for here: a new case's cost no statement)."""
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
        "next_session": next_session,
        "deadlines": detail_sections.section("deadlines", case, facts, actor),
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
)


def _party_view(party: CaseParty, *, actor: Principal, represented: bool) -> dict:
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


def _agent_views(rows: Sequence[Row]) -> list[dict]:
    return [
        {
            "id": agent.id,
            "party_id": agent.party_id,
            "lawyer_name": real or display,
            "status": agent.status,
            "authority": agent.authority,
        }
        for agent, real, display in rows
    ]


def _consents_and_counts(
    case: Case, facts: CaseFacts, actor: Principal, mine: set[uuid.UUID]
) -> tuple[list[CaseConsent], dict[str, int]]:
    """The consents of the caller's parties and the detail's counts (detail_sections.COUNTS) in one statement."""
    columns = detail_sections.count_columns(facts, actor)
    read = tuple(column for column in columns.values() if column is not None)
    if not mine and not read:
        return [], dict.fromkeys(columns, 0)
    parameters = {"case_id": case.id, "party_ids": list(mine)}
    found = db.session.execute(_consents_and_counts_query(bool(mine), read), parameters).all()
    values = iter(found[0][1:] if mine else found[0])  # the consent (or None) first, when there are consents
    counts = {name: int(next(values) or 0) if column is not None else 0 for name, column in columns.items()}
    return [row[0] for row in found if row[0] is not None] if mine else [], counts


_SHAPES: dict[tuple[bool, tuple[int, ...]], tuple[Select, tuple[ColumnElement[int], ...]]] = {}


def _consents_and_counts_query(consents: bool, columns: tuple[ColumnElement[int], ...]) -> Select:
    """Built once per shape (the counts' columns are built once by their providers); the consents joined to one
    row, so the counts come back when the caller has no consent (and alone when the caller has no party)."""
    key = (consents, tuple(id(column) for column in columns))
    if key not in _SHAPES:
        query: Select = select(*columns)
        if consents:
            query = (
                select(CaseConsent, *columns)
                .select_from(_ONE_ROW)
                .outerjoin(
                    CaseConsent,
                    (CaseConsent.case_id == bindparam("case_id"))
                    & CaseConsent.party_id.in_(bindparam("party_ids", expanding=True)),
                )
                .order_by(CaseConsent.given_at, CaseConsent.id)  # ties (one filing's consents) in creation order
            )
        _SHAPES[key] = (query, columns)  # the columns kept with it: their ids stay theirs
    return _SHAPES[key][0]


# The detail's statements are built once with bound parameters, not per call: building a statement and its cache
# key cost about as much CPU as running it (issue 18, session 6; tests/integration/test_read_path_built_once.py).
_ONE_ROW = select(literal(1).label("one")).subquery("one_row")
_OPEN = aliased(CorrectionRequest, name="open_correction")
_OPEN_CORRECTION_ID = (  # the newest unanswered correction
    select(_OPEN.id)
    .where(_OPEN.case_id == Case.id, _OPEN.answered_at.is_(None))
    .order_by(_OPEN.created_at.desc())
    .limit(1)
    .correlate(Case)
    .scalar_subquery()
)
_DETAIL_QUERY = (  # one row per party, in id order (the case, court, organisation and correction on each)
    select(Case, Court, MediationOrganization, CorrectionRequest, CaseParty)
    .outerjoin(Court, Court.id == Case.court_id)
    .outerjoin(MediationOrganization, MediationOrganization.id == Case.org_id)
    .outerjoin(CorrectionRequest, CorrectionRequest.id == _OPEN_CORRECTION_ID)
    .outerjoin(CaseParty, CaseParty.case_id == Case.id)
    .where(Case.id == bindparam("case_id"))
    .order_by(CaseParty.id)
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
_AGENTS_QUERY = (
    select(CaseAgent, User.real_name, User.display_name)
    .join(User, User.id == CaseAgent.lawyer_user_id)
    .where(CaseAgent.case_id == bindparam("case_id"), CaseAgent.status.in_(("active", "pending_confirmation")))
)


def case_timeline(*, case_id: uuid.UUID, actor: Principal, language: str = DEFAULT_LANGUAGE) -> list[dict]:
    """The append-only history of a case, its words in the reader's language (stored facts rendered now)."""
    case, _facts = case_access.load(case_id, actor=actor)
    return [timeline.read(event, language) for event in timeline.events_for(case)]
