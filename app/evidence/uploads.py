"""Uploading evidence: a signed form for the phone to post straight to the store, then verification.

`request_upload` commits a pending row BEFORE it hands out the form, so every object a form can create
has a row (the sweep relies on it). `complete` copies the uploaded object to a fresh key inside the store,
reads the copy once (size, magic bytes, SHA-256), and only then takes the locks to decide: long reads never
hold a lock, and concurrent or repeated calls settle on one answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import uuid
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Insert,
    Select,
    Table,
    Uuid,
    bindparam,
    func,
    insert,
    select,
)

from app.audit import log as audit
from app.cases import Case
from app.cases import access as case_access
from app.errors import Conflict, Forbidden, PayloadTooLarge, ValidationFailed
from app.evidence import access as evidence_access
from app.evidence import file_types as types
from app.evidence import period as evidence_period
from app.evidence import period_appeal
from app.evidence import rules as rules
from app.evidence.models import LIVE_STATUSES, EvidenceCustodyEvent, EvidenceItem
from app.extensions import db, storage
from app.identity import User
from app.platform import settings
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.storage.base import UploadForm
from app.utils import clock
from app.utils.ids import new_id

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class UploadTicket:
    """What the phone needs: the new item's id and the form to post the file with."""

    evidence_id: uuid.UUID
    upload: UploadForm
    expires_at: dt.datetime


def limits() -> rules.Limits:
    """The configured limits for the current app and store."""
    return rules.Limits.from_settings(settings.evidence(), store_name=storage.store.name)


def request_upload(*, case_id: uuid.UUID, data: dict, actor: Principal) -> UploadTicket:
    """Check the declared file against the rules and limits, record a pending item, return its upload form."""
    case, facts, usages = _load_locked(case_id, actor)
    party_id = _owner_party(actor, facts, data.get("party_id"))
    uploader = actor.user_id
    assert uploader is not None  # _owner_party admits only people: parties and their lawyers
    if data.get("stage") == period_appeal.STAGE:  # the appeal window reads the case itself (locked above)
        case = db.session.get_one(Case, case.id)
    appeal = period_appeal.ensure_open(case, party_id=party_id, stage=data.get("stage"))  # decided: appeal only
    mime = _check_declaration(data)
    late = not appeal and evidence_period.is_late(case)
    if late and not (data.get("late_reason") or "").strip():
        raise ValidationFailed(
            "The evidence period has ended: late evidence is accepted with the reason it comes late, for the court "
            "to admit or refuse.",
            reason="evidence.late_reason_required",
            errors={"late_reason": ["Required after the evidence period has ended."]},
        )
    if data["size"] > limits().max_size(mime):  # refused before any lock or count
        _raise_limit(rules.TOO_LARGE, mime)
    usage = usages[party_id]  # read under the case's and the uploader's locks (see _load_locked)
    breach = _breach(usage, mime=mime, size=data["size"])
    if breach:
        _raise_limit(breach, mime)
    upload_key = rules.upload_key(case.id)
    form = storage.create_upload_form(
        key=upload_key,
        content_type=mime,
        min_size=data["size"],
        max_size=data["size"],  # the store refuses any other size, where it enforces policies
        expires_in=settings.storage().upload_url_expires_seconds,
    )
    # The item and its custody event as plain rows, one INSERT each (no ORM object: nothing here reads them back).
    now = clock.now()
    late_reason = data["late_reason"].strip() if late else None
    evidence_id = new_id()
    row = {
        "id": evidence_id,
        "created_at": now,
        "updated_at": now,
        "case_id": case.id,
        "party_id": party_id,
        "uploaded_by_user_id": uploader,
        "status": "pending",
        "catalogue_order": usage.last_order + 1,  # the case row is locked: numbers never collide
        "title": data["title"],
        "category": data["category"],
        "purpose": data["purpose"],
        "filename": rules.clean_filename(data["filename"]),
        "declared_type": mime,
        "declared_size": data["size"],
        "declared_sha256": data["sha256"].lower(),
        "upload_key": upload_key,
        "upload_expires_at": form.expires_at,
        "late_reason": None,
        "late_decision": None,
        **evidence_period.late_values(late, late_reason),
    }
    event = evidence_access.custody_row(
        evidence_id,
        case.id,
        "requested",
        actor=actor,
        role=evidence_access.actor_role(actor, facts),
        data={"late": True} if late else {"stage": period_appeal.STAGE} if appeal else None,
    )
    if db.engine.dialect.name == "postgresql":  # the item, its custody event and their audit append in one statement
        evidence_access.custody_audited(event, actor=actor, carried=True)  # waits for the INSERT: issue 18
        carried = audit.take_carried(db.session())
        params = {**row, _ITEM_ID: evidence_id, **{_EVENT + name: value for name, value in event.items()}}
        del params["id"]
        if carried is None:  # (a statement between queued and taken wrote it on its own: never here)
            db.session.execute(_INSERT_ITEM_AND_EVENT, params)
        else:
            carried.settle(db.session.execute(_INSERT_AUDITED, {**params, **carried.params}).first())
    else:  # SQLite: no INSERT inside a WITH
        db.session.execute(_INSERT_ITEM, row)
        db.session.execute(_INSERT_EVENT, event)
        evidence_access.custody_audited(event, actor=actor)
    size = data["size"]
    db.session.commit()
    log.info("evidence upload requested", extra={"evidence_id": str(evidence_id), "size": size})
    return UploadTicket(evidence_id=evidence_id, upload=form, expires_at=form.expires_at)


_ITEMS = cast(Table, EvidenceItem.__table__)
_EVENTS = cast(Table, EvidenceCustodyEvent.__table__)
_INSERT_ITEM = insert(_ITEMS)  # built once; the ORM's INSERT, without the object
_INSERT_EVENT = insert(_EVENTS)
_EVENT = "event_"  # the custody event's parameters in the one statement: prefixed, apart from the item's
_ITEM_ID = "item_id"
_ITEM_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "case_id",
    "party_id",
    "uploaded_by_user_id",
    "status",
    "catalogue_order",
    "title",
    "category",
    "purpose",
    "filename",
    "declared_type",
    "declared_size",
    "declared_sha256",
    "upload_key",
    "upload_expires_at",
    "late",
    "late_reason",
    "late_decision",
]


def _insert_item_and_event(audited: bool) -> Insert:
    """PostgreSQL: WITH new_item AS (INSERT INTO evidence_items ... RETURNING id) INSERT INTO
    evidence_custody_events ... SELECT new_item.id, ...: the event refers to the item just inserted (its foreign key
    is checked at the end of the statement, which sees the item). Every column is a typed parameter, given by the
    caller (the item's row always names `late_reason` and `late_decision`: NULL unless late, as when not given).
    `audited`: with the event's audit mirror (app/audit/log.py `carrying`, after the item's row: one row returned).
    The item's id is the parameter `_ITEM_ID`: one named `id` would be SET by the audit head's UPDATE as well."""
    item = insert(_ITEMS).values(
        {name: bindparam(_ITEM_ID if name == "id" else name, type_=_ITEMS.c[name].type) for name in _ITEM_COLUMNS}
    )
    new_item = item.returning(_ITEMS.c.id).cte("new_item")
    names = [column.name for column in _EVENTS.c if column.name != "evidence_id"]
    values = [bindparam(_EVENT + name, type_=_EVENTS.c[name].type) for name in names]
    statement = insert(_EVENTS).from_select(["evidence_id", *names], select(new_item.c.id, *values))
    return audit.carrying(statement, new_item) if audited else statement


_INSERT_ITEM_AND_EVENT = _insert_item_and_event(audited=False)
_INSERT_AUDITED = _insert_item_and_event(audited=True)


def _load_locked(case_id: uuid.UUID, actor: Principal) -> tuple[Case, CaseFacts, dict[uuid.UUID, Usage]]:
    """The case and its facts if the caller may read it (else 404), with the usage of each party, in two statements.

    The first locks the case row (catalogue numbers) and the uploader's row (bytes per user across cases), in that
    order, as `_usage` does; the second reads the case's parties and agents and, for each party, its live files and
    highest catalogue number, and the uploader's bytes. It runs after the locks are granted, so, as in `_usage`, the
    figures include whatever committed before (READ COMMITTED: a statement that waited for a lock would count with
    the snapshot it took before waiting).
    """
    uploader = actor.user_id
    if uploader is None:  # not a person: refused by _owner_party, no usage needed
        return (*case_access.load(case_id, actor=actor, lock=True), {})
    ids = {"case_id": case_id, "uploader": uploader}
    locked = db.session.execute(_locked_query(), ids).first()
    if locked is None:
        raise case_access.not_found()
    case = cast(Case, locked)  # the columns the checks read, as a row (issue 18: no entity to build and track)
    rows = db.session.execute(_usage_query(), ids).all()
    facts = case_access.facts_from(case, rows)
    if not permissions.may_read_case(actor, facts):
        raise case_access.not_found()
    usages = {
        row[1]: Usage(files=int(row[3] or 0), bytes=int(row[5] or 0), last_order=int(row[4] or 0)) for row in rows
    }
    return case, facts, usages


@functools.cache
def _locked_query() -> Select:
    """The case row and the uploader's row, locked (built once: building costs more than running it); read are the
    case's columns the checks and the facts need (`case_access.facts_from`, `period_appeal.ensure_open` but for an
    appeal, `evidence_period.is_late`), as a row."""
    columns = (
        Case.id,
        Case.kind,
        Case.status,
        Case.court_id,
        Case.org_id,
        Case.mediator_user_id,
        Case.filed_by_user_id,
        Case.filed_via,
    )
    locked = select(*columns).join(User, User.id == bindparam("uploader")).where(Case.id == bindparam("case_id"))
    return locked.with_for_update(of=(Case, User))


@functools.cache
def _usage_query() -> CompoundSelect:
    """The case's parties and agents, each party's open items and last catalogue number, the uploader's bytes."""
    case_id: BindParameter[uuid.UUID] = bindparam("case_id")
    uploader: BindParameter[uuid.UUID] = bindparam("uploader")
    counted: ColumnElement[bool] = EvidenceItem.status.in_(LIVE_STATUSES)
    size = func.coalesce(func.sum(EvidenceItem.declared_size), 0)
    used = select(size).where(EvidenceItem.uploaded_by_user_id == uploader, counted).scalar_subquery()

    def files(party_id: Any) -> Any:
        mine = (EvidenceItem.case_id == case_id) & (EvidenceItem.party_id == party_id)
        return select(func.count()).where(mine, counted).scalar_subquery()

    def last(party_id: Any) -> Any:
        mine = (EvidenceItem.case_id == case_id) & (EvidenceItem.party_id == party_id)
        return select(func.coalesce(func.max(EvidenceItem.catalogue_order), 0)).where(mine).scalar_subquery()

    return case_access.facts_rows(case_id, files, last, lambda _: used)


def _owner_party(actor: Principal, facts: CaseFacts, wanted: uuid.UUID | None) -> uuid.UUID:
    """The party the evidence is for: the one the caller acts for (named when they act for several)."""
    mine = permissions.parties_of(actor, facts)
    if wanted is not None and wanted in mine:
        return wanted
    if not mine or wanted is not None:
        raise Forbidden("Only a party to the case, or their lawyer, can add evidence.", reason="evidence.not_a_party")
    if len(mine) > 1:
        raise ValidationFailed(errors={"party_id": ["You act for several parties: name the one this is for."]})
    return next(iter(mine))


def _check_declaration(data: dict) -> str:
    """The declared type on the allow-list, a known category, and a file name that does not claim another type."""
    mime = types.canonical(data["content_type"])
    if mime is None:
        allowed = ", ".join(sorted(types.TYPES))
        raise ValidationFailed(
            f"This type of file cannot be evidence here; allowed: {allowed}.",
            reason=rules.TYPE_NOT_ALLOWED,
            errors={"content_type": [f"Must be one of {allowed}."]},
        )
    errors = {}
    if data["category"] not in settings.evidence().categories:
        errors["category"] = ["Not a category of evidence this platform uses."]
    if rules.foreign_extension(rules.clean_filename(data["filename"]), mime):
        errors["filename"] = [f"The name's extension does not match {mime}."]
    if errors:
        raise ValidationFailed(errors=errors)
    return mime


def limit_breach(
    *,
    case_id: uuid.UUID,
    party_id: uuid.UUID,
    user_id: uuid.UUID,
    mime: str,
    size: int,
    statuses: tuple[str, ...],
    exclude: uuid.UUID | None = None,
) -> str | None:
    """The reason a file of this size would break a limit (counting items in `statuses`), or None."""
    return _breach(
        _usage(case_id=case_id, party_id=party_id, user_id=user_id, statuses=statuses, exclude=exclude),
        mime=mime,
        size=size,
    )


@dataclasses.dataclass(frozen=True)
class Usage:
    """What a party holds in a case and its uploader holds in all, read in one statement under the user's lock."""

    files: int  # the party's items in the case, in the counted statuses
    bytes: int  # the uploader's bytes in the counted statuses, every case
    last_order: int  # the party's highest catalogue number in the case (every status: numbers are never reused)


def _usage(
    *, case_id: uuid.UUID, party_id: uuid.UUID, user_id: uuid.UUID, statuses: tuple[str, ...], exclude: uuid.UUID | None
) -> Usage:
    """Lock the uploader's row (serialises bytes per user across cases), then read the three figures at once.

    Two statements on purpose: the aggregates must be read after the lock is granted (under READ COMMITTED
    a statement sees what committed before it began; one statement that waited for the lock would count
    with the snapshot it took before waiting).
    """
    db.session.execute(_USER_LOCK, {"user_id": user_id})
    params = {"case_id": case_id, "party_id": party_id, "user_id": user_id, "statuses": list(statuses)}
    if exclude is not None:
        params["exclude"] = exclude
    row = db.session.execute(_usage_figures(exclude is not None), params).one()
    return Usage(files=int(row[0] or 0), bytes=int(row[1] or 0), last_order=int(row[2] or 0))


_USER_LOCK = select(User.id).where(User.id == bindparam("user_id", type_=Uuid)).with_for_update()


@functools.cache
def _usage_figures(excluding: bool) -> Select[Any]:
    """The party's counted files, the uploader's counted bytes, the party's last number (built once per shape)."""
    case_id, party_id, user_id = (bindparam(name, type_=Uuid) for name in ("case_id", "party_id", "user_id"))
    party: ColumnElement[bool] = (EvidenceItem.case_id == case_id) & (EvidenceItem.party_id == party_id)
    counted: ColumnElement[bool] = EvidenceItem.status.in_(bindparam("statuses", expanding=True))
    if excluding:
        counted = counted & (EvidenceItem.id != bindparam("exclude", type_=Uuid))
    files = select(func.count()).where(party, counted).scalar_subquery()
    size = func.coalesce(func.sum(EvidenceItem.declared_size), 0)
    used = select(size).where(EvidenceItem.uploaded_by_user_id == user_id, counted).scalar_subquery()
    last = select(func.coalesce(func.max(EvidenceItem.catalogue_order), 0)).where(party).scalar_subquery()
    return select(files, used, last)


def _breach(usage: Usage, *, mime: str, size: int) -> str | None:
    configured = limits()
    if size > configured.max_size(mime):
        return rules.TOO_LARGE
    if usage.files + 1 > configured.files_per_case:
        return rules.TOO_MANY_FILES
    if usage.bytes + size > configured.bytes_per_user:
        return rules.QUOTA_EXCEEDED
    return None


def _raise_limit(reason: str, mime: str) -> None:
    configured = limits()
    if reason == rules.TOO_LARGE:  # each raise names its reason, so that the catalogue has its words
        raise PayloadTooLarge(
            f"A {mime} file may be at most {configured.max_size(mime)} bytes.",
            reason=rules.TOO_LARGE,
            errors={"size": [f"At most {configured.max_size(mime)} bytes."]},
        )
    if reason == rules.TOO_MANY_FILES:
        raise Conflict(
            f"A party may hold at most {configured.files_per_case} files in a case.", reason=rules.TOO_MANY_FILES
        )
    raise Conflict(f"You may hold at most {configured.bytes_per_user} bytes of evidence.", reason=rules.QUOTA_EXCEEDED)
