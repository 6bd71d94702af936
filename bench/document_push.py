"""Electronic service at volume: a court system pushes 10,000 documents in batches; documents/s and latency.

    .venv/bin/python bench/document_push.py                          # 10,000 docs, batches of 100, 4 clients
    .venv/bin/python bench/document_push.py --documents 2000 --mode embedded --output /tmp/b.md

One run creates a throwaway PostgreSQL database (schema from the models with `create_all`: the Alembic
revision for the delivery tables is not written yet), seeds one court, its machine client and --cases cases
whose respondent joined and consented to e-service, and serves the app with the project's gunicorn.conf.py.
Then, per mode, --clients threads send `POST /api/court/v1/documents/batch` requests of --batch PDFs each
until --documents are accepted, and --singles single `POST /documents` with an Idempotency-Key. Every
document really is stored, hash-chained, delivered and has its notification queued.

Modes: `queued` = production shape (JOBS_EAGER=0, Celery broker in Redis: the SMS/WeChat sends and webhook
deliveries are enqueued, not run in the request; no worker runs during the measurement); `embedded` = the
one-process default (JOBS_EAGER=1: the console SMS is sent inside the request). Results go to bench/results/
and between the document-push markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
import run_foundation as harness  # noqa: E402  (bench/ is not a package)

BEGIN = "<!-- document-push:begin (written by bench/document_push.py) -->"
END = "<!-- document-push:end -->"
COURT = "/api/court/v1"
REDIS_DB_URL = "redis://127.0.0.1:6379/11"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000, help="documents pushed by batch, per mode")
    parser.add_argument("--batch", type=int, default=100, help="items per batch request")
    parser.add_argument("--clients", type=int, default=4, help="concurrent batch senders")
    parser.add_argument("--singles", type=int, default=1_000, help="single pushes per mode (8 concurrent)")
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--pdf-kib", type=int, default=20, help="size of each document")
    parser.add_argument("--mode", choices=["queued", "embedded", "both"], default="both")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md")
    return parser.parse_args(argv)


def pdf(kib: int, serial: int) -> bytes:
    """A PDF-shaped file of about `kib` KiB, unique per serial (so every SHA-256 differs)."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% document " + str(serial).encode() + b"\n"
    return head + b"%" + os.urandom(max(kib * 1024 - len(head) - 20, 16)).hex().encode()[: kib * 1024] + b"\n%%EOF\n"


def seed(env: dict[str, str], cases: int) -> dict:
    """Schema + one court, its machine client, and cases with a consenting, joined respondent (in-process)."""
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "STORAGE_LOCAL_ROOT", "MICROCOURT_ENV")})
    from app import create_app
    from app.cases.models import Case, CaseConsent, CaseParty
    from app.extensions import db
    from app.identity import machine_clients
    from app.identity.models import User
    from app.identity.organization_models import Court
    from app.utils import clock

    app = create_app()
    with app.app_context():
        db.create_all()
        court = Court(code="浙9901", name="基准测试人民法院", region="浙江省")
        db.session.add(court)
        db.session.flush()
        targets = []
        for number in range(cases):
            filer, respondent = User(display_name=f"filer{number}"), User(display_name=f"resp{number}")
            db.session.add_all([filer, respondent])
            db.session.flush()
            case = Case(
                kind="litigation", status="accepted", court_id=court.id, category="民间借贷纠纷",
                title=f"借款纠纷{number}", claims="还款", facts="借款未还", filed_by_user_id=filer.id,
                submitted_at=clock.now(), case_number=f"(2026)浙9901民初{number + 1}号",
            )  # fmt: skip
            db.session.add(case)
            db.session.flush()
            party = CaseParty(case_id=case.id, role="defendant", name=f"被告{number}", user_id=respondent.id)
            db.session.add(party)
            db.session.flush()
            db.session.add(
                CaseConsent(
                    case_id=case.id, party_id=party.id, kind="e_service", given=True, address="mini-program inbox",
                    address_confirmed=True, method="mini_program", recorded_by=respondent.id, given_at=clock.now(),
                )
            )  # fmt: skip
            targets.append({"case_id": str(case.id), "recipient_party_id": str(party.id)})
        db.session.commit()
        issued = machine_clients.create_client(court_id=court.id, name="bench court system", actor=None)
        return {"targets": targets, "client_id": issued.client.client_id, "secret": issued.client_secret}


def token(base: str, seeded: dict) -> dict[str, str]:
    """A machine token for the court system."""
    answer = requests.post(
        f"{base}{COURT}/auth/token",
        json={"client_id": seeded["client_id"], "client_secret": seeded["secret"]},
        timeout=30,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _meta(seeded: dict, serial: int) -> dict:
    target = seeded["targets"][serial % len(seeded["targets"])]
    return {**target, "doc_type": "complaint_copy", "title": f"起诉状副本{serial}"}


def run_batches(base: str, headers: dict, seeded: dict, args: argparse.Namespace, run: str) -> dict:
    """--documents documents in batches from --clients threads; batch latency and documents/s."""
    batches = [
        list(range(start, min(start + args.batch, args.documents))) for start in range(0, args.documents, args.batch)
    ]
    bodies = []
    for serials in batches:  # built before the clock starts
        items = [{"idempotency_key": f"{run}-{n}", "file": f"f{n}", "meta": _meta(seeded, n)} for n in serials]
        files = {f"f{n}": (f"{n}.pdf", pdf(args.pdf_kib, n), "application/pdf") for n in serials}
        bodies.append(({"items": json.dumps(items, ensure_ascii=False)}, files))
    return _drive(
        bodies,
        args.clients,
        lambda s, b: s.post(f"{base}{COURT}/documents/batch", data=b[0], files=b[1], headers=headers, timeout=300),
        count=lambda r: sum(1 for i in r.json()["items"] if i["status"] == 201),
    )


def run_singles(base: str, headers: dict, seeded: dict, args: argparse.Namespace, run: str) -> dict:
    """--singles single pushes from 8 threads, each with its own Idempotency-Key."""
    bodies = []
    for n in range(args.singles):
        meta = json.dumps(_meta(seeded, 10_000_000 + n), ensure_ascii=False)
        bodies.append(
            (
                f"{run}-single-{n}",
                {"meta": meta},
                {"file": (f"{n}.pdf", pdf(args.pdf_kib, 10_000_000 + n), "application/pdf")},
            )
        )

    def send(session: requests.Session, body: tuple) -> requests.Response:
        key, data, files = body
        return session.post(
            f"{base}{COURT}/documents", data=data, files=files, headers={**headers, "Idempotency-Key": key}, timeout=60
        )

    return _drive(bodies, 8, send, count=lambda r: 1 if r.status_code == 201 else 0)


def _drive(bodies: list, clients: int, send, *, count) -> dict:
    """Send every body once from `clients` threads (closed loop); latency per request, accepted documents."""
    lock, cursor, latencies, accepted, errors = threading.Lock(), iter(bodies), [], [0], [0]

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                body = next(cursor, None)
            if body is None:
                return
            started = time.perf_counter()
            response = send(session, body)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                if response.ok:
                    accepted[0] += count(response)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(bodies),
        "accepted": accepted[0],
        "errors": errors[0],
        "seconds": round(wall, 2),
        "docs_per_s": round(accepted[0] / wall, 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(harness.load.percentile(ordered, 0.99), 1),
        "max_ms": round(ordered[-1], 1),
    }


def check(env: dict[str, str], expected: int) -> dict:
    """After the runs: every accepted document is in the database, delivered, and a sample of chains verifies."""
    from sqlalchemy import func, select

    from app import create_app
    from app.documents import chain as delivery_chain
    from app.documents.models import ServedDocument
    from app.extensions import db

    app = create_app()
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(ServedDocument))
        delivered = db.session.scalar(
            select(func.count()).select_from(ServedDocument).where(ServedDocument.status == "delivered")
        )
        sample = db.session.scalars(select(ServedDocument).order_by(func.random()).limit(200)).all()
        broken = sum(1 for document in sample if delivery_chain.verify_document(document) is not None)
    return {"documents": total, "delivered": delivered, "expected": expected, "sampled_chains_broken": broken}


def serve_env(database_url: str, workdir: Path, mode: str) -> dict[str, str]:
    """The server's environment for a mode."""
    env = harness.base_env(database_url, workdir)
    env.update(MACHINE_TOKEN_TTL_SECONDS="7200", LOG_LEVEL="INFO", MAX_CONTENT_LENGTH=str(64 * 1024 * 1024))
    if mode == "queued":  # production's shape: limits shared in Redis, so gunicorn runs all its workers
        env.update(JOBS_EAGER="0", CELERY_BROKER_URL=REDIS_DB_URL, RATELIMIT_STORAGE_URI=LIMITS_URL)
    else:
        env.update(JOBS_EAGER="1", CELERY_BROKER_URL="memory://")
    return env


LIMITS_URL = "redis://127.0.0.1:6379/14"  # its own database: clear_queue() empties REDIS_DB_URL's


def clear_queue() -> None:
    """Drop the jobs the queued mode left in its Redis database (nothing else uses it)."""
    import redis

    redis.Redis.from_url(REDIS_DB_URL).flushdb()


def run_all(args: argparse.Namespace, workdir: Path) -> list[dict]:
    """Seed once per mode on a fresh database, then measure batches and single pushes."""
    rows = []
    modes = ["queued", "embedded"] if args.mode == "both" else [args.mode]
    for mode in modes:
        with harness.throwaway_database(args.pg) as database_url:
            env = serve_env(database_url, workdir / mode, mode)
            seeded = seed(env, args.cases)
            try:
                with harness.gunicorn("wsgi:app", env, workdir / f"{mode}.log", "/api/public/v1/healthz") as base:
                    headers = token(base, seeded)
                    batch = run_batches(base, headers, seeded, args, run=f"{mode}-{uuid.uuid4().hex[:6]}")
                    single = run_singles(base, headers, seeded, args, run=f"{mode}-{uuid.uuid4().hex[:6]}")
                verified = check(env, batch["accepted"] + single["accepted"])
            finally:
                if mode == "queued":
                    clear_queue()
        rows.append({"mode": mode, "kind": f"batch of {args.batch}", **batch, **verified})
        rows.append({"mode": mode, "kind": "single", **single, **verified})
    return rows


def render(rows: list[dict], facts: dict[str, str]) -> str:
    """The markdown section."""
    lines = [
        BEGIN,
        "| mode | request | documents accepted | documents/s | p50 ms | p99 ms | max ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['mode']} | {row['kind']} | {row['accepted']} | {row['docs_per_s']:.0f} | {row['p50_ms']:.0f} "
            f"| {row['p99_ms']:.0f} | {row['max_ms']:.0f} | {row['errors']} |"
        )
    lines += ["", *(f"- **{name}**: {value}" for name, value in facts.items()), END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of path (or append it under its heading), keeping everything else."""
    harness.write_marked(path, BEGIN, END, section, "## Electronic service: pushing 10,000 documents")


def main(argv: list[str] | None = None) -> int:
    """Run once and write the results."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    loadavg = os.getloadavg()
    reference = harness.references()
    with tempfile.TemporaryDirectory(prefix="mc-bench-push-") as tmp:
        rows = run_all(args, Path(tmp))
    conf = harness.gunicorn_settings({"RATELIMIT_STORAGE_URI": LIMITS_URL})  # the queued mode's shape (serve_env)
    facts = {
        "date (UTC)": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, {harness.cpu_model()}; client, gunicorn, PostgreSQL and Redis share them",
        "python": harness.interpreter(),
        "server": f"gunicorn {conf['workers']} workers x {conf['threads']} threads, "
        f"PostgreSQL {harness.server_version(args.pg)}, local-disk blob store (fsync per file)",
        "load": f"{args.documents} documents per mode in batches of {args.batch} from {args.clients} clients; "
        f"{args.singles} single pushes from 8 clients; {args.pdf_kib} KiB PDFs; {args.cases} cases",
        "load average before the run": " ".join(f"{n:.2f}" for n in loadavg),
        "reference before the run (compute / memory)": f"{reference} ms (bench/run_foundation.references;"
        " this VM drifts: runs compare only when both agree)",
        "after each mode": "; ".join(
            f"{row['mode']}: {row['documents']} documents in the database, {row['delivered']} delivered, "
            f"{row['sampled_chains_broken']} of 200 sampled chains broken"
            for row in rows[::2]
        ),
    }
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"document_push-{stamp}.json").write_text(
        json.dumps({"facts": facts, "rows": rows}, indent=2, ensure_ascii=False)
    )
    write_section(args.output, render(rows, facts))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
