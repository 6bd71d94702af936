"""A deadline's trigger is named in the reader's language (issue 21): its explanation says 判决书送达（…） to a Chinese
reader and "service of the judgment (…)" to an English one, from one catalogue entry per kind of trigger. The stored
deadline keeps the language-neutral key (`trigger.key`), the variable parts as facts (`trigger.facts`: a document
type's and a basis's codes, a date, days) and the Chinese name (`trigger.label`, a machine field); a row stored
before the keys (no `key`, the caller's words inside the explanation) is read back by its stored name, and a name
the table does not know is shown as stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import uuid

import pytest
from sqlalchemy import select

from app.evidence import EvidencePeriod
from app.extensions import db
from app.fees import FeeNotice
from app.i18n import labels
from app.legal import deadlines
from app.utils.clock import SHANGHAI
from tests.api.litigation.evidence_period_support import COURT, MP, accepted_case
from tests.api.service.support import push, service_world

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
DELIVERED = "delivered to the electronic service address the recipient confirmed"


def test_an_appeal_deadline_after_a_served_judgment_names_its_trigger_in_the_readers_language(client, clock):
    at = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    read = {}
    for language in ("en", "zh-CN"):
        clock.set(at)
        world = service_world()
        headers = {**world.machine_headers, "Accept-Language": language}
        body = push(client, world, headers=headers, doc_type="judgment", title="民事判决书").get_json()
        assert body["status"] == "delivered", body
        read[language] = body["deadline"]
    english, chinese = read["en"], read["zh-CN"]
    assert english["explanation"][0] == (
        f"Trigger: service of the judgment ({DELIVERED}) at 2026-12-07 10:00 Asia/Shanghai (trigger date 2026-12-07)."
    )
    assert chinese["explanation"][0] == (
        "触发事件：判决书送达（到达受送达人确认的电子送达地址）（北京时间 2026-12-07 10:00；触发日 2026-12-07）。"
    )
    assert not any(CJK.search(line) for line in english["explanation"])
    assert (
        english["trigger"]
        == chinese["trigger"]
        == {
            "label": "判决书送达（到达受送达人确认的电子送达地址）",
            "key": "document.served",
            "facts": {"document": "judgment", "basis": "delivered"},
            "at": "2026-12-07T10:00:00+08:00",
            "date": "2026-12-07",
        }
    )


def _evidence_period(client, world, language: str) -> dict:
    answer = client.get(
        f"{MP}/cases/{world.case.id}/evidence-period",
        headers={**world.headers("plaintiff"), "Accept-Language": language},
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["deadline"]


def test_an_evidence_period_and_its_extension_name_their_triggers_in_the_readers_language(client, clock):
    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    set_ = client.post(
        f"{COURT}/cases/{world.case.id}/evidence-period",
        json={"procedure": "ordinary", "days": 15},
        headers={**world.headers("clerk", f"k-{uuid.uuid4()}"), "Accept-Language": "en"},
    )
    assert set_.status_code == 201, set_.get_json()
    english, chinese = _evidence_period(client, world, "en"), _evidence_period(client, world, "zh")
    assert english["explanation"][0] == (
        "Trigger: the court set the evidence period (evidence notice issued) at 2026-09-16 10:00 Asia/Shanghai "
        "(trigger date 2026-09-16)."
    )
    assert chinese["explanation"][0].startswith("触发事件：人民法院指定举证期限（举证通知书发出）（北京时间")
    assert english["trigger"]["key"] == chinese["trigger"]["key"] == "evidence.notice_issued"
    assert english["trigger"]["label"] == "人民法院指定举证期限（举证通知书发出）" and "facts" not in english["trigger"]

    last_day = english["last_day"]
    extended = client.post(
        f"{COURT}/cases/{world.case.id}/evidence-period/extend",
        json={"days": 10, "reason": "鉴定未完成"},
        headers={**world.headers("clerk", f"k-{uuid.uuid4()}"), "Accept-Language": "zh"},
    )
    assert extended.status_code == 200, extended.get_json()
    english, chinese = _evidence_period(client, world, "en"), _evidence_period(client, world, "zh")
    assert english["explanation"][0].startswith(f"Trigger: end of the original evidence period ({last_day}) at ")
    assert chinese["explanation"][0].startswith(f"触发事件：原举证期限届满（{last_day}）（北京时间")
    assert not CJK.search(english["explanation"][0])
    assert english["trigger"]["facts"] == {"day": last_day} and english["trigger"]["key"] == "evidence.period_ended"


def _fees(client, world, language: str) -> dict:
    answer = client.get(
        f"{MP}/cases/{world.case.id}/fees", headers={**world.headers("plaintiff"), "Accept-Language": language}
    )
    assert answer.status_code == 200, answer.get_json()
    [notice] = answer.get_json()["notices"]
    return notice["deadline"]


def test_a_fee_notice_deadline_names_its_trigger_in_the_readers_language_and_so_does_an_old_row(client, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    world = accepted_case()  # the clerk's acceptance issues the notice to pay
    english, chinese = _fees(client, world, "en"), _fees(client, world, "zh")
    assert english["explanation"][0] == (
        "Trigger: fee notice issued (case accepted) at 2026-11-02 09:00 Asia/Shanghai (trigger date 2026-11-02)."
    )
    assert (
        chinese["explanation"][0]
        == "触发事件：交纳诉讼费用通知书发出（案件受理）（北京时间 2026-11-02 09:00；触发日 2026-11-02）。"
    )
    assert english["trigger"]["key"] == "fee.notice.acceptance"
    assert english["trigger"]["label"] == "交纳诉讼费用通知书发出（案件受理）"

    # A row written before triggers had keys: the English name the fee notice wrote, no key, and its Chinese
    # explanation said the English name as written.
    row = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == world.case.id))
    stored = dict(row.deadline)
    old = {**stored, "trigger": {k: v for k, v in stored["trigger"].items() if k not in ("key", "facts")}}
    old["trigger"]["label"] = "notice to pay issued (case accepted)"
    as_written = dataclasses.replace(deadlines.from_dict(old), trigger_key=None, trigger_facts=None)
    old["explanation"] = as_written.explanation("zh")
    assert "notice to pay issued (case accepted)" in old["explanation"][0]
    row.deadline = old
    db.session.commit()
    assert _fees(client, world, "zh")["explanation"] == chinese["explanation"]  # found by its stored name
    assert _fees(client, world, "en")["explanation"] == english["explanation"]
    assert _fees(client, world, "en")["trigger"] == old["trigger"]  # the machine fields as stored


def test_an_old_row_with_a_name_the_table_does_not_know_is_shown_as_stored(client, clock):
    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    set_ = client.post(
        f"{COURT}/cases/{world.case.id}/evidence-period",
        json={"procedure": "ordinary", "days": 15},
        headers=world.headers("clerk", f"k-{uuid.uuid4()}"),
    )
    assert set_.status_code == 201, set_.get_json()
    row = db.session.scalar(select(EvidencePeriod).where(EvidencePeriod.case_id == world.case.id))
    stored = dict(row.deadline)
    old = {**stored, "trigger": {**{k: v for k, v in stored["trigger"].items() if k != "key"}, "label": "举证期限确定"}}
    old["explanation"] = dataclasses.replace(deadlines.from_dict(old), trigger_key=None).explanation("en")
    row.deadline = old
    db.session.commit()
    english, chinese = _evidence_period(client, world, "en"), _evidence_period(client, world, "zh")
    assert english["explanation"][0].startswith("Trigger: 举证期限确定 at 2026-09-16 10:00")  # as the caller wrote it
    assert chinese["explanation"][0].startswith("触发事件：举证期限确定（北京时间")  # the rest in the reader's words
    assert english["explanation"][1].startswith("Period: evidence period (ordinary procedure), 15 days")


def _every_trigger() -> list[deadlines.Trigger]:
    """Every kind of trigger with every code its facts can take (a date and a number of days for the others)."""
    found = []
    for key, english in deadlines.TRIGGERS.items():
        names = sorted(re.findall(r"%\((\w+)\)s", english))
        choices = [
            list(labels.TABLES[deadlines.TRIGGER_TERMS[name]])
            if name in deadlines.TRIGGER_TERMS
            else ["2026-03-02"]
            if name == "day"
            else [10]
            for name in names
        ]
        found += [
            deadlines.Trigger(key, dict(zip(names, values, strict=True))) for values in itertools.product(*choices)
        ]
    return found


@pytest.mark.parametrize(
    "trigger", _every_trigger(), ids=lambda trigger: "-".join([trigger.key, *map(str, trigger.facts.values())])
)
def test_no_english_explanation_says_a_trigger_in_chinese(trigger):
    deadline = deadlines.compute_deadline(  # ten days ending on a working Thursday: no holiday names in the lines
        trigger_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI),
        period_days=10,
        trigger_label=trigger,
        period_label="appeal.ruling",
        overrides={},
    )
    english = deadline.explanation("en")
    assert not [line for line in english if CJK.search(line)], english
    chinese = trigger.name("zh")
    assert CJK.search(chinese) and chinese != trigger.name("en") and deadline.trigger_label == chinese
    assert chinese in deadline.explanation("zh")[0]
    # callers may pass either name, and an old row is read back by either: the same kind and facts
    assert deadlines.trigger_of(chinese) == deadlines.trigger_of(trigger.name("en")) == trigger
    stored = deadline.as_dict("en")
    assert deadlines.from_dict(stored).trigger == trigger
    assert deadlines.localized(stored, "zh")["explanation"] == deadline.explanation("zh")


def test_every_trigger_has_its_chinese_in_the_catalogue_and_the_names_callers_wrote_find_their_key():
    for key, english in deadlines.TRIGGERS.items():
        chinese = deadlines.catalogue.render(deadlines.TRIGGER, english, "zh")
        assert chinese != english and CJK.search(chinese), key
    for old, (key, facts) in deadlines.LEGACY_TRIGGER_LABELS.items():
        assert deadlines.trigger_of(old) == deadlines.Trigger(key, facts)
    assert deadlines.trigger_of("application decided (partial)") == deadlines.trigger(
        "fee.relief_decided", decision="partial"
    )  # the fee notice wrote the decision's code
    assert deadlines.trigger_of("application for legal aid in fees decided (partly granted)") == deadlines.trigger(
        "fee.relief_decided", decision="partial"
    )
    assert deadlines.trigger_of("裁定书送达（首次查阅）") == deadlines.trigger(
        "document.served", document="ruling", basis="opened"
    )
    assert deadlines.trigger_of("送达") is None and deadlines.trigger_of("某某书送达（首次查阅）") is None
    with pytest.raises(ValueError):
        deadlines.trigger("document.served", document="judgment")  # a fact missing
