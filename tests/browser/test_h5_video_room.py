"""The TRTC video room in a phone browser (web/h5/room.html): a verified party enters a TRTC session's room, the
vendored SDK loads only then, the fake camera shows in the local preview, and the SDK tries to reach Tencent with the
ticket's values. There is no internet here: every request and WebSocket to Tencent is intercepted, recorded and
refused, so the page must say clearly that it cannot connect and offer to try again. Also: the camera and microphone
refused by the browser, said plainly; the room page's own, wider content security policy."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Request, Route, WebSocketRoute, expect

from tests.api.video.helpers import online_session
from tests.browser.conftest import CHROMIUM, PHONE, Problems
from tests.browser.journeys import phone_of, sms_login
from tests.browser.test_h5 import _fits_the_screen
from tests.support.live_server import LiveServer, live_server

SDK_APP_ID = 1400000000 + secrets.randbelow(99_999_999)
TRTC = {
    "VIDEO_PROVIDER": "trtc",
    "TRTC_SDK_APP_ID": SDK_APP_ID,
    "TRTC_SECRET_KEY": secrets.token_hex(32),
    "TRTC_CALLBACK_KEY": secrets.token_hex(16),
}
SCHEDULERS = {"schedule.cloud-rtc.com", "schedule.cloud-rtc.net"}  # TRTC's web SDK asks these first (config.py)
MEDIA = ["--no-sandbox", "--use-fake-device-for-media-stream"]


@pytest.fixture
def site(app: Flask, database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The app over HTTP with TRTC as the video provider (a made-up app id and key: nothing reaches Tencent)."""
    from tests.conftest import make_app

    def build(url: str) -> Flask:
        return make_app(database_url, tmp_path, PUBLIC_BASE_URL=url, STORAGE_BACKEND="local", **TRTC)

    with live_server(factory=build) as server:
        yield server


def _page(browser: Browser, problems: Problems, *, allow_media: bool) -> Iterator[Page]:
    """A phone-sized page in a Chromium with a fake camera and microphone, whose permission prompt says yes (or no)."""
    flags = [*MEDIA, "--use-fake-ui-for-media-stream" if allow_media else "--deny-permission-prompts"]
    media = browser.browser_type.launch(executable_path=str(CHROMIUM), args=flags)
    try:
        context = media.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(20_000)
        yield problems.watch(context.new_page())
    finally:
        media.close()


@pytest.fixture
def room_page(browser: Browser, problems: Problems) -> Iterator[Page]:
    """The camera and microphone allowed (Chromium's fake devices)."""
    yield from _page(browser, problems, allow_media=True)


@pytest.fixture
def refusing_page(browser: Browser, problems: Problems) -> Iterator[Page]:
    """Every permission prompt answered no."""
    yield from _page(browser, problems, allow_media=False)


class Tencent:
    """What the page sent towards Tencent: every request and WebSocket to a host other than the app's, refused."""

    def __init__(self, page: Page, own: str, *, closes_in: float | None = None) -> None:
        self.closes_in = closes_in  # seconds: the ticket's window made to end that soon (the page's own timer)
        self.requests: list[tuple[str, str]] = []  # (url, body)
        self.sockets: list[str] = []
        self.sdk: list[str] = []
        self.tickets: list[dict] = []  # what our API gave the page
        self.own = urlsplit(own).netloc
        page.route(re.compile(r"^https?://"), self._http)
        page.route_web_socket(re.compile(r"^wss?://"), self._socket)
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.url.endswith("/web/vendor/trtc/trtc.js"):
            self.sdk.append(request.url)

    def _http(self, route: Route) -> None:
        if urlsplit(route.request.url).netloc == self.own:
            if not route.request.url.endswith("/video/entry"):
                route.continue_()
                return
            answer = route.fetch()  # our API's ticket, read before the page moves on to the room
            ticket = answer.json()
            if self.closes_in is not None:
                ticket["closes_at"] = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.closes_in)).isoformat()
            self.tickets.append(ticket)
            route.fulfill(response=answer, json=ticket)
            return
        self.requests.append((route.request.url, route.request.post_data or ""))
        route.abort("internetdisconnected")

    def _socket(self, socket: WebSocketRoute) -> None:
        self.sockets.append(socket.url)
        socket.close(code=1011, reason="no internet")


def _form(body: str) -> dict[str, str]:
    """The fields of a multipart form body, as the SDK posts them."""
    return dict(re.findall(r'name="([^"]+)"\r\n\r\n(.*?)\r\n', body, flags=re.S))


def _enter(page: Page, site: LiveServer, client) -> None:
    online = online_session(client)
    page.goto(f"{site.url}/h5/#/sessions/{online.session_id}")
    sms_login(page, phone_of(online.applicant))
    expect(page.get_by_role("heading", name="视频调解室")).to_be_visible()
    page.get_by_role("button", name="进入视频调解室").click()
    page.wait_for_url(re.compile(r"/h5/room\.html\?session="))


def test_a_party_enters_the_trtc_room_sees_the_camera_and_is_told_it_cannot_connect(
    site, client, room_page: Page, problems: Problems
):
    page = room_page
    tencent = Tencent(page, site.url)
    _enter(page, site, client)
    expect(page.get_by_role("heading", name="视频调解室", level=1)).to_be_visible()

    # The SDK arrives with the room, not before: the H5 client's first load never asked for it.
    expect(page.locator("#trtc-sdk")).to_have_count(1)
    assert len(tencent.sdk) == 1

    # The local preview plays the fake camera.
    preview = page.locator("#room-local video")
    expect(preview).to_have_count(1)
    page.wait_for_function(
        "() => { const v = document.querySelector('#room-local video');"
        " return v && v.srcObject && v.videoWidth > 0 && !v.paused; }"
    )

    # No internet: the page says it cannot connect, and offers to try again.
    alert = page.locator("#room-state").get_by_role("alert")
    expect(alert).to_contain_text("无法连接视频服务", timeout=45_000)
    expect(page.get_by_role("button", name="重试")).to_be_visible()
    expect(page.get_by_text("微信“微法院”小程序")).to_be_visible()
    assert "null" not in page.locator("#room-state").inner_text()

    # ... after the SDK asked Tencent's scheduling servers with the ticket's values (the form it posts).
    ticket = tencent.tickets[0]
    assert ticket["provider"] == "trtc" and ticket["sdk_app_id"] == SDK_APP_ID
    asked = [_form(body) for url, body in tencent.requests if urlsplit(url).hostname in SCHEDULERS]
    assert asked, [url for url, _ in tencent.requests]
    assert {(form.get("sdkAppId"), form.get("userId"), form.get("userSig"), form.get("groupId")) for form in asked} == {
        (str(SDK_APP_ID), ticket["room_user_id"], ticket["user_sig"], ticket["room_id"])
    }
    assert all(
        urlsplit(url).hostname in SCHEDULERS or url.startswith("https://yun.tim.qq.com/") for url, _ in tencent.requests
    )

    # Muting works while the preview runs; the retry tries again (and fails again, still offline).
    before = len(tencent.requests) + len(tencent.sockets)
    page.get_by_role("button", name="关闭摄像头").click()
    expect(page.get_by_role("button", name="打开摄像头")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="关闭麦克风").click()
    expect(page.get_by_role("button", name="打开麦克风")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="重试").click()
    expect(page.locator("#room-state")).to_contain_text("无法连接视频服务", timeout=45_000)
    assert len(tencent.requests) + len(tencent.sockets) > before
    _fits_the_screen(page)

    page.get_by_role("button", name="离开视频室").click()
    expect(page.get_by_role("button", name="进入视频调解室")).to_be_visible()
    assert _real(problems) == [], problems


def _real(problems: Problems) -> list[str]:
    """The page's problems, less the SDK's style attributes on its <video> elements, which the room's policy refuses
    on purpose (no 'unsafe-inline'; room.css styles the videos instead)."""
    return [p for p in problems if not p.startswith("Applying inline style violates")]


def test_the_camera_refused_is_said_plainly(site, client, refusing_page: Page, problems: Problems):
    page = refusing_page
    Tencent(page, site.url)
    _enter(page, site, client)
    alert = page.locator("#room-state").get_by_role("alert")
    expect(alert).to_contain_text("没有得到使用摄像头和麦克风的许可")
    expect(page.get_by_role("button", name="重试")).to_be_visible()
    assert _real(problems) == [], problems


def test_the_room_page_alone_gets_the_wider_policy(site):
    import urllib.request

    with urllib.request.urlopen(f"{site.url}/h5/room.html") as answer:
        room = answer.headers["Content-Security-Policy"]
    with urllib.request.urlopen(f"{site.url}/h5/") as answer:
        index = answer.headers["Content-Security-Policy"]
    assert "wss://*.rtc.qq.com" in room and "https://*.cloud-rtc.com" in room and "worker-src 'self' blob:" in room
    assert "script-src 'self';" in room and "unsafe-inline" not in room
    assert "rtc.qq.com" not in index and "worker-src" not in index


def test_a_browser_without_webrtc_is_told_to_use_another(site, client, room_page: Page, problems: Problems):
    page = room_page
    page.add_init_script("delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection;")
    tencent = Tencent(page, site.url)
    _enter(page, site, client)
    alert = page.locator("#room-state").get_by_role("alert")
    expect(alert).to_contain_text("这个浏览器不支持视频调解")
    expect(page.get_by_text("微信“微法院”小程序")).to_be_visible()
    assert tencent.sockets == [] and not [url for url, _ in tencent.requests if "cloud-rtc" in url]
    assert _real(problems) == [], problems


def test_the_room_closes_when_its_window_ends(site, client, room_page: Page, problems: Problems):
    page = room_page
    Tencent(page, site.url, closes_in=8)
    _enter(page, site, client)
    expect(page.locator("#room-local video")).to_have_count(1)
    alert = page.locator("#room-state").get_by_role("alert")
    expect(alert).to_contain_text("视频室的开放时间已经结束", timeout=30_000)
    expect(page.locator("#room-local video")).to_have_count(0)  # the camera is let go
    expect(page.get_by_role("link", name="返回调解安排").first).to_be_visible()
    assert _real(problems) == [], problems
