"""A moderator acts from a mailed link in a real browser that never signed in: the confirmation page shows the
comment, the button acts (with the site's CSRF protection on), and the same mail's other link then explains that
the comment has moved."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, ModerationEvent
from app.services import accounts, staff_mail
from app.services import comments as comment_service
from app.services.articles import create_article
from app.services.settings import CommentRules

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"


def _path(url: str) -> str:
    """The links in mail start with BASE_URL; the browser opens their path on the live server."""
    return "/" + url.split("/", 3)[3]


def test_a_moderator_approves_from_the_mail_without_signing_in(live_server, new_context, unique):
    app = live_server.app
    config = app.config
    with app.app_context():
        author = accounts.create_user(
            f"author-{unique}@example.org", f"Author {unique}", PASSWORD, "author",
            hash_method=config["PASSWORD_HASH_METHOD"], min_length=config["PASSWORD_MIN_LENGTH"],
        )  # fmt: skip
        moderator = accounts.create_user(
            f"mailed-{unique}@example.org", f"Mo Mailed {unique}", PASSWORD, "moderator",
            hash_method=config["PASSWORD_HASH_METHOD"], min_length=config["PASSWORD_MIN_LENGTH"],
        )  # fmt: skip
        article = create_article(author, f"Tides {unique}", "The tide turns twice a day.", published=True)
        writer = comment_service.Writer(name="Gail Guest", email=f"gail-{unique}@example.org")
        held = comment_service.post_comment(article, writer, "Three times, here.", CommentRules(hold_all=True))
        event_id = staff_mail.latest_event_ids([held.id])[held.id]
        approve = _path(staff_mail.action_url(held, moderator, "approve", event_id))
        trash = _path(staff_mail.action_url(held, moderator, "trash", event_id))
        comment_id, moderator_id = held.id, moderator.id

    page = new_context().new_page()
    page.goto(approve)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Approve: comment {comment_id}?")
    expect(page.get_by_text("Three times, here.")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Approve")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Done: comment {comment_id} is approved")
    expect(page.get_by_role("status")).to_contain_text(f"logged as the action of Mo Mailed {unique}")

    page.goto(trash)
    expect(page.get_by_role("heading", level=1)).to_have_text("This comment has moved since the mail")
    expect(page.get_by_text(re.compile(rf"approve by Mo Mailed {unique}"))).to_be_visible()

    with app.app_context():
        assert db.session.get(Comment, comment_id).status.value == "approved"
        actors = db.session.scalars(
            select(ModerationEvent.actor_id).where(
                ModerationEvent.comment_id == comment_id, ModerationEvent.action == "approve"
            )
        ).all()
        assert actors == [moderator_id]
