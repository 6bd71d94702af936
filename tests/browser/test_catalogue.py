"""The pages' text and weight, checked without a browser: every word from the catalogue, a budget for slow phones.

Every text a page shows comes from web/i18n/<lang>.json, looked up by key (docs/pages.md): a key the pages use
that a catalogue lacks fails here, and so does Chinese typed into a script or text written straight into HTML.
The HTML may carry text before its script runs (for a slow connection) only as the zh-CN catalogue's own words.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from miniprogram_api.pages import SITES, WEB_ROOT, catalogue_url, render_index, site_catalogue, site_words

LANGUAGES = ("zh-CN", "en")  # Chinese first: the default, and the words the HTML carries
KEY_PREFIXES = ("common", "login", "error", "language", "h5", "console")
T_CALL = re.compile(r"""\bt\(\s*"([^"]+)"|\bt\(\s*'([^']+)'""")
KEY_LITERAL = re.compile('"((?:' + "|".join(KEY_PREFIXES) + r')\.[\w.-]+)"')
LABEL_GROUP = re.compile(r'"([a-z_]+)"')  # label("case_status", value), statusBadge("document_status", ...)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
IMPORT = re.compile(r"""(?:import\s[^"']*?from\s*|import\s*)["']([^"']+\.js)["']""")
FIRST_LOAD_BUDGET = 80 * 1024  # bytes per site, uncompressed: HTML, CSS, every module, one catalogue (docs/pages.md)
# Vendored third-party code (web/vendor: the TRTC SDK the video room loads) has its own words and is not ours to key
SCRIPTS = sorted(p for p in WEB_ROOT.rglob("*.js") if "vendor" not in p.relative_to(WEB_ROOT).parts)
PAGES = sorted(WEB_ROOT.rglob("*.html"))


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((WEB_ROOT / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


class _Text(HTMLParser):
    """Collects (key, text) for every text node and attribute key of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.keys: set[str] = set()
        self.loose: list[str] = []
        self.keyed: list[tuple[str, str]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("data-i18n", "data-i18n-label", "data-i18n-placeholder", "data-i18n-title"):
            if found.get(name):
                self.keys.add(str(found[name]))
        if (tag == "script" and "src" not in found) or tag == "style" or "style" in found:
            self.inline.append(tag)
        if any(name.startswith("on") for name in found):
            self.inline.append(f"{tag} event handler")
        if tag not in ("meta", "link", "br", "input", "img"):
            self.stack.append(found)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in ("meta", "link", "br", "input", "img"):
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text:
            return
        owner = self.stack[-1] if self.stack else {}
        key = owner.get("data-i18n") or owner.get("data-i18n-title")
        if key:
            self.keyed.append((str(key), text))
        else:
            self.loose.append(text)


def _parsed(page: Path) -> _Text:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _code(script: Path) -> str:
    return "\n".join(line.split("//")[0] for line in script.read_text(encoding="utf-8").splitlines())


def _of(site: str | None, files: list[Path]) -> list[Path]:
    """A site's own files and the shared ones (web/common: each site may import any of them); all for None."""
    return [f for f in files if site is None or f.relative_to(WEB_ROOT).parts[0] in (site, "common")]


def used_keys(site: str | None = None) -> set[str]:
    keys: set[str] = set()
    for script in _of(site, SCRIPTS):
        source = _code(script)
        keys |= {a or b for a, b in T_CALL.findall(source)}
        keys |= set(KEY_LITERAL.findall(source))
    for page in _of(site, PAGES):
        keys |= _parsed(page).keys
    return keys


def label_groups(site: str) -> set[str]:
    """The value labels a site's scripts look up (`label(group, value)`: `case_status.accepted`, ...): every quoted
    name of a catalogue group in them (a group passed along, as H5's statusBadge does, is named where it is called)."""
    groups = {key.split(".")[0] for key in catalogue(LANGUAGES[0])} - set(SITES)
    return {name for script in _of(site, SCRIPTS) for name in LABEL_GROUP.findall(_code(script)) if name in groups}


def test_the_catalogues_hold_the_same_keys_with_the_same_placeholders():
    first, *others = (catalogue(lang) for lang in LANGUAGES)
    for lang, other in zip(LANGUAGES[1:], others, strict=True):
        assert set(other) == set(first), f"{lang}: {sorted(set(other) ^ set(first))}"
        for key, text in first.items():
            assert isinstance(text, str) and text.strip() and other[key].strip(), key
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(other[key])), key
    declared = re.search(r"LANGUAGES = \[([^\]]+)\]", (WEB_ROOT / "common" / "i18n.js").read_text(encoding="utf-8"))
    assert declared and re.findall(r'"([^"]+)"', declared.group(1)) == list(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_a_page_uses_is_in_the_catalogue(lang: str):
    missing = sorted(used_keys() - set(catalogue(lang)))
    assert not missing, f"keys used by the pages but missing from web/i18n/{lang}.json: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("site", SITES)
def test_every_key_a_site_uses_is_in_the_catalogue_it_is_sent(site: str, lang: str):
    """Each site fetches only its own words (miniprogram_api/pages.py: `site_words`, without the other site's keys):
    a key that a page of the site, or a shared module, asks for must be among them, and so must every value label."""
    words = site_words(site, lang)
    missing = sorted(used_keys(site) - set(words))
    assert not missing, f"keys {site} uses but its catalogue ({catalogue_url(site, lang)}) lacks: {missing}"
    unlabelled = sorted(g for g in label_groups(site) if not any(key.startswith(f"{g}.") for key in words))
    assert not unlabelled, f"value labels {site} shows but its catalogue lacks: {unlabelled}"
    assert json.loads(site_catalogue(site, lang)[0]) == words


def test_each_site_is_sent_its_own_words_and_the_shared_ones_only():
    whole = catalogue(LANGUAGES[0])
    for site in SITES:
        sent = site_words(site, LANGUAGES[0])
        others = [s for s in SITES if s != site]
        assert not [key for key in sent if key.split(".")[0] in others]  # never the other site's own words
        assert [key for key in whole if key not in sent and key.split(".")[0] not in others] == []
        assert len(site_catalogue(site, LANGUAGES[0])[0]) < len(json.dumps(whole, ensure_ascii=False).encode())
    assert "case_status.accepted" in site_words("h5", "en") and "case_status.accepted" in site_words("console", "en")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(WEB_ROOT)))
def test_scripts_hold_no_text_of_their_own(script: Path):
    lines = [line for line in script.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("//")]
    typed = [line.strip() for line in lines if CJK.search(line.split("//")[0])]
    assert not typed, f"text belongs in web/i18n, not in {script.name}: {typed}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(WEB_ROOT)))
def test_html_text_is_the_catalogues_chinese_and_nothing_inline(page: Path):
    parsed, chinese = _parsed(page), catalogue(LANGUAGES[0])
    assert not parsed.loose, f"text outside the catalogue in {page.name}: {parsed.loose}"
    for key, text in parsed.keyed:
        assert chinese.get(key) == text, f"{page.name}: {key!r} says {text!r}, the catalogue {chinese.get(key)!r}"
    assert not parsed.inline, f"inline script or style (the CSP refuses it): {parsed.inline}"


def _first_load(site: str) -> dict[str, int]:
    """Every file the site's first page load fetches: its HTML, the stylesheet, the module graph, one catalogue."""
    html = (WEB_ROOT / site / "index.html").read_text(encoding="utf-8")
    files = {WEB_ROOT / site / "index.html"}
    for href in re.findall(r'(?:href|src)="([^"#]+\.(?:css|js))"', html):
        files.add(WEB_ROOT / href.removeprefix("/web/") if href.startswith("/web/") else WEB_ROOT / site / href)
    pending = [f for f in files if f.suffix == ".js"]
    while pending:
        module = pending.pop()
        for target in IMPORT.findall(module.read_text(encoding="utf-8")):
            found = WEB_ROOT / target.removeprefix("/web/") if target.startswith("/web/") else module.parent / target
            found = found.resolve()
            if found not in files:
                files.add(found)
                pending.append(found)
    weights = {str(f.relative_to(WEB_ROOT)): f.stat().st_size for f in files}
    weights[f"{site}/index.html"] = len(render_index(site).encode())  # as sent: its texts filled in
    weights[catalogue_url(site, "zh-CN").lstrip("/")] = len(site_catalogue(site, "zh-CN")[0])  # its own words only
    return weights


@pytest.mark.parametrize("site", SITES)
def test_the_served_page_preloads_every_module_of_the_first_load(site: str):
    """No waterfall: the browser learns the whole import graph from the HTML (modulepreload) and fetches it at once."""
    modules = {name for name in _first_load(site) if name.endswith(".js")}
    served = set(re.findall(r'<link rel="modulepreload" href="/(?:web/)?([^"]+)">', render_index(site)))
    assert served == modules


@pytest.mark.parametrize("site", SITES)
def test_the_first_load_fits_the_weight_budget(site: str):
    weights = _first_load(site)
    assert "common/api.js" in weights and "common/base.css" in weights, weights  # the walk found the graph
    assert not [f for f in weights if f.startswith("vendor/")], weights  # the TRTC SDK comes with the room page only
    assert sum(weights.values()) <= FIRST_LOAD_BUDGET, weights
