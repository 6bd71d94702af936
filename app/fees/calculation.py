"""Fee calculation by the Measures on the Payment of Litigation Costs (诉讼费用交纳办法), from the schedule data.

Every figure comes back with its basis: the schedule and article, each bracket used and the arithmetic as lines.
Amounts in: yuan as a decimal string or Decimal with at most two decimals (the case's NUMERIC(16, 2) amount),
converted exactly to fen. Arithmetic: exact fractions of a fen; the total is rounded once, half up, to a whole
fen; a half fee (Arts. 15-16) is half of that whole-fen fee, rounded half up. Pure: no database, no Flask.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from app.fees import schedule as fee_schedule

FEN_PER_YUAN = 100


@dataclasses.dataclass(frozen=True)
class Fee:
    """A computed fee in whole fen and how it was reached."""

    amount_fen: int
    schedule: str
    basis: dict[str, Any]


class AmountError(ValueError):
    """An amount that is not a non-negative number of yuan with at most two decimals."""


def to_fen(amount: Decimal | str | int | None) -> int | None:
    """Yuan to whole fen, exactly ("12000.5" -> 1200050); None stays None."""
    if amount is None:
        return None
    if isinstance(amount, (bool, float)):
        raise AmountError("give the amount as a decimal string, not a float")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise AmountError("not a number of yuan") from None
    if not value.is_finite() or value < 0:
        raise AmountError("the amount must be a non-negative number of yuan")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise AmountError("the amount has more than two decimals (fen)")
    return int(fen)


def yuan(fen: int | Fraction) -> str:
    """Fen as yuan with two decimals (or the exact value, or four decimals marked ≈, for a fraction of a fen)."""
    value = Fraction(fen) / FEN_PER_YUAN
    if value.denominator == 1 or FEN_PER_YUAN % value.denominator == 0:
        return f"{Decimal(value.numerator) / Decimal(value.denominator):,.2f}"
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{exact:,f}" if denominator == 1 else f"≈{exact:,.4f}"


def plain_yuan(fen: int) -> str:
    """Whole fen as the API's money string, e.g. 230000 -> "2300.00"."""
    return f"{Decimal(fen) / FEN_PER_YUAN:.2f}"


def round_fen(value: Fraction) -> int:
    """Half up to a whole fen (values are never negative)."""
    return int((value + Fraction(1, 2)) // 1)


def calculate(
    schedule_name: str,
    amount: Decimal | str | int | None = None,
    *,
    halved: str | None = None,
    appeal: bool = False,
    data: dict[str, Any] | None = None,
) -> Fee:
    """The fee of one schedule for an amount (None: no amount, e.g. enforcement without one)."""
    data = data or fee_schedule.load()
    schedules = data["schedules"]
    if schedule_name not in schedules:
        raise KeyError(schedule_name)
    if halved is not None and halved not in data["halving"]:
        raise KeyError(halved)
    amount_fen = to_fen(amount)
    spec = schedules[schedule_name]
    lines: list[str] = []
    exact, used = _exact(spec, schedules, amount_fen, lines)
    full = round_fen(exact)
    if exact != full:
        lines.append(f"Rounded half up to a whole fen: {yuan(full)} yuan.")
    articles = [spec["article"]]
    if appeal:
        articles.append(data["appeal"]["article"])
        lines.insert(0, f"Appeal ({data['appeal']['article']}): the first-instance standard on the appealed amount.")
    fee = full
    if halved is not None:
        rule = data["halving"][halved]
        fee = round_fen(Fraction(full, 2))
        articles.append(rule["article"])
        lines.append(f"Half ({rule['article']}, {rule['label']}): {yuan(full)} / 2 = {yuan(fee)} yuan.")
    lines.append(f"Fee: {yuan(fee)} yuan = {fee} fen.")
    basis = {
        "measures": data["title"],
        "data_version": data["version"],
        "schedule": schedule_name,
        "label": spec["label"],
        "article": spec["article"],
        "articles": articles,
        "amount_yuan": yuan(amount_fen) if amount_fen is not None else None,
        "amount_fen": amount_fen,
        "brackets": used,
        "halved": halved,
        "appeal": appeal,
        "full_fee_fen": full,
        "fee_fen": fee,
        "lines": lines,
        "rounding": data.get("rounding", ""),
    }
    return Fee(amount_fen=fee, schedule=schedule_name, basis=basis)


def _exact(spec: dict, schedules: dict, amount_fen: int | None, lines: list[str]) -> tuple[Fraction, list[dict]]:
    kind = spec["kind"]
    if kind == "free":
        lines.append(f"No fee ({spec['article']}: {spec['label']}).")
        return Fraction(0), []
    if kind == "fraction_of":
        base = schedules[spec["of"]]
        if amount_fen is None:
            raise AmountError(f"{spec['label']} needs the amount claimed")
        exact, used = _brackets(base, amount_fen, lines)
        fraction = Fraction(spec["fraction"])
        result = exact * fraction
        lines.append(
            f"{spec['article']}: {spec['fraction']} of the {base['label']} fee: "
            f"{yuan(exact)} × {spec['fraction']} = {yuan(result)} yuan."
        )
        return result, used
    if kind == "fixed":
        fixed = to_fen(spec["fixed"]["amount"]) or 0
        lines.append(
            f"{spec['article']} {spec['label']}: {yuan(fixed)} yuan per case "
            f"(the Measures allow {spec['fixed']['min']}-{spec['fixed']['max']} yuan)."
        )
        if "brackets" not in spec or not amount_fen:
            return Fraction(fixed), []
        lines.append(f"Plus, on {yuan(amount_fen)} yuan ({spec.get('brackets_label', 'amount involved')}):")
        extra, used = _brackets(spec, amount_fen, lines)
        return fixed + extra, used
    # brackets
    if amount_fen is None:
        if "without_amount" not in spec:
            raise AmountError(f"{spec['label']} needs an amount")
        fixed = to_fen(spec["without_amount"]["amount"]) or 0
        lines.append(f"{spec['article']} {spec['label']} without an amount: {yuan(fixed)} yuan per case.")
        return Fraction(fixed), []
    exact, used = _brackets(spec, amount_fen, lines)
    if "cap" in spec:
        cap = to_fen(spec["cap"]) or 0
        if exact > cap:
            lines.append(f"At most {yuan(cap)} yuan ({spec['article']}).")
            exact = Fraction(cap)
    return exact, used


def _brackets(spec: dict, amount_fen: int, lines: list[str]) -> tuple[Fraction, list[dict]]:
    """Progressive brackets (分段累计): each part of the amount pays its bracket's rate."""
    total = Fraction(0)
    used: list[dict] = []
    lower = 0
    for number, bracket in enumerate(spec["brackets"]):
        upper = to_fen(bracket["up_to"]) if bracket["up_to"] is not None else None
        if number > 0 and amount_fen <= lower:
            break
        top = amount_fen if upper is None else min(amount_fen, upper)
        portion = max(top - lower, 0)
        span = f"over {yuan(lower)} up to {yuan(upper)}" if upper is not None else f"over {yuan(lower)}"
        if "fixed" in bracket:
            part = Fraction(to_fen(bracket["fixed"]) or 0)
            span = f"up to {yuan(upper)}" if upper is not None else "any amount"
            lines.append(f"{spec['article']} bracket {number + 1}, {span} yuan: {yuan(part)} yuan per case.")
            used.append({"bracket": number + 1, "from_yuan": yuan(0), "to_yuan": _opt(upper), "fixed_yuan": yuan(part)})
        else:
            rate = Fraction(Decimal(bracket["rate"]))
            part = portion * rate
            percent = f"{Decimal(bracket['rate']) * 100:f}".rstrip("0").rstrip(".") + "%"
            lines.append(
                f"{spec['article']} bracket {number + 1}, {span} yuan: {yuan(portion)} × {percent} = {yuan(part)} yuan."
            )
            used.append(
                {
                    "bracket": number + 1,
                    "from_yuan": yuan(lower),
                    "to_yuan": _opt(upper),
                    "rate": bracket["rate"],
                    "portion_yuan": yuan(portion),
                    "fee_yuan": yuan(part),
                }
            )
        total += part
        if upper is None:
            break
        lower = upper
    if len(used) > 1:
        lines.append(f"Sum of the brackets: {yuan(total)} yuan.")
    return total, used


def _opt(fen: int | None) -> str | None:
    return yuan(fen) if fen is not None else None


def schedule_for_case(category: str, amount: Decimal | None, data: dict[str, Any] | None = None) -> str:
    """Which schedule a litigation case's acceptance fee follows: its category's, else property if it claims an
    amount, else other non-property (the clerk can correct it with an adjusted notice)."""
    data = data or fee_schedule.load()
    mapped = (data.get("categories") or {}).get(category)
    if mapped is not None:
        return mapped
    return "property" if amount is not None and amount > 0 else "other_non_property"
