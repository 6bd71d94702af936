"""Evidence-period rules that need no database: the bounds per procedure, extensions, and lateness.

Sources (SPC Provisions on Evidence in Civil Proceedings, 2019): Art. 51 — the court sets the period after
acceptance; in ordinary first-instance procedure it is at least 15 days; in summary procedure (简易程序) at most
15 days; in small-claims procedure (小额诉讼) usually at most 7 days. Art. 52-54 — a party who cannot provide
evidence in time applies, within the period, for an extension; the court decides, and a granted extension
applies to the other parties too. Art. 59 and CPL Art. 68 — evidence given after the period is for the court
to admit or refuse (逾期举证).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.errors import ValidationFailed
from app.utils.clock import as_utc

PROCEDURES = ("ordinary", "summary", "small_claims")
PROCEDURE_LABELS = {"ordinary": "普通程序", "summary": "简易程序", "small_claims": "小额诉讼程序"}
# Each extension at most this many days; the court can extend again (a bound against typing errors).
MAX_EXTENSION_DAYS = 60
# States in which a litigation case takes a period or an extension (after acceptance, before the decision).
OPEN_STATES = ("accepted", "in_trial", "hearing_scheduled")


@dataclasses.dataclass(frozen=True)
class Bounds:
    """The days a court may set under one procedure; `usual_max` above which it must give a reason."""

    min_days: int
    max_days: int
    usual_max: int | None = None


BOUNDS = {
    "ordinary": Bounds(min_days=15, max_days=365),
    "summary": Bounds(min_days=1, max_days=15),
    "small_claims": Bounds(min_days=1, max_days=15, usual_max=7),
}


def check_days(procedure: str, days: int, reason: str | None) -> None:
    """The days fit the procedure (422 naming the bound otherwise); above the usual maximum a reason is required."""
    if procedure not in BOUNDS:
        raise ValidationFailed(errors={"procedure": [f"Must be one of {', '.join(PROCEDURES)}."]})
    bounds = BOUNDS[procedure]
    label = PROCEDURE_LABELS[procedure]
    if days < bounds.min_days:
        raise ValidationFailed(
            f"In {label} the evidence period is at least {bounds.min_days} days.",
            reason="evidence_period.too_short",
            errors={"days": [f"At least {bounds.min_days} days under {procedure} procedure."]},
        )
    if days > bounds.max_days:
        raise ValidationFailed(
            f"In {label} the evidence period is at most {bounds.max_days} days.",
            reason="evidence_period.too_long",
            errors={"days": [f"At most {bounds.max_days} days under {procedure} procedure."]},
        )
    if bounds.usual_max is not None and days > bounds.usual_max and not (reason or "").strip():
        raise ValidationFailed(
            f"In {label} the evidence period is usually at most {bounds.usual_max} days; give the reason for more.",
            reason="evidence_period.reason_required",
            errors={"reason": [f"Required when setting more than {bounds.usual_max} days."]},
        )


def check_extension(days: int) -> None:
    """One extension is 1..MAX_EXTENSION_DAYS days."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(errors={"days": [f"Between 1 and {MAX_EXTENSION_DAYS} days."]})


def is_late(ends_at: dt.datetime | None, at: dt.datetime) -> bool:
    """Whether an act at `at` falls after the period's end (24:00 Asia/Shanghai of its last day); no period: never."""
    return ends_at is not None and as_utc(at) >= as_utc(ends_at)


def extension_trigger(ends_at: dt.datetime) -> dt.datetime:
    """The trigger an extension counts from: the last moment of the current last day (counting starts the next)."""
    return as_utc(ends_at) - dt.timedelta(seconds=1)
