"""The parties are told, not only shown on the timeline: an agent's approval decided, an extension decided, an appeal
received, enforcement accepted or rejected; every kind's SMS template is in app/integrations/sms.py itself."""

from __future__ import annotations

import datetime as dt
import inspect

from sqlalchemy import select

from app.evidence import period as evidence_period
from app.extensions import db
from app.integrations import sms
from app.litigation import appeals, court_actions, enforcement
from app.litigation import evidence_period as commands
from app.notifications import kinds
from app.notifications.models import Notification
from app.scheduling import hearing_events
from app.utils.clock import SHANGHAI
from tests.api.litigation import evidence_period_support
from tests.api.litigation.support import COURT, MP, accepted_case, status_of
from tests.api.litigation.test_transitions import serve
from tests.support.factories import grant, make_user


def _told(kind: str) -> set:
    db.session.expire_all()
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_every_kind_has_its_sms_template_and_nothing_patches_the_templates(app):
    for name in ("hearing_reminder", "litigation_effective", "litigation_appeal_filed", "enforcement_accepted"):
        assert kinds.get(name).sms_template in sms.TEMPLATES
    for name in ("enforcement_rejected", "evidence_extension_decided", "agent_approval_decided"):
        assert kinds.get(name).sms_template in sms.TEMPLATES
    assert "TEMPLATES" not in inspect.getsource(hearing_events)
    text = sms.render("hearing_reminder", {"title": "借款纠纷", "time": "11月2日 09:00", "what": "开庭"})
    assert text == "【微法院】您的案件《借款纠纷》将于11月2日 09:00开庭，请准时参加。"
    english = sms.render(
        "hearing_reminder", {"title": "借款纠纷", "time": "2 Nov 2026 09:00", "what": "a hearing"}, "en"
    )
    assert english == '[Micro Court] Your case "借款纠纷": a hearing at 2 Nov 2026 09:00. Please attend on time.'


def test_an_appeal_is_told_to_every_party(app, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    court_actions.record_decision(case_id=world.case.id, actor=world.principal("judge"), closing_method="judgment")
    for party in (world.plaintiff, world.defendant):
        serve(world, party)
    appeals.file(case_id=world.case.id, actor=world.principal("defendant"), statement="撤销原判", grounds="理由")
    assert _told("litigation_appeal_filed") == {world.people["plaintiff"].id, world.people["defendant"].id}


def test_enforcement_decisions_are_told_to_the_applicant(app, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    other = accepted_case()
    court_actions.record_decision(case_id=other.case.id, actor=other.principal("judge"), closing_method="mediation")
    for party in (other.plaintiff, other.defendant):
        serve(other, party, "mediation_document")
    assert status_of(other.case.id) == "effective"
    clues = [{"kind": "other", "description": "线索"}]
    plaintiff, defendant = other.principal("plaintiff"), other.principal("defendant")
    first = enforcement.apply(case_id=other.case.id, actor=plaintiff, request="执行", property_clues=clues)
    enforcement.reject(application_id=first["id"], actor=other.principal("clerk"), reason="材料不全")
    assert _told("enforcement_rejected") == {other.people["plaintiff"].id}
    second = enforcement.apply(case_id=other.case.id, actor=defendant, request="执行", property_clues=clues)
    accepted = enforcement.accept(application_id=second["id"], actor=other.principal("clerk"))
    assert _told("enforcement_accepted") == {other.people["defendant"].id}
    note = db.session.scalars(select(Notification).where(Notification.kind == "enforcement_accepted")).one()
    assert note.data["number"] == accepted["case_number"]


def test_an_extension_decision_is_told_to_the_applicant(app, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    world = evidence_period_support.accepted_case()
    commands.set_period(
        case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=world.principal("clerk")
    )
    applied = evidence_period.apply_for_extension(
        case_id=world.case.id, data={"days": 5, "reason": "证人出差"}, actor=world.principal("defendant")
    )
    commands.decide_extension(
        case_id=world.case.id,
        extension_id=applied["id"],
        granted=False,
        days=None,
        reason="理由不足",
        actor=world.principal("clerk"),
    )
    assert _told("evidence_extension_decided") == {world.people["defendant"].id}
    note = db.session.scalars(select(Notification).where(Notification.kind == "evidence_extension_decided")).one()
    # the decision is kept as a fact (a catalogue message), written in each recipient's language when sent
    assert note.data["result"] == {"context": "notification", "id": "Not granted", "params": {}}
    assert kinds.texts({"result": note.data["result"]}, "zh") == {"result": "未获准"}
    assert kinds.texts({"result": note.data["result"]}, "en") == {"result": "Not granted"}


def test_an_agent_approval_is_told_to_the_party_and_the_agent(client, clock):
    world = evidence_period_support.accepted_case()
    lawyer = make_user(real_name="王律师")
    grant(lawyer, role="lawyer")
    body = {"party_id": str(world.plaintiff.id), "authority": "special", "lawyer_user_id": str(lawyer.id)}
    appointed = client.post(f"{MP}/cases/{world.case.id}/agents", json=body, headers=world.headers("plaintiff"))
    assert appointed.status_code == 201, appointed.json
    queue = client.get(f"{COURT}/agent-approvals", headers=world.headers("clerk")).json["items"]
    decided = client.post(
        f"{COURT}/agent-approvals/{queue[0]['id']}/decide",
        json={"approved": False, "reason": "授权不明"},
        headers=world.headers("judge", "k-decide"),
    )
    assert decided.status_code == 200, decided.json
    assert _told("agent_approval_decided") == {world.people["plaintiff"].id, lawyer.id}
