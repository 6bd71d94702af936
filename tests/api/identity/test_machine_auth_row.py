"""A court system's authentication reads its client's standing as one Core row (issue 18), every request.

The row decides as the entity did: an active client whose court is the token's court passes; a token naming
another court, a revoked client or an unknown one is refused with auth.client_revoked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from app.errors import Unauthorized
from app.extensions import db
from app.identity import login_sessions, machine_clients
from app.identity.client_models import MachineClient
from app.platform import settings
from app.security import tokens
from tests.integration.test_statement_budgets import counting
from tests.support.factories import make_client, make_court

WHOAMI = "/api/court/v1/whoami"


def machine_token(subject: str, court: str) -> dict[str, str]:
    token, _claims = tokens.encode(
        login_sessions.key_ring(),
        subject=subject,
        audience=login_sessions.MACHINE_AUDIENCE,
        issuer=settings.identity().jwt_issuer,
        token_type="machine",
        ttl=dt.timedelta(minutes=5),
        court=court,
    )
    return {"Authorization": f"Bearer {token}"}


def test_the_client_row_decides_on_every_request(client):
    court, other = make_court(), make_court()
    issued = make_client(court)
    headers = machine_token(issued.client.client_id, str(court.id))
    with counting() as count:
        answer = client.get(WHOAMI, headers=headers)
    assert answer.status_code == 200
    assert answer.get_json() == {"kind": "machine", "subject": issued.client.client_id, "court_ids": [str(court.id)]}
    assert len([s for s in count.statements if "machine_clients" in s]) == 1, count
    for refused in (machine_token(issued.client.client_id, str(other.id)), machine_token("mc_unknown", str(court.id))):
        assert client.get(WHOAMI, headers=refused).status_code == 401
        with pytest.raises(Unauthorized) as caught:
            machine_clients.authenticate_machine(token=refused["Authorization"].split()[1])
        assert caught.value.reason == "auth.client_revoked"
    db.session.execute(update(MachineClient).values(status="revoked"))
    db.session.commit()
    assert client.get(WHOAMI, headers=headers).status_code == 401
    with pytest.raises(Unauthorized) as caught:
        machine_clients.authenticate_machine(token=headers["Authorization"].split()[1])
    assert caught.value.reason == "auth.client_revoked"
