"""Looking texts up in the gettext catalogue (translations/<language>/LC_MESSAGES/messages.mo).

An error's text is keyed by its machine `reason` (the gettext context) and its English template (the msgid,
what the code raises, with `%(name)s` placeholders for an f-string's values). A raised English message is
matched against the reason's templates; the values it carried fill the reader's template. A message the
catalogue does not know (one the code computes, not a literal: tests/i18n lists none may be a literal) stays
as written unless a fallback is given (werkzeug's own statuses: the reason's catalogue text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.support import NullTranslations, Translations

from app.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "translations"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the language the code is written in: msgids are English
FIELD = "field"  # the context of per-field validation messages (marshmallow, webargs, the core's own)
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of one language (an empty one when it has none: the English stays)."""
    return Translations.load(str(TRANSLATIONS), [language], DOMAIN)


def placeholders(template: str) -> frozenset[str]:
    return frozenset(m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1))


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)" if match.group(1) else "%")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.DOTALL)


@functools.cache
def index() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """Every template by context, read from the default language's compiled catalogue."""
    found: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    path = TRANSLATIONS / DEFAULT_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.exists():
        return found
    with path.open("rb") as handle:
        catalog = read_mo(handle)
    for message in catalog:
        if message.id and message.context and isinstance(message.id, str):
            found.setdefault(message.context, []).append((_pattern(message.id), message.id))
    for entries in found.values():  # the most specific template first: more literal text wins
        entries.sort(key=lambda entry: -len(PLACEHOLDER.sub("", entry[1])))
    return found


def warm() -> None:
    """Read the catalogue now, in a serving process before its first request (wsgi.py; with gunicorn's preload, in
    the master, so every worker shares it): otherwise the first error answer in each worker paid for reading it and
    compiling a pattern per template (~0.15 s of CPU, ~0.5 s on a busy VM)."""
    index()
    for language in LANGUAGES:
        translations(language)


def render(context: str, template: str, language: str, params: Mapping[str, object] | None = None) -> str:
    """One catalogue entry in a language, its placeholders filled (a missing value leaves the template)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    text = str(translations(language).pgettext(context, template)) if language != SOURCE_LANGUAGE else template
    try:
        return text % dict(params or {})
    except (KeyError, ValueError, TypeError):
        return text.replace("%%", "%")


def match(context: str, english: str) -> tuple[str, dict[str, str]] | None:
    """The reason's template that produced this English text, and the values it was filled with."""
    for pattern, template in index().get(context, ()):
        found = pattern.fullmatch(english)
        if found:
            return template, found.groupdict()
    return None


def translate(
    context: str,
    english: str,
    language: str,
    *,
    params: Mapping[str, object] | None = None,
    fallback: tuple[str, str] | None = None,
) -> str:
    """The reader's words for a text the code wrote in English under `context` (an error reason)."""
    if language == SOURCE_LANGUAGE:
        return english
    found = match(context, english)
    if found is not None:
        template, values = found
        return render(context, template, language, {**values, **(params or {})})
    if fallback is None:
        return english
    plain = [template for _pattern_, template in index().get(context, ()) if not placeholders(template)]
    if plain:
        return render(context, plain[-1], language)
    return render(fallback[0], fallback[1], language)


def translate_fields(errors: Mapping[str, object], language: str) -> dict[str, object]:
    """Per-field validation messages (nested dicts and lists of strings) in the reader's language."""
    if language == SOURCE_LANGUAGE:
        return dict(errors)
    return {key: _translate_field(value, language) for key, value in errors.items()}


def _translate_field(errors: object, language: str) -> object:
    if isinstance(errors, Mapping):
        return {key: _translate_field(value, language) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [_translate_field(value, language) for value in errors]
    if isinstance(errors, str):
        found = match(FIELD, errors)
        return render(FIELD, found[0], language, found[1]) if found else errors
    return errors


def mark(context: str, text: str) -> str:
    """Name a text for the catalogue where it is written (the extractor finds it); returns it unchanged."""
    return text
