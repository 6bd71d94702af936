"""The catalogue against the code: every error text the code raises has its Chinese, placeholders agree between
languages, the compiled .mo files are what the .po files say, and a matched English message renders back."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.i18n import LANGUAGES, best_language, catalogue, sources
from miniprogram_api.errors import HTTP_MESSAGES, HTTP_REASONS

TRANSLATIONS = catalogue.TRANSLATIONS


def po(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def entries(language: str) -> dict[tuple[str | None, str], object]:
    return {(m.context, m.id): m for m in po(language) if m.id}


def test_every_error_text_of_the_code_is_in_the_catalogue_with_its_chinese():
    zh = entries("zh")
    missing = sorted(
        {
            f"{t.path}:{t.line} [{t.context}] {t.template}"
            for t in sources.all_texts()
            if (t.context, t.template) not in zh
        }
    )
    assert not missing, "run `make messages`, translate, `make messages-compile`:\n" + "\n".join(missing)
    untranslated = sorted(f"[{c}] {i}" for (c, i), m in zh.items() if not m.string or m.fuzzy)  # type: ignore[attr-defined]
    assert not untranslated, "no Chinese for:\n" + "\n".join(untranslated)


def test_every_reason_has_an_entry():
    contexts = {context for context, _id in entries("zh")}
    reasons = sources.reasons() | set(HTTP_REASONS.values()) | set(HTTP_MESSAGES)
    assert len(reasons) > 200  # the scan sees the whole code, not a corner of it
    assert sorted(reasons - contexts) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_the_same_in_every_language(language):
    differ = [
        f"[{context}] {msgid!r} -> {m.string!r}"  # type: ignore[attr-defined]
        for (context, msgid), m in entries(language).items()
        if m.string and catalogue.placeholders(m.string) != catalogue.placeholders(msgid)  # type: ignore[attr-defined]
    ]
    assert not differ, "\n".join(differ)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_current(language):
    """`make messages-compile` was run after the last .po change (CI runs this with make test)."""
    compiled = io.BytesIO()
    write_mo(compiled, po(language))
    mo = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    assert mo.read_bytes() == compiled.getvalue(), f"{mo} is stale: run `make messages-compile`"


def test_the_template_is_current_with_the_languages():
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = {(m.context, m.id) for m in read_po(handle) if m.id}
    for language in LANGUAGES:
        assert set(entries(language)) == template, f"{language} differs from messages.pot: run `make messages`"


def test_every_template_matches_its_own_rendering_in_english_and_renders_in_chinese():
    for context, templates in catalogue.index().items():
        for _pattern, template in templates:
            values = {name: f"<{name}>" for name in catalogue.placeholders(template)}
            english = template % values
            assert catalogue.translate(context, english, "en") == english
            chinese = catalogue.translate(context, english, "zh", fallback=("x", "x"))
            assert chinese == catalogue.render(context, template, "zh", values)
            assert all(value in chinese for value in values.values()), (context, template, chinese)


def test_a_message_the_catalogue_does_not_know_stays_as_written_unless_a_fallback_is_given():
    assert catalogue.translate("court.code_taken", "Something computed.", "zh") == "Something computed."
    assert catalogue.translate("resource.not_found", "The URL is unknown.", "zh", fallback=("x", "x")) == "未找到。"
    assert (
        catalogue.translate(
            "nowhere", "?", "zh", fallback=("state.conflict", "The request conflicts with the current state.")
        )
        == "该请求与当前状态冲突。"
    )


def test_explicit_params_win_over_the_values_read_back():
    text = catalogue.translate("court.code_taken", "A court with code X exists.", "zh", params={"code": "浙0212"})
    assert text == "代码为浙0212的法院已存在。"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9", "en"),
        ("en;q=0.3, zh-CN;q=0.9", "zh"),
        ("zh;q=0, en;q=0.1", "en"),
        ("*", "zh"),
        ("", "zh"),
        (None, "zh"),
        ("ja-JP", "zh"),
        ("\x00;;;q=abc,,", "zh"),
    ],
)
def test_accept_language(header, language):
    assert best_language(header) == language


@pytest.fixture
def sample_tree(tmp_path: Path, monkeypatch) -> Path:
    """A source tree of its own for the scan: the project's error classes copied in, the scan pointed at it, and its
    class cache emptied before and after. The cache is per process: without this, a scan of the sample found no
    classes when it ran first in its process (alone, or first on an xdist worker), and a cache filled from the sample
    would hide the project's classes from the tests that check the real catalogue."""
    (tmp_path / "app").mkdir()
    shutil.copy(sources.ROOT / "app" / "errors.py", tmp_path / "app" / "errors.py")
    monkeypatch.setattr(sources, "ROOT", tmp_path)
    sources.error_classes.cache_clear()
    yield tmp_path
    sources.error_classes.cache_clear()


def test_the_scan_finds_reasons_placeholders_and_class_texts(sample_tree: Path):
    source = sample_tree / "app" / "sample.py"
    source.write_text(
        "from app.errors import Conflict, NotFound\n"
        "GONE = 'sample.gone'\n"
        "def f(case, ids):\n"
        "    raise Conflict(f\"Case {case.state} has {len(ids)} of {case['n']}; 100%.\", reason='sample.state')\n"
        "def g():\n"
        "    raise NotFound('Gone.', reason=GONE)\n"
        "def h():\n"
        "    raise NotFound()\n",
        encoding="utf-8",
    )
    found = {(t.context, t.template) for t in sources.texts_in(source)}
    assert found == {("sample.state", "Case %(state)s has %(ids)s of %(n)s; 100%%."), ("sample.gone", "Gone.")}


def test_the_scan_finds_a_schemas_own_field_messages(sample_tree: Path):
    """marshmallow's ValidationError raised with words, and a validator's `error=`, are field messages too."""
    source = sample_tree / "miniprogram_api" / "sample.py"
    source.parent.mkdir()
    source.write_text(
        "from marshmallow import ValidationError, fields, validate\n"
        "CODE = fields.String(validate=validate.Regexp(r'^\\d$', error='One digit.'))\n"
        "QUIET = fields.String(validate=validate.Length(max=3))\n"
        "def check(value):\n"
        "    if value:\n"
        "        raise ValidationError('Not like that.', field_name='x')\n"
        "    raise ValidationError(f'Not {value}.')\n"
        "def elsewhere(outbox):\n"
        "    outbox.finish(error='error')\n",
        encoding="utf-8",
    )
    found = {(t.context, t.template) for t in sources.texts_in(source)}
    assert found == {("field", "One digit."), ("field", "Not like that."), ("field", "Not %(value)s.")}


def test_a_persons_language_comes_from_the_connected_provider_else_chinese(monkeypatch):
    from app.i18n import languages

    monkeypatch.setattr(languages, "_user_language_provider", [])
    assert languages.user_language("u1") == "zh"  # nothing connected yet: users have no language column
    languages.set_user_language_provider({"u1": "en-GB", "u2": "fr", "u3": None}.get)
    assert [languages.user_language(u) for u in ("u1", "u2", "u3", "u4", None)] == ["en", "zh", "zh", "zh", "zh"]


def test_extraction_finds_every_entry_of_the_template_and_no_other(tmp_path):
    """`make messages` is safe to run: what it extracts from the code is exactly the committed template, so it can
    neither drop a translated entry (a text the scan cannot see must be named in app/i18n/kept_texts.py) nor leave
    a user-facing text out of the catalogue."""
    import subprocess
    import sys

    extracted = tmp_path / "extracted.pot"
    command = [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg", "--no-wrap"]
    subprocess.run(
        [*command, "--project", "microcourt", "-o", str(extracted), "."],
        cwd=TRANSLATIONS.parent,
        env={**os.environ, "PYTHONPATH": str(TRANSLATIONS.parent)},
        check=True,
        timeout=300,
    )

    def keys(path: Path) -> set[tuple[str | None, str]]:
        with path.open("rb") as handle:
            return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}

    committed = keys(TRANSLATIONS / "messages.pot")
    found = keys(extracted)
    assert not committed - found, f"entries extraction would drop (name them in kept_texts.py): {committed - found}"
    assert not found - committed, f"texts missing from the catalogue: run `make messages`: {found - committed}"


def test_a_serving_process_reads_the_catalogue_before_its_first_request():
    catalogue.index.cache_clear()
    catalogue.translations.cache_clear()
    catalogue.warm()
    assert catalogue.index.cache_info().currsize == 1
    assert catalogue.translations.cache_info().currsize == len(LANGUAGES)
    served = (TRANSLATIONS.parent / "wsgi.py").read_text(encoding="utf-8")
    assert "catalogue.warm()" in served  # gunicorn's entry point warms it (in the master, with preload)
