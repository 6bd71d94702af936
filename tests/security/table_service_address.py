"""Authorization rows for the service address's e-mail code and the dev e-mail outbox.

In the world the citizen (the applicant) consented on the filing form with no e-mail, so no code waits for them:
409 `service_consent.no_code_pending` for the citizen, 404 for everyone else (not their case). Nobody has a consent
for all cases, so the all-cases confirmation answers 409 `service_consent.not_given` to every person.
"""

from __future__ import annotations

from tests.security.routes import MP, USERS, Route
from tests.security.world import NONEXISTENT

ROUTES = [
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/service-consent/address/confirm",
        "user",
        frozenset(),
        lambda w: f"/cases/{w.case.id}/service-consent/address/confirm",
        lambda w: {"code": "123456"},
        special={**dict.fromkeys(USERS, 404), "citizen": 409},
    ),
    Route(
        "POST",
        f"{MP}/me/service-consent/address/confirm",
        "user",
        frozenset(),
        body=lambda w: {"code": "123456"},
        special=dict.fromkeys(USERS, 409),
    ),
    Route("GET", f"{MP}/dev/email-outbox", "public", public_status=200, query={"email": "someone@example.com"}),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/service-consent/address/confirm": (
        f"/cases/{NONEXISTENT}/service-consent/address/confirm"
    ),
}
