"""The video room page's content security policy (no browser needed): only /h5/room.html reaches Tencent's servers,
the origins are VIDEO_WEB_CSP_ORIGINS (TRTC's by default, a closed court network's own when set), and a value that
is not a CSP source is dropped rather than written into the header."""

from __future__ import annotations

from config import TRTC_WEB_ORIGINS, Config
from miniprogram_api.pages import CSP, room_policy


def test_only_the_room_page_gets_the_wider_policy(client):
    room = client.get("/h5/room.html", buffered=True).headers["Content-Security-Policy"]
    assert "connect-src 'self' https://*.cloud-rtc.com wss://*.cloud-rtc.com" in room
    assert "wss://*.rtc.qq.com" in room and "worker-src 'self' blob:" in room and "media-src 'self' blob:" in room
    assert "script-src 'self';" in room and "style-src 'self';" in room and "unsafe-inline" not in room
    assert client.get("/h5/schedule.js", buffered=True).headers["Content-Security-Policy"] == CSP
    assert client.get("/web/vendor/trtc/trtc.js", buffered=True).headers["Content-Security-Policy"] == CSP


def test_a_closed_network_sets_its_own_origins_and_bad_values_are_dropped():
    settings = Config(env={"VIDEO_WEB_CSP_ORIGINS": "https://rtc.court.example:8443, wss://rtc.court.example:8443"})
    assert settings.VIDEO_WEB_CSP_ORIGINS == ["https://rtc.court.example:8443", "wss://rtc.court.example:8443"]
    assert list(Config(env={}).VIDEO_WEB_CSP_ORIGINS) == list(TRTC_WEB_ORIGINS)
    closed = room_policy({"VIDEO_WEB_CSP_ORIGINS": settings.VIDEO_WEB_CSP_ORIGINS})
    assert "connect-src 'self' https://rtc.court.example:8443 wss://rtc.court.example:8443;" in closed
    assert "qq.com" not in closed
    sneaky = room_policy(
        {"VIDEO_WEB_CSP_ORIGINS": ["https://ok.example", "https://x; script-src *", "'unsafe-inline'"]}
    )
    assert "connect-src 'self' https://ok.example;" in sneaky and "unsafe-inline" not in sneaky
    s3 = room_policy(
        {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": "https://oss.court.example", "VIDEO_WEB_CSP_ORIGINS": []}
    )
    assert "connect-src 'self' https://oss.court.example;" in s3  # evidence uploads still reach the store
