"""Journeys through corrections in a real browser: an author cites a reader's comment in a signed note
placed after a paragraph, edits the article under it, retracts a note with a reason, and declines a
guest's correction request; a reader is refused the note form.

Articles, accounts and scene-setting comments and notes come from the services (quicker, and covered by
the unit and functional tests); every step a journey is about goes through the pages. Each test builds
its own article and opens fresh browser contexts, so no test depends on another.
"""

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Note
from app.services import accounts, notes
from app.services import comments as comment_service
from app.services.articles import create_article, find_article
from app.services.settings import comment_rules
from app.templating import long_date
from tests.e2e.pages import card, flash

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
FIRST_PARAGRAPH = "The deposit comes back within 30 days of the end of the tenancy."
EDITED_PARAGRAPH = "The deposit comes back within 10 days of the end of the tenancy."
SECOND_PARAGRAPH = "You do not need a lawyer to file, and the fee is modest."
ARTICLE_BODY = f"""{FIRST_PARAGRAPH}

{SECOND_PARAGRAPH}

- Keep every receipt
- Write down the dates
"""
WHERE_CHOICES = [
    "At the end of the article",
    f"After paragraph 1: {FIRST_PARAGRAPH}",
    f"After paragraph 2: {SECOND_PARAGRAPH}",
    "After paragraph 3: Keep every receipt",
    "After paragraph 4: Write down the dates",
]
POINTED_OUT = "The deadline is 10 days, not 30: see section 12 of the Act."
NOTE_TEXT = "An earlier version said 30 days. The deadline is 10 days."
NOT_YOURS = "Only the article's author, its host and admins write notes on it."


# --- setting the scene -------------------------------------------------------------------------


def publish_article(live_server, unique: str) -> tuple[str, str, str]:
    """A published article by a new author account; returns (slug, author email, author name)."""
    email, name = f"author-{unique}@example.org", f"Grace Author {unique}"
    config = live_server.app.config
    with live_server.app.app_context():
        author = accounts.create_user(
            email,
            name,
            PASSWORD,
            "author",
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )
        article = create_article(
            author, "Getting a deposit back", ARTICLE_BODY, published=True, slug=f"getting-a-deposit-back-{unique}"
        )
        return article.slug, email, name


def seed_comment(live_server, slug: str, name: str, body: str) -> int:
    """A guest's published comment, stored through the service."""
    with live_server.app.app_context():
        writer = comment_service.Writer(name=name, email=f"{name.split()[0].lower()}@example.org")
        rules = comment_rules(live_server.app.config)
        return comment_service.post_comment(find_article(slug), writer, body, rules).id


def seed_note(live_server, slug: str, writer_email: str, body: str, paragraph: str = "p-1", prompted_by=()) -> int:
    """A correction by the article's author after `paragraph`, stored through the service."""
    with live_server.app.app_context():
        writer = accounts.find_user_by_email(writer_email)
        note = notes.add_note(
            find_article(slug),
            writer,
            "correction",
            body,
            paragraph=paragraph,
            prompted_by=[str(c) for c in prompted_by],
        )
        return note.id


def note_day(live_server, note_id: int, when: str = "created_at") -> str:
    """The date readers see for a note ("26 November 2026"), as the server stored it."""
    with live_server.app.app_context():
        return long_date(getattr(db.session.get(Note, note_id), when))


# --- what a person sees and does ---------------------------------------------------------------


def url_of(live_server, path: str) -> re.Pattern:
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def nav(page):
    return page.get_by_role("navigation", name="Site")


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()


def open_context(new_context, javascript: bool):
    """A fresh browser context; without JavaScript it is proved to run no script first. A reader in London's
    language on UTC, so the dates static/js/times.js shows read as the server writes them ("26 November 2026")."""
    context = new_context(java_script_enabled=javascript, locale="en-GB", timezone_id="UTC")
    if not javascript:
        probe = context.new_page()
        probe.set_content("<p id='probe'>off</p><script>document.getElementById('probe').textContent = 'on'</script>")
        expect(probe.locator("#probe")).to_have_text("off")
        probe.close()
    return context


def note(page, note_id: int):
    return page.locator(f"aside#note-{note_id}")


def note_after(page, anchor: str, note_id: int):
    """The note drawn in the article's body right after the paragraph with that anchor, nowhere else."""
    return page.locator(f".article__body > p#{anchor} + .notes-inline > aside#note-{note_id}")


def corrections_summary(page):
    return page.locator(".article__header .corrections-summary")


def expect_struck_through(locator) -> None:
    decoration = locator.evaluate("element => getComputedStyle(element).textDecorationLine")
    assert "line-through" in decoration, f"the retracted text is not struck through (text-decoration: {decoration!r})"


# --- the journeys ------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_author_cites_a_comment_in_a_correction_after_its_paragraph(new_context, live_server, unique, javascript):
    slug, writer_email, writer_name = publish_article(live_server, unique)
    reader_name = f"Priya Reader {unique}"
    pointed = seed_comment(live_server, slug, reader_name, POINTED_OUT)

    author = open_context(new_context, javascript).new_page()
    sign_in(author, writer_email)
    author.goto(f"/articles/{slug}")
    expect(corrections_summary(author)).to_have_count(0)
    expect(author.locator(".article__tools").get_by_role("link", name="Add a note", exact=True)).to_be_visible()
    card(author, pointed).get_by_role("link", name=f"Cite in a note (comment by {reader_name})").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}/notes/new?prompted_by={pointed}"))
    expect(author.get_by_role("heading", name="Add a note", level=1)).to_be_visible()
    expect(author.get_by_label("Prompted by comments")).to_have_value(str(pointed))
    cited = author.locator(".note-form .cited li")
    expect(cited).to_have_count(1)
    expect(cited).to_contain_text(f"#{pointed} {reader_name}")
    expect(cited).to_contain_text(POINTED_OUT)

    where = author.get_by_label("Where", exact=True)
    expect(where.locator("option")).to_have_text(WHERE_CHOICES)
    where.select_option(label=f"After paragraph 1: {FIRST_PARAGRAPH}")
    author.get_by_label("Kind", exact=True).select_option(label="Correction")
    author.get_by_label("Note", exact=True).fill(NOTE_TEXT)
    author.get_by_role("button", name="Add the note").click()

    added = re.compile("^" + re.escape(f"{live_server.url}/articles/{slug}") + r"#note-(\d+)$")
    expect(author).to_have_url(added)
    note_id = int(added.match(author.url).group(1))
    expect(flash(author)).to_have_text("Correction added.")
    day = note_day(live_server, note_id)

    # A visitor (no account, the same JavaScript setting) reads the same page.
    visitor = open_context(new_context, javascript).new_page()
    visitor.goto(f"/articles/{slug}")
    for page in (author, visitor):
        page.reload()
        aside = note_after(page, "p-1", note_id)
        expect(aside).to_be_visible()
        expect(page.locator(".article__body .notes-inline")).to_have_count(1)
        expect(page.get_by_role("complementary", name="Correction")).to_have_count(1)
        expect(aside.locator(".note__label")).to_have_text("Correction")
        expect(aside.locator(".note__body")).to_have_text(NOTE_TEXT)
        expect(aside.locator(".note__prompted")).to_have_text(f"Prompted by a comment from {reader_name}")
        expect(aside.locator(".note__prompted").get_by_role("link", name=reader_name)).to_have_attribute(
            "href", f"/comments/{pointed}"
        )
        expect(aside.locator(".note__signature")).to_have_text(f"Correction — {writer_name}, author · {day}")
        led_to = card(page, pointed).locator(".comment__led-to").get_by_role("link", name="Led to a correction")
        expect(led_to).to_have_attribute("href", f"#note-{note_id}")
        summary = corrections_summary(page)
        expect(summary).to_have_text(f"Corrected on {day}; see notes.")
        expect(summary.get_by_role("link", name="see notes")).to_have_attribute("href", "#notes")
        expect(page.locator("#notes .notes__index")).to_contain_text("Correction in the text")
    expect(visitor.get_by_role("link", name=re.compile("^(Amend|Retract|Cite in a note)"))).to_have_count(0)
    expect(author.locator(f"#note-{note_id} .note__tools")).to_be_visible()

    # The marker and the note lead to each other.
    card(visitor, pointed).get_by_role("link", name="Led to a correction").click()
    expect(visitor).to_have_url(url_of(live_server, f"/articles/{slug}#note-{note_id}"))
    note(visitor, note_id).get_by_role("link", name=reader_name).click()
    expect(visitor).to_have_url(re.compile(re.escape(f"/articles/{slug}") + r"(\?[^#]*)?" + f"#comment-{pointed}$"))
    expect(card(visitor, pointed).locator(".comment__text")).to_have_text(POINTED_OUT)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_editing_the_paragraph_keeps_the_note_and_the_history_shows_the_change(
    new_context, live_server, unique, javascript
):
    slug, writer_email, writer_name = publish_article(live_server, unique)
    pointed = seed_comment(live_server, slug, f"Priya Reader {unique}", POINTED_OUT)
    note_id = seed_note(live_server, slug, writer_email, NOTE_TEXT, prompted_by=[pointed])

    author = open_context(new_context, javascript).new_page()
    sign_in(author, writer_email)
    author.goto(f"/articles/{slug}")
    author.locator(".article__tools").get_by_role("link", name="Edit", exact=True).click()
    expect(author).to_have_url(url_of(live_server, f"/author/articles/{slug}/edit"))
    expect(author.get_by_role("heading", name="Edit the article", level=1)).to_be_visible()
    body = author.get_by_label("Body", exact=True)
    expect(body).to_have_value(re.compile("^" + re.escape(FIRST_PARAGRAPH)))
    body.fill(ARTICLE_BODY.replace(FIRST_PARAGRAPH, EDITED_PARAGRAPH))
    author.get_by_role("button", name="Save changes").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}"))
    expect(flash(author)).to_have_text("Changes saved.")
    expect(author.locator(".article__body p#p-1")).to_have_text(EDITED_PARAGRAPH)
    # The reworded paragraph keeps its note, and no note is reported as lost.
    expect(note_after(author, "p-1", note_id)).to_be_visible()
    expect(author.locator(".note__lost")).to_have_count(0)

    author.locator(".article__meta").get_by_role("link", name="History").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}/history"))
    expect(author.get_by_role("heading", name="History of this article", level=1)).to_be_visible()
    entries = author.locator("ol.timeline > li")
    expect(entries).to_have_count(3)
    # Newest first: the edit, the note written before it, the version first published.
    expect(entries.nth(0)).to_have_class(re.compile(r"\btimeline__item--version\b"))
    expect(entries.nth(0)).to_contain_text("Current version — ")
    expect(entries.nth(0)).to_contain_text(f", by {writer_name}")
    expect(entries.nth(1)).to_have_class(re.compile(r"\btimeline__item--note\b"))
    expect(entries.nth(1)).to_contain_text("Correction added — ")
    expect(entries.nth(1)).to_contain_text(writer_name)
    expect(entries.nth(1).get_by_role("link", name="see the note")).to_have_attribute(
        "href", f"/articles/{slug}#note-{note_id}"
    )
    expect(entries.nth(2)).to_have_class(re.compile(r"\btimeline__item--version\b"))
    expect(entries.nth(2)).to_contain_text("First version — ")
    expect(author.locator(".diff")).to_have_count(0)

    changed = author.get_by_role("link", name="What changed in this version")
    expect(changed).to_have_count(1)
    expect(entries.nth(0).get_by_role("link", name="What changed in this version")).to_be_visible()
    changed.click()
    expect(author).to_have_url(re.compile(re.escape(f"/articles/{slug}/history?from=") + r"\d+#diff-title$"))
    diff = author.locator(".diff .diff__body")
    # Each change is labelled for screen readers ("Removed: ", "Added: ", visually hidden).
    expect(diff.locator("del")).to_have_text([re.compile(r"^Removed: 30\s*$")])
    expect(diff.locator("ins")).to_have_text([re.compile(r"^Added: 10\s*$")])
    expect(diff.locator("del + ins")).to_have_text(re.compile(r"10"))  # the replacement reads removed, then added
    expect(diff).to_contain_text(
        re.compile(r"The deposit comes back within Removed: 30\s*Added: 10\s*days of the end of the tenancy\.")
    )
    expect(diff).to_contain_text(SECOND_PARAGRAPH)
    expect(author.locator(".diff .diff__title")).to_have_text("Title: Getting a deposit back")
    expect(author.locator(".diff .diff__title").locator("ins, del")).to_have_count(0)

    # A visitor sees the note after the edited paragraph, still citing the comment.
    visitor = open_context(new_context, javascript).new_page()
    visitor.goto(f"/articles/{slug}")
    expect(visitor.locator(".article__body p#p-1")).to_have_text(EDITED_PARAGRAPH)
    expect(note_after(visitor, "p-1", note_id).locator(".note__body")).to_have_text(NOTE_TEXT)
    expect(visitor.locator(".article__body .notes-inline")).to_have_count(1)
    expect(card(visitor, pointed).get_by_role("link", name="Led to a correction")).to_have_attribute(
        "href", f"#note-{note_id}"
    )


def test_readers_and_other_authors_cannot_write_notes(new_context, live_server, unique):
    slug, writer_email, _ = publish_article(live_server, unique)
    pointed = seed_comment(live_server, slug, f"Priya Reader {unique}", POINTED_OUT)
    note_id = seed_note(live_server, slug, writer_email, NOTE_TEXT, prompted_by=[pointed])
    reader_email = f"reader-{unique}@example.org"
    live_server.create_user("reader", f"Rae Reader {unique}", reader_email, PASSWORD)
    other_email = f"other-author-{unique}@example.org"
    live_server.create_user("author", f"Otto Author {unique}", other_email, PASSWORD)

    # A guest is sent to sign in first.
    guest = new_context().new_page()
    guest.goto(f"/articles/{slug}/notes/new")
    expect(guest).to_have_url(re.compile(r"/login\?next=" + re.escape(f"%2Farticles%2F{slug}%2Fnotes%2Fnew") + "$"))

    for email, role in ((reader_email, "reader"), (other_email, "author")):
        page = new_context().new_page()
        sign_in(page, email)
        expect(nav(page).locator(".nav__user")).to_contain_text(f"({role})")
        page.goto(f"/articles/{slug}")
        expect(note_after(page, "p-1", note_id)).to_be_visible()
        expect(page.get_by_role("link", name="Add a note")).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("^Cite in a note"))).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("^(Amend|Retract)"))).to_have_count(0)
        expect(page.locator(".article__tools")).to_have_count(0)
        for path in (
            f"/articles/{slug}/notes/new",
            f"/articles/{slug}/notes/new?prompted_by={pointed}",
            f"/articles/{slug}/notes/{note_id}/retract",
            f"/articles/{slug}/notes/{note_id}/amend",
        ):
            response = page.goto(path)
            assert response.status == 403, f"{path} answered {response.status} to {role} {email}"
            expect(page.get_by_role("heading", name="Forbidden", level=1)).to_be_visible()
            expect(page.locator("main")).to_contain_text(NOT_YOURS)
            expect(page.locator("form.note-form, textarea")).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_author_retracts_a_note_which_stays_struck_through_with_the_reason(
    new_context, live_server, unique, javascript
):
    slug, writer_email, _ = publish_article(live_server, unique)
    pointed = seed_comment(live_server, slug, f"Priya Reader {unique}", POINTED_OUT)
    note_id = seed_note(live_server, slug, writer_email, NOTE_TEXT, prompted_by=[pointed])
    reason = "The Act was amended in March; 30 days was right after all."

    author = open_context(new_context, javascript).new_page()
    sign_in(author, writer_email)
    author.goto(f"/articles/{slug}")
    expect(corrections_summary(author)).to_be_visible()
    note(author, note_id).get_by_role("link", name="Retract this correction").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}/notes/{note_id}/retract"))
    expect(author.get_by_role("heading", name="Retract a note", level=1)).to_be_visible()
    expect(note(author, note_id).locator(".note__body")).to_have_text(NOTE_TEXT)

    # A retraction needs a reason: without one, nothing changes and the field says why.
    author.get_by_role("button", name="Retract the note").click()
    reason_box = author.get_by_label("Why is it retracted?")
    expect(author.locator("#reason-error")).to_have_text("Say why the note is retracted; readers see the reason.")
    expect(reason_box).to_have_attribute("aria-invalid", "true")
    expect(note(author, note_id)).not_to_have_class(re.compile(r"\bnote--retracted\b"))

    reason_box.fill(reason)
    author.get_by_role("button", name="Retract the note").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}#note-{note_id}"))
    expect(flash(author)).to_have_text("Note retracted. It stays on the page, struck through, with your reason.")
    expect(note(author, note_id).get_by_role("link", name=re.compile("^(Amend|Retract)"))).to_have_count(0)
    day = note_day(live_server, note_id, "retracted_at")

    visitor = open_context(new_context, javascript).new_page()
    visitor.goto(f"/articles/{slug}")
    aside = note_after(visitor, "p-1", note_id)
    expect(aside).to_be_visible()
    expect(aside).to_have_class(re.compile(r"\bnote--retracted\b"))
    expect(aside.locator(".note__label")).to_have_text("Correction retracted")
    struck = aside.locator(".note__body > del")
    expect(struck).to_have_text(NOTE_TEXT)
    expect_struck_through(struck)
    expect(aside.locator(".note__retraction")).to_have_text(f"Retracted on {day}: {reason}")
    expect(aside.locator(".note__prompted")).to_contain_text("Prompted by a comment from")
    # It no longer stands as a correction, and the comment's marker says so.
    expect(corrections_summary(visitor)).to_have_count(0)
    expect(visitor.locator("#notes .notes__index")).to_contain_text("Correction (retracted) in the text")
    expect(card(visitor, pointed).locator(".comment__led-to")).to_have_text("Led to a correction (since retracted)")

    # The history keeps the retraction and its reason.
    visitor.goto(f"/articles/{slug}/history")
    retraction = visitor.locator("ol.timeline > li.timeline__item--retraction")
    expect(retraction).to_have_count(1)
    expect(retraction).to_contain_text("Correction retracted")
    expect(retraction).to_contain_text(f"Reason: {reason}")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_guest_suggests_a_correction_and_sees_it_declined(new_context, live_server, unique, javascript):
    slug, writer_email, _ = publish_article(live_server, unique)
    name, email = f"Ines Guest {unique}", f"ines-{unique}@example.org"
    asked = f"The fee is not modest: it is 35 pounds. ({unique})"
    reason = "35 pounds is the smallest fee there is; modest is fair."

    guest = open_context(new_context, javascript).new_page()
    guest.goto(f"/articles/{slug}")
    suggest = guest.locator("details#suggest-correction")
    form = suggest.locator("form")
    expect(form).to_be_hidden()
    suggest.locator("summary").filter(has_text="Spotted an error? Suggest a correction").click()
    expect(form).to_be_visible()
    form.get_by_label("What is wrong?").fill(asked)
    form.get_by_label("Source (optional)").fill("https://example.org/court-fees")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_role("button", name="Send the request").click()
    expect(guest).to_have_url(url_of(live_server, f"/articles/{slug}#your-requests"))
    expect(flash(guest)).to_have_text(
        "Thank you. Your request went to the article's author; you will see the outcome here."
    )
    mine = guest.locator("#your-requests")
    expect(mine.get_by_role("heading", name="Your correction requests")).to_be_visible()
    expect(mine.locator("li")).to_have_count(1)
    expect(mine.locator("li")).to_contain_text(asked)
    expect(mine.locator("li")).to_contain_text("Open: waiting for the author")

    author = open_context(new_context, javascript).new_page()
    sign_in(author, writer_email)
    author.goto("/author/requests")
    expect(author.get_by_role("heading", name="Correction requests", level=1)).to_be_visible()
    tabs = author.get_by_role("navigation", name="Request states")
    expect(tabs.get_by_role("link", name="Open 1")).to_have_attribute("aria-current", "page")
    items = author.locator("li.request-item")
    expect(items).to_have_count(1)
    item = items.first
    request_id = int(item.get_attribute("id").removeprefix("request-"))
    expect(item.locator(".request-item__body")).to_have_text(asked)
    expect(item).to_contain_text(f"from {name}")
    source = item.get_by_role("link", name="https://example.org/court-fees")
    expect(source).to_have_attribute("rel", "nofollow ugc noopener")
    item.get_by_text("More actions").click()  # the rarer actions sit in a menu
    item.get_by_label("Reason (public)").fill(reason)
    item.get_by_role("button", name=f"Decline request {request_id}").click()
    if javascript:
        # In place: the request says what happened, the tab and the navigation counts drop.
        expect(item.locator(".mod-item__done")).to_have_text(f"Request {request_id} is now declined.")
        expect(author.locator("#desk-status")).to_have_text(f"Request {request_id} is now declined.")
        expect(tabs.get_by_role("link", name="Open 0")).to_be_visible()
        expect(
            author.get_by_role("navigation", name="Site").get_by_role("link", name=re.compile("^Requests"))
        ).to_have_text("Requests")
        author.reload()
    else:
        expect(author).to_have_url(re.compile(re.escape("/author/requests?status=open") + f"#request-{request_id}$"))
        expect(flash(author)).to_have_text(f"Request {request_id} is now declined.")
    expect(author.locator("li.request-item")).to_have_count(0)
    expect(author.locator("main")).to_contain_text("No open requests.")
    tabs.get_by_role("link", name="Declined 1").click()
    expect(author.locator(f"li#request-{request_id}")).to_contain_text(f"Declined: {reason}")

    # The guest, in the same browser (the same cookie), sees the outcome.
    guest.goto(f"/articles/{slug}")
    expect(mine.locator("li")).to_have_count(1)
    expect(mine.locator("li")).to_contain_text(asked)
    expect(mine.locator("li .request-state")).to_have_text(f"Declined: {reason}")

    # Any other visitor sees the decided request, but not as theirs, and never the guest's email.
    visitor = open_context(new_context, javascript).new_page()
    visitor.goto(f"/articles/{slug}")
    expect(visitor.locator("#your-requests")).to_have_count(0)
    decided = visitor.locator("details.decided-requests")
    expect(decided.locator("summary")).to_have_text("1 correction request decided")
    decided.locator("summary").click()
    expect(decided.locator("li")).to_contain_text(f"{name} asked:")
    expect(decided.locator("li")).to_contain_text(f"Declined: {reason}")
    for page in (guest, visitor):
        assert email not in page.content(), "the guest's email appears on the article page"


# --- the note forms ----------------------------------------------------------------------------


def test_the_note_forms_open_for_the_author(new_context, live_server, unique):
    slug, writer_email, _ = publish_article(live_server, unique)
    note_id = seed_note(live_server, slug, writer_email, NOTE_TEXT)
    author = new_context().new_page()
    sign_in(author, writer_email)
    pages = (
        (f"/articles/{slug}/notes/new", "Add a note"),
        (f"/articles/{slug}/notes/{note_id}/amend", "Amend a note"),
    )
    for path, heading in pages:
        response = author.goto(path)
        assert response.status == 200, f"{path} answered {response.status}: {live_server.errors}"
        expect(author.get_by_role("heading", name=heading, level=1)).to_be_visible()
