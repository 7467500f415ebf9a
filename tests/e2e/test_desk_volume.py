"""Moderators handling volume in a real browser: "Select all on this page" with the script (and what it does
when comments are acted on in place or ticked with x), "Apply to all N on this page" without it, emptying
the spam, "Ban this sender" from a comment, and the warning before a network ban wider than a /16.

Articles, accounts and comments come from the services; every decision goes through the pages. Each test
filters the desk to its own article, since the live server is shared by every test. "Empty spam" empties
the spam of the whole shared server, so that test counts what is there just before it looks.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Ban, Comment, CommentStatus, ModerationEvent
from app.models.types import utcnow
from app.services import accounts, moderation
from app.services import comments as comment_service
from app.services.articles import find_article
from app.services.settings import CommentRules
from tests.e2e.pages import flash
from tests.e2e.test_moderation_journeys import (
    expect_javascript_off,
    filter_by_article,
    mark_page,
    publish_article,
    sign_in,
    staff_account,
)

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

HOLD = CommentRules(hold_all=True)
OPEN = CommentRules()


# --- setting the scene -------------------------------------------------------------------------


def guest_comments(live_server, slug: str, unique: str, *names: str, rules=HOLD, network=None) -> list[int]:
    """One comment from each guest, oldest first (the desk lists them newest first)."""
    ids = []
    with live_server.app.app_context():
        article = find_article(slug)
        for number, name in enumerate(names, start=1):
            writer = comment_service.Writer(
                name=f"{name} {unique}", email=f"{name.lower()}-{unique}@example.org", ip_network=network
            )
            ids.append(comment_service.post_comment(article, writer, f"{name} writes {number}.", rules).id)
    return ids


def status_of(live_server, comment_id: int) -> str | None:
    with live_server.app.app_context():
        found = db.session.get(Comment, comment_id)
        return found.status.value if found else None


def mark_spam(live_server, comment_id: int, moderator_email: str) -> None:
    """A moderator marks the comment as spam (unless the spam checks caught it already)."""
    with live_server.app.app_context():
        found = comment_service.find_comment(comment_id)
        if found.status is not CommentStatus.spam:
            moderation.apply(found, "spam", accounts.find_user_by_email(moderator_email))


def lift_bans_on(live_server, *values: str) -> None:
    """The live server is shared: a network ban left in force would catch another test's comments."""
    with live_server.app.app_context():
        for ban in moderation.active_bans():
            if ban.value in values:
                moderation.lift_ban(ban, None)


# --- what a person sees and does ---------------------------------------------------------------


def item(page, comment_id: int):
    return page.locator(f"li#item-{comment_id}")


def select_all(page):
    return page.get_by_role("checkbox", name="Select all on this page")


def item_box(page, comment_id: int, name: str):
    return page.get_by_label(f"Select comment {comment_id} by {name}")


def apply_to_page(page):
    return page.get_by_role("button", name=re.compile(r"^Apply to all \d+ on this page$"))


def open_desk(page, slug: str, queue: str = "pending") -> None:
    page.goto(f"/moderation?queue={queue}&article={slug}")
    expect(page.locator("li.mod-item").first).to_be_visible()


# --- select all --------------------------------------------------------------------------------


def test_select_all_on_a_page_with_javascript(new_context, live_server, unique):
    slug = publish_article(live_server, unique)
    names = ("Ann", "Ben", "Cal", "Dee")
    ann, ben, cal, dee = guest_comments(live_server, slug, unique, *names)
    page = new_context().new_page()
    sign_in(page, staff_account(live_server, "moderator", f"Morgan Moderator {unique}", unique))
    open_desk(page, slug)
    address = mark_page(page)
    everyone = select_all(page)
    expect(everyone).to_be_visible()
    expect(everyone).not_to_be_checked()
    expect(apply_to_page(page)).to_have_text("Apply to all 4 on this page")

    # Ticking it ticks every comment; one unticked makes it mixed; ticking it again ticks all.
    everyone.check()
    for comment_id, name in zip((ann, ben, cal, dee), names, strict=True):
        expect(item_box(page, comment_id, f"{name} {unique}")).to_be_checked()
    expect(page.locator("#desk-status")).to_have_text("4 selected.")
    item_box(page, ben, f"Ben {unique}").uncheck()
    expect(everyone).to_be_checked(indeterminate=True)
    expect(page.locator(".bulk-bar")).to_match_aria_snapshot('- checkbox "Select all on this page" [checked=mixed]')
    everyone.click()
    expect(everyone).to_be_checked()
    expect(page.locator(".mod-item__select:checked")).to_have_count(4)
    everyone.click()
    expect(everyone).not_to_be_checked()
    expect(page.locator(".mod-item__select:checked")).to_have_count(0)
    expect(page.locator("#desk-status")).to_have_text("None selected.")

    # The keys still work with the box focused (Ben's item was the current one, from ticking its box),
    # and x keeps the box in step.
    everyone.focus()
    page.keyboard.press("j")
    expect(item(page, ann)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("x")
    expect(item_box(page, ann, f"Ann {unique}")).to_be_checked()
    expect(everyone).to_be_checked(indeterminate=True)

    # A comment acted on in place leaves the page: the box and the button count the three left.
    item(page, ann).get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(item(page, ann).locator(".mod-item__done")).to_have_text(f"Comment {ann} is approved.")
    expect(everyone).not_to_be_checked()
    expect(everyone).to_have_js_property("indeterminate", False)
    expect(apply_to_page(page)).to_have_text("Apply to all 3 on this page")
    everyone.check()
    expect(page.locator(".mod-item__select:checked")).to_have_count(3)
    item(page, cal).get_by_role("button", name=re.compile(r"^Spam comment")).click()
    expect(item(page, cal).locator(".mod-item__done")).to_have_text(f"Comment {cal} is marked as spam.")
    expect(everyone).to_be_checked()
    expect(apply_to_page(page)).to_have_text("Apply to all 2 on this page")
    assert page.evaluate("window.__samePage") is True and page.url == address

    page.get_by_label("With the selected comments").select_option(label="Approve")
    page.get_by_role("button", name="Apply to selected").click()
    expect(flash(page)).to_have_text("Approved: 2 comments.")
    expect(page.locator("main")).to_contain_text("Nothing in this queue.")
    expect(select_all(page)).to_have_count(0)
    assert [status_of(live_server, i) for i in (ann, ben, cal, dee)] == ["approved", "approved", "spam", "approved"]

    # When every comment of a page is acted on in place, the box and the button go too.
    (eve,) = guest_comments(live_server, slug, unique, "Eve")
    open_desk(page, slug)
    item(page, eve).get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(item(page, eve).locator(".mod-item__done")).to_be_visible()
    expect(select_all(page)).to_be_hidden()
    expect(apply_to_page(page)).to_be_hidden()


def test_apply_to_all_on_a_page_without_javascript(new_context, live_server, unique):
    slug = publish_article(live_server, unique)
    held = guest_comments(live_server, slug, unique, "Ann", "Ben", "Cal")
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    sign_in(page, staff_account(live_server, "moderator", f"Morgan Moderator {unique}", unique))
    open_desk(page, slug)

    # Without the script the box could do nothing, so it is not there; the button does the same job.
    expect(select_all(page)).to_be_hidden()
    expect(page.get_by_text("Select all on this page")).to_be_hidden()
    expect(page.locator(".mod-item__select:checked")).to_have_count(0)
    page.get_by_label("With the selected comments").select_option(label="Mark spam")
    page.get_by_role("button", name="Apply to all 3 on this page").click()
    expect(flash(page)).to_have_text("Marked as spam: 3 comments.")
    expect(page.locator("main")).to_contain_text("Nothing in this queue.")
    assert [status_of(live_server, i) for i in held] == ["spam"] * 3

    # Only the comments the page showed: the queue's next page stays as it was.
    more = guest_comments(live_server, slug, unique, *(f"Guest{n}" for n in range(27)))
    page.goto(f"/moderation?queue=pending&article={slug}")
    page.get_by_label("With the selected comments").select_option(label="Approve")
    page.get_by_role("button", name="Apply to all 25 on this page").click()
    expect(flash(page)).to_have_text("Approved: 25 comments.")
    expect(page.locator("li.mod-item")).to_have_count(2)
    assert [status_of(live_server, i) for i in more[:2]] == ["pending", "pending"]


# --- empty spam --------------------------------------------------------------------------------


def test_a_moderator_empties_the_spam_after_a_confirmation(new_context, live_server, unique):
    slug = publish_article(live_server, unique)
    mod_name = f"Morgan Moderator {unique}"
    mod_email = staff_account(live_server, "moderator", mod_name, unique)
    pills, watches, answered = guest_comments(live_server, slug, unique, "Pia", "Wes", "Ann", rules=OPEN)
    with live_server.app.app_context():
        writer = comment_service.Writer(name=f"Rob {unique}", email=f"rob-{unique}@example.org")
        reply = comment_service.post_comment(find_article(slug), writer, "A reply.", OPEN, parent_id=answered).id
    for comment_id in (pills, watches, answered):
        mark_spam(live_server, comment_id, mod_email)
    with live_server.app.app_context():
        # Whatever spam other tests left on the shared server goes too; these are the numbers to expect.
        expected = moderation.purge_preview(CommentStatus.spam, timedelta(0))
    assert expected.deleted >= 2 and expected.kept_with_replies >= 1

    page = new_context().new_page()
    sign_in(page, mod_email)
    open_desk(page, slug, "spam")
    page.get_by_role("link", name="Empty spam").click()
    expect(page).to_have_url(re.compile(r"/moderation/spam/empty$"))
    expect(page.get_by_role("heading", name="Empty spam", level=1)).to_be_visible()
    plural = "" if expected.deleted == 1 else "s"
    expect(page.locator("main .lede")).to_have_text(
        f"{expected.deleted} spam comment{plural} will be deleted for good, on every article. This cannot be undone."
    )
    expect(page.locator("main")).to_contain_text("Spam comments that have replies are kept")
    expect(page.locator("main")).to_contain_text("Each deletion is written to the moderation log, under your name.")
    before = utcnow()
    page.get_by_role("button", name=f"Delete {expected.deleted} spam comment{plural} for good").click()
    kept = expected.kept_with_replies
    expect(flash(page)).to_have_text(
        f"Deleted {expected.deleted} comment{plural} from spam for good; "
        f"kept {kept} comment{'' if kept == 1 else 's'} that {'has' if kept == 1 else 'have'} replies."
    )
    expect(page).to_have_url(re.compile(r"/moderation\?queue=spam$"))
    filter_by_article(page, slug)
    expect(page.locator("li.mod-item")).to_have_count(1)
    expect(item(page, answered)).to_be_visible()
    assert [status_of(live_server, i) for i in (pills, watches, answered, reply)] == [None, None, "spam", "approved"]
    with live_server.app.app_context():
        remarks = db.session.scalars(
            select(ModerationEvent.remark).where(
                ModerationEvent.action == "purge", ModerationEvent.created_at >= before
            )
        ).all()
    for comment_id in (pills, watches):
        assert any(r.startswith(f"comment {comment_id} purged by {mod_name} (account ") for r in remarks)
    assert len(remarks) == expected.deleted


def test_an_author_has_no_empty_spam(new_context, live_server, unique):
    slug = publish_article(live_server, unique)
    author_email = f"author-{unique}@example.org"
    (spam,) = guest_comments(live_server, slug, unique, "Pia", rules=OPEN)
    mark_spam(live_server, spam, staff_account(live_server, "moderator", f"Mo {unique}", unique))
    page = new_context().new_page()
    sign_in(page, author_email)
    open_desk(page, slug, "spam")
    expect(page.get_by_role("link", name="Empty spam")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Ban this sender"))).to_have_count(0)
    assert page.goto("/moderation/spam/empty").status == 403
    assert status_of(live_server, spam) == "spam"


# --- ban this sender, and wide networks ----------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_ban_this_sender_from_the_desk(new_context, live_server, unique, javascript):
    slug = publish_article(live_server, unique)
    network = "192.0.2.0/24"
    first, second = guest_comments(live_server, slug, unique, "Vic", "Vic", rules=OPEN, network=network)
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, staff_account(live_server, "moderator", f"Morgan Moderator {unique}", unique))
    open_desk(page, slug, "approved")

    item(page, second).get_by_role("link", name=f"Ban this sender of comment {second} by Vic {unique}").click()
    expect(page).to_have_url(re.compile(rf"/moderation/bans\?comment={second}$"))
    expect(page.locator(".notice--sender")).to_contain_text(f"Banning the sender of comment {second} by Vic {unique}")
    expect(page.get_by_label("Ban by")).to_have_value("email")
    expect(page.get_by_label("Value")).to_have_value(f"vic-{unique}@example.org")
    page.get_by_role("link", name=f"the network {network}").click()
    expect(page.get_by_label("Ban by")).to_have_value("network")
    expect(page.get_by_label("Value")).to_have_value(network)
    expect(page.get_by_role("link", name=f"the network {network}")).to_have_attribute("aria-current", "true")
    page.get_by_label("Reason").fill("Selling watches.")
    page.get_by_label("Also move this sender's existing comments to spam").check()
    page.get_by_role("button", name="Add the ban").click()
    expect(flash(page).locator(".flash")).to_have_text(
        re.compile(r"^Ban #\d+ added; 2 existing comments moved to spam\.$")
    )
    expect(page.get_by_role("row").filter(has=page.get_by_text(network, exact=True))).to_contain_text(
        "Selling watches."
    )
    lift_bans_on(live_server, network)
    assert [status_of(live_server, i) for i in (first, second)] == ["spam", "spam"]


def test_a_network_ban_wider_than_a_16_asks_first(new_context, live_server, unique):
    wide = "198.18.0.0/15"  # the benchmarking range: no test's comments come from it
    page = new_context().new_page()
    sign_in(page, staff_account(live_server, "moderator", f"Morgan Moderator {unique}", unique))
    page.goto("/moderation/bans")
    page.get_by_label("Ban by").select_option(label="IP address or network")
    page.get_by_label("Value").fill(wide)
    page.get_by_label("Reason").fill(f"A botnet {unique}.")
    page.get_by_role("button", name="Add the ban").click()
    warning = (
        f"{wide} is wider than a /16: it spans 512 /24 networks and would catch many people besides this sender. "
        "Confirm to ban the whole network anyway."
    )
    expect(page.locator(".form-errors")).to_have_text(warning)
    expect(page.get_by_label("Value")).to_have_value(wide)
    expect(page.get_by_label("Value")).to_have_attribute("aria-invalid", "true")
    with live_server.app.app_context():
        assert db.session.scalar(select(Ban).where(Ban.reason == f"A botnet {unique}.")) is None

    page.get_by_label("Ban this whole network anyway").check()
    page.get_by_role("button", name="Add the ban").click()
    expect(flash(page).locator(".flash")).to_have_text(
        re.compile(r"^Ban #\d+ added; 0 existing comments moved to spam\.$")
    )
    expect(page.get_by_role("row").filter(has=page.get_by_text(wide, exact=True))).to_contain_text(
        f"A botnet {unique}."
    )
    expect(page.get_by_label("Ban this whole network anyway")).to_have_count(0)
    lift_bans_on(live_server, wide)
