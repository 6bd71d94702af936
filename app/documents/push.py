"""Court push: accept a document from a court system or clerk, store it once with its SHA-256, and route it.

A retried push (same caller, same Idempotency-Key, same meta and file) returns the document already made;
the same key with anything else is a 422. A file the platform cannot serve (empty, too large, a format not
allowed, or not matching the SHA-256 the court declared) is recorded as `rejected` with its reason and is
not stored; everything else is stored under a server-made key and never written again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import IO, cast

from sqlalchemy import Row, Table, bindparam, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from app import i18n
from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.documents import chain as delivery_chain
from app.documents import combined, delivery, recipient_facts
from app.documents import outbox as delivery_outbox
from app.documents import rules as documents_rules
from app.documents import uploads as documents_uploads
from app.documents.chain import SYSTEM, Actor
from app.documents.models import ServedDocument
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db, storage
from app.identity import Court
from app.platform import pending_rows
from app.security import permissions
from app.security.permissions import Principal
from app.utils.ids import new_id, random_string
from app.webhooks import WebhookSubscription
from app.webhooks import deliveries as webhooks

log = logging.getLogger(__name__)
CODE_ALPHABET = "ABCDEFGHJKLMNPRSTVWXYZ23456789"
CODE_LENGTH = 20  # about 98 bits: unguessable, and short enough to type from a paper certificate


def new_verification_code() -> str:
    """A random code from an alphabet without look-alike characters."""
    return random_string(CODE_ALPHABET, CODE_LENGTH)


def push(
    *,
    actor: Principal,
    meta: dict,
    stream: IO[bytes] | None,
    submission_key: str | None,
    calendar: Callable[[], dict] | None = None,
    stored: list[str] | None = None,
) -> dict:
    """Accept one document for service and deliver or hold it; a retry with the same key returns the same one.

    `calendar`: where the answer's deadline gets the holiday calendar's overrides (a batch reads them once).
    `stored`: gets the key of the object this push stored from `stream` (a batch deletes it if it does not land).
    """
    _held = _read_target(meta)  # held while the push runs: the identity map keeps rows weakly
    case, party = target(actor=actor, meta=meta)
    if (stream is None) == (meta.get("upload_id") is None):
        raise ValidationFailed(errors={"file": ["Send the file as a multipart part, or give meta.upload_id."]})
    if stream is None:
        source = documents_uploads.open_source(actor=actor, case=case, upload_id=meta["upload_id"])
    else:
        source = documents_uploads.Source(stream=stream)
    try:
        return _push(actor, case, party, meta, source, submission_key, calendar, stored)
    finally:
        if source.upload is not None:
            source.stream.close()


def _push(
    actor: Principal,
    case: Case,
    party: CaseParty,
    meta: dict,
    source: documents_uploads.Source,
    key: str | None,
    calendar: Callable[[], dict] | None = None,
    stored: list[str] | None = None,
) -> dict:
    intake = documents_rules.inspect(source.stream)
    fingerprint = _fingerprint(case, meta, intake.sha256)
    reason = documents_rules.rejection(intake, meta.get("sha256")) or documents_uploads.declared_mismatch(
        source, intake
    )
    document = _new_document(actor, case, party, meta, intake, key, fingerprint, reason)
    try:
        uploaded = documents_uploads.claim(source, document_id=document.id, rejected=reason is not None)
    except Conflict:  # the upload served a document already: this key's, when a retry lost its first answer
        existing = _existing(actor, key, fingerprint)
        if existing is None:
            raise
        return summary(existing, replayed=True, calendar=calendar)
    fresh = None if reason or uploaded else f"courts/{case.court_id}/cases/{case.id}/documents/{document.id}"
    document.storage_key = uploaded or fresh
    db.session.add(document)
    # Written by one Core INSERT with its final state at the start of the flush that writes the rest (its events and
    # notices refer to it), not by the unit of work: an INSERT and an UPDATE, two ORM saves (issue 18). In a batch's
    # group of items that flush is the group's end: one Core INSERT for all its documents.
    db.session.info.setdefault(_CORE_INSERT, []).append(document)
    try:
        # Set-based writes: the events, timeline entries, notifications and the document's new state are
        # written by one flush (one statement per table), not by autoflushes between the reads of routing.
        # What a read must see is flushed where it is written (a consent carried into the case, its act).
        with db.session.no_autoflush:
            # The court and its webhook subscriptions (a batch read them), held: the identity map keeps rows weakly.
            _court = delivery_outbox.read_courts([case.court_id])
            if not reason:  # routing's reads about the recipient, in one statement (a batch read them for all)
                recipient_facts.prefetch([party])
            _accept_or_reject(document, case, party, source.stream if fresh else None, actor=actor)
            delivery_outbox.commit()
    except IntegrityError:
        # A submission key used before conflicts at the document's INSERT (one that raced in makes PostgreSQL wait
        # there for the other request's commit): the key's document answers. Checked on a conflict, not by a read
        # before every push.
        try:
            db.session.rollback()  # in a batch's group of items this raises (transactions.Regroup)
        finally:
            if fresh:
                forget_object(fresh)
        if (existing := _existing(actor, key, fingerprint)) is None:
            raise
        return summary(existing, replayed=True, calendar=calendar)
    except BaseException:
        try:
            db.session.rollback()  # in a batch's group of items this raises (transactions.Regroup)
        finally:
            if fresh:
                forget_object(fresh)
        raise
    if fresh and stored is not None:
        stored.append(fresh)
    if reason and source.upload is not None:
        forget_object(source.upload.storage_key)  # a rejected file is not kept
    return summary(document, calendar=calendar)


# Built once per process with bound parameters: the case, the named party (of any case: `target` checks it is this
# case's), the case's court and the court's active webhook subscriptions (one row each); and with them what routing
# reads about the party (app/documents/recipient_facts.py `joined`: its consents, address act, active lawyers and the
# calendar's version, columns 4 on), one statement where a push made two (issue 18).
_TARGET = recipient_facts.joined(
    select(Case, CaseParty, Court, WebhookSubscription)
    .select_from(Case)
    .outerjoin(CaseParty, CaseParty.id == bindparam("party_id"))
    .outerjoin(Court, Court.id == Case.court_id)
    .outerjoin(WebhookSubscription, webhooks.active_on(Case.court_id))
).where(Case.id == bindparam("case_id"))


def _read_target(meta: dict) -> list[Row]:
    """Load what a push by case id reads one by one (the case and the party by `target`, the court with its webhook
    subscriptions by `delivery_outbox.read_courts`, the party's routing facts by `recipient_facts.prefetch`) in one
    statement, unless this session holds the case and the party already (a batch read them for all its items):
    `target` then finds them in the identity map, as it did after reading them itself. The rows, to hold while the
    push runs."""
    try:
        case_id, party_id = uuid.UUID(str(meta["case_id"])), uuid.UUID(str(meta["recipient_party_id"]))
    except (KeyError, TypeError, ValueError):
        return []  # by case number, or ids `target` will not find: it reads as before
    if _in_session(Case, case_id) and _in_session(CaseParty, party_id):
        return []
    rows = list(db.session.execute(_TARGET, {"case_id": case_id, "party_id": party_id}).all())
    court = rows[0][2] if rows else None
    if court is not None and court.id not in webhooks.shared_courts():
        webhooks.share([court.id], (row[3] for row in rows))
    recipient_facts.keep(rows, start=4)  # `prefetch` then reads nothing for this party
    return rows


def _in_session(model: type, ident: uuid.UUID) -> bool:
    """True when `db.session.get` would answer from the identity map without a statement."""
    row = db.session.identity_map.get(Session.identity_key(model, ident))
    return row is not None and not sa_inspect(row).expired


def target(*, actor: Principal, meta: dict) -> tuple[Case, CaseParty]:
    """The case (by id or number) and the recipient party; 404 unless the case is at the caller's court."""
    if meta.get("case_id") is not None:
        case = db.session.get(Case, meta["case_id"])
    else:
        case = db.session.scalar(select(Case).where(Case.case_number == meta.get("case_number")))
    if case is None or case.court_id is None or not permissions.is_court_staff(actor, case.court_id):
        raise case_access.not_found()
    if not permissions.may_serve_documents(actor, case.court_id):
        raise Forbidden("Only the court's clerks and court systems serve documents.", reason="document.push_forbidden")
    errors = {}
    if meta["doc_type"] not in documents_rules.DOC_TYPES:
        errors["doc_type"] = [f"Must be one of {', '.join(documents_rules.DOC_TYPES)}."]
    party = db.session.get(CaseParty, meta["recipient_party_id"])
    if party is None or party.case_id != case.id:
        errors["recipient_party_id"] = ["Not a party of this case."]
    if party is None or errors:  # no party means an error above
        raise ValidationFailed(errors=errors)
    return case, party


def _fingerprint(case: Case, meta: dict, sha256: str) -> str:
    body = {
        "case_id": str(case.id),
        "recipient_party_id": str(meta["recipient_party_id"]),
        "doc_type": meta["doc_type"],
        "title": meta["title"].strip(),
        "response_days": meta.get("response_days"),
        "sha256": sha256,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _existing(actor: Principal, key: str | None, fingerprint: str) -> ServedDocument | None:
    if not key:
        return None
    query = select(ServedDocument).where(ServedDocument.submitter == actor.scope, ServedDocument.submission_key == key)
    document = db.session.scalar(query)
    if document is not None and document.submission_fingerprint != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different document.",
            reason="idempotency.key_reused",
            errors={"Idempotency-Key": ["Already used with a different document."]},
        )
    return document


def role_of(actor: Principal) -> str:
    """The role a court-side caller acts in."""
    return "court_system" if permissions.is_machine(actor) else "clerk"


def _new_document(
    actor: Principal,
    case: Case,
    party: CaseParty,
    meta: dict,
    intake: documents_rules.Intake,
    key: str | None,
    fingerprint: str,
    reason: str | None,
) -> ServedDocument:
    return ServedDocument(
        id=new_id(),
        court_id=case.court_id,
        case_id=case.id,
        recipient_party_id=party.id,
        doc_type=meta["doc_type"],
        title=meta["title"].strip(),
        response_days=meta.get("response_days"),
        status="rejected" if reason else "accepted",
        sha256=intake.sha256,
        size=intake.size,
        content_type=intake.content_type,
        submitter=actor.scope,
        submitter_role=role_of(actor),
        submission_key=key,
        submission_fingerprint=fingerprint,
        verification_code=new_verification_code(),
        rejection_reason=reason,
        event_count=0,
    )


def _accept_or_reject(
    document: ServedDocument, case: Case, party: CaseParty, stream: IO[bytes] | None, *, actor: Principal
) -> None:
    """Record the submission, then either the rejection or the acceptance (storing a fresh file) and routing."""
    submitted = {
        "doc_type": document.doc_type,
        "title": document.title,
        "case_number": case.case_number,
        "recipient_party_id": str(party.id),
        "response_days": document.response_days,
        "size": document.size,
    }
    delivery_chain.append(document, "submitted", actor=Actor.of(actor, document.submitter_role), data=submitted)
    if document.rejection_reason:
        delivery_chain.append(document, "rejected", actor=SYSTEM, data={"reason": document.rejection_reason})
        timeline.record(
            case,
            "document.rejected",
            actor=actor,
            actor_role=document.submitter_role,
            summary=i18n.message(
                "%(type)s《%(title)s》 not accepted for service: %(reason)s",
                type=i18n.label("document.type", document.doc_type),
                title=document.title,
                reason=document.rejection_reason,
            ),
        )
        return
    if stream is not None:  # a multipart file; an uploaded one is already in place under its own key
        info = storage.put(document.storage_key, stream, content_type=document.content_type or "application/pdf")
        if info.size != document.size:
            raise RuntimeError("the stored object's size differs from the file received")
    timeline.record(
        case,
        "document.pushed",
        actor=actor,
        actor_role=document.submitter_role,
        summary=i18n.message(
            "%(type)s《%(title)s》 accepted for electronic service",
            type=i18n.label("document.type", document.doc_type),
            title=document.title,
        ),
    )
    delivery.route(document, case, party)


# Documents a single push made, written by `_insert_documents` when the session flushes (session.info).
_CORE_INSERT = "documents.core_insert"
_DOCUMENTS = cast(Table, ServedDocument.__table__)
_INSERT_DOCUMENT = insert(_DOCUMENTS)  # built once, executed with every column (one compiled form)


_COLUMNS = [(column.key, *combined.unset(column)) for column in _DOCUMENTS.columns]


@sa_event.listens_for(Session, "before_flush")
def _insert_documents(session: Session, _flush_context: object, _instances: object) -> None:
    """Insert the pending documents of single pushes with their state now, by one Core statement before the unit of
    work writes the rest (the rows that refer to them), and attach them as persistent and unchanged: the flush
    writes nothing for them, a later change of one is an UPDATE as before."""
    waiting = session.info.pop(_CORE_INSERT, None)
    if not waiting:
        return
    documents = [document for document in waiting if document in session.new]
    if not documents:
        return
    rows = []
    for document in documents:
        values = document.__dict__
        row = {}
        for key, make, constant in _COLUMNS:
            if key in values:
                row[key] = values[key]
            else:  # what the unit of work would have sent: the column's default (None without one)
                row[key] = make() if make is not None else constant
        rows.append(row)
    _write(session, documents, rows)
    for document, row in zip(documents, rows, strict=True):
        session.expunge(document)
        for key, value in row.items():
            if key not in document.__dict__:
                setattr(document, key, value)
        make_transient_to_detached(document)  # loaded as written, with no history: persistent once added
        session.add(document)


def _write(session: Session, documents: list[ServedDocument], rows: list[dict]) -> None:
    """INSERT the documents. On PostgreSQL the rows that wait with them (their events, notifications, document
    notifications) and the queued rows already writable (the push's timeline entry) go in the same statement
    (app/documents/combined.py), where they were one executemany each at the commit (issue 18)."""
    if not combined.applies(session):
        session.execute(_INSERT_DOCUMENT, rows)
        return
    waiting = [*delivery_chain.take_waiting(session, documents), *pending_rows.take_ready(session)]
    tables = [combined.plain_table(statement) for statement, _rows in waiting]
    if all(table is not None for table in tables):
        together = [
            (_DOCUMENTS, rows),
            *((cast(Table, table), entry[1]) for table, entry in zip(tables, waiting, strict=True)),
        ]
        # A batch's group (16 documents, their 48 events ...) only as JSON arrays: as a CTE per row its statement is
        # too long for psycopg to keep its parsing, and measured slower than the executemanys.
        if combined.insert_all(session, together, rows_as_ctes=len(documents) == 1):
            return
    session.execute(_INSERT_DOCUMENT, rows)  # a row only the server could fill: one statement per table
    for statement, entry_rows in waiting:
        session.execute(statement, entry_rows)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_documents(session: Session, _previous: object) -> None:
    session.info.pop(_CORE_INSERT, None)


def forget_object(key: str) -> None:
    """Delete a stored object whose document did not land (never raises: an orphan at worst)."""
    try:
        storage.delete(key)
    except Exception:  # noqa: BLE001 - the original error matters more; the object is an orphan at worst
        log.warning("could not delete the object of a failed push", extra={"key": key})


def summary(document: ServedDocument, *, replayed: bool = False, calendar: Callable[[], dict] | None = None) -> dict:
    """What a push answers: the document's id, state, digest and (once served) its deadline."""
    return {
        "document_id": document.id,
        "status": document.status,
        "sha256": document.sha256,
        "size": document.size,
        "verification_code": document.verification_code,
        "rejection_reason": document.rejection_reason,
        "hold_reason": document.hold_reason,
        "served_at": document.served_at,
        "deadline": documents_rules.deadline_of(document, calendar() if calendar and document.served_at else None),
        "replayed": replayed,
    }
