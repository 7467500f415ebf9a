"""Reply mail in a real browser, with mail arriving at a real SMTP server on 127.0.0.1: a guest ticks "Email me
when someone replies", confirms their address through the link in the mail, another reader replies, a moderator
approves the reply on the desk, and exactly one notification arrives, whose link leads to the reply and whose
unsubscribe link stops the mail.

The app here is a live server of its own (the shared one sends no mail): its own SQLite file migrated by the real
migrations, CSRF on, mail through the test's SMTP server, and BASE_URL its own address, so the links in the mail
lead back to it.
"""

import re
import threading
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, Notification
from app.services import accounts
from app.services.articles import create_article
from app.services.settings import update_settings
from tests.e2e.conftest import DESKTOP, MIGRATIONS, TIMEOUT_MS, PageProblems
from tests.e2e.pages import card, comments_status
from tests.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
HELD = "Thank you. Your comment is awaiting moderation; only you can see it until then."


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory, smtp):
    """The app on 127.0.0.1 with mail to `smtp`; yields (base URL, app, errors the server raised)."""
    import flask_migrate
    from flask import got_request_exception
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import create_app

    instance = tmp_path_factory.mktemp("e2e-mail")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'mail.sqlite3'}",
            "INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": url,
            **smtp.settings(),
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        update_settings({"hold_until_approved": 1}, None)  # a first-time writer waits for a moderator
    errors: list[str] = []
    got_request_exception.connect(lambda sender, exception, **extra: errors.append(repr(exception)), app, weak=False)

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-mail-server", daemon=True)
    thread.start()
    try:
        yield url, app, errors
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def open_page(browser, mail_site):
    """A page in a fresh browser context (its own cookies) on the mail site, watched for broken resources."""
    url, _, errors = mail_site
    contexts, problems = [], PageProblems()

    def open_one():
        context = browser.new_context(base_url=url, viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", problems.watch)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()
    assert not problems.items, f"the browser saw broken resources: {problems.items}"
    assert not errors, f"the server raised: {errors}"


def arrived(smtp, count: int, seconds: float = 15):
    """Wait until `count` messages have arrived (mail leaves after the answer, from a task); then a moment more,
    so a message too many would be seen."""
    deadline = time.monotonic() + seconds
    while len(smtp.inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    assert len(smtp.inbox.messages) == count, [m["Subject"] for m in smtp.inbox.messages]
    return smtp.inbox.messages[count - 1]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out")).to_be_visible()


def approve_on_desk(page, slug: str, comment_id: int) -> None:
    page.goto(f"/moderation?article={slug}")
    item = page.locator(f"li#item-{comment_id}")
    item.get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(item.locator(".mod-item__done")).to_have_text(f"Comment {comment_id} is approved.")


def test_a_guest_hears_of_a_reply_once_it_is_approved_and_can_stop_the_mail(open_page, mail_site, smtp):
    url, app, _ = mail_site
    with app.app_context():
        author = accounts.create_user(
            "author@example.org", "Grace Author", PASSWORD, "author", hash_method="pbkdf2", min_length=10
        )
        accounts.create_user(
            "mod@example.org", "Morgan Moderator", PASSWORD, "moderator", hash_method="pbkdf2", min_length=10
        )
        slug = create_article(author, "Getting a deposit back", "The fee is modest.\n", published=True).slug

    # A guest comments and asks for reply mail.
    guest = open_page()
    guest.goto(f"/articles/{slug}")
    form = guest.locator("form#comment-form")
    form.get_by_label("Comment", exact=True).fill("Does the fee come back if I win?")
    form.get_by_label("Name", exact=True).fill("Maya Guest")
    form.get_by_label("Email", exact=True).fill("maya@example.org")
    form.get_by_label("Email me when someone replies").check()
    form.get_by_role("button", name="Post comment").click()
    expect(comments_status(guest)).to_have_text(
        f"{HELD} We sent you an email with a link: follow it to confirm your address, then mail will come."
    )
    mine = int(guest.locator("li.comment:focus").get_attribute("id").removeprefix("comment-"))

    # The confirmation mail, and its link.
    confirmation = arrived(smtp, 1)
    assert smtp.inbox.envelopes[0][1] == ["maya@example.org"]
    (confirm_link,) = re.findall(re.escape(url) + r"/mail/confirm/\S+", text_of(confirmation))
    guest.goto(confirm_link)
    expect(guest.get_by_role("heading", level=1)).to_have_text("Confirm your address")
    expect(guest.locator("main")).to_contain_text("m…@example.org")
    expect(guest.locator("main")).not_to_contain_text("maya@example.org")
    guest.get_by_role("button", name="Confirm my address").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("Your address is confirmed")

    moderator = open_page()
    sign_in(moderator, "mod@example.org")
    approve_on_desk(moderator, slug, mine)

    # Another reader replies; held, so nobody is told yet.
    reader = open_page()
    reader.goto(f"/articles/{slug}")
    card(reader, mine).get_by_role("link", name="Reply to Maya Guest").click()
    reply_form = reader.locator(f"form#reply-{mine}")
    reply_form.get_by_label("Comment", exact=True).fill("It does, with the court's costs order.")
    reply_form.get_by_label("Name", exact=True).fill("Rae Reader")
    reply_form.get_by_label("Email", exact=True).fill("rae@example.org")
    reply_form.get_by_role("button", name="Post reply").click()
    expect(comments_status(reader)).to_have_text(HELD)
    reply = int(reader.locator("li.comment:focus").get_attribute("id").removeprefix("comment-"))
    arrived(smtp, 1, seconds=1)

    approve_on_desk(moderator, slug, reply)
    notification = arrived(smtp, 2)
    assert smtp.inbox.envelopes[1][1] == ["maya@example.org"]
    assert notification["Subject"].strip() == "Rae Reader replied to your comment on “Getting a deposit back”"
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = notification["List-Unsubscribe"].strip().strip("<>")
    text = text_of(notification)
    assert "It does, with the court's costs order." in text
    assert f"Stop these emails: {unsubscribe}" in text
    assert "maya@example.org" not in unsubscribe and "rae@example.org" not in text

    # The link leads to the reply.
    (reply_link,) = re.findall(r"Read it and reply: (\S+)", text)
    guest.goto(reply_link)
    expect(guest).to_have_url(re.compile(rf"/articles/{re.escape(slug)}(\?[^#]*)?#comment-{reply}$"))
    expect(card(guest, reply).locator(".comment__text")).to_have_text("It does, with the court's costs order.")

    # The unsubscribe link stops it.
    guest.goto(unsubscribe)
    expect(guest.locator("main")).to_contain_text("m…@example.org")
    guest.get_by_role("button", name="Stop mail about “Getting a deposit back”").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    expect(guest.locator("main")).to_contain_text(
        "You will get no more mail about comments on “Getting a deposit back”."
    )
    with app.app_context():
        assert db.session.scalar(select(Comment.reply_mail).where(Comment.id == mine)) is False
        assert db.session.scalar(select(Notification.sent_at).where(Notification.comment_id == reply)) is not None
