"""A tiny real SMTP server on 127.0.0.1 (stdlib socketserver) that keeps every message it accepts.

It speaks enough of RFC 5321 for smtplib: EHLO/HELO, AUTH PLAIN (any password but `wrong`), MAIL, RCPT, DATA
(dot-unstuffed), RSET, NOOP, QUIT. `refuse_rcpt` answers a recipient with a chosen code (e.g. 550 or 451);
`stop()` closes the port, so a test sees "server down" (connection refused) and `start()` opens it again.

    with FakeSmtp() as smtp:
        app.config["EMAIL_SMTP_HOST"], app.config["EMAIL_SMTP_PORT"] = "127.0.0.1", smtp.port
        ...
        smtp.messages[0].rcpt, smtp.messages[0].message["Subject"]
"""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import socketserver
import threading
from email.message import EmailMessage


@dataclasses.dataclass
class Received:
    """One accepted message: the envelope and the parsed message."""

    mail_from: str
    rcpt: list[str]
    message: EmailMessage
    user: str | None

    @property
    def body(self) -> str:
        """The plain-text body, decoded."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._say("220 fake-smtp ready")
        mail_from: str = ""
        rcpt: list[str] = []
        user: str | None = None
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, rest = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.wfile.write(b"250-fake-smtp\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == "HELO":
                self._say("250 fake-smtp")
            elif verb == "AUTH":
                user = self._auth(rest)
                if user is None:
                    continue
            elif verb == "MAIL":
                mail_from, rcpt = rest.partition(":")[2].strip().split(" ")[0].strip("<>"), []
                self._say("250 OK")
            elif verb == "RCPT":
                address = rest.partition(":")[2].strip().strip("<>")
                code = self.server.owner.refuse_rcpt.get(address)
                if code:
                    self._say(f"{code} recipient refused")
                else:
                    rcpt.append(address)
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                self._data(mail_from, rcpt, user)
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")

    def _auth(self, rest: str) -> str | None:
        mechanism, _, initial = rest.partition(" ")
        if mechanism.upper() != "PLAIN":
            self._say("504 unsupported")
            return None
        if not initial:
            self._say("334 ")
            initial = self.rfile.readline().decode().strip()
        _zid, user, password = base64.b64decode(initial).decode().split("\0")
        if password == "wrong":
            self._say("535 authentication failed")
            return None
        self._say("235 authenticated")
        return user

    def _data(self, mail_from: str, rcpt: list[str], user: str | None) -> None:
        lines = []
        while True:
            raw = self.rfile.readline()
            if not raw or raw in (b".\r\n", b".\n"):
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
        parsed = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.server.owner.lock:
            self.server.owner.messages.append(Received(mail_from, list(rcpt), parsed, user))
        self._say("250 OK queued")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    owner: FakeSmtp


class FakeSmtp:
    """The server, its port and what it received; a context manager that starts and stops it."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.refuse_rcpt: dict[str, int] = {}
        self.lock = threading.Lock()
        self.port = 0
        self._server: _Server | None = None

    def start(self) -> FakeSmtp:
        """Listen on 127.0.0.1 (the same port again after a stop)."""
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        """Close the port: connections are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope named this recipient."""
        with self.lock:
            return [m for m in self.messages if address in m.rcpt]

    def __enter__(self) -> FakeSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
