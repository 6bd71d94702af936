"""The pages people use: the mobile H5 client (/h5/) and the staff console (/console/), as static files.

The pages are plain HTML, CSS and JavaScript modules under `web/` (no build step, nothing fetched from a CDN).
They hold no data of their own: every figure they show comes from the public JSON API, called from the browser
with the person's own bearer token, so these routes are `@public` and serve files only. Each answer carries a
content security policy without 'unsafe-inline' (scripts and styles only from files of this origin).
See docs/pages.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, redirect, request, send_from_directory

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


blp = Blueprint("pages", __name__)


def _file(folder: Path, name: str) -> Response:
    response = send_from_directory(folder, name, max_age=0)
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
