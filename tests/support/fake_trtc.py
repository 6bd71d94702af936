"""A small but real Tencent Cloud TRTC peer on 127.0.0.1 for tests.

It plays TRTC's event-callback server: `callback(...)` builds a room, media or cloud-recording event as TRTC does
(EventGroupId, EventType, CallbackTs, EventInfo), `deliver` POSTs it to the app over HTTP with the SdkAppId header
and Sign = base64(HMAC-SHA256(callback key, body)); tests can forge, duplicate, delay and reorder them. It serves
recording files over HTTP (`add_recording`; `slow_seconds` drips them out slowly), as VOD would. `verify_user_sig`
checks a UserSig the way TRTC's back end does (TLSSigAPIv2's published scheme), written independently of
app/video/usersig.py. It also answers TRTC's server API (POST /, Tencent Cloud API 3.0): every request's
TC3-HMAC-SHA256 Authorization is checked against its own API key (`verify_tc3`, independent of
app/video/trtc_api.py); DismissRoomByStrRoomId is recorded in `dismissed`; `api_failures` answers the next N
requests with an InternalError (TRTC down).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.video import background


class FakeTrtc:
    """The fake: its app id and keys, its recording files, and what it was asked."""

    def __init__(self) -> None:
        self.sdk_app_id = 1400000000 + secrets.randbelow(99_999_999)
        self.secret_key = secrets.token_hex(32)
        self.callback_key = secrets.token_hex(16)
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self.url = ""
        self.api_secret_id = "AKID" + secrets.token_hex(16)
        self.api_secret_key = secrets.token_hex(16)
        self.api_calls: list[dict] = []  # {action, params, signature_ok}
        self.dismissed: list[str] = []
        self.api_failures = 0
        self.slow_seconds = 0.0

    def config(self) -> dict:
        """The app's settings pointing at this fake (recordings come from 127.0.0.1)."""
        return {
            "VIDEO_PROVIDER": "trtc",
            "TRTC_SDK_APP_ID": self.sdk_app_id,
            "TRTC_SECRET_KEY": self.secret_key,
            "TRTC_CALLBACK_KEY": self.callback_key,
            "VIDEO_RECORDING_HOSTS": ["127.0.0.1"],
            "TRTC_API_SECRET_ID": self.api_secret_id,
            "TRTC_API_SECRET_KEY": self.api_secret_key,
            "TRTC_API_URL": self.url,
        }

    # -- the server API (Tencent Cloud API 3.0), as TRTC's gateway checks it ----------------------------

    def verify_tc3(self, headers: dict[str, str], body: bytes) -> bool:
        """Recompute the TC3-HMAC-SHA256 signature of a request from its headers and body."""
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
        credential = fields.get("Credential", "").split("/")
        if algorithm != "TC3-HMAC-SHA256" or len(credential) != 4 or credential[0] != self.api_secret_id:
            return False
        _, date, service, terminator = credential
        stamp = int(headers.get("x-tc-timestamp", "0"))
        if time.strftime("%Y-%m-%d", time.gmtime(stamp)) != date or abs(time.time() - stamp) > 300:
            return False
        signed = fields.get("SignedHeaders", "").split(";")
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed)
        canonical = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed), hashlib.sha256(body).hexdigest()])
        scope = f"{date}/{service}/{terminator}"
        to_sign = "\n".join(["TC3-HMAC-SHA256", str(stamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("TC3" + self.api_secret_key).encode()
        for part in (date, service, terminator):
            key = hmac.digest(key, part.encode(), "sha256")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return service == "trtc" and hmac.compare_digest(expected, fields.get("Signature", ""))

    def api(self, headers: dict[str, str], body: bytes) -> dict:
        """Answer one server API request as TRTC would."""
        ok = self.verify_tc3(headers, body)
        action = headers.get("x-tc-action", "")
        params = json.loads(body or b"{}")
        self.api_calls.append({"action": action, "params": params, "signature_ok": ok})
        request_id = secrets.token_hex(8)
        if not ok:
            error = {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"}
            return {"Response": {"Error": error, "RequestId": request_id}}
        if self.api_failures > 0:
            self.api_failures -= 1
            return {"Response": {"Error": {"Code": "InternalError", "Message": "busy"}, "RequestId": request_id}}
        if action == "DismissRoomByStrRoomId" and params.get("SdkAppId") == self.sdk_app_id:
            self.dismissed.append(str(params.get("RoomId")))
            return {"Response": {"RequestId": request_id}}
        return {"Response": {"Error": {"Code": "InvalidAction", "Message": action}, "RequestId": request_id}}

    # -- UserSig, as TRTC's back end checks it --------------------------------------------------------

    def verify_user_sig(self, sig: str, identifier: str, *, now: float | None = None) -> dict:
        """Decode and check a UserSig; returns its document or raises AssertionError."""
        table = str.maketrans({"*": "+", "-": "/", "_": "="})
        doc = json.loads(zlib.decompress(base64.b64decode(sig.translate(table))))
        assert doc["TLS.ver"] == "2.0"
        assert doc["TLS.identifier"] == identifier
        assert doc["TLS.sdkappid"] == self.sdk_app_id
        signed = "".join(f"TLS.{name}:{doc['TLS.' + name]}\n" for name in ("identifier", "sdkappid", "time", "expire"))
        expected = base64.b64encode(hmac.digest(self.secret_key.encode(), signed.encode(), "sha256")).decode()
        assert hmac.compare_digest(expected, doc["TLS.sig"]), "UserSig HMAC mismatch"
        current = time.time() if now is None else now
        assert doc["TLS.time"] <= current + 5 and current < doc["TLS.time"] + doc["TLS.expire"], "UserSig expired"
        return doc

    # -- callbacks ------------------------------------------------------------------------------------

    def callback(
        self,
        group: int,
        kind: int,
        room_id: str,
        *,
        user_id: str | None = None,
        at_ms: int | None = None,
        sent_ms: int | None = None,
        payload: dict | None = None,
        task_id: str | None = None,
    ) -> bytes:
        """A callback body as TRTC sends it."""
        event_ms = at_ms if at_ms is not None else int(time.time() * 1000)
        info: dict = {"RoomId": room_id, "EventTs": event_ms // 1000, "EventMsTs": event_ms}
        if user_id is not None:
            info.update(UserId=user_id, Role=20, TerminalType=3, UserType=3, Reason=1)
        if task_id is not None:
            info["TaskId"] = task_id
        if payload is not None:
            info["Payload"] = payload
        body = {
            "EventGroupId": group,
            "EventType": kind,
            "CallbackTs": sent_ms if sent_ms is not None else int(time.time() * 1000),
            "EventInfo": info,
        }
        return json.dumps(body).encode()

    def sign(self, body: bytes, key: str | None = None) -> str:
        return base64.b64encode(hmac.digest((key or self.callback_key).encode(), body, "sha256")).decode()

    def deliver(self, url: str, body: bytes, *, sign: str | None = None, app_id: int | None = None) -> tuple[int, dict]:
        """POST a callback to the app over HTTP; the status and JSON it answered."""
        headers = {
            "Content-Type": "application/json",
            "SdkAppId": str(app_id or self.sdk_app_id),
            "Sign": sign if sign is not None else self.sign(body),
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status), json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return int(exc.code), json.loads(exc.read() or b"{}")

    # -- recordings (VOD) -----------------------------------------------------------------------------

    def add_recording(self, name: str, data: bytes) -> str:
        """Serve `data` as a recording; its URL."""
        self.files[name] = data
        return f"{self.url}/vod/{name}.mp4"

    def recording_payload(self, name: str, *, size: bool = True, md5: bool = True) -> dict:
        """The Payload of a 311 (VOD commit) callback for a served file."""
        data = self.files[name]
        start = int(time.time() * 1000) - 1_800_000
        payload = {
            "Status": 0,
            "FileId": f"5285890{abs(hash(name)) % 10**12:012d}",
            "VideoUrl": f"{self.url}/vod/{name}.mp4",
            "StartTimeStamp": start,
            "EndTimeStamp": start + 1_800_000,
        }
        if size:
            payload["Size"] = len(data)
        if md5:
            payload["Md5"] = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return payload


def _handler(fake: FakeTrtc) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.removeprefix("/vod/").removesuffix(".mp4")
            data = fake.files.get(name)
            fake.downloads.append(name)
            if data is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fake.slow_seconds:  # VOD far away: the file trickles in
                half = len(data) // 2
                self.wfile.write(data[:half])
                self.wfile.flush()
                time.sleep(fake.slow_seconds)
                self.wfile.write(data[half:])
                return
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = json.dumps(fake.api({k.lower(): v for k, v in self.headers.items()}, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def fake_trtc(app) -> Iterator[FakeTrtc]:
    """A fake TRTC on 127.0.0.1, with the app configured for it (restored by the app fixture)."""
    fake = FakeTrtc()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.config.update(fake.config())
    try:
        yield fake
    finally:
        background.wait()  # a copy or dismissal started in a thread (JOBS_EAGER) ends while the fake still answers
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
