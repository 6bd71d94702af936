"""Which language a reader gets: Simplified Chinese first, English second, anything else Chinese."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")  # the order is the preference when a reader accepts both equally

_user_language_provider: list[Callable[[str], str | None]] = []


def best_language(accept_language: str | None) -> str:
    """The language for an `Accept-Language` header: zh-CN, zh, en-US, en ...; missing or unknown -> zh."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    try:
        accepted = parse_accept_header(accept_language, LanguageAccept)
    except (ValueError, TypeError):  # a header no parser makes sense of is no reason to fail a request
        return DEFAULT_LANGUAGE
    # Highest quality first (werkzeug sorts them); a region (zh-CN, en-GB) counts as its language. Werkzeug's
    # own best_match prefers an exact tag at any quality over a regional one ("en;q=0.3, zh-CN" -> en).
    for tag, quality in accepted:
        primary = tag.replace("_", "-").split("-")[0].strip().lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def normalise(language: str | None) -> str:
    """A stored or given language code as one of LANGUAGES (zh-CN -> zh, en_GB -> en, other -> zh)."""
    primary = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def set_user_language_provider(provider: Callable[[str], str | None]) -> None:
    """Connect the owner of people's preferences (once, in app/wiring.py): user id -> language code or None."""
    _user_language_provider[:] = [provider]


def user_language(user_id: str | None) -> str:
    """The language to write to a person outside a request (SMS, subscribe messages, later texts).

    Until a provider is connected (users have no language column yet: docs/i18n.md) everyone reads Chinese.
    """
    if user_id and _user_language_provider:
        return normalise(_user_language_provider[0](user_id))
    return DEFAULT_LANGUAGE
