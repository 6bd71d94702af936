"""Authorization rows for the mediation directory, assignment, outcome, agreement, judicial confirmation, transfer.

The preparer gives the world's "mediator" a directory profile at the world's organisation. Each case a row
needs is built lazily by that row's path (memoised in world.extra), so the other tables' tests do not pay for
eight filings: every case is filed by "citizen" (party 张三) and sits in the state the row needs. Cases at the
organisation only are invisible to the court's staff (404); the judicial-confirmation cases name the world's
court too. Readers of a case who may not do an action get 403 (known but forbidden), everyone else 404.

The world's citizen is not real-name verified (other tables rely on that). Signing and suing need it, so those
two rows verify the citizen as 张三 when their path is first built - inside their own test only. The
judicial-confirmation rows run on the real clock; if 60 days ahead is beyond the holiday calendar, they add
that year's override (as an administrator would) so the 30-day window can be computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.cases.models import Case, CaseAgent
from app.extensions import db
from app.legal.calendar import is_covered, load_overrides
from app.legal.models import CalendarOverride
from app.mediation import deadlines as mediation_deadlines
from app.mediation.models import ConfirmationConsent, MediatorProfile
from app.utils import clock
from tests.api.mediation.helpers_outcome import agreement, applicant_party, confirmation, offer, respondent_party
from tests.security.routes import ADMIN, ADMIN_P, COURT, MP, Route, _p
from tests.security.world import NONEXISTENT, PREPARERS, PRINCIPALS, World
from tests.support.cases import file_case

USERS = frozenset(p for p in PRINCIPALS if p not in {"anonymous", "machine", "other_machine"})
ORG_ADMINS = ADMIN | {"org_admin"}
ORG = "org_manager"  # the gate of organisation administration
CASE_READERS = frozenset({"citizen", "clerk", "judge", "org_admin"})


def _forbidden(*names: str) -> dict[str, int]:
    return dict.fromkeys(names, 403)


def prepare(world: World) -> None:
    """The world's mediator gets a directory profile at the world's organisation."""
    profile = MediatorProfile(
        org_id=world.org.id,
        user_id=world.people["mediator"].id,
        display_name="王调解",
        specialties=["民间借贷纠纷"],
        region=world.org.region,
    )
    db.session.add(profile)
    db.session.commit()
    world.extra["mediator_profile"] = profile


PREPARERS.append(prepare)


def _verify_citizen(w: World) -> None:
    citizen = w.people["citizen"]
    citizen.real_name, citizen.verification_status, citizen.verified_at = "张三", "verified", clock.now()
    db.session.commit()


def _cover_calendar() -> None:
    ahead = (clock.now_shanghai() + dt.timedelta(days=60)).date()
    if not is_covered(ahead, load_overrides()):
        db.session.add(CalendarOverride(day=dt.date(ahead.year, 1, 1), is_working_day=False, holiday_name="元旦"))
        db.session.commit()


def _build(w: World, key: str) -> Case:
    at_court = key in {"effective", "awaiting", "submitted", "accepted"}
    case = file_case(w.people["citizen"], org=w.org, court=w.court if at_court else None)
    profile = w.extra["mediator_profile"]
    if key == "offered":
        offer(case, profile, case_status="assigned")
    elif key in {"mediating", "settled", "failed", "running"}:
        status = {"mediating": "in_mediation", "settled": "settled", "failed": "failed", "running": "in_mediation"}[key]
        assignment = offer(case, profile, status="accepted", case_status=status)
        if key == "running":  # the mediation clock as acceptance sets it
            assignment.due_at, assignment.warn_at = mediation_deadlines.mediation_clock(clock.now())
            db.session.commit()
        if key == "settled":
            agreement(case, effective=False)
    else:
        _cover_calendar()
        row = agreement(case)
        case.status = "settled"
        if key != "effective":
            case.status = "judicial_confirmation_requested"
            jc_status = {"awaiting": "awaiting_consent", "submitted": "submitted", "accepted": "accepted"}[key]
            application = confirmation(case, row, status=jc_status)
            if key == "awaiting":
                _awaiting(w, case, application)
        db.session.commit()
    return case


def _awaiting(w: World, case: Case, application) -> None:
    """The citizen applied; the world's lawyer acts for the respondent, whose consent is missing."""
    application.accept_due_at = None
    db.session.add(
        ConfirmationConsent(
            confirmation_id=application.id,
            party_id=applicant_party(case).id,
            user_id=w.people["citizen"].id,
            at=clock.now(),
            as_applicant=True,
        )
    )
    db.session.add(
        CaseAgent(
            case_id=case.id,
            party_id=respondent_party(case).id,
            lawyer_user_id=w.people["lawyer"].id,
            authority="special",
            status="active",
        )
    )


def _case(key: str, suffix: str = "", *, verify: bool = False) -> Callable[[World], str]:
    def path(w: World) -> str:
        name = f"mediation_{key}"
        if name not in w.extra:
            if verify:
                _verify_citizen(w)
            w.extra[name] = _build(w, key)
        return f"/cases/{w.extra[name].id}{suffix}"

    return path


def _profile_body(w: World) -> dict:
    return {
        "display_name": "王调解",
        "specialties": ["劳动争议"],
        "region": "浙江省宁波市",
        "max_load": 5,
        "accepting": True,
    }


ROUTES = [
    # directory
    Route("GET", f"{MP}/mediation/orgs", "user", USERS, query={"region": "浙江省宁波市"}),
    Route(
        "GET", f"{MP}/mediation/orgs/<uuid:org_id>/mediators", "user", USERS, _p("/mediation/orgs/{w.org.id}/mediators")
    ),
    Route("GET", f"{MP}/mediation/offers", "user", USERS),
    # assignment (the world's own case: submitted, at the world's court and organisation)
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/mediator-recommendations",
        "user",
        CASE_READERS,
        _p("/cases/{w.case.id}/mediator-recommendations"),
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/mediator",
        "user",
        frozenset({"citizen", "org_admin"}),
        _p("/cases/{w.case.id}/mediator"),
        lambda w: {"mediator_id": str(w.extra["mediator_profile"].id)},
        special=_forbidden("clerk", "judge"),
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/mediator/accept",
        "user",
        frozenset({"mediator"}),
        _case("offered", "/mediator/accept"),
        special=_forbidden("citizen", "org_admin"),
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/mediator/decline",
        "user",
        frozenset({"mediator"}),
        _case("offered", "/mediator/decline"),
        lambda w: {"reason": "利益冲突"},
        special=_forbidden("citizen", "org_admin"),
    ),
    # outcome and agreement (cases at the organisation only: the court's staff do not see them)
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/outcome",
        "user",
        frozenset({"mediator"}),
        _case("mediating", "/outcome"),
        lambda w: {"result": "failed", "reason": "分歧过大"},
        special=_forbidden("citizen", "org_admin"),
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/mediation-period/extension",
        "user",
        frozenset({"citizen"}),
        _case("running", "/mediation-period/extension"),
        lambda w: {"days": 10},
        special=_forbidden("mediator", "org_admin"),
    ),
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/mediation-period",
        "user",
        frozenset({"citizen", "mediator", "org_admin"}),
        _case("running", "/mediation-period"),
    ),
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/agreement",
        "user",
        frozenset({"citizen", "mediator", "org_admin"}),
        _case("settled", "/agreement"),
    ),
    Route(
        "PATCH",
        f"{MP}/cases/<uuid:case_id>/agreement",
        "user",
        frozenset({"mediator"}),
        _case("settled", "/agreement"),
        lambda w: {"terms": "李四于年底前归还借款。"},
        special=_forbidden("citizen", "org_admin"),
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/agreement/sign",
        "user",
        frozenset({"citizen"}),
        _case("settled", "/agreement/sign", verify=True),
        lambda w: {},
        special=_forbidden("mediator", "org_admin"),
    ),
    # judicial confirmation (cases at the world's court and organisation)
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/judicial-confirmation",
        "user",
        frozenset({"citizen"}),
        _case("effective", "/judicial-confirmation"),
        special=_forbidden("clerk", "judge", "org_admin"),
    ),
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/judicial-confirmation",
        "user",
        CASE_READERS,
        _case("submitted", "/judicial-confirmation"),
    ),
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/judicial-confirmation/courts",
        "user",
        CASE_READERS,
        _case("effective", "/judicial-confirmation/courts"),
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/judicial-confirmation/consent",
        "user",
        frozenset({"lawyer"}),
        _case("awaiting", "/judicial-confirmation/consent"),
        special={"citizen": 409, **_forbidden("clerk", "judge", "org_admin")},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/judicial-confirmation/accept",
        "any",
        frozenset({"clerk"}),
        _case("submitted", "/judicial-confirmation/accept"),
        special={"judge": 409, "machine": 409, **_forbidden("citizen", "org_admin")},
    ),
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/judicial-confirmation/decide",
        "any",
        frozenset({"clerk"}),
        _case("accepted", "/judicial-confirmation/decide"),
        lambda w: {"confirmed": True, "reason": "协议内容合法"},
        special={"judge": 409, "machine": 409, **_forbidden("citizen", "org_admin")},
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/transfer-to-litigation",
        "user",
        frozenset({"citizen"}),
        _case("failed", "/transfer-to-litigation", verify=True),
        lambda w: {"court_id": str(w.court.id)},
        special=_forbidden("mediator", "org_admin"),
    ),
    # organisation administration: org admins and platform admins pass the gate, everyone else gets 404
    Route(
        "GET", f"{ADMIN_P}/orgs/<uuid:org_id>/mediators", "user", ORG_ADMINS, _p("/orgs/{w.org.id}/mediators"), gate=ORG
    ),
    Route(
        "PUT",
        f"{ADMIN_P}/orgs/<uuid:org_id>/mediators/<uuid:user_id>",
        "user",
        ORG_ADMINS,
        _p("/orgs/{w.org.id}/mediators/{w.people[mediator].id}"),
        _profile_body,
        gate=ORG,
    ),
    Route(
        "PATCH",
        f"{ADMIN_P}/orgs/<uuid:org_id>/directory",
        "user",
        ORG_ADMINS,
        _p("/orgs/{w.org.id}/directory"),
        lambda w: {"categories": ["劳动争议"]},
        gate=ORG,
    ),
    Route(
        "PUT",
        f"{ADMIN_P}/orgs/<uuid:org_id>/courts",
        "user",
        ADMIN,
        _p("/orgs/{w.org.id}/courts"),
        lambda w: {"court_ids": [str(w.court.id)]},
        gate=ORG,
    ),
    Route(
        "GET",
        f"{ADMIN_P}/orgs/<uuid:org_id>/unassigned-cases",
        "user",
        ORG_ADMINS,
        _p("/orgs/{w.org.id}/unassigned-cases"),
        gate=ORG,
    ),
]

_CASE_RULES = (
    "mediator-recommendations",
    "mediator",
    "mediator/accept",
    "outcome",
    "agreement/sign",
    "judicial-confirmation/consent",
    "transfer-to-litigation",
)
NONEXISTENT_PATHS = {
    **{f"{MP}/cases/<uuid:case_id>/{rest}": f"/cases/{NONEXISTENT}/{rest}" for rest in _CASE_RULES},
    f"{MP}/mediation/orgs/<uuid:org_id>/mediators": f"/mediation/orgs/{NONEXISTENT}/mediators",
    f"{COURT}/cases/<uuid:case_id>/judicial-confirmation/accept": f"/cases/{NONEXISTENT}/judicial-confirmation/accept",
    f"{ADMIN_P}/orgs/<uuid:org_id>/mediators": f"/orgs/{NONEXISTENT}/mediators",
    f"{ADMIN_P}/orgs/<uuid:org_id>/unassigned-cases": f"/orgs/{NONEXISTENT}/unassigned-cases",
    f"{ADMIN_P}/orgs/<uuid:org_id>/courts": f"/orgs/{NONEXISTENT}/courts",
}
