"""Procedural deadlines (CPL Art. 85; SPC interpretation Art. 125), each with its explanation.

Counting starts the day after the trigger (its date taken in Asia/Shanghai); the raw end is the trigger
date plus the period; a raw end on a rest day or statutory holiday rolls forward to the first working
day (调休 working days count); the deadline ends at 24:00 Asia/Shanghai of that last day.

A deadline that needs a day the calendar does not cover is not guessed: it comes back with
`calendar_covered=False`, `last_day=None`, `ends_at=None` and the uncovered date named in its
explanation. Call `deadline.require_covered()` to turn that into `CalendarNotCovered` (HTTP 409).

Holidays can only extend a period (a last day on a rest day rolls forward, never back), so even an uncovered
deadline has a known lower bound: `earliest_last_day`, the raw end (or, for calendar days, the first uncovered
day reached while rolling forward; for working days, as if every uncovered day were worked). An act before
24:00 of that day is in time whatever the missing year's holidays turn out to be (`certainly_met_by`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.i18n import Message, catalogue, current_language, label, labels, mark, message
from app.legal.calendar import CalendarNotCovered, DayInfo, Overrides, covered_until, day_kind
from app.utils.clock import SHANGHAI, as_utc

Counting = Literal["calendar_days", "working_days"]
# The longest run of non-working days China has had is 9 (Spring Festival 2026); far more means bad data.
MAX_NON_WORKING_RUN = 31

# Every period's name (context "deadline.period", Chinese per the statutes' words, docs/glossary.md): a deadline
# keeps the language-neutral key (`period.key` of its JSON) and its explanation names the period in the reader's
# language. `period.label` stays the Chinese name (a machine field, the same in every language).
PERIOD = "deadline.period"
PERIODS: dict[str, str] = {
    "answer": mark("deadline.period", "answer period"),
    "payment_order.objection": mark("deadline.period", "objection period (payment order)"),
    "appeal.judgment": mark("deadline.period", "appeal period (judgment)"),
    "appeal.ruling": mark("deadline.period", "appeal period (ruling)"),
    "appeal.judgment.abroad": mark(
        "deadline.period", "appeal period (judgment) (a party without a domicile in the People's Republic of China)"
    ),
    "appeal.ruling.abroad": mark(
        "deadline.period", "appeal period (ruling) (a party without a domicile in the People's Republic of China)"
    ),
    "response": mark("deadline.period", "response period"),
    "evidence.ordinary": mark("deadline.period", "evidence period (ordinary procedure)"),
    "evidence.summary": mark("deadline.period", "evidence period (summary procedure)"),
    "evidence.small_claims": mark("deadline.period", "evidence period (small claims procedure)"),
    "evidence.extension": mark("deadline.period", "extension of the evidence period"),
    "enforcement": mark("deadline.period", "period for applying for enforcement (two years)"),
    "announcement": mark("deadline.period", "public notice period (CPL Art. 95)"),
    "fee.payment": mark("deadline.period", "time to pay (Measures Art. 22)"),
    "correction": mark("deadline.period", "correction period (filing)"),
    "judicial_confirmation": mark("deadline.period", "judicial confirmation application period (CPL Art. 205)"),
    "judicial_confirmation.acceptance": mark("deadline.period", "court's acceptance period (judicial confirmation)"),
    "judicial_confirmation.decision": mark("deadline.period", "court's decision period (judicial confirmation)"),
}
# The names callers wrote before the keys (and rows stored then carry): each read back as its key.
LEGACY_PERIOD_LABELS = {
    "period to pay the litigation fee (交纳诉讼费用, Measures Art. 22)": "fee.payment",
    "period to correct the filing (补正)": "correction",
    "application for judicial confirmation (CPL Art. 205)": "judicial_confirmation",
    "application for judicial confirmation": "judicial_confirmation",
    "court decides whether to accept": "judicial_confirmation.acceptance",
    "court confirms or rejects": "judicial_confirmation.decision",
}


def period_name(key: str, language: str = "zh") -> str:
    """A period's name in a language (Chinese: the statutes' words, kept as `period.label`)."""
    return catalogue.render(PERIOD, PERIODS[key], language)


def period_key(label: str | None) -> str | None:
    """The key of a period named by its key, its Chinese or English name, or a name callers wrote before; else None."""
    if not label:
        return None
    if label in PERIODS:
        return label
    if label in LEGACY_PERIOD_LABELS:
        return LEGACY_PERIOD_LABELS[label]
    return _period_keys_by_name().get(label)


@functools.cache
def _period_keys_by_name() -> dict[str, str]:
    found = {english: key for key, english in PERIODS.items()}
    found.update({period_name(key, "zh"): key for key in PERIODS})
    return found


def period_words(key: str | None, label: str) -> Message | str:
    """The period as a value of an explanation: its catalogue entry when it has a key, else the label as written."""
    return Message(PERIOD, PERIODS[key]) if key in PERIODS else label


# Every trigger's kind (context "deadline.trigger", Chinese per the statutes' words, docs/glossary.md), the same
# treatment as the periods: a deadline keeps the language-neutral key (`trigger.key`) and the variable parts as
# facts (`trigger.facts`: a document type's or a basis's code, a date, a number of days), so its explanation names
# the trigger fully in the reader's language. `trigger.label` stays the Chinese name (a machine field).
TRIGGER = "deadline.trigger"
TRIGGERS: dict[str, str] = {
    "document.served": mark("deadline.trigger", "service of the %(document)s (%(basis)s)"),
    "announcement.issued": mark("deadline.trigger", "public notice issued"),
    "evidence.notice_issued": mark("deadline.trigger", "the court set the evidence period (evidence notice issued)"),
    "evidence.period_ended": mark("deadline.trigger", "end of the original evidence period (%(day)s)"),
    "performance.ended": mark("deadline.trigger", "end of the performance period of the %(document)s (%(days)s days)"),
    "title.effective": mark("deadline.trigger", "the %(document)s took effect (no performance period set)"),
    "judicial_confirmation.effective": mark(
        "deadline.trigger", "the ruling of judicial confirmation took effect (no performance period set)"
    ),
    "fee.notice.acceptance": mark("deadline.trigger", "fee notice issued (case accepted)"),
    "fee.notice.filing": mark("deadline.trigger", "fee notice issued (case filed; the court asks for prepayment)"),
    "fee.notice.appeal": mark("deadline.trigger", "fee notice issued (appeal filed)"),
    "fee.extended": mark("deadline.trigger", "more time granted by the court"),
    "fee.corrected": mark("deadline.trigger", "fee corrected upwards"),
    "fee.deferred": mark("deadline.trigger", "deferral granted"),
    "fee.relief_decided": mark("deadline.trigger", "application for legal aid in fees decided (%(decision)s)"),
    "correction.requested": mark("deadline.trigger", "correction requested"),
    "mediation.agreement_effective": mark("deadline.trigger", "mediation agreement took effect"),
    "judicial_confirmation.submitted": mark("deadline.trigger", "application for judicial confirmation complete"),
    "judicial_confirmation.accepted": mark("deadline.trigger", "application for judicial confirmation accepted"),
}
# A fact that is a code has its words in a table of app/i18n/labels.py; any other fact (a date, days) is a value.
TRIGGER_TERMS = {"document": "document.type", "basis": "service.basis", "decision": "decision"}
# The names callers wrote before the keys (and rows stored then carry) that neither language's name matches: the fee
# notices' English (a relief's decision was its code).
LEGACY_TRIGGER_LABELS: dict[str, tuple[str, dict[str, object]]] = {
    "notice to pay issued (case accepted)": ("fee.notice.acceptance", {}),
    "notice to pay issued (case filed; the court asks for prepayment)": ("fee.notice.filing", {}),
    "notice to pay issued (appeal filed)": ("fee.notice.appeal", {}),
    "deferral granted (缓交)": ("fee.deferred", {}),
    **{
        f"application decided ({code})": ("fee.relief_decided", {"decision": code})
        for code in ("granted", "partial", "refused")
    },
}


@dataclass(frozen=True)
class Trigger:
    """What a period runs from: a kind of TRIGGERS and its facts (codes of TRIGGER_TERMS, dates, days)."""

    key: str
    facts: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in TRIGGERS:
            raise ValueError(f"unknown trigger {self.key!r}")
        if set(self.facts) != catalogue.placeholders(TRIGGERS[self.key]):
            raise ValueError(f"trigger {self.key!r} takes {sorted(catalogue.placeholders(TRIGGERS[self.key]))}")

    def words(self) -> Message:
        """The trigger as a catalogue message: its codes as their terms, its other facts as values."""
        values = {
            name: label(TRIGGER_TERMS[name], str(value)) if name in TRIGGER_TERMS else value
            for name, value in self.facts.items()
        }
        return Message(TRIGGER, TRIGGERS[self.key], values)

    def name(self, language: str = "zh") -> str:
        """The trigger's name in a language (Chinese: kept as `trigger.label`)."""
        return self.words().render(language)


def trigger(key: str, /, **facts: object) -> Trigger:
    """A trigger for `compute_deadline(trigger_label=...)`, e.g. `trigger("evidence.period_ended", day=date)`."""
    return Trigger(
        key, {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in facts.items()}
    )


def trigger_of(name: str | Trigger | None) -> Trigger | None:
    """The trigger named by a Trigger, its key, its Chinese or English name (facts read back from the name), or a
    name callers wrote before; else None (a label of the caller's own, shown as written)."""
    if isinstance(name, Trigger):
        return name
    if not name:
        return None
    if name in LEGACY_TRIGGER_LABELS:
        return Trigger(*LEGACY_TRIGGER_LABELS[name])
    if name in TRIGGERS:
        return Trigger(name)  # a kind with facts named without them: ValueError
    for key, language, pattern in _trigger_patterns():
        found = pattern.fullmatch(name)
        if found is None:
            continue
        facts: dict[str, object] = {}
        for fact, words in found.groupdict().items():
            code = _term_codes(language).get((TRIGGER_TERMS[fact], words)) if fact in TRIGGER_TERMS else _value(words)
            if code is None:
                break
            facts[fact] = code
        else:
            return Trigger(key, facts)
    return None


def _value(words: str) -> object:
    """A fact read back from a name: a number of days as the number, anything else (a date) as written."""
    return int(words) if words.isdecimal() and words.isascii() else words


@functools.cache
def _trigger_patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    found = []
    for key, english in TRIGGERS.items():
        for language in ("zh", "en"):
            template = english if language == "en" else catalogue.render(TRIGGER, english, "zh")
            parts, position = [], 0
            for match in catalogue.PLACEHOLDER.finditer(template):
                parts.append(re.escape(template[position : match.start()]))
                parts.append(f"(?P<{match.group(1)}>.+?)" if match.group(1) else "%")
                position = match.end()
            parts.append(re.escape(template[position:]))
            found.append((key, language, re.compile("".join(parts), re.DOTALL)))
    return found


@functools.cache
def _term_codes(language: str) -> dict[tuple[str, str], str]:
    """A term's words in a language back to its code."""
    return {
        (kind, catalogue.render(kind, english, language)): code
        for kind in set(TRIGGER_TERMS.values())
        for code, english in labels.TABLES[kind].items()
    }


def trigger_words(found: Trigger | None, written: str) -> Message | str:
    """The trigger as a value of an explanation: its catalogue entry when it has a key, else the label as written."""
    return found.words() if found is not None else written


@dataclass(frozen=True)
class Step:
    """One non-working day met while counting: rolled past (calendar days) or not counted (working days)."""

    day: DayInfo
    action: Literal["rolled_forward", "not_counted"]

    def describe(self) -> str:
        """Human form, e.g. 'Rolled forward past 2026-10-01 国庆节 statutory holiday.' (English: a JSON field)."""
        return self.words().render("en")

    def words(self) -> Message:
        """The step as a catalogue message, rendered in the reader's language."""
        if self.action == "rolled_forward":
            return message("Rolled forward past %(day)s.", context="deadline", day=self.day.words())
        return message("Not counted: %(day)s.", context="deadline", day=self.day.words())

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"action": self.action, "reason": self.describe(), **self.day.as_dict()}


@dataclass(frozen=True)
class Deadline:
    """A computed deadline with everything needed to explain it to a party or a judge."""

    counting: Counting
    trigger_label: str
    trigger_at: dt.datetime
    trigger_date: dt.date
    period_days: int
    period_label: str
    raw_end_date: dt.date
    steps: tuple[Step, ...]
    last_day: dt.date | None
    last_day_info: DayInfo | None
    ends_at: dt.datetime | None
    calendar_covered: bool
    uncovered_date: dt.date | None = None
    earliest_last_day: dt.date | None = None
    period_months: int | None = None  # a period in months or years (Civil Code Art. 202); period_days then spans it
    period_key: str | None = None  # the period's language-neutral name (PERIODS); None for a label of the caller's
    trigger_key: str | None = None  # the trigger's kind (TRIGGERS); None for a label of the caller's own
    trigger_facts: Mapping[str, object] | None = None  # its variable parts (codes, a date, days), with its key

    @property
    def trigger(self) -> Trigger | None:
        """The trigger's kind and facts, or None when the trigger is a label of the caller's own."""
        if self.trigger_key not in TRIGGERS:
            return None
        try:
            return Trigger(str(self.trigger_key), dict(self.trigger_facts or {}))
        except ValueError:  # facts that do not fit the kind (a hand-edited row): the label as written
            return None

    @property
    def counting_starts(self) -> dt.date:
        """The first day counted: the day after the trigger date."""
        return self.trigger_date + dt.timedelta(days=1)

    def require_covered(self) -> Deadline:
        """Return self, or raise CalendarNotCovered (HTTP 409) when the calendar did not cover it."""
        if not self.calendar_covered:
            raise CalendarNotCovered(self.uncovered_date or self.raw_end_date)
        return self

    def is_met_by(self, at: dt.datetime) -> bool:
        """True when an act at `at` (aware) is in time, i.e. before 24:00 Asia/Shanghai of the last day."""
        ends_at = self.require_covered().ends_at
        assert ends_at is not None
        return as_utc(at) < ends_at

    @property
    def earliest_ends_at(self) -> dt.datetime:
        """24:00 Asia/Shanghai of the earliest possible last day (the real end when the calendar covered it)."""
        day = self.last_day or self.earliest_last_day or self.raw_end_date
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)

    def certainly_met_by(self, at: dt.datetime) -> bool:
        """True when an act at `at` is in time however the uncovered days turn out (holidays only extend)."""
        return as_utc(at) < self.earliest_ends_at

    def explanation(self, language: str | None = None) -> list[str]:
        """The human explanation, one sentence a line, in `language` (default: the request's, else Chinese)."""
        language = language or current_language()
        return [line.render(language) for line in _explain(self)]

    def explanation_words(self) -> list[Message]:
        """The explanation as catalogue messages: the deadline's facts as values, words from the catalogue."""
        return _explain(self)

    def as_dict(self, language: str | None = None) -> dict[str, object]:
        """JSON form: ISO dates, datetimes in Asia/Shanghai with +08:00; `explanation` in `language` (as above)."""
        return {
            "counting": self.counting,
            "trigger": {
                "label": self.trigger_label,
                **({"key": self.trigger_key} if self.trigger_key else {}),
                **({"facts": dict(self.trigger_facts)} if self.trigger_key and self.trigger_facts else {}),
                "at": self.trigger_at.isoformat(),
                "date": _iso(self.trigger_date),
            },
            "period": {
                "label": self.period_label,
                **({"key": self.period_key} if self.period_key else {}),
                "days": self.period_days,
                **({"months": self.period_months} if self.period_months else {}),
                "counting_starts": _iso(self.counting_starts),
            },
            "raw_end_date": _iso(self.raw_end_date),
            "steps": [step.as_dict() for step in self.steps],
            "last_day": _iso(self.last_day),
            "last_day_detail": self.last_day_info.as_dict() if self.last_day_info else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "calendar_covered": self.calendar_covered,
            "uncovered_date": _iso(self.uncovered_date),
            "explanation": self.explanation(language),
        }


def compute_deadline(
    *, trigger_at: dt.datetime, period_days: int, trigger_label: str | Trigger, period_label: str, overrides: Overrides
) -> Deadline:
    """A period of calendar days after the trigger, its last day rolled past rest days and holidays."""
    head = _head("calendar_days", trigger_at, period_days, trigger_label, period_label)
    return _roll(head, overrides)


def add_months(
    *, trigger_at: dt.datetime, months: int, trigger_label: str | Trigger, period_label: str, overrides: Overrides
) -> Deadline:
    """A period of months (a year is 12) after the trigger (Civil Code Arts. 201-203).

    Counting starts the day after the trigger; the last day is the corresponding day of the last month, or that
    month's last day when it has none (31 January + 1 month: 28/29 February); then rolled like a period of days.
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"a period is a positive whole number of months, got {months!r}")
    start = as_utc(trigger_at).astimezone(SHANGHAI).date()
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    end = dt.date(year, month + 1, min(start.day, monthrange(year, month + 1)[1]))
    head = _head("calendar_days", trigger_at, (end - start).days, trigger_label, period_label)
    head["period_months"] = months
    return _roll(head, overrides)


def _roll(head: dict, overrides: Overrides) -> Deadline:
    steps: list[Step] = []
    day = head["raw_end_date"]
    for _ in range(MAX_NON_WORKING_RUN):
        try:
            info = day_kind(day, overrides)
        except CalendarNotCovered:  # every day before it was a rest day: the last day is this one or later
            return _finish(head, steps, None, uncovered=day, earliest=day)
        if info.is_working_day:
            return _finish(head, steps, info)
        steps.append(Step(info, "rolled_forward"))
        day += dt.timedelta(days=1)
    raise ValueError(f"no working day within {MAX_NON_WORKING_RUN} days after {head['raw_end_date']}; check overrides")


def add_working_days(
    *, trigger_at: dt.datetime, days: int, trigger_label: str | Trigger, period_label: str, overrides: Overrides
) -> Deadline:
    """A period counted in working days (工作日) after the trigger; rest days and holidays are skipped."""
    head = _head("working_days", trigger_at, days, trigger_label, period_label)
    steps: list[Step] = []
    day, counted = head["trigger_date"], 0
    while True:
        day += dt.timedelta(days=1)
        try:
            info = day_kind(day, overrides)
        except CalendarNotCovered:  # at best every day from here on is a working day
            return _finish(head, steps, None, uncovered=day, earliest=day + dt.timedelta(days=days - counted - 1))
        if info.is_working_day:
            counted += 1
            if counted == days:
                return _finish(head, steps, info)
        else:
            steps.append(Step(info, "not_counted"))
            if len(steps) > MAX_NON_WORKING_RUN * (1 + days // 5):
                raise ValueError(f"too few working days after {head['trigger_date']}; check the calendar overrides")


def _head(
    counting: Counting, trigger_at: dt.datetime, days: int, trigger_label: str | Trigger, period_label: str
) -> dict:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"a period is a positive whole number of days, got {days!r}")
    local = as_utc(trigger_at).astimezone(SHANGHAI)
    key = period_key(period_label)  # a key (or a known name) is kept, and the label is its Chinese name
    found = trigger_of(trigger_label)  # the same for the trigger, with its facts
    return {
        "period_key": key,
        "trigger_key": found.key if found else None,
        "trigger_facts": dict(found.facts) if found else None,
        "counting": counting,
        "trigger_label": found.name() if found else trigger_label,
        "trigger_at": local,
        "trigger_date": local.date(),
        "period_days": days,
        "period_label": period_name(key) if key else period_label,
        "raw_end_date": local.date() + dt.timedelta(days=days),
    }


def _finish(
    head: dict,
    steps: list[Step],
    final: DayInfo | None,
    *,
    uncovered: dt.date | None = None,
    earliest: dt.date | None = None,
) -> Deadline:
    last_day = final.date if final else None
    ends_at = None
    if last_day is not None:
        ends_at = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)
    return Deadline(
        **head,
        steps=tuple(steps),
        last_day=last_day,
        last_day_info=final,
        ends_at=ends_at,
        calendar_covered=final is not None,
        uncovered_date=uncovered,
        earliest_last_day=last_day or earliest,
    )


def _explain(deadline: Deadline) -> list[Message]:
    """The explanation's lines as messages (context "deadline"): dates, days and labels are the values."""
    facts = {
        "period": period_words(deadline.period_key, deadline.period_label),
        "start": deadline.counting_starts,
        "raw_end": deadline.raw_end_date,
        "days": deadline.period_days,
    }
    lines = [
        message(
            "Trigger: %(trigger)s at %(at)s Asia/Shanghai (trigger date %(date)s).",
            context="deadline",
            trigger=trigger_words(deadline.trigger, deadline.trigger_label),
            at=deadline.trigger_at.strftime("%Y-%m-%d %H:%M"),
            date=deadline.trigger_date,
        )
    ]
    if deadline.period_months:
        months = deadline.period_months
        lines.append(
            message(
                "Period: %(period)s, %(months)s months, counted from %(start)s, the day after the trigger.",
                context="deadline",
                **facts,
                months=months,
            )
        )
        lines.append(
            message(
                "Raw end date: %(raw_end)s (the day of the trigger date %(months)s months later, or that month's "
                "last day when it has no such day; Civil Code Art. 202).",
                context="deadline",
                **facts,
                months=months,
            )
        )
    elif deadline.counting == "calendar_days":
        lines.append(
            message(
                "Period: %(period)s, %(days)s days, counted from %(start)s, the day after the trigger.",
                context="deadline",
                **facts,
            )
        )
        lines.append(message("Raw end date: %(raw_end)s (trigger date + %(days)s days).", context="deadline", **facts))
    else:
        lines.append(
            message(
                "Period: %(period)s, %(days)s working days, counted from %(start)s, the day after the trigger.",
                context="deadline",
                **facts,
            )
        )
        lines.append(
            message("If every day were a working day it would end on %(raw_end)s.", context="deadline", **facts)
        )
    lines += [step.words() for step in deadline.steps]
    if deadline.last_day_info is None or deadline.ends_at is None:
        uncovered = deadline.uncovered_date
        # the lower bound comes first: callers and tests read the last line as the reason it is not covered
        lines.append(
            message(
                "Holidays can only extend a period: it ends no earlier than 24:00 Asia/Shanghai on %(day)s, so an "
                "act before then is in time whatever that year's holidays are.",
                context="deadline",
                day=deadline.earliest_last_day,
            )
        )
        lines.append(
            message(
                "Calendar not covered: %(day)s is beyond the holiday calendar (built-in data ends %(until)s, no "
                "override announces %(year)s); the deadline cannot be computed until an administrator enters that "
                "year's holidays.",
                context="deadline",
                day=uncovered,
                until=covered_until(),
                year=uncovered.year if uncovered else "?",
            )
        )
        return lines
    lines.append(
        message(
            "Final day: %(day)s; the deadline ends at 24:00 Asia/Shanghai on %(last_day)s (%(ends_at)s).",
            context="deadline",
            day=deadline.last_day_info.words(),
            last_day=deadline.last_day,
            ends_at=deadline.ends_at.isoformat(),
        )
    )
    return lines


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day_from(data: dict) -> DayInfo:
    return DayInfo(
        date=dt.date.fromisoformat(data["date"]),
        is_working_day=bool(data["is_working_day"]),
        kind=data["kind"],
        holiday_name=data.get("holiday_name"),
        source=data["source"],
    )


def from_dict(data: dict) -> Deadline:
    """A deadline back from its JSON form (`as_dict`), e.g. one stored with a fee notice or an evidence period."""
    trigger, period = data["trigger"], data["period"]
    detail = data.get("last_day_detail")
    # a row stored before trigger keys: its kind and facts read back from its stored name (else shown as written)
    found = trigger_of(trigger["label"]) if not trigger.get("key") else None
    return Deadline(
        counting=data["counting"],
        trigger_label=trigger["label"],
        trigger_at=dt.datetime.fromisoformat(trigger["at"]),
        trigger_date=dt.date.fromisoformat(trigger["date"]),
        period_days=period["days"],
        period_label=period["label"],
        raw_end_date=dt.date.fromisoformat(data["raw_end_date"]),
        steps=tuple(Step(_day_from(step), step["action"]) for step in data.get("steps") or []),
        last_day=dt.date.fromisoformat(data["last_day"]) if data.get("last_day") else None,
        last_day_info=_day_from(detail) if detail else None,
        ends_at=dt.datetime.fromisoformat(data["ends_at"]) if data.get("ends_at") else None,
        calendar_covered=bool(data["calendar_covered"]),
        uncovered_date=dt.date.fromisoformat(data["uncovered_date"]) if data.get("uncovered_date") else None,
        period_months=period.get("months"),
        period_key=period.get("key") or period_key(period["label"]),  # a row stored before keys: by its name
        trigger_key=trigger.get("key") or (found.key if found else None),
        trigger_facts=trigger.get("facts") or (dict(found.facts) if found else None),
    )


def localized(stored: dict | None, language: str | None = None) -> dict | None:
    """A stored deadline (`as_dict` JSON) with its explanation in `language` (default: the request's).

    Rebuilt from the stored facts when the stored explanation is exactly the engine's (in either language); a
    deadline the calendar did not cover, a record that added lines of its own, or one that cannot be read back
    keeps its stored words. The machine fields are returned as stored.
    """
    if not stored or not stored.get("calendar_covered"):
        return stored
    try:
        deadline = from_dict(stored)
        # stored before periods (or triggers) had English names: the caller's label inside either language's words
        known = [
            dataclasses.replace(
                deadline,
                period_key=deadline.period_key if period else None,
                trigger_key=deadline.trigger_key if trigger else None,
            ).explanation(other)
            for period in (True, False)
            for trigger in (True, False)
            for other in ("zh", "en")
        ]
    except (KeyError, TypeError, ValueError):
        return stored
    if stored.get("explanation") not in known:
        return stored
    return {**stored, "explanation": deadline.explanation(language)}
