"""E-service consent for all of a person's cases in the H5 client: a party chooses "all my cases" on one case's page
(the text for that scope comes from GET /me/service-consent, its consequences said plainly), a document the court
pushes later on another of their cases is delivered at once (not held), both case pages say the consent for all
cases covers them, and withdrawing it there means the next document is held again."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from app.documents.models import ServedDocument
from app.extensions import db
from tests.api.service.support import add_lawyer, push, service_world
from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, sms_login
from tests.browser.test_h5 import _fits_the_screen


def _status(document_id: str) -> str:
    db.session.expire_all()
    document = db.session.get(ServedDocument, uuid.UUID(document_id))
    assert document is not None
    return document.status


def test_a_party_consents_for_all_cases_and_a_later_document_on_another_case_is_delivered(
    site, client, phone_page: Page, problems: Problems
):
    first = service_world(respondent_consents=False)
    second = service_world(respondent_consents=False, joined=False)
    second.respondent.user_id = first.respondent_user.id  # the same person is the respondent in both cases
    db.session.commit()
    held = push(client, first, doc_type="complaint_copy", title="起诉状副本")
    assert held.get_json()["status"] == "held", held.get_json()

    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{first.case.id}")
    sms_login(page, phone_of(first.respondent_user))
    form = page.locator("form.consent")
    expect(form.get_by_text("只在本案中通过本平台向您电子送达文书")).to_be_visible()  # "this case" is the default
    form.get_by_label("我的全部案件（包括以后的案件）").check()
    expect(form.get_by_text("包括以后的新案件")).to_be_visible()  # what choosing it means
    expect(form.locator(".consent-text")).not_to_be_empty()
    _fits_the_screen(page)
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()  # the held document arrived
    expect(page.locator("#inbox")).to_contain_text("起诉状副本")
    assert _status(held.get_json()["document_id"]) == "delivered"

    # The court serves on the other case afterwards: delivered at once, not held.
    later = push(client, second, doc_type="complaint_copy", title="举证通知书")
    assert later.status_code == 201 and later.get_json()["status"] == "delivered", later.get_json()
    page.goto(f"{site.url}/h5/#/cases/{second.case.id}")
    expect(page.locator("#consent-all-cases")).to_contain_text("已同意在其全部案件中电子送达")
    expect(page.locator("form.consent")).to_have_count(0)
    page.goto(f"{site.url}/h5/#/documents")
    expect(page.locator("#inbox")).to_contain_text("举证通知书")

    # Withdrawn (asked twice, saying what it means): the next document on either case waits again.
    page.goto(f"{site.url}/h5/#/cases/{first.case.id}")
    page.get_by_role("button", name="撤回全部案件的电子送达同意").click()
    expect(page.get_by_text("您全部案件（包括本案）以后的文书都不再通过本平台电子送达")).to_be_visible()
    page.get_by_role("button", name="确认撤回").click()
    expect(page.locator("form.consent")).to_be_visible()
    again = push(client, second, doc_type="complaint_copy", title="开庭传票")
    assert again.get_json()["status"] == "held", again.get_json()
    assert problems == []


def test_a_party_withdraws_the_consent_for_one_case(site, client, phone_page: Page, problems: Problems):
    world = service_world(respondent_consents=False)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    sms_login(page, phone_of(world.respondent_user))
    form = page.locator("form.consent")
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()
    expect(page.get_by_role("button", name="撤回本案的电子送达同意")).to_be_visible()
    page.get_by_role("button", name="撤回本案的电子送达同意").click()
    page.get_by_role("button", name="暂不撤回").click()  # changed their mind: nothing happens
    page.get_by_role("button", name="撤回本案的电子送达同意").click()
    page.get_by_role("button", name="确认撤回").click()
    expect(page.locator("form.consent")).to_be_visible()
    held = push(client, world, doc_type="complaint_copy", title="起诉状副本")
    assert held.get_json()["status"] == "held", held.get_json()
    assert problems == []


def test_a_lawyer_is_told_only_the_party_can_consent_for_all_cases(site, client, phone_page: Page, problems: Problems):
    world = service_world(respondent_consents=False)
    lawyer, _headers = add_lawyer(world)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    sms_login(page, phone_of(lawyer))
    form = page.locator("form.consent")
    form.get_by_label("我的全部案件（包括以后的案件）").check()
    expect(form.get_by_text("包括以后的新案件")).to_be_visible()  # the text for all cases has arrived and is shown
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()
    expect(form.get_by_role("alert")).to_have_text("只有当事人本人可以同意在其全部案件中电子送达，代理人不能代为选择。")
    assert problems == []


def test_a_tick_given_before_the_text_for_all_cases_arrived_is_asked_again(site, phone_page: Page, problems: Problems):
    """On a slow network the text for "all my cases" may still be on its way when the person ticks and sends: the
    page sends nothing, shows the text when it arrives and asks for the tick again (nobody consents to a text they
    were not shown); then the consent goes with that text's version."""
    world = service_world(respondent_consents=False)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    sms_login(page, phone_of(world.respondent_user))
    held: list = []
    page.route("**/api/mp/v1/me/service-consent", lambda route: held.append(route))  # the text does not arrive yet
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    form = page.locator("form.consent")
    form.get_by_label("我的全部案件（包括以后的案件）").check()
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()
    expect(form.get_by_role("button", name="同意电子送达")).to_be_disabled()  # waiting for the text
    assert not [url for url in posts if "service-consent" in url]
    while held:  # the text arrives
        held.pop().continue_()
    page.unroute("**/api/mp/v1/me/service-consent")
    expect(form.get_by_text("包括以后的新案件")).to_be_visible()
    expect(form.get_by_role("alert")).to_have_text("请先阅读并勾选同意。")
    expect(form.get_by_label("我已阅读并同意以上内容")).not_to_be_checked()
    assert not [url for url in posts if "service-consent" in url]
    form.get_by_label("我已阅读并同意以上内容").check()
    with page.expect_request(lambda r: r.method == "POST" and "service-consent" in r.url) as sent:
        form.get_by_role("button", name="同意电子送达").click()
    body = sent.value.post_data_json
    assert body["scope"] == "all_cases" and body["text_version"], body
    assert problems == []
