"""The fee schedule as data: app/fees/data/measures_2007.json (or the file FEES_SCHEDULE_PATH names), loaded once
and validated, so a court can read (GET /api/public/v1/fees/schedule) and check every bracket and fixed amount,
and an update is a reviewed change of the data file with a new `version` (docs/fees.md).

Pure: no database, no Flask.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "measures_2007.json"
KINDS = ("brackets", "fixed", "fraction_of", "free")


class ScheduleError(ValueError):
    """The schedule file is not valid; the message names the place."""


@lru_cache(maxsize=4)
def load(path: str | None = None) -> dict[str, Any]:
    """The validated schedule (cached per path)."""
    target = Path(path) if path else DEFAULT_PATH
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScheduleError(f"{target}: {exc}") from None
    validate(data)
    return data


def validate(data: Any) -> None:
    """Raise ScheduleError at the first thing that is wrong."""
    if not isinstance(data, dict):
        raise ScheduleError("the schedule must be an object")
    for key in ("version", "title", "effective_from", "schedules", "halving", "notice"):
        if key not in data:
            raise ScheduleError(f"missing {key!r}")
    schedules = data["schedules"]
    if not isinstance(schedules, dict) or "property" not in schedules:
        raise ScheduleError("schedules must hold at least 'property'")
    for name, schedule in schedules.items():
        _check_schedule(name, schedule, schedules)
    for name, target in (data.get("categories") or {}).items():
        if target not in schedules:
            raise ScheduleError(f"categories.{name}: unknown schedule {target!r}")
    period = data["notice"].get("period_days")
    if not isinstance(period, int) or not 1 <= period <= 60:
        raise ScheduleError("notice.period_days must be a whole number of days (1-60)")
    for name, rule in data["halving"].items():
        if not isinstance(rule, dict) or not rule.get("article"):
            raise ScheduleError(f"halving.{name}: needs an article")


def _check_schedule(name: str, schedule: Any, schedules: dict) -> None:
    where = f"schedules.{name}"
    if not isinstance(schedule, dict) or schedule.get("kind") not in KINDS:
        raise ScheduleError(f"{where}.kind must be one of {', '.join(KINDS)}")
    if not schedule.get("article") or not schedule.get("label"):
        raise ScheduleError(f"{where}: needs a label and an article")
    kind = schedule["kind"]
    if kind == "fixed":
        _check_range(f"{where}.fixed", schedule.get("fixed"))
    if "without_amount" in schedule:
        _check_range(f"{where}.without_amount", schedule["without_amount"])
    if kind == "brackets" or "brackets" in schedule:
        _check_brackets(f"{where}.brackets", schedule.get("brackets"))
    if "cap" in schedule:
        _yuan(f"{where}.cap", schedule["cap"])
    if kind == "fraction_of":
        if schedule.get("of") not in schedules or schedules[schedule["of"]].get("kind") != "brackets":
            raise ScheduleError(f"{where}.of must name a schedule of brackets")
        try:
            fraction = Fraction(schedule.get("fraction", ""))
        except (ValueError, ZeroDivisionError):
            raise ScheduleError(f"{where}.fraction must be like '1/3'") from None
        if not 0 < fraction <= 1:
            raise ScheduleError(f"{where}.fraction must be between 0 and 1")


def _check_range(where: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise ScheduleError(f"{where} must be an object with min, max and amount")
    low, high, amount = (_yuan(f"{where}.{key}", value.get(key)) for key in ("min", "max", "amount"))
    if not low <= amount <= high:
        raise ScheduleError(f"{where}.amount must lie between min and max")


def _check_brackets(where: str, brackets: Any) -> None:
    if not isinstance(brackets, list) or not brackets:
        raise ScheduleError(f"{where} must be a non-empty list")
    previous = Decimal(0)
    for number, bracket in enumerate(brackets):
        here = f"{where}[{number}]"
        last = number == len(brackets) - 1
        if not isinstance(bracket, dict):
            raise ScheduleError(f"{here} must be an object")
        if last != (bracket.get("up_to") is None):
            raise ScheduleError(f"{here}.up_to: only the last bracket is open-ended (null)")
        if not last:
            upper = _yuan(f"{here}.up_to", bracket["up_to"])
            if upper <= previous:
                raise ScheduleError(f"{here}.up_to must be above the bracket before")
            previous = upper
        if ("rate" in bracket) == ("fixed" in bracket):
            raise ScheduleError(f"{here}: give either a rate or a fixed amount")
        if "fixed" in bracket:
            if number != 0:
                raise ScheduleError(f"{here}: only the first bracket may be a fixed amount per case")
            _yuan(f"{here}.fixed", bracket["fixed"])
        else:
            rate = _decimal(f"{here}.rate", bracket["rate"])
            if not 0 <= rate < 1:
                raise ScheduleError(f"{here}.rate must be a fraction below 1 (0.025 is 2.5%)")


def _decimal(where: str, value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ScheduleError(f"{where} must be a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ScheduleError(f"{where} must be a decimal string") from None
    if not number.is_finite():
        raise ScheduleError(f"{where} must be finite")
    return number


def _yuan(where: str, value: Any) -> Decimal:
    number = _decimal(where, value)
    if number < 0 or number != number.quantize(Decimal("0.01")):
        raise ScheduleError(f"{where} must be a non-negative amount of yuan with at most two decimals")
    return number
