"""A deadline's period is named in the reader's language (issue 21): its explanation says 上诉期（判决） to a Chinese
reader and "appeal period (judgment)" to an English one, from one catalogue entry per period. The stored deadline
keeps the language-neutral key (`period.key`) and the Chinese name (`period.label`, a machine field); a row stored
before the keys (no `key`, English words with the Chinese name inside) still reads, in either language."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import select

from app.evidence import EvidencePeriod
from app.extensions import db
from app.legal import deadlines
from app.utils.clock import SHANGHAI
from tests.api.litigation.evidence_period_support import COURT, MP, accepted_case
from tests.api.service.support import push, service_world


def test_a_served_documents_period_reads_in_the_readers_language(client, clock):
    clock.set(dt.datetime(2026, 2, 1, 10, 0, tzinfo=SHANGHAI))
    read = {}
    for language in ("en", "zh-CN"):
        world = service_world()
        read[language] = push(client, world, headers={**world.machine_headers, "Accept-Language": language}).get_json()
    english, chinese = read["en"]["deadline"], read["zh-CN"]["deadline"]
    assert (
        english["explanation"][1]
        == "Period: answer period, 15 days, counted from 2026-02-02, the day after the trigger."
    )
    assert chinese["explanation"][1] == "期间：答辩期15日，自触发日次日 2026-02-02 起算。"
    assert (
        english["period"]
        == chinese["period"]
        == {"label": "答辩期", "key": "answer", "days": 15, "counting_starts": "2026-02-02"}
    )
    assert not any("答辩期" in line for line in english["explanation"])


def test_a_stored_evidence_period_reads_in_either_language_and_so_does_an_old_row(client, clock):
    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    url = f"{MP}/cases/{world.case.id}/evidence-period"
    set_ = client.post(
        f"{COURT}/cases/{world.case.id}/evidence-period",
        json={"procedure": "ordinary", "days": 15},
        headers={**world.headers("clerk", f"k-{uuid.uuid4()}"), "Accept-Language": "en"},
    )
    assert set_.status_code == 201, set_.get_json()

    def read(language: str) -> dict:
        answer = client.get(url, headers={**world.headers("plaintiff"), "Accept-Language": language})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["deadline"]

    english, chinese = read("en"), read("zh")
    assert english["explanation"][1] == (
        "Period: evidence period (ordinary procedure), 15 days, counted from 2026-09-17, the day after the trigger."
    )
    assert chinese["explanation"][1] == "期间：举证期限（普通程序）15日，自触发日次日 2026-09-17 起算。"
    assert english["period"]["key"] == chinese["period"]["key"] == "evidence.ordinary"
    assert english["period"]["label"] == chinese["period"]["label"] == "举证期限（普通程序）"

    # A row written before periods had keys: no `key`, its English words naming the period in Chinese.
    row = db.session.scalar(select(EvidencePeriod).where(EvidencePeriod.case_id == world.case.id))
    stored = dict(row.deadline)
    old = {**stored, "period": {k: v for k, v in stored["period"].items() if k != "key"}}
    as_written = dataclasses.replace(deadlines.from_dict(old), period_key=None)
    old["explanation"] = as_written.explanation("en")
    assert "Period: 举证期限（普通程序）, 15 days" in old["explanation"][1]
    row.deadline = old
    db.session.commit()
    assert read("en")["explanation"] == english["explanation"]  # the key is found from the stored Chinese name
    assert read("zh")["explanation"] == chinese["explanation"]
    assert "key" not in read("en")["period"]  # the machine fields as stored


def test_every_period_has_chinese_and_every_name_callers_write_finds_its_key():
    for key, english in deadlines.PERIODS.items():
        chinese = deadlines.period_name(key, "zh")
        assert chinese != english and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), key
        assert deadlines.period_key(chinese) == deadlines.period_key(english) == deadlines.period_key(key) == key
    for old, key in deadlines.LEGACY_PERIOD_LABELS.items():
        assert deadlines.period_key(old) == key
    assert deadlines.period_key("a period a caller named itself") is None


def test_a_document_not_served_yet_names_its_period_in_the_readers_language(client, clock):
    clock.set(dt.datetime(2026, 2, 1, 10, 0, tzinfo=SHANGHAI))
    read = {}
    for language in ("en", "zh"):
        world = service_world(respondent_consents=False)
        body = push(client, world, headers={**world.machine_headers, "Accept-Language": language}).get_json()
        assert body["status"] == "held" and body["deadline"]["pending"] is True
        read[language] = body["deadline"]
    assert read["en"]["period"] == read["zh"]["period"] == {"label": "答辩期", "key": "answer", "days": 15}
    assert read["en"]["explanation"][0].startswith("Period: answer period, 15 days, counted from the day after service")
    assert read["zh"]["explanation"][0].startswith("期间：答辩期15日"), read["zh"]["explanation"]
