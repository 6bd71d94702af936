"""Who may do what: the Principal and pure predicates over it (deny by default, no I/O here).

A predicate whose True answer proves a caller is present returns TypeGuard[Principal], so a caller's
`if is_user(principal):` narrows `Principal | None` to `Principal` for the type checker.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import TypeGuard

EMPTY: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class Principal:
    """The authenticated caller: a person (with roles and memberships) or a court's machine client."""

    kind: str  # "user" | "machine"
    subject: str
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    roles: frozenset[str] = EMPTY
    court_roles: Mapping[uuid.UUID, frozenset[str]] = dataclasses.field(default_factory=dict)
    org_roles: Mapping[uuid.UUID, frozenset[str]] = dataclasses.field(default_factory=dict)
    lawyer_verified: bool = False
    real_name_verified: bool = False
    # Whether the caller has a lawyer profile at all (any status), as authentication read it; None: not known
    # (a Principal built without that read), so whoever needs the profile reads it.
    has_lawyer_profile: bool | None = None

    @property
    def scope(self) -> str:
        """A stable string naming this caller (for idempotency keys and rate limits)."""
        return f"{self.kind}:{self.subject}"

    @property
    def all_roles(self) -> frozenset[str]:
        """Platform roles plus every role held through any court or organisation."""
        held = set(self.roles)
        for roles in (*self.court_roles.values(), *self.org_roles.values()):
            held |= roles
        if self.lawyer_verified:
            held.add("lawyer")
        if self.kind == "user":
            held.add("citizen")
        return frozenset(held)


def is_user(principal: Principal | None) -> TypeGuard[Principal]:
    """A logged-in person (not a machine client)."""
    return principal is not None and principal.kind == "user" and principal.user_id is not None


def user_id_of(principal: Principal | None) -> uuid.UUID | None:
    """The logged-in person's user id; None for anonymous callers and machine clients."""
    return principal.user_id if is_user(principal) else None


def is_machine(principal: Principal | None) -> TypeGuard[Principal]:
    """A court system authenticated with client credentials."""
    return principal is not None and principal.kind == "machine"


def is_platform_admin(principal: Principal | None) -> TypeGuard[Principal]:
    """May administer the whole platform."""
    return is_user(principal) and "platform_admin" in principal.roles


def is_hotline_operator(principal: Principal | None) -> TypeGuard[Principal]:
    """Answers 12368 calls and may file on a caller's behalf."""
    return is_user(principal) and "hotline_operator" in principal.roles


def is_verified_lawyer(principal: Principal | None) -> TypeGuard[Principal]:
    """Holds a lawyer profile verified by an admin."""
    return is_user(principal) and principal.lawyer_verified


def court_roles(principal: Principal | None, court_id: uuid.UUID) -> frozenset[str]:
    """The roles the caller holds at one court (machine clients hold 'court_system' at theirs)."""
    if principal is None:
        return EMPTY
    return principal.court_roles.get(court_id, EMPTY)


def is_court_staff(principal: Principal | None, court_id: uuid.UUID, *roles: str) -> TypeGuard[Principal]:
    """Clerk or judge (or the named roles) of this court, or its machine client."""
    held = court_roles(principal, court_id)
    wanted = set(roles) if roles else {"clerk", "judge", "court_system"}
    return bool(held & wanted)


def may_serve_documents(principal: Principal | None, court_id: uuid.UUID) -> TypeGuard[Principal]:
    """Clerks and the court system of this court push documents for service and handle service work items."""
    return is_court_staff(principal, court_id, "clerk", "court_system")


def staff_court_ids(principal: Principal | None) -> list[uuid.UUID]:
    """Courts the caller works for."""
    return [] if principal is None else [cid for cid, roles in principal.court_roles.items() if roles]


def review_court_ids(principal: Principal | None) -> list[uuid.UUID]:
    """Courts whose litigation filings the caller may review (clerk, judge, or the court's machine client)."""
    return [] if principal is None else [cid for cid in principal.court_roles if is_court_staff(principal, cid)]


def org_roles(principal: Principal | None, org_id: uuid.UUID) -> frozenset[str]:
    """The roles the caller holds at one mediation organisation."""
    if principal is None:
        return EMPTY
    return principal.org_roles.get(org_id, EMPTY)


def is_org_admin(principal: Principal | None, org_id: uuid.UUID) -> TypeGuard[Principal]:
    """Administers this organisation (its own only)."""
    return is_user(principal) and "org_admin" in org_roles(principal, org_id)


def is_mediator_of(principal: Principal | None, org_id: uuid.UUID) -> TypeGuard[Principal]:
    """Mediates for this organisation."""
    return is_user(principal) and "mediator" in org_roles(principal, org_id)


def may_manage_org(principal: Principal | None, org_id: uuid.UUID) -> TypeGuard[Principal]:
    """Org admins manage their own organisation; platform admins manage all."""
    return is_platform_admin(principal) or is_org_admin(principal, org_id)


def may_manage_court_staff(principal: Principal | None, court_id: uuid.UUID) -> TypeGuard[Principal]:
    """Only platform admins add or remove court staff and machine clients."""
    return is_platform_admin(principal)


def may_read_user_pii(principal: Principal | None, user_id: uuid.UUID) -> TypeGuard[Principal]:
    """Unmasked phone and ID numbers: the owner only (staff unmasking is a separate, audited act)."""
    return is_user(principal) and principal.user_id == user_id


@dataclasses.dataclass(frozen=True)
class CaseFacts:
    """Who is connected to a case, as read from the database (the predicates below need nothing else)."""

    case_id: uuid.UUID
    court_id: uuid.UUID | None
    org_id: uuid.UUID | None
    party_users: Mapping[uuid.UUID, uuid.UUID]  # party id -> user id of the joined person
    agent_lawyers: Mapping[uuid.UUID, uuid.UUID]  # party id -> lawyer user id (active agents only)
    mediator_user_id: uuid.UUID | None = None
    filed_by_user_id: uuid.UUID | None = None
    filed_via: str = "self"


def parties_of(principal: Principal | None, facts: CaseFacts) -> set[uuid.UUID]:
    """The parties this caller is, or acts for as their lawyer."""
    user_id = user_id_of(principal)
    if user_id is None:
        return set()
    own = {pid for pid, uid in facts.party_users.items() if uid == user_id}
    represented = {pid for pid, uid in facts.agent_lawyers.items() if uid == user_id}
    return own | represented


def case_relations(principal: Principal | None, facts: CaseFacts) -> frozenset[str]:
    """Every way the caller is connected to the case (empty: the case does not exist for them)."""
    relations: set[str] = set()
    user_id = user_id_of(principal)
    if user_id is not None:
        if user_id in facts.party_users.values():
            relations.add("party")
        if user_id in facts.agent_lawyers.values():
            relations.add("agent")
        if facts.mediator_user_id is not None and user_id == facts.mediator_user_id:
            relations.add("mediator")
        if user_id == facts.filed_by_user_id and facts.filed_via != "hotline":
            relations.add("filer")  # a 12368 operator files for the caller, who takes the case over by claiming it
        if facts.org_id is not None and is_org_admin(principal, facts.org_id):
            relations.add("org_admin")
    if facts.court_id is not None and is_court_staff(principal, facts.court_id):
        relations.add("court_staff")
    return frozenset(relations)


def may_read_case(principal: Principal | None, facts: CaseFacts) -> TypeGuard[Principal]:
    """Parties, their lawyers, the mediator, the organisation's admins and the court's staff."""
    return bool(case_relations(principal, facts))


def may_act_for_party(principal: Principal | None, facts: CaseFacts, party_id: uuid.UUID) -> TypeGuard[Principal]:
    """The party's own user or their active lawyer."""
    return party_id in parties_of(principal, facts)


def is_party_user(principal: Principal | None, facts: CaseFacts, party_id: uuid.UUID) -> TypeGuard[Principal]:
    """The party's own joined user (not their lawyer): appoints, confirms and revokes the party's agents."""
    return is_user(principal) and facts.party_users.get(party_id) == principal.user_id


def is_filer_side(
    principal: Principal | None, facts: CaseFacts, filer_party_ids: set[uuid.UUID]
) -> TypeGuard[Principal]:
    """The party who brought the case (applicant/plaintiff), their lawyer, or the user who filed it."""
    return bool(parties_of(principal, facts) & filer_party_ids) or "filer" in case_relations(principal, facts)


EVIDENCE_READERS = frozenset({"party", "agent", "mediator", "court_staff"})


def may_manage_evidence(
    principal: Principal | None, facts: CaseFacts, owner_party_id: uuid.UUID
) -> TypeGuard[Principal]:
    """Upload, complete, submit and delete a party's evidence: that party's user or their lawyer."""
    return may_act_for_party(principal, facts, owner_party_id)


def may_see_submitted_evidence(principal: Principal | None, facts: CaseFacts) -> TypeGuard[Principal]:
    """Submitted evidence is for the parties, their lawyers, the mediator and the court (not org admins)."""
    return bool(case_relations(principal, facts) & EVIDENCE_READERS)


def may_view_evidence(
    principal: Principal | None, facts: CaseFacts, *, owner_party_id: uuid.UUID, submitted: bool
) -> TypeGuard[Principal]:
    """Drafts are private to their party's side; submitted items are shared with every evidence reader."""
    if may_manage_evidence(principal, facts, owner_party_id):
        return True
    return submitted and may_see_submitted_evidence(principal, facts)


def may_cross_examine(principal: Principal | None, facts: CaseFacts, owner_party_id: uuid.UUID) -> TypeGuard[Principal]:
    """Opinions (质证) come from another party of the case, or that party's lawyer."""
    return bool(parties_of(principal, facts) - {owner_party_id})


def may_review_filing(principal: Principal | None, facts: CaseFacts) -> TypeGuard[Principal]:
    """Clerks, judges and the court system of the court the case was filed at."""
    return facts.court_id is not None and is_court_staff(principal, facts.court_id)


def may_schedule_sessions(principal: Principal | None, facts: CaseFacts) -> TypeGuard[Principal]:
    """Only the case's own mediator books, moves, cancels and closes its mediation sessions."""
    return is_user(principal) and facts.mediator_user_id is not None and principal.user_id == facts.mediator_user_id


def may_invite_to_case(principal: Principal | None, facts: CaseFacts) -> TypeGuard[Principal]:
    """The case's mediator, or a clerk or judge of the case's court, issues and revokes invitations."""
    if may_schedule_sessions(principal, facts):
        return True
    return (
        is_user(principal)
        and facts.court_id is not None
        and is_court_staff(principal, facts.court_id, "clerk", "judge")
    )


def keeps_working_hours(principal: Principal | None) -> TypeGuard[Principal]:
    """Mediates for at least one organisation, so has working hours others can book into."""
    return is_user(principal) and any("mediator" in roles for roles in principal.org_roles.values())
