"""Browser fixtures: the test app served on a free port, Debian's chromium driven by Playwright.

The live server is a second app instance on the same database as the `app` fixture (a file SQLite
database or DATABASE_URL), with CSRF on, as in production. Each request closes its session when it
ends, so the server holds no transaction open and the per-test wipe in tests/conftest.py is safe.
"""

import logging
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wsgi import FileWrapper

from livinglab import create_app
from livinglab.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test, whether or not it says so."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


class ServerErrors(logging.Handler):
    """Collects the live app's logged errors (unhandled exceptions), so that a 500 fails the test."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def files_closed_by_the_app(app):
    """WSGI middleware: a file response is read and closed here, not left to the test server.

    Werkzeug's development server closes a response's file only if the client is still there when
    it finishes; when chromium drops a connection mid-file (a favicon it no longer wants), the file
    is closed by the garbage collector later, and its ResourceWarning (an error under this suite's
    `filterwarnings = error`) fails whichever test happens to be running. Static files are small.
    """

    def middleware(environ, start_response):
        response = app(environ, start_response)
        # A static file may come wrapped (a ClosingIterator around the FileWrapper), or not be read at all (a 304
        # answers a conditional request with no body, but the file was opened): read and close it here.
        if isinstance(response, FileWrapper) or environ.get("PATH_INFO", "").startswith("/static/"):
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()
        return response

    return middleware


class LiveServer:
    def __init__(self, app, url):
        self.app, self.url = app, url
        self.errors = ServerErrors()
        app.logger.addHandler(self.errors)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(app):
    """The app on http://127.0.0.1:<free port>, served from a background thread."""
    settings = {key: value for key, value in app.config.items() if key.isupper()}
    settings.update(
        {
            "TESTING": False,  # behave as in production: errors rendered, not raised
            "WTF_CSRF_ENABLED": True,  # the HTML forms always need their token
        }
    )
    server_app = create_app(settings)  # same database, same fast test settings
    server = make_server("127.0.0.1", 0, files_closed_by_the_app(server_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(server_app, f"http://127.0.0.1:{server.server_port}")
    yield live
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with server_app.app_context():
        db.session.remove()
        db.engine.dispose()  # before the app fixture drops the tables


@pytest.fixture(autouse=True)
def _server_errors_of_this_test(request):
    """Each test reads the server errors logged while it runs, not before: the live server lives for the whole
    process, and under `pytest -n` a test file of another folder may run in it between two browser tests and log
    an error on purpose (a scheduler job made to fail): it failed the next browser test."""
    if "live_server" in request.fixturenames:
        request.getfixturevalue("live_server").errors.records.clear()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium; Playwright never downloads a browser of its own."""
    if not os.access(CHROMIUM, os.X_OK):
        # ./test.sh deselects the browser tests where chromium is missing (outside CI); here they fail.
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    finally:
        playwright.stop()


class BrowserErrors:
    """Console errors and uncaught JavaScript errors (a CSP violation, a missing file...).

    A test that expects some (a 404 page logs its own status) calls `allow(pattern)`.
    """

    def __init__(self):
        self.messages: list[str] = []
        # Chromium asks for /favicon.ico beside any page that is not HTML (a placeholder, a JSON answer).
        self.allowed: list[re.Pattern] = [re.compile(r"status of 404 .*/favicon\.ico\)$")]

    def watch(self, page):
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.messages.append(f"console: {msg.text} ({msg.location.get('url', '')})")
            ),
        )
        page.on("pageerror", lambda error: self.messages.append(f"javascript: {error}"))

    def allow(self, pattern: str):
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]


@pytest.fixture
def browser_errors():
    return BrowserErrors()


def _open_page(browser, live_server, browser_errors, **context_options):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/Paris", **context_options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    browser_errors.watch(page)
    errors_before = len(live_server.errors.records)
    yield page
    context.close()
    server_errors = live_server.errors.records[errors_before:]
    problems = [f"server: {r.getMessage()}" for r in server_errors] + browser_errors.unexpected()
    if problems:
        pytest.fail("The page reported errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(browser, live_server, browser_errors):
    """A fresh desktop browser tab (its own cookies) on the live server: `page.goto("/")`."""
    yield from _open_page(browser, live_server, browser_errors, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser, live_server, browser_errors):
    """A fresh phone-sized tab: 390×844, touch, mobile viewport rules."""
    yield from _open_page(
        browser, live_server, browser_errors, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "home")` saves test-artifacts/screenshots/home-desktop.png (or -phone)."""
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        size = "phone" if page.viewport_size and page.viewport_size["width"] < 600 else "desktop"
        path = folder / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
