"""Courtrooms (法庭): a court's rooms, kept by its clerks and court system, booked by hearings like a person.

A courtroom is never double-booked: a hearing booking locks the courtroom's row (before any person's schedule
row, see `conflicts.lock`) and checks the room's scheduled hearings in the same transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.scheduling.models import Courtroom
from app.security import permissions
from app.security.permissions import Principal

NOT_FOUND = "courtroom.not_found"


def not_found() -> NotFound:
    """The one answer for unknown courtrooms and those of another court."""
    return NotFound("No such courtroom.", reason=NOT_FOUND)


def _court_for(actor: Principal, court_id: uuid.UUID | None) -> uuid.UUID:
    """The court the caller manages rooms of: the one named, or their only court."""
    courts = permissions.staff_court_ids(actor)
    if court_id is None:
        if len(courts) != 1:
            raise ValidationFailed(errors={"court_id": ["Name the court: you work for several."]})
        court_id = courts[0]
    if court_id not in courts:
        raise NotFound("No such court.", reason="court.not_found")
    if not permissions.may_serve_documents(actor, court_id):  # clerks and the court system run the registry
        raise Forbidden("Only the court's clerks and court system manage courtrooms.", reason="courtroom.forbidden")
    return court_id


def create(*, actor: Principal, name: str, location: str | None = None, court_id: uuid.UUID | None = None) -> Courtroom:
    """Add a courtroom to the caller's court (names are unique per court: 409 courtroom.name_taken)."""
    court = _court_for(actor, court_id)
    room = Courtroom(court_id=court, name=_name(name), location=(location or "").strip() or None, active=True)
    db.session.add(room)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _name_taken() from None
    _audit("courtroom.created", actor, room)
    db.session.commit()
    return room


def update(*, actor: Principal, courtroom_id: uuid.UUID, changes: dict) -> Courtroom:
    """Rename, move or (de)activate a courtroom; an inactive room takes no new hearings (booked ones stay)."""
    room = get(actor=actor, courtroom_id=courtroom_id, lock=True)
    _court_for(actor, room.court_id)
    if "name" in changes:
        room.name = _name(changes["name"])
    if "location" in changes:
        room.location = (changes["location"] or "").strip() or None
    if "active" in changes:
        room.active = bool(changes["active"])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _name_taken() from None
    _audit("courtroom.updated", actor, room)
    db.session.commit()
    return room


def get(*, actor: Principal, courtroom_id: uuid.UUID, lock: bool = False) -> Courtroom:
    """A courtroom of a court the caller works for (404 otherwise)."""
    query = select(Courtroom).where(Courtroom.id == courtroom_id)
    room = db.session.scalar(query.with_for_update() if lock else query)
    if room is None or room.court_id not in permissions.staff_court_ids(actor):
        raise not_found()
    return room


def list_rooms(*, actor: Principal, court_id: uuid.UUID | None = None, active: bool | None = None) -> list[Courtroom]:
    """The courtrooms of the caller's courts (or of one of them), by name."""
    courts = permissions.staff_court_ids(actor)
    if court_id is not None:
        courts = [c for c in courts if c == court_id]
    if not courts:
        return []
    query = select(Courtroom).where(Courtroom.court_id.in_(courts))
    if active is not None:
        query = query.where(Courtroom.active.is_(active))
    return list(db.session.scalars(query.order_by(Courtroom.name, Courtroom.id)))


def for_booking(court_id: uuid.UUID | None, courtroom_id: uuid.UUID) -> Courtroom:
    """The courtroom a hearing of this court may book: the court's own and active (422 otherwise)."""
    room = db.session.get(Courtroom, courtroom_id)
    if room is None or room.court_id != court_id:
        raise ValidationFailed(errors={"courtroom_id": ["Not a courtroom of the case's court."]})
    if not room.active:
        raise ValidationFailed(errors={"courtroom_id": ["The courtroom is not in use."]})
    return room


def _name(text: str) -> str:
    if not text.strip():
        raise ValidationFailed(errors={"name": ["A courtroom needs a name."]})
    return text.strip()


def _name_taken() -> Conflict:
    return Conflict("The court already has a courtroom of that name.", reason="courtroom.name_taken")


def _audit(action: str, actor: Principal, room: Courtroom) -> None:
    details = {"court_id": str(room.court_id), "name": room.name, "active": room.active}
    audit.record(action, actor=actor, object_type="courtroom", object_id=room.id, details=details)
