"""Evidence over real HTTP: the app served on 127.0.0.1 with the local store or a real S3 server (Ceph RGW or
moto), a dispute with two joined parties, and a phone that does exactly what `wx.uploadFile` does."""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from app.cases.models import Case, CaseAgent, CaseParty
from app.evidence.models import EvidenceItem
from app.extensions import db, storage
from app.storage.base import BlobStore
from tests.integration.evidence import samples
from tests.integration.evidence.flaky_proxy import FlakyProxy
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_org, make_user
from tests.support.live_server import live_server
from tests.support.storage_servers import MOTO_SKIP_REASON, drop_bucket

API = "/api/mp/v1"
ERROR_SHAPE = {"code", "status", "reason", "message", "errors", "request_id"}


@dataclasses.dataclass
class Env:
    """The app on a live socket, its store, and whether that store enforces signed POST policies."""

    kind: str
    app: Flask
    url: str
    store: BlobStore
    enforcing: bool

    def api(self, method: str, path: str, headers: dict, **kwargs) -> requests.Response:
        """Call the API over HTTP, as the mini-program's wx.request does."""
        with requests.request(method, self.url + API + path, headers=headers, timeout=60, **kwargs) as response:
            response.content  # noqa: B018 - read it all so the connection is released
        return response

    def keys(self, case_id: uuid.UUID) -> list[str]:
        """Every object under the case's evidence prefix."""
        return sorted(info.key for info in self.store.list(f"cases/{case_id}/evidence/"))

    def require_enforcement(self) -> None:
        """Skip (never pass vacuously) where the store does not enforce POST policies."""
        if not self.enforcing:
            pytest.skip(MOTO_SKIP_REASON)


def serve(app: Flask, kind: str, request: pytest.FixtureRequest, store: BlobStore | None = None) -> Iterator[Env]:
    """Serve the test's app on a socket, with the local store at that address or the given S3 store."""
    with live_server(app=app) as server:
        if kind == "local":
            app.config.update(PUBLIC_BASE_URL=server.url, STORAGE_PUBLIC_BASE_URL=server.url, STORAGE_BACKEND="local")
            storage.init_app(app)
            enforcing = True
        else:
            store = store or request.getfixturevalue("s3_store")
            app.config["STORAGE_BACKEND"] = "s3"
            app.extensions["microcourt.storage"] = store
            enforcing = not request.getfixturevalue("s3_endpoint").is_moto
        yield Env(kind, app, server.url, storage.store, enforcing)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def env(app: Flask, request: pytest.FixtureRequest) -> Iterator[Env]:
    """Each store in turn, reached the way a phone reaches it."""
    yield from serve(app, request.param, request)


@pytest.fixture
def local_env(app: Flask, request: pytest.FixtureRequest) -> Iterator[Env]:
    """The local store only, for rules that do not depend on the store."""
    yield from serve(app, "local", request)


@dataclasses.dataclass
class Dispute:
    """A mediation with both parties joined, a mediator, and people with no part in its evidence."""

    case: Case
    applicant: object
    respondent: object
    applicant_party: uuid.UUID
    respondent_party: uuid.UUID
    headers: dict[str, dict[str, str]]
    users: dict[str, object]


@pytest.fixture
def dispute(app: Flask) -> Dispute:
    """张三 (applicant) v. 李四 (respondent, with a lawyer), mediated at a court-linked organisation."""
    court, org = make_court(), make_org()
    applicant, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    people = {name: make_user() for name in ("lawyer", "mediator", "clerk", "org_admin", "outsider", "other_clerk")}
    grant(people["lawyer"], role="lawyer")
    grant(people["mediator"], role="mediator", org=org)
    grant(people["clerk"], role="clerk", court=court)
    grant(people["org_admin"], role="org_admin", org=org)
    grant(people["other_clerk"], role="clerk", court=make_court())
    case = file_case(applicant, court=court, org=org)
    parties = {party.role: party for party in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))}
    parties["respondent"].user_id = respondent.id
    db.session.add(
        CaseAgent(
            case_id=case.id,
            party_id=parties["respondent"].id,
            lawyer_user_id=people["lawyer"].id,
            authority="general",
            status="active",
        )
    )
    case.mediator_user_id = people["mediator"].id
    db.session.commit()
    headers = {name: login(user) for name, user in people.items()}
    headers.update(applicant=login(applicant), respondent=login(respondent))
    people.update(applicant=applicant, respondent=respondent)
    return Dispute(case, applicant, respondent, parties["applicant"].id, parties["respondent"].id, headers, people)


def declaration(content: bytes, **overrides) -> dict:
    """What the phone declares for a file (JSON-ready)."""
    body = {
        "filename": "借条.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": samples.sha256(content),
        "title": "借条",
        "category": "书证",
        "purpose": "证明被申请人向申请人借款12000元",
    }
    body.update(overrides)
    return body


def post_form(
    upload: dict,
    content: bytes,
    *,
    part_type: str = "application/pdf",
    name: str = "tmp_1.pdf",
    change: dict | None = None,
) -> requests.Response:
    """Exactly what wx.uploadFile sends: the form's fields, then one file part named as the form says."""
    assert upload["method"] == "POST"
    data = {**upload["fields"], **(change or {})}
    files = {upload["file_field"]: (name, content, part_type)}
    with requests.post(upload["url"], data=data, files=files, timeout=60) as response:
        response.content  # noqa: B018
    return response


def fetch(url: str) -> requests.Response:
    """What wx.downloadFile does with a link."""
    with requests.get(url, timeout=60) as response:
        response.content  # noqa: B018
    return response


def upload(
    env: Env, headers: dict, case_id: uuid.UUID, content: bytes, *, part_type: str | None = None, **declared
) -> dict:
    """Request a form, post the file with it, complete: the whole phone flow; returns the completed item."""
    body = declaration(content, **declared)
    ticket = env.api("POST", f"/cases/{case_id}/evidence/uploads", headers, json=body)
    assert ticket.status_code == 201, ticket.text
    posted = post_form(ticket.json()["upload"], content, part_type=part_type or body["content_type"])
    assert posted.status_code in (200, 201, 204), posted.text
    done = complete(env, headers, ticket.json()["evidence_id"])
    assert done.status_code == 200, done.text
    return done.json()


def complete(env: Env, headers: dict, evidence_id: str) -> requests.Response:
    """Complete as the phone does, then ask again for the decision.

    The first call answers 202 `verifying`; the verification job runs after that request's transaction
    (JOBS_EAGER), so the second call finds the item decided and answers 200 with it (a call that failed,
    409 or 503, is returned as it is).
    """
    url = f"/evidence/{evidence_id}/complete"
    first = env.api("POST", url, headers)
    if first.status_code != 202:
        return first
    assert first.json()["status"] == "verifying", first.text
    return env.api("POST", url, headers)


def row(evidence_id: str) -> EvidenceItem:
    """The item as the database has it now (the test thread's session sees the server's latest commits)."""
    db.session.rollback()
    return db.session.get(EvidenceItem, uuid.UUID(evidence_id))


@dataclasses.dataclass
class LocalSwitch:
    """Takes the local store's folder away (a file in its place) and puts it back."""

    root: Path

    def down(self) -> None:
        if self.root.is_file():
            return  # already down
        self.root.mkdir(parents=True, exist_ok=True)
        os.replace(self.root, self.root.with_name("blobs-away"))
        self.root.write_text("the disk is gone")

    def up(self) -> None:
        if self.root.is_file():
            self.root.unlink()
            os.replace(self.root.with_name("blobs-away"), self.root)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def outage(app, request) -> Iterator[tuple[Env, object]]:
    """(env, switch): the app served with a store that `switch.down()` takes away and `switch.up()` restores."""
    if request.param == "local":
        for env in serve(app, "local", request):
            yield env, LocalSwitch(Path(env.store.root))
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    target = urllib.parse.urlsplit(endpoint.url)
    proxy = FlakyProxy(target.hostname, target.port)
    store = endpoint.store(
        f"mc-test-{uuid.uuid4().hex[:20]}", url=proxy.url, connect_timeout=1, read_timeout=3, max_attempts=2
    )
    store.ensure_bucket()
    try:
        for env in serve(app, "s3", request, store=store):
            yield env, proxy
    finally:
        proxy.up()
        drop_bucket(store)
        proxy.close()
