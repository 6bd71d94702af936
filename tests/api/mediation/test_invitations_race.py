"""Single-use invitations accept exactly once under a race of concurrent accepts (real threads).

Meant for PostgreSQL (row locks, READ COMMITTED); on SQLite the database's single write lock serialises the
accepts, and the same outcome must hold.
"""

import threading
import uuid

from sqlalchemy import func, select

from app.cases.models import CaseParty
from app.errors import NotFound
from app.extensions import db
from app.identity import login_sessions as sessions
from app.invitations import accept as invitations_accept
from app.invitations.models import Invitation
from tests.support.factories import login
from tests.support.scheduling import MP, mediation_case, mediator, person

RACERS = 10


def race(app, url_for_each: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(url_for_each))
    results = []

    def accept(url, headers):
        client = app.test_client()
        barrier.wait()
        response = client.post(url, headers=headers)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=accept, args=call) for call in url_for_each]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_many_people_race_for_one_single_use_invitation(app, client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    issued = client.post(f"{MP}/cases/{case.id}/invitations", json={"role": "third_party"}, headers=login(med))
    token, code = issued.get_json()["token"], issued.get_json()["code"]
    racers = [person() for _ in range(RACERS)]
    calls = [
        (f"{MP}/invitations/{token}/accept" if n % 2 else f"{MP}/invitations/by-code/{code}/accept", login(user))
        for n, user in enumerate(racers)
    ]
    results = race(app, calls)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [404] * (RACERS - 1), results
    assert {body["reason"] for status, body in results if status == 404} == {"invitation.not_found"}
    db.session.expire_all()
    assert db.session.scalars(select(Invitation)).one().uses == 1
    joined = db.session.scalar(
        select(func.count()).select_from(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "third_party")
    )
    assert joined == 1


def test_the_counter_alone_admits_exactly_max_uses(app, clock):
    """Without the case lock in front (called per thread on the service), the atomic UPDATE still admits max_uses."""
    med = mediator()
    case = mediation_case(mediator_user=med)
    invitation_id = _open_invitation(case, med, max_uses=3)
    racers = [person() for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    taken = []

    def take(user_id):
        with app.app_context():
            barrier.wait()
            invitation = db.session.get(Invitation, invitation_id)
            try:
                invitations_accept._take_use(invitation)
                db.session.commit()
                taken.append(user_id)
            except NotFound:  # used up: the one 404 (it rolled back)
                pass

    threads = [threading.Thread(target=take, args=(user.id,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(taken) == 3
    db.session.expire_all()
    assert db.session.get(Invitation, invitation_id).uses == 3


def _open_invitation(case, med, *, max_uses: int) -> uuid.UUID:
    from app.invitations import issuing as invitations

    actor = sessions.load_principal(med)
    issued = invitations.issue(case_id=case.id, actor=actor, role="third_party", max_uses=max_uses)
    return issued["invitation_id"]
