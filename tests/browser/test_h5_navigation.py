"""Navigating away from an H5 page before it finished loading: the page left behind must not paint over the next
one. On a slow network a person taps from a case to its evidence while the case's answers are still on their
way; when the case's answer then fails, the evidence screen stays, with no error that is not about it."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, served_document, sms_login


def test_a_late_failure_of_the_page_left_behind_does_not_replace_the_next_page(
    site, client, phone_page: Page, problems: Problems
):
    world, _document_id = served_document(client)
    page = phone_page
    page.goto(f"{site.url}/h5/")
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    held: list[Route] = []
    detail = f"**/api/mp/v1/cases/{world.case.id}"

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()  # the evidence page's own read of the case goes through
        else:
            held.append(route)

    page.route(detail, hold_the_first)
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    page.wait_for_timeout(300)
    assert held, "the case page asked for its case"
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}/evidence")
    expect(page.get_by_role("heading", name="上传证据")).to_be_visible()
    held[0].fulfill(status=500, content_type="application/json", body='{"code": 500, "reason": "internal.error"}')
    page.wait_for_timeout(500)  # the case page's failure arrives
    expect(page.get_by_role("heading", name="上传证据")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.unroute(detail)
    assert problems == []
