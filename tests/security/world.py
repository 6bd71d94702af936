"""A small world of principals and objects for authorization tests: two courts, two organisations, people."""

from __future__ import annotations

import dataclasses
import uuid

from app.extensions import db
from app.identity.models import LawyerProfile
from tests.support.cases import file_case
from tests.support.factories import grant, login, machine_headers, make_client, make_court, make_org, make_user

NONEXISTENT = uuid.UUID("00000000-0000-7000-8000-000000000000")


@dataclasses.dataclass
class World:
    """Objects and the Authorization headers of each principal."""

    court: object
    other_court: object
    org: object
    other_org: object
    target_user: object
    lawyer_profile: object
    client_id: str
    case: object
    headers: dict[str, dict[str, str]]
    people: dict[str, object]
    extra: dict[str, object] = dataclasses.field(default_factory=dict)


PRINCIPALS = (
    "anonymous",
    "citizen",
    "lawyer",
    "mediator",
    "org_admin",
    "other_org_admin",
    "clerk",
    "other_clerk",
    "judge",
    "hotline_operator",
    "platform_admin",
    "machine",
    "other_machine",
)


def build_world() -> World:
    """Create every principal and object once for a test."""
    court, other_court = make_court(), make_court()
    org, other_org = make_org(name="甲调委会"), make_org(name="乙调委会")
    people = {name: make_user() for name in PRINCIPALS if name not in {"anonymous", "machine", "other_machine"}}
    grant(people["lawyer"], role="lawyer")
    grant(people["mediator"], role="mediator", org=org)
    grant(people["org_admin"], role="org_admin", org=org)
    grant(people["other_org_admin"], role="org_admin", org=other_org)
    grant(people["clerk"], role="clerk", court=court)
    grant(people["other_clerk"], role="clerk", court=other_court)
    grant(people["judge"], role="judge", court=court)
    grant(people["hotline_operator"], role="hotline_operator")
    grant(people["platform_admin"], role="platform_admin")
    target = make_user()
    applicant = make_user()
    profile = LawyerProfile(
        user_id=applicant.id, license_number="13302201899999999", law_firm="某律所", practice_region="浙江省"
    )
    db.session.add(profile)
    db.session.commit()
    headers = {name: login(user) for name, user in people.items()}
    headers["anonymous"] = {}
    headers["machine"] = machine_headers(court)
    headers["other_machine"] = machine_headers(other_court)
    client_id = make_client(court).client.client_id
    case = file_case(people["citizen"], court=court, org=org)
    world = World(court, other_court, org, other_org, target, profile, client_id, case, headers, people)
    for prepare in PREPARERS:
        prepare(world)
    return world


# Domain tables register functions here that add their own objects to the world (world.extra[...]).
PREPARERS: list = []
