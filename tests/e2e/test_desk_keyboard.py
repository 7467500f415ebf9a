"""The moderation desk worked from the keyboard in a real browser: j/k move, a approves, s marks spam,
x selects for a bulk action, t trashes with the reason chosen in the item's menu, o opens the details and
? shows the list of shortcuts; each action happens in place. Without JavaScript the same buttons are
ordinary form posts. Also the screenshots of the moderators' overview and of the author's requests desk.

Held comments, articles and accounts come from the services; every decision goes through the page.
Each test filters the desk to its own article, since the live server is shared by every test.
"""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, ModerationEvent
from app.models.types import utcnow
from app.services import accounts, correction_requests, moderation
from app.services import comments as comment_service
from app.services.articles import create_article, find_article
from app.services.settings import CommentRules, comment_rules
from tests.e2e.pages import flash

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}
HOLD = CommentRules(hold_all=True)


# --- setting the scene -------------------------------------------------------------------------


def create_account(live_server, role: str, name: str, email: str):
    with live_server.app.app_context():
        live_server.add_user(role, name, email, PASSWORD)
    return email


def publish_article(live_server, unique: str, title: str = "Getting a deposit back", writer_name: str | None = None):
    """A published article by a new author account; returns (slug, author email)."""
    name = writer_name or f"Grace Author {unique}"
    email = create_account(live_server, "author", name, f"author-{unique}@example.org")
    with live_server.app.app_context():
        slug = f"{re.sub(r'[^a-z]+', '-', title.lower()).strip('-')}-{unique}"
        body = "Most disputes about a **deposit** end in small claims court.\n\nThe fee is modest.\n"
        create_article(accounts.find_user_by_email(email), title, body, published=True, slug=slug)
    return slug, email


def hold_comments(live_server, slug: str, unique: str, *writers: str) -> list[int]:
    """One held comment from each guest, oldest first (the desk lists them newest first)."""
    ids = []
    with live_server.app.app_context():
        article = find_article(slug)
        for number, name in enumerate(writers, start=1):
            writer = comment_service.Writer(name=f"{name} {unique}", email=f"{name.lower()}-{unique}@example.org")
            body = f"{name} asks question {number} about the deposit."
            ids.append(comment_service.post_comment(article, writer, body, HOLD).id)
    return ids


def stored(live_server, comment_id: int) -> tuple[str, str | None]:
    """The comment's status now, and the reason of its last move."""
    with live_server.app.app_context():
        status = db.session.get(Comment, comment_id).status.value
        reason = db.session.scalars(
            select(ModerationEvent.reason)
            .where(ModerationEvent.comment_id == comment_id)
            .order_by(ModerationEvent.id.desc())
            .limit(1)
        ).first()
        return status, reason


# --- what a person sees and does ---------------------------------------------------------------


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out")).to_be_visible()


def item(page, comment_id: int):
    return page.locator(f"li#item-{comment_id}")


def current_items(page):
    return page.locator("li.mod-item.is-current")


def tab(page, label: str):
    return page.get_by_role("navigation", name="Queues").get_by_role("link", name=re.compile(rf"^{label} \d+$"))


def expect_current(page, comment_id: int) -> None:
    expect(current_items(page)).to_have_count(1)
    expect(item(page, comment_id)).to_have_class(re.compile(r"\bis-current\b"))


def expect_done(page, comment_id: int, message: str, pending_left: int) -> None:
    """Acted on in place: the item is one line, the live region says it and the queue's count drops."""
    expect(item(page, comment_id).locator(".mod-item__done")).to_have_text(message)
    expect(item(page, comment_id).get_by_role("button")).to_have_accessible_name(f"Undo: {message}")
    expect(page.locator("#desk-status")).to_have_text(message)
    expect(tab(page, "Pending").locator(".count")).to_have_text(str(pending_left))


def expect_javascript_off(context) -> None:
    probe = context.new_page()
    probe.set_content("<p id='probe'>off</p><script>document.getElementById('probe').textContent = 'on'</script>")
    expect(probe.locator("#probe")).to_have_text("off")
    probe.close()


def open_desk(page, slug: str, queue: str = "pending") -> None:
    page.goto(f"/moderation?queue={queue}&article={slug}")
    expect(tab(page, "Recently approved" if queue == "approved" else queue.capitalize())).to_have_attribute(
        "aria-current", "page"
    )


# --- the journeys ------------------------------------------------------------------------------


def test_moderator_works_a_pending_queue_with_the_keyboard(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ann, ben, cal, dee, eli = hold_comments(live_server, slug, unique, "Ann", "Ben", "Cal", "Dee", "Eli")
    mod_email = create_account(live_server, "moderator", f"Morgan Moderator {unique}", f"mod-{unique}@example.org")
    page = new_context().new_page()
    sign_in(page, mod_email)
    open_desk(page, slug)
    keys = page.keyboard
    expect(page.locator("li.mod-item")).to_have_count(5)
    order = page.locator("li.mod-item").evaluate_all("items => items.map(item => item.id)")
    assert order == [f"item-{i}" for i in (eli, dee, cal, ben, ann)], "the queue is not newest first"
    expect(tab(page, "Pending").locator(".count")).to_have_text("5")
    expect(current_items(page)).to_have_count(0)
    page.evaluate("window.__samePage = true")

    # ? opens and closes the list of shortcuts.
    shortcuts = page.locator("details#shortcuts")
    expect(shortcuts.locator("dl")).to_be_hidden()
    keys.press("?")
    expect(shortcuts).to_have_attribute("open", "")
    expect(shortcuts.locator("dl")).to_be_visible()
    expect(shortcuts.locator("dt")).to_have_count(8)
    keys.press("?")
    expect(shortcuts.locator("dl")).to_be_hidden()

    # j picks the first comment, k never goes above it, j and k walk the queue.
    keys.press("j")
    expect_current(page, eli)
    expect(item(page, eli)).to_be_focused()
    keys.press("k")
    expect_current(page, eli)
    keys.press("j")
    keys.press("j")
    expect_current(page, cal)
    keys.press("k")
    keys.press("k")
    expect_current(page, eli)

    # a approves in place; the next comment becomes the current one.
    keys.press("a")
    expect_done(page, eli, f"Comment {eli} is approved.", 4)
    expect_current(page, dee)

    # j, then s marks it as spam.
    keys.press("j")
    expect_current(page, cal)
    keys.press("s")
    expect_done(page, cal, f"Comment {cal} is marked as spam.", 3)
    expect(current_items(page)).to_have_count(1)

    # x selects two comments for the bulk bar (k k goes back to the top first: Dee, then Ben and Ann).
    keys.press("k")
    keys.press("k")
    expect_current(page, dee)
    keys.press("j")
    expect_current(page, ben)
    keys.press("x")
    expect(page.get_by_label(f"Select comment {ben} by Ben {unique}")).to_be_checked()
    keys.press("j")
    expect_current(page, ann)
    keys.press("x")
    keys.press("x")
    expect(page.get_by_label(f"Select comment {ann} by Ann {unique}")).not_to_be_checked()
    keys.press("x")
    expect(page.get_by_label(f"Select comment {ann} by Ann {unique}")).to_be_checked()
    expect(page.get_by_label(f"Select comment {dee} by Dee {unique}")).not_to_be_checked()
    expect(page.get_by_label("With the selected comments")).to_have_value("approve")
    assert page.evaluate("window.__samePage") is True, "an action loaded a new page"
    apply = page.get_by_role("button", name="Apply to selected")
    apply.focus()
    keys.press("Enter")
    expect(flash(page)).to_have_text("Approved: 2 comments.")
    expect(page).to_have_url(re.compile(r"/moderation\?.*article=" + re.escape(slug)))
    expect(page.locator("li.mod-item")).to_have_count(1)
    expect(tab(page, "Pending").locator(".count")).to_have_text("1")

    # t trashes with the reason chosen in the comment's own menu (chosen with the arrow keys).
    keys.press("j")
    expect_current(page, dee)
    reason = item(page, dee).get_by_label("Trash as")
    expect(reason).to_have_value("spam")
    reason.focus()
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect(reason).to_have_value("off_topic")
    keys.press("t")  # typed while the menu has focus: no shortcut
    expect(item(page, dee).locator(".mod-item__done")).to_have_count(0)
    keys.press("Tab")
    expect(item(page, dee).get_by_role("button", name=re.compile("^Trash"))).to_be_focused()
    expect_current(page, dee)
    keys.press("t")
    expect_done(page, dee, f"Comment {dee} is in the trash.", 0)

    # A reload shows the queue as it really is now.
    page.reload()
    expect(page.locator("main")).to_contain_text("Nothing in this queue.")
    expect(tab(page, "Pending").locator(".count")).to_have_text("0")
    expect(tab(page, "Spam").locator(".count")).to_have_text("1")
    expect(tab(page, "Trash").locator(".count")).to_have_text("1")
    expect(tab(page, "Recently approved").locator(".count")).to_have_text("3")
    assert stored(live_server, eli) == ("approved", None)
    assert stored(live_server, cal) == ("spam", None)
    assert stored(live_server, ben) == ("approved", None)
    assert stored(live_server, ann) == ("approved", None)
    assert stored(live_server, dee) == ("trash", "off_topic")

    # In the Spam queue, s means "not spam"; o opens a comment's details.
    open_desk(page, slug, "spam")
    keys.press("j")
    expect_current(page, cal)
    keys.press("s")
    expect(item(page, cal).locator(".mod-item__done")).to_have_text(f"Comment {cal} is not spam; it is approved now.")
    assert stored(live_server, cal) == ("approved", None)
    open_desk(page, slug, "trash")
    expect(item(page, dee).locator(".badge--status")).to_have_text("trash")
    keys.press("j")
    keys.press("o")
    expect(page).to_have_url(re.compile(re.escape(f"/moderation/comments/{dee}") + "$"))
    expect(page.get_by_role("heading", name=f"Comment {dee}", level=1)).to_be_visible()


def test_after_acting_on_a_comment_the_next_one_becomes_current(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    first, second, third = hold_comments(live_server, slug, unique, "Ann", "Ben", "Cal")
    mod_email = create_account(live_server, "moderator", f"Morgan Moderator {unique}", f"mod-{unique}@example.org")
    page = new_context().new_page()
    sign_in(page, mod_email)
    open_desk(page, slug)
    # Newest first: Cal, Ben, Ann. Approve Ben, the middle one.
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect_current(page, second)
    page.keyboard.press("a")
    expect_done(page, second, f"Comment {second} is approved.", 2)
    expect(item(page, first)).to_have_class(re.compile(r"\bis-current\b"), timeout=3_000)


def test_typing_in_the_search_box_acts_on_nothing(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    held = hold_comments(live_server, slug, unique, "Ann", "Ben")
    mod_email = create_account(live_server, "moderator", f"Morgan Moderator {unique}", f"mod-{unique}@example.org")
    page = new_context().new_page()
    sign_in(page, mod_email)
    open_desk(page, slug)
    page.keyboard.press("j")
    expect_current(page, held[1])

    search = page.get_by_label("Text or name")
    search.click()
    page.keyboard.type("a stax jko?")
    expect(search).to_have_value("a stax jko?")
    expect(page).to_have_url(re.compile(r"/moderation\?"))
    expect(page.locator(".mod-item__done")).to_have_count(0)
    expect(page.locator(".mod-item__select:checked")).to_have_count(0)
    expect(page.locator("details#shortcuts")).not_to_have_attribute("open", "")
    expect(page.locator("#desk-status")).to_have_text("")
    expect(tab(page, "Pending").locator(".count")).to_have_text("2")
    # The article filter is a text box too.
    page.get_by_label("Article address").press("a")
    expect(page.locator(".mod-item__done")).to_have_count(0)
    assert [stored(live_server, comment_id)[0] for comment_id in held] == ["pending", "pending"]


def test_without_javascript_the_same_buttons_post_the_form(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ann, ben, cal, dee = hold_comments(live_server, slug, unique, "Ann", "Ben", "Cal", "Dee")
    mod_email = create_account(live_server, "moderator", f"Morgan Moderator {unique}", f"mod-{unique}@example.org")
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    sign_in(page, mod_email)
    open_desk(page, slug)

    # The keys do nothing here.
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(current_items(page)).to_have_count(0)
    expect(page.locator("li.mod-item")).to_have_count(4)

    item(page, dee).get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(flash(page)).to_have_text(f"Comment {dee} is approved.")
    expect(item(page, dee)).to_have_count(0)
    expect(tab(page, "Pending").locator(".count")).to_have_text("3")

    item(page, cal).get_by_role("button", name=re.compile(r"^Spam comment")).click()
    expect(flash(page)).to_have_text(f"Comment {cal} is marked as spam.")
    expect(item(page, cal)).to_have_count(0)

    item(page, ben).get_by_label("Trash as").select_option(label="Harassment")
    item(page, ben).get_by_role("button", name=re.compile(r"^Trash comment")).click()
    expect(flash(page)).to_have_text(f"Comment {ben} is in the trash.")
    expect(page.locator("li.mod-item")).to_have_count(1)

    page.get_by_label(f"Select comment {ann} by Ann {unique}").check()
    page.get_by_label("With the selected comments").select_option(label="Mark spam")
    page.get_by_role("button", name="Apply to selected").click()
    expect(flash(page)).to_have_text("Marked as spam: 1 comment.")
    expect(page.locator("main")).to_contain_text("Nothing in this queue.")
    expect(tab(page, "Pending").locator(".count")).to_have_text("0")
    expect(tab(page, "Spam").locator(".count")).to_have_text("2")

    assert stored(live_server, dee) == ("approved", None)
    assert stored(live_server, cal) == ("spam", None)
    assert stored(live_server, ben) == ("trash", "harassment")
    assert stored(live_server, ann) == ("spam", None)


# --- screenshots -------------------------------------------------------------------------------


def ask_for_corrections(live_server, slug: str, unique: str, *bodies: str) -> list[int]:
    """One guest's correction request per body, oldest first (the author's desk lists them newest first)."""
    ids = []
    with live_server.app.app_context():
        article = find_article(slug)
        for number, body in enumerate(bodies, start=1):
            guest = correction_requests.Requester(
                name=f"Reader {number} {unique}", email=f"reader{number}-{unique}@example.org"
            )
            ids.append(correction_requests.request_correction(article, guest, body, CommentRules()).id)
    return ids


def request_status(live_server, request_id: int) -> tuple[str, str | None]:
    with live_server.app.app_context():
        found = correction_requests.find_request(request_id)
        return found.status.value, found.decline_reason


def test_author_works_the_requests_desk_with_the_keyboard(new_context, live_server, unique):
    slug, writer_email = publish_article(live_server, unique)
    first, second, third, fourth = ask_for_corrections(
        live_server, slug, unique, "The fee is $30.", "The form is SC-100.", "It is ten days.", "Buy cheap pills."
    )
    page = new_context().new_page()
    sign_in(page, writer_email)
    page.goto("/author/requests")
    requests_tab = page.get_by_role("navigation", name="Request states").get_by_role(
        "link", name=re.compile(r"^Open \d+$")
    )
    expect(requests_tab.locator(".count")).to_have_text("4")
    nav_count = (
        page.get_by_role("navigation", name="Site").get_by_role("link", name=re.compile("^Requests")).locator(".count")
    )
    expect(nav_count).to_have_text("4")

    page.keyboard.press("?")
    expect(page.locator("details#shortcuts")).to_have_attribute("open", "")
    page.keyboard.press("j")  # the newest first: the spam
    expect(page.locator(f"li#request-{fourth}")).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("s")
    expect(page.locator(f"li#request-{fourth} .mod-item__done")).to_have_text(f"Request {fourth} is now spam.")
    expect(page.locator("#desk-status")).to_have_text(f"Request {fourth} is now spam.")
    expect(requests_tab.locator(".count")).to_have_text("3")
    expect(nav_count).to_have_text("3")
    expect(page.locator(f"li#request-{third}")).to_have_class(re.compile(r"\bis-current\b"))

    page.keyboard.press("a")
    expect(page.locator(f"li#request-{third} .mod-item__done")).to_have_text(f"Request {third} is now acknowledged.")
    expect(page.locator(f"li#request-{second}")).to_have_class(re.compile(r"\bis-current\b"))

    page.keyboard.press("d")  # to the decline reason; Enter declines this request only
    reason = page.locator(f"#reason-{second}")
    expect(reason).to_be_focused()
    page.keyboard.type("The form number is right for this court.")
    page.keyboard.press("Enter")  # presses this request's Decline button, which acts in place
    expect(page.locator(f"li#request-{second} .mod-item__done")).to_have_text(f"Request {second} is now declined.")
    assert request_status(live_server, second) == ("declined", "The form number is right for this court.")
    expect(nav_count).to_have_text("1")

    expect(page.locator(f"li#request-{first}")).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("w")
    expect(page).to_have_url(re.compile(rf"/articles/{re.escape(slug)}/notes/new\?request={first}"))
    expect(page.get_by_role("heading", name="Add a note", level=1)).to_be_visible()
    assert [request_status(live_server, r)[0] for r in (first, second, third, fourth)] == [
        "open",
        "declined",
        "acknowledged",
        "spam",
    ]


def test_the_requests_desk_acts_on_a_selection_in_bulk(new_context, live_server, unique):
    slug, writer_email = publish_article(live_server, unique)
    first, second = ask_for_corrections(live_server, slug, unique, "The fee is $30.", "It is ten days.")
    for javascript in (True, False):
        page = new_context(java_script_enabled=javascript).new_page()
        sign_in(page, writer_email)
        page.goto("/author/requests" if javascript else "/author/requests?status=acknowledged")
        if javascript:
            page.keyboard.press("j")
            page.keyboard.press("x")
            page.keyboard.press("j")
            page.keyboard.press("x")
            expect(page.locator("input[name=request_ids]:checked")).to_have_count(2)
            page.get_by_label("With the selected requests").select_option("acknowledge")
            page.get_by_role("button", name="Apply to selected").click()
            expect(flash(page)).to_have_text("Acknowledged: 2 requests.")
        else:
            page.get_by_label(re.compile(rf"^Select request {first}\b")).check()
            page.get_by_label("With the selected requests").select_option("spam")
            page.get_by_role("button", name="Apply to selected").click()
            expect(flash(page)).to_have_text("Filed as spam: 1 request.")
    assert [request_status(live_server, r)[0] for r in (first, second)] == ["spam", "acknowledged"]


def test_screenshots_of_the_overview_and_the_requests_desk(new_context, live_server, unique, screenshots_dir):
    # Plain names so the screenshots in docs/ read well; only the slug and the emails are unique. The
    # overview is the author's (their own articles only), so comments from other tests never show in it.
    slug, writer_email = publish_article(
        live_server, unique, title="What to do when the deposit does not come back", writer_name="Grace Hopkins"
    )
    writers = ["Priya Natarajan", "Tom Becker", "Sam Okafor", "Alex Morgan", "Dana Whitfield", "Kwame Mensah"]
    # Comments per day over the 30 days (oldest first) and how many of them ended up held, spam or trashed.
    per_day = [2, 3, 1, 0, 4, 6, 3, 2, 2, 5, 7, 4, 1, 0, 2, 3, 8, 5, 3, 2, 4, 6, 9, 4, 3, 2, 5, 3, 1, 2]
    # Each day's comments are dated from that day's midnight (UTC), so a run that crosses midnight while it
    # writes them cannot push the oldest one out of the 30-day window.
    midnight = datetime.combine(utcnow().date(), time.min, tzinfo=UTC)
    with live_server.app.app_context():
        article = find_article(slug)
        author = accounts.find_user_by_email(writer_email)
        for offset, count in enumerate(per_day):
            days_ago = len(per_day) - 1 - offset
            for n in range(count):
                name = writers[(offset + n) % len(writers)]
                writer = comment_service.Writer(name=name, email=f"{name.split()[0].lower()}-{unique}@example.org")
                body = f"Day {offset}, comment {n}: my deposit took {n + 2} weeks to come back."
                comment = comment_service.post_comment(article, writer, body, HOLD)
                outcome = (offset * 7 + n * 3) % 10
                if days_ago > 2 or outcome < 6:
                    if outcome < 7:
                        moderation.apply(comment, "approve", author)
                    elif outcome < 9:
                        moderation.apply(comment, "spam", author)
                    else:
                        moderation.apply(comment, "trash", author, "off_topic")
                comment.created_at = midnight - timedelta(days=days_ago) + timedelta(minutes=n)
                db.session.commit()
        correction_requests.request_correction(
            article,
            correction_requests.Requester(name="Priya Natarajan", email=f"priya-{unique}@example.org"),
            "The article says 30 days, but the Act gives the landlord 10 days to return the deposit.",
            comment_rules(live_server.app.config),
            source_url="https://example.org/housing-act-section-12",
        )

    desktop = new_context().new_page()
    sign_in(desktop, writer_email)
    desktop.goto("/moderation/overview")
    chart = desktop.get_by_role("img", name="Comments per day over the last 30 days, by outcome")
    expect(chart).to_be_visible()
    expect(chart.locator("g.chart__day")).to_have_count(30)
    expect(desktop.locator(".chart .field__hint")).to_contain_text(f"{sum(per_day)} in all")
    expect(desktop.locator("script")).to_have_count(0)
    desktop.screenshot(path=str(screenshots_dir / "moderation-overview.png"), full_page=True)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, writer_email)
    phone.goto("/moderation/overview")
    expect(phone.get_by_role("img", name="Comments per day over the last 30 days, by outcome")).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), "the overview scrolls sideways"
    phone.screenshot(path=str(screenshots_dir / "moderation-overview-phone.png"), full_page=True)

    desktop.goto("/author/requests")
    expect(desktop.get_by_role("heading", name="Correction requests", level=1)).to_be_visible()
    expect(desktop.locator("li.request-item")).to_have_count(1)
    expect(desktop.locator("li.request-item")).to_contain_text("from Priya Natarajan")
    desktop.screenshot(path=str(screenshots_dir / "author-desk.png"), full_page=True)
    phone.goto("/author/requests")
    expect(phone.locator("li.request-item")).to_have_count(1)
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), "the requests scroll sideways"
    phone.screenshot(path=str(screenshots_dir / "author-desk-phone.png"), full_page=True)

    shots = ("moderation-overview.png", "moderation-overview-phone.png", "author-desk.png", "author-desk-phone.png")
    for shot in shots:
        assert (screenshots_dir / shot).stat().st_size > 1000, f"{shot} looks empty"
