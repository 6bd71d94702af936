"""Staff unmasking of a party's PII (service level): who may, who gets 404, the reason, the audit event."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
from sqlalchemy import select

from app.audit import log as audit
from app.audit.models import AuditEvent
from app.cases import disclosure as pii_disclosure
from app.cases.models import Case, CaseParty, TimelineEvent
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.organization_models import OrgMembership
from app.security.permissions import Principal
from tests.support.cases import RESPONDENT_ID, file_case
from tests.support.factories import grant, make_court, make_org, make_user

REASON = "电话联系被申请人确认调解时间"


@dataclasses.dataclass
class Setting:
    court: object
    org: object
    case: Case
    respondent: CaseParty
    applicant: CaseParty
    people: dict


@pytest.fixture
def s(app, clock) -> Setting:
    """A mediation at a court and an organisation, with its mediator, and people around it."""
    court, other_court, org = make_court(), make_court(), make_org()
    people = {name: make_user() for name in ("clerk", "judge", "other_clerk", "mediator", "other_mediator")}
    people |= {name: make_user() for name in ("org_admin", "platform_admin", "hotline_operator", "lawyer")}
    grant(people["clerk"], role="clerk", court=court)
    grant(people["judge"], role="judge", court=court)
    grant(people["other_clerk"], role="clerk", court=other_court)
    grant(people["mediator"], role="mediator", org=org)
    grant(people["other_mediator"], role="mediator", org=org)
    grant(people["org_admin"], role="org_admin", org=org)
    grant(people["platform_admin"], role="platform_admin")
    grant(people["hotline_operator"], role="hotline_operator")
    grant(people["lawyer"], role="lawyer")
    people["filer"] = make_user(real_name="张三")
    case = file_case(people["filer"], court=court, org=org)
    case.mediator_user_id, case.status = people["mediator"].id, "in_mediation"
    db.session.commit()
    parties = {p.role: p for p in db.session.scalars(select(CaseParty).filter_by(case_id=case.id))}
    return Setting(court, org, case, parties["respondent"], parties["applicant"], people)


def who(s: Setting, name: str) -> Principal:
    return sessions.load_principal(s.people[name])


def disclose(s: Setting, actor: Principal, *, party=None, case_id=None, reason: str = REASON) -> dict:
    party_id = party if isinstance(party, uuid.UUID) else (party or s.respondent).id
    return pii_disclosure.disclose_party(case_id=case_id or s.case.id, party_id=party_id, reason=reason, actor=actor)


def audit_events() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "pii.unmasked").order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


@pytest.mark.parametrize("name", ["clerk", "judge", "mediator"])
def test_the_courts_clerks_and_judges_and_the_cases_mediator_see_it_in_full(s, clock, name):
    shown = disclose(s, who(s, name))
    assert shown == {
        "party_id": s.respondent.id,
        "name": "李四",
        "phone": "+8613800000009",
        "id_number": RESPONDENT_ID,
        "disclosed_at": clock(),
    }


def test_a_party_without_an_id_number_is_disclosed_with_none(s):
    shown = disclose(s, who(s, "clerk"), party=s.applicant)
    assert (shown["name"], shown["phone"], shown["id_number"]) == ("张三", "+8613800000008", None)
    assert audit_events()[0].details["fields"] == ["name", "phone"]


def _machine(s: Setting) -> Principal:
    return Principal(kind="machine", subject="mc_court", court_roles={s.court.id: frozenset({"court_system"})})


@pytest.mark.parametrize(
    "name",
    ["filer", "lawyer", "other_mediator", "org_admin", "other_clerk", "platform_admin", "hotline_operator", "machine"],
)
def test_everyone_else_gets_the_one_not_found_and_nothing_is_recorded(s, name):
    actor = _machine(s) if name == "machine" else who(s, name)
    with pytest.raises(NotFound) as refused:
        disclose(s, actor)
    assert (refused.value.reason, refused.value.message) == ("case.not_found", "No such case.")
    assert audit_events() == []


def test_unknown_case_unknown_party_and_another_cases_party_look_alike(s):
    other = file_case(make_user(real_name="王五"), court=s.court)
    elsewhere = db.session.scalar(select(CaseParty.id).filter_by(case_id=other.id, role="respondent"))
    clerk = who(s, "clerk")
    answers = []
    for case_id, party in ((uuid.uuid4(), s.respondent.id), (s.case.id, uuid.uuid4()), (s.case.id, elsewhere)):
        with pytest.raises(NotFound) as refused:
            disclose(s, clerk, case_id=case_id, party=party)
        answers.append((refused.value.reason, refused.value.message, refused.value.errors))
    assert answers == [("case.not_found", "No such case.", {})] * 3
    assert audit_events() == []


def test_the_mediator_stops_when_the_case_is_not_a_mediation_or_they_leave_the_organisation(s):
    mediator = s.people["mediator"]
    s.case.kind = "litigation"
    db.session.commit()
    with pytest.raises(NotFound):
        disclose(s, who(s, "mediator"))
    s.case.kind = "mediation"
    db.session.delete(db.session.scalar(select(OrgMembership).filter_by(user_id=mediator.id, org_id=s.org.id)))
    db.session.commit()
    with pytest.raises(NotFound):
        disclose(s, sessions.load_principal(mediator))
    assert disclose(s, who(s, "clerk"))["name"] == "李四"  # the court's staff still may


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "   ",
        "核实",
        " 核实身 ",
        "x" * 301,
        "请拨打13800000009核实",
        "ID 330206 1985 0101 0031",
        "电话１３８０００００００９",
    ],
)
def test_the_reason_is_required_trimmed_4_to_300_and_free_of_numbers(s, reason):
    with pytest.raises(ValidationFailed) as refused:
        disclose(s, who(s, "clerk"), reason=reason)
    assert refused.value.http_status == 422 and list(refused.value.errors) == ["reason"]
    assert audit_events() == []


def test_reasons_at_the_bounds_are_kept_trimmed(s):
    for reason in ("  核实身份  ", "y" * 300, "（2026）浙0212民初1234号送达前核实地址"):
        disclose(s, who(s, "judge"), reason=reason)
    assert [e.details["reason"] for e in audit_events()] == ["核实身份", "y" * 300, reason.strip()]


def test_each_disclosure_is_audited_without_the_pii_and_not_on_the_timeline(s, clock):
    before = db.session.scalar(select(db.func.count()).select_from(TimelineEvent))
    clerk = who(s, "clerk")
    disclose(s, clerk)
    disclose(s, who(s, "mediator"), party=s.applicant)
    first, second = audit_events()
    assert (first.actor_kind, first.actor_id, first.object_type, first.object_id) == (
        "user",
        clerk.subject,
        "case_party",
        str(s.respondent.id),
    )
    assert first.at == clock()
    assert first.details == {
        "case_id": str(s.case.id),
        "party_id": str(s.respondent.id),
        "as": "clerk",
        "fields": ["name", "phone", "id_number"],
        "reason": REASON,
    }
    assert second.details["as"] == "mediator" and second.actor_id == who(s, "mediator").subject
    stored = "\n".join(audit.canonical(event).decode() + json.dumps(event.details) for event in (first, second))
    for secret in ("13800000009", "13800000008", RESPONDENT_ID, RESPONDENT_ID[-8:], "李四", "张三"):
        assert secret not in stored
    assert audit.verify().ok
    assert db.session.scalar(select(db.func.count()).select_from(TimelineEvent)) == before
