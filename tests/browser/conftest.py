"""Browser tests: the pages (/h5/, /console/) in Debian's Chromium, driven by Playwright, against a real server.

The app is served over HTTP on 127.0.0.1 in a thread (tests/support/live_server.py) on the test database, with
its PUBLIC_BASE_URL set to its own address so download links work. Chromium is launched by path (no browser
download); without /usr/bin/chromium (or BROWSER_TESTS_CHROMIUM) the tests are skipped, saying why. CI installs
it (.ci/run). See docs/pages.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.support.live_server import LiveServer, live_server

CHROMIUM = Path(os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev lock installs it
    sync_playwright = None

NEEDS_PLAYWRIGHT = ["test_h5*.py", "test_console*.py", "test_accessibility.py"]
collect_ignore_glob = NEEDS_PLAYWRIGHT if sync_playwright is None else []


def pytest_report_header() -> str | None:
    """Say so at the top of the run when the browser journeys cannot run here."""
    if sync_playwright is None:
        return f"tests/browser: playwright is not installed, so {', '.join(NEEDS_PLAYWRIGHT)} are not collected"
    if not CHROMIUM.exists():
        return f"tests/browser: no Chromium at {CHROMIUM}: the browser journeys are skipped"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the tests that need a browser (only those) when there is no Chromium or no Playwright."""
    reason = None
    if sync_playwright is None:
        reason = "the playwright package is not installed (pip install -r requirements-dev.lock)"
    elif not CHROMIUM.exists():
        reason = (
            f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (CI does it in .ci/run), "
            "or point BROWSER_TESTS_CHROMIUM at a Chromium binary"
        )
    if reason is None:
        return
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the run."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site(app: Flask, database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The app over real HTTP on the test database (the `app` fixture emptied it), knowing its own address."""
    from tests.conftest import make_app

    def build(url: str) -> Flask:
        return make_app(database_url, tmp_path, PUBLIC_BASE_URL=url, STORAGE_BACKEND="local")

    with live_server(factory=build) as server:
        yield server


class Problems(list):
    """What went wrong in the page: script errors, missing catalogue keys, refused by the security policy."""

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.append(f"pageerror: {error}"))
        page.on("console", self._console)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" and ("i18n:" in text or "Content Security Policy" in text or "Refused" in text):
            self.append(text)


def open_page(browser: Browser, problems: Problems, viewport: dict[str, int]) -> Page:
    """A fresh browser context (no stored token) at the given size, watched for problems."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    return problems.watch(context.new_page())


@pytest.fixture
def problems() -> Problems:
    """Collected page problems; each test asserts there are none."""
    return Problems()


@pytest.fixture
def phone_page(browser: Browser, problems: Problems) -> Iterator[Page]:
    """A page at a small phone's width (360 px)."""
    page = open_page(browser, problems, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def desktop_page(browser: Browser, problems: Problems) -> Iterator[Page]:
    """A page at desktop size."""
    page = open_page(browser, problems, DESKTOP)
    yield page
    page.context.close()
