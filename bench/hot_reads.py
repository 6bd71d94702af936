"""The hot reads at 10 thousand vs 13.6 million cases: p50/p99 per endpoint, and the plans behind them.

    .venv/bin/python bench/hot_reads.py --database mc_scale_10k --database mc_scale_national

Databases come from bench/national_scale.py. For each one, the app (development settings, that database)
runs in this process and every request goes through the whole stack (routing, JWT, authorization,
SQL, serialization) via Flask's test client, so the numbers are the server's own cost without network or
gunicorn. Actors are sampled from the data: citizens with a typical number of cases and repeat filers with
hundreds, mediators with sessions this week, clerks of the busiest and of random courts, recipients of
served documents. Each actor is logged in once (a real session and token) before timing.

Then every SQL statement one representative request of each endpoint ran is captured and explained with
EXPLAIN (ANALYZE, BUFFERS) on the largest database: docs/scale-plans.md. The table of timings goes between
the national-scale markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
import run_foundation as harness  # noqa: E402  (bench/ is not a package)

BEGIN = "<!-- national-scale:begin (written by bench/hot_reads.py) -->"
END = "<!-- national-scale:end -->"
PLAN_TABLES = ("cases", "case_parties", "case_agents", "mediation_sessions", "served_documents", "hotline_calls")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", required=True, help="repeat: smallest first")
    parser.add_argument("--actors", type=int, default=100, help="sampled actors per endpoint")
    parser.add_argument("--rounds", type=int, default=2, help="requests per actor")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--plans", type=Path, default=REPO / "docs" / "scale-plans.md")
    return parser.parse_args(argv)


def sample(conn, actors: int) -> dict[str, list[tuple[str, str]]]:
    """(user id, request path) pairs per hot read, drawn from the data."""
    now = dt.datetime.now(dt.UTC)
    week_from = now.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(hour=0, minute=0, second=0, microsecond=0)
    week = f"from={week_from.isoformat()}&to={(week_from + dt.timedelta(days=7)).isoformat()}".replace("+", "%2B")

    def rows(sql: str, *params) -> list:
        return conn.execute(sql, params).fetchall()

    heavy = rows(
        "SELECT user_id FROM case_parties TABLESAMPLE SYSTEM_ROWS(%s) WHERE party_type = 'organization'"
        " AND user_id IS NOT NULL GROUP BY user_id LIMIT %s",
        actors * 50,
        max(5, actors // 5),
    )
    typical = [
        row
        for row in rows("SELECT DISTINCT filed_by_user_id FROM cases TABLESAMPLE SYSTEM_ROWS(%s)", actors * 3)
        if row not in heavy
    ][:actors]
    mediators = rows(
        "SELECT DISTINCT mediator_user_id FROM mediation_sessions WHERE status = 'scheduled'"
        " AND starts_at >= %s AND starts_at < %s LIMIT %s",
        week_from,
        week_from + dt.timedelta(days=7),
        actors,
    )
    busy_courts = rows(
        "SELECT court_id FROM cases WHERE kind = 'litigation' AND status = 'submitted'"
        " GROUP BY court_id ORDER BY count(*) DESC LIMIT %s",
        actors // 2,
    )
    random_courts = rows("SELECT id FROM courts ORDER BY random() LIMIT %s", actors // 2)
    clerks = rows(
        "SELECT DISTINCT ON (court_id) user_id, court_id FROM court_memberships WHERE role = 'clerk'"
        " AND court_id = ANY(%s) ORDER BY court_id, user_id",
        [c for (c,) in busy_courts + random_courts],
    )
    recipients = rows(
        "SELECT DISTINCT p.user_id FROM served_documents d TABLESAMPLE SYSTEM_ROWS(%s)"
        " JOIN case_parties p ON p.id = d.recipient_party_id WHERE p.user_id IS NOT NULL",
        actors * 3,
    )[:actors]
    today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    year_ago = (today - dt.timedelta(days=364)).isoformat()
    court_for_stats = [(c, u) for u, c in clerks]
    return {
        "party case list (typical citizen)": [(str(u), "/api/mp/v1/cases?limit=20") for (u,) in typical],
        "party case list (repeat filer)": [(str(u), "/api/mp/v1/cases?limit=20") for (u,) in heavy],
        "mediator schedule (this week)": [(str(u), f"/api/mp/v1/me/schedule?{week}") for (u,) in mediators],
        "clerk review queue": [(str(u), "/api/court/v1/filings?status=submitted&limit=20") for u, _c in clerks],
        "recipient inbox": [(str(u), "/api/mp/v1/documents?limit=20") for (u,) in recipients],
        "stats, national, 30 days": [(None, "/api/public/v1/stats")] * 10,
        "stats, national, 365 days": [(None, f"/api/public/v1/stats?from={year_ago}")] * 5,
        "stats, one court, 30 days": [(str(u), f"/api/court/v1/stats?court_id={c}") for c, u in court_for_stats[:20]],
    }


def measure_database(url: str, args: argparse.Namespace, capture: bool) -> tuple[dict, dict]:
    """Timings per hot read on one database (and, if asked, the SQL of one request of each)."""
    import psycopg
    from sqlalchemy import event

    os.environ.update(MICROCOURT_ENV="development", DATABASE_URL=url, RATELIMIT_ENABLED="0", LOG_LEVEL="WARNING")
    from app import create_app
    from app.extensions import db
    from app.identity import login_sessions as sessions
    from app.identity.models import User

    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS tsm_system_rows")
        plan = sample(conn, args.actors)
        cases = conn.execute("SELECT manifest->>'cases' FROM bench_manifest ORDER BY loaded_at DESC LIMIT 1").fetchone()
    app = create_app()
    results, statements = {}, {}
    with app.app_context():
        tokens = {}
        for pairs in plan.values():
            for user_id, _path in pairs:
                if user_id and user_id not in tokens:
                    user = db.session.get(User, user_id)
                    tokens[user_id] = sessions.start_session(user=user, method="bench").access_token
        db.session.remove()
    client = app.test_client()
    for name, pairs in plan.items():
        if not pairs:
            results[name] = None
            continue
        timings, sizes, failures = [], [], 0
        for round_no in range(args.rounds + 1):
            for user_id, path in pairs:
                headers = {"Authorization": f"Bearer {tokens[user_id]}"} if user_id else {}
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    failures += 1
                    continue
                if round_no:  # round 0 warms caches
                    timings.append(elapsed)
                    body = response.get_json()
                    sizes.append(len(body.get("items", [])) if isinstance(body, dict) else 0)
        results[name] = summarize(timings, sizes, failures, len(pairs))
        if capture:
            statements[name] = capture_sql(app, client, pairs[len(pairs) // 2], tokens, event, db)
    return {"cases": int(cases[0]), "results": results}, statements


def capture_sql(app, client, pair, tokens, event, db) -> list[tuple[str, object]]:
    """The statements one request runs that touch the big tables."""
    seen = []

    def listener(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT") and any(f" {t}" in statement for t in PLAN_TABLES):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        user_id, path = pair
        client.get(path, headers={"Authorization": f"Bearer {tokens[user_id]}"} if user_id else {})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def explain(app_url: str, statements: dict) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every captured statement, as markdown."""
    import psycopg

    out = []
    with psycopg.connect(app_url.replace("+psycopg", "")) as conn:
        for name, captured in statements.items():
            out.append(f"## {name}\n")
            for statement, parameters in captured:
                rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", parameters).fetchall()
                sql = " ".join(statement.split())
                out.append(f"```sql\n{sql[:1500]}\n```\n\n```\n" + "\n".join(r[0] for r in rows) + "\n```\n")
    return "\n".join(out)


def summarize(timings: list[float], sizes: list[int], failures: int, actors: int) -> dict:
    ordered = sorted(timings)
    if not ordered:
        return {"actors": actors, "failures": failures}
    return {
        "actors": actors,
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "max_ms": round(ordered[-1], 1),
        "items": round(statistics.mean(sizes), 1) if sizes else 0,
        "failures": failures,
    }


def render(runs: list[dict], facts: dict) -> str:
    names = list(runs[0]["results"])
    head = " | ".join(f"{run['cases']:,} cases: p50 / p99 ms (items per answer)" for run in runs)
    lines = [BEGIN, "", f"Measured {facts['when']} on {facts['machine']}, PostgreSQL {facts['pg']}.", ""]
    lines += [f"| hot read | {head} |", "| --- |" + " --- |" * len(runs)]
    for name in names:
        cells = []
        for run in runs:
            r = run["results"].get(name)
            if not r or "p50_ms" not in r:
                cells.append("n/a")
            else:
                bad = f", {r['failures']} failed" if r["failures"] else ""
                items = f" ({r['items']}{bad})" if r["items"] or bad else ""
                cells.append(f"{r['p50_ms']} / {r['p99_ms']}{items}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", END]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of path (or append it under its heading), keeping everything else."""
    harness.write_marked(path, BEGIN, END, section, "## National scale: hot reads at 10 thousand vs 13.6 million cases")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    base = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    runs, statements = [], {}
    for index, name in enumerate(args.database):
        url = f"{base}/{name}"
        last = index == len(args.database) - 1
        run, captured = measure_database(url, args, capture=last)
        runs.append(run)
        print(name, run, flush=True)
        if last:
            statements = captured
            plans = explain(url, statements)
    facts = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {harness.cpu_model()}",
        "pg": harness.server_version(args.pg),
    }
    write_section(args.output, render(runs, facts))
    args.plans.write_text(
        "# Query plans of the hot reads at national scale\n\nWritten by `bench/hot_reads.py` (EXPLAIN ANALYZE, "
        f"BUFFERS) on {args.database[-1]} ({runs[-1]['cases']:,} cases), {facts['when']}.\n\n" + plans,
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
