"""A mixed workload (login, cases, evidence, scheduling, electronic service) beside the hello-world ceiling.

    eval "$(bash .ci/ceph-rgw.sh env)"        # S3 on Ceph RGW (else moto runs inside this process)
    .venv/bin/python bench/mixed_workload.py                  # 10 s warm-up + 60 s, 16 virtual users
    .venv/bin/python bench/mixed_workload.py -d 15 -u 8 --output /tmp/b.md      # a quick look

One run: a throwaway PostgreSQL database (migrated), the people of bench/mixed_seed.py, and gunicorn with the
project's gunicorn.conf.py in production shape: JOBS_EAGER=0 with the Celery broker in Redis (db 12; no
worker runs, so the SMS/WeChat sends are queued, not made), rate limits in Redis (db 13), evidence and
documents on S3. Both Redis databases are flushed before and after. `--users` closed-loop virtual users
(threads, each with keep-alive connections of bench/http_client.py; bench/mixed_users.py, ITERATION there) repeat one
iteration as a citizen taken from the pool:

  login          refresh-token rotation; in ITERATION["sms_login"] of iterations an SMS login instead
                 (send, read the code from the console gateway's outbox table like a phone, verify), when
                 the per-phone limit allows (it stays at its default: a phone gets a code once a minute)
  list, detail   GET /cases, then GET /cases/{id} of ITERATION["details"] cases from the list
  schedule       GET /me/schedule
  evidence       (ITERATION["upload"]) request an upload, POST 64 KiB straight to the bucket, complete
  session        (ITERATION["book"]) the mediator of one of the citizen's cases books an hour in working
                 hours within 2 weeks; 409 mediation.slot_conflict is an expected answer
  service        (ITERATION["push"]) the court's machine client pushes a 20 KiB PDF (Idempotency-Key) to
                 the citizen as a defendant; the citizen opens and acknowledges it

Then bench/hello_app.py under the same settings and under two processes per core of four threads (a trivial app is
fastest with more processes, the real one with gunicorn.conf.py's one per core), each measured with bench/load.py
(as many connections as virtual users): the ceiling is the faster of the two. Per operation: count, req/s, p50,
p99, errors (anything but 2xx and the expected 409s).
Also recorded: the CPU each part used in the measured window (gunicorn workers, this database's backends, the
S3 server, Redis, this process, everything else) from /proc, and after the run what the database holds against
the 2xx answers (documents, evidence, sessions and no overlapping sessions, login codes). Results go to
bench/results/ and between the mixed-workload markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import evidence_upload  # noqa: E402  (bench/ is not a package)
import mixed_users as users  # noqa: E402
import run_foundation as harness  # noqa: E402

BEGIN = "<!-- mixed-workload:begin (written by bench/mixed_workload.py) -->"
END = "<!-- mixed-workload:end -->"
HEADING = "## Mixed workload: a citizen's session, a mediator and a court system at once"
BROKER_URL, LIMITS_URL = "redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/13"
PER_IP_LIMIT = "1000000/minute"  # every virtual user comes from 127.0.0.1: see serve_env


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("-w", "--warmup", type=float, default=10.0, help="unmeasured seconds first")
    parser.add_argument("-u", "--users", type=int, default=16, help="closed-loop virtual users")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--mediators", type=int, default=20)
    parser.add_argument("--hello-duration", type=float, default=15.0, help="seconds measuring the ceiling")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0 or args.users > args.citizens:
        parser.error("need 1 <= --users <= --citizens and --duration > 0")
    return args


def serve_env(database_url: str, s3: dict[str, str], workdir: Path) -> dict[str, str]:
    """Production shape on one machine. MICROCOURT_ENV stays development only for the console SMS gateway
    (production refuses it, and the benchmark must read the codes); jobs, limits and storage are as in production."""
    env = harness.base_env(database_url, workdir)
    env.update({name: value for name, value in s3.items() if name.startswith("S3_")})
    env.update(
        STORAGE_BACKEND="s3", JOBS_EAGER="0", CELERY_BROKER_URL=BROKER_URL, RATELIMIT_STORAGE_URI=LIMITS_URL,
        RATELIMIT_ENABLED="1", LOGIN_LIMIT_PER_IP=PER_IP_LIMIT, SMS_SEND_LIMIT_PER_IP=PER_IP_LIMIT,
        SMS_VERIFY_LIMIT_PER_IP=PER_IP_LIMIT,
    )  # fmt: skip
    return env


def log(message: str) -> None:
    """Progress on stderr, with the time."""
    print(f"{dt.datetime.now():%H:%M:%S} {message}", file=sys.stderr, flush=True)


def flush_redis() -> None:
    """Empty the two Redis databases this benchmark uses (nothing else uses them)."""
    import redis

    for url in (BROKER_URL, LIMITS_URL):
        redis.Redis.from_url(url).flushdb()


def seed(env: dict[str, str], args: argparse.Namespace) -> dict:
    """Run bench/mixed_seed.py with the app's environment; its last stdout line is the JSON."""
    command = [sys.executable, str(REPO / "bench" / "mixed_seed.py"), "--citizens", str(args.citizens),
               "--mediators", str(args.mediators)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, env={**env, "LOG_LEVEL": "WARNING"}, timeout=1800,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"seeding failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- where the CPU goes ------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name ([] when the process is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def reaped_cpu_of(pid: int) -> float:
    """CPU seconds of the children `pid` has waited for (cutime + cstime): a gunicorn worker recycled after
    max_requests, a PostgreSQL backend whose connection closed (or an autovacuum worker: the postmaster reaps every
    child), counted by their parent once they are gone."""
    fields = stat_fields(pid)
    return (int(fields[13]) + int(fields[14])) / TICK if fields else 0.0


def parent_of(pid: int) -> int | None:
    fields = stat_fields(pid)
    return int(fields[1]) if fields else None


def processes() -> dict[int, tuple[float, str]]:
    """Every process now: its CPU seconds and its command line (first four words)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                words = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
                label = " ".join(words[:4]) or f"[{(proc / 'comm').read_text().strip()}]"
            except OSError:
                continue
            found[int(proc.name)] = (cpu_of(int(proc.name)), label)
    return found


def process_groups(database_url: str, table: dict[int, tuple[float, str]], moto: bool) -> dict[str, list[int]]:
    """The processes of each part: gunicorn's workers, this database's backends, the S3 server, Redis, us."""
    masters = [p for p in evidence_upload.children(os.getpid()) if "gunicorn" in table.get(p, (0, ""))[1]]
    with psycopg.connect(database_url, autocommit=True) as conn:
        backends = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
    named = lambda word: [pid for pid, (_, label) in table.items() if label.split(" ")[0].endswith(word)]  # noqa: E731
    groups = {
        "gunicorn workers": [w for m in masters for w in evidence_upload.children(m)] + masters,
        "PostgreSQL backends": backends,
        "S3 server (Ceph radosgw + osd)": [] if moto else named("radosgw") + named("ceph-osd"),
        "Redis": named("redis-server"),
        "virtual users (this process)": [os.getpid()],
    }
    if moto:  # the moto server runs in threads of this process
        groups["virtual users and moto (this process)"] = groups.pop("virtual users (this process)")
        del groups["S3 server (Ceph radosgw + osd)"]
    return groups


def machine_cpu() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far, from /proc/stat (stolen: by the hypervisor)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(values) - values[3] - values[4] - values[7]) / TICK, values[7] / TICK


class CpuMeter:
    """CPU seconds per group over the measured window, what the rest of the machine used, and its biggest users."""

    def __init__(self, database_url: str, moto: bool) -> None:
        self.database_url, self.moto = database_url, moto

    def start(self) -> None:
        self.started, self.machine, self.before = time.perf_counter(), machine_cpu(), processes()
        self.members = process_groups(self.database_url, self.before, self.moto)
        self.parents = self._parents(self.members)
        self.reaped = {name: reaped_cpu_of(parent) for name, parent in self.parents.items()}

    @staticmethod
    def _parents(groups: dict[str, list[int]]) -> dict[str, int]:
        """The parent whose reaped children belong to a group: gunicorn's master, PostgreSQL's postmaster."""
        parents = {}
        for name in ("gunicorn workers", "PostgreSQL backends"):
            found = {parent for pid in groups.get(name, []) if (parent := parent_of(pid)) not in (None, os.getpid())}
            if len(found) == 1:
                parents[name] = found.pop()
        return parents

    def _gone(self, name: str, after: dict[int, tuple[float, str]]) -> float:
        """CPU seconds in the window of the group's processes that exited during it: what their parent reaped, less
        what they had used before the window (0 when nothing exited)."""
        parent = self.parents.get(name)
        if parent is None:
            return 0.0
        gone = [pid for pid in self.members.get(name, []) if pid not in after]
        before = sum(self.before.get(pid, (0.0, ""))[0] for pid in gone)
        return max(0.0, reaped_cpu_of(parent) - self.reaped[name] - before)

    def stop(self) -> tuple[dict[str, float], dict[str, float]]:
        """Cores used on average by each group (CPU seconds per second), and by the largest other processes."""
        seconds = time.perf_counter() - self.started
        now = machine_cpu()
        busy, stolen = now[0] - self.machine[0], now[1] - self.machine[1]
        after = processes()
        spent = {pid: cpu - self.before.get(pid, (0.0, ""))[0] for pid, (cpu, _label) in after.items()}
        groups = process_groups(self.database_url, after, self.moto)
        used = {
            name: (sum(spent.get(pid, 0.0) for pid in pids) + self._gone(name, after)) / seconds
            for name, pids in groups.items()
        }
        used["everything else on the machine"] = busy / seconds - sum(used.values())
        used[f"machine busy (of {os.cpu_count()} cores)"] = busy / seconds
        used["stolen by the hypervisor"] = stolen / seconds
        grouped = {pid for pids in groups.values() for pid in pids}
        others: dict[str, float] = defaultdict(float)
        for pid, cpu in spent.items():
            if pid not in grouped:
                others[after[pid][1]] += cpu / seconds
        largest = dict(sorted(others.items(), key=lambda item: -item[1])[:4])
        return {k: round(v, 2) for k, v in used.items()}, {k: round(v, 2) for k, v in largest.items() if v >= 0.01}


# -- the run -----------------------------------------------------------------------------------------


def drive(base: str, seeded: dict, database_url: str, args: argparse.Namespace, moto: bool) -> tuple:
    """Warm up, then measure with --users virtual users; return the state, the CPU split and iterations."""
    shared = users.Shared(base, seeded, database_url)
    shared.court()
    started = time.perf_counter()
    shared.rec.begin, shared.rec.end = started + args.warmup, started + args.warmup + args.duration
    shared.deadline = shared.rec.end
    crowd = [users.VirtualUser(n, shared) for n in range(args.users)]
    for user in crowd:
        user.start()
    meter = CpuMeter(database_url, moto)
    time.sleep(max(0.0, shared.rec.begin - time.perf_counter()))
    meter.start()
    time.sleep(max(0.0, shared.rec.end - time.perf_counter()))
    cpu, others = meter.stop()
    for user in crowd:
        user.join(timeout=users.TIMEOUT * 8)
    stopped = [user.error or "still running" for user in crowd if user.error or user.is_alive()]
    if stopped:
        raise SystemExit(f"{len(stopped)} virtual users did not finish cleanly: {stopped[:3]}")
    iterations = shared.rec.outcomes["iteration"]["ok"]  # started in the window, logged in
    return shared, {"groups": cpu, "others": others}, iterations


DOUBLE_BOOKED = """
    WITH taking_part AS (
        SELECT s.id, s.starts_at, s.ends_at, s.mediator_user_id AS user_id FROM mediation_sessions s
        WHERE s.status = 'scheduled'
        UNION
        SELECT s.id, s.starts_at, s.ends_at, p.user_id FROM mediation_sessions s
        JOIN case_parties p ON p.case_id = s.case_id AND p.user_id IS NOT NULL WHERE s.status = 'scheduled')
    SELECT count(*) FROM taking_part a JOIN taking_part b
      ON a.user_id = b.user_id AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
"""


def db_check(database_url: str, rec: users.Recorder) -> str:
    """After the run: what the database holds against what the API answered 2xx (warm-up included)."""
    with psycopg.connect(database_url) as conn:
        double = conn.execute(DOUBLE_BOOKED).fetchone()[0]
        docs, delivered, acked = conn.execute(
            "SELECT count(*), count(delivered_at), count(acknowledged_at) FROM served_documents"
        ).fetchone()
        stored, verifying = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'stored'), count(*) FILTER (WHERE status = 'verifying')"
            " FROM evidence_items"
        ).fetchone()
        booked = conn.execute("SELECT count(*) FROM mediation_sessions WHERE status = 'scheduled'").fetchone()[0]
        codes = conn.execute("SELECT count(*) FROM sms_messages WHERE template = 'login_code'").fetchone()[0]
    ok = rec.answered
    return (
        f"{docs} documents ({delivered} delivered, {acked} acknowledged) for {ok['document: push (court)']} pushes "
        f"and {ok['document: acknowledge']} acknowledgements answered 2xx; {stored} evidence items stored and "
        f"{verifying} verifying (no Celery worker runs here, so their verification jobs stay queued) for "
        f"{ok['evidence: complete']} completes; {booked} sessions for {ok['session: book (mediator)']} bookings, "
        f"{double} pairs of overlapping sessions sharing a mediator or a party; {codes} login codes for "
        f"{ok['login: SMS send']} sends"
    )


def queued_jobs() -> int:
    """Celery messages waiting in the broker (no worker runs during the benchmark)."""
    import redis

    return int(redis.Redis.from_url(BROKER_URL).llen("celery"))


def run_all(args: argparse.Namespace, workdir: Path) -> dict:
    """Serve, seed, drive and check the app, then measure the hello-world ceiling."""
    result: dict = {}
    with evidence_upload.s3_server() as s3, harness.throwaway_database(args.pg) as database_url:
        log(f"database ready; S3: {s3['server']}")
        evidence_upload.store_for(s3).ensure_bucket()
        env = serve_env(database_url, s3, workdir)
        evidence_upload.prepare_database(env)
        flush_redis()
        try:
            log("migrated; seeding")
            started = time.perf_counter()
            seeded = seed(env, args)
            result["seed_seconds"] = round(time.perf_counter() - started, 1)
            log(f"seeded in {result['seed_seconds']} s; starting gunicorn")
            with harness.gunicorn("wsgi:app", env, workdir / "app.log", harness.READY) as base:
                result["loadavg_at_start"] = os.getloadavg()
                result["cpu_reference_ms"] = harness.references()
                log(f"serving on {base}; {args.users} users, {args.warmup:g} s warm-up + {args.duration:g} s")
                shared, result["cpu"], iterations = drive(base, seeded, database_url, args, "moto" in s3["server"])
                log("measured; stopping gunicorn")
            result["rows"] = shared.rec.rows()
            if any(row["errors"] for row in result["rows"]):
                log(f"errors; the end of the server log:\n{harness.tail(workdir / 'app.log', 40)}")
            result["iterations"] = iterations
            result["db_check"] = db_check(database_url, shared.rec)
            result["queued_jobs"] = queued_jobs()
            result["s3"] = s3["server"]
        finally:
            flush_redis()
        result["hello_shapes"] = hello_ceilings(env, workdir, args)
        result["hello"] = max(result["hello_shapes"].values(), key=lambda row: row["rps"])
        log("done; dropping the database and the bucket")
    return result


def hello_shapes(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The gunicorn shapes the ceiling is measured in: the app's own and two processes per core of four threads.

    A trivial app is fastest with more processes (its requests never wait with the GIL released), the real app with
    one process per core (gunicorn.conf.py): the ceiling is the faster of the two, so the share is never flattered
    by a shape that slows hello-world down.
    """
    served = harness.gunicorn_settings(env)
    shapes = {f"{served['workers']} x {served['threads']}": {}}
    cores = os.cpu_count() or 1
    other = {"WEB_CONCURRENCY": str(2 * cores), "GUNICORN_THREADS": "4"}
    conf = harness.gunicorn_settings({**env, **other})
    shapes.setdefault(f"{conf['workers']} x {conf['threads']}", other)
    return shapes


def hello_ceilings(env: dict[str, str], workdir: Path, args: argparse.Namespace) -> dict[str, dict]:
    """bench/hello_app.py measured by bench/load.py in each shape of `hello_shapes`."""
    rows = {}
    for shape, extra in hello_shapes(env).items():
        log(f"hello-world ceiling, {shape}")
        with harness.gunicorn("bench.hello_app:app", {**env, **extra}, workdir / "hello.log", "/") as base:
            rows[shape] = harness.load.measure(
                base + "/", connections=args.users, duration=args.hello_duration, warmup=2
            )
    return rows


# -- writing it down ---------------------------------------------------------------------------------


def facts_of(args: argparse.Namespace, result: dict) -> dict[str, str]:
    """The machine and the run, for the bullet list under the table."""
    import redis

    args.connections = args.users  # harness.machine_facts reads these
    facts = harness.machine_facts(args, {"RATELIMIT_STORAGE_URI": LIMITS_URL})  # as serve_env gives the server
    api = next(row for row in result["rows"] if row["op"] == "all API calls")
    facts["load average at the start of the measurement"] = " ".join(f"{n:.2f}" for n in result["loadavg_at_start"])
    facts["reference at the start (compute / memory)"] = (
        f"{result['cpu_reference_ms']} ms (bench/run_foundation.references; this VM drifts: runs compare only when"
        " both agree)"
    )
    facts["redis"] = redis.Redis.from_url(BROKER_URL).info("server")["redis_version"]
    facts["S3 server"] = result["s3"] + ", same machine"
    facts["load"] = (
        f"{args.users} closed-loop virtual users (threads, keep-alive bench/http_client.py), {args.warmup:g} s warm-up "
        f"+ {args.duration:g} s measured; {args.citizens} citizens, {args.mediators} mediators; client on the same "
        f"machine; ceiling: bench/load.py, {args.users} connections, 2 s warm-up + {args.hello_duration:g} s per shape"
    )
    mix = users.ITERATION
    facts["iteration"] = (
        f"refresh-token login ({mix['sms_login']:.0%} SMS login instead, within the per-phone limit), "
        f"GET /cases, {mix['details']} x GET /cases/{{id}}, GET /me/schedule; then with probability "
        f"{mix['upload']:g} an evidence upload (request, {users.EVIDENCE_BYTES // 1024} KiB to the bucket, "
        f"complete), {mix['book']:g} a session booking by the case's mediator, {mix['push']:g} a court push "
        f"(20 KiB PDF) that the citizen opens and acknowledges; {result['iterations']} iterations "
        f"({result['iterations'] / args.duration:.1f}/s)"
    )
    facts["configuration"] = (
        f"MICROCOURT_ENV=development (for the console SMS gateway only), JOBS_EAGER=0 with the Celery broker in "
        f"Redis (no worker: {result['queued_jobs']} jobs left queued, then flushed), rate limits in Redis, "
        f"STORAGE_BACKEND=s3; per-IP limits LOGIN_LIMIT_PER_IP, SMS_SEND_LIMIT_PER_IP, SMS_VERIFY_LIMIT_PER_IP "
        f"raised to {PER_IP_LIMIT} because every virtual user shares 127.0.0.1; every other limit at its default"
    )
    facts["throughput against the ceiling"] = (
        f"{api['rps'] / result['hello']['rps']:.1%} of hello-world req/s (the faster of its rows)"
    )
    cpu = result["cpu"]["groups"]
    facts["CPU in the measured window (cores)"] = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
    others = "; ".join(f"`{k}` {v:.2f}" for k, v in result["cpu"]["others"].items())
    facts["largest other processes (cores)"] = others or "none above 0.01"
    per_call = {k: v * 1000 / api["rps"] for k, v in cpu.items() if k in ("gunicorn workers", "PostgreSQL backends")}
    facts["CPU per API call"] = ", ".join(f"{k} {v:.1f} ms" for k, v in per_call.items())
    facts["after the run (database)"] = result["db_check"]
    facts["seeding"] = f"{result['seed_seconds']} s (not measured)"
    return facts


def render(result: dict, facts: dict[str, str]) -> str:
    """The markdown section: one row per operation, the API total, the store POST, the ceiling; then facts."""
    lines = [BEGIN, "| operation | count | req/s | p50 ms | p99 ms | max ms | errors | expected 409 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for row in result["rows"]:
        name = f"**{row['op']}**" if row["op"] == "all API calls" else row["op"]
        kinds = " ".join(f"{k}×{n}" for k, n in row["error_kinds"].items())
        lines.append(f"| {name} | {row['count']} | {row['rps']:.1f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
                     f"| {row['max_ms']:.1f} | {row['errors']}{f' ({kinds})' if kinds else ''} "
                     f"| {row['expected_409'] or ''} |")  # fmt: skip
    for shape, hello in result["hello_shapes"].items():
        lines.append(
            f"| hello world ({shape} workers x threads, bench/load.py) | {hello['requests']} | {hello['rps']:.1f} "
            f"| {hello['p50_ms']:.1f} | {hello['p99_ms']:.1f} | {hello['max_ms']:.1f} | {hello['errors']} | |"
        )
    lines += ["", *(f"- **{name}**: {value}" for name, value in facts.items()), END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of path (or append it under its heading), keeping everything else."""
    harness.write_marked(path, BEGIN, END, section, HEADING)


def main(argv: list[str] | None = None) -> int:
    """Run once and write the results."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.loadavg = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mc-bench-mixed-") as tmp:
        result = run_all(args, Path(tmp))
    facts = facts_of(args, result)
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"mixed_workload-{stamp}.json").write_text(
        json.dumps({"facts": facts, **result}, indent=2, ensure_ascii=False)
    )
    write_section(args.output, render(result, facts))
    for row in [*result["rows"], {"op": "hello world", **result["hello"], "expected_409": 0}]:
        print(f"{row['op']:<40} {row['rps']:>7.1f}/s  p50 {row['p50_ms']:>7.1f}  p99 {row['p99_ms']:>7.1f}  "
              f"errors {row['errors']}  409 {row['expected_409']}")  # fmt: skip
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
