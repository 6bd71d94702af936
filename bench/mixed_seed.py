"""The people and cases of bench/mixed_workload.py, written inside the app (run in a subprocess with its env).

    python bench/mixed_seed.py --citizens 200 --mediators 20      # prints one JSON object on its last line

One court with a machine client; one mediation organisation whose mediators work Monday to Friday,
09:00-12:00 and 14:00-18:00; `--citizens` people with a phone and a verified identity (real name, ID
number). Citizen i files two mediation cases (through `case_filing.create_case`, as a phone would) against
citizen i+1, who has joined them; each has a mediator who accepted it (`mediator_accepted`, so sessions can
be booked). Citizen i+7 sues citizen i at the court: an accepted litigation case whose defendant joined and
consented to electronic service at a confirmed address, so a pushed document is delivered at once. So every
citizen sees six cases: two filed, two as respondent, one as plaintiff and one as defendant.
Every citizen and mediator gets a logged-in session (a refresh token, as a phone keeps it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "刚",
]
WORKING_HOURS = [(540, 720), (840, 1080)]  # 09:00-12:00 and 14:00-18:00, Asia/Shanghai
COURT_CODE = "浙9902"


def phone_of(n: int) -> str:
    """The mobile number of citizen n (unique, mainland format)."""
    return f"1390{n:07d}"


def name_of(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


def citizen(n: int):
    """A user with an encrypted phone and a verified identity (real name + a valid ID number)."""
    from app.identity.models import User
    from app.security import idcard, pii
    from app.utils import clock

    phone = pii.normalize_phone(phone_of(n))
    body = f"33020619850101{n:03d}"  # 17 digits: region, birth date, sequence (n < 1000)
    id_number = body + idcard.check_digit(body)
    return User(
        display_name=f"citizen{n}", real_name=name_of(n), verification_status="verified",
        verified_at=clock.now(), verification_provider="development",
        phone_enc=pii.encrypt(phone, field="phone"), phone_index=pii.blind_index(phone, field="phone"),
        id_number_enc=pii.encrypt(id_number, field="id_number"),
        id_number_index=pii.blind_index(id_number, field="id_number"),
    )  # fmt: skip


def file_case(filer, opponent, *, kind: str, venue: dict, number: int):
    """File through the service, then the opponent joins and consents to e-service (confirmed address)."""
    from app.cases import filing as case_filing
    from app.cases.models import CaseConsent, CaseParty
    from app.extensions import db
    from app.identity import login_sessions as sessions
    from app.utils import clock

    mine, theirs = ("applicant", "respondent") if kind == "mediation" else ("plaintiff", "defendant")
    data = {
        "kind": kind, **venue, "category": "民间借贷纠纷", "amount": None,
        "title": f"{filer.real_name}诉{opponent.real_name}借款纠纷{number}",
        "claims": "请求归还借款12000元及利息。", "facts": "借款到期未还。",
        "consents": {"e_service": True, "online_mediation": kind == "mediation"},
        "parties": [{"role": mine, "name": filer.real_name, "is_self": True, "party_type": "person"},
                    {"role": theirs, "name": opponent.real_name, "is_self": False, "party_type": "person"}],
    }  # fmt: skip
    case = case_filing.create_case(actor=sessions.load_principal(filer), data=data, creation_key=f"seed-{number}")
    party = db.session.query(CaseParty).filter_by(case_id=case.id, role=theirs).one()
    party.user_id, party.joined_at = opponent.id, clock.now()
    db.session.add(
        CaseConsent(
            case_id=case.id, party_id=party.id, kind="e_service", given=True, address="mini-program inbox",
            address_confirmed=True, method="mini_program", recorded_by=opponent.id, given_at=clock.now(),
        )
    )  # fmt: skip
    return case, party


def seed(citizens: int, mediators: int) -> dict:
    """Write everything; return what the virtual users need (ids, phones, refresh tokens, the client)."""
    from app import create_app
    from app.extensions import db
    from app.identity import login_sessions as sessions
    from app.identity import machine_clients
    from app.identity.models import User
    from app.identity.organization_models import Court, MediationOrganization, OrgMembership
    from app.scheduling.models import WorkingHours

    app = create_app()
    with app.app_context():
        court = Court(code=COURT_CODE, name="基准混合负载人民法院", region="浙江省")
        org = MediationOrganization(name="基准人民调解委员会", org_type="peoples_committee", region="浙江省",
                                    regions=["浙江省"])  # fmt: skip
        db.session.add_all([court, org])
        db.session.flush()
        staff = [User(display_name=f"mediator{m}", real_name=f"调解员{name_of(m + 7)}") for m in range(mediators)]
        people = [citizen(n) for n in range(citizens)]
        db.session.add_all(staff + people)
        db.session.flush()
        for user in staff:
            db.session.add(OrgMembership(org_id=org.id, user_id=user.id, role="mediator"))
            db.session.add_all(WorkingHours(user_id=user.id, weekday=day, start_minute=start, end_minute=end)
                               for day in range(5) for start, end in WORKING_HOURS)  # fmt: skip
        db.session.commit()
        plan = {n: {"mediation": [], "defendant": None} for n in range(citizens)}
        serial = 0
        for n, filer in enumerate(people):
            for _ in range(2):
                m = serial % mediators
                case, _party = file_case(filer, people[(n + 1) % citizens], kind="mediation",
                                         venue={"org_id": org.id}, number=serial)  # fmt: skip
                case.status, case.mediator_user_id = "mediator_accepted", staff[m].id
                db.session.commit()
                for who in (n, (n + 1) % citizens):
                    plan[who]["mediation"].append({"case_id": str(case.id), "mediator": m})
                serial += 1
            defendant = (n + 7) % citizens if citizens > 7 else (n + 1) % citizens
            case, party = file_case(filer, people[defendant], kind="litigation", venue={"court_id": court.id},
                                    number=serial)  # fmt: skip
            case.status, case.case_number = "accepted", f"(2026){COURT_CODE}民初{n + 1}号"
            db.session.commit()
            plan[defendant]["defendant"] = {"case_id": str(case.id), "recipient_party_id": str(party.id)}
            serial += 1
        issued = machine_clients.create_client(court_id=court.id, name="bench court system", actor=None)
        return {
            "client_id": issued.client.client_id,
            "secret": issued.client_secret,
            "mediators": [{"refresh": sessions.start_session(user=u, method="bench").refresh_token} for u in staff],
            "citizens": [
                {
                    "phone": phone_of(n),
                    "phone_index": user.phone_index,
                    **plan[n],
                    "refresh": sessions.start_session(user=user, method="bench").refresh_token,
                }
                for n, user in enumerate(people)
            ],
        }


def main(argv: list[str] | None = None) -> int:
    """Seed and print the JSON (last line of stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--mediators", type=int, default=20)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 2 <= args.citizens <= 999 or args.mediators < 1:
        parser.error("need 2 to 999 citizens and at least 1 mediator")
    print(json.dumps(seed(args.citizens, args.mediators), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
