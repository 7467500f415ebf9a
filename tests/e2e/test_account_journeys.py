"""Forgot password, end to end in a real browser: the reader asks for a link on the sign-in page, the mail arrives
at a real SMTP server, the link from it opens the reset page, the new password signs in and the old one no
longer does, and the link does not work a second time.

The live server is shared by every browser test; for this one its mail goes to the test's SMTP server and its
links lead to the live server (both put back afterwards)."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def smtp(live_server, monkeypatch):
    """The live server's mail, into a real SMTP server on 127.0.0.1 for the length of the test."""
    with SmtpServer() as server:
        # Mail settings are read at each delivery.
        for name, value in {**server.settings(), "BASE_URL": live_server.url}.items():
            monkeypatch.setitem(live_server.app.config, name, value)
        yield server


def _mail_to(live_server, smtp, address: str, seconds: float = 10.0):
    """The first message to `address`: sent by the server after its answer; `flask outbox deliver` if it is slow."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in smtp.inbox.messages:
            if message["To"].endswith(f"<{address}>"):
                return message
        time.sleep(0.1)
        if time.monotonic() > deadline - seconds / 2:
            live_server.cli("outbox", "deliver")
    raise AssertionError(f"no mail reached {address}")


def _sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_reader_who_forgot_the_password_gets_back_in_by_mail(live_server, smtp, new_context, unique):
    email = f"forgetful-{unique}@example.org"
    live_server.create_user("reader", f"Forgetful {unique}", email, PASSWORD)
    page = new_context().new_page()

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.locator(".flashes")).to_contain_text("If an account uses that address, a link to choose a new password")

    message = _mail_to(live_server, smtp, email)
    text = message.get_body(("plain",)).get_content()
    (link,) = re.findall(re.escape(live_server.url) + r"/password/reset/\S+", text)

    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill("not the same")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page).to_have_url(live_server.url + "/account")
    expect(page.locator(".flashes")).to_contain_text("Your password was changed")

    other = new_context().new_page()
    _sign_in(other, email, PASSWORD)
    expect(other.get_by_text("The email or the password is not right.")).to_be_visible()
    _sign_in(other, email, NEW_PASSWORD)
    expect(other.locator(".flashes")).to_contain_text(f"Signed in as Forgetful {unique}.")

    used = new_context().new_page()
    used.goto(link)
    expect(used.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(used.get_by_role("link", name="Ask for a new link")).to_be_visible()
