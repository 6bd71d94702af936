"""Load a PostgreSQL database with a national-scale Micro Court (13.6 million disputes) using COPY.

    .venv/bin/python bench/national_scale.py --database mc_scale_10k --cases 10000
    .venv/bin/python bench/national_scale.py --database mc_scale_national              # 13.6 M cases
    .venv/bin/python bench/hot_reads.py --database mc_scale_10k --database mc_scale_national

The database is created (dropped first with --fresh) and migrated with `flask db upgrade`, so the schema
is exactly production's. Then, for speed, the secondary indexes, unique and foreign-key constraints of the
loaded tables are dropped, every table is filled by COPY ... FREEZE (one connection per table, fed while
the rows are generated, see bench/scale_data.py for the shape of the data), the indexes and unique
constraints are rebuilt from their saved definitions, the foreign keys re-added NOT VALID (the generator
makes them true; validating 60 M rows would add minutes and change no plan), and VACUUM ANALYZE runs.
A row in `bench_manifest` records what was loaded and how long each step took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import psycopg
from psycopg.copy import QueuedLibpqWriter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
import run_foundation as harness  # noqa: E402  (bench/ is not a package)
import scale_data  # noqa: E402

FLUSH_BYTES = 4 << 20
POOL = 512


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="database to create and load")
    parser.add_argument("--cases", type=int, default=13_600_000)
    parser.add_argument("--fresh", action="store_true", help="drop the database first if it exists")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def create(args: argparse.Namespace) -> str:
    """Create (or re-create) the database and migrate it; return its URL."""
    with psycopg.connect(args.pg, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.database,)).fetchone()
        if exists and not args.fresh:
            raise SystemExit(f"database {args.database} exists; pass --fresh to drop and reload it")
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    url = f"{args.pg.rsplit('/', 1)[0]}/{args.database}"
    harness.migrate(harness.base_env(url, Path("/tmp")))
    return url


def pools(url: str) -> scale_data.Pools:
    """Real ciphertexts and blind indexes from the app's own cipher (development keys, as the bench app uses)."""
    os.environ.update(MICROCOURT_ENV="development", DATABASE_URL=url)
    from app import create_app
    from app.security import pii

    made = scale_data.Pools()
    with create_app().app_context():
        for n in range(POOL):
            phone = f"13{n % 10}{n:08d}"
            number = f"33020319{80 + n % 20}0{1 + n % 9}{10 + n % 18}{n % 1000:03d}0"
            made.phones.append((pii.encrypt(phone, field=pii.PHONE), pii.blind_index(phone, field=pii.PHONE)))
            made.ids.append((pii.encrypt(number, field=pii.ID_NUMBER), number[:6] + f"{n:058x}"))
    return made


def working_days(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    """The holiday calendar the app uses (chinesecalendar), day by day."""
    from app.legal.calendar import CalendarNotCovered, day_kind

    days, day = {}, first
    while day <= last:
        try:
            days[day] = day_kind(day).is_working_day
        except CalendarNotCovered:
            days[day] = day.weekday() < 5
        day += dt.timedelta(days=1)
    return days


TABLES = [*scale_data.DIRECTORY_TABLES, *scale_data.CASE_TABLES]


def drop_secondary(conn: psycopg.Connection) -> list[str]:
    """Drop the loaded tables' foreign keys, unique constraints and plain indexes; return how to rebuild them."""
    rebuild_indexes, rebuild_unique, rebuild_fks = [], [], []
    constraints = conn.execute(
        """SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
           FROM pg_constraint c WHERE c.contype IN ('f', 'u')
           AND (c.conrelid::regclass::text = ANY(%s) OR c.confrelid::regclass::text = ANY(%s))""",
        (TABLES, TABLES),
    ).fetchall()
    for table, name, kind, definition in constraints:
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        target = rebuild_fks if kind == "f" else rebuild_unique
        suffix = " NOT VALID" if kind == "f" else ""
        target.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}{suffix}')
    indexes = conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        (TABLES,),
    ).fetchall()
    for name, definition in indexes:
        conn.execute(f'DROP INDEX "{name}"')
        rebuild_indexes.append(definition)
    return rebuild_indexes + rebuild_unique + rebuild_fks


class Loader:
    """One COPY per table, each on its own connection, fed in chunks as rows are generated."""

    def __init__(self, url: str, tables: dict[str, str]) -> None:
        self.streams, self.buffers, self.sizes, self.rows = {}, {}, {}, {}
        for table, columns in tables.items():
            conn = psycopg.connect(url)
            conn.execute("SET synchronous_commit = off")
            conn.execute(f'TRUNCATE "{table}"')
            cursor = conn.cursor()
            cols = ", ".join(columns.split())
            context = cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN (FREEZE)', writer=QueuedLibpqWriter(cursor))
            self.streams[table] = (conn, context, context.__enter__())
            self.buffers[table], self.sizes[table], self.rows[table] = [], 0, 0

    def sink(self) -> dict[str, list[str]]:
        return self.buffers

    def flush(self, force: bool = False) -> None:
        for table, buffer in self.buffers.items():
            if not buffer:
                continue
            size = sum(map(len, buffer)) if force else self.sizes[table] + len(buffer) * 200
            if force or size >= FLUSH_BYTES:
                self.streams[table][2].write("".join(buffer))
                self.rows[table] += len(buffer)
                buffer.clear()
                self.sizes[table] = 0

    def close(self) -> dict[str, int]:
        self.flush(force=True)
        for conn, context, _copy in self.streams.values():
            context.__exit__(None, None, None)
            conn.commit()
            conn.close()
        return self.rows


def load(url: str, plan: scale_data.Plan) -> dict:
    timings = {}
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        rebuild = drop_secondary(conn)
    log(f"dropped {len(rebuild)} secondary indexes and constraints")
    loader = Loader(url, scale_data.DIRECTORY_TABLES)
    scale_data.directory(plan, loader.sink(), loader.flush)
    counts = loader.close()
    timings["directory_s"] = round(time.monotonic() - started, 1)
    log(f"directory loaded: {counts}")

    started = time.monotonic()
    loader = Loader(url, scale_data.CASE_TABLES)
    generator = scale_data.CaseRows(plan)
    sink = loader.sink()
    step = max(1, plan.cases // 20)
    for i in range(plan.cases):
        generator.emit(i, sink)
        if i % 2_000 == 1_999:
            loader.flush()
        if i % step == step - 1:
            log(f"  cases {i + 1:,} / {plan.cases:,} ({time.monotonic() - started:.0f} s)")
    for n in range(max(1, plan.cases // 27)):
        generator.hotline(n, sink)
        if n % 2_000 == 1_999:
            loader.flush()
    counts.update(loader.close())
    timings["copy_s"] = round(time.monotonic() - started, 1)
    log(f"rows loaded: {counts}")

    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for statement in rebuild:
            conn.execute(statement)
    timings["indexes_s"] = round(time.monotonic() - started, 1)
    log("indexes and constraints rebuilt")
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    timings["vacuum_analyze_s"] = round(time.monotonic() - started, 1)
    log("vacuum analyze done")
    return {"rows": counts, "timings": timings}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    url = create(args)
    log(f"created and migrated {args.database}")
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    made = pools(url)
    days = max(30, round(args.cases / scale_data.PER_DAY))
    last = now.astimezone(scale_data.SHANGHAI).date()
    calendar = working_days(last - dt.timedelta(days=days + 60), last + dt.timedelta(days=30))
    plan = scale_data.Plan(args.cases, now, calendar, made)
    result = load(url, plan)
    manifest = {
        "cases": args.cases,
        "days": plan.days,
        "first_day": plan.first_day.isoformat(),
        "end": now.isoformat(),
        "citizens": plan.citizens,
        "lawyers": plan.lawyers,
        **result,
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_manifest (loaded_at timestamptz DEFAULT now(), manifest jsonb)")
        conn.execute("INSERT INTO bench_manifest (manifest) VALUES (%s)", (json.dumps(manifest),))
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    log(f"done: {json.dumps(manifest)}; database size {size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
