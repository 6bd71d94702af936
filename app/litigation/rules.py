"""Rules of litigation after acceptance (no database): closing methods, what a served document decides, periods.

Closing methods (结案方式) and where each leads:
- served decisions: judgment (判决) and dismissal (驳回起诉, a ruling) become `adjudicated` when served and are
  appealable (CPL Art. 171: 15 days for a judgment, 10 for a ruling, 30 without a domicile in China, Art. 286);
  a mediation statement (调解书) becomes `adjudicated` when served and `effective` once every party has been
  served (CPL Art. 100: it takes effect on receipt; no appeal).
- closed at once (结案 without a served decision that could be appealed): withdrawal permitted (准予撤诉),
  treated as withdrawn (按撤诉处理), transfer (移送), termination (终结诉讼), other (其他).
"""

from __future__ import annotations

import datetime as dt

from app.legal import Deadline, add_months, deadlines
from app.legal import calendar as legal_calendar
from app.utils.clock import SHANGHAI

CLOSING_METHODS: dict[str, str] = {
    "judgment": "判决",
    "dismissal": "驳回起诉",
    "mediation": "调解",
    "withdrawal_permitted": "准予撤诉",
    "treated_as_withdrawn": "按撤诉处理",
    "transfer": "移送",
    "termination": "终结诉讼",
    "other": "其他",
}
# closing method -> the document type whose service adjudicates the case
SERVED_BY = {"judgment": "judgment", "dismissal": "ruling", "mediation": "mediation_document"}
CLOSED_AT_ONCE = tuple(method for method in CLOSING_METHODS if method not in SERVED_BY)
# a document that decides the case without a recorded decision: a judgment or a mediation statement always does;
# a ruling only when the court recorded a decision by ruling (most rulings are interim: jurisdiction, preservation)
IMPLIED_BY_DOCUMENT = {"judgment": "judgment", "mediation_document": "mediation"}
APPEALABLE = ("judgment", "dismissal")
ENFORCEABLE = ("judgment", "mediation")
BEFORE_DECISION = ("accepted", "in_trial", "hearing_scheduled")
ENFORCEMENT_YEARS = 2  # CPL Art. 250
ENFORCEMENT_TYPE_CODE = "执"

WEBHOOK_EVENTS = (
    "litigation.trial_started",
    "litigation.decision_recorded",
    "litigation.adjudicated",
    "litigation.appeal_filed",
    "litigation.appeal_acknowledged",
    "litigation.appeal_forwarded",
    "litigation.effective",
    "litigation.closed",
    "enforcement.applied",
    "enforcement.accepted",
    "enforcement.rejected",
)


def closing_label(method: str) -> str:
    """The Chinese name of a closing method."""
    return CLOSING_METHODS[method]


def method_for_document(doc_type: str, recorded: str | None) -> str | None:
    """The closing method a served document of this type decides the case by, or None (it decides nothing)."""
    if recorded is not None:
        return recorded if SERVED_BY.get(recorded) == doc_type else None
    return IMPLIED_BY_DOCUMENT.get(doc_type)


def performance_ends_on(effective_at: dt.datetime, performance_days: int | None) -> dt.date:
    """The last day of the performance period: `performance_days` after the day of legal effect, or that day."""
    day = effective_at.astimezone(SHANGHAI).date()
    return day + dt.timedelta(days=performance_days or 0)


def enforcement_limitation(
    *, effective_at: dt.datetime, performance_days: int | None, source: str, overrides: legal_calendar.Overrides
) -> Deadline:
    """The two-year period to apply for enforcement (CPL Art. 250), explained by the deadline engine.

    It runs from the last day of the performance period the document sets, or from the day it took effect when
    it sets none; counting starts the next day; the last day is the same date two years on (Civil Code Art. 202),
    rolled past a rest day or holiday (Art. 203). Suspension and interruption (Art. 250 applies the limitation
    rules) are for the enforcement court to weigh; the platform computes the ordinary end. `source` is the
    enforceable title: a document type ("judgment", "mediation_document") or "judicial_confirmation" (its ruling).
    """
    last_day = performance_ends_on(effective_at, performance_days)
    trigger = dt.datetime.combine(last_day, dt.time(12), tzinfo=SHANGHAI)
    if source == "judicial_confirmation":
        label = deadlines.trigger("judicial_confirmation.effective")
    elif performance_days:
        label = deadlines.trigger("performance.ended", document=source, days=performance_days)
    else:
        label = deadlines.trigger("title.effective", document=source)
    return add_months(
        trigger_at=trigger,
        months=12 * ENFORCEMENT_YEARS,
        trigger_label=label,
        period_label="申请执行期间（二年）",
        overrides=overrides,
    )
