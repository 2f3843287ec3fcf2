"""Browser journeys: Playwright driving Debian's Chromium against a live server on loopback.

Skipped, with a loud line, when Chromium or Playwright is not installed (`.ci/run` installs Chromium).
Screenshots go to ``test-artifacts/e2e/``. A journey that triggers tasks asks for ``celery_broker`` and starts a
real Celery worker on the test database (``tests/worker.py``); the others run tasks in-process. The accessibility
checks inject the vendored axe-core (``vendor/``).

    .venv/bin/pytest -p no:cacheprovider -n 0 tests/e2e -q
"""

import os
from pathlib import Path

import pytest

from tests.worker import celery_broker  # noqa: F401 - the fixture: journeys that trigger tasks run a real worker

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    e2e = [item for item in items if "tests/e2e/" in str(item.fspath)]
    if e2e:
        print(
            f"\n{'#' * 78}\n## BROWSER JOURNEYS SKIPPED: {reason}.\n## Install with: apt-get install chromium fonts-wqy-microhei\n{'#' * 78}"
        )
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=f"browser journeys skipped: {reason}"))


@pytest.fixture(autouse=True)
def _journey_env(settings, tmp_path):
    """A fast password and complaint-secret hasher, and uploads in a temp folder.

    The cache is left alone: under xdist it is shared with the other worker's tests (the complaints tests count
    throttled requests in it), and a journey makes only a few public requests.
    """
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright gives every launch a fresh, empty profile directory of its own.
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture
def open_page(browser):
    """``open_page("desktop" | "phone", axe=False)``: a page in a fresh context (its own cookies: another person).

    With ``axe=True`` axe-core is loaded into every document of the context before the page's own scripts, the
    way the browser's devtools would, so the site's Content-Security-Policy stays as it is.
    """
    contexts = []

    def open_(kind: str = "desktop", *, axe: bool = False):
        context = browser.new_context(**VIEWPORTS[kind], locale="zh-CN")
        contexts.append(context)
        if axe:
            context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def desktop(open_page):
    return open_page("desktop")


@pytest.fixture
def phone(open_page):
    return open_page("phone")


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def login(live_server):
    from tests.factories import TEST_PASSWORD

    def do(page, username):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(TEST_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return do
