"""The clock module and time-ordered ids."""

import datetime as dt
import uuid

import pytest

from app.utils import clock as clock_module
from app.utils.ids import new_id, random_string, random_token


def test_fake_clock_drives_now(clock):
    start = clock_module.now()
    clock.advance(minutes=5)
    assert clock_module.now() - start == dt.timedelta(minutes=5)
    assert clock_module.now().tzinfo is not None
    assert clock_module.now_shanghai().utcoffset() == dt.timedelta(hours=8)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        clock_module.as_utc(dt.datetime(2026, 1, 1))


def test_ids_are_uuid7_and_time_ordered(clock):
    first = new_id()
    clock.advance(milliseconds=2)
    second = new_id()
    assert isinstance(first, uuid.UUID)
    assert first.version == 7 and first.variant == uuid.RFC_4122
    assert first < second
    assert len({new_id() for _ in range(1000)}) == 1000


def test_random_tokens_are_alphanumeric():
    token = random_token()
    assert len(token) == 32 and token.isalnum() and token.isascii()


def test_ids_are_strictly_increasing_within_one_millisecond(clock):
    ids = [new_id() for _ in range(500)]  # the fake clock stands still
    assert ids == sorted(ids) and len(set(ids)) == 500
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)


def test_an_aware_datetime_set_on_a_utc_column_reads_back_in_utc_at_once():
    """app/platform/db.py: what an answer shows before the COMMIT is what a later read shows (Z, not +08:00)."""
    from app.cases.models import TimelineEvent

    shanghai = dt.timezone(dt.timedelta(hours=8))
    event = TimelineEvent(at=dt.datetime(2026, 12, 7, 8, 0, tzinfo=shanghai))
    assert event.at == dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC) and event.at.utcoffset() == dt.timedelta(0)
    event.at = dt.datetime(2026, 12, 7, 9, 30, tzinfo=shanghai)
    assert event.at.isoformat() == "2026-12-07T01:30:00+00:00"
    naive = dt.datetime(2026, 12, 7, 9, 30)
    event.at = naive  # passes through; refused when flushed
    assert event.at is naive


def test_a_random_string_is_uniform_over_its_alphabet_from_few_reads_of_the_os(monkeypatch):
    import collections
    import random

    alphabet = "ABCDEFGHJKLMNPRSTVWXYZ23456789"  # 30 characters, as the documents' verification codes
    reads = []
    real = random._urandom  # type: ignore[attr-defined]  # what secrets' SystemRandom reads the OS with
    monkeypatch.setattr(random, "_urandom", lambda n: reads.append(n) or real(n))
    codes = [random_string(alphabet, 20) for _ in range(300)]
    assert all(len(code) == 20 and set(code) <= set(alphabet) for code in codes)
    # One uniform draw below 30**20 (99 bits, refused and drawn again when above it: 45 % of the time), not one read
    # per character as secrets.choice makes: 1.8 reads a code on average (issue 18).
    assert len(reads) < 300 * 3
    monkeypatch.setattr(random, "_urandom", real)

    # every position is uniform: each character's count within 5 standard deviations of its expectation
    draws = [random_string(alphabet, 20) for _ in range(6000)]
    expected = 6000 / 30
    for position in (0, 9, 19):  # the lowest digit, a middle one and the highest of the drawn number
        counts = collections.Counter(draw[position] for draw in draws)
        assert set(counts) == set(alphabet)
        assert all(abs(count - expected) < 5 * (expected * 29 / 30) ** 0.5 for count in counts.values())
    assert len(set(draws)) == 6000
