"""Timeline entries are stored as facts (a catalogue message and its values) and read in the reader's language.

An entry written under one language reads in the other; an old row (plain text, no message) reads its stored
text in both; the machine fields (type, states, reason, actor role) never change with the language.
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases import lifecycle, timeline
from app.cases.models import TimelineEvent
from app.extensions import db
from app.i18n import Message, label, message
from app.utils import clock as app_clock
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user

MP = "/api/mp/v1"
TITLE = "张三诉李四民间借贷纠纷"


def _events(case_id) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.case_id == case_id)
    return list(db.session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


def test_a_filed_case_reads_in_either_language_and_stores_its_facts(app):
    case = file_case(org=make_org())
    [filed] = _events(case.id)
    assert filed.summary == f"调解案件已提交：{TITLE}"  # the column keeps the Chinese, for search and old readers
    assert timeline.summary_in(filed, "zh") == f"调解案件已提交：{TITLE}"
    assert timeline.summary_in(filed, "en") == f"mediation filed: {TITLE}"
    stored = filed.data[timeline.MESSAGE_KEY]
    assert stored["id"] == "%(kind)s filed: %(title)s" and stored["params"]["title"] == TITLE  # a name, as given
    assert stored["params"]["kind"] == {"context": "case.kind", "id": "mediation", "params": {}}  # a term, not words


def test_an_entry_written_while_serving_english_reads_in_chinese_and_back(app):
    case = file_case(org=make_org())
    with app.test_request_context(headers={"Accept-Language": "en"}):
        event = lifecycle.transition(case, "withdrawn", actor=None, actor_role="system", reason="申请人撤回")
    db.session.commit()
    assert timeline.summary_in(event, "zh") == "已提交 → 已撤回"
    assert timeline.summary_in(event, "en") == "submitted -> withdrawn"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        again = timeline.record(
            case, "note", actor=None, actor_role="system", summary=message("Mediation agreement drafted.")
        )
    db.session.commit()
    assert (timeline.summary_in(again, "en"), timeline.summary_in(again, "zh")) == (
        "Mediation agreement drafted.",
        "调解协议已起草。",
    )
    for language in ("zh", "en"):  # the machine fields are the same whoever reads
        row = timeline.read(event, language)
        assert (row["type"], row["from_status"], row["to_status"], row["reason"], row["actor_role"]) == (
            "status.withdrawn",
            "submitted",
            "withdrawn",
            "申请人撤回",
            "system",
        )


def test_an_old_row_without_a_message_reads_its_stored_summary(app):
    case = file_case(org=make_org())
    old = TimelineEvent(
        case_id=case.id,
        at=app_clock.now(),
        type="case.filed",
        actor_role="party",
        summary="litigation filed: 旧案",
        data={},
    )
    db.session.add(old)
    db.session.commit()
    assert timeline.summary_in(old, "zh") == timeline.summary_in(old, "en") == "litigation filed: 旧案"
    broken = TimelineEvent(
        case_id=case.id,
        at=app_clock.now(),
        type="x",
        actor_role="system",
        summary="原文",
        data={timeline.MESSAGE_KEY: "not a message"},
    )
    assert timeline.summary_in(broken, "en") == "原文"


def test_a_message_keeps_names_and_numbers_and_translates_terms(app):
    words = message(
        "the appointment of %(agent)s for %(party)s waits for the court's approval (%(grounds)s)",
        agent="王律师",
        party="张三",
        grounds=[label("approval.ground", "citizen_agent"), label("approval.ground", "special_authority")],
    )
    back = Message.from_data(words.to_data())
    assert back == words or back.render("en") == words.render("en")
    assert back.render("en") == (
        "the appointment of 王律师 for 张三 waits for the court's approval (citizen agent, special authority)"
    )
    assert back.render("zh") == "张三委托王律师为委托代理人，待法院审查许可（公民代理、特别授权）"
    assert label("case.state", "no_such_state") == "no_such_state"  # an unknown code stays the code
    assert message("Delegated to mediation, due %(day)s", day=app_clock.now_shanghai().date()).params["day"]


def test_the_timeline_over_http_follows_accept_language_and_keeps_the_machine_fields(app, client):
    filer = make_user(real_name="张三")
    case = file_case(filer, org=make_org())
    lifecycle.transition(case, "withdrawn", actor=None, actor_role="system", reason="申请人撤回")
    db.session.commit()
    url = f"{MP}/cases/{case.id}/timeline"
    answers = {}
    for header in ("en-US,en;q=0.9", "zh-CN", None):
        headers = login(filer) | ({"Accept-Language": header} if header else {})
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        answers[header] = response.get_json()
    english, chinese, default = answers["en-US,en;q=0.9"], answers["zh-CN"], answers[None]
    assert [e["summary"] for e in english] == [f"mediation filed: {TITLE}", "submitted -> withdrawn"]
    assert [e["summary"] for e in chinese] == [f"调解案件已提交：{TITLE}", "已提交 → 已撤回"]
    assert default == chinese  # Chinese first
    strip = [{k: v for k, v in e.items() if k != "summary"} for e in english]
    assert strip == [{k: v for k, v in e.items() if k != "summary"} for e in chinese]
    assert english[1]["to_status"] == "withdrawn" and english[1]["reason"] == "申请人撤回"


def test_a_work_items_reason_reads_in_the_clerks_language_and_an_old_item_its_stored_words(app):
    from app.documents.models import WorkItem
    from miniprogram_api.schemas.work_items import WorkItemOut

    words = label("hold.reason", "address_not_confirmed")
    assert isinstance(words, Message)
    fresh = WorkItem(kind="document_held", status="open", reason=str(words), data={"reason_message": words.to_data()})
    old = WorkItem(kind="document_held", status="open", reason="The recipient's address is not confirmed.", data={})
    read = {}
    for header in ("en", "zh-CN"):
        with app.test_request_context(headers={"Accept-Language": header}):
            read[header] = [WorkItemOut().dump(item) for item in (fresh, old)]
    assert fresh.reason == "受送达人的电子送达地址尚未确认。"  # the column keeps the Chinese
    assert read["en"][0]["reason"] == "The recipient's electronic service address is not confirmed."
    assert read["zh-CN"][0]["reason"] == "受送达人的电子送达地址尚未确认。"
    assert read["en"][1]["reason"] == read["zh-CN"][1]["reason"] == "The recipient's address is not confirmed."
    assert "reason_message" not in read["en"][0]["data"]  # the message is the service's, not the API's
    assert read["en"][0]["kind"] == read["zh-CN"][0]["kind"] == "document_held"


def test_a_stored_deadline_reads_in_the_readers_language_and_keeps_its_machine_fields():
    import datetime as dt

    from app.legal import deadlines
    from app.utils.clock import SHANGHAI

    deadline = deadlines.compute_deadline(
        trigger_at=dt.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI),
        period_days=15,
        trigger_label="判决书送达",
        period_label="上诉期（判决）",
        overrides={},
    )
    stored = deadline.as_dict("en")  # written while serving an English reader
    chinese = deadlines.localized(stored, "zh")
    assert chinese is not None and chinese["explanation"] == deadline.explanation("zh") != stored["explanation"]
    assert chinese["explanation"][0] == "触发事件：判决书送达（北京时间 2026-09-30 16:00；触发日 2026-09-30）。"
    assert chinese["explanation"][1] == "期间：上诉期（判决）15日，自触发日次日 2026-10-01 起算。"
    assert {k: v for k, v in chinese.items() if k != "explanation"} == {
        k: v for k, v in stored.items() if k != "explanation"
    }
    assert deadlines.localized(chinese, "en") == stored  # and back
    added = {**stored, "explanation": [*stored["explanation"], "A line a record added."]}
    assert deadlines.localized(added, "zh") == added  # not the engine's words alone: kept as stored
    assert deadlines.localized(None, "zh") is None
