"""Screenshots of the main pages for docs/screenshots/ (README.md and docs/pages.md show them).

    .venv/bin/python -m tests.browser.screenshots            # or: make screenshots
    .venv/bin/python -m tests.browser.screenshots h5-video-room h5-fees-qr   # only these (the others untouched)

Starts the app on a throw-away SQLite database in a temporary folder, loads the demo data (`flask seed-demo`'s
seeders), adds sample cases with the test suite's factories (a served judgment, a filing queue, a held summons, a
delegation, a confirmation application, mediation sessions), serves it on 127.0.0.1 and logs in through the pages
by SMS (the development hint), as each person would. H5 pages at a 360x780 phone viewport, the console at
1280x800. The video room (TRTC with a made-up app id, Chromium's fake camera; every request towards Tencent is
refused, as there is no internet) and the WeChat Pay QR code (a fake WeChat Pay on 127.0.0.1) are shot last, with
the app's configuration changed for them only, so the other pages look as without them. Needs Debian's Chromium
(/usr/bin/chromium, or BROWSER_TESTS_CHROMIUM) and, for the Chinese text, fonts-noto-cjk. Nothing here touches the
development database.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
SHANGHAI = ZoneInfo("Asia/Shanghai")
ONLY: set[str] = set()  # names given on the command line: only these are written


def _build(folder: Path):
    """The app on a new SQLite file with the demo data, and the sample cases the pages show."""
    from app.extensions import db
    from app.platform.demo import seed
    from tests.conftest import make_app
    from tests.support.live_server import live_server

    database = f"sqlite:///{folder / 'screenshots.db'}"

    def factory(url: str):
        app = make_app(database, folder, PUBLIC_BASE_URL=url, STORAGE_BACKEND="local")
        with app.app_context():
            db.create_all()
            seed()
        return app

    return live_server(factory=factory)


def _sample_data(client) -> dict:
    """Cases for every page, made as the browser tests make them (tests/browser/journeys.py and friends)."""
    import itertools

    from app.extensions import db
    from tests.api.mediation.helpers_outcome import COURT, link
    from tests.api.service import support
    from tests.api.service.support import push, service_world
    from tests.browser.journeys import clerk_with_phone, phone_of, served_document
    from tests.browser.test_console_confirmation import judge_with_phone, submitted_application
    from tests.support.factories import login, make_org
    from tests.support.review import litigation
    from tests.support.scheduling import local, mediation_case, mediator

    support._numbers = itertools.count(100)  # the demo people hold 13800000001-09
    world, document_id = served_document(client, title="民事判决书")
    court = world.court
    held = service_world(respondent_consents=False)
    held.case.court_id = court.id  # at the same court, so its clerk sees the held summons as a work item
    db.session.commit()
    summons = push(
        client,
        world,
        doc_type="summons",
        title="传票",
        case_id=str(held.case.id),
        recipient_party_id=str(held.respondent.id),
    )
    assert summons.status_code == 201 and summons.get_json()["status"] == "held", summons.get_json()
    for title in ("张三诉李四民间借贷纠纷", "王五诉赵六物业服务合同纠纷", "孙七诉周八买卖合同纠纷"):
        litigation(court, title=title)
    clerk, clerk_phone = clerk_with_phone(court)
    pushed = push(client, world, doc_type="summons", title="传票（第二次开庭）")
    assert pushed.status_code == 201, pushed.get_json()
    org = make_org(name="北仑区人民调解委员会")
    link(org, court)
    due = (dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=30)).isoformat()
    for title in ("吴九诉郑十物业服务合同纠纷", "冯一诉陈二邻里纠纷"):
        filing = litigation(court, title=title)
        sent = client.post(
            f"{COURT}/delegations",
            json={"case_id": str(filing.id), "org_id": str(org.id), "due_date": due},
            headers=login(clerk),
        )
        assert sent.status_code == 201, sent.get_json()
    for title in ("张三与李四民间借贷纠纷", "王五与赵六婚姻家庭纠纷"):
        submitted_application(court, title)
    judge_phone = judge_with_phone(court)
    person = mediator(name="陈调解")
    today = dt.datetime.now(SHANGHAI).date()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)
    for offset, (title, start, end, mode) in enumerate(
        [
            ("张三与李四邻里纠纷", "09:30", "10:30", "phone"),
            ("王五与赵六物业纠纷", "14:00", "15:30", "in_person"),
            ("孙七与周八民间借贷纠纷", "10:00", "11:00", "phone"),
        ]
    ):
        case = mediation_case(mediator_user=person, title=title)
        day = (monday + dt.timedelta(days=offset * 2)).isoformat()
        body = {"starts_at": local(day, start), "ends_at": local(day, end), "mode": mode}
        if mode == "in_person":
            body["location"] = "第一调解室"
        booked = client.post(f"/api/mp/v1/cases/{case.id}/sessions", json=body, headers=login(person))
        assert booked.status_code == 201, booked.get_json()
    h5_extra = _citizen_extras(client, world.respondent_user, person)
    return {
        **h5_extra,
        "world": world,
        "document_id": document_id,
        "held": held,
        "citizen": phone_of(world.respondent_user),
        "held_citizen": phone_of(held.respondent_user),
        "clerk": clerk_phone,
        "judge": judge_phone,
        "mediator": phone_of(person),
        "week": monday.isoformat(),
    }


def _citizen_extras(client, citizen, mediator_user) -> dict:
    """For the citizen's other H5 pages: a mediation with a booked session and a draft agreement, and a
    litigation filing at a court that asks for the fee when filing."""
    import secrets

    from tests.api.mediation.helpers_outcome import agreement
    from tests.support.cases import filing
    from tests.support.factories import login, make_court
    from tests.support.review import COURT, MP, staff
    from tests.support.scheduling import join, mediation_case

    case = mediation_case(mediator_user=mediator_user, title="李四与王五邻里纠纷", status="in_mediation")
    join(case, citizen)
    starts = dt.datetime.now(SHANGHAI).replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2, hours=1)
    body = {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "mode": "video",
        "meeting_url": "https://meeting.court.example.cn/r/1",
    }
    booked = client.post(f"{MP}/cases/{case.id}/sessions", json=body, headers=login(mediator_user))
    assert booked.status_code == 201, booked.get_json()
    agreement(case, effective=False, terms="一、王五于2027年1月31日前修复漏水的管道。\n二、双方就本纠纷再无其他争议。")
    court = make_court(code="浙0206")
    judge = login(staff(court, "judge"))
    changed = client.put(f"{COURT}/courts/{court.id}/fee-settings", json={"prepay_at_filing": True}, headers=judge)
    assert changed.status_code == 200, changed.get_json()
    filed = client.post(
        f"{MP}/cases",
        json=filing(kind="litigation", court=court),
        headers={**login(citizen), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert filed.status_code == 201, filed.get_json()
    return {"mediation": case, "session_id": booked.get_json()["id"], "fee_case_id": filed.get_json()["id"]}


def _shoot(page, name: str, *, wait: str | None = None, top: str | None = None) -> Path:
    if wait:
        page.locator(wait).first.wait_for(state="attached" if wait.endswith("option") else "visible")
    if top:  # the part of a long page worth showing, at the top of the screen
        page.locator(top).first.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    target = OUT / f"{name}.png"
    if ONLY and name not in ONLY:
        return target
    page.screenshot(path=str(target), full_page=False)
    print(f"{target.relative_to(OUT.parents[1])}: {target.stat().st_size // 1024} KB")
    return target


def _session(browser, viewport, url: str, phone: str | None):
    from tests.browser.journeys import sms_login

    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(url)
    if phone:
        sms_login(page, phone)
        page.locator("nav:not([hidden])").first.wait_for(state="visible")
    return page


def _h5(browser, base: str, data: dict) -> None:
    world, h5 = data["world"], f"{base}/h5/"
    page = _session(browser, PHONE, h5, None)
    page.locator("#phone").wait_for(state="visible")
    _shoot(page, "h5-login")
    page.context.close()

    page = _session(browser, PHONE, h5, data["citizen"])
    pages = [
        ("h5-documents", "#/documents", "main h1"),
        ("h5-document", f"#/documents/{data['document_id']}", "main button"),
        ("h5-cases", "#/cases", "main h1"),
        ("h5-case-timeline", f"#/cases/{world.case.id}", 'main h2:has-text("案件进展")'),
        ("h5-join", "#/join", "main input"),
        ("h5-claim", "#/claim", "main input"),
        ("h5-evidence", f"#/cases/{world.case.id}/evidence", "main input"),
        ("h5-verify", "#/me", "main h1"),
        ("h5-filing", "#/file", "main h1"),
        ("h5-schedule", "#/schedule", "#schedule li"),
        ("h5-session", f"#/sessions/{data['session_id']}", "main h1"),
        ("h5-agreement", f"#/cases/{data['mediation'].id}/agreement", "main h1"),
        ("h5-fees", f"#/cases/{data['fee_case_id']}/fees", "#notices li"),
    ]
    for name, hash_, wait in pages:
        page.goto(f"{h5}{hash_}")
        _shoot(page, name, wait=wait, top=wait if name == "h5-case-timeline" else None)
    page.context.close()

    page = _session(browser, PHONE, h5, data["held_citizen"])
    page.goto(f"{h5}#/cases/{data['held'].case.id}")
    _shoot(page, "h5-consent", wait="main input[type=checkbox]", top='main h2:has-text("电子送达")')
    form = page.locator("form.consent")
    form.get_by_label("我的全部案件（包括以后的案件）").check()
    form.get_by_text("包括以后的新案件").wait_for(state="visible")
    _shoot(page, "h5-consent-all-cases", top='main h2:has-text("电子送达")')
    page.context.close()


def _fees_qr(browser, app, base: str) -> None:
    """The fee paid outside WeChat: the Native order's QR code with the amount, at phone size (no mobile user
    agent, so the page offers the QR code), the app a merchant of a fake WeChat Pay on 127.0.0.1. A new filer
    with a fee notice (the citizen of the other pages has just logged in: a second code so soon is refused)."""
    import threading
    from http.server import ThreadingHTTPServer

    from app.payments import client as payment_client
    from tests.browser.journeys import phone_of
    from tests.browser.test_h5_fees import _notice_case
    from tests.support.fake_wechatpay import FakeWeChatPay, _Handler

    fake = FakeWeChatPay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"fake": fake}))
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.config.update(fake.merchant_config())
    app.extensions.pop(payment_client.EXTENSION_KEY, None)
    citizen, case_id, _court = _notice_case(app.test_client())
    try:
        page = _session(browser, PHONE, f"{base}/h5/", phone_of(citizen))
        page.goto(f"{base}/h5/#/cases/{case_id}/fees")
        page.get_by_role("button", name="微信扫码支付").click()
        _shoot(page, "h5-fees-qr", wait="#pay-qr img", top="#notices li")
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _video_room(playwright, app, base: str) -> None:
    """The TRTC video room at phone size: the local preview plays Chromium's fake camera, and as nothing reaches
    Tencent (every request and WebSocket to another host is refused) the page says it cannot connect."""
    import re
    import secrets
    from urllib.parse import urlsplit

    from tests.api.video.helpers import online_session
    from tests.browser.conftest import CHROMIUM
    from tests.browser.journeys import phone_of, sms_login

    app.config.update(
        VIDEO_PROVIDER="trtc",
        TRTC_SDK_APP_ID=1400000000 + secrets.randbelow(99_999_999),
        TRTC_SECRET_KEY=secrets.token_hex(32),
        TRTC_CALLBACK_KEY=secrets.token_hex(16),
    )
    online = online_session(app.test_client())
    own = urlsplit(base).netloc
    flags = ["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    media = playwright.chromium.launch(executable_path=str(CHROMIUM), args=flags)
    try:
        context = media.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(20_000)
        page = context.new_page()

        def refused(route) -> None:
            if urlsplit(route.request.url).netloc == own:
                route.continue_()
            else:
                route.abort("internetdisconnected")

        page.route(re.compile(r"^https?://"), refused)
        page.route_web_socket(re.compile(r"^wss?://"), lambda socket: socket.close(code=1011, reason="no internet"))
        page.goto(f"{base}/h5/#/sessions/{online.session_id}")
        sms_login(page, phone_of(online.applicant))
        page.get_by_role("button", name="进入视频调解室").click()
        page.wait_for_url(re.compile(r"/h5/room\.html\?session="))
        page.wait_for_function(
            "() => { const v = document.querySelector('#room-local video');"
            " return v && v.srcObject && v.videoWidth > 0 && !v.paused; }"
        )
        page.locator("#room-state").get_by_role("alert").filter(has_text="无法连接视频服务").wait_for(timeout=45_000)
        _shoot(page, "h5-video-room")
    finally:
        media.close()


def _batch(page, url: str, world) -> None:
    """Two documents pushed in one batch, each one's delivery shown."""
    from tests.api.service.support import pdf_bytes

    page.goto(url)
    page.locator(".b-recipient option").first.wait_for(state="attached")
    page.get_by_role("button", name="再加一份文书").click()
    items = page.locator("fieldset.batch-item")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "document.pdf"
        pdf.write_bytes(pdf_bytes())
        for index, (doc_type, title) in enumerate(
            [("hearing_notice", "开庭通知书"), ("evidence_notice", "举证通知书")]
        ):
            item = items.nth(index)
            item.locator(".b-recipient option").first.wait_for(state="attached")
            item.locator(".b-recipient").select_option(str(world.respondent.id))
            item.locator(".b-type").select_option(doc_type)
            item.locator(".b-title").fill(title)
            item.locator(".b-file").set_input_files(str(pdf))
        page.get_by_role("button", name="全部推送").click()
        page.locator("#batch-results tbody tr").nth(1).wait_for(state="visible")
    page.locator("#batch-results").scroll_into_view_if_needed()
    _shoot(page, "console-batch")


def _console(browser, base: str, data: dict) -> None:
    world, console = data["world"], f"{base}/console/"
    page = _session(browser, DESKTOP, console, data["clerk"])
    pages = [
        ("console-review-queue", "#/filings", "#filings"),
        ("console-push", f"#/push?case={world.case.id}", "#recipient option"),
        ("console-work-items", "#/work-items", "main h1"),
        ("console-delegations", "#/delegations", "#delegations"),
        ("console-stats", "#/stats", "svg.chart"),
    ]
    for name, hash_, wait in pages:
        page.goto(f"{console}{hash_}")
        _shoot(page, name, wait=wait)
    _batch(page, f"{console}#/batch?case={world.case.id}", world)
    page.context.close()

    page = _session(browser, DESKTOP, console, data["judge"])
    page.goto(f"{console}#/confirmations")
    _shoot(page, "console-confirmation", wait="#confirmations")
    page.context.close()

    page = _session(browser, DESKTOP, console, data["mediator"])
    page.goto(f"{console}#/calendar?week={data['week']}")
    _shoot(page, "console-calendar", wait="li.session")
    page.context.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM

    ONLY.update(sys.argv[1:])
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, _build(Path(folder)) as server, server.app.app_context():
        data = _sample_data(server.app.test_client())
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                _h5(browser, server.url, data)
                _console(browser, server.url, data)
                _fees_qr(browser, server.app, server.url)  # these change the app's configuration: last
                _video_room(playwright, server.app, server.url)
            finally:
                browser.close()
    total = sum(p.stat().st_size for p in OUT.glob("*.png"))
    print(f"docs/screenshots: {len(list(OUT.glob('*.png')))} files, {total // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
