"""Reading and writing a discussion in a real browser: the live preview under the comment form (and under
reply forms opened in place), long sub-threads that fold, a thread on a phone, and the same page without
JavaScript. Also the screenshots of the preview and of an article's history with a diff.

Articles, accounts and scene-setting comments come from the services; what a reader types and clicks goes
through the page. Each test builds its own article and opens fresh browser contexts.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment
from app.services import accounts, notes
from app.services import comments as comment_service
from app.services.articles import create_article, find_article, revisions_of, update_article
from app.services.settings import comment_rules
from tests.e2e.pages import card, comments_heading, flash

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}
LINK_REL = "nofollow ugc noopener"
FIRST_PARAGRAPH = "The deposit comes back within 30 days of the end of the tenancy."
ARTICLE_BODY = f"""{FIRST_PARAGRAPH}

You do not need a lawyer to file, and the fee is modest.

- Keep every receipt
- Write down the dates
"""


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
        return create_article(author, title, ARTICLE_BODY, published=True, slug=slug).slug, email


def seed_comment(live_server, slug: str, name: str, body: str, parent_id: int | None = None) -> int:
    """A guest's published comment, stored through the service. The email is new each time, so no
    other module's moderation of a same-named guest (trusted, or often rejected) changes the outcome."""
    with live_server.app.app_context():
        email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
        writer = comment_service.Writer(name=name, email=email)
        rules = comment_rules(live_server.app.config)
        return comment_service.post_comment(find_article(slug), writer, body, rules, parent_id=parent_id).id


def count_comments(live_server, slug: str) -> int:
    """Every comment stored on the article, whatever its status."""
    with live_server.app.app_context():
        article_id = find_article(slug).id
        return db.session.scalar(select(func.count(Comment.id)).where(Comment.article_id == article_id))


# --- what a person sees and does ---------------------------------------------------------------


def preview_of(form):
    return form.locator(".comment-form__preview")


def preview_body(form):
    return form.locator(".comment-form__preview-body")


def expect_javascript_off(context) -> None:
    probe = context.new_page()
    probe.set_content("<p id='probe'>off</p><script>document.getElementById('probe').textContent = 'on'</script>")
    expect(probe.locator("#probe")).to_have_text("off")
    probe.close()


def expect_no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]}px of content in {widths[1]}px"


def watch_previews(page) -> list[str]:
    """Every preview request the page sends, as it sends it."""
    sent: list[str] = []

    def note(request):
        if "/comments/preview" in request.url:
            sent.append(request.post_data or "")

    page.on("request", note)
    return sent


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out")).to_be_visible()


def fold_button(page, comment_id: int):
    return card(page, comment_id).locator("button.comment__fold")


def replies(page, comment_id: int):
    return page.locator(f"ol#replies-{comment_id}")


def long_thread(live_server, slug: str) -> dict[str, int]:
    """Priya's question with three replies below it (one nested), and Dana's with two."""
    ids = {"priya": seed_comment(live_server, slug, "Priya Natarajan", "Does this apply to a protection scheme?")}
    ids["tom"] = seed_comment(live_server, slug, "Tom Becker", "Yes, the scheme took six weeks.", ids["priya"])
    ids["alex"] = seed_comment(live_server, slug, "Alex Morgan", "Mine took four.", ids["priya"])
    ids["sam"] = seed_comment(live_server, slug, "Sam Okafor", "Six weeks for me too, Tom.", ids["tom"])
    ids["dana"] = seed_comment(live_server, slug, "Dana Whitfield", "Keep every receipt.")
    ids["kwame"] = seed_comment(live_server, slug, "Kwame Mensah", "And photos of the meters.", ids["dana"])
    ids["lena"] = seed_comment(live_server, slug, "Lena Fischer", "Good advice.", ids["dana"])
    return ids


# --- the live preview --------------------------------------------------------------------------


def test_the_preview_follows_what_is_typed_and_stores_nothing(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    first = seed_comment(live_server, slug, "Priya Natarajan", "Does this still apply?")
    page = new_context().new_page()
    sent = watch_previews(page)
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    box = form.get_by_label("Comment", exact=True)
    expect(preview_of(form)).to_be_hidden()

    # Typed at a steady pace, the text is sent once the writer pauses, not on every key.
    typed = "Keep **every** receipt: https://example.org/deposits <script>window.__pwned=1</script>"
    box.press_sequentially(typed, delay=15)
    expect(preview_of(form)).to_be_visible()
    expect(preview_of(form).locator(".comment-form__preview-label")).to_have_text("Preview")
    shown = preview_body(form)
    expect(shown).to_have_attribute("aria-live", "polite")
    expect(shown.locator("strong")).to_have_text("every")
    link = shown.get_by_role("link", name="https://example.org/deposits")
    expect(link).to_have_attribute("href", "https://example.org/deposits")
    expect(link).to_have_attribute("rel", LINK_REL)
    expect(shown).to_contain_text("<script>window.__pwned=1</script>")
    expect(shown.locator("script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None
    page.wait_for_timeout(500)  # past the pause: any late request would have gone by now
    assert 1 <= len(sent) <= 3, f"{len(sent)} preview requests for {len(typed)} keys: not debounced"

    # More text updates it; emptying the box hides it.
    box.press_sequentially("\n\n> A quote")
    expect(shown.locator("blockquote")).to_have_text("A quote")
    box.fill("")
    expect(preview_of(form)).to_be_hidden()
    box.fill("   ")
    page.wait_for_timeout(500)
    expect(preview_of(form)).to_be_hidden()

    # Too long: the preview says so instead.
    box.fill("a" * 5001)
    expect(shown).to_have_text("A comment is at most 5,000 characters (this one has 5,001).")
    expect(shown.locator("p")).to_have_count(0)

    # A reply form opened in place has a preview of its own, empty until the reply is typed.
    box.fill("My own comment, *not* a reply.")
    expect(shown.locator("em")).to_have_text("not")
    card(page, first).get_by_role("link", name="Reply to Priya Natarajan").click()
    reply_form = page.locator(f"form#reply-{first}")
    expect(reply_form).to_be_visible()
    expect(preview_of(reply_form)).to_be_hidden()
    expect(preview_body(reply_form)).to_have_text("")
    reply_form.get_by_label("Comment", exact=True).press_sequentially("Only in the **reply**.")
    expect(preview_body(reply_form).locator("strong")).to_have_text("reply")
    expect(preview_body(reply_form)).not_to_contain_text("My own comment")
    expect(shown).to_have_text("My own comment, not a reply.")

    # Previewing posted nothing.
    page.reload()
    expect(comments_heading(page)).to_have_text("1 comment")
    assert count_comments(live_server, slug) == 1


def test_a_late_preview_does_not_come_back_after_the_box_is_emptied(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    page = new_context().new_page()
    held = []
    page.route("**/comments/preview", lambda route: held.append(route))  # answered when the test says so
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    box = form.get_by_label("Comment", exact=True)
    box.press_sequentially("Soon **deleted**.")
    page.wait_for_timeout(600)
    assert len(held) == 1, "the preview request was not sent"
    box.fill("")
    page.wait_for_timeout(600)
    expect(preview_of(form)).to_be_hidden()
    held.pop().continue_()  # the slow answer about the deleted text arrives
    page.wait_for_timeout(600)
    expect(box).to_have_value("")
    expect(preview_of(form)).to_be_hidden(timeout=2_000)


def test_without_javascript_there_is_no_preview_and_posting_works(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    sent = watch_previews(page)
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    form.get_by_label("Comment", exact=True).fill("Keep **every** receipt.")
    form.get_by_label("Name", exact=True).fill(f"Maya Guest {unique}")
    form.get_by_label("Email", exact=True).fill(f"maya-{unique}@example.org")
    page.wait_for_timeout(500)
    expect(preview_of(form)).to_be_hidden()
    assert sent == []

    form.get_by_role("button", name="Post comment").click()
    pattern = re.compile("^" + re.escape(f"{live_server.url}/articles/{slug}") + r"#comment-(\d+)$")
    expect(page).to_have_url(pattern)
    posted = int(pattern.match(page.url).group(1))
    expect(flash(page)).to_have_text("Your comment is published.")
    expect(card(page, posted).locator(".comment__text strong")).to_have_text("every")
    expect(preview_of(page.locator("form#comment-form"))).to_be_hidden()
    assert sent == []


# --- long sub-threads --------------------------------------------------------------------------


def test_a_long_sub_thread_folds_and_unfolds(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ids = long_thread(live_server, slug)
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    expect(comments_heading(page)).to_have_text("7 comments")

    button = fold_button(page, ids["priya"])
    expect(button).to_have_text("Hide 3 replies")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(button).to_have_attribute("aria-controls", f"replies-{ids['priya']}")
    expect(page.locator(f"#{button.get_attribute('aria-controls')}")).to_have_count(1)
    # Two replies are not a long sub-thread, and the nested ones have no button of their own.
    expect(page.locator("button.comment__fold")).to_have_count(1)
    for name in ("tom", "alex", "sam"):
        expect(card(page, ids[name])).to_be_visible()

    button.click()
    expect(replies(page, ids["priya"])).to_be_hidden()
    for name in ("tom", "alex", "sam"):
        expect(card(page, ids[name])).to_be_hidden()
    expect(button).to_have_text("Show 3 replies")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(card(page, ids["priya"]).locator(".comment__text")).to_be_visible()
    expect(card(page, ids["kwame"])).to_be_visible()

    # From the keyboard too.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_text("Hide 3 replies")
    expect(button).to_have_attribute("aria-expanded", "true")
    for name in ("tom", "alex", "sam"):
        expect(card(page, ids[name])).to_be_visible()


def test_a_long_sub_thread_under_a_removed_comment_folds_too(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ids = long_thread(live_server, slug)
    with live_server.app.app_context():
        comment_service.delete_comment(comment_service.find_comment(ids["priya"]))
    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    expect(card(page, ids["priya"]).locator(".comment__removed")).to_have_text("Comment removed.")
    expect(card(page, ids["tom"])).to_be_visible()
    button = card(page, ids["priya"]).get_by_role("button", name="Hide 3 replies")
    expect(button).to_have_count(1, timeout=3_000)
    button.click()
    expect(card(page, ids["tom"])).to_be_hidden()


def test_without_javascript_every_reply_is_shown_and_nothing_folds(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ids = long_thread(live_server, slug)
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    page = context.new_page()
    page.goto(f"/articles/{slug}")
    expect(comments_heading(page)).to_have_text("7 comments")
    expect(page.locator("button.comment__fold")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^(Hide|Show) \d+ repl"))).to_have_count(0)
    for name in ids:
        expect(card(page, ids[name])).to_be_visible()
    nested = f"li#comment-{ids['priya']} > ol#replies-{ids['priya']} > li#comment-{ids['tom']}"
    expect(page.locator(nested)).to_be_visible()


def test_a_deep_thread_fits_a_phone(new_context, live_server, unique):
    slug, _ = publish_article(live_server, unique)
    ids = long_thread(live_server, slug)
    parent = ids["sam"]
    for depth in range(6):  # past the depth limit, replies hang side by side
        parent = seed_comment(
            live_server,
            slug,
            "Lena Fischer",
            f"Reply {depth}: https://example.org/{'very-long-path-' * 6}{depth}",
            parent,
        )
    seed_comment(live_server, slug, "Omar Haddad", "Unbroken" * 40, ids["alex"])
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"/articles/{slug}")
    expect(fold_button(page, ids["priya"])).to_have_text(re.compile(r"^Hide \d+ replies$"))
    expect(card(page, parent)).to_be_visible()
    expect_no_sideways_scroll(page)
    card(page, parent).get_by_role("link", name=re.compile("^Reply")).click()
    reply_form = page.locator(f"form#reply-{parent}")
    expect(reply_form).to_be_visible()
    reply_form.get_by_label("Comment", exact=True).press_sequentially("A **preview** on a phone.")
    expect(preview_body(reply_form).locator("strong")).to_have_text("preview")
    expect_no_sideways_scroll(page)
    fold_button(page, ids["priya"]).click()
    expect(card(page, parent)).to_be_hidden()
    expect_no_sideways_scroll(page)


# --- screenshots -------------------------------------------------------------------------------


def test_screenshots_of_the_preview_and_of_the_history(new_context, live_server, unique, screenshots_dir):
    # Plain names so the screenshots in docs/ read well; only the slug and the emails are unique.
    slug, writer_email = publish_article(
        live_server, unique, title="What to do when the deposit does not come back", writer_name="Grace Hopkins"
    )
    priya = seed_comment(
        live_server, slug, "Priya Natarajan", "Does this still apply when the deposit sits in a protection scheme?"
    )
    seed_comment(live_server, slug, "Tom Becker", "Same here. The scheme took six weeks to answer.", priya)

    page = new_context().new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    form.get_by_label("Comment", exact=True).press_sequentially(
        "Keeping **every receipt** is what won it for me.\n\n> Photograph the meters on the last day.\n\n"
        "My checklist: https://example.org/deposit-checklist"
    )
    form.get_by_label("Name", exact=True).fill("Sam Okafor")
    form.get_by_label("Email", exact=True).fill("sam@example.org")
    expect(preview_body(form).locator("blockquote")).to_have_text("Photograph the meters on the last day.")
    expect(preview_body(form).get_by_role("link")).to_have_attribute("rel", LINK_REL)
    page.evaluate("document.activeElement.blur(); document.querySelector('.comments__form-title').scrollIntoView()")
    page.screenshot(path=str(screenshots_dir / "comment-preview.png"))

    # A correction, then an edit of the paragraph it corrects: the history shows both, and the diff.
    with live_server.app.app_context():
        article = find_article(slug)
        author = accounts.find_user_by_email(writer_email)
        notes.add_note(
            article,
            author,
            "correction",
            "An earlier version said 30 days. The deadline is 10 days.",
            paragraph="p-1",
            prompted_by=[],
        )
        update_article(article, body=ARTICLE_BODY.replace("30 days", "10 days"), editor=author)
        first_version = revisions_of(article)[0].id
    page.goto(f"/articles/{slug}/history?from={first_version}")
    expect(page.get_by_role("heading", name="History of this article", level=1)).to_be_visible()
    expect(page.locator(".diff .diff__body del")).to_have_text(["Removed: 30 "])
    expect(page.locator(".diff .diff__body ins")).to_have_text(["Added: 10 "])
    entries = page.locator("ol.timeline > li")
    expect(entries).to_have_count(3)
    expect(entries.nth(1)).to_contain_text("Correction added — ")
    page.screenshot(path=str(screenshots_dir / "history-diff.png"), full_page=True)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"/articles/{slug}/history?from={first_version}")
    expect(phone.locator(".diff .diff__body ins")).to_have_text(["Added: 10 "])
    expect_no_sideways_scroll(phone)
    phone.screenshot(path=str(screenshots_dir / "history-diff-phone.png"), full_page=True)

    for shot in ("comment-preview.png", "history-diff.png", "history-diff-phone.png"):
        assert (screenshots_dir / shot).stat().st_size > 1000, f"{shot} looks empty"
