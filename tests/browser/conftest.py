"""Real-browser tests: Debian's Chromium driven by Playwright against the app served on loopback,
with axe-core auditing every page a test visits."""

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SEVERE = {"serious", "critical"}

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # pragma: no cover - only on a broken install
    sync_playwright = None
    IMPORT_ERROR = str(exc)
else:
    IMPORT_ERROR = ""


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = f"Playwright is not importable: {IMPORT_ERROR}"
    elif not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` to run browser tests"
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def live_app(app_factory, tmp_path):
    """The app with CSRF on, as in production, on a SQLite file both threads can share."""
    return app_factory(WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")


@pytest.fixture
def live_server(live_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Audited:
    """Runs axe-core on each distinct page the test has reached; collects serious problems."""

    def __init__(self, page):
        self.page = page
        self.axe = Axe()
        self.seen: set[str] = set()
        self.problems: list[str] = []

    def __call__(self):
        key = f"{self.page.url}#{self.page.title()}"
        if key in self.seen:
            return
        self.seen.add(key)
        results = self.axe.run(self.page)
        for violation in results.response["violations"]:
            if violation.get("impact") in SEVERE:
                targets = [n["target"] for n in violation["nodes"]][:3]
                self.problems.append(f"{self.page.url}: {violation['id']} ({violation['impact']}) {targets}")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    audit = Audited(page)
    page.audit = audit  # tests call page.audit() after each page they reach (see go/submit_and_audit)
    yield page
    audit()
    context.close()
    assert not audit.problems, "axe-core found serious problems:\n" + "\n".join(audit.problems)


def go(page, path: str):
    page.goto(path)
    page.audit()


def submit_and_audit(page, action):
    """Do something that loads a new page, then audit it."""
    with page.expect_navigation():
        action()
    page.audit()
