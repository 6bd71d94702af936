"""Instructions per API call of the full case lifecycle, counted by callgrind in process (issue 18).

    eval "$(bash .ci/ceph-rgw.sh env)"             # S3 on Ceph RGW (else moto runs in this process)
    .venv/bin/python bench/instructions.py --save /tmp/new.json            # 6 warm-up + 3 counted lifecycles
    .venv/bin/python bench/instructions.py --save /tmp/old.json --repo /tmp/old-clone   # another checkout's app
    .venv/bin/python bench/instructions.py --compare /tmp/old.json /tmp/new.json        # per call, old vs new
    .venv/bin/python bench/instructions.py --no-valgrind                   # the same lifecycles, timed only

Why: on this VM the CPU time of the same work drifts by 40 % between runs (bench/lifecycle.py's compute reference
read 97 ms in one hour and 137-230 ms in another), so a change worth 3-5 % of the worker's CPU cannot be seen end to
end. The instructions a call executes do not depend on what else the machine is doing: valgrind's callgrind
counts them, the same total twice for the same code and data, whatever the other core is doing.

What is counted: the same 14 calls as bench/lifecycle.py (its Lifecycles class drives them), sent to the app's WSGI
callable in this process through Flask's test client instead of over a socket to gunicorn, on the production
shape of bench/mixed_workload.py's environment (PostgreSQL, jobs queued in Redis, limits in Redis, S3). Callgrind
counts only while a call is inside the app (a tiny C helper built here with gcc flips its collection on and off
around each call and dumps the count under the call's name); the warm-up lifecycles, the direct POST to the bucket
and the benchmark's own bookkeeping run uninstrumented or uncounted. Each call's figure includes the test client's
own work (building the WSGI environ, reading the answer), identical on both sides of a comparison. Beside the
lifecycle, not in its sum: the floor (the liveness probe, `GET /me`, a bare Flask app's request) and, once per
counted lifecycle, a court's batch push of `--batch` documents (100: bench/document_push.py's batch, 20 KiB PDFs,
one per seeded defendant in turn; another batch before counting prepares its statements).

Not counted: PostgreSQL's, Redis's and the S3 server's side (other processes). A change that moves work into the
database shows here as fewer instructions in the worker, and must still be weighed end to end.

Instrumentation starts after the warm-up lifecycles: by then the app's caches are warm and psycopg has prepared
the statements that run on every lifecycle (it prepares a statement the fifth time it runs on a connection).
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import gc
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import document_push  # noqa: E402
import evidence_upload  # noqa: E402  (bench/ is not a package)
import http_client  # noqa: E402
import lifecycle  # noqa: E402
import mixed_workload as mixed  # noqa: E402
import run_foundation as harness  # noqa: E402

APP_BASE = "http://app.invalid"  # the in-process app's "address": never resolved
HELPER_C = r"""
#include <valgrind/callgrind.h>
void mc_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void mc_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void mc_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""
FLOOR = [("/api/public/v1/healthz", False), ("/api/mp/v1/me", True)]  # counted beside the lifecycle, not in it
HELLO = "bench/hello_app.py GET /"  # a bare Flask app's request, counted beside the floor
TRIGGER = "desc: Trigger: Client Request: "  # a dump's first lines name what triggered it: here, the call
_IDS = [
    (re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "/{id}"),
    (re.compile(r"/invitations/[^/]+/accept"), "/invitations/{token}/accept"),
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=6, help="lifecycles before counting starts")
    parser.add_argument("--count", type=int, default=3, help="lifecycles counted")
    parser.add_argument("--citizens", type=int, default=40)
    parser.add_argument("--mediators", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose app is counted (its .venv runs it)")
    parser.add_argument("--no-valgrind", action="store_true", help="run uninstrumented; report process CPU time")
    parser.add_argument("--py-spy", type=Path, metavar="OUT",
                        help="instead of counting, sample the warm-up and counted lifecycles with py-spy (collapsed"
                        " stacks to OUT; py-spy from PyPI, on PATH or in PY_SPY)")  # fmt: skip
    parser.add_argument("--cprofile", type=Path, metavar="OUT",
                        help="instead of counting, run the counted lifecycles under cProfile and write its stats"
                        " to OUT (pstats: exact calls per function, to find work done too often)")  # fmt: skip
    parser.add_argument("--batch", type=int, default=100, metavar="N",
                        help="also count a court's batch push of N documents (20 KiB each) per counted lifecycle,"
                        " beside the lifecycle (0: none)")  # fmt: skip
    parser.add_argument("--save", type=Path, help="write the per-call figures as JSON here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"), help="compare two saved runs")
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)  # the counted process: the seeded JSON
    return parser.parse_args(argv)


# -- the counted process -------------------------------------------------------------------------------


class Counter:
    """Callgrind's client requests through a C helper built with gcc (no-ops when not under valgrind)."""

    def __init__(self, library: Path | None) -> None:
        self.lib = ctypes.CDLL(str(library)) if library else None

    def start(self) -> None:
        if self.lib:
            self.lib.mc_start()

    def around(self, name: str, call: Any) -> Any:
        if not self.lib:
            return call()
        self.lib.mc_toggle()  # collection on
        try:
            return call()
        finally:
            self.lib.mc_toggle()  # off
            self.lib.mc_dump(name.encode())


class InProcess:
    """bench/http_client.Session's interface: the app's URLs go to its WSGI callable, others over HTTP."""

    def __init__(self, app: Any, counter: Counter, timings: dict[str, list[float]], label_prefix: str = "") -> None:
        self.client, self.counter, self.timings, self.prefix = app.test_client(), counter, timings, label_prefix
        self.statements: dict[str, list[int]] = {}  # per call: SQL statements sent (the budgets' count)
        self.sent = 0
        self.store = http_client.Session()
        self.counting = False
        self.seen: dict[str, int] = {}  # this lifecycle's calls so far: the second sign is a call of its own

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def request(self, method: str, url: str, *, json: Any = None, data: Any = None, files: Any = None,
                headers: dict | None = None, timeout: float | None = None) -> Any:  # fmt: skip
        if not url.startswith(APP_BASE):
            return self.store.request(method, url, json=json, data=data, files=files, headers=headers, timeout=timeout)
        path = url[len(APP_BASE) :]
        form: Any = dict(data or {})
        for field, (filename, content, *kind) in (files or {}).items():
            form[field] = (io.BytesIO(content), filename, kind[0] if kind else "application/octet-stream")
        send = lambda: self.client.open(path, method=method, json=json, data=form or None, headers=headers)  # noqa: E731
        if not self.counting:
            return Answer(send())
        name = f"{self.prefix}{method} {label(path)}"
        self.seen[name] = self.seen.get(name, 0) + 1
        name += f" ({self.seen[name]})" if self.seen[name] > 1 else ""
        began, sent = time.process_time(), self.sent
        answer = self.counter.around(name, send)
        self.timings.setdefault(name, []).append(time.process_time() - began)
        self.statements.setdefault(name, []).append(self.sent - sent)
        return Answer(answer)

    def close(self) -> None:
        self.store.close()


class Answer:
    """A test client's response with bench/http_client.Response's reading interface."""

    def __init__(self, response: Any) -> None:
        self.status_code, self.content, self.headers = response.status_code, response.get_data(), response.headers

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def label(path: str) -> str:
    for pattern, replacement in _IDS:
        path = pattern.sub(replacement, path)
    return path


def inside(args: argparse.Namespace) -> int:
    """Drive the lifecycles against the app in this process; print the process-time figures as JSON."""
    seeded = json.loads(args.inside.read_text())
    helper = os.environ.get("MC_CALLGRIND_HELPER")
    counter = Counter(Path(helper) if helper else None)
    repo = os.environ.get("MC_APP_REPO", str(REPO))
    sys.path.insert(0, repo)  # before this checkout, which the bench modules put on the path for their seeding
    from wsgi import app

    if not Path(sys.modules["app"].__file__ or "").is_relative_to(repo):
        raise SystemExit(f"the app was imported from {sys.modules['app'].__file__}, not from {repo}")
    gc.collect()  # as gunicorn.conf.py does in every worker: the built app joins the permanent generation
    gc.freeze()
    timings: dict[str, list[float]] = {}
    transport = InProcess(app, counter, timings)
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        database = db.engine.dialect.name

        @event.listens_for(db.engine, "before_cursor_execute")
        def _sent(*_: Any) -> None:
            transport.sent += 1

    world = lifecycle.Lifecycles(APP_BASE, seeded, http=transport, court=_court_token(transport, seeded))
    for _ in range(args.warmup):
        world.run_one(transport, transport)
    if args.batch:
        push_batch(transport, world, args.batch, serial=0)  # uncounted: its statements prepared, as the others'
    counter.start()
    profile = cProfile.Profile(time.thread_time) if os.environ.get("MC_CPROFILE") else None
    if profile:
        profile.enable()
    transport.counting = True
    me = world.citizens[0].headers
    import hello_app

    hello = InProcess(hello_app.app, counter, timings, label_prefix="bench/hello_app.py ")
    hello.counting = True
    for counted in range(args.count):
        transport.seen.clear()
        hello.seen.clear()
        world.run_one(transport, transport)
        for path, headers in FLOOR:  # what any request costs: no database, then authentication and one read
            transport.request("GET", f"{APP_BASE}{path}", headers=me if headers else None)
        hello.request("GET", f"{APP_BASE}/")  # and what Flask itself costs: bench/hello_app.py
        if args.batch:
            push_batch(transport, world, args.batch, serial=(counted + 1) * 1_000_000)
    transport.counting = False
    if profile:
        profile.disable()
        profile.dump_stats(os.environ["MC_CPROFILE"])
    transport.close()
    milliseconds = {name: [round(t * 1000, 3) for t in values] for name, values in timings.items()}
    print(json.dumps({"database": database, "cpu_ms": milliseconds, "statements": transport.statements,
                      "python": harness.interpreter()}))  # fmt: skip
    return 0


def push_batch(transport: InProcess, world: lifecycle.Lifecycles, size: int, *, serial: int) -> None:
    """The court pushes `size` documents in one batch request (as bench/document_push.py does, 20 KiB each) to the
    defendants of the seeded litigation cases; every item must be accepted."""
    items, files = [], {}
    for n in range(size):
        citizen = world.citizens[n % len(world.citizens)]
        meta = {**citizen.defendant, "doc_type": "complaint_copy", "title": f"起诉状副本{serial + n}"}
        items.append({"idempotency_key": f"batch-{serial + n}", "file": f"f{n}", "meta": meta})
        files[f"f{n}"] = (f"{n}.pdf", document_push.pdf(20, serial + n), "application/pdf")
    data = {"items": json.dumps(items, ensure_ascii=False)}
    answer = transport.post(f"{APP_BASE}{BATCH}", data=data, files=files, headers=world.court)
    if answer.status_code != 200 or {item["status"] for item in answer.json()["items"]} != {201}:
        raise SystemExit(f"batch push: {answer.status_code} {answer.text[:400]}")


BATCH = f"{lifecycle.COURT}/documents/batch"


def _court_token(transport: InProcess, seeded: dict) -> dict[str, str]:
    """bench/document_push.token through the in-process app."""
    creds = {"client_id": seeded["client_id"], "client_secret": seeded["secret"]}
    answer = transport.post(f"{APP_BASE}{lifecycle.COURT}/auth/token", json=creds)
    if answer.status_code != 200:
        raise SystemExit(f"court token: {answer.status_code} {answer.text[:300]}")
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


# -- the driving process --------------------------------------------------------------------------------


def build_helper(workdir: Path) -> Path:
    """The C helper that issues callgrind's client requests (valgrind's headers: Debian's valgrind package)."""
    if not Path("/usr/include/valgrind/callgrind.h").exists() or not shutil.which("gcc"):
        raise SystemExit("needs valgrind (with its headers) and gcc: apt-get install valgrind gcc")
    source, library = workdir / "mc_callgrind.c", workdir / "mc_callgrind.so"
    source.write_text(HELPER_C)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)], check=True)
    return library


def dumps_of(workdir: Path) -> dict[str, list[int]]:
    """Every dump's trigger name and instruction total, by name, in dump order."""
    found: dict[str, list[int]] = {}
    for path in sorted(workdir.glob("callgrind.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1] or 0)):
        name = total = None
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(TRIGGER):
                    name = line[len(TRIGGER) :].strip()
                elif line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
        if name and total is not None:
            found.setdefault(name, []).append(total)
    return found


def run(args: argparse.Namespace) -> dict:
    python = args.repo / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp, evidence_upload.s3_server() as s3:
        workdir = Path(tmp)
        with harness.throwaway_database(args.pg) as database_url:
            evidence_upload.store_for(s3).ensure_bucket()
            env = mixed.serve_env(database_url, s3, workdir)
            env["INVITATION_ACCEPT_LIMIT_PER_IP"] = mixed.PER_IP_LIMIT
            evidence_upload.prepare_database(env)
            mixed.flush_redis()
            try:
                mixed.log("migrated; seeding")
                seeded = lifecycle.seed(env, args)
                (workdir / "seeded.json").write_text(json.dumps(seeded, ensure_ascii=False))
                command = [str(python), str(Path(__file__).resolve()), "--inside", str(workdir / "seeded.json"),
                           "--warmup", str(args.warmup), "--count", str(args.count),
                           "--batch", str(args.batch)]  # fmt: skip
                # The app logs as under gunicorn (one JSON access line a request, to stderr): part of a call's cost.
                env = {**env, "MC_APP_REPO": str(args.repo.resolve())}
                if args.cprofile:
                    env["MC_CPROFILE"] = str(args.cprofile.resolve())
                elif args.py_spy:
                    spy = os.environ.get("PY_SPY") or shutil.which("py-spy") or "py-spy"
                    command = [spy, "record", "--gil", "-r", "400", "-f", "raw", "-o", str(args.py_spy), "--", *command]
                elif not args.no_valgrind:
                    env["MC_CALLGRIND_HELPER"] = str(build_helper(workdir))
                    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
                               f"--callgrind-out-file={workdir}/callgrind.out", *command]  # fmt: skip
                mixed.log(f"{args.warmup} warm-up + {args.count} counted lifecycles in process ({args.repo})")
                done = subprocess.run(command, cwd=args.repo, env=env, capture_output=True, text=True, timeout=7200)
                if done.returncode:
                    raise SystemExit(f"the counted process failed ({done.returncode}):\n{done.stderr[-4000:]}")
                inner = json.loads(next(x for x in reversed(done.stdout.splitlines()) if x.startswith("{")))
                counts = {} if args.no_valgrind or args.py_spy or args.cprofile else dumps_of(workdir)
            finally:
                mixed.flush_redis()
    commit = subprocess.run(["git", "-C", str(args.repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()  # fmt: skip
    return {"repo": str(args.repo), "commit": commit, "database": inner["database"], "python": inner["python"],
            "lifecycles": args.count,
            "instructions": counts, "cpu_ms": inner["cpu_ms"], "statements": inner["statements"]}  # fmt: skip


def median(values: list[int] | list[float]) -> float:
    """A call's figure: the median of its runs (each call runs once a lifecycle)."""
    return float(statistics.median(values)) if values else 0.0


def is_floor(name: str) -> bool:
    """Counted beside the lifecycle, not in its sum: the floor, bare Flask and the batch push."""
    return name == HELLO or any(name == f"GET {path}" for path, _ in FLOOR) or name.startswith(f"POST {BATCH}")


def render(result: dict) -> str:
    head = ("| call | M instructions | spread of its runs | SQL statements | CPU ms (under valgrind when counted) |\n"
            "| --- | ---: | ---: | ---: | ---: |")  # fmt: skip
    rows, floor, totals = [], [], [0.0, 0.0, 0.0]
    for name, times in result["cpu_ms"].items():
        counts, sent = result["instructions"].get(name, []), result.get("statements", {}).get(name, [])
        figures = [median(counts), median(sent), median(times)]
        row = f"| {name} | {figures[0] / 1e6:.2f} | {_spread(counts)} | {figures[1]:g} | {figures[2]:.1f} |"
        if is_floor(name):
            floor.append(row)
            continue
        rows.append(row)
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
    rows.append(f"| **a lifecycle** | **{totals[0] / 1e6:.2f}** | | **{totals[1]:g}** | **{totals[2]:.1f}** |")
    python = f", {result['python']}" if result.get("python") else ""  # saved runs before session 15 lack it
    title = (f"{result['repo']} at {result['commit']} on {result.get('database')}{python}: medians of"
             f" {result['lifecycles']} lifecycles")  # fmt: skip
    return "\n".join([title, "", head, *rows, *floor])


def _spread(values: list[int]) -> str:
    """(max - min) / median of a call's runs."""
    if len(values) < 2:
        return "-"
    return f"{(max(values) - min(values)) / max(1.0, median(values)):.2%}"


def compare(old: dict, new: dict) -> str:
    lines = [f"M instructions: old {old['commit']} ({old['repo']}; {old.get('python', 'interpreter not recorded')}),"
             f" new {new['commit']} ({new['repo']}; {new.get('python', 'interpreter not recorded')})", "",
             "| call | old | new | change |", "| --- | ---: | ---: | ---: |"]  # fmt: skip
    totals, floor = [0.0, 0.0], []
    for name in dict.fromkeys([*old["instructions"], *new["instructions"]]):
        a, b = median(old["instructions"].get(name, [])), median(new["instructions"].get(name, []))
        row = f"| {name} | {a / 1e6:.2f} | {b / 1e6:.2f} | {(b - a) / a:+.1%} |" if a and b else f"| {name} | | | |"
        if is_floor(name):
            floor.append(row)
            continue
        lines.append(row)
        totals = [totals[0] + a, totals[1] + b]
    a, b = totals
    if a:
        lines.append(f"| **a lifecycle** | **{a / 1e6:.2f}** | **{b / 1e6:.2f}** | **{(b - a) / a:+.1%}** |")
    return "\n".join([*lines, *floor])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.inside:
        return inside(args)
    if args.compare:
        old, new = (json.loads(path.read_text()) for path in args.compare)
        print(compare(old, new))
        return 0
    result = run(args)
    if args.save:
        args.save.write_text(json.dumps(result, indent=1))
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
