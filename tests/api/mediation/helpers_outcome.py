"""Helpers for the mediation tests: mediators with profiles, disputes, and each step of a mediation."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.cases.models import Case, CaseParty, TimelineEvent
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.organization_models import MediationOrgCourt
from app.mediation.models import (
    AgreementSignature,
    JudicialConfirmation,
    MediationAgreement,
    MediatorAssignment,
    MediatorProfile,
)
from app.security.permissions import Principal
from app.utils import clock
from tests.support.cases import file_case
from tests.support.factories import grant, make_user

MP, COURT, ADMIN = "/api/mp/v1", "/api/court/v1", "/api/admin/v1"
CATEGORY = "民间借贷纠纷"


def principal(user) -> Principal:
    """The principal of a user, as the auth layer builds it."""
    return sessions.load_principal(user)


def mediator(
    org, *, name="王调解", specialties=(CATEGORY,), region="浙江省宁波市", max_load=10, accepting=True, phone=None
):
    """A user who is a mediator of `org`, with a directory profile; returns (user, profile)."""
    user = make_user(phone=phone)
    grant(user, role="mediator", org=org)
    profile = MediatorProfile(
        org_id=org.id,
        user_id=user.id,
        display_name=name,
        specialties=list(specialties),
        region=region,
        max_load=max_load,
        accepting=accepting,
    )
    db.session.add(profile)
    db.session.commit()
    return user, profile


def link(org, court) -> None:
    """Link an organisation to a court."""
    db.session.add(MediationOrgCourt(org_id=org.id, court_id=court.id))
    db.session.commit()


def dispute(*, org=None, court=None, filer=None, respondent=None, **overrides) -> Case:
    """A mediation filed by a verified 张三 against 李四; `respondent` (a user) joins as 李四 if given."""
    case = file_case(filer or make_user(real_name="张三"), org=org, court=court, **overrides)
    if respondent is not None:
        party = respondent_party(case)
        party.user_id, party.joined_at = respondent.id, clock.now()
        db.session.commit()
    return case


def respondent_party(case) -> CaseParty:
    """The case's respondent."""
    return db.session.scalar(select(CaseParty).filter_by(case_id=case.id, role="respondent"))


def applicant_party(case) -> CaseParty:
    """The case's applicant."""
    return db.session.scalar(select(CaseParty).filter_by(case_id=case.id, role="applicant"))


def offer(case, profile, *, status="pending", case_status=None) -> MediatorAssignment:
    """An assignment row straight into the database (for states the test does not walk through)."""
    assignment = MediatorAssignment(
        case_id=case.id,
        profile_id=profile.id,
        org_id=profile.org_id,
        mediator_user_id=profile.user_id,
        status=status,
        assigned_via="party",
    )
    if status == "accepted":
        now = clock.now()
        assignment.accepted_at = assignment.responded_at = now
        case.mediator_user_id = profile.user_id
    db.session.add(assignment)
    if case_status:
        case.status = case_status
    db.session.commit()
    return assignment


def agreement(case, *, effective=True, terms="被申请人于2026年12月31日前归还12000元。") -> MediationAgreement:
    """An agreement straight into the database, signed by every party when `effective`."""
    text = f"协议：{terms}"
    row = MediationAgreement(
        case_id=case.id, template="test", terms=terms, text=text, sha256=hashlib.sha256(text.encode()).hexdigest()
    )
    db.session.add(row)
    db.session.flush()
    if effective:
        now = clock.now()
        for party in db.session.scalars(select(CaseParty).filter_by(case_id=case.id)):
            db.session.add(
                AgreementSignature(
                    agreement_id=row.id,
                    party_id=party.id,
                    user_id=party.user_id or case.filed_by_user_id,
                    signed_at=now,
                    agreement_sha256=row.sha256,
                    agreement_version=1,
                    verified_name=party.name,
                )
            )
        row.effective_at = now
    db.session.commit()
    return row


def confirmation(case, row: MediationAgreement, *, status="accepted") -> JudicialConfirmation:
    """A judicial-confirmation application straight into the database."""
    now = clock.now()
    party = applicant_party(case)
    application = JudicialConfirmation(
        case_id=case.id,
        agreement_id=row.id,
        court_id=case.court_id,
        status=status,
        applied_by_party_id=party.id,
        applied_by_user_id=case.filed_by_user_id,
        applied_at=now,
        window_ends_at=now,
        submitted_at=now,
        accepted_at=now if status == "accepted" else None,
    )
    db.session.add(application)
    db.session.commit()
    return application


def events(case_id) -> list[TimelineEvent]:
    """The case's timeline as stored, oldest first."""
    db.session.expire_all()
    query = select(TimelineEvent).where(TimelineEvent.case_id == case_id)
    return list(db.session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


def status_of(case_id) -> str:
    """The status as stored."""
    db.session.expire_all()
    return db.session.get(Case, case_id).status
