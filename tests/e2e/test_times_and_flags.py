"""Issue 18 in a real browser: times in the reader's own zone and language (and UTC without script), and a
comment the reader flagged showing "Flagged" instead of the Flag link, with script and without."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Comment
from app.services.comments import find_comment
from tests.e2e.pages import card
from tests.e2e.test_accessibility import (
    axe_source,  # noqa: F401 (a fixture, for the tests' parameter)
    describe,
    serious_violations,
)
from tests.e2e.test_comment_journeys import PASSWORD, publish_article, seed_comment, sign_in
from tests.e2e.test_moderation_journeys import expect_javascript_off

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

OLD = datetime(2026, 6, 15, 14, 5, tzinfo=UTC)  # summer: New York is 4 hours behind, Tokyo 9 ahead


def _dated(live_server, slug: str, unique: str) -> tuple[int, int]:
    """Two comments: one written at OLD, one a few minutes ago."""
    old = seed_comment(live_server, slug, f"Olga Old {unique}", "Written in June.")
    new = seed_comment(live_server, slug, f"Nina New {unique}", "Written just now.")
    with live_server.app.app_context():
        find_comment(old).created_at = OLD
        db.session.get(Comment, new).created_at = datetime.now(UTC) - timedelta(minutes=3, seconds=10)
        db.session.commit()
    return old, new


def _time(page, comment_id: int):
    return card(page, comment_id).locator(".comment__permalink time")


@pytest.mark.parametrize(
    "zone, locale, old_text, old_title",
    [
        ("America/New_York", "en-US", "Jun 15, 2026, 10:05 AM EDT", "Monday, June 15, 2026 at 10:05 AM EDT"),
        ("Asia/Tokyo", "en-GB", "15 Jun 2026, 23:05 GMT+9", "Monday, 15 June 2026 at 23:05 GMT+9"),
    ],
)
def test_times_are_local_and_recent_ones_relative(new_context, live_server, unique, zone, locale, old_text, old_title):
    slug, _ = publish_article(live_server, unique)
    old, new = _dated(live_server, slug, unique)
    page = new_context(timezone_id=zone, locale=locale).new_page()
    page.goto(f"/articles/{slug}")
    expect(_time(page, old)).to_have_text(old_text)
    expect(_time(page, old)).to_have_attribute("title", old_title)
    expect(_time(page, old)).to_have_attribute("datetime", "2026-06-15T14:05:00Z")
    expect(_time(page, new)).to_have_text("3 minutes ago")
    expect(_time(page, new)).to_have_attribute("title", re.compile(r"^\w+,? .*2026.*(EST|GMT\+9)$"))


def test_without_script_times_stay_in_utc(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    old, new = _dated(live_server, slug, unique)
    context = new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    expect_javascript_off(context)
    page = context.new_page()
    page.goto(f"/articles/{slug}")
    expect(_time(page, old)).to_have_text("15 June 2026, 14:05 UTC")
    expect(_time(page, new)).to_have_text(re.compile(r"^\d{1,2} \w+ \d{4}, \d\d:\d\d UTC$"))


def test_a_guest_flags_in_place_and_sees_flagged_after_reload(new_context, live_server, unique, axe_source):  # noqa: F811
    slug, _ = publish_article(live_server, unique)
    author = f"Rex Rude {unique}"
    rude = seed_comment(live_server, slug, author, "Anyone who loses a deposit deserves it.")
    context = new_context()
    page, stale = context.new_page(), context.new_page()
    stale.goto(f"/articles/{slug}")  # a second tab, opened before the flag
    page.goto(f"/articles/{slug}")
    card(page, rude).get_by_role("link", name=f"Flag comment by {author}").click()
    form = card(page, rude).locator("form.flag-form")
    form.get_by_role("radio", name=re.compile(r"^Abusive —")).check()
    form.get_by_role("button", name="Send the flag").click()
    flagged = card(page, rude).locator(".comment__flagged")
    expect(flagged).to_have_text(f"Flagged by you: comment by {author}")
    expect(card(page, rude).get_by_role("link", name=re.compile("^Flag"))).to_have_count(0)

    page.reload()
    expect(flagged).to_have_text(f"Flagged by you: comment by {author}")
    expect(card(page, rude).get_by_role("link", name=re.compile("^Flag"))).to_have_count(0)
    violations = serious_violations(page, axe_source)
    assert not violations, describe(violations, "the article page with a flagged comment")

    # The tab opened before still has the link: opening the form there says "already flagged" at once.
    card(stale, rude).get_by_role("link", name=f"Flag comment by {author}").click()
    expect(card(stale, rude).locator("p.flag-form__done")).to_contain_text("You have already flagged this comment")
    expect(card(stale, rude).locator("form.flag-form")).to_have_count(0)
    expect(card(stale, rude).locator(".comment__flagged")).to_be_focused()

    # Another visitor still gets the Flag link.
    visitor = new_context().new_page()
    visitor.goto(f"/articles/{slug}")
    expect(card(visitor, rude).get_by_role("link", name=f"Flag comment by {author}")).to_be_visible()


def test_a_reader_without_script_sees_flagged_and_the_flag_page_says_so(new_context, live_server, unique, axe_source):  # noqa: F811
    slug, _ = publish_article(live_server, unique)
    author = f"Rex Rude {unique}"
    rude = seed_comment(live_server, slug, author, "Anyone who loses a deposit deserves it.")
    email = f"reader-{unique}@example.org"
    live_server.create_user("reader", f"Kim Reader {unique}", email, PASSWORD)
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    sign_in(page, email)
    page.goto(f"/articles/{slug}")
    card(page, rude).get_by_role("link", name=f"Flag comment by {author}").click()
    page.get_by_role("radio", name=re.compile(r"^Spam —")).check()
    page.get_by_role("button", name="Send the flag").click()
    expect(card(page, rude).locator(".comment__flagged")).to_have_text(f"Flagged by you: comment by {author}")

    page.goto(f"/comments/{rude}/flag")
    expect(page.get_by_role("heading", name="Flagged", level=1)).to_be_visible()
    expect(page.locator(".flag-already")).to_contain_text("You have already flagged this comment")
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_role("link", name="Back to the comment").click()
    expect(card(page, rude).locator(".comment__flagged")).to_be_visible()
