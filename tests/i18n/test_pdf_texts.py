"""The documents the service generates take their words from the catalogue (context "pdf") and are written in
Chinese whoever asks (docs/i18n.md: a Chinese court's documents are in the language of the proceedings).

A PDF builder (a module that imports reportlab) or a module that writes a document's words holds no Chinese
literal of its own: every fixed text is an English msgid marked `mark("pdf", ...)` with its Chinese in the
catalogue, rendered by `app.integrations.pdf.words`."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import re
import uuid

from app.i18n import sources
from app.utils.clock import SHANGHAI

CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Modules that write a document's words without importing reportlab (the case file, the notice's fields).
WRITERS = {
    "app/documents/certificate.py",
    "app/casefile/archive.py",
    "app/casefile/service.py",
    "app/casefile/contents.py",
    "app/video/case_file.py",
}
# Functions that write a document's words inside a module that also does other things.
FUNCTIONS = {
    ("app/litigation/evidence_period.py", "_notice_data"),
    ("app/litigation/evidence_period.py", "_serve_and_view"),
    ("app/video/minutes_signing.py", "_freeze_when_complete"),
    ("app/scheduling/summons.py", "_serve_one"),
}
# The only Chinese literal allowed: the glyphs a CJK font must have (a font check, not a text on a page).
ALLOWED = {("app/integrations/pdf.py", "电子送达凭证签收")}


def _builders() -> set[str]:
    found = set(WRITERS)
    for path in sources.source_files():
        tree = sources._parsed(path)
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if (module or "").startswith("reportlab") or any(name.startswith("reportlab") for name in names):
                found.add(path.relative_to(sources.ROOT).as_posix())
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _chinese_literals(where: str, tree: ast.AST) -> list[str]:
    skip = _docstrings(tree)
    return [
        f"{where}:{node.lineno} {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CJK.search(node.value)
        and (where, node.value) not in ALLOWED
    ]


def test_pdf_builders_hold_no_chinese_literal_outside_the_catalogue():
    builders = _builders()
    assert {"app/integrations/pdf.py", "app/scheduling/summons.py", "app/video/minutes_pdf.py"} <= builders
    assert "app/litigation/evidence_period_notice.py" in builders  # found by its reportlab import
    found = [
        text for where in sorted(builders) for text in _chinese_literals(where, sources._parsed(sources.ROOT / where))
    ]
    for where, function in sorted(FUNCTIONS):
        tree = sources._parsed(sources.ROOT / where)
        [node] = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
        found += _chinese_literals(where, node)
    assert not found, 'mark the text with mark("pdf", English) and add its Chinese to the catalogue:\n' + "\n".join(
        found
    )


def test_the_check_finds_a_chinese_literal():
    tree = ast.parse('"""文档说明。"""\ndef f():\n    """说明。"""\n    return f"案号：{x}"\n')
    assert _chinese_literals("sample.py", tree) == ["sample.py:4 '案号：'"]


def test_a_certificate_is_chinese_whatever_the_readers_language(app, client):
    from app.documents import certificate
    from app.documents.models import ServedDocument
    from app.extensions import db
    from tests.api.service.support import push, service_world

    world = service_world()
    body = push(client, world, headers={**world.machine_headers, "Accept-Language": "en"}).get_json()
    document = db.session.get(ServedDocument, uuid.UUID(body["document_id"]))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        data = certificate.certificate_data(document)
    assert data.heading == "电子送达凭证"
    assert [label for label, _value in data.fields][:4] == ["法院", "案号", "文书", "受送达人"]
    assert data.footer.startswith("出具时间：") and "本凭证由微法院平台根据服务器记录自动生成。" in data.footer
    assert all(CJK.search(name) for _at, name, _detail in data.events)


def test_an_evidence_notice_is_chinese_even_when_the_period_was_set_in_english(app, client, clock):
    from sqlalchemy import select

    from app.evidence import EvidencePeriod
    from app.extensions import db
    from app.litigation import evidence_period as commands
    from tests.api.litigation.evidence_period_support import COURT, accepted_case

    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    answer = client.post(
        f"{COURT}/cases/{world.case.id}/evidence-period",
        json={"procedure": "ordinary", "days": 15},
        headers={**world.headers("clerk", f"k-{uuid.uuid4()}"), "Accept-Language": "en"},
    )
    assert answer.status_code == 201, answer.get_json()
    period = db.session.scalar(select(EvidencePeriod).where(EvidencePeriod.case_id == world.case.id))
    assert period.deadline["explanation"][0].startswith("Trigger: ")  # stored in the clerk's language
    with app.test_request_context(headers={"Accept-Language": "en"}):
        data = commands._notice_data(world.case, period, world.defendant)
    assert data.heading == "举证通知书"
    assert dict(data.fields)["举证期限"] == "15日，自2026-09-16次日起算"
    assert dict(data.fields)["受通知人"] == "李四（被告）"
    assert data.explanation[1] == "期间：举证期限（普通程序）15日，自触发日次日 2026-09-17 起算。"
    assert not any(line.startswith(("Trigger", "Period")) for line in data.explanation)
    assert dataclasses.asdict(data)  # plain data for the renderer
