"""Signing the mediation agreement: each party in person, identity re-confirmed; in effect at the last signature."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, cast, overload

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.cases import Case, CaseParty, timeline
from app.errors import Conflict, Forbidden, ValidationFailed
from app.evidence import EvidenceItem
from app.extensions import db
from app.i18n import message
from app.identity import User
from app.identity import profile as identity_profile
from app.mediation import case_facts
from app.mediation import outcome as mediation_outcome
from app.mediation.models import AgreementSignature, MediationAgreement
from app.mediation.outcome import PARTY_COLUMNS, SIGNATURE_COLUMNS, DraftedAgreement, PartyRow, SignatureRow
from app.platform import pending_rows
from app.security.permissions import Principal
from app.utils import clock
from app.utils.ids import new_id


class SigningParty(Protocol):
    """What the signing rule reads of a party: a CaseParty, or a party read as a plain row (`PartyRow`)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def user_id(self) -> uuid.UUID | None: ...
    @property
    def party_type(self) -> str: ...
    @property
    def name(self) -> str: ...


P = TypeVar("P", bound=SigningParty)


# The columns of the agreement its answer shows (DraftedAgreement's fields, in this order).
AGREEMENT_COLUMNS = (
    MediationAgreement.id,
    MediationAgreement.case_id,
    MediationAgreement.version,
    MediationAgreement.template,
    MediationAgreement.terms,
    MediationAgreement.text,
    MediationAgreement.sha256,
    MediationAgreement.created_at,
    MediationAgreement.effective_at,
)


@overload
def signer_parties(case: Case, actor: Principal) -> list[CaseParty]: ...
@overload
def signer_parties(case: Case, actor: Principal, *, parties: list[P]) -> list[P]: ...
def signer_parties(case: Case, actor: Principal, *, parties: list[Any] | None = None) -> list[Any]:
    """The parties the caller IS (a lawyer cannot sign for a client), with the identity re-confirmed.

    The one rule for signing in person (the agreement, and a session's minutes in app/video): a party's own
    account, real-name verified, a person's verified name matching the party's; 403 agreement.not_a_party,
    agreement.identity_not_verified or agreement.identity_mismatch otherwise. `parties`: every party of the case,
    when the caller has read them already (else the caller's own are read).
    """
    if parties is None:
        own = list(db.session.scalars(select(CaseParty).filter_by(case_id=case.id, user_id=actor.user_id)))
    else:
        own = [party for party in parties if party.user_id is not None and party.user_id == actor.user_id]
    if not own:
        raise Forbidden(
            "Each party signs in person; only a party's own account can sign.", reason="agreement.not_a_party"
        )
    # the caller is one of these parties, so actor.user_id names an existing account (a foreign key)
    user = db.session.get_one(User, actor.user_id)
    if user.verification_status != "verified" or not user.real_name:
        raise Forbidden("Verify your real name before signing.", reason="agreement.identity_not_verified")
    for party in own:
        if party.party_type == "person" and not identity_profile.names_match(party.name, user.real_name):
            raise Forbidden("Your verified name does not match the party's name.", reason="agreement.identity_mismatch")
    return own


def sign(*, case_id: uuid.UUID, signature_evidence_id: uuid.UUID | None, actor: Principal) -> dict:
    """A party signs the agreement text as hashed; the agreement takes effect when the last party signs.

    Statements (issue 18): after the case's lock, one statement (built once) reads every party of the case with
    the agreement, locked, and each party's signature: the signer's own parties, the total, the names of the
    answer, already signed and the count all come from it. The answer is built from those rows before the COMMIT,
    so nothing is read again after it; the writes go in the one flush of the commit.
    """
    case, _facts = case_facts.load(case_id, actor=actor, lock=True)
    _sqlite_write_lock()  # the signatures below must be read under the lock that serialises signers
    rows: Sequence[Any] = db.session.execute(_SIGNING_QUERY, {"case_id": case.id}).all()
    if not rows:  # no agreement (a case always has parties): who the caller is still answers first
        signer_parties(case, actor)
        raise mediation_outcome.agreement_not_found()
    everyone = [PartyRow(*row[:_AGREEMENT_AT]) for row in rows]
    agreement = DraftedAgreement(*rows[0][_AGREEMENT_AT:_SIGNATURE_AT])
    signatures = [SignatureRow(*row[_SIGNATURE_AT:]) for row in rows if row[_SIGNATURE_AT] is not None]
    parties = signer_parties(case, actor, parties=everyone)
    if case.status != "settled" or agreement.effective_at is not None:
        raise Conflict(
            f"The agreement cannot be signed in state '{case.status}'.",
            reason="agreement.not_signable",
            errors={"status": [case.status]},
        )
    if mediation_outcome.sha256_of(agreement.text) != agreement.sha256:
        raise Conflict("The agreement text does not match its hash.", reason="agreement.integrity")
    signed = {signature.party_id for signature in signatures}
    unsigned = [p for p in parties if p.id not in signed]
    if not unsigned:
        raise Conflict("You have already signed this agreement.", reason="agreement.already_signed")
    _check_signature_image(case, signature_evidence_id, actor=actor)
    user = db.session.get_one(User, actor.user_id)  # found by signer_parties above (the session keeps it)
    now = clock.now()
    written: list[dict] = []
    for party in unsigned:
        row = SignatureRow(new_id(), party.id, now, agreement.sha256, signature_evidence_id)
        written.append(
            {
                **row._asdict(),
                "agreement_id": agreement.id,
                "user_id": actor.user_id,
                "agreement_version": agreement.version,
                "verified_name": user.real_name,
            }
        )
        signatures.append(row)
        timeline.record(
            case,
            "agreement.signed",
            actor=actor,
            actor_role="party",
            summary=message("%(name)s signed the agreement.", name=party.name),
            data={"party_id": str(party.id), "sha256": agreement.sha256},
        )
    effective = _take_effect_when_complete(
        case, agreement, actor=actor, now=now, signed=len(signatures), total=len(everyone)
    )
    # The signatures as plain rows (built once; no ORM object: nothing reads them back but the answer, built from
    # the tuples) and the agreement's effective_at (a Core UPDATE: the agreement is a plain row too; only its text,
    # frozen once signed, is guarded by a listener) wait with the timeline entries for the commit: on PostgreSQL
    # they are one statement (app/platform/pending_rows.py).
    session = db.session()
    for values in written:
        pending_rows.add(session, _INSERT_SIGNATURES, pending_rows.Values(values))
    if effective:
        pending_rows.add(session, _TAKE_EFFECT, pending_rows.Values(agreement_id=agreement.id, effective_at=now))
        agreement = agreement._replace(effective_at=now)
    try:
        db.session.flush()
        view = mediation_outcome.agreement_view(agreement, signatures=signatures, parties=everyone)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("You have already signed this agreement.", reason="agreement.already_signed") from None
    return view


# Every party of the case (in id order), with the case's agreement and the columns of the party's signature of it
# the answer shows, if any (a tuple: not an ORM entity to build and track, issue 18); the
# agreement's row is locked (PostgreSQL; SQLite takes its write lock before). The case's row is locked before by
# every writer of signatures, so the signatures read here are current even if this waited for the agreement's lock.
_SIGNING_QUERY = (
    select(*PARTY_COLUMNS, *AGREEMENT_COLUMNS, *SIGNATURE_COLUMNS)
    .join(MediationAgreement, MediationAgreement.case_id == CaseParty.case_id)
    .outerjoin(
        AgreementSignature,
        and_(AgreementSignature.agreement_id == MediationAgreement.id, AgreementSignature.party_id == CaseParty.id),
    )
    .where(CaseParty.case_id == bindparam("case_id"))
    .order_by(CaseParty.id)
    .with_for_update(of=MediationAgreement)
)
_AGREEMENT_AT, _SIGNATURE_AT = len(PARTY_COLUMNS), len(PARTY_COLUMNS) + len(AGREEMENT_COLUMNS)
_INSERT_SIGNATURES = insert(cast(Table, AgreementSignature.__table__))
_AGREEMENTS = cast(Table, MediationAgreement.__table__)
_TAKE_EFFECT = (
    update(_AGREEMENTS)
    .where(_AGREEMENTS.c.id == bindparam("agreement_id"))
    .values(effective_at=bindparam("effective_at"), updated_at=bindparam("effective_at"))
)


def _sqlite_write_lock() -> None:
    """On SQLite, take the database's write lock now (PostgreSQL locks the agreement's row below).

    SQLite ignores FOR UPDATE and its driver opens a transaction only at the first write: two parties signing
    at once would each read the other's signature as missing and neither would put the agreement in effect. A
    transaction that has already written holds the lock since then.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_signature_image(case: Case, evidence_id: uuid.UUID | None, *, actor: Principal) -> None:
    """A signature image, when given, is a stored evidence item the signer uploaded to this case."""
    if evidence_id is None:
        return
    item = db.session.get(EvidenceItem, evidence_id)
    if item is None or item.case_id != case.id or item.uploaded_by_user_id != actor.user_id or item.status != "stored":
        raise ValidationFailed(errors={"signature_evidence_id": ["Not a stored file you uploaded to this case."]})


def _take_effect_when_complete(
    case: Case, agreement: DraftedAgreement, *, actor: Principal, now: dt.datetime, signed: int, total: int
) -> bool:
    """In effect once every party of the case has signed (`signed` counts the signatures with this request's):
    its timeline entry recorded, True (the caller writes effective_at)."""
    if signed < total:
        return False
    timeline.record(
        case,
        "agreement.effective",
        actor=actor,
        actor_role="party",
        summary=message("Every party has signed: the mediation agreement is in effect."),
        data={"sha256": agreement.sha256},
    )
    return True
