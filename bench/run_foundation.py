"""One reproducible run: health endpoints under gunicorn on PostgreSQL beside a hello-world ceiling.

    .venv/bin/python bench/run_foundation.py                 # 10 s per endpoint, 32 connections
    .venv/bin/python bench/run_foundation.py -d 3 --tool python --output /tmp/bench.md

Creates a throwaway PostgreSQL database, runs `flask db upgrade` on it, serves the app with the project's
gunicorn.conf.py on 127.0.0.1, measures /healthz and /readyz, then serves bench/hello_app.py with the same
settings and measures it, stops everything, drops the database and writes the table into
docs/benchmarks.md (between the foundation markers; text outside them is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import load  # noqa: E402  (bench/ is not a package)

BEGIN = "<!-- foundation:begin (written by bench/run_foundation.py) -->"
END = "<!-- foundation:end -->"
HEALTH = "/api/public/v1/healthz"
READY = "/api/public/v1/readyz"
START_TIMEOUT = 60
STOP_TIMEOUT = 30


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--duration", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("-w", "--warmup", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("-c", "--connections", type=int, default=32)
    parser.add_argument(
        "--tool", choices=["python", "wrk", "both"], default="both" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md")
    return parser.parse_args(argv)


# -- database ----------------------------------------------------------------------------------------


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """Create `mc_bench_<random>` and yield its SQLAlchemy URL; drop it afterwards, whatever happened."""
    name = f"mc_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version(admin_url: str) -> str:
    """PostgreSQL's version string, short."""
    with psycopg.connect(admin_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def migrate(env: dict[str, str]) -> None:
    """`flask db upgrade` against the benchmark database."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    done = subprocess.run(command, cwd=REPO, env=env, timeout=120, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"flask db upgrade failed ({done.returncode}):\n{done.stderr[-3000:]}")


# -- servers -----------------------------------------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], log_path: Path, probe_path: str) -> Iterator[str]:
    """Serve app_spec with gunicorn.conf.py on a free 127.0.0.1 port; yield its base URL; always stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app_spec]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until_serving(base + probe_path, process, log_path)
        yield base
    finally:
        stop(process)


def wait_until_serving(url: str, process: subprocess.Popen, log_path: Path) -> None:
    """Poll url until it answers 200 (bounded); fail with the server log if the server dies first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200 within {START_TIMEOUT} s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    """The end of a server log, for error messages (the temporary folder goes away)."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop(process: subprocess.Popen) -> None:
    """Graceful stop (SIGTERM), SIGKILL only after the bound."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


# -- load --------------------------------------------------------------------------------------------


def measure(url: str, tool: str, args: argparse.Namespace) -> dict:
    """Warm up, then measure one URL with one load generator."""
    if tool == "python":
        return load.measure(url, connections=args.connections, duration=args.duration, warmup=args.warmup)
    threads = str(min(2, args.connections))
    if args.warmup > 0:
        subprocess.run(["wrk", "-t", threads, "-c", str(args.connections), "-d", wrk_seconds(args.warmup), url],
                       check=True, capture_output=True, timeout=args.warmup + 30)  # fmt: skip
    command = ["wrk", "-t", threads, "-c", str(args.connections), "-d", wrk_seconds(args.duration), "--latency", url]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=args.duration + 30)
    return parse_wrk(done.stdout, url=url, connections=args.connections)


def wrk_seconds(seconds: float) -> str:
    """wrk wants whole seconds."""
    return f"{max(1, math.ceil(seconds))}s"


def parse_wrk(text: str, *, url: str, connections: int) -> dict:
    """Pull req/s, p50, p99 and errors out of `wrk --latency` output."""

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
        return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return {
        "url": url,
        "connections": connections,
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "errors": errors,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": millis("50"),
        "p99_ms": millis("99"),
    }


# -- the run -----------------------------------------------------------------------------------------


def base_env(database_url: str, workdir: Path) -> dict[str, str]:
    """The servers' environment: development config on the benchmark database."""
    return {
        **os.environ,
        "MICROCOURT_ENV": "development",
        "DATABASE_URL": database_url,
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_ROOT": str(workdir / "blobs"),
        "FLASK_APP": "wsgi",
    }


def run_all(args: argparse.Namespace, workdir: Path) -> list[dict]:
    """Migrate, serve and measure the app, then the hello-world app; return one row per endpoint and tool."""
    tools = ["python", "wrk"] if args.tool == "both" else [args.tool]
    rows = []
    with throwaway_database(args.pg) as database_url:
        env = base_env(database_url, workdir)
        migrate(env)
        with gunicorn("wsgi:app", env, workdir / "app.log", READY) as base:
            for path in (HEALTH, READY):
                rows += [{"endpoint": path, "tool": tool, **measure(base + path, tool, args)} for tool in tools]
        with gunicorn("bench.hello_app:app", env, workdir / "hello.log", "/") as base:
            rows += [{"endpoint": "hello world", "tool": tool, **measure(base + "/", tool, args)} for tool in tools]
    return rows


def gunicorn_settings(server_env: dict[str, str] | None = None) -> dict[str, Any]:
    """gunicorn.conf.py as the server reads it with `server_env` on top of this process's environment: the shape
    depends on it (one process when rate limits are in memory, WEB_CONCURRENCY x GUNICORN_THREADS with Redis)."""
    saved = dict(os.environ)
    try:
        os.environ.update(server_env or {})
        return runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def machine_facts(args: argparse.Namespace, server_env: dict[str, str] | None = None) -> dict[str, str]:
    """What the numbers depend on: machine, versions, server settings, load shape."""
    conf = gunicorn_settings(server_env)
    from importlib.metadata import version

    return {
        "date (UTC)": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": interpreter(),
        "gunicorn": f"{version('gunicorn')}: {conf['workers']} workers x {conf['threads']} threads "
        f"({conf['worker_class']}), max_requests {conf['max_requests']}",
        "flask": version("flask"),
        "postgresql": server_version(args.pg),
        "load average before the run": " ".join(f"{n:.2f}" for n in args.loadavg),
        "load": f"{args.connections} keep-alive connections, {args.warmup:g} s warm-up + {args.duration:g} s "
        f"measured per endpoint and tool, client on the same machine",
    }


def _reference_work() -> int:
    """A fixed, interpreter-bound piece of work shaped like request handling: dicts, strings, JSON, a loop."""
    total = 0
    for i in range(20_000):
        record = {"id": i, "name": f"party-{i}", "roles": ["applicant", "respondent"], "amount": i * 3.5}
        text = json.dumps(record)
        total += len(json.loads(text)["name"]) + sum(range(i % 50))
    return total


def cpu_reference(rounds: int = 7) -> float:
    """Milliseconds of CPU for `_reference_work`, the best of `rounds`: the speed of this machine's CPU right now.

    The benchmarks run on a VM whose CPU speed drifts (the same code has spent 60 % more CPU per call twenty minutes
    apart), so every report prints this figure beside its own: two runs compare only when their references agree,
    and a CPU figure divided by its reference compares across windows roughly.
    """
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        _reference_work()
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def memory_reference(rounds: int = 5) -> float:
    """Milliseconds of CPU to visit 400,000 small objects in a random order, the best of `rounds`: memory-bound work.

    On this VM the compute reference above stays within 5 % while this one swings by 30 % within a minute (the host's
    caches and memory are shared with other machines), and the app's CPU per call moves with it: a web request walks
    a large heap of objects. A report prints both.
    """
    import random

    shuffled = random.Random(7)
    objects = [{"id": i, "name": str(i)} for i in range(400_000)]
    order = [shuffled.randrange(len(objects)) for _ in range(len(objects))]
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for i in order:
            total += objects[i]["id"]
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def references() -> str:
    """Both references as the reports print them."""
    return f"{cpu_reference()} / {memory_reference()}"


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def interpreter() -> str:
    """The Python the servers run (this one: they start from sys.executable) and the build facts that move every CPU
    figure: on this machine a CPython that loads libpython as a shared library (pyenv's default build) executed 13 %
    more instructions for the same lifecycle than a statically linked, optimised one (Debian's python3.11); see
    docs/deploy.md, "The interpreter"."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            shared = any("libpython" in line for line in maps)
        linkage = "libpython shared" if shared else "libpython static"
    except OSError:
        linkage = "libpython linkage unknown"
    configured = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    built = [flag for flag in ("--enable-optimizations", "--with-lto") if flag in configured]
    return (f"CPython {platform.python_version()} ({sys.executable}; {linkage}"
            f"{'; ' + ' '.join(built) if built else ''})")  # fmt: skip


def render(rows: list[dict], facts: dict[str, str]) -> str:
    """The markdown section: the table, then the facts."""
    ceiling = {row["tool"]: row["rps"] for row in rows if row["endpoint"] == "hello world"}
    lines = [
        BEGIN,
        "| endpoint | load generator | req/s | p50 ms | p99 ms | errors | of hello-world req/s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        share = row["rps"] / ceiling[row["tool"]] if ceiling.get(row["tool"]) else 0.0
        lines.append(
            f"| `{row['endpoint']}` | {row['tool']} | {row['rps']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['errors']} | {share:.0%} |"
        )
    lines += ["", *(f"- **{name}**: {value}" for name, value in facts.items()), END]
    return "\n".join(lines) + "\n"


def write_marked(path: Path, begin: str, end: str, section: str, heading: str) -> None:
    """Replace the section between `begin` and `end` in path (the section includes both markers), or append it
    under `heading` when the file has no such section yet; everything else in the file is kept."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section.rstrip("\n") + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_section(path: Path, section: str) -> None:
    """Replace the foundation section of path (or append it), keeping everything else."""
    write_marked(path, BEGIN, END, section, "## Foundation: health endpoints and the ceiling")


def main(argv: list[str] | None = None) -> int:
    """Run everything once and write the results."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.loadavg = os.getloadavg()  # other work on the machine shares its cores with both sides
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        rows = run_all(args, Path(tmp))
    facts = machine_facts(args)
    results_dir = REPO / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (results_dir / f"foundation-{stamp}.json").write_text(json.dumps({"facts": facts, "rows": rows}, indent=2))
    write_section(args.output, render(rows, facts))
    for row in rows:
        print(f"{row['endpoint']:<28} {row['tool']:<7} {row['rps']:>8.0f} req/s  p50 {row['p50_ms']:>7.2f} ms  "
              f"p99 {row['p99_ms']:>7.2f} ms  errors {row['errors']}")  # fmt: skip
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
