"""Evidence in the H5 client at 360 px: declare, post to the store with the presigned form (progress; a lost
connection retried, then a retry button), verify, submit; and the page's own SHA-256 for insecure contexts."""

from __future__ import annotations

import hashlib
import json

from playwright.sync_api import Page, Route, expect

from app.evidence.models import EvidenceItem
from app.extensions import db
from config import DEFAULT_EVIDENCE_CATEGORIES
from miniprogram_api.pages import WEB_ROOT
from tests.api.service.support import pdf_bytes, service_world
from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, sms_login


def test_upload_with_a_failing_network_then_retry_verify_and_submit(
    site, phone_page: Page, problems: Problems, tmp_path
):
    world = service_world()
    content = pdf_bytes("借条")
    pdf = tmp_path / "借条.pdf"
    pdf.write_bytes(content)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}/evidence")
    sms_login(page, phone_of(world.people["filer"]))
    expect(page.get_by_text("您还没有上传证据。")).to_be_visible()

    dropped: list[str] = []

    def drop(route: Route) -> None:  # the connection to the store fails, every time
        dropped.append(route.request.url)
        route.abort("connectionreset")

    page.route("**/api/public/v1/storage/uploads**", drop)
    page.get_by_label("证据文件（拍照或选择文件）").set_input_files(str(pdf))
    page.get_by_label("证据名称").fill("借条")
    page.get_by_label("证据种类").select_option("书证")
    page.get_by_label("证明目的").fill("证明借款事实")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("上传没有成功，请检查网络后点击“重试”。", timeout=15_000)
    assert len(dropped) == 3  # tried, then retried twice with a pause, before asking

    page.unroute("**/api/public/v1/storage/uploads**")
    page.get_by_role("button", name="重试").click()
    expect(page.locator("#evidence-form .info")).to_contain_text("证据已上传，核验通过。")
    assert page.locator("#upload-progress").get_attribute("hidden") is not None  # hidden again when done
    row = page.locator("#evidence li").first
    expect(row).to_contain_text("借条")
    expect(row).to_contain_text("未提交")
    row.get_by_role("button", name="提交证据").click()
    expect(page.locator("#evidence li").first).to_contain_text("已提交")

    db.session.expire_all()
    items = db.session.query(EvidenceItem).filter_by(case_id=world.case.id).all()
    assert len(items) == 1  # the retried upload used the same declaration, not a second item
    assert items[0].status == "stored" and items[0].submitted_at is not None
    assert items[0].declared_sha256 == hashlib.sha256(content).hexdigest()
    assert problems == []


def test_the_plain_sha256_matches_for_phones_on_plain_http(site, phone_page: Page):
    page = phone_page
    page.goto(f"{site.url}/h5/")
    samples = ["", "abc", "借条" * 100, "x" * 55, "y" * 56, "z" * 64, "w" * 1000]
    got = page.evaluate(
        """async (samples) => {
            const { sha256Plain } = await import("/web/common/sha256.js");
            return samples.map((s) => sha256Plain(new TextEncoder().encode(s)));
        }""",
        samples,
    )
    assert got == [hashlib.sha256(s.encode()).hexdigest() for s in samples]


def test_the_offered_categories_are_the_defaults():
    """The API lists no configured EVIDENCE_CATEGORIES, so the page offers config.py's defaults (docs/pages.md)."""
    offered = json.loads((WEB_ROOT / "h5" / "evidence-categories.json").read_text(encoding="utf-8"))
    assert offered == DEFAULT_EVIDENCE_CATEGORIES
