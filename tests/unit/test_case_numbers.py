"""Case numbers: the canonical form, parsing what courts type, and sequences per court/year/type."""

import pytest
from sqlalchemy import select

from app.cases import numbers as case_numbers
from app.cases.models import CaseNumberSequence
from app.cases.numbers import CaseNumber, format_case_number, parse_case_number
from app.extensions import db
from tests.support.factories import make_court


def test_format_is_the_published_shape():
    text = format_case_number(year=2026, court_code="浙0212", type_code="民初", sequence=1234)
    assert text == "(2026)浙0212民初1234号"
    assert format_case_number(year=2027, court_code="京0105", type_code="调确", sequence=1) == "(2027)京0105调确1号"


@pytest.mark.parametrize(
    "arguments",
    [
        {"year": 26, "court_code": "浙0212", "type_code": "民初", "sequence": 1},
        {"year": 2026, "court_code": "0212", "type_code": "民初", "sequence": 1},
        {"year": 2026, "court_code": "浙0212", "type_code": "MC", "sequence": 1},
        {"year": 2026, "court_code": "浙0212", "type_code": "民初", "sequence": 0},
        {"year": 2026, "court_code": "浙0212", "type_code": "民初", "sequence": True},
    ],
)
def test_format_refuses_parts_that_are_not_a_case_number(arguments):
    with pytest.raises(ValueError):
        format_case_number(**arguments)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(2026)浙0212民初1234号", CaseNumber(2026, "浙0212", "民初", 1234)),
        ("（２０２６）浙０２１２民初１２３４号", CaseNumber(2026, "浙0212", "民初", 1234)),  # full-width, as typed
        (" (2025)京0105调确7号 ", CaseNumber(2025, "京0105", "调确", 7)),
        ("(2026)沪01民特999999号", CaseNumber(2026, "沪01", "民特", 999999)),
    ],
)
def test_parse_reads_the_parts_and_round_trips_to_the_canonical_form(text, expected):
    parsed = parse_case_number(text)
    assert parsed == expected
    assert str(parsed) == format_case_number(
        year=expected.year, court_code=expected.court_code, type_code=expected.type_code, sequence=expected.sequence
    )
    assert parse_case_number(str(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "(2026)浙0212民初1234",  # no 号
        "(2026)浙0212民初01234号",  # a leading zero would make two spellings of one number
        "(2026)浙0212民初0号",
        "(26)浙0212民初1号",
        "2026浙0212民初1号",
        "(2026)ZJ0212民初1号",
        "(2026)浙0212MC1号",
        "(2026)浙0212民初1号; DROP TABLE cases",
        "(2026)浙0212民初١٢号",  # Arabic-Indic digits are not digits of a case number
    ],
)
def test_parse_refuses_what_is_not_a_case_number(text):
    with pytest.raises(ValueError, match="looks like"):
        parse_case_number(text)


def test_sequences_count_per_court_year_and_type(app):
    court, other = make_court("浙0212"), make_court("浙0213")
    taken = [case_numbers.next_sequence(court_id=court.id, year=2026, type_code="民初") for _ in range(3)]
    assert taken == [1, 2, 3]
    assert case_numbers.next_sequence(court_id=court.id, year=2027, type_code="民初") == 1
    assert case_numbers.next_sequence(court_id=court.id, year=2026, type_code="调确") == 1
    assert case_numbers.next_sequence(court_id=other.id, year=2026, type_code="民初") == 1
    db.session.commit()
    rows = db.session.execute(select(CaseNumberSequence.type_code, CaseNumberSequence.last_value)).all()
    assert sorted(rows) == [("民初", 1), ("民初", 1), ("民初", 3), ("调确", 1)]


def test_a_rolled_back_number_is_given_back(app):
    court = make_court()
    assert case_numbers.next_sequence(court_id=court.id, year=2026, type_code="民初") == 1
    db.session.commit()
    assert case_numbers.next_sequence(court_id=court.id, year=2026, type_code="民初") == 2
    db.session.rollback()
    assert case_numbers.next_sequence(court_id=court.id, year=2026, type_code="民初") == 2


def test_an_external_number_keeps_the_sequence_from_reusing_it(app):
    court = make_court("浙0212")
    case_numbers.note_external(court_id=court.id, number=CaseNumber(2026, "浙0212", "民初", 5))
    assert case_numbers.next_sequence(court_id=court.id, year=2026, type_code="民初") == 6
    case_numbers.note_external(court_id=court.id, number=CaseNumber(2026, "浙0212", "民初", 3))  # lower: no effect
    assert case_numbers.next_sequence(court_id=court.id, year=2026, type_code="民初") == 7


def test_assign_uses_the_court_code_and_the_year_in_shanghai(app, clock):
    court = make_court("浙0212")
    clock.set(clock.current.replace(year=2026, month=12, day=31, hour=15, minute=59))  # 23:59 in Shanghai
    assert case_numbers.assign(court_id=court.id, type_code="民初") == "(2026)浙0212民初1号"
    clock.advance(minutes=2)  # 00:01 on 1 January 2027 in Shanghai, still 31 December in UTC
    assert case_numbers.assign(court_id=court.id, type_code="民初") == "(2027)浙0212民初1号"
