"""The desk's one-click Undo in a real browser (in place with JavaScript, on the reloaded page without), the counts
on every tab following each action, and the compact density: how tall 25 items are in each, and axe on both. And the
author's requests desk: two actions in view, the rest in a menu that works by keyboard and without JavaScript.

Held comments, articles and accounts come from the services; every decision goes through the page. Each test
filters the desk to its own article, since the live server is shared by every test.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import ModerationEvent
from tests.e2e.pages import flash
from tests.e2e.test_accessibility import AXE_JS, describe, serious_violations
from tests.e2e.test_desk_keyboard import (
    ask_for_corrections,
    create_account,
    expect_javascript_off,
    hold_comments,
    item,
    open_desk,
    publish_article,
    request_status,
    sign_in,
    stored,
    tab,
)

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)


def count(page, label: str):
    return tab(page, label).locator(".count")


def last_action(live_server, comment_id: int) -> tuple[str, int | None]:
    with live_server.app.app_context():
        event = db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.comment_id == comment_id).order_by(ModerationEvent.id.desc())
        ).first()
        return event.action, event.undoes_id


def moderator(live_server, unique: str) -> str:
    return create_account(live_server, "moderator", f"Morgan Moderator {unique}", f"mod-{unique}@example.org")


def test_undo_in_place_puts_the_item_back_and_every_count_follows(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ann, ben, cal = hold_comments(live_server, slug, unique, "Ann", "Ben", "Cal")
    page = new_context().new_page()
    sign_in(page, moderator(live_server, unique))
    open_desk(page, slug)
    page.evaluate("window.__samePage = true")
    expect(count(page, "Pending")).to_have_text("3")

    # Trash with a reason: the item becomes one line with an Undo button; Pending and Trash both change.
    item(page, ben).get_by_label("Trash as").select_option("off_topic")
    item(page, ben).get_by_role("button", name=re.compile(r"^Trash comment")).click()
    message = f"Comment {ben} is in the trash."
    expect(item(page, ben).locator(".mod-item__done")).to_have_text(message)
    expect(count(page, "Pending")).to_have_text("2")
    expect(count(page, "Trash")).to_have_text("1")
    assert stored(live_server, ben) == ("trash", "off_topic")

    item(page, ben).get_by_role("button", name=f"Undo: {message}").click()
    expect(item(page, ben).locator(".mod-item__done")).to_have_count(0)
    expect(item(page, ben).get_by_role("button", name=re.compile(r"^Approve comment"))).to_be_visible()
    expect(count(page, "Pending")).to_have_text("3")
    expect(count(page, "Trash")).to_have_text("0")
    expect(page.locator("#desk-status")).to_have_text(f"Undone: comment {ben} is pending again.")
    assert stored(live_server, ben)[0] == "pending"
    assert last_action(live_server, ben)[0] == "undo"

    # From the keyboard: a approves the current comment, u takes it back; Recently approved goes 1 then 0.
    expect(item(page, ben)).to_have_class(re.compile(r"\bis-current\b"))  # the item undone is the current one
    page.keyboard.press("k")  # up to Cal's, the newest
    expect(item(page, cal)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("a")
    expect(item(page, cal).locator(".mod-item__done")).to_have_text(f"Comment {cal} is approved.")
    expect(count(page, "Recently approved")).to_have_text("1")
    page.keyboard.press("u")
    expect(item(page, cal).locator(".mod-item__done")).to_have_count(0)
    expect(count(page, "Recently approved")).to_have_text("0")
    expect(count(page, "Pending")).to_have_text("3")
    assert stored(live_server, cal)[0] == "pending"
    expect(item(page, cal)).to_have_class(re.compile(r"\bis-current\b"))

    # Another moderator moved it meanwhile: the Undo says so and changes nothing.
    item(page, ann).get_by_role("button", name=re.compile(r"^Spam comment")).click()
    expect(item(page, ann).locator(".mod-item__done")).to_have_text(f"Comment {ann} is marked as spam.")
    expect(count(page, "Spam")).to_have_text("1")
    other = new_context().new_page()
    sign_in(other, create_account(live_server, "moderator", f"Other {unique}", f"other-{unique}@example.org"))
    open_desk(other, slug, "spam")
    item(other, ann).get_by_role("button", name=re.compile(r"^Not spam comment")).click()
    expect(item(other, ann).locator(".mod-item__done")).to_contain_text(f"Comment {ann} is not spam")
    item(page, ann).get_by_role("button", name=re.compile(r"^Undo")).click()
    expect(item(page, ann).locator(".mod-item__done")).to_contain_text("has changed since")
    assert stored(live_server, ann)[0] == "approved"
    assert page.evaluate("window.__samePage") is True  # all of it in place


def test_undo_without_javascript_is_a_form_on_the_reloaded_page(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ann, ben = hold_comments(live_server, slug, unique, "Ann", "Ben")
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    sign_in(page, moderator(live_server, unique))
    open_desk(page, slug)

    item(page, ben).get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(flash(page)).to_have_text(f"Comment {ben} is approved.")
    expect(item(page, ben)).to_have_count(0)
    expect(count(page, "Recently approved")).to_have_text("1")
    page.get_by_role("button", name=f"Undo: Comment {ben} is approved.").click()
    expect(flash(page)).to_have_text(f"Undone: comment {ben} is pending again.")
    expect(item(page, ben)).to_be_visible()
    expect(count(page, "Pending")).to_have_text("2")
    expect(count(page, "Recently approved")).to_have_text("0")
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)

    # A bulk action: one Undo takes back both.
    page.get_by_role("button", name="Apply to all 2 on this page").click()
    expect(flash(page)).to_have_text("Approved: 2 comments.")
    page.get_by_role("button", name="Undo: Approved: 2 comments.").click()
    expect(flash(page)).to_have_text("Undone: 2 comments back where they were.")
    assert [stored(live_server, i)[0] for i in (ann, ben)] == ["pending", "pending"]


def _height_of_items(page) -> float:
    return page.locator("ol.mod-list").evaluate("list => list.getBoundingClientRect().height")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_compact_density_is_far_shorter_and_keeps_every_action(
    new_context, live_server, unique, scheme, screenshots_dir
):
    slug, _ = publish_article(live_server, unique)
    ids = hold_comments(live_server, slug, unique, *[f"Writer{n}" for n in range(25)])
    page = new_context(color_scheme=scheme).new_page()
    sign_in(page, moderator(live_server, unique))
    open_desk(page, slug)
    expect(page.locator("li.mod-item")).to_have_count(25)
    comfortable = _height_of_items(page)

    page.get_by_role("button", name="Compact").click()
    expect(page.get_by_role("button", name="Compact")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("ol.mod-list--compact li.mod-item")).to_have_count(25)
    compact = _height_of_items(page)
    print(f"\n25 items at 1280 px ({scheme}): comfortable {comfortable:.0f} px, compact {compact:.0f} px")
    assert compact < comfortable * 0.5, (comfortable, compact)
    # Every action is still on each item; the choice is remembered on the next visit.
    for action in ("Approve", "Spam", "Trash"):
        expect(item(page, ids[0]).get_by_role("button", name=re.compile(rf"^{action} comment"))).to_be_visible()
    open_desk(page, slug)
    expect(page.locator("ol.mod-list--compact")).to_have_count(1)
    if scheme == "light":
        page.screenshot(path=str(screenshots_dir / "desk-compact.png"))  # the first screenful, for the docs

    if AXE_JS.is_file():
        violations = serious_violations(page, AXE_JS.read_text(encoding="utf-8"))
        assert not violations, describe(violations, f"the compact desk ({scheme})")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_the_requests_desk_shows_two_actions_and_keeps_the_rest_in_a_menu(new_context, live_server, unique, javascript):
    slug, writer_email = publish_article(live_server, unique)
    (asked,) = ask_for_corrections(live_server, slug, unique, "The fee is $30.")
    context = new_context(java_script_enabled=javascript)
    if not javascript:
        expect_javascript_off(context)
    page = context.new_page()
    sign_in(page, writer_email)
    page.goto("/author/requests")
    request = page.locator(f"li#request-{asked}")
    expect(request.get_by_role("button", name=f"Acknowledge request {asked}")).to_be_visible()
    expect(request.get_by_role("link", name=re.compile("^Write a note that resolves it"))).to_be_visible()
    decline = request.get_by_role("button", name=f"Decline request {asked}")
    expect(decline).to_be_hidden()
    expect(request.get_by_role("button", name=re.compile(r"^Spam"))).to_be_hidden()

    menu = request.locator("summary", has_text="More actions")
    menu.focus()
    page.keyboard.press("Enter")
    expect(decline).to_be_visible()
    if javascript:
        request.get_by_label("Reason (public)").focus()
        page.keyboard.press("Escape")  # closes the menu, back on its summary
        expect(decline).to_be_hidden()
        expect(menu).to_be_focused()
        page.keyboard.press("d")  # the decline reason opens the menu again
        expect(request.get_by_label("Reason (public)")).to_be_focused()
    request.get_by_label("Reason (public)").fill("The fee is right for this court.")
    decline.click()
    if javascript:
        expect(request.locator(".mod-item__done")).to_have_text(f"Request {asked} is now declined.")
    else:
        expect(flash(page)).to_contain_text("declined")
    assert request_status(live_server, asked) == ("declined", "The fee is right for this court.")
