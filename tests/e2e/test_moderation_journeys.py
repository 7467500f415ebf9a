"""Journeys through the moderation desk in a real browser: a held comment approved, comments trashed in
bulk, the site told to hold everything, readers' flags, a ban, and who may open the desk at all.

Articles, accounts and scene-setting comments come from the services (quicker, and covered elsewhere);
every decision a moderator or an admin takes goes through the pages. The site settings belong to the
one live server every test shares, so `site_settings` puts back whatever a test changed, pass or fail.
"""

import re

import pytest
from playwright.sync_api import expect

from app.services import accounts, moderation
from app.services import comments as comment_service
from app.services.articles import create_article, find_article
from app.services.settings import comment_rules, current_settings, update_settings
from tests.e2e.pages import card, comment, comments_heading, comments_status, flash

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}
ARTICLE_BODY = "Most disputes about a **deposit** end in small claims court.\n\nThe fee is modest.\n"

HELD = "Thank you. Your comment is awaiting moderation; only you can see it until then."
PUBLISHED = "Your comment is published."
PENDING_NOTICE = "Awaiting moderation — only you can see this comment until a moderator approves it."
FLAGGED = "Thank you. A moderator will look at this comment."


# --- setting the scene -------------------------------------------------------------------------


@pytest.fixture
def site_settings(live_server):
    """Change site settings for one test (as an admin would); the values in force before come back after it."""
    with live_server.app.app_context():
        before = current_settings(live_server.app.config)

    def change(**values):
        with live_server.app.app_context():
            update_settings(values, None)

    yield change
    with live_server.app.app_context():
        update_settings(before, None)


def publish_article(live_server, unique: str, title: str = "Getting a deposit back") -> str:
    """A published article by a new author account; returns its slug."""
    config = live_server.app.config
    with live_server.app.app_context():
        author = accounts.create_user(
            f"author-{unique}@example.org",
            f"Grace Author {unique}",
            PASSWORD,
            "author",
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )
        slug = f"{re.sub(r'[^a-z]+', '-', title.lower()).strip('-')}-{unique}"
        return create_article(author, title, ARTICLE_BODY, published=True, slug=slug).slug


def seed_comment(live_server, slug: str, name: str, body: str, email: str, parent_id: int | None = None) -> int:
    """A guest's comment stored through the service, screened by the settings in force."""
    with live_server.app.app_context():
        writer = comment_service.Writer(name=name, email=email)
        rules = comment_rules(live_server.app.config)
        return comment_service.post_comment(find_article(slug), writer, body, rules, parent_id=parent_id).id


def staff_account(live_server, role: str, name: str, unique: str) -> str:
    """A moderator's or an admin's account; returns its email."""
    email = f"{role}-{unique}@example.org"
    live_server.create_user(role, name, email, PASSWORD)
    return email


def pending_count(live_server, email: str) -> int:
    """What the navigation badge should say to this moderator: every held comment on the shared server."""
    with live_server.app.app_context():
        return moderation.pending_count(accounts.find_user_by_email(email))


# --- what a person sees and does ---------------------------------------------------------------


def url_of(live_server, path: str) -> re.Pattern:
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def nav(page):
    return page.get_by_role("navigation", name="Site")


def moderation_link(page):
    return nav(page).get_by_role("link", name=re.compile(r"^Moderation\b"))


def desk_item(page, comment_id: int):
    return page.locator(f"li#item-{comment_id}")


def history(item):
    return item.locator(".history > li")


def expect_javascript_off(context) -> None:
    """Prove that the context really runs no script, so a pass means the page works without it."""
    probe = context.new_page()
    probe.set_content("<p id='probe'>off</p><script>document.getElementById('probe').textContent = 'on'</script>")
    expect(probe.locator("#probe")).to_have_text("off")
    probe.close()


def expect_no_sideways_scroll(page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways at {width}px ({scroll_width}px wide)"


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()


def mark_page(page) -> str:
    """Leave a mark on window that only survives if no new page loads; returns the address as it is."""
    page.evaluate("window.__samePage = true")
    return page.url


def expect_same_page(page, address: str, action: str) -> None:
    """No page load since mark_page: the mark survives and the address gained no fragment or query."""
    assert page.evaluate("window.__samePage") is True, f"{action} loaded a new page"
    assert page.url == address, f"{action} moved the page from {address} to {page.url}"


def comment_count(page) -> int:
    """The number in the discussion's heading ("3 comments")."""
    return int(re.match(r"\d+", comments_heading(page).inner_text()).group())


def post_as_guest(
    page, live_server, slug: str, body: str, name: str, email: str, told: str, javascript: bool = True
) -> int:
    """Write a comment at the bottom of the article as a guest and check what the writer is told; returns its id.
    With script the comment is put in place and focused, `told` goes to the live region and the count goes up
    only for a published comment, with no page load; without, the redirect to it carries `told` as a flash."""
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    form.get_by_label("Comment", exact=True).fill(body)
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Email", exact=True).fill(email)
    if not javascript:
        form.get_by_role("button", name="Post comment").click()
        pattern = re.compile("^" + re.escape(f"{live_server.url}/articles/{slug}") + r"#comment-(\d+)$")
        expect(page).to_have_url(pattern)
        expect(flash(page)).to_have_text(told)
        return int(pattern.match(page.url).group(1))
    count = comment_count(page)
    address = mark_page(page)
    form.get_by_role("button", name="Post comment").click()
    posted = page.locator("li.comment:focus")
    expect(posted).to_have_attribute("id", re.compile(r"^comment-\d+$"))
    expect(comments_status(page)).to_have_text(told)
    expect_same_page(page, address, "posting")
    expect(flash(page)).to_have_count(0)
    expect(form.get_by_label("Comment", exact=True)).to_have_value("")
    now = count + 1 if told == PUBLISHED else count  # a held comment is not counted yet
    expect(comments_heading(page)).to_have_text(f"{now} comment" + ("" if now == 1 else "s"))
    return int(posted.get_attribute("id").removeprefix("comment-"))


def open_queue(page, label: str) -> None:
    """Click a queue's tab ("Pending 3") and wait for it to be the current one."""
    tab = page.get_by_role("navigation", name="Queues").get_by_role("link", name=re.compile(rf"^{label} \d+$"))
    tab.click()
    expect(tab).to_have_attribute("aria-current", "page")


def filter_by_article(page, slug: str) -> None:
    """Narrow the queue to one article: the shared server holds every other test's comments too."""
    page.get_by_label("Article address").fill(slug)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"[?&]article={re.escape(slug)}(&|$)"))


def expect_badge(page, count: int) -> None:
    """The pending count next to "Moderation" in the navigation, or no badge at all at zero."""
    badge = moderation_link(page).locator(".count")
    if count:
        expect(badge).to_have_text(str(count))
        expect(badge).to_have_attribute("aria-label", f"{count} waiting")
    else:
        expect(badge).to_have_count(0)


# --- the journeys ------------------------------------------------------------------------------


def hold_and_approve(new_context, live_server, unique: str, site_settings, javascript: bool):
    """A guest's comment is held for a new commenter, shown only to them, and a moderator approves it
    from the Pending queue. Returns the moderator's page (on the desk, filtered to the article), the
    visitor's page, the article's slug, the held comment's id and the moderator's name."""
    slug = publish_article(live_server, unique)
    earlier = [
        seed_comment(live_server, slug, f"Tom Becker {unique}", "Same here: six weeks.", f"tom-{unique}@example.org"),
        seed_comment(
            live_server, slug, f"Sam Okafor {unique}", "Buy cheap watches at my shop!", f"sam-{unique}@example.org"
        ),
    ]
    site_settings(hold_until_approved=1)
    mod_name = f"Morgan Moderator {unique}"
    mod_email = staff_account(live_server, "moderator", mod_name, unique)

    guest_context = new_context(java_script_enabled=javascript)
    if not javascript:
        expect_javascript_off(guest_context)
    guest = guest_context.new_page()
    name, email = f"Maya Guest {unique}", f"maya-{unique}@example.org"
    held = post_as_guest(guest, live_server, slug, "Does the fee come back if I win?", name, email, HELD, javascript)
    expect(card(guest, held).locator(".comment__pending")).to_have_text(PENDING_NOTICE)
    expect(card(guest, held).locator(".comment__text")).to_have_text("Does the fee come back if I win?")
    expect(card(guest, held).get_by_role("link", name=re.compile("^(Reply|Flag)"))).to_have_count(0)

    visitor = new_context(java_script_enabled=javascript).new_page()
    visitor.goto(f"/articles/{slug}")
    expect(comments_heading(visitor)).to_have_text("2 comments")
    expect(comment(visitor, held)).to_have_count(0)
    expect(visitor.locator("main")).not_to_contain_text("Does the fee come back")

    moderator_context = new_context(java_script_enabled=javascript)
    moderator = moderator_context.new_page()
    sign_in(moderator, mod_email)
    waiting = pending_count(live_server, mod_email)
    assert waiting >= 1
    expect_badge(moderator, waiting)
    moderation_link(moderator).click()
    expect(moderator).to_have_url(url_of(live_server, "/moderation"))
    expect(moderator.get_by_role("heading", name="Moderation", level=1)).to_be_visible()
    pending_tab = moderator.get_by_role("navigation", name="Queues").get_by_role("link", name=re.compile(r"^Pending"))
    expect(pending_tab).to_have_attribute("aria-current", "page")
    expect(pending_tab.locator(".count")).to_have_text(str(waiting))
    filter_by_article(moderator, slug)
    expect(moderator.locator("li.mod-item")).to_have_count(1)

    item = desk_item(moderator, held)
    expect(item.locator(".mod-item__who")).to_contain_text(name)
    expect(item.locator(".mod-item__private")).to_contain_text(email)
    expect(item.locator(".badge--status")).to_have_text("pending")
    reasons = item.locator(".mod-item__reasons")
    expect(reasons).to_contain_text("Why it was held or caught")
    expect(reasons.locator("li")).to_have_text(
        "new_commenter Held until the commenter has 1 approved comment; they have 0."
    )
    expect(reasons.locator("code")).to_have_text("new_commenter")

    desk_address = mark_page(moderator) if javascript else None
    item.get_by_role("button", name=re.compile(r"^Approve comment")).click()
    if javascript:
        # In place: the item says what happened, the queue count drops, and a reload shows it gone.
        expect(item.locator(".mod-item__done")).to_have_text(f"Comment {held} is approved.")
        expect(moderator.locator("#desk-status")).to_have_text(f"Comment {held} is approved.")
        # The tab counts this article's pending comments (the desk is filtered to it): one, now none.
        expect(pending_tab.locator(".count")).to_have_text("0")
        expect_badge(moderator, waiting - 1)  # the navigation's count follows, without a reload
        expect_same_page(moderator, desk_address, "approving")
        expect(flash(moderator)).to_have_count(0)
        moderator.reload()
    else:
        expect(flash(moderator)).to_have_text(f"Comment {held} is approved.")
    expect(moderator).to_have_url(re.compile(r"/moderation\?.*article=" + re.escape(slug)))
    expect(desk_item(moderator, held)).to_have_count(0)
    expect(moderator.locator("main")).to_contain_text("Nothing in this queue.")
    expect_badge(moderator, pending_count(live_server, mod_email))
    assert pending_count(live_server, mod_email) == waiting - 1

    visitor.reload()
    expect(comments_heading(visitor)).to_have_text("3 comments")
    expect(card(visitor, held).locator(".comment__text")).to_have_text("Does the fee come back if I win?")
    expect(card(visitor, held).locator(".comment__author")).to_have_text(name)
    guest.reload()
    expect(card(guest, held).locator(".comment__pending")).to_have_count(0)
    expect(card(guest, held).get_by_role("link", name=f"Reply to {name}")).to_be_visible()
    return moderator, visitor, slug, held, earlier, mod_name


def test_moderator_approves_a_held_comment_and_trashes_two_in_bulk(new_context, live_server, unique, site_settings):
    moderator, visitor, slug, held, (tom, sam), mod_name = hold_and_approve(
        new_context, live_server, unique, site_settings, javascript=True
    )

    # Two published comments go to the trash together, from the Recently approved queue.
    open_queue(moderator, "Recently approved")
    expect(moderator.get_by_label("Article address")).to_have_value(slug)  # the tab keeps the filter
    expect(moderator.locator("li.mod-item")).to_have_count(3)
    moderator.get_by_label(f"Select comment {tom} by Tom Becker {unique}").check()
    moderator.get_by_label(f"Select comment {sam} by Sam Okafor {unique}").check()
    moderator.get_by_label("With the selected comments").select_option(label="Trash")
    moderator.get_by_label("Reason to trash", exact=True).select_option(label="Reason: Off-topic")
    moderator.get_by_role("button", name="Apply to selected").click()
    expect(flash(moderator)).to_have_text("Moved to the trash: 2 comments.")
    expect(moderator.locator("li.mod-item")).to_have_count(1)
    expect(desk_item(moderator, held)).to_be_visible()

    open_queue(moderator, "Trash")
    expect(moderator.locator("li.mod-item")).to_have_count(2)
    for trashed in (tom, sam):
        expect(desk_item(moderator, trashed).locator(".badge--status")).to_have_text("trash")
        expect(desk_item(moderator, trashed).get_by_role("button", name="Restore")).to_be_visible()

    visitor.reload()
    expect(comments_heading(visitor)).to_have_text("1 comment")
    expect(comment(visitor, tom)).to_have_count(0)
    expect(comment(visitor, sam)).to_have_count(0)

    # Its own page tells the story: who wrote it, who trashed it, and why.
    desk_item(moderator, sam).get_by_role("link", name="Details, edit, reply").click()
    expect(moderator).to_have_url(url_of(live_server, f"/moderation/comments/{sam}"))
    expect(moderator.get_by_role("heading", name=f"Comment {sam}", level=1)).to_be_visible()
    item = desk_item(moderator, sam)
    expect(item.locator(".comment__text")).to_have_text("Buy cheap watches at my shop!")
    item.locator("summary").filter(has_text="History").click()
    expect(history(item).first).to_be_visible()
    expect(history(item)).to_have_count(2)
    expect(history(item).nth(0)).to_contain_text("submit (new → approved) by the writer")
    expect(history(item).nth(1)).to_contain_text(f"trash (approved → trash) by {mod_name}, reason: Off-topic")
    expect(moderator.get_by_role("heading", name="Edit as a moderator")).to_be_visible()
    # A trashed comment is not public, so there is nothing to reply to.
    expect(moderator.get_by_role("heading", name=re.compile("^Reply as"))).to_have_count(0)


def test_moderator_approves_a_held_comment_without_javascript(new_context, live_server, unique, site_settings):
    hold_and_approve(new_context, live_server, unique, site_settings, javascript=False)


def test_admin_holds_every_comment_then_stops(new_context, live_server, unique, site_settings):
    slug = publish_article(live_server, unique)
    admin_email = staff_account(live_server, "admin", f"Ada Admin {unique}", unique)
    with live_server.app.app_context():
        assert current_settings(live_server.app.config)["hold_all"] is False

    admin = new_context().new_page()
    sign_in(admin, admin_email)
    moderation_link(admin).click()
    admin.get_by_role("link", name="Settings", exact=True).click()
    expect(admin).to_have_url(url_of(live_server, "/moderation/settings"))
    expect(admin.get_by_role("heading", name="Moderation settings", level=1)).to_be_visible()
    hold_all = admin.get_by_label("Hold every comment")
    expect(hold_all).not_to_be_checked()
    expect(hold_all).to_have_accessible_description("Every new comment waits for a moderator.")
    hold_all.check()
    admin.get_by_role("button", name="Save the settings").click()
    expect(flash(admin)).to_have_text("Settings saved; they apply to the next comment.")
    expect(admin.get_by_label("Hold every comment")).to_be_checked()

    guest = new_context().new_page()
    held = post_as_guest(
        guest, live_server, slug, "Held, like every other.", f"Noor Guest {unique}", f"noor-{unique}@example.org", HELD
    )
    expect(card(guest, held).locator(".comment__pending")).to_have_text(PENDING_NOTICE)

    admin.get_by_role("link", name="← Back to the desk").click()
    filter_by_article(admin, slug)
    item = desk_item(admin, held)
    expect(item.locator(".mod-item__reasons code")).to_have_text("hold_all")
    expect(item.locator(".mod-item__reasons li")).to_have_text("hold_all The site holds every comment for moderation.")

    admin.goto("/moderation/settings")
    admin.get_by_label("Hold every comment").uncheck()
    admin.get_by_role("button", name="Save the settings").click()
    expect(flash(admin)).to_have_text("Settings saved; they apply to the next comment.")
    expect(admin.get_by_label("Hold every comment")).not_to_be_checked()

    other = new_context().new_page()
    published = post_as_guest(
        other,
        live_server,
        slug,
        "Straight through now.",
        f"Ivo Guest {unique}",
        f"ivo-{unique}@example.org",
        PUBLISHED,
    )
    expect(card(other, published).locator(".comment__pending")).to_have_count(0)
    visitor = new_context().new_page()
    visitor.goto(f"/articles/{slug}")
    expect(card(visitor, published).locator(".comment__text")).to_have_text("Straight through now.")
    expect(comment(visitor, held)).to_have_count(0)  # the held one still waits


def flag(
    page, live_server, slug: str, comment_id: int, author: str, reason: str, note: str = "", javascript: bool = True
) -> None:
    """A reader flags a comment from the article page: Flag, a reason, an optional note, Send. With script the
    flag page's form opens under the comment and is answered there; without, it is a page of its own."""
    page.goto(f"/articles/{slug}")
    link = card(page, comment_id).get_by_role("link", name=f"Flag comment by {author}")
    if not javascript:
        link.click()
        expect(page).to_have_url(url_of(live_server, f"/comments/{comment_id}/flag"))
        expect(page.get_by_role("heading", name="Flag this comment", level=1)).to_be_visible()
        page.get_by_role("radio", name=re.compile(rf"^{reason} —")).check()
        if note:
            page.get_by_label("Remark (optional)").fill(note)
        page.get_by_role("button", name="Send the flag").click()
        expect(page).to_have_url(url_of(live_server, f"/articles/{slug}#comment-{comment_id}"))
        expect(flash(page)).to_have_text(FLAGGED)
        return
    address = mark_page(page)
    link.click()
    form = card(page, comment_id).locator("form.flag-form")
    expect(form.get_by_role("radio").first).to_be_focused()
    expect_same_page(page, address, "clicking Flag")
    form.get_by_role("radio", name=re.compile(rf"^{reason} —")).check()
    if note:
        form.get_by_label("Remark (optional)").fill(note)
    form.get_by_role("button", name="Send the flag").click()
    expect(card(page, comment_id).locator("p.flag-form__done")).to_have_text(FLAGGED)
    expect(form).to_have_count(0)
    expect(link).to_have_count(0)
    expect_same_page(page, address, "sending the flag")
    expect(flash(page)).to_have_count(0)


def test_three_readers_flag_a_comment_and_a_moderator_dismisses_the_flags(
    new_context, live_server, unique, site_settings
):
    slug = publish_article(live_server, unique)
    author = f"Rex Rude {unique}"
    rude = seed_comment(
        live_server, slug, author, "Anyone who loses a deposit deserves it.", f"rex-{unique}@example.org"
    )
    seed_comment(live_server, slug, f"Ola Calm {unique}", "The scheme helped me.", f"ola-{unique}@example.org")
    site_settings(flag_threshold=3)
    reader_email = f"reader-{unique}@example.org"
    live_server.create_user("reader", f"Kim Reader {unique}", reader_email, PASSWORD)
    second_email = f"reader2-{unique}@example.org"
    live_server.create_user("reader", f"Lou Reader {unique}", second_email, PASSWORD)
    mod_name = f"Morgan Moderator {unique}"
    mod_email = staff_account(live_server, "moderator", mod_name, unique)
    visitor = new_context().new_page()

    # A guest and two signed-in readers, each in a browser of their own. (Every browser here comes
    # from 127.0.0.1, and guests on one network count once, so only one of them is a guest.)
    first = new_context().new_page()
    flag(first, live_server, slug, rude, author, "Abusive", "Blames the victims.")
    # This one without script, so the flag page of its own and its redirect stay covered.
    second_context = new_context(java_script_enabled=False)
    expect_javascript_off(second_context)
    second = second_context.new_page()
    sign_in(second, second_email)
    flag(second, live_server, slug, rude, author, "Off-topic", javascript=False)
    visitor.goto(f"/articles/{slug}")
    expect(card(visitor, rude).locator(".comment__text")).to_be_visible()  # two flags are not enough
    expect(comments_heading(visitor)).to_have_text("2 comments")

    third = new_context().new_page()
    sign_in(third, reader_email)
    flag(third, live_server, slug, rude, author, "Something else", "Rude to everyone.")
    third.reload()  # the flag was sent in place; the page as the server now draws it
    expect(comment(third, rude)).to_have_count(0)
    visitor.reload()
    expect(comment(visitor, rude)).to_have_count(0)
    expect(comments_heading(visitor)).to_have_text("1 comment")

    moderator = new_context().new_page()
    sign_in(moderator, mod_email)
    moderation_link(moderator).click()
    filter_by_article(moderator, slug)
    open_queue(moderator, "Flagged")
    expect(moderator.locator("li.mod-item")).to_have_count(1)
    item = desk_item(moderator, rude)
    expect(item.locator(".badge--status")).to_have_text("pending")
    flags = item.locator(".mod-item__flags")
    expect(flags.locator(".mod-item__label")).to_have_text("Flags (3 open)")
    expect(flags.locator("li")).to_have_text(
        ["abusive — “Blames the victims.”", "off topic", "other — “Rude to everyone.”"]
    )
    expect(history(item).last).to_contain_text(
        "hide (approved → pending) by rule: flag_threshold, reason: Flagged by readers — “3 readers flagged it”"
    )

    flagged_tab = moderator.get_by_role("navigation", name="Queues").get_by_role("link", name=re.compile(r"^Flagged"))
    flagged = int(flagged_tab.locator(".count").inner_text())
    address = mark_page(moderator)
    item.get_by_role("button", name="Dismiss flags").click()
    # In place (JavaScript is on here); the reload shows the queue without it.
    dismissed = f"Flags on comment {rude} dismissed; it is approved."
    expect(item.locator(".mod-item__done")).to_have_text(dismissed)
    expect(moderator.locator("#desk-status")).to_have_text(dismissed)
    expect(flagged_tab.locator(".count")).to_have_text(str(flagged - 1))
    expect_same_page(moderator, address, "dismissing the flags")
    moderator.reload()
    expect(moderator.locator("main")).to_contain_text("Nothing in this queue.")
    visitor.reload()
    expect(card(visitor, rude).locator(".comment__text")).to_have_text("Anyone who loses a deposit deserves it.")
    expect(comments_heading(visitor)).to_have_text("2 comments")


def test_moderator_bans_an_email_and_its_comments_go_to_spam(new_context, live_server, unique):
    slug = publish_article(live_server, unique)
    mod_name = f"Morgan Moderator {unique}"
    mod_email = staff_account(live_server, "moderator", mod_name, unique)
    name, email = f"Vic Vendor {unique}", f"vic-{unique}@example.org"

    guest = new_context().new_page()
    earlier = post_as_guest(guest, live_server, slug, "Great article. Visit my shop!", name, email, PUBLISHED)
    visitor = new_context().new_page()
    visitor.goto(f"/articles/{slug}")
    expect(card(visitor, earlier).locator(".comment__text")).to_be_visible()

    moderator = new_context().new_page()
    sign_in(moderator, mod_email)
    moderation_link(moderator).click()
    moderator.get_by_role("link", name="Bans", exact=True).click()
    expect(moderator).to_have_url(url_of(live_server, "/moderation/bans"))
    expect(moderator.get_by_role("heading", name="Bans", level=1)).to_be_visible()
    moderator.get_by_label("Ban by").select_option(label="Email address")
    moderator.get_by_label("Value").fill(email)
    moderator.get_by_label("Reason").fill("Advertising in every thread.")
    moderator.get_by_label("Also move this sender's existing comments to spam").check()
    moderator.get_by_role("button", name="Add the ban").click()
    added = re.compile(r"^Ban #\d+ added; 1 existing comment moved to spam\.$")
    expect(flash(moderator).locator(".flash")).to_have_text(added)
    ban_id = int(re.search(r"#(\d+)", flash(moderator).inner_text()).group(1))
    row = moderator.get_by_role("row").filter(has=moderator.get_by_text(email, exact=True))
    expect(row).to_contain_text("Advertising in every thread.")
    expect(row).to_contain_text(f"by {mod_name}")

    visitor.reload()
    expect(comment(visitor, earlier)).to_have_count(0)
    expect(comments_heading(visitor)).to_have_text("0 comments")

    moderator.get_by_role("link", name="← Back to the desk").click()
    filter_by_article(moderator, slug)
    open_queue(moderator, "Spam")
    item = desk_item(moderator, earlier)
    expect(item.locator(".badge--status")).to_have_text("spam")
    expect(item.get_by_role("button", name="Not spam")).to_be_visible()
    expect(history(item).last).to_contain_text(
        f"spam (approved → spam) by {mod_name}, reason: Banned sender — “ban #{ban_id}: Advertising in every thread.”"
    )

    # The banned sender writes again: caught as spam, and told no more than any held writer.
    again = post_as_guest(guest, live_server, slug, "Still selling. Visit my shop!", name, email, HELD)
    for shown in ("in place", "reloaded"):
        if shown == "reloaded":
            guest.reload()
        expect(card(guest, again).locator(".comment__pending")).to_have_text(PENDING_NOTICE)
        expect(guest.locator("main")).not_to_contain_text("spam")
        expect(guest.locator("main")).not_to_contain_text("ban")
    visitor.reload()
    expect(comment(visitor, again)).to_have_count(0)
    moderator.reload()
    caught = desk_item(moderator, again)
    expect(caught.locator(".badge--status")).to_have_text("spam")
    expect(caught.locator(".mod-item__reasons li")).to_have_text(
        f"banned_sender Banned sender (email ban #{ban_id}: Advertising in every thread.)."
    )

    # Lifting the ban ends it; it stays on record.
    moderator.goto("/moderation/bans")
    moderator.get_by_role("button", name=f"Lift ban {ban_id}").click()
    expect(flash(moderator)).to_have_text(f"Ban #{ban_id} lifted.")
    expect(moderator.get_by_role("button", name=f"Lift ban {ban_id}")).to_have_count(0)


def test_a_banned_writer_sees_their_comment_as_awaiting_moderation(new_context, live_server, unique):
    slug = publish_article(live_server, unique)
    email = f"zed-{unique}@example.org"
    with live_server.app.app_context():
        moderator = accounts.find_user_by_email(staff_account(live_server, "moderator", f"Mo {unique}", unique))
        moderation.create_ban("email", email, "Advertising.", moderator)
    guest = new_context().new_page()
    caught = post_as_guest(guest, live_server, slug, "Visit my shop!", f"Zed Vendor {unique}", email, HELD)
    expect(card(guest, caught).locator(".comment__pending")).to_have_text(PENDING_NOTICE, timeout=3_000)
    guest.reload()  # and as the server draws the page for them
    expect(card(guest, caught).locator(".comment__pending")).to_have_text(PENDING_NOTICE, timeout=3_000)


def test_approving_records_no_trash_reason(new_context, live_server, unique, site_settings):
    slug = publish_article(live_server, unique)
    site_settings(hold_all=True)
    alone = seed_comment(live_server, slug, f"Ann Guest {unique}", "Approved on its own.", f"ann-{unique}@example.org")
    bulk = seed_comment(live_server, slug, f"Ben Guest {unique}", "Approved in bulk.", f"ben-{unique}@example.org")
    mod_name = f"Morgan Moderator {unique}"
    # The plain form post and its redirect (the desk's script acts in place instead).
    moderator = new_context(java_script_enabled=False).new_page()
    sign_in(moderator, staff_account(live_server, "moderator", mod_name, unique))
    moderator.goto(f"/moderation?queue=pending&article={slug}")
    desk_item(moderator, alone).get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(flash(moderator)).to_have_text(f"Comment {alone} is approved.")
    moderator.get_by_label(f"Select comment {bulk} by Ben Guest {unique}").check()
    moderator.get_by_label("With the selected comments").select_option(label="Approve")
    moderator.get_by_role("button", name="Apply to selected").click()
    expect(flash(moderator)).to_have_text("Approved: 1 comment.")
    for approved in (alone, bulk):
        moderator.goto(f"/moderation/comments/{approved}")
        event = history(desk_item(moderator, approved)).last
        expect(event).to_contain_text(f"approve (pending → approved) by {mod_name}")
        expect(event).not_to_contain_text("reason", timeout=3_000)


def test_emptying_the_last_page_of_a_queue_shows_the_comments_left(new_context, live_server, unique, site_settings):
    slug = publish_article(live_server, unique)
    site_settings(hold_all=True)
    for number in range(26):  # one more than a page
        name, email = f"Guest {number} {unique}", f"g{number}-{unique}@example.org"
        seed_comment(live_server, slug, name, f"Comment {number}.", email)
    # The plain form post and its redirect (the desk's script acts in place instead).
    moderator = new_context(java_script_enabled=False).new_page()
    sign_in(moderator, staff_account(live_server, "moderator", f"Morgan Moderator {unique}", unique))
    moderator.goto(f"/moderation?queue=pending&article={slug}")
    moderator.get_by_role("navigation", name="Pages").get_by_role("link", name="Older").click()
    expect(moderator.locator("li.mod-item")).to_have_count(1)
    moderator.locator("li.mod-item").get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(flash(moderator)).to_contain_text("is approved.")
    expect(moderator.locator("li.mod-item")).to_have_count(25, timeout=3_000)


def test_reader_is_refused_the_desk_and_has_no_link_to_it(new_context, live_server, unique):
    email = f"reader-{unique}@example.org"
    live_server.create_user("reader", f"Rae Reader {unique}", email, PASSWORD)

    visitor = new_context().new_page()
    visitor.goto("/moderation")
    expect(visitor).to_have_url(re.compile(r"/login\?next=%2Fmoderation"))

    reader = new_context().new_page()
    sign_in(reader, email)
    expect(nav(reader).locator(".nav__user")).to_contain_text("(reader)")
    expect(moderation_link(reader)).to_have_count(0)
    expect(nav(reader)).not_to_contain_text("Moderation")
    for path in ("/moderation", "/moderation?queue=flagged", "/moderation/bans", "/moderation/settings"):
        response = reader.goto(path)
        assert response.status == 403, f"{path} answered {response.status} to a reader"
        expect(reader.get_by_role("heading", name="Forbidden", level=1)).to_be_visible()
        expect(reader.locator("main")).to_contain_text("You are not allowed to do that.")
        expect(reader.locator(".mod-item, .bulk-bar")).to_have_count(0)

    # A moderator has the desk and the bans, but the settings are an admin's.
    mod_email = staff_account(live_server, "moderator", f"Mo Moderator {unique}", unique)
    moderator = new_context().new_page()
    sign_in(moderator, mod_email)
    moderation_link(moderator).click()
    expect(moderator.get_by_role("link", name="Bans", exact=True)).to_be_visible()
    expect(moderator.get_by_role("link", name="Settings", exact=True)).to_have_count(0)
    assert moderator.goto("/moderation/settings").status == 403


def test_screenshots_of_the_desk(new_context, live_server, unique, site_settings, screenshots_dir):
    # Plain names so the screenshots in docs/ read well; these writers appear in no other test.
    slug = publish_article(live_server, unique, title="What to do when the deposit does not come back")
    question = seed_comment(
        live_server,
        slug,
        "Dana Whitfield",
        "Does this still apply when the deposit sits in a protection scheme?",
        "dana@example.org",
    )
    flagged = seed_comment(
        live_server,
        slug,
        "Omar Haddad",
        "Landlords are all crooks and anyone who rents from them is an idiot.",
        "omar@example.org",
    )
    with live_server.app.app_context():
        comment_row = comment_service.find_comment(flagged)
        rules = comment_rules(live_server.app.config)
        for number, (reason, note) in enumerate(
            [("abusive", "Insults every renter."), ("abusive", ""), ("off_topic", "Not about deposits.")], start=1
        ):
            moderation.flag_comment(comment_row, f"guest:screenshot-{unique}-{number}", reason, note, rules)
    site_settings(hold_until_approved=1, hold_all=True)
    seed_comment(
        live_server,
        slug,
        "Lena Fischer",
        "The scheme took six weeks to answer, so **start early**.",
        "lena@example.org",
        parent_id=question,
    )
    seed_comment(
        live_server,
        slug,
        "Kwame Mensah",
        "Photos of the meters on the last day saved me forty pounds.",
        "kwame@example.org",
    )
    mod_email = staff_account(live_server, "moderator", "Morgan Ellis", unique)

    desk = new_context().new_page()
    sign_in(desk, mod_email)
    desk.goto(f"/moderation?queue=pending&article={slug}")
    expect(desk.locator("li.mod-item")).to_have_count(3)
    expect(desk.locator(".mod-item__reasons")).to_have_count(2)
    expect(desk_item(desk, flagged).locator(".mod-item__flags .mod-item__label")).to_have_text("Flags (3 open)")
    expect_no_sideways_scroll(desk, 1280)
    desk.screenshot(path=str(screenshots_dir / "moderation-desk.png"), full_page=True)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, mod_email)
    phone.goto(f"/moderation?queue=pending&article={slug}")
    expect(phone.locator("li.mod-item")).to_have_count(3)
    phone.screenshot(path=str(screenshots_dir / "moderation-desk-phone.png"), full_page=True)
    expect_no_sideways_scroll(phone, PHONE["width"])
    for shot in ("moderation-desk.png", "moderation-desk-phone.png"):
        assert (screenshots_dir / shot).stat().st_size > 1000, f"{shot} looks empty"
