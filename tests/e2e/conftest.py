"""Browser tests: Debian's Chromium, driven by Playwright, against the real app on a live server.

The server is the real WSGI app on 127.0.0.1 with a random port, its own SQLite *file* database whose
schema comes from the real migrations, and CSRF switched on, so the forms are exercised as a reader
would use them. It never reads TEST_DATABASE_URL or DATABASE_URL.

Chromium is Debian's (/usr/bin/chromium), never one that Playwright downloads. Without it the tests
are skipped on a developer's machine and fail under CI (CI set), so a missing install is never green.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = REPO_ROOT / "migrations"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


def _require_chromium() -> None:
    """Skip without Debian's Chromium, except under CI, where its absence is a failure."""
    if os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"CI is set but Debian's chromium is not installed at {CHROMIUM}; "
            "`apt-get install chromium` must run before the browser tests (see .ci/run).",
            pytrace=False,
        )
    pytest.skip("Debian's chromium is not installed; `apt-get install chromium` to run the browser tests")


@dataclass
class LiveServer:
    """The running app: its base URL, the Flask app (for its CLI), and server-side errors seen."""

    url: str
    app: object
    errors: list = field(default_factory=list)

    def cli(self, *args: str):
        """Run `flask ...` against the live server's database, as an operator would."""
        return self.app.test_cli_runner().invoke(args=list(args))

    def create_user(self, role: str, name: str, email: str, password: str) -> None:
        result = self.cli("user", "create", "--email", email, "--name", name, "--role", role, "--password", password)
        assert result.exit_code == 0, f"`flask user create` failed ({result.exit_code}): {result.output}"
        assert f"Created {role} {name} <{email}>." in result.output

    def add_user(self, role: str, name: str, email: str, password: str):
        """An account made through the service, quicker than the CLI for setting a scene; call it inside the app's
        context. Returns the user."""
        from app.services import accounts

        config = self.app.config
        return accounts.create_user(
            email,
            name,
            password,
            role,
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log in the test output
        pass


@contextmanager
def static_server(folder: Path):
    """A plain static server on 127.0.0.1 (a port of its own) serving `folder`: a host site's pages. Yields its
    port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


def _closing(app):
    """The app with every answer's body read and closed before the server sends it. Werkzeug's development server
    closes a body only after draining the socket, and a browser that drops the connection first (a page left while
    its icon or a file still loads) makes that drain raise: the open file is then left for the garbage collector,
    whose ResourceWarning fails whichever test runs at that moment. The test pages' answers are all small."""

    def application(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return application


@contextmanager
def serving(folder: Path, **overrides):
    """An app served over HTTP on 127.0.0.1:<random port>, on a migrated SQLite file database in `folder`
    (`overrides`: settings of its own, e.g. EMBED_CROSS_SITE=True for a second server beside live_server)."""
    import flask_migrate
    from flask import got_request_exception
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import create_app
    from app.extensions import db

    instance = folder
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'e2e.sqlite3'}",
            "INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            **overrides,
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("e2e.sqlite3"), "the e2e server must use its own database"
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))

    server_state = LiveServer(url="", app=app)

    def record(sender, exception, **extra):
        server_state.errors.append(repr(exception))

    got_request_exception.connect(record, app, weak=False)

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # no access log in the test output
            pass

    server = make_server("127.0.0.1", 0, _closing(app), threaded=True, request_handler=QuietHandler)
    server_state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served over HTTP on 127.0.0.1:<random port>, on a migrated SQLite file database."""
    with serving(tmp_path_factory.mktemp("e2e-instance")) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_server_errors(live_server):
    """Any exception the app raised while serving a test fails that test."""
    live_server.errors.clear()
    yield
    assert not live_server.errors, f"the server raised while serving this test: {live_server.errors}"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless. Module-scoped: Playwright's sync API marks an asyncio loop as
    running while it lives, which must not leak into the other test modules."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageProblems:
    """What a reader would notice as broken: failed stylesheets and other sub-resources, page script
    errors, and Content-Security-Policy violations."""

    def __init__(self):
        self.items: list[str] = []

    def watch(self, page) -> None:
        def on_response(response):
            if response.request.resource_type == "document" or response.status < 400:
                return
            # A script's own request answered with a JSON error is an answer it asked for and shows
            # (a refused comment, an expired session); the tests check what the page then says.
            json_answer = "application/json" in (response.headers.get("content-type") or "")
            if response.request.resource_type == "fetch" and json_answer and response.status < 500:
                return
            self.items.append(f"{response.status} for {response.request.resource_type} {response.url}")

        def on_console(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                self.items.append(f"CSP: {message.text}")

        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.items.append(f"page error: {error}"))


@pytest.fixture
def new_context(browser, live_server):
    """Open a fresh browser context (its own cookies): new_context(java_script_enabled=False, viewport={...}).
    Every page opened in it is watched for broken resources; all are closed after the test."""
    contexts = []
    problems = PageProblems()

    def open_context(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("page", problems.watch)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert not problems.items, f"the browser saw broken resources: {problems.items}"


@pytest.fixture
def unique():
    """A short unique token, so accounts and titles never collide across tests on the shared database."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def screenshots_dir():
    """docs/screenshots/, created if missing."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
