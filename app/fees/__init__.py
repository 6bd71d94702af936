"""Litigation fees (诉讼费用): the calculation by the Measures on the Payment of Litigation Costs (its brackets and
fixed amounts are data in app/fees/data/), payment notices and their deadlines, reminders and the clerk's decision
at the deadline, the append-only ledger per case and payer in fen, and deferral, reduction and waiver. It sits
above cases, legal, evidence and notifications; payments (WeChat Pay) posts its money movements here through
`ledger.post`.

Other packages import only what `__all__` names: the modules listed (`from app.fees import <module>`) and the
names re-exported below.
"""

from app.fees.models import LEDGER_KINDS, FeeCourtSetting, FeeNotice, FeeRelief, LedgerEntry

__all__ = [
    "LEDGER_KINDS",
    "FeeCourtSetting",
    "FeeNotice",
    "FeeRelief",
    "LedgerEntry",
    "adjust",
    "calculation",
    "court_settings",
    "enforcement",
    "ledger",
    "litigation_steps",
    "messages",
    "notices",
    "overdue",
    "queries",
    "relief",
    "schedule",
]
