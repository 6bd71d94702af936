"""Authorization rows for the court's queue of judicial-confirmation applications.

Like the filings queue: a court's clerks, judges and machine client get their own court's queue (the other
court's staff get theirs, so 200 too); every other person is known but not court staff (403 `court.not_staff`).
"""

from __future__ import annotations

from tests.security.routes import COURT, Route

STAFF = frozenset({"clerk", "judge", "machine", "other_clerk", "other_machine"})
NOT_STAFF_USERS = frozenset(
    {"citizen", "lawyer", "mediator", "org_admin", "other_org_admin", "hotline_operator", "platform_admin"}
)

ROUTES = [
    Route("GET", f"{COURT}/judicial-confirmations", "any", STAFF, special=dict.fromkeys(NOT_STAFF_USERS, 403)),
]
