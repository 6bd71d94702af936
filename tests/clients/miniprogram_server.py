"""Serve the real app on 127.0.0.1 for the mini-program client's Node tests, run them, and answer their result.

`python -m tests.clients.miniprogram_server` (what `make clients-test` runs): a fresh SQLite database and
local store in a temporary folder, a dispute whose applicant has several login sessions (one per test file, since
refresh tokens rotate), the app behind a thin front that a test can ask to answer 503/429 with Retry-After
(`POST /_test/refuse`), then `node --test` in clients/miniprogram with MC_BASE_URL, MC_FIXTURES (JSON) and
MC_OPENAPI (the published document, for the test that the generated types are current).
`--dump-openapi PATH` only writes the published document (for `make clients-types`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "miniprogram"
SESSIONS = ("refresh", "concurrent", "retry", "upload", "types")


class Front:
    """The app, and `POST /_test/refuse [[status, retry_after], ...]`: refuse the next API requests that way."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.refusals: list[tuple[int, str]] = []
        self.keys: list[str | None] = []

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/_test/refuse":
            with self.lock:
                self.refusals = [(int(s), str(a)) for s, a in json.loads(request.get_data() or b"[]")]
                self.keys = []
            return Response("{}", mimetype="application/json")(environ, start_response)
        if request.path == "/_test/keys":
            with self.lock:
                return Response(json.dumps(self.keys), mimetype="application/json")(environ, start_response)
        with self.lock:
            self.keys.append(request.headers.get("Idempotency-Key"))
            refusal = self.refusals.pop(0) if self.refusals and request.path.startswith("/api/") else None
        if refusal is not None:
            status, after = refusal
            body = json.dumps({"code": status, "status": "busy", "reason": "test.busy", "message": "busy"})
            return Response(body, status=status, headers={"Retry-After": after}, mimetype="application/json")(
                environ, start_response
            )
        return self.app(environ, start_response)


def _app(folder: Path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{folder / 'app.db'}", folder, STORAGE_BACKEND="local")
    return app


def _world(app) -> dict:
    from sqlalchemy import select

    from app.cases.models import CaseParty
    from app.extensions import db
    from tests.support.cases import file_case
    from tests.support.factories import login_pair, make_court, make_org, make_user

    db.create_all()
    applicant, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = file_case(applicant, court=make_court(), org=make_org())
    for party in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id)):
        if party.user_id is None:
            party.user_id = respondent.id
    db.session.commit()
    sessions = {}
    for name in SESSIONS:
        pair = login_pair(applicant)
        sessions[name] = {"access_token": pair.access_token, "refresh_token": pair.refresh_token}
    return {"case_id": str(case.id), "sessions": sessions}


def dump_openapi(path: Path) -> None:
    """Write the published document as `GET /api/openapi.json` answers it."""
    with tempfile.TemporaryDirectory() as folder:
        _write_openapi(_app(Path(folder)), path)


def _write_openapi(app, path: Path) -> None:
    document = app.test_client().get("/api/openapi.json").get_json()
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run_node_tests(node_args: list[str]) -> int:
    """Serve the app, run `node --test` against it, answer node's exit code."""
    from app.extensions import storage
    from tests.integration.evidence import samples
    from tests.support.live_server import live_server

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app = _app(folder)
        openapi = folder / "openapi.json"
        _write_openapi(app, openapi)
        with app.app_context():
            fixtures = _world(app)
        sample = folder / "借条.pdf"
        sample.write_bytes(samples.pdf(pages=1))
        fixtures["pdf_path"] = str(sample)
        front = Front(app)
        with live_server(front) as server:
            app.config.update(PUBLIC_BASE_URL=server.url, STORAGE_PUBLIC_BASE_URL=server.url)
            with app.app_context():
                storage.init_app(app)
            env = {
                **os.environ,
                "MC_BASE_URL": server.url,
                "MC_FIXTURES": json.dumps(fixtures),
                "MC_OPENAPI": str(openapi),
            }
            command = ["node", "--test", *(node_args or ["test/"])]
            return subprocess.run(command, cwd=CLIENT, env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump-openapi", type=Path, help="only write the published document here")
    parser.add_argument("node_args", nargs="*", help="passed to node --test (default: test/)")
    args = parser.parse_args()
    os.environ.setdefault("MICROCOURT_ENV", "testing")
    if args.dump_openapi:
        dump_openapi(args.dump_openapi)
        return 0
    return run_node_tests(args.node_args)


if __name__ == "__main__":
    sys.exit(main())
