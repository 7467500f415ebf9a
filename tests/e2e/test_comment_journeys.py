"""Journeys through an article's discussion in a real browser: guests and readers comment, reply,
edit, delete, make mistakes, and try to break the page.

Each test publishes its own article (through the services, which is quicker than the Write page and
already covered by test_journeys.py) and opens fresh browser contexts, so no test depends on another.
"""

import re

import pytest
from playwright.sync_api import expect

from app.services import accounts
from app.services import comments as comment_service
from app.services.articles import create_article, find_article
from app.services.settings import comment_rules
from tests.e2e.pages import card, comment, comments_heading, comments_status, flash

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}
ARTICLE_BODY = """Most disputes about a **deposit** end in small claims court.

You do not need a lawyer to file, and the fee is modest.
"""
EMPTY_COMMENT = "Write something before posting."
LINK_REL = "nofollow ugc noopener"
PUBLISHED = "Your comment is published."
SESSION_LOST = "Your session expired, so nothing was posted. Your text is kept: press the button again."


# --- setting the scene -------------------------------------------------------------------------


def publish_article(live_server, unique: str, title: str = "Getting a deposit back", writer_name: str | None = None):
    """A published article by a new author account; returns (slug, author email)."""
    email = f"author-{unique}@example.org"
    config = live_server.app.config
    with live_server.app.app_context():
        author = accounts.create_user(
            email,
            writer_name or f"Grace Author {unique}",
            PASSWORD,
            "author",
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )
        slug = f"{re.sub(r'[^a-z]+', '-', title.lower()).strip('-')}-{unique}"
        article = create_article(author, title, ARTICLE_BODY, published=True, slug=slug)
        return article.slug, email


def seed_comment(
    live_server,
    slug: str,
    name: str,
    body: str,
    parent_id: int | None = None,
    website: str | None = None,
    account: str | None = None,
) -> int:
    """A comment stored through the service, for scenes where only the result matters: a guest's,
    or the account's with that email."""
    with live_server.app.app_context():
        article = find_article(slug)
        if account:
            writer = comment_service.Writer(user=accounts.find_user_by_email(account))
        else:
            writer = comment_service.Writer(name=name, email=f"{name.split()[0].lower()}@example.org", website=website)
        rules = comment_rules(live_server.app.config)
        return comment_service.post_comment(article, writer, body, rules, parent_id=parent_id).id


# --- what a person sees and does ---------------------------------------------------------------


def url_of(live_server, path: str) -> re.Pattern:
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def comment_url(live_server, slug: str) -> re.Pattern:
    """The article page scrolled to one comment, as after posting, editing or replying."""
    return re.compile("^" + re.escape(f"{live_server.url}/articles/{slug}") + r"#comment-(\d+)$")


def new_comment_id(page, live_server, slug: str) -> int:
    """Wait for the redirect to the new comment and return its id (the page's own form, without script)."""
    pattern = comment_url(live_server, slug)
    expect(page).to_have_url(pattern)
    return int(pattern.match(page.url).group(1))


def mark_page(page) -> str:
    """Leave a mark on window that only survives if no new page loads; returns the address as it is."""
    page.evaluate("window.__samePage = true")
    return page.url


def expect_same_page(page, address: str, action: str) -> None:
    """No page load since mark_page: the mark survives and the address gained no fragment or query."""
    assert page.evaluate("window.__samePage") is True, f"{action} loaded a new page"
    assert page.url == address, f"{action} moved the page from {address} to {page.url}"


def post_in_place(page, form, button: str, message: str = PUBLISHED) -> int:
    """Press the form's button with the script on and return the new comment's id. The comment is put in
    place and focused, the message goes to the live region, no flash, no page load; the top form is
    emptied, a reply form goes away."""
    address = mark_page(page)
    form_id = form.get_attribute("id")
    form.get_by_role("button", name=button).click()
    posted = page.locator("li.comment:focus")
    expect(posted).to_have_attribute("id", re.compile(r"^comment-\d+$"))
    expect(comments_status(page)).to_have_text(message)
    expect_same_page(page, address, "posting")
    expect(flash(page).locator(".flash", has_text=message)).to_have_count(0)
    if form_id == "comment-form":
        expect(form.get_by_label("Comment", exact=True)).to_have_value("")
    else:
        expect(page.locator(f"form#{form_id}")).to_have_count(0)
    return int(posted.get_attribute("id").removeprefix("comment-"))


def fill_comment(
    form,
    body: str,
    name: str | None = None,
    email: str | None = None,
    website: str | None = None,
    remember: bool = False,
) -> None:
    """Fill a comment or reply form; name and email only for guests."""
    form.get_by_label("Comment", exact=True).fill(body)
    if name is not None:
        form.get_by_label("Name", exact=True).fill(name)
    if email is not None:
        form.get_by_label("Email", exact=True).fill(email)
    if website is not None:
        form.get_by_label("Website (optional)", exact=True).fill(website)
    if remember:
        form.get_by_label("Remember my name, email and website on this device").check()


def expect_javascript_off(context) -> None:
    """Prove that the context really runs no script, so a pass means the page works without it."""
    probe = context.new_page()
    probe.set_content("<p id='probe'>off</p><script>document.getElementById('probe').textContent = 'on'</script>")
    expect(probe.locator("#probe")).to_have_text("off")
    probe.close()


def register(page, name: str, email: str) -> None:
    page.goto("/register")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    shown = name.replace("\u202e", "")  # direction overrides are stripped from names
    expect(flash(page)).to_have_text(f"Welcome, {shown}. Your account is ready.")


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def expect_nested(page, parent_id: int, child_id: int) -> None:
    """The child is drawn inside its parent's list of replies, not beside it."""
    expect(page.locator(f"li#comment-{parent_id} > ol.comment-list--replies > li#comment-{child_id}")).to_be_visible()


def expect_no_sideways_scroll(page, width: int = PHONE["width"]) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways at {width}px ({scroll_width}px wide)"


# --- the journeys ------------------------------------------------------------------------------


def test_guests_comment_and_reply_in_place_with_javascript(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    name, email = f"Maya Guest {unique}", f"maya-{unique}@example.org"
    body = "The checklist at https://example.org/deposits helped.\n\nKeep **every** receipt."

    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    expect(comments_heading(page)).to_have_text("0 comments")
    expect(page.locator("#comments")).to_contain_text("No comments yet.")
    form = page.locator("form#comment-form")
    fill_comment(form, body, name, email, remember=True)
    first = post_in_place(page, form, "Post comment")

    expect(page.locator(f"#comments > ol.comment-list > li#comment-{first}")).to_be_visible()
    expect(page.locator("#comments")).not_to_contain_text("No comments yet.")
    expect(comments_heading(page)).to_have_text("1 comment")
    expect(card(page, first).locator(".comment__author")).to_have_text(name)
    text = card(page, first).locator(".comment__text")
    expect(text.locator("strong")).to_have_text("every")
    expect(text).not_to_contain_text("**")
    link = text.get_by_role("link", name="https://example.org/deposits")
    expect(link).to_have_attribute("href", "https://example.org/deposits")
    expect(link).to_have_attribute("rel", LINK_REL)
    # The writer may change their own comment for a while.
    expect(card(page, first).get_by_role("link", name="Edit your comment", exact=True)).to_be_visible()
    expect(card(page, first).get_by_role("link", name="Delete your comment", exact=True)).to_be_visible()
    # Only the text is emptied: the guest's details stay for the next comment.
    expect(form.get_by_label("Name", exact=True)).to_have_value(name)

    # Reply opens a form in place: no page load, no ?reply_to= in the address.
    page_url = mark_page(page)
    card(page, first).get_by_role("link", name=f"Reply to {name}").click()
    reply_form = page.locator(f"form#reply-{first}")
    expect(reply_form).to_be_visible()
    expect(card(page, first).locator(f"form#reply-{first}")).to_have_count(1)
    expect_same_page(page, page_url, "clicking Reply")
    assert "reply_to" not in page.url
    expect(reply_form.locator(".comment-form__context")).to_have_text(f"Replying to {name}")
    expect(reply_form.get_by_label("Comment", exact=True)).to_be_focused()
    expect(reply_form.get_by_label("Comment", exact=True)).to_have_attribute("id", f"reply-{first}-body")
    expect(reply_form.get_by_label("Comment", exact=True)).to_have_value("")
    # The guest's details fill the reply form too.
    expect(reply_form.get_by_label("Name", exact=True)).to_have_value(name)
    expect(reply_form.get_by_label("Email", exact=True)).to_have_value(email)
    fill_comment(reply_form, "Adding one thing: photograph the meters on the last day.")
    reply = post_in_place(page, reply_form, "Post reply")

    assert reply != first
    expect(comments_heading(page)).to_have_text("2 comments")
    expect_nested(page, first, reply)
    expect(card(page, reply).locator(".comment__text")).to_have_text(
        "Adding one thing: photograph the meters on the last day."
    )
    expect(card(page, reply).get_by_role("link", name="Edit your comment", exact=True)).to_be_visible()
    # Posted in place, so only the new reply is its own: the first comment is not repeated.
    expect(comment(page, first)).to_have_count(1)

    # A second guest, in a browser of their own, answers the reply.
    other_name = f"Tom Neighbour {unique}"
    other = new_context().new_page()
    other.goto(f"/articles/{slug}")
    expect(comments_heading(other)).to_have_text("2 comments")
    expect(card(other, first).get_by_role("link", name="Edit your comment", exact=True)).to_have_count(0)
    expect(card(other, first).get_by_role("link", name="Delete your comment", exact=True)).to_have_count(0)
    card(other, reply).get_by_role("link", name=f"Reply to {name}").click()
    other_form = other.locator(f"form#reply-{reply}")
    expect(other_form).to_be_visible()
    assert "reply_to" not in other.url
    # Not remembered on this device: the second guest starts from empty fields.
    expect(other_form.get_by_label("Name", exact=True)).to_have_value("")
    fill_comment(other_form, "Meter photos saved me forty pounds.", other_name, f"tom-{unique}@example.org")
    answer = post_in_place(other, other_form, "Post reply")

    expect(comments_heading(other)).to_have_text("3 comments")
    expect_nested(other, first, reply)
    expect_nested(other, reply, answer)
    expect(card(other, answer).locator(".comment__author")).to_have_text(other_name)
    expect(card(other, answer).get_by_role("link", name="Edit your comment", exact=True)).to_be_visible()
    # What the server stored shows the same after a reload.
    other.reload()
    expect(comments_heading(other)).to_have_text("3 comments")
    expect_nested(other, reply, answer)
    expect(card(other, answer).get_by_role("link", name="Edit your comment", exact=True)).to_be_visible()
    # The first guest sees the whole thread, and no Edit on a comment that is not theirs.
    page.reload()
    expect_nested(page, reply, answer)
    expect(card(page, answer).get_by_role("link", name="Edit your comment", exact=True)).to_have_count(0)
    # Their details were remembered on this device, as asked.
    expect(page.locator("form#comment-form").get_by_label("Name", exact=True)).to_have_value(name)
    expect(page.locator("form#comment-form").get_by_label("Email", exact=True)).to_have_value(email)


def test_guests_comment_and_reply_without_javascript(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    name, email = f"Ines Guest {unique}", f"ines-{unique}@example.org"

    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    fill_comment(form, "Read https://example.org/tenancy before you sign. It is **short**.", name, email)
    form.get_by_role("button", name="Post comment").click()

    first = new_comment_id(page, live_server, slug)
    expect(flash(page)).to_have_text("Your comment is published.")
    expect(card(page, first).locator(".comment__author")).to_have_text(name)
    expect(card(page, first).locator(".comment__text strong")).to_have_text("short")
    expect(card(page, first).get_by_role("link", name="https://example.org/tenancy")).to_have_attribute("rel", LINK_REL)

    # Without script, Reply loads the page with the form already under the comment.
    card(page, first).get_by_role("link", name=f"Reply to {name}").click()
    expect(page).to_have_url(url_of(live_server, f"/articles/{slug}?reply_to={first}#reply-{first}"))
    reply_form = card(page, first).locator(f"form#reply-{first}")
    expect(reply_form).to_be_visible()
    expect(reply_form.locator(".comment-form__context")).to_have_text(f"Replying to {name}")
    expect(reply_form.get_by_role("link", name="Cancel")).to_be_visible()
    expect(page.locator("form#comment-form")).to_be_visible()  # the form for a new thread stays at the bottom
    fill_comment(reply_form, "And keep the check-in inventory.", name, email)
    reply_form.get_by_role("button", name="Post reply").click()

    reply = new_comment_id(page, live_server, slug)
    expect_nested(page, first, reply)
    expect(page.locator("form.comment-form")).to_have_count(1)  # the reply form is gone again

    other_context = new_context(java_script_enabled=False)
    other = other_context.new_page()
    other.goto(f"/articles/{slug}")
    card(other, reply).get_by_role("link", name=f"Reply to {name}").click()
    expect(other).to_have_url(url_of(live_server, f"/articles/{slug}?reply_to={reply}#reply-{reply}"))
    other_form = card(other, reply).locator(f"form#reply-{reply}")
    fill_comment(other_form, "Mine had no inventory at all.", f"Ravi Other {unique}", f"ravi-{unique}@example.org")
    other_form.get_by_role("button", name="Post reply").click()

    answer = new_comment_id(other, live_server, slug)
    expect(comments_heading(other)).to_have_text("3 comments")
    expect_nested(other, first, reply)
    expect_nested(other, reply, answer)


def test_reader_edits_and_deletes_their_comments(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    name, email = f"Ada Reader {unique}", f"ada-{unique}@example.org"

    reader = new_context().new_page()
    register(reader, name, email)
    reader.goto(f"/articles/{slug}")
    form = reader.locator("form#comment-form")
    expect(form).to_contain_text(f"Commenting as {name}.")
    expect(form.get_by_label("Name", exact=True)).to_have_count(0)
    expect(form.get_by_label("Email", exact=True)).to_have_count(0)
    fill_comment(form, "The fee is modest, but is it refundable?")
    first = post_in_place(reader, form, "Post comment")
    expect(comments_heading(reader)).to_have_text("1 comment")
    expect(card(reader, first).locator(".comment__author")).to_have_text(name)
    expect(card(reader, first).locator(".comment__edited")).to_have_count(0)

    # Edit within the window: the form opens under the comment, and saving changes it in place.
    address = mark_page(reader)
    card(reader, first).get_by_role("link", name="Edit your comment", exact=True).click()
    editing = card(reader, first).locator("form.edit-inline")
    box = editing.get_by_label("Edit your comment", exact=True)
    expect(box).to_be_focused()
    expect(box).to_have_value("The fee is modest, but is it refundable?")
    expect(card(reader, first).locator(".comment__text")).to_be_hidden()
    expect_same_page(reader, address, "clicking Edit")
    # Cancel puts the comment back as it was.
    editing.get_by_role("button", name="Cancel").click()
    expect(card(reader, first).locator("form.edit-inline")).to_have_count(0)
    expect(card(reader, first).locator(".comment__text")).to_have_text("The fee is modest, but is it refundable?")
    expect(card(reader, first).get_by_role("link", name="Edit your comment", exact=True)).to_be_focused()
    card(reader, first).get_by_role("link", name="Edit your comment", exact=True).click()
    box.fill("The fee is modest, and the court can order the landlord to repay it.")
    editing.get_by_role("button", name="Save").click()
    expect(comments_status(reader)).to_have_text("Your comment is updated.")
    expect(card(reader, first).locator("form.edit-inline")).to_have_count(0)
    expect(card(reader, first).locator(".comment__text")).to_have_text(
        "The fee is modest, and the court can order the landlord to repay it."
    )
    expect(card(reader, first).locator(".comment__edited")).to_have_text("edited")
    expect(card(reader, first).get_by_role("link", name="Edit your comment", exact=True)).to_be_focused()
    expect_same_page(reader, address, "saving the edit")
    expect(flash(reader).locator(".flash", has_text="Your comment is updated.")).to_have_count(0)
    reader.reload()
    expect(card(reader, first).locator(".comment__text")).to_have_text(
        "The fee is modest, and the court can order the landlord to repay it."
    )
    expect(card(reader, first).locator(".comment__edited")).to_have_text("edited")

    # Without script, Edit is a page of its own that comes back to the comment (same account, same cookies).
    plain = new_context(java_script_enabled=False, storage_state=reader.context.storage_state()).new_page()
    plain.goto(f"/articles/{slug}")
    card(plain, first).get_by_role("link", name="Edit your comment", exact=True).click()
    expect(plain).to_have_url(url_of(live_server, f"/comments/{first}/edit"))
    expect(plain.get_by_role("heading", name="Edit your comment", level=1)).to_be_visible()
    box = plain.get_by_label("Comment", exact=True)
    expect(box).to_have_value("The fee is modest, and the court can order the landlord to repay it.")
    box.fill("The fee is modest, and the court can order the landlord to repay it in full.")
    plain.get_by_role("button", name="Save").click()
    assert new_comment_id(plain, live_server, slug) == first
    expect(flash(plain)).to_have_text("Your comment is updated.")
    expect(card(plain, first).locator(".comment__text")).to_have_text(
        "The fee is modest, and the court can order the landlord to repay it in full."
    )
    expect(card(plain, first).locator(".comment__edited")).to_have_text("edited")

    # Someone else replies to it.
    guest = new_context().new_page()
    guest.goto(f"/articles/{slug}")
    expect(card(guest, first).get_by_role("link", name="Edit your comment", exact=True)).to_have_count(0)
    card(guest, first).get_by_role("link", name=f"Reply to {name}").click()
    guest_form = guest.locator(f"form#reply-{first}")
    fill_comment(guest_form, "It was repaid in my case.", f"Bo Guest {unique}", f"bo-{unique}@example.org")
    reply = post_in_place(guest, guest_form, "Post reply")

    # Deleting a comment with a reply leaves a placeholder for the reply to hang from.
    reader.goto(f"/articles/{slug}")
    expect(comments_heading(reader)).to_have_text("2 comments")
    card(reader, first).get_by_role("link", name="Delete your comment", exact=True).click()
    reader.get_by_role("button", name="Delete the comment").click()
    expect(reader).to_have_url(url_of(live_server, f"/articles/{slug}#comments"))
    expect(flash(reader)).to_have_text("Your comment is deleted.")
    expect(card(reader, first)).to_have_text("Comment removed.")
    expect(card(reader, first)).not_to_contain_text(name)
    expect(card(reader, first).get_by_role("link", name=re.compile("Reply"))).to_have_count(0)
    expect_nested(reader, first, reply)
    expect(card(reader, reply).locator(".comment__text")).to_have_text("It was repaid in my case.")
    expect(comments_heading(reader)).to_have_text("1 comment")

    # A comment without replies simply goes.
    fill_comment(reader.locator("form#comment-form"), "A second thought, soon regretted.")
    second = post_in_place(reader, reader.locator("form#comment-form"), "Post comment")
    expect(comments_heading(reader)).to_have_text("2 comments")
    # Delete is still a page of its own, also for a comment that was put in place.
    card(reader, second).get_by_role("link", name="Delete your comment", exact=True).click()
    reader.get_by_role("button", name="Delete the comment").click()
    expect(flash(reader)).to_have_text("Your comment is deleted.")
    expect(comment(reader, second)).to_have_count(0)
    expect(reader.locator("#comments")).not_to_contain_text("A second thought")
    expect(comments_heading(reader)).to_have_text("1 comment")

    # The guest sees the same.
    guest.reload()
    expect(card(guest, first)).to_have_text("Comment removed.")
    expect(comment(guest, second)).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_guest_sees_errors_next_to_the_field_and_keeps_what_they_typed(new_context, live_server, unique, javascript):
    slug, _ = publish_article(live_server, unique)
    name, email = f"Lee Guest {unique}", f"lee-{unique}@example.org"
    context = new_context(java_script_enabled=javascript)
    if not javascript:
        expect_javascript_off(context)
    page = context.new_page()
    page.goto(f"/articles/{slug}")
    if javascript:
        address = mark_page(page)

    form = page.locator("form#comment-form")
    fill_comment(form, "   ", name, email)
    form.get_by_role("button", name="Post comment").click()
    if not javascript:
        expect(page).to_have_url(url_of(live_server, f"/articles/{slug}/comments#comment-form"))
    form = page.locator("form#comment-form")
    box = form.get_by_label("Comment", exact=True)
    body_field = form.locator(".field", has=page.get_by_role("textbox", name="Comment", exact=True))
    expect(body_field.locator(".field__error")).to_have_text(EMPTY_COMMENT)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_attribute("aria-describedby", re.compile(r"\bbody-error\b"))
    expect(page.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    expect(form.get_by_label("Name", exact=True)).to_have_value(name)
    expect(form.get_by_label("Email", exact=True)).to_have_value(email)
    expect(comments_heading(page)).to_have_text("0 comments")
    if javascript:
        # Shown in place: the script put the server's message next to the field and loaded no page.
        expect(box).to_be_focused()
        expect_same_page(page, address, "a refused comment")

    too_long = ("word " * 1001)[:5001]
    assert len(too_long) == 5001 and too_long == too_long.strip()
    box.fill(too_long)
    form.get_by_role("button", name="Post comment").click()
    form = page.locator("form#comment-form")
    box = form.get_by_label("Comment", exact=True)
    expect(page.locator("#body-error")).to_have_text("A comment is at most 5,000 characters (this one has 5,001).")
    expect(box).to_have_value(too_long)
    expect(form.get_by_label("Name", exact=True)).to_have_value(name)
    if javascript:
        expect(body_field.locator(".field__error")).to_have_count(1)  # the new message replaced the old one
        expect_same_page(page, address, "a refused comment")

    # Trimmed to the limit, it goes through.
    box.fill(too_long[:5000])
    if javascript:
        posted = post_in_place(page, form, "Post comment")
        expect(body_field.locator(".field__error")).to_have_count(0)
        expect(box).not_to_have_attribute("aria-invalid", "true")
        expect(card(page, posted).locator(".comment__author")).to_have_text(name)
    else:
        form.get_by_role("button", name="Post comment").click()
        new_comment_id(page, live_server, slug)
    expect(comments_heading(page)).to_have_text("1 comment")


def test_an_error_shown_in_place_describes_its_field(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    fill_comment(form, "   ", f"Lee Guest {unique}", f"lee-{unique}@example.org")
    form.get_by_role("button", name="Post comment").click()
    box = form.get_by_label("Comment", exact=True)
    expect(page.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    expect(box).to_have_attribute("aria-describedby", re.compile(r"\bbody-error\b"), timeout=3_000)
    expect(box).to_have_accessible_description(re.compile(re.escape(EMPTY_COMMENT)), timeout=3_000)


def test_hostile_comment_is_shown_as_text_and_fits_a_phone(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    long_word = "A" * 300
    body = (
        "<script>window.__pwned=1</script>\n\n"
        "[x](javascript:window.__pwned=1)\n\n"
        '<img src=x onerror="window.__pwned=1">\n\n'
        f"{long_word}"
    )
    name = f"Mallory \u202egnp.exe {unique}"

    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    # A script address as the website is refused next to its field.
    fill_comment(form, body, name, f"mallory-{unique}@example.org", website="javascript:window.__pwned=1")
    address = mark_page(page)
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("#website-error")).to_have_text("A website is an address starting with http:// or https://.")
    expect(form.get_by_label("Website (optional)", exact=True)).to_be_focused()
    expect_same_page(page, address, "a refused comment")
    expect(form.get_by_label("Comment", exact=True)).to_have_value(body)
    form.get_by_label("Website (optional)", exact=True).fill("")
    hostile = post_in_place(page, form, "Post comment")

    # Inert both as the script puts it in place and as the page draws it after a reload.
    for shown in ("in place", "reloaded"):
        if shown == "reloaded":
            page.reload()
        text = card(page, hostile).locator(".comment__text")
        expect(text).to_contain_text("<script>window.__pwned=1</script>")
        expect(text).to_contain_text('<img src=x onerror="window.__pwned=1">')
        expect(text).to_contain_text(long_word)
        expect(text.locator("script, img")).to_have_count(0)
        assert page.evaluate("window.__pwned") is None, f"the comment ran script ({shown})"
        expect(page.locator('a[href^="javascript:"]')).to_have_count(0)
        # The direction override is taken out of the name, so it reads as typed.
        author = card(page, hostile).locator(".comment__author")
        expect(author).to_have_text(f"Mallory gnp.exe {unique}")
        assert "\u202e" not in author.inner_text()

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"/articles/{slug}")
    expect(card(phone, hostile).locator(".comment__text")).to_contain_text(long_word)
    assert phone.evaluate("window.__pwned") is None
    expect(phone.locator('a[href^="javascript:"]')).to_have_count(0)
    expect_no_sideways_scroll(phone)
    # Opening a reply form under it must not widen the page either.
    card(phone, hostile).get_by_role("link", name=re.compile("^Reply")).click()
    expect(phone.locator(f"form#reply-{hostile}")).to_be_visible()
    expect_no_sideways_scroll(phone)


def test_screenshots_of_a_discussion(new_context, live_server, unique, screenshots_dir):
    # Plain names and title so the screenshots in docs/ read well; only the slug is unique.
    writer_name = "Grace Hopkins"
    slug, writer_email = publish_article(
        live_server, unique, title="What to do when the deposit does not come back", writer_name=writer_name
    )
    priya = seed_comment(
        live_server,
        slug,
        "Priya Natarajan",
        "Does this still apply when the deposit sits in a protection scheme? "
        "Mine has been “under dispute” for a month.",
    )
    seed_comment(
        live_server,
        slug,
        "Tom Becker",
        "Same here. The scheme took six weeks to answer, so **start early**.",
        parent_id=priya,
        website="https://example.org/tom",
    )
    sam = seed_comment(
        live_server,
        slug,
        "Sam Okafor",
        "Keeping every receipt is what won it for me. My checklist: https://example.org/deposit-checklist",
    )
    seed_comment(live_server, slug, "Alex Morgan", "Did you photograph the flat on the last day too?", parent_id=sam)

    author = new_context().new_page()
    sign_in(author, writer_email)
    author.goto(f"/articles/{slug}")
    card(author, priya).get_by_role("link", name="Reply to Priya Natarajan").click()
    reply_form = author.locator(f"form#reply-{priya}")
    fill_comment(reply_form, "Yes: the scheme’s free dispute service comes first. Court is for when that fails.")
    answer = post_in_place(author, reply_form, "Post reply")
    expect_nested(author, priya, answer)
    expect(card(author, answer).locator(".badge")).to_have_text("Author")
    seed_comment(live_server, slug, "Priya Natarajan", "Thank you, that is clear.", parent_id=answer)

    visitor = new_context().new_page()
    visitor.goto(f"/articles/{slug}")
    expect(comments_heading(visitor)).to_have_text("6 comments")
    expect(card(visitor, answer).locator(".badge--author")).to_have_text("Author")
    expect_nested(visitor, priya, answer)
    visitor.screenshot(path=str(screenshots_dir / "article-thread.png"), full_page=True)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"/articles/{slug}")
    expect(card(phone, answer).locator(".badge--author")).to_be_visible()
    expect_no_sideways_scroll(phone)
    phone.screenshot(path=str(screenshots_dir / "article-thread-phone.png"), full_page=True)

    form = visitor.locator("form#comment-form")
    fill_comment(form, "", "Jo Visitor", "jo@example.org")
    form.get_by_role("button", name="Post comment").click()
    expect(visitor.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    expect(form.get_by_label("Comment", exact=True)).to_be_focused()  # the script has shown it in place
    visitor.locator(".comments__form-title").scroll_into_view_if_needed()
    visitor.screenshot(path=str(screenshots_dir / "comment-form-error.png"))

    phone_form = phone.locator("form#comment-form")
    fill_comment(phone_form, "", "Jo Visitor", "jo@example.org")
    phone_form.get_by_role("button", name="Post comment").click()
    expect(phone.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    phone.locator(".comments__form-title").scroll_into_view_if_needed()
    expect_no_sideways_scroll(phone)
    phone.screenshot(path=str(screenshots_dir / "comment-form-error-phone.png"))

    for shot in (
        "article-thread.png",
        "article-thread-phone.png",
        "comment-form-error.png",
        "comment-form-error-phone.png",
    ):
        assert (screenshots_dir / shot).stat().st_size > 1000, f"{shot} looks empty"


# --- regressions: each of these once failed ---------------------------------------------------


def test_signing_in_from_a_comment_error_returns_to_the_article(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    email = f"reader-{unique}@example.org"
    live_server.create_user("reader", f"Kim Reader {unique}", email, PASSWORD)
    # The form's own post: its error page sits at the POST-only /comments address (the script stays put).
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/articles/{slug}")
    page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    expect(page.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    expect(page).to_have_url(url_of(live_server, f"/articles/{slug}/comments#comment-form"))
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.title() != "Method Not Allowed — Afterword", f"signing in ended on a 405 at {page.url}"
    assert page.url.startswith(f"{live_server.url}/articles/{slug}") and "/comments" not in page.url


def test_closed_comments_offer_no_reply(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    first = seed_comment(live_server, slug, "Priya Natarajan", "Asked before the thread closed.")
    with live_server.app.app_context():
        comment_service.close_comments(find_article(slug), "The discussion has run its course.")
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/articles/{slug}?reply_to={first}")
    expect(page.locator(".notice--closed")).to_contain_text("The discussion has run its course.")
    assert page.locator(f"form#reply-{first}").count() == 0, "a reply form is offered on a closed thread"
    reply_links = card(page, first).get_by_role("link", name=re.compile("^Reply"))
    assert reply_links.count() == 0, "Reply is offered on a closed thread"


def lose_the_session_while_writing(context, page, slug: str, unique: str, javascript: bool):
    """Open the article, write a comment, then lose the session (the cookies go) before posting it."""
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    fill_comment(form, "A long, careful comment.", f"Sol Guest {unique}", f"sol-{unique}@example.org")
    if javascript:  # let the live preview answer first, so it is not asked for without a session
        expect(form.locator(".comment-form__preview-body")).to_have_text("A long, careful comment.")
    context.clear_cookies()
    return form


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_lost_session_keeps_the_typed_comment(new_context, live_server, unique, javascript):
    slug, _ = publish_article(live_server, unique)
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    form = lose_the_session_while_writing(context, page, slug, unique, javascript)
    address = mark_page(page) if javascript else None
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("form#comment-form .form-errors")).to_have_text(SESSION_LOST)
    if javascript:
        expect_same_page(page, address, "a post without a session")
    else:
        page.wait_for_load_state()
    boxes = page.locator("form#comment-form textarea")
    assert boxes.count() == 1 and boxes.input_value() == "A long, careful comment.", page.locator("main").inner_text()
    expect(comments_heading(page)).to_have_text("0 comments")
    if not javascript:  # with script, pressing again fails: test_with_script_pressing_again_after_a_lost_session_posts
        page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
        new_comment_id(page, live_server, slug)
        expect(flash(page)).to_have_text(PUBLISHED)


def test_with_script_pressing_again_after_a_lost_session_posts(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    context = new_context()
    page = context.new_page()
    form = lose_the_session_while_writing(context, page, slug, unique, javascript=True)
    form.get_by_role("button", name="Post comment").click()
    expect(form.locator(".form-errors")).to_have_text(SESSION_LOST)
    expect(form.get_by_role("button", name="Post comment")).to_be_enabled()
    form.get_by_role("button", name="Post comment").click()
    expect(comments_heading(page)).to_have_text("1 comment", timeout=5_000)


def test_account_names_lose_direction_overrides_too(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    page = new_context().new_page()
    register(page, f"Eve \u202egnp.exe {unique}", f"eve-{unique}@example.org")
    page.goto(f"/articles/{slug}")
    fill_comment(page.locator("form#comment-form"), "Hello.")
    posted = post_in_place(page, page.locator("form#comment-form"), "Post comment")
    assert "\u202e" not in card(page, posted).locator(".comment__author").text_content()
    page.reload()
    assert "\u202e" not in card(page, posted).locator(".comment__author").text_content()


def test_a_reply_form_opened_after_an_error_starts_clean(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    first = seed_comment(live_server, slug, "Priya Natarajan", "First!")
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    expect(page.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    card(page, first).get_by_role("link", name="Reply to Priya Natarajan").click()
    box = page.locator(f"form#reply-{first}").get_by_label("Comment", exact=True)
    expect(box).to_be_focused()
    assert box.get_attribute("aria-invalid") is None, "the new reply box is announced as invalid"
    assert "field--error" not in box.locator("xpath=ancestor::div[contains(@class, 'field')][1]").get_attribute("class")


def test_every_missing_field_is_reported_at_once(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    expect(page.locator("#body-error")).to_have_text(EMPTY_COMMENT)
    assert page.locator("#name-error").inner_text().strip() == "Enter your name."
    assert page.locator("#email-error").inner_text().strip() != ""


def test_an_author_reply_lines_up_with_its_siblings(new_context, live_server, unique):
    slug, writer_email = publish_article(live_server, unique)
    question = seed_comment(live_server, slug, "Priya Natarajan", "A question.")
    sibling = seed_comment(live_server, slug, "Tom Becker", "A guess.", parent_id=question)
    answer = seed_comment(live_server, slug, "", "The answer.", parent_id=question, account=writer_email)
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    expect(card(page, answer).locator(".badge--author")).to_have_text("Author")
    sibling_x = card(page, sibling).locator(".comment__author").bounding_box()["x"]
    answer_x = card(page, answer).locator(".comment__author").bounding_box()["x"]
    assert abs(answer_x - sibling_x) <= 1, f"siblings start at {sibling_x}px and {answer_x}px"


def test_the_guest_fields_line_up_on_a_desktop(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    labels = ("Name", "Email", "Website (optional)")
    tops = [form.get_by_label(label, exact=True).bounding_box()["y"] for label in labels]
    assert max(tops) - min(tops) <= 1, f"the Name, Email and Website boxes start at {tops}"
