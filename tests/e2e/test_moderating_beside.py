"""A moderator acting beside the discussion, on the article page (the embed's frame does the same; see
test_embed_journeys): with JavaScript each action and edit happens in place, the comment showing what was done and
how it now stands, or only what was done where the page no longer shows it, with the desk's Undo after an action;
a refused edit keeps the typed text.
Without JavaScript the same forms post and the page comes back with the message.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import flash
from tests.e2e.test_desk_keyboard import (
    create_account,
    expect_javascript_off,
    hold_comments,
    publish_article,
    sign_in,
    stored,
)

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)


def moderator(live_server, unique: str) -> str:
    return create_account(live_server, "moderator", f"Mona Moderator {unique}", f"mona-{unique}@example.org")


def test_actions_beside_the_discussion_happen_in_place(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ann, ben = hold_comments(live_server, slug, unique, "Ann", "Ben")
    page = new_context().new_page()
    sign_in(page, moderator(live_server, unique))
    page.goto(f"/articles/{slug}")
    page.evaluate("window.__samePage = true")
    expect(page.locator("#comments-title")).to_have_text("0 comments")

    first = page.locator(f"#comment-{ann}")
    first.get_by_role("button", name=re.compile(r"^Approve comment by Ann")).click()
    expect(first.locator(".comment__done")).to_have_text(f"Comment {ann} is approved. Undo")
    expect(page.locator("#comments-status")).to_have_text(f"Comment {ann} is approved.")
    expect(first.locator(".comment__held")).to_have_count(0)
    expect(page.locator("#comments-title")).to_have_text("1 comment")
    expect(first).to_be_focused()

    second = page.locator(f"#comment-{ben}")
    second.get_by_label("Trash as").select_option("off_topic")
    second.get_by_role("button", name=re.compile(r"^Trash comment by Ben")).click()
    expect(second).to_have_text(f"Comment {ben} is in the trash. Undo")
    expect(second.get_by_role("button")).to_have_count(1)
    assert stored(live_server, ben) == ("trash", "off_topic")
    # The desk's Undo, beside the discussion: the comment is back as it stood, held.
    second.get_by_role("button", name=f"Undo: Comment {ben} is in the trash.").click()
    expect(second.locator(".comment__done")).to_have_text(f"Undone: comment {ben} is pending again.")
    expect(second.locator(".comment__held")).to_contain_text("Held for moderation")
    expect(page.locator("#comments-status")).to_have_text(f"Undone: comment {ben} is pending again.")
    assert stored(live_server, ben)[0] == "pending"
    second.get_by_role("button", name=re.compile(r"^Trash comment by Ben")).click()
    expect(second).to_have_text(f"Comment {ben} is in the trash. Undo")
    assert stored(live_server, ann) == ("approved", None)
    assert stored(live_server, ben)[0] == "trash"

    edit = first.locator("details.comment__mod-edit")
    edit.locator("summary").click()
    text = first.get_by_label("Text (readers will see “edited by a moderator”)")
    too_long = "The deposit came back. " * 230
    text.fill(too_long)
    first.get_by_role("button", name=re.compile(r"^Save the edit")).click()
    expect(edit.locator(".form-errors")).to_contain_text("A comment is at most 5,000 characters")
    expect(text).to_have_value(too_long)
    text.fill("Ann asks about the deposit, politely.")
    first.get_by_role("button", name=re.compile(r"^Save the edit")).click()
    expect(first.locator(".comment__done")).to_have_text("Comment edited; the previous text is kept in its history.")
    expect(first.locator(".comment__text")).to_have_text("Ann asks about the deposit, politely.")
    assert page.evaluate("window.__samePage") is True, "the page was reloaded"

    page.reload()
    expect(page.locator(f"#comment-{ben}")).to_have_count(0)
    expect(page.locator(f"#comment-{ann}")).to_contain_text("edited by a moderator")


def test_without_javascript_the_same_forms_post_and_come_back(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    [cal] = hold_comments(live_server, slug, unique, "Cal")
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    sign_in(page, moderator(live_server, unique))
    page.goto(f"/articles/{slug}")
    page.locator(f"#comment-{cal}").get_by_role("button", name=re.compile(r"^Approve comment by Cal")).click()
    expect(flash(page)).to_have_text(f"Comment {cal} is approved.")
    assert page.url.endswith(f"/articles/{slug}#comment-{cal}")
    expect(page.locator("#comments-title")).to_have_text("1 comment")
    assert stored(live_server, cal) == ("approved", None)
