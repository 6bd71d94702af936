"""The virtual users of bench/mixed_workload.py and the recorder of what they measure.

One iteration, as a citizen taken from the pool (the docstring of mixed_workload.py says why and how much):
login (refresh-token rotation, or an SMS login whose code is read from the console gateway's outbox table),
GET /cases, GET /cases/{id}, GET /me/schedule, an evidence upload (request, POST to the bucket, complete),
a session booked by the case's mediator (409 mediation.slot_conflict is an expected answer), and a document
pushed by the court's machine client that the citizen opens and acknowledges. Each user keeps one connection to
gunicorn and one to the bucket (bench/http_client.py on the stdlib's http.client: the users run on the machine they
measure, and requests costs about four times its CPU per call).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import queue
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import document_push  # bench/ is not a package
import evidence_upload
import http_client
import run_foundation as harness

MP, COURT = "/api/mp/v1", "/api/court/v1"
ITERATION = {"sms_login": 0.2, "details": 2, "upload": 0.5, "book": 0.5, "push": 0.5}
OPS = ["login: SMS send", "login: SMS verify", "login: refresh", "GET /cases", "GET /cases/{id}", "GET /me/schedule",
       "evidence: request upload", "evidence: complete", "session: book (mediator)", "document: push (court)",
       "document: open", "document: acknowledge"]  # fmt: skip
STORE_POST = "store POST (phone → bucket, not API)"
TIMEOUT = 30
EVIDENCE_BYTES = 64 * 1024
BOOKING_DAYS = 14  # mediators book within the next two weeks


# -- recording ---------------------------------------------------------------------------------------


class Recorder:
    """Latency and outcome of every operation that starts inside the measured window (all runs counted too)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.begin = self.end = float("inf")
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.outcomes: dict[str, Counter] = defaultdict(Counter)  # ok | expected | error kinds
        self.answered: Counter = Counter()  # 2xx per operation over the whole run, warm-up included

    def add(self, op: str, started: float, elapsed: float | None, outcome: str) -> None:
        with self.lock:
            if outcome == "ok":
                self.answered[op] += 1
            if self.begin <= started < self.end:
                if elapsed is not None:
                    self.latencies[op].append(elapsed)
                self.outcomes[op][outcome] += 1

    def call(self, http: http_client.Session, op: str, method: str, url: str, expected: tuple[int, ...] = (), **kw):
        """One timed request; the response (or None after a socket failure or timeout)."""
        started = time.perf_counter()
        try:
            response = http.request(method, url, timeout=TIMEOUT, **kw)
        except http_client.HttpError as exc:
            self.add(op, started, None, exc.kind)
            return None
        status = response.status_code
        outcome = "ok" if 200 <= status < 300 else "expected" if status in expected else f"http_{status}"
        self.add(op, started, time.perf_counter() - started, outcome)
        return response

    def rows(self) -> list[dict]:
        """Per operation, then the API total (the store POST is not an API call)."""
        seconds = self.end - self.begin
        names = [op for op in [*OPS, STORE_POST] if self.outcomes.get(op)]
        rows = [summary(op, self.latencies[op], self.outcomes[op], seconds) for op in names]
        api = [op for op in names if op != STORE_POST]
        total = summary("all API calls", [x for op in api for x in self.latencies[op]],
                        sum((self.outcomes[op] for op in api), Counter()), seconds)  # fmt: skip
        return [row for row in rows if row["op"] != STORE_POST] + [total] + [r for r in rows if r["op"] == STORE_POST]


def summary(op: str, latencies: list[float], outcomes: Counter, seconds: float) -> dict:
    ordered = sorted(latencies)
    errors = {kind: n for kind, n in outcomes.items() if kind not in ("ok", "expected")}
    ms = lambda fraction: round(harness.load.percentile(ordered, fraction) * 1000, 1)  # noqa: E731
    return {"op": op, "count": sum(outcomes.values()), "rps": round(sum(outcomes.values()) / seconds, 1),
            "p50_ms": ms(0.5), "p99_ms": ms(0.99), "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            "errors": sum(errors.values()), "error_kinds": errors, "expected_409": outcomes["expected"]}  # fmt: skip


# -- the virtual users -------------------------------------------------------------------------------


class Account:
    """A logged-in person: refresh token, current access token; the lock makes refresh rotation exclusive."""

    def __init__(self, refresh: str, **facts: object) -> None:
        self.refresh, self.access, self.refreshed_at, self.lock = refresh, "", -math.inf, threading.Lock()
        self.sms_sent: list[float] = []
        self.__dict__.update(facts)

    def take_pair(self, response: http_client.Response | None) -> bool:
        if response is None or response.status_code != 200:
            return False
        body = response.json()
        self.access, self.refresh, self.refreshed_at = body["access_token"], body["refresh_token"], time.monotonic()
        return True

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}

    def may_get_sms(self, now: float) -> bool:
        """Within the per-phone limit (1/minute; 5/hour; 10/day), with a margin."""
        recent = [t for t in self.sms_sent if now - t < 3600]
        return (not recent or now - recent[-1] > 62) and len(recent) < 5 and len(self.sms_sent) < 10


class Shared:
    """What every virtual user reads: the server, the pools, the court's token, the recorder."""

    def __init__(self, base: str, seeded: dict, database_url: str) -> None:
        self.base, self.database_url, self.rec = base, database_url, Recorder()
        citizens = [Account(c.pop("refresh"), **c) for c in seeded["citizens"]]
        random.Random(7).shuffle(citizens)
        self.citizens: queue.Queue[Account] = queue.Queue()
        for citizen in citizens:
            self.citizens.put(citizen)
        self.mediators = [Account(m["refresh"]) for m in seeded["mediators"]]
        self.client = {"client_id": seeded["client_id"], "secret": seeded["secret"]}
        self.court_headers, self.court_at, self.court_lock = {}, -math.inf, threading.Lock()
        self.serial = itertools.count(1)
        self.deadline = float("inf")

    def court(self) -> dict[str, str]:
        """The machine client's token (fetched again after 10 minutes; not a measured operation)."""
        with self.court_lock:
            if time.monotonic() - self.court_at > 600:
                self.court_headers, self.court_at = document_push.token(self.base, self.client), time.monotonic()
            return self.court_headers

    def mediator(self, index: int, http: http_client.Session) -> dict[str, str] | None:
        """A mediator's access token, rotated (a measured refresh) when older than 10 minutes; None if that failed."""
        account = self.mediators[index]
        with account.lock:
            if time.monotonic() - account.refreshed_at > 600:
                body = {"refresh_token": account.refresh}
                if not account.take_pair(self.rec.call(http, "login: refresh", "POST", f"{self.base}{MP}/auth/refresh",
                                                       json=body)):  # fmt: skip
                    return None
            return account.headers()


class VirtualUser(threading.Thread):
    """A closed loop of iterations, each as one citizen taken from the pool (and given back)."""

    def __init__(self, number: int, shared: Shared) -> None:
        super().__init__(daemon=True)
        self.s, self.rng = shared, random.Random(number)
        self.api, self.store = http_client.Session(), http_client.Session()
        self.db: psycopg.Connection | None = None
        self.error: str | None = None  # why this user stopped early (the run is then void)

    def run(self) -> None:
        self.db = psycopg.connect(self.s.database_url, autocommit=True)
        try:
            while time.perf_counter() < self.s.deadline:
                citizen = self.s.citizens.get()
                try:
                    self.iteration(citizen)
                finally:
                    self.s.citizens.put(citizen)
        except Exception as exc:
            self.error = repr(exc)
            raise
        finally:
            self.db.close()
            self.api.close()
            self.store.close()

    def call(self, op: str, method: str, path: str, expected: tuple[int, ...] = (), **kw):
        return self.s.rec.call(self.api, op, method, self.s.base + path, expected, **kw)

    def iteration(self, me: Account) -> None:
        started = time.perf_counter()
        if not self.login(me):
            return
        self.s.rec.add("iteration", started, None, "ok")
        listed = self.call("GET /cases", "GET", f"{MP}/cases", headers=me.headers())
        ids = [item["id"] for item in listed.json()["items"]] if listed is not None and listed.ok else []
        for case_id in self.rng.sample(ids, min(len(ids), ITERATION["details"])):
            self.call("GET /cases/{id}", "GET", f"{MP}/cases/{case_id}", headers=me.headers())
        self.call("GET /me/schedule", "GET", f"{MP}/me/schedule", headers=me.headers())
        if self.rng.random() < ITERATION["upload"]:
            self.upload(me, self.rng.choice(me.mediation)["case_id"])
        if self.rng.random() < ITERATION["book"]:
            self.book(self.rng.choice(me.mediation))
        if self.rng.random() < ITERATION["push"] and me.defendant:
            self.serve(me)

    def login(self, me: Account) -> bool:
        now = time.monotonic()
        if self.rng.random() < ITERATION["sms_login"] and me.may_get_sms(now):
            me.sms_sent.append(now)
            sent = self.call("login: SMS send", "POST", f"{MP}/auth/sms/send", json={"phone": me.phone})
            code = self.read_code(me) if sent is not None and sent.ok else None
            if code is not None:
                body = {"phone": me.phone, "code": code}
                return me.take_pair(self.call("login: SMS verify", "POST", f"{MP}/auth/sms/verify", json=body))
        body = {"refresh_token": me.refresh}
        return me.take_pair(self.call("login: refresh", "POST", f"{MP}/auth/refresh", json=body))

    def read_code(self, me: Account) -> str | None:
        """The phone receives the SMS: the console gateway's outbox row (committed before the 202)."""
        row = self.db.execute(
            "SELECT text FROM sms_messages WHERE phone_index = %s ORDER BY created_at DESC LIMIT 1", (me.phone_index,)
        ).fetchone()
        found = re.search(r"验证码(\d{6})", row[0] or "") if row else None
        return found.group(1) if found else None

    def upload(self, me: Account, case_id: str) -> None:
        content = evidence_upload.content_of(EVIDENCE_BYTES)
        declared = {"filename": "录像.mp4", "content_type": "video/mp4", "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(), "title": "现场录像", "category": "视听资料",
                    "purpose": "证明借款事实"}  # fmt: skip
        ticket = self.call("evidence: request upload", "POST", f"{MP}/cases/{case_id}/evidence/uploads",
                           json=declared, headers=me.headers())  # fmt: skip
        if ticket is None or not ticket.ok:
            return
        form = ticket.json()["upload"]
        files = {form["file_field"]: ("录像.mp4", content, "video/mp4")}
        posted = self.s.rec.call(self.store, STORE_POST, "POST", form["url"], data=form["fields"], files=files)
        if posted is not None and posted.ok:
            evidence_id = ticket.json()["evidence_id"]
            self.call("evidence: complete", "POST", f"{MP}/evidence/{evidence_id}/complete", headers=me.headers())

    def book(self, case: dict) -> None:
        today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        ahead = (today + dt.timedelta(days=n) for n in range(2, 2 + BOOKING_DAYS))
        days = [day for day in ahead if day.weekday() < 5]
        hour = self.rng.choice([9, 10, 11, 14, 15, 16, 17])
        start = f"{self.rng.choice(days).isoformat()}T{hour:02d}:00:00+08:00"
        body = {"starts_at": start, "ends_at": start.replace(f"T{hour:02d}:", f"T{hour + 1:02d}:"), "mode": "phone"}
        headers = self.s.mediator(case["mediator"], self.api)
        if headers is None:
            return
        self.call("session: book (mediator)", "POST", f"{MP}/cases/{case['case_id']}/sessions", (409,), json=body,
                  headers=headers)  # fmt: skip

    def serve(self, me: Account) -> None:
        serial = next(self.s.serial)
        meta = {**me.defendant, "doc_type": "complaint_copy", "title": f"起诉状副本{serial}"}
        files = {"file": (f"{serial}.pdf", document_push.pdf(20, serial), "application/pdf")}
        headers = {**self.s.court(), "Idempotency-Key": f"mixed-{uuid.uuid4().hex}"}
        pushed = self.call("document: push (court)", "POST", f"{COURT}/documents", headers=headers,
                           data={"meta": json.dumps(meta, ensure_ascii=False)}, files=files)  # fmt: skip
        if pushed is None or not pushed.ok:
            return
        document_id = pushed.json()["document_id"]
        opened = self.call("document: open", "GET", f"{MP}/documents/{document_id}", headers=me.headers())
        if opened is not None and opened.ok:
            self.call("document: acknowledge", "POST", f"{MP}/documents/{document_id}/acknowledge",
                      headers=me.headers())  # fmt: skip
