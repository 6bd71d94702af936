"""Case factories: a filing payload a phone would send, and a filed case through the service."""

from __future__ import annotations

from app.cases import filing as case_filing
from app.cases.models import Case
from app.identity import login_sessions as sessions
from app.security.idcard import check_digit
from tests.support.factories import make_user

RESPONDENT_ID_BODY = "33020619850101003"
RESPONDENT_ID = RESPONDENT_ID_BODY + check_digit(RESPONDENT_ID_BODY)


def filing(*, kind: str = "mediation", court=None, org=None, **overrides) -> dict:
    """A valid filing payload (JSON-ready)."""
    filer_role, opposing = ("applicant", "respondent") if kind == "mediation" else ("plaintiff", "defendant")
    payload = {
        "kind": kind,
        "category": "民间借贷纠纷",
        "title": "张三诉李四民间借贷纠纷",
        "claims": "请求判令被告归还借款人民币12000元及利息。",
        "facts": "2025年3月1日被告向原告借款12000元，约定三个月内归还，至今未还。",
        "amount": "12000.00",
        "parties": [
            {"role": filer_role, "name": "张三", "is_self": True, "phone": "13800000008"},
            {"role": opposing, "name": "李四", "phone": "13800000009", "id_number": RESPONDENT_ID},
        ],
        "consents": {"e_service": True, "online_mediation": kind == "mediation"},
    }
    if court is not None:
        payload["court_id"] = str(court.id)
    if org is not None:
        payload["org_id"] = str(org.id)
    payload.update(overrides)
    return payload


def file_case(filer=None, *, kind: str = "mediation", court=None, org=None, **overrides) -> Case:
    """A case filed through the service by `filer` (a verified user made if none)."""
    import uuid

    from miniprogram_api.schemas.cases import CaseCreateIn

    filer = filer or make_user(real_name="张三")
    data = CaseCreateIn().load(filing(kind=kind, court=court, org=org, **overrides))
    actor = sessions.load_principal(filer)
    case = case_filing.create_case(actor=actor, data=data, creation_key=f"test-{uuid.uuid4()}")
    return case
