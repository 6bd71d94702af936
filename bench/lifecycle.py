"""Full case lifecycles over HTTP (issue 18's probe): lifecycles/s, p50/p99 and machine CPU per lifecycle.

    eval "$(bash .ci/ceph-rgw.sh env)"         # S3 on Ceph RGW (else moto runs inside this process)
    .venv/bin/python bench/lifecycle.py                          # 1, 4 and 8 threads, 30 s each after 5 s warm-up
    .venv/bin/python bench/lifecycle.py -t 1 -d 5 --smoke        # one thread, a few lifecycles: does it work?

The same production shape as bench/mixed_workload.py (its environment, harness and CPU meter): a throwaway
PostgreSQL database (migrated), gunicorn with gunicorn.conf.py, JOBS_EAGER=0 with the broker in Redis (no worker
runs), rate limits in Redis, evidence and documents on S3. The people of bench/mixed_seed.py, plus an
organisation admin and a directory profile for every mediator. One lifecycle is 14 API calls by 4 actors:

   1 citizen    POST /cases                              files a mediation case against the next citizen
   2 citizen    POST /cases/{id}/evidence/uploads        (then POSTs 64 KiB straight to the bucket: not counted)
   3 citizen    POST /evidence/{id}/complete
   4 org admin  POST /cases/{id}/mediator                assigns a mediator
   5 mediator   POST /cases/{id}/mediator/accept
   6 mediator   POST /cases/{id}/sessions                books an hour in working hours
   7 mediator   POST /cases/{id}/invitations             invites the respondent
   8 respondent POST /invitations/{token}/accept         joins
   9 mediator   POST /cases/{id}/outcome                 settled, with terms: the agreement to sign
  10 citizen    POST /cases/{id}/agreement/sign
  11 respondent POST /cases/{id}/agreement/sign
  12 court      POST /court/v1/documents                 pushes a 20 KiB PDF in the citizen's litigation case
  13 citizen    GET  /documents/{id}                     opens it
  14 citizen    POST /documents/{id}/acknowledge

Per thread count: completed lifecycles per second, p50/p99 of a lifecycle, failures (the first unexpected
answer is printed), the CPU per lifecycle of gunicorn's workers and of this database's PostgreSQL backends
(from /proc, over the measured window), and the load average before the run. Afterwards the database is
checked against what the API acknowledged (cases settled with two signatures, documents acknowledged).
Each client thread keeps one connection to gunicorn and one to the bucket (bench/http_client.py on the stdlib's
http.client, not requests: the load generator runs on the machine it measures, so its CPU is kept small).
Compare only figures from one run, on a quiet machine; rerun when the load average says it was busy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import document_push  # noqa: E402  (bench/ is not a package)
import evidence_upload  # noqa: E402
import http_client  # noqa: E402
import mixed_workload as mixed  # noqa: E402
import run_foundation as harness  # noqa: E402

MP, COURT = "/api/mp/v1", "/api/court/v1"
BEGIN = "<!-- lifecycle:begin (written by bench/lifecycle.py) -->"
END = "<!-- lifecycle:end -->"
HEADING = "## Full case lifecycles: one node, 14 API calls by four people (issue 18)"
CALLS_PER_LIFECYCLE = 14
EVIDENCE_BYTES = 64 * 1024
TIMEOUT = 60


class Unexpected(Exception):
    """An answer the lifecycle did not expect: the lifecycle counts as failed."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-t", "--threads", default="1,4,8", help="comma-separated client thread counts")
    parser.add_argument("-d", "--duration", type=float, default=30.0, help="measured seconds per thread count")
    parser.add_argument("-w", "--warmup", type=float, default=5.0)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--mediators", type=int, default=20)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--smoke", action="store_true", help="no warm-up; stop after 3 lifecycles per thread")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md",
                        help="the file whose lifecycle section is rewritten")  # fmt: skip
    parser.add_argument("--seed-inside-app", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- seeding (runs in a subprocess with the app's environment) ----------------------------------------


def seed_inside_app(citizens: int, mediators: int) -> dict:
    """bench/mixed_seed.py's world, plus an org admin, mediator profiles and every citizen's name and token."""
    import mixed_seed
    from sqlalchemy import select

    seeded = mixed_seed.seed(citizens, mediators)
    from app import create_app
    from app.extensions import db
    from app.identity import login_sessions as sessions
    from app.identity.models import User
    from app.identity.organization_models import MediationOrganization, OrgMembership
    from app.mediation.models import MediatorProfile

    app = create_app()
    with app.app_context():
        org = db.session.scalars(select(MediationOrganization)).one()
        staff = list(
            db.session.scalars(
                select(User)
                .join(OrgMembership, OrgMembership.user_id == User.id)
                .where(OrgMembership.org_id == org.id, OrgMembership.role == "mediator")
                .order_by(User.display_name)
            )
        )
        profiles = []
        for user in staff:
            profile = MediatorProfile(
                org_id=org.id,
                user_id=user.id,
                display_name=user.real_name or "调解员",
                specialties=["民间借贷纠纷"],
                region="浙江省",
                max_load=100000,
                accepting=True,
            )
            db.session.add(profile)
            profiles.append(profile)
        admin = User(display_name="org admin", real_name="管理员")
        db.session.add(admin)
        db.session.flush()
        db.session.add(OrgMembership(org_id=org.id, user_id=admin.id, role="org_admin"))
        db.session.commit()
        index = {c["phone_index"]: c for c in seeded["citizens"]}
        for user in db.session.scalars(select(User).where(User.phone_index.in_(list(index)))):
            index[user.phone_index]["name"] = user.real_name
        seeded["org_id"] = str(org.id)
        seeded["org_admin"] = {"refresh": sessions.start_session(user=admin, method="bench").refresh_token}
        seeded["mediators"] = [
            {"refresh": sessions.start_session(user=user, method="bench").refresh_token, "profile_id": str(p.id)}
            for user, p in zip(staff, profiles, strict=True)
        ]
    return seeded


def seed(env: dict[str, str], args: argparse.Namespace) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--seed-inside-app", "--citizens", str(args.citizens),
               "--mediators", str(args.mediators)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, env={**env, "LOG_LEVEL": "WARNING"}, timeout=1800,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"seeding failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the lifecycle ------------------------------------------------------------------------------------


class Person:
    """A logged-in account: refreshed once at the start (not measured), then its access token is used."""

    def __init__(self, http: http_client.Session, base: str, refresh: str, **facts: object) -> None:
        answer = http.post(f"{base}{MP}/auth/refresh", json={"refresh_token": refresh}, timeout=TIMEOUT)
        if answer.status_code != 200:
            raise SystemExit(f"refresh failed: {answer.status_code} {answer.text[:300]}")
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        self.__dict__.update(facts)


class Lifecycles:
    """The actors, the court's token and a pool of citizen pairs (filer i, respondent i+1)."""

    def __init__(self, base: str, seeded: dict, http: Any = None, court: dict[str, str] | None = None) -> None:
        """`http` and `court` (the court system's headers) for a transport other than HTTP (bench/instructions.py)."""
        self.base, own = base, http is None
        http = http_client.Session() if own else http
        self.admin = Person(http, base, seeded["org_admin"]["refresh"])
        self.mediators = [Person(http, base, m["refresh"], profile_id=m["profile_id"]) for m in seeded["mediators"]]
        self.citizens = [Person(http, base, c.pop("refresh"), **c) for c in seeded["citizens"]]
        if own:
            http.close()
        creds = {"client_id": seeded["client_id"], "secret": seeded["secret"]}
        self.court = court or document_push.token(base, creds)
        self.org_id = seeded["org_id"]
        self.lock, self.next, self.serial = threading.Lock(), 0, 0
        self.busy: set[int] = set()
        self.acknowledged = self.settled = 0

    def pair(self) -> tuple[int, int, Person, Person]:
        """This lifecycle's serial, and a filer and a respondent no other thread is using now."""
        with self.lock:
            while True:
                n = self.next % len(self.citizens)
                self.next += 1
                if n not in self.busy and (n + 1) % len(self.citizens) not in self.busy:
                    self.busy |= {n, (n + 1) % len(self.citizens)}
                    self.serial += 1
                    return self.serial, n, self.citizens[n], self.citizens[(n + 1) % len(self.citizens)]

    def release(self, n: int) -> None:
        with self.lock:
            self.busy -= {n, (n + 1) % len(self.citizens)}

    def run_one(self, http: http_client.Session, store: http_client.Session) -> None:
        serial, n, me, other = self.pair()
        try:
            self._lifecycle(http, store, serial, n, me, other)
        finally:
            self.release(n)

    def _call(self, http: http_client.Session, method: str, path: str, expected: int, **kw) -> dict:
        """One API call; `expected` 200 takes any 2xx, another status must match."""
        answer = http.request(method, f"{self.base}{path}", timeout=TIMEOUT, **kw)
        if not 200 <= answer.status_code < 300 or (expected != 200 and answer.status_code != expected):
            raise Unexpected(f"{method} {path}: {answer.status_code} {answer.text[:400]}")
        return answer.json() if answer.content else {}

    def _lifecycle(
        self, http: http_client.Session, store: http_client.Session, serial: int, n: int, me: Person, other: Person
    ) -> None:
        # `serial` is this lifecycle's own: self.serial moves on while other threads take pairs, so reading it here
        # gave two concurrent lifecycles the same slot (a mediator double-booked by the benchmark, not the app).
        key = lambda: {"Idempotency-Key": uuid.uuid4().hex}  # noqa: E731
        mediator = self.mediators[n % len(self.mediators)]
        filing = {
            "kind": "mediation", "org_id": self.org_id, "category": "民间借贷纠纷", "amount": "12000.00",
            "title": f"{me.name}诉{other.name}借款纠纷", "claims": "请求归还借款12000元。", "facts": "借款到期未还。",
            "consents": {"e_service": True, "online_mediation": True},
            "parties": [{"role": "applicant", "name": me.name, "is_self": True, "party_type": "person"},
                        {"role": "respondent", "name": other.name, "is_self": False, "party_type": "person"}],
        }  # fmt: skip
        case = self._call(http, "POST", f"{MP}/cases", 201, json=filing, headers=me.headers | key())
        case_id = case["id"]
        respondent = next(p["id"] for p in case["parties"] if p["role"] == "respondent")
        content = os.urandom(EVIDENCE_BYTES)
        declared = {"filename": "借条.pdf", "content_type": "application/pdf", "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(), "title": "借条", "category": "书证",
                    "purpose": "证明借款事实"}  # fmt: skip
        ticket = self._call(http, "POST", f"{MP}/cases/{case_id}/evidence/uploads", 201, json=declared,
                            headers=me.headers | key())  # fmt: skip
        form = ticket["upload"]
        posted = store.post(form["url"], data=form["fields"], files={form["file_field"]: ("借条.pdf", content)},
                            timeout=TIMEOUT)  # fmt: skip
        if not posted.ok:
            raise Unexpected(f"store POST: {posted.status_code} {posted.text[:300]}")
        self._call(http, "POST", f"{MP}/evidence/{ticket['evidence_id']}/complete", 200, headers=me.headers)
        self._call(http, "POST", f"{MP}/cases/{case_id}/mediator", 201, json={"mediator_id": mediator.profile_id},
                   headers=self.admin.headers)  # fmt: skip
        self._call(http, "POST", f"{MP}/cases/{case_id}/mediator/accept", 200, headers=mediator.headers)
        self._call(http, "POST", f"{MP}/cases/{case_id}/sessions", 201, json=_slot(serial),
                   headers=mediator.headers | key())  # fmt: skip
        invited = {"role": "respondent", "party_id": respondent}
        invitation = self._call(http, "POST", f"{MP}/cases/{case_id}/invitations", 201, json=invited,
                                headers=mediator.headers | key())  # fmt: skip
        self._call(http, "POST", f"{MP}/invitations/{invitation['token']}/accept", 200, headers=other.headers)
        outcome = {"result": "settled", "terms": "被申请人于2026年12月31日前归还12000元。"}
        self._call(http, "POST", f"{MP}/cases/{case_id}/outcome", 200, json=outcome, headers=mediator.headers)
        for signer in (me, other):
            self._call(http, "POST", f"{MP}/cases/{case_id}/agreement/sign", 200, json={}, headers=signer.headers)
        meta = {**me.defendant, "doc_type": "complaint_copy", "title": f"起诉状副本{serial}"}
        files = {"file": (f"{serial}.pdf", document_push.pdf(20, serial), "application/pdf")}
        pushed = self._call(http, "POST", f"{COURT}/documents", 201, headers=self.court | key(),
                            data={"meta": json.dumps(meta, ensure_ascii=False)}, files=files)  # fmt: skip
        document_id = pushed["document_id"]
        self._call(http, "GET", f"{MP}/documents/{document_id}", 200, headers=me.headers)
        self._call(http, "POST", f"{MP}/documents/{document_id}/acknowledge", 200, headers=me.headers)
        with self.lock:
            self.settled += 1
            self.acknowledged += 1


def _slot(serial: int) -> dict:
    """An hour in the seeded working hours (Mon-Fri 09-12, 14-18, +08:00), spread over the coming weeks."""
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    days = [d for d in (today + dt.timedelta(days=k) for k in range(2, 120)) if d.weekday() < 5]
    hours = [9, 10, 11, 14, 15, 16, 17]
    day, hour = days[(serial // len(hours)) % len(days)], hours[serial % len(hours)]
    start = f"{day.isoformat()}T{hour:02d}:00:00+08:00"
    return {"starts_at": start, "ends_at": start.replace(f"T{hour:02d}:", f"T{hour + 1:02d}:"), "mode": "phone"}


# -- measuring ----------------------------------------------------------------------------------------


def measure(world: Lifecycles, threads: int, args: argparse.Namespace, database_url: str, moto: bool) -> dict:
    """Closed loop from `threads` threads; lifecycles started in the window count."""
    durations: list[float] = []
    failures: list[str] = []
    load = os.getloadavg()
    # The machine's speed just before this row (it drifts on this VM); it takes about 6 s, so before the clock starts.
    reference = harness.references()
    started = time.perf_counter()
    begin = started + (0 if args.smoke else args.warmup)
    end = begin + args.duration
    meter = mixed.CpuMeter(database_url, moto)

    def worker() -> None:
        http, store, done = http_client.Session(), http_client.Session(), 0
        while time.perf_counter() < end and not (args.smoke and done >= 3):
            t0 = time.perf_counter()
            try:
                world.run_one(http, store)
            except (Unexpected, http_client.HttpError) as exc:
                failures.append(str(exc))
                continue
            done += 1
            if t0 >= begin:
                durations.append(time.perf_counter() - t0)
        http.close()
        store.close()

    crowd = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in crowd:
        thread.start()
    time.sleep(max(0.0, begin - time.perf_counter()))
    meter.start()
    for thread in crowd:
        thread.join(timeout=end - time.perf_counter() + TIMEOUT * CALLS_PER_LIFECYCLE)
    seconds = time.perf_counter() - begin
    cpu, _others = meter.stop()
    count = len(durations)
    ordered = sorted(durations)
    per = lambda name: round(1000 * cpu.get(name, 0.0) * seconds / count, 1) if count else None  # noqa: E731
    return {
        "threads": threads,
        "lifecycles": count,
        "per_second": round(count / seconds, 2),
        "p50_ms": round(1000 * statistics.median(ordered), 1) if ordered else None,
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1) if ordered else None,
        "failures": len(failures),
        "first_failure": failures[0] if failures else "",
        "cpu_ms_gunicorn": per("gunicorn workers"),
        "cpu_ms_postgres": per("PostgreSQL backends"),
        "cpu_ms_machine": per(f"machine busy (of {os.cpu_count()} cores)"),
        # The load generator (this process: threads on bench/http_client.py) shares the machine; what is left is the
        # server side.
        "cpu_ms_client": per("virtual users (this process)") or per("virtual users and moto (this process)"),
        "cpu_ms_s3": per("S3 server (Ceph radosgw + osd)"),
        "cpu_ms_redis": per("Redis"),
        "loadavg_before": " ".join(f"{x:.2f}" for x in load),
        "cpu_reference_ms": reference,
    }


def db_check(database_url: str, world: Lifecycles) -> str:
    """What the database holds against the lifecycles the API completed (warm-up included)."""
    with psycopg.connect(database_url) as conn:
        signed = conn.execute(
            "SELECT count(*) FROM mediation_agreements WHERE id IN (SELECT agreement_id"
            " FROM mediation_agreement_signatures GROUP BY agreement_id HAVING count(*) >= 2)"
        ).fetchone()[0]
        acked = conn.execute("SELECT count(*) FROM served_documents WHERE acknowledged_at IS NOT NULL").fetchone()[0]
    return (
        f"{world.settled} lifecycles completed over HTTP; {signed} agreements with two signatures and {acked} "
        f"acknowledged documents in the database"
    )


def server_side(row: dict) -> float | None:
    """The machine's CPU per lifecycle less the load generator's own (which only a shared bench machine pays)."""
    if row["cpu_ms_machine"] is None or row["cpu_ms_client"] is None:
        return None
    return round(row["cpu_ms_machine"] - row["cpu_ms_client"], 1)


def render(rows: list[dict], check: str, facts: dict[str, str]) -> str:
    head = ("| threads | lifecycles | lifecycles/s | p50 ms | p99 ms | failures | CPU ms/lifecycle: machine |"
            " server side | gunicorn | PostgreSQL | S3 | Redis | client | load average before |"
            " reference ms: compute / memory |\n"
            + "| ---: " * 13 + "| --- | ---: |")  # fmt: skip
    lines = [
        f"| {r['threads']} | {r['lifecycles']} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | {r['failures']}"
        f" | {r['cpu_ms_machine']} | {server_side(r)} | {r['cpu_ms_gunicorn']} | {r['cpu_ms_postgres']}"
        f" | {r['cpu_ms_s3']} | {r['cpu_ms_redis']} | {r['cpu_ms_client']} | {r['loadavg_before']}"
        f" | {r['cpu_reference_ms']} |"
        for r in rows
    ]
    notes = [f"- **{k}**: {v}" for k, v in facts.items()] + [f"- **database check**: {check}"]
    notes += [f"- first failure at {r['threads']} threads: `{r['first_failure'][:300]}`" for r in rows if r["failures"]]
    return "\n".join([head, *lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.seed_inside_app:
        print(json.dumps(seed_inside_app(args.citizens, args.mediators), ensure_ascii=False))
        return 0
    counts = [int(t) for t in args.threads.split(",")]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp, evidence_upload.s3_server() as s3:
        workdir = Path(tmp)
        with harness.throwaway_database(args.pg) as database_url:
            evidence_upload.store_for(s3).ensure_bucket()
            env = mixed.serve_env(database_url, s3, workdir)
            # Every respondent joins from 127.0.0.1 here; the per-person limit stays at its default.
            env["INVITATION_ACCEPT_LIMIT_PER_IP"] = mixed.PER_IP_LIMIT
            evidence_upload.prepare_database(env)
            mixed.flush_redis()
            try:
                mixed.log("migrated; seeding")
                seeded = seed(env, args)
                with harness.gunicorn("wsgi:app", env, workdir / "app.log", harness.READY) as base:
                    world = Lifecycles(base, seeded)
                    for threads in counts:
                        mixed.log(f"{threads} threads")
                        rows.append(measure(world, threads, args, database_url, "moto" in s3["server"]))
                        mixed.log(json.dumps(rows[-1], ensure_ascii=False))
                    check = db_check(database_url, world)
                if any(r["failures"] for r in rows):
                    mixed.log(f"the end of the server log:\n{harness.tail(workdir / 'app.log', 30)}")
            finally:
                mixed.flush_redis()
    facts = {
        "date (UTC)": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        "machine": f"{os.cpu_count()} cores, {harness.cpu_model()}; client, gunicorn, PostgreSQL, Redis, S3 share them",
        "python": harness.interpreter(),
        "S3": s3["server"],
        "load": f"{CALLS_PER_LIFECYCLE} API calls a lifecycle; {args.warmup:g} s warm-up, {args.duration:g} s a row",
        "reference": "milliseconds of CPU for two fixed pieces of Python work (bench/run_foundation.cpu_reference and"
        " memory_reference), taken before each row: rows and runs compare only when both agree; the memory one drifts"
        " on this VM",
    }
    table = render(rows, check, facts)
    print(table)
    if not args.smoke:  # a smoke run proves it works; its figures are not results
        harness.write_marked(args.output, BEGIN, END, f"{BEGIN}\n{table}\n{END}\n", HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
