"""Journeys through an article's discussion in a real browser: guests and readers comment, reply,
edit, delete, make mistakes, and try to break the page.

Each test publishes its own article (through the services, which is quicker than the Write page and
already covered by test_journeys.py) and opens fresh browser contexts, so no test depends on another.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import card, comment, comments_heading, flash

from app.services import accounts
from app.services import comments as comment_service
from app.services.articles import create_article, find_article

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}
ARTICLE_BODY = """Most disputes about a **deposit** end in small claims court.

You do not need a lawyer to file, and the fee is modest.
"""
EMPTY_COMMENT = "Write something before posting."
LINK_REL = "nofollow ugc noopener"


# --- setting the scene -------------------------------------------------------------------------


def publish_article(live_server, unique: str, title: str = "Getting a deposit back", author_name: str | None = None):
    """A published article by a new author account; returns (slug, author email)."""
    email = f"author-{unique}@example.org"
    config = live_server.app.config
    with live_server.app.app_context():
        author = accounts.create_user(
            email,
            author_name or f"Grace Author {unique}",
            PASSWORD,
            "author",
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )
        slug = f"{re.sub(r'[^a-z]+', '-', title.lower()).strip('-')}-{unique}"
        article = create_article(author, title, ARTICLE_BODY, published=True, slug=slug)
        return article.slug, email


def seed_comment(live_server, slug: str, name: str, body: str, parent_id: int | None = None, website: str | None = None,
                 account: str | None = None) -> int:
    """A comment stored through the service, for scenes where only the result matters: a guest's,
    or the account's with that email."""
    with live_server.app.app_context():
        article = find_article(slug)
        if account:
            writer = comment_service.Writer(user=accounts.find_user_by_email(account))
        else:
            writer = comment_service.Writer(name=name, email=f"{name.split()[0].lower()}@example.org", website=website)
        rules = comment_service.CommentRules.from_config(live_server.app.config)
        return comment_service.post_comment(article, writer, body, rules, parent_id=parent_id).id


# --- what a person sees and does ---------------------------------------------------------------


def url_of(live_server, path: str) -> re.Pattern:
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def comment_url(live_server, slug: str) -> re.Pattern:
    """The article page scrolled to one comment, as after posting, editing or replying."""
    return re.compile("^" + re.escape(f"{live_server.url}/articles/{slug}") + r"#comment-(\d+)$")


def new_comment_id(page, live_server, slug: str) -> int:
    """Wait for the redirect to the new comment and return its id."""
    pattern = comment_url(live_server, slug)
    expect(page).to_have_url(pattern)
    return int(pattern.match(page.url).group(1))






def fill_comment(form, body: str, name: str | None = None, email: str | None = None, website: str | None = None,
                 remember: bool = False) -> None:
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
    form.get_by_role("button", name="Post comment").click()

    first = new_comment_id(page, live_server, slug)
    expect(flash(page)).to_have_text("Your comment is published.")
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

    # Reply opens a form in place: no page load, no ?reply_to= in the address.
    page_url = page.url
    page.evaluate("window.__samePage = true")
    card(page, first).get_by_role("link", name=f"Reply to {name}").click()
    reply_form = page.locator(f"form#reply-{first}")
    expect(reply_form).to_be_visible()
    expect(card(page, first).locator(f"form#reply-{first}")).to_have_count(1)
    assert page.url == page_url and "reply_to" not in page.url
    assert page.evaluate("window.__samePage") is True, "clicking Reply loaded a new page"
    expect(reply_form.locator(".comment-form__context")).to_have_text(f"Replying to {name}")
    expect(reply_form.get_by_label("Comment", exact=True)).to_be_focused()
    expect(reply_form.get_by_label("Comment", exact=True)).to_have_attribute("id", f"reply-{first}-body")
    expect(reply_form.get_by_label("Comment", exact=True)).to_have_value("")
    # The remembered details fill the reply form too.
    expect(reply_form.get_by_label("Name", exact=True)).to_have_value(name)
    expect(reply_form.get_by_label("Email", exact=True)).to_have_value(email)
    fill_comment(reply_form, "Adding one thing: photograph the meters on the last day.")
    reply_form.get_by_role("button", name="Post reply").click()

    reply = new_comment_id(page, live_server, slug)
    assert reply != first
    expect(comments_heading(page)).to_have_text("2 comments")
    expect_nested(page, first, reply)
    expect(card(page, reply).locator(".comment__text")).to_have_text(
        "Adding one thing: photograph the meters on the last day."
    )

    # A second guest, in a browser of their own, answers the reply.
    other_name = f"Tom Neighbour {unique}"
    other = new_context().new_page()
    other.goto(f"/articles/{slug}")
    expect(card(other, first).get_by_role("link", name="Edit your comment", exact=True)).to_have_count(0)
    expect(card(other, first).get_by_role("link", name="Delete your comment", exact=True)).to_have_count(0)
    card(other, reply).get_by_role("link", name=f"Reply to {name}").click()
    other_form = other.locator(f"form#reply-{reply}")
    expect(other_form).to_be_visible()
    assert "reply_to" not in other.url
    # Not remembered on this device: the second guest starts from empty fields.
    expect(other_form.get_by_label("Name", exact=True)).to_have_value("")
    fill_comment(other_form, "Meter photos saved me forty pounds.", other_name, f"tom-{unique}@example.org")
    other_form.get_by_role("button", name="Post reply").click()

    answer = new_comment_id(other, live_server, slug)
    expect(comments_heading(other)).to_have_text("3 comments")
    expect_nested(other, first, reply)
    expect_nested(other, reply, answer)
    expect(card(other, answer).locator(".comment__author")).to_have_text(other_name)
    expect(card(other, answer).get_by_role("link", name="Edit your comment", exact=True)).to_be_visible()
    # The first guest sees the whole thread, and no Edit on a comment that is not theirs.
    page.reload()
    expect_nested(page, reply, answer)
    expect(card(page, answer).get_by_role("link", name="Edit your comment", exact=True)).to_have_count(0)


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
    form.get_by_role("button", name="Post comment").click()
    first = new_comment_id(reader, live_server, slug)
    expect(card(reader, first).locator(".comment__author")).to_have_text(name)
    expect(card(reader, first).locator(".comment__edited")).to_have_count(0)

    # Edit within the window.
    card(reader, first).get_by_role("link", name="Edit your comment", exact=True).click()
    expect(reader).to_have_url(url_of(live_server, f"/comments/{first}/edit"))
    expect(reader.get_by_role("heading", name="Edit your comment", level=1)).to_be_visible()
    box = reader.get_by_label("Comment", exact=True)
    expect(box).to_have_value("The fee is modest, but is it refundable?")
    box.fill("The fee is modest, and the court can order the landlord to repay it.")
    reader.get_by_role("button", name="Save").click()
    assert new_comment_id(reader, live_server, slug) == first
    expect(flash(reader)).to_have_text("Your comment is updated.")
    expect(card(reader, first).locator(".comment__text")).to_have_text(
        "The fee is modest, and the court can order the landlord to repay it."
    )
    expect(card(reader, first).locator(".comment__edited")).to_have_text("edited")

    # Someone else replies to it.
    guest = new_context().new_page()
    guest.goto(f"/articles/{slug}")
    expect(card(guest, first).get_by_role("link", name="Edit your comment", exact=True)).to_have_count(0)
    card(guest, first).get_by_role("link", name=f"Reply to {name}").click()
    guest_form = guest.locator(f"form#reply-{first}")
    fill_comment(guest_form, "It was repaid in my case.", f"Bo Guest {unique}", f"bo-{unique}@example.org")
    guest_form.get_by_role("button", name="Post reply").click()
    reply = new_comment_id(guest, live_server, slug)

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
    reader.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    second = new_comment_id(reader, live_server, slug)
    expect(comments_heading(reader)).to_have_text("2 comments")
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

    form = page.locator("form#comment-form")
    fill_comment(form, "   ", name, email)
    form.get_by_role("button", name="Post comment").click()
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

    too_long = ("word " * 1001)[:5001]
    assert len(too_long) == 5001 and too_long == too_long.strip()
    box.fill(too_long)
    form.get_by_role("button", name="Post comment").click()
    form = page.locator("form#comment-form")
    box = form.get_by_label("Comment", exact=True)
    expect(page.locator("#body-error")).to_have_text("A comment is at most 5,000 characters (this one has 5,001).")
    expect(box).to_have_value(too_long)
    expect(form.get_by_label("Name", exact=True)).to_have_value(name)

    # Trimmed to the limit, it goes through.
    box.fill(too_long[:5000])
    form.get_by_role("button", name="Post comment").click()
    new_comment_id(page, live_server, slug)
    expect(comments_heading(page)).to_have_text("1 comment")


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
    form.get_by_role("button", name="Post comment").click()
    form = page.locator("form#comment-form")
    expect(page.locator("#website-error")).to_have_text("A website is an address starting with http:// or https://.")
    expect(form.get_by_label("Comment", exact=True)).to_have_value(body)
    form.get_by_label("Website (optional)", exact=True).fill("")
    form.get_by_role("button", name="Post comment").click()
    hostile = new_comment_id(page, live_server, slug)

    page.reload()
    text = card(page, hostile).locator(".comment__text")
    expect(text).to_contain_text("<script>window.__pwned=1</script>")
    expect(text).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(text).to_contain_text(long_word)
    expect(text.locator("script, img")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None
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
    author_name = "Grace Hopkins"
    slug, author_email = publish_article(
        live_server, unique, title="What to do when the deposit does not come back", author_name=author_name
    )
    priya = seed_comment(
        live_server, slug, "Priya Natarajan",
        "Does this still apply when the deposit sits in a protection scheme? "
        "Mine has been “under dispute” for a month.",
    )
    seed_comment(
        live_server, slug, "Tom Becker", "Same here. The scheme took six weeks to answer, so **start early**.",
        parent_id=priya, website="https://example.org/tom",
    )
    sam = seed_comment(
        live_server, slug, "Sam Okafor",
        "Keeping every receipt is what won it for me. My checklist: https://example.org/deposit-checklist",
    )
    seed_comment(live_server, slug, "Alex Morgan", "Did you photograph the flat on the last day too?", parent_id=sam)

    author = new_context().new_page()
    sign_in(author, author_email)
    author.goto(f"/articles/{slug}")
    card(author, priya).get_by_role("link", name="Reply to Priya Natarajan").click()
    reply_form = author.locator(f"form#reply-{priya}")
    fill_comment(reply_form, "Yes: the scheme’s free dispute service comes first. Court is for when that fails.")
    reply_form.get_by_role("button", name="Post reply").click()
    answer = new_comment_id(author, live_server, slug)
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
    visitor.locator(".comments__form-title").scroll_into_view_if_needed()
    visitor.screenshot(path=str(screenshots_dir / "comment-form-error.png"))

    for shot in ("article-thread.png", "article-thread-phone.png", "comment-form-error.png"):
        assert (screenshots_dir / shot).stat().st_size > 1000, f"{shot} looks empty"


# --- regressions: each of these once failed ---------------------------------------------------


def test_signing_in_from_a_comment_error_returns_to_the_article(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    email = f"reader-{unique}@example.org"
    live_server.create_user("reader", f"Kim Reader {unique}", email, PASSWORD)
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    expect(page.locator("#body-error")).to_have_text(EMPTY_COMMENT)
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


def test_a_lost_session_keeps_the_typed_comment(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    context = new_context()
    page = context.new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    fill_comment(form, "A long, careful comment.", f"Sol Guest {unique}", f"sol-{unique}@example.org")
    context.clear_cookies()
    page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    boxes = page.locator("form#comment-form textarea")
    assert boxes.count() == 1 and boxes.input_value() == "A long, careful comment.", page.locator("main").inner_text()


def test_account_names_lose_direction_overrides_too(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    page = new_context().new_page()
    register(page, f"Eve \u202egnp.exe {unique}", f"eve-{unique}@example.org")
    page.goto(f"/articles/{slug}")
    fill_comment(page.locator("form#comment-form"), "Hello.")
    page.locator("form#comment-form").get_by_role("button", name="Post comment").click()
    posted = new_comment_id(page, live_server, slug)
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
    slug, author_email = publish_article(live_server, unique)
    question = seed_comment(live_server, slug, "Priya Natarajan", "A question.")
    sibling = seed_comment(live_server, slug, "Tom Becker", "A guess.", parent_id=question)
    answer = seed_comment(live_server, slug, "", "The answer.", parent_id=question, account=author_email)
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
