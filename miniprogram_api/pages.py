"""The pages people use: the mobile H5 client (/h5/) and the staff console (/console/).

The pages are plain HTML, CSS and JavaScript modules under `web/` (no build step, nothing fetched from a CDN).
They hold no data of their own: every figure they show comes from the public JSON API, called from the browser
with the person's own bearer token, so these routes are `@public` and serve files only. Each answer carries a
content security policy without 'unsafe-inline' (scripts and styles only from files of this origin).
A site's index.html is rendered, not sent as it is: its texts are filled from the zh-CN catalogue (the first
screen, a login form, is usable on a slow connection before the scripts arrive) and every module of the first
load is announced with <link rel="modulepreload">, so the browser fetches the import graph in parallel.
See docs/pages.md.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, make_response, redirect, request, send_from_directory

from app.errors import NotFound
from miniprogram_api.auth import public

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
SITES = ("h5", "console")
TOKEN = re.compile(r"[A-Za-z0-9]{8,64}")  # an invitation token's shape (the H5 page asks the API whether it is one)
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'{store}",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
CSP = "; ".join(POLICY).format(store="")  # with the local store: uploads go to this origin


def store_origin(config: Mapping[str, Any]) -> str | None:
    """Where the browser posts an upload form when the store is S3 (its endpoint's origin), else None."""
    if config.get("STORAGE_BACKEND") != "s3":
        return None
    endpoint = urlsplit(str(config.get("S3_ENDPOINT_URL") or ""))
    if endpoint.scheme and endpoint.netloc:
        return f"{endpoint.scheme}://{endpoint.netloc}"
    return "https://*.amazonaws.com"


def policy(config: Mapping[str, Any]) -> str:
    """The content security policy: this origin only, plus the S3 endpoint evidence uploads go to."""
    origin = store_origin(config)
    return "; ".join(POLICY).format(store=f" {origin}" if origin else "")


ROOM_PAGE = "room.html"  # the H5 TRTC video room (web/h5/room.js): the one page whose policy reaches Tencent
SOURCE = re.compile(r"[a-z][a-z0-9+.-]*://[A-Za-z0-9*.:-]+|[a-z][a-z0-9+.-]*:")  # a CSP host or scheme source


def room_policy(config: Mapping[str, Any]) -> str:
    """The video room's policy: the pages' own, plus the SDK's servers (`VIDEO_WEB_CSP_ORIGINS`) in connect-src and
    media-src, and blob: workers (the SDK starts its timers and renderers in workers made from blobs)."""
    origins = "".join(f" {o}" for o in config.get("VIDEO_WEB_CSP_ORIGINS") or () if SOURCE.fullmatch(str(o)))
    widened = policy(config).replace("connect-src 'self'", f"connect-src 'self'{origins}", 1)
    return f"{widened}; media-src 'self' blob:{origins}; worker-src 'self' blob:"


# Set by each site's script (web/common/api.js: keepSessionHint) while its tab holds a session (sessionStorage, which
# the server cannot see), on the site's path only: the site's next load is sent without the login form, so a
# logged-in person never sees it painted before the script decides. Nothing secret: the API never sees it.
SESSION_HINTS = {"h5": "mc_h5", "console": "mc_console"}
LOGIN_SCREEN = re.compile(r'<section id="login-screen".*?</section>\n', re.DOTALL)
DECIDING = '<p class="meta" data-i18n="common.loading"></p>\n'  # what the script replaces with the person's page
FIRST_LANGUAGE = "zh-CN"  # web/common/i18n.js: LANGUAGES[0]; a reader's other choice lives in localStorage
IMPORT = re.compile(r"""(?:import\s[^"']*?from\s*|import\s*)["']([^"']+\.js)["']""")  # static imports only
MODULE = re.compile(r'<script type="module" src="([^"]+)"></script>')
KEYED_TEXT = re.compile(r'(<(\w+)\b[^>]*?\bdata-i18n(?:-title)?="([\w.-]+)"[^>]*>)[^<]*(</\2>)')
KEYED_LABEL = re.compile(r'\bdata-i18n-label="([\w.-]+)"')


def _web_file(url: str) -> Path:
    """The file under web/ a site-absolute address names (/web/..., /h5/..., /console/...)."""
    head, _, rest = url.lstrip("/").partition("/")
    return WEB_ROOT / rest if head == "web" else WEB_ROOT / head / rest


def module_graph(site: str) -> list[str]:
    """Every module the site's first load executes (its index.html's module script and their static imports,
    not the `import()` of pages fetched when first visited), as site-absolute addresses, in a stable order."""
    html = (WEB_ROOT / site / "index.html").read_text(encoding="utf-8")
    pending = [src if src.startswith("/") else f"/{site}/{src}" for src in MODULE.findall(html)]
    found: list[str] = []
    while pending:
        url = pending.pop(0)
        if url in found:
            continue
        found.append(url)
        base = url.rsplit("/", 1)[0]
        for target in IMPORT.findall(_web_file(url).read_text(encoding="utf-8")):
            pending.append(target if target.startswith("/") else posixpath.normpath(f"{base}/{target}"))
    return found


def site_words(site: str, lang: str) -> dict[str, str]:
    """The words a site can show, in one language: web/i18n/<lang>.json (one file per language, for the
    translators) without the other sites' own keys (`h5.*` on the console, `console.*` on the H5); the shared
    prefixes (`common.`, `login.`, `error.`, `language.` and the value labels such as `case_status.`) go to both."""
    others = tuple(f"{other}." for other in SITES if other != site)
    words = json.loads((WEB_ROOT / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    return {key: text for key, text in words.items() if not key.startswith(others)}


def catalogue_url(site: str, lang: str) -> str:
    """Where a site's script fetches its catalogue (web/common/i18n.js, `loadCatalogue(site)`)."""
    return f"/{site}/i18n/{lang}.json"


def render_index(site: str, *, login: bool = True) -> str:
    """The site's first screen as sent: index.html with every keyed text filled from the zh-CN catalogue (the one
    source of the pages' words; the scripts translate the page again for a reader who chose another language) and
    a modulepreload link for every module of the first load, plus a preload of the catalogue the script fetches.
    login=False: the login screen replaced by a "loading" line (a browser whose tab says it is logged in)."""
    html = (WEB_ROOT / site / "index.html").read_text(encoding="utf-8")
    if not login:
        html, found = LOGIN_SCREEN.subn(DECIDING, html, count=1)
        assert found, f"web/{site}/index.html has no login screen"
    words = site_words(site, FIRST_LANGUAGE)  # a key the site's catalogue lacks fails here, not in the browser

    def text(match: re.Match[str]) -> str:
        return f"{match.group(1)}{escape(words[match.group(3)], quote=False)}{match.group(4)}"

    def label(match: re.Match[str]) -> str:
        return f'{match.group(0)} aria-label="{escape(words[match.group(1)])}"'

    html = KEYED_LABEL.sub(label, KEYED_TEXT.sub(text, html))
    preload = "".join(f'<link rel="modulepreload" href="{url}">\n' for url in module_graph(site))
    preload += f'<link rel="preload" href="{catalogue_url(site, FIRST_LANGUAGE)}" as="fetch" crossorigin>\n'
    first = MODULE.search(html)
    assert first is not None, f"web/{site}/index.html has no module script"
    return html[: first.start()] + preload + html[first.start() :]


def _sources(site: str) -> list[Path]:
    """The files a site's rendered first screen is made of."""
    sources = [WEB_ROOT / site / "index.html", WEB_ROOT / "i18n" / f"{FIRST_LANGUAGE}.json"]
    return sources + [_web_file(url) for url in module_graph(site)]


# (site, with the login screen) -> (its source files, their modification times, the rendered page, its ETag)
_rendered: dict[tuple[str, bool], tuple[list[Path], tuple[float, ...], str, str]] = {}


def _index(site: str) -> Response:
    """The rendered first screen, kept until one of the files it is made of changes (a stat per file and request);
    `no-cache` with an ETag: the browser revalidates it, a 304 when nothing changed. The HTML is the same for every
    reader (the language choice lives in the browser), but for the login screen, which a browser that sends the
    site's session hint (`SESSION_HINTS`) does not get: so each site's page varies by Cookie."""
    login = request.cookies.get(SESSION_HINTS[site]) != "1"
    kept = _rendered.get((site, login))
    if kept is None or tuple(source.stat().st_mtime for source in kept[0]) != kept[1]:
        sources = _sources(site)
        stamp = tuple(source.stat().st_mtime for source in sources)
        body = render_index(site, login=login)
        kept = (sources, stamp, body, hashlib.sha256(body.encode()).hexdigest()[:32])
        _rendered[(site, login)] = kept
    response = make_response(kept[2])
    response.mimetype = "text/html"
    response.set_etag(kept[3])
    response.vary.add("Cookie")
    _headers(response).make_conditional(request)
    return response


# (site, language) -> (the catalogue file's modification time, the site's catalogue as sent, its ETag)
_catalogues: dict[tuple[str, str], tuple[float, bytes, str]] = {}
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")  # a catalogue's name: zh-CN, en


def site_catalogue(site: str, lang: str) -> tuple[bytes, str]:
    """`site_words` as the site's script receives it, with its ETag: compact JSON (no indentation, which would add
    about 1.7 KB on a slow link), kept until the catalogue file changes."""
    source = WEB_ROOT / "i18n" / f"{lang}.json"
    stamp = source.stat().st_mtime
    kept = _catalogues.get((site, lang))
    if kept is None or kept[0] != stamp:
        body = json.dumps(site_words(site, lang), ensure_ascii=False, separators=(",", ":")).encode()
        kept = (stamp, body, hashlib.sha256(body).hexdigest()[:32])
        _catalogues[(site, lang)] = kept
    return kept[1], kept[2]


def _catalogue(site: str, lang: str) -> Response:
    """A site's words in one language, revalidated like every page file (`no-cache`, an ETag, a 304)."""
    if not LANGUAGE.fullmatch(lang) or not (WEB_ROOT / "i18n" / f"{lang}.json").is_file():
        raise NotFound()
    body, etag = site_catalogue(site, lang)
    response = make_response(body)
    response.mimetype = "application/json"
    response.set_etag(etag)
    _headers(response).make_conditional(request)
    return response


blp = Blueprint("pages", __name__)


def _file(folder: Path, name: str) -> Response:
    if name == "index.html" and folder.parent == WEB_ROOT and folder.name in SITES:
        return _index(folder.name)
    return _headers(send_from_directory(folder, name, max_age=0))


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = policy(current_app.config)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.route("/h5")
@blp.route("/console")
@public
def bare() -> Response:
    """The site's address without its trailing slash: relative asset links need the slash."""
    return redirect(request.path + "/", code=308)  # type: ignore[return-value]


@blp.route("/h5/", defaults={"name": "index.html"}, endpoint="h5")
@blp.route("/h5/<path:name>", endpoint="h5")
@public
def h5(name: str) -> Response:
    """The mobile H5 client (citizens, and recipients opening an SMS link)."""
    response = _file(WEB_ROOT / "h5", name)
    if name == ROOM_PAGE:
        response.headers["Content-Security-Policy"] = room_policy(current_app.config)
    return response


@blp.route("/h5/i18n/<lang>.json", defaults={"site": "h5"}, endpoint="catalogue")
@blp.route("/console/i18n/<lang>.json", defaults={"site": "console"}, endpoint="catalogue")
@public
def catalogue(site: str, lang: str) -> Response:
    """The words one site shows, in one language (`site_words`): each site fetches only its own."""
    return _catalogue(site, lang)


@blp.route("/console/", defaults={"name": "index.html"}, endpoint="console")
@blp.route("/console/<path:name>", endpoint="console")
@public
def console(name: str) -> Response:
    """The court staff console."""
    return _file(WEB_ROOT / "console", name)


@blp.route("/mp/<path:page>")
@public
def invitation_link(page: str) -> Response:
    """The plain QR code's link opened outside WeChat (`INVITATION_LINK_BASE` left at its default, PUBLIC_BASE_URL/mp):
    the invitation's page in the H5 client. Inside WeChat the 普通链接二维码 rule opens the mini-program instead."""
    scene = request.args.get("scene", "")
    if page != current_app.config.get("INVITATION_PAGE") or not TOKEN.fullmatch(scene):
        raise NotFound()
    return redirect(f"/h5/#/invite/{scene}", code=302)  # type: ignore[return-value]


@blp.route("/web/<path:name>")
@public
def shared(name: str) -> Response:
    """What both sites share: the text catalogue (web/i18n), the API client and styles (web/common)."""
    return _file(WEB_ROOT, name)


def register(app: Flask) -> None:
    """Mount the pages (plain Flask routes: they are files, not API operations, so not in the OpenAPI document)."""
    app.register_blueprint(blp)
