"""Speaking the reader's language (issue 21): one gettext catalogue, Simplified Chinese first, English second.

Shared base: imports no domain. `languages` chooses a language (Accept-Language; a person's preference for
texts sent later); `catalogue` looks a text up by its context (an error's machine reason) and English
template; `sources` reads from the code which texts exist, for `make messages` and the completeness tests;
`extract` is the Babel extractor. How to add a text or a language: docs/i18n.md.
"""

from __future__ import annotations

from flask import Flask

from app.i18n import catalogue, field_messages, labels, languages, messages, sources
from app.i18n.catalogue import mark, translate, translate_fields
from app.i18n.labels import label
from app.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, best_language, set_user_language_provider, user_language
from app.i18n.messages import Message, message, render_data

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Message",
    "best_language",
    "catalogue",
    "current_language",
    "field_messages",
    "init_babel",
    "label",
    "labels",
    "languages",
    "mark",
    "message",
    "messages",
    "render_data",
    "set_user_language_provider",
    "sources",
    "translate",
    "translate_fields",
    "user_language",
]


def init_babel(app: Flask) -> None:
    """Bind Flask-Babel: Chinese by default, the catalogue under translations/ (the HTTP layer picks the locale)."""
    from app.extensions import babel

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogue.TRANSLATIONS))
    babel.init_app(app)


def current_language() -> str:
    """The language of the request being served (Flask-Babel's locale selector), or the default outside one.

    Asked of the selector each time rather than read from Flask-Babel's cache in `g`, which outlives a request
    when an application context is already pushed (a test, a CLI command serving several requests).
    """
    from flask import current_app, has_request_context

    if not has_request_context():
        return DEFAULT_LANGUAGE
    state = current_app.extensions.get("babel")
    selector = getattr(state, "locale_selector", None)
    return languages.normalise(selector() if selector is not None else None)
