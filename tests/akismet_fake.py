"""A stand-in for Akismet on 127.0.0.1: the documented endpoints and answers of its 1.1 API, nothing else.

verify-key answers "valid" or "invalid"; comment-check "true" (spam) or "false" (ham), with an
X-akismet-guid header, "invalid" plus X-akismet-debug-help for a bad key, and X-akismet-pro-tip:
discard in the "discard" mode; submit-spam and submit-ham thank you. Spam is what Akismet's
documented test values trigger: the author "viagra-test-123" or "akismet-guaranteed-spam", the email
"akismet-guaranteed-spam@example.com", or the marker in the text; the role "administrator" is never spam.

Every request is recorded with its form fields. `mode` makes the server misbehave: "slow" answers
after `delay` seconds, "error" with 500, "garbage" with an answer Akismet never gives.
"""

import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

VALID_KEY = "fake-akismet-key"
SPAM_MARKER = "viagra-test-123"
SPAM_AUTHORS = {"viagra-test-123", "akismet-guaranteed-spam"}
SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
THANKS = "Thanks for making the web a better place."


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]

    @property
    def operation(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class FakeAkismet:
    """The server's state: what it received and how it behaves next."""

    url: str = ""
    mode: str = "normal"
    delay: float = 3.0
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def calls(self, operation: str) -> list[Recorded]:
        """The recorded requests to one endpoint, e.g. calls("comment-check")."""
        with self.lock:
            return [recorded for recorded in self.requests if recorded.operation == operation]

    def is_spam(self, form: dict[str, str]) -> bool:
        if form.get("user_role") == "administrator":
            return False
        return (
            form.get("comment_author") in SPAM_AUTHORS
            or form.get("comment_author_email") == SPAM_EMAIL
            or SPAM_MARKER in form.get("comment_content", "")
        )


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):  # keep the test output quiet
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        form = {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}
        fake = self.server.fake
        recorded = Recorded("POST", self.path, form, dict(self.headers.items()))
        with fake.lock:
            fake.requests.append(recorded)
        if fake.mode == "slow":
            # Wait in a way the fixture can cut short, so stopping the server never hangs a test.
            fake.stopping.wait(fake.delay)
        if fake.mode == "error":
            return self._answer(500, "Internal Server Error")
        if fake.mode == "garbage":
            return self._answer(200, "<html>Service temporarily moved</html>")
        operation = recorded.operation
        if not self.path.startswith("/1.1/"):
            return self._answer(404, "Not Found")
        if operation == "verify-key":
            return self._answer(200, "valid" if form.get("key") == VALID_KEY else "invalid")
        if operation not in {"comment-check", "submit-spam", "submit-ham"}:
            return self._answer(404, "Not Found")
        if form.get("api_key") != VALID_KEY:
            return self._answer(200, "invalid", {"X-akismet-debug-help": "We were unable to parse your blog URI"})
        for required in ("blog", "user_ip"):
            if not form.get(required):
                return self._answer(
                    200, f"Missing required field: {required}.", {"X-akismet-debug-help": f"Empty {required}"}
                )
        if operation != "comment-check":
            return self._answer(200, THANKS)
        headers = {"X-akismet-guid": str(uuid.uuid4())}
        if fake.is_spam(form):
            if fake.mode == "discard":
                headers["X-akismet-pro-tip"] = "discard"
            return self._answer(200, "true", headers)
        return self._answer(200, "false", headers)

    def _answer(self, status: int, text: str, headers: dict | None = None) -> None:
        payload = text.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout tests), as it should


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeAkismet):
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


@contextmanager
def running_fake() -> Iterator[FakeAkismet]:
    """The fake, serving on a free port until the block ends: `with running_fake() as fake: ... fake.url ...`."""
    fake = FakeAkismet()
    server = _Server(fake)
    host, port = server.server_address[:2]
    fake.url = f"http://{host}:{port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def unreachable_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
