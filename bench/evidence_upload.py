"""What an evidence upload costs the API on the S3 path, for a 1 KiB and a 100 MiB file.

    .venv/bin/python bench/evidence_upload.py                       # Ceph RGW from S3_TEST_*, else moto
    eval "$(bash .ci/ceph-rgw.sh start)" && .venv/bin/python bench/evidence_upload.py
    .venv/bin/python bench/evidence_upload.py --sizes 1024,10485760 --large-repeat 2 --output /tmp/b.md

One run creates a throwaway PostgreSQL database and serves the app in production's shape for jobs: gunicorn
(ONE sync worker, so its memory is the request's) with STORAGE_BACKEND=s3 and JOBS_EAGER=0, and one Celery worker
(solo pool) taking the jobs from Redis. For each size it does what a phone does: `POST .../uploads` (timed: API),
a multipart POST of the file straight to the bucket (timed, but not the API's work), and
`POST /evidence/{id}/complete` (timed: API; it answers 202 `verifying` at once), then polls the item every 50 ms
until the Celery worker's verification job (a server-side copy, one streamed read + SHA-256) has stored it:
`verified ms`, counted from the end of the phone's POST. The resident memory of the gunicorn worker is sampled
every 10 ms while `complete` runs, and the Celery worker's until the item is stored. Then, in this process, it
times the two store operations the job is made of, so the table can say where the time goes. Results go to
bench/results/ and between the `evidence` markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
import run_foundation as harness  # noqa: E402  (bench/ is not a package)

BEGIN = "<!-- evidence:begin (written by bench/evidence_upload.py) -->"
END = "<!-- evidence:end -->"
READY = "/api/public/v1/readyz"
API = "/api/mp/v1"
MIB = 1024 * 1024
BROKER_URL = "redis://127.0.0.1:6379/15"  # its own database (document_push uses 11, mixed_workload 12 and 13)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"1024,{100 * MIB}", help="comma-separated file sizes in bytes")
    parser.add_argument("--small-repeat", type=int, default=20, help="uploads per size under 1 MiB")
    parser.add_argument("--large-repeat", type=int, default=3, help="uploads per size of 1 MiB or more")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)  # internal: run inside the app env
    return parser.parse_args(argv)


# -- the S3 server -----------------------------------------------------------------------------------


@contextlib.contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    """S3_TEST_* (Ceph RGW in CI) or a moto server in this process; yields the app's S3_* settings."""
    url = os.environ.get("S3_TEST_ENDPOINT_URL", "").strip()
    settings = {"S3_BUCKET": f"mc-bench-{uuid.uuid4().hex[:12]}", "S3_ADDRESSING_STYLE": "path"}
    if url:
        settings.update(
            S3_ENDPOINT_URL=url,
            S3_ACCESS_KEY=os.environ["S3_TEST_ACCESS_KEY"],
            S3_SECRET_KEY=os.environ["S3_TEST_SECRET_KEY"],
            S3_REGION=os.environ.get("S3_TEST_REGION", "us-east-1"),
            server="Ceph RGW (S3_TEST_ENDPOINT_URL)",
        )
        try:
            yield settings
        finally:
            drop_bucket(settings)
        return
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log would drown the results
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield {
            **settings,
            "S3_ENDPOINT_URL": f"http://{host}:{port}",
            "S3_ACCESS_KEY": "bench",
            "S3_SECRET_KEY": "bench-secret",
            "S3_REGION": "us-east-1",
            "server": "moto server mode (in the benchmark process)",
        }
    finally:
        server.stop()


def drop_bucket(s3: dict[str, str]) -> None:
    """Empty and delete the benchmark's bucket (a memstore RGW keeps every byte in RAM)."""
    store = store_for(s3)
    with contextlib.suppress(Exception):
        for info in list(store.list()):
            store.delete(info.key)
        store.client.delete_bucket(Bucket=store.bucket)


def store_for(s3: dict[str, str]):
    """An S3BlobStore on the benchmark bucket (for set-up and the store-side timings)."""
    from app.storage.s3 import S3BlobStore

    return S3BlobStore(
        bucket=s3["S3_BUCKET"],
        endpoint_url=s3["S3_ENDPOINT_URL"],
        region=s3["S3_REGION"],
        access_key=s3["S3_ACCESS_KEY"],
        secret_key=s3["S3_SECRET_KEY"],
        read_timeout=120,
    )


# -- the app's side ----------------------------------------------------------------------------------


def app_env(database_url: str, s3: dict[str, str], workdir: Path, largest: int) -> dict[str, str]:
    """One sync worker, generous limits and timeouts, S3 storage, the benchmark database."""
    env = {
        **os.environ,
        "MICROCOURT_ENV": "development",
        "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi",
        "STORAGE_BACKEND": "s3",
        "STORAGE_LOCAL_ROOT": str(workdir / "blobs"),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "GUNICORN_TIMEOUT": "600",
        "S3_READ_TIMEOUT": "120",
        "EVIDENCE_MAX_BYTES_VIDEO": str(largest),
        "EVIDENCE_MAX_FILES_PER_CASE": "100000",
        "EVIDENCE_MAX_BYTES_PER_USER": str(1 << 40),
        "RATELIMIT_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
        "JOBS_EAGER": "0",  # production's shape: the verification job runs in the Celery worker, not the request
        "CELERY_BROKER_URL": BROKER_URL,
    }
    env.update({name: value for name, value in s3.items() if name.startswith("S3_")})
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate, then create any table a migration does not have yet (a throwaway database)."""
    harness.migrate(env)
    script = "from app import create_app\nfrom app.extensions import db\napp = create_app()\n"
    script += "with app.app_context():\n    db.create_all()\n"
    subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True, timeout=120)


def seed(env: dict[str, str]) -> dict[str, str]:
    """A verified user with a filed case and an access token (run in a subprocess with the app's env)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), "--seed"], cwd=REPO, env=env, check=True, timeout=120,
        capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def seed_inside_app() -> None:
    """Print {"token", "case_id"} as JSON (the --seed mode)."""
    from app import create_app
    from app.cases import filing as case_filing
    from app.extensions import db
    from app.identity import login_sessions as sessions
    from app.identity.models import User
    from app.identity.organization_models import MediationOrganization
    from app.utils import clock

    app = create_app()
    with app.app_context():
        user = User(display_name="bench", real_name="张三", verification_status="verified", verified_at=clock.now())
        org = MediationOrganization(
            name="基准调委会", org_type="peoples_committee", region="浙江省", regions=["浙江省"]
        )
        db.session.add_all([user, org])
        db.session.commit()
        data = {
            "kind": "mediation", "org_id": org.id, "category": "民间借贷纠纷", "title": "基准", "claims": "归还借款",
            "facts": "借款未还", "amount": None, "consents": {"e_service": True, "online_mediation": True},
            "parties": [{"role": "applicant", "name": "张三", "is_self": True, "party_type": "person"},
                        {"role": "respondent", "name": "李四", "is_self": False, "party_type": "person"}],
        }  # fmt: skip
        case = case_filing.create_case(actor=sessions.load_principal(user), data=data)
        token = sessions.start_session(user=user, method="bench").access_token
        print(json.dumps({"token": token, "case_id": str(case.id)}))


# -- measuring ---------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if int((proc / "stat").read_text().rsplit(") ", 1)[1].split()[1]) == pid:
                    found.append(int(proc.name))
    return found


def worker_pid() -> int:
    """The single gunicorn worker: the child of the gunicorn master this process started."""
    for master in children(os.getpid()):
        with contextlib.suppress(OSError):
            if b"gunicorn" in Path(f"/proc/{master}/cmdline").read_bytes():
                workers = children(master)
                if len(workers) == 1:
                    return workers[0]
    raise SystemExit("no single gunicorn worker found")


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    """A /proc/<pid>/status memory field in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class PeakSampler:
    """Polls a process's resident memory every 10 ms while active; remembers the highest value."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._on = pid, 0, threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            if self._on.is_set():
                self.peak = max(self.peak, memory_kib(self.pid))
            time.sleep(0.01)

    @contextlib.contextmanager
    def window(self) -> Iterator[None]:
        self._on.set()
        try:
            yield
        finally:
            self._on.clear()

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2)


def content_of(size: int) -> bytes:
    """An MP4-looking file of exactly `size` bytes (an `ftyp` box, then incompressible bytes)."""
    head = (32).to_bytes(4, "big") + b"ftypisom" + b"\0\0\2\0" + b"isomiso2avc1mp41"
    return head + os.urandom(size - len(head))


@contextlib.contextmanager
def celery_worker(env: dict[str, str], log_path: Path) -> Iterator[int]:
    """One Celery worker (solo pool) on the benchmark's broker database, emptied first; yields its pid."""
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    command = [
        sys.executable, "-m", "celery", "-A", "app.jobs.worker", "worker", "--pool=solo", "--concurrency=1",
        "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=WARNING",
        f"--hostname=bench-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        redis.Redis.from_url(BROKER_URL).flushdb()


def one_upload(
    base: str, token: str, case_id: str, content: bytes, digest: str, sampler: PeakSampler, job: PeakSampler
) -> dict:
    """request -> POST to the store -> complete -> stored by the job, each timed; the item must end stored."""
    headers = {"Authorization": f"Bearer {token}"}
    declared = {"filename": "录像.mp4", "content_type": "video/mp4", "size": len(content), "sha256": digest,
                "title": "录像", "category": "视听资料", "purpose": "证明事实"}  # fmt: skip
    started = time.perf_counter()
    ticket = requests.post(f"{base}{API}/cases/{case_id}/evidence/uploads", json=declared, headers=headers, timeout=60)
    requested = time.perf_counter()
    ticket.raise_for_status()
    form = ticket.json()["upload"]
    files = {form["file_field"]: ("录像.mp4", content, "video/mp4")}
    posted = requests.post(form["url"], data=form["fields"], files=files, timeout=600)
    uploaded = time.perf_counter()
    if posted.status_code not in (200, 201, 204):
        raise SystemExit(f"the store refused the upload: {posted.status_code} {posted.text[:300]}")
    with job.window():
        with sampler.window():
            done = requests.post(f"{base}{API}/evidence/{ticket.json()['evidence_id']}/complete", headers=headers,
                                 timeout=600)  # fmt: skip
        completed = time.perf_counter()
        item = done.json() if done.status_code in (200, 202) else {}
        give_up = time.monotonic() + 600
        while item.get("status") == "verifying" and time.monotonic() < give_up:  # 202: the worker's job decides
            time.sleep(0.05)
            item = requests.get(f"{base}{API}/evidence/{item['id']}", headers=headers, timeout=60).json()
    if item.get("status") != "stored":
        raise SystemExit(f"complete failed: {done.status_code} {done.text[:300]} -> {item.get('status')}")
    return {
        "verified_ms": (time.perf_counter() - uploaded) * 1000,
        "request_ms": (requested - started) * 1000,
        "store_post_ms": (uploaded - requested) * 1000,
        "complete_ms": (completed - uploaded) * 1000,
    }


def store_side(s3: dict[str, str], content: bytes) -> dict:
    """The parts of `complete`, timed from here: a server-side copy, and one streamed read with SHA-256."""
    store = store_for(s3)
    source, target = f"bench/{uuid.uuid4().hex}", f"bench/{uuid.uuid4().hex}"
    store.put(source, content, content_type="video/mp4")
    started = time.perf_counter()
    store.copy(source, target)
    copied = time.perf_counter()
    digest = hashlib.sha256()
    for chunk in store.iter_chunks(target):
        digest.update(chunk)
    read = time.perf_counter()
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    for key in (source, target):
        store.delete(key)
    return {"copy_ms": (copied - started) * 1000, "read_hash_ms": (read - copied) * 1000}


def summarize(size: int, runs: list[dict], memory: dict[str, tuple[int, int]], parts: dict) -> dict:
    """One row of the table; `memory` maps "worker" (gunicorn's) and "job" (Celery's) to (before, peak) KiB."""
    median = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    return {
        "size": size,
        "uploads": len(runs),
        **{f"{name}_p50": value for name, value in median.items()},
        "complete_ms_max": max(run["complete_ms"] for run in runs),
        **{f"{name}_rss_before_mib": before / 1024 for name, (before, _) in memory.items()},
        **{f"{name}_rss_peak_mib": peak / 1024 for name, (_, peak) in memory.items()},
        **parts,
    }


def run_all(args: argparse.Namespace, workdir: Path) -> tuple[list[dict], dict]:
    """Serve the app on S3 and measure every size; return the rows and the S3 server's name."""
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    with s3_server() as s3, harness.throwaway_database(args.pg) as database_url:
        store_for(s3).ensure_bucket()
        env = app_env(database_url, s3, workdir, max(sizes) + MIB)
        prepare_database(env)
        seeded = seed(env)
        with (
            celery_worker(env, workdir / "worker.log") as job_pid,
            harness.gunicorn("wsgi:app", env, workdir / "app.log", READY) as base,
        ):
            pid = worker_pid()
            sampler, job = PeakSampler(pid), PeakSampler(job_pid)
            upload = (base, seeded["token"], seeded["case_id"])
            try:
                for size in sizes:
                    content = content_of(size)
                    digest = hashlib.sha256(content).hexdigest()
                    repeat = args.small_repeat if size < MIB else args.large_repeat
                    one_upload(*upload, content, digest, sampler, job)  # warm-up
                    before = {"worker": memory_kib(pid), "job": memory_kib(job_pid)}
                    sampler.peak = job.peak = 0
                    runs = [one_upload(*upload, content, digest, sampler, job) for _ in range(repeat)]
                    memory = {"worker": (before["worker"], sampler.peak), "job": (before["job"], job.peak)}
                    rows.append(summarize(size, runs, memory, store_side(s3, content)))
                    print(json.dumps(rows[-1]), flush=True)
            finally:
                sampler.close()
                job.close()
    return rows, {"server": s3["server"]}


# -- writing it down ---------------------------------------------------------------------------------


def human(size: int) -> str:
    return f"{size / MIB:g} MiB" if size >= MIB else f"{size / 1024:g} KiB"


def render(rows: list[dict], facts: dict[str, str]) -> str:
    """The markdown section: the table, then the facts."""
    lines = [
        BEGIN,
        "| file | uploads | request p50 ms | complete p50 ms | complete max ms | verified p50 ms (job) | copy ms | "
        "read+SHA-256 ms | gunicorn worker RSS before → peak MiB | Celery worker RSS before → peak MiB | "
        "phone → store POST p50 ms (not API) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {human(row['size'])} | {row['uploads']} | {row['request_ms_p50']:.1f} | {row['complete_ms_p50']:.1f} "
            f"| {row['complete_ms_max']:.1f} | {row['verified_ms_p50']:.1f} | {row['copy_ms']:.1f} "
            f"| {row['read_hash_ms']:.1f} | {row['worker_rss_before_mib']:.1f} → {row['worker_rss_peak_mib']:.1f} "
            f"| {row['job_rss_before_mib']:.1f} → {row['job_rss_peak_mib']:.1f} | {row['store_post_ms_p50']:.1f} |"
        )
    lines += ["", *(f"- **{name}**: {value}" for name, value in facts.items()), END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of path (or append it under its heading), keeping everything else."""
    heading = "## Evidence upload: what the API pays for a 1 KiB and a 100 MiB file (S3 path)"
    harness.write_marked(path, BEGIN, END, section, heading)


def main(argv: list[str] | None = None) -> int:
    """Run once and write the results."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.seed:
        seed_inside_app()
        return 0
    loadavg = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mc-bench-evidence-") as tmp:
        rows, found = run_all(args, Path(tmp))
    from importlib.metadata import version

    facts = {
        "date (UTC)": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "nproc": str(os.cpu_count()),
        "cpu": harness.cpu_model(),
        "python": harness.interpreter(),
        "S3 server": found["server"] + ", on the same machine",
        "server": f"gunicorn {version('gunicorn')}, 1 sync worker; Celery {version('celery')}, 1 worker (solo pool), "
        f"jobs queued in Redis (JOBS_EAGER=0); PostgreSQL {harness.server_version(args.pg)}; boto3 {version('boto3')}",
        "load average before the run": " ".join(f"{n:.2f}" for n in loadavg),
        "method": "sequential uploads after one warm-up per size; medians; RSS sampled every 10 ms (gunicorn's "
        "worker during complete, Celery's until the item is stored); the item polled every 50 ms",
    }
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"evidence-{stamp}.json").write_text(json.dumps({"facts": facts, "rows": rows}, indent=2))
    write_section(args.output, render(rows, facts))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
