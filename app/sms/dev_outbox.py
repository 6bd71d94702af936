"""Development helpers, refused unless DEV_SMS_OUTBOX is on (never in production)."""

from __future__ import annotations

import functools
import re

from app.errors import NotFound
from app.i18n import LANGUAGES, catalogue
from app.integrations.sms import CONTEXT, TEMPLATES
from app.platform import settings
from app.sms import outbox
from app.sms.models import SmsMessage

# The texts that carry a code a developer must type: the login code and the claim codes (12368, service).
CODE_TEMPLATES = frozenset({"login_code", "case_claim", "service_claim"})


def sms_outbox(*, phone: str) -> list[dict]:
    """Console messages to a phone, newest first, with the code of a login or claim text (404 when disabled)."""
    if not settings.notifications().dev_sms_outbox or settings.http().env_name == "production":
        raise NotFound("Not found.", reason="resource.not_found")
    return [_view(message) for message in outbox.outbox_for(phone=phone)]


def _view(message: SmsMessage) -> dict:
    return {
        "template": message.template,
        "text": message.text,
        "status": message.status,
        "created_at": message.created_at,
        "code": code_in(message.template, message.text),
    }


def code_in(template: str, text: str | None) -> str | None:
    """The `%(code)s` of a login or claim text, read back through its template in any language (None for any
    other text)."""
    if template not in CODE_TEMPLATES or not text:
        return None
    for language in LANGUAGES:
        found = _pattern(template, language).fullmatch(text)
        if found:
            return found.group("code")
    return None


@functools.cache
def _pattern(template: str, language: str) -> re.Pattern[str]:
    """The template in a language as a regular expression: its literal text, the code captured, other fields
    skipped."""
    words = catalogue.render(CONTEXT, TEMPLATES[template], language)  # no values: the placeholders stay
    pieces = re.split(r"%\((\w+)\)s", words)
    parts = [
        re.escape(piece) if index % 2 == 0 else ("(?P<code>[0-9A-Za-z-]+?)" if piece == "code" else ".*?")
        for index, piece in enumerate(pieces)
    ]
    return re.compile("".join(parts), re.DOTALL)
