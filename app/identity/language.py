"""A person's language for texts sent later (SMS, subscribe messages, e-mail): chosen by the person, never guessed.

`users.language` holds 'zh', 'en' or NULL (no choice made: later texts are in the default language, Chinese).
Only an explicit choice stores it (`set_language`, `PUT /api/mp/v1/me/language`); an authenticated request's
`Accept-Language` chooses the language of that answer only and is never stored, because a phone's system
language is not a statement of which language a person wants a court's SMS in (docs/i18n.md).

`language_of` is the provider `app/wiring.py` connects to `app.i18n.set_user_language_provider`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm.util import identity_key

from app.audit import log as audit
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.i18n import LANGUAGES
from app.identity.models import User
from app.security import permissions
from app.security.permissions import Principal

# Built, not written as a literal: it is marshmallow's own per-field text ("Must be one of: %(choices)s."),
# already in the catalogue, so the service's refusal reads the same as the HTTP schema's in either language.
_NOT_A_LANGUAGE = "Must be one of: " + ", ".join(LANGUAGES) + "."


def set_language(*, actor: Principal, language: str | None) -> str | None:
    """Store the caller's own choice ('zh', 'en', or None to clear it); audited when it changes; commits."""
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed(errors={"language": [_NOT_A_LANGUAGE]})
    user = db.session.get(User, actor.user_id) if permissions.is_user(actor) else None
    if user is None:
        raise NotFound("Not found.", reason="resource.not_found")
    if user.language != language:
        previous, user.language = user.language, language
        audit.record(
            "identity.language_set",
            actor=actor,
            object_type="user",
            object_id=user.id,
            details={"language": language, "previous": previous},
        )
        db.session.commit()
    return user.language


# Built once with a bound id: building the statement per call cost more CPU than running it.
_LANGUAGE_OF = select(User.language).where(User.id == bindparam("user_id"))


def language_of(user_id: str) -> str | None:
    """The stored choice of a user ('zh', 'en') or None (no choice, unknown user, not a user id).

    No statement when the session already holds the user with its language loaded (an authenticated request's
    caller: `/me`, a notification to the person acting): that is the value a query in the same transaction
    reads. Otherwise one query.
    """
    try:
        key = uuid.UUID(str(user_id))
    except ValueError:
        return None
    held = db.session.identity_map.get(identity_key(User, key))
    if held is not None and "language" not in inspect(held).unloaded:
        return held.language
    return db.session.scalar(_LANGUAGE_OF, {"user_id": key})
