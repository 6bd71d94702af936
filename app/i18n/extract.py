"""The Babel extractor of `make messages` (babel.cfg): error texts by reason, marked texts, gettext calls.

Each error text is yielded as `pgettext(reason, english_template)`, so the catalogue's context is the machine
reason and its msgid the English the code raises; ordinary `gettext`/`_`/`pgettext` calls are extracted as
Babel's own Python extractor would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from babel.messages.extract import extract_python

from app.i18n import sources


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel's extractor interface: (line, function name, messages, translator comments)."""
    path = Path(getattr(fileobj, "name", "")).resolve()
    yield from extract_python(fileobj, keywords, comment_tags, options)
    if not path.is_file():
        return
    for text in sources.texts_in(path):
        note = f"reason {text.context}" if text.context != "field" else "a field's validation message"
        yield text.line, "pgettext", (text.context, text.template), [note]
