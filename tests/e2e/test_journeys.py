"""Journeys through the site in a real browser, as a visitor, a reader and an author.

Each test opens its own browser contexts (fresh cookies) against the one live server; accounts and
titles carry a unique suffix so the tests never depend on each other or on their order.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}

WRONG_LOGIN = "The email or the password is not right."

ARTICLE_BODY = """Small claims court is where most disputes about a **deposit** end up.

You do not need a lawyer to file, and the fee is modest.

- Keep every receipt
- Write down the dates
"""
FIRST_PARAGRAPH = "Small claims court is where most disputes about a deposit end up."
SECOND_PARAGRAPH = "You do not need a lawyer to file, and the fee is modest."
LIST_ITEMS = ["Keep every receipt", "Write down the dates"]


# --- steps a person takes -------------------------------------------------------------------


def nav(page):
    return page.get_by_role("navigation", name="Site")


def flash(page):
    return page.locator(".flashes")


def url_of(live_server, path: str) -> re.Pattern:
    """The whole URL, anchored, so that /login does not also match /login?next=... by accident."""
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def register(page, name: str, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Create the account").click()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def expect_signed_in(page, name: str) -> None:
    expect(nav(page).locator(".nav__user")).to_contain_text(name)
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Sign in")).to_have_count(0)


def expect_signed_out(page, name: str) -> None:
    expect(nav(page)).not_to_contain_text(name)
    expect(nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    expect(nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Register")).to_be_visible()


def write_article(page, live_server, title: str, body: str, action: str) -> None:
    """From any page, as a signed-in author: Write, fill the form, and press `action`."""
    nav(page).get_by_role("link", name="Write", exact=True).click()
    expect(page).to_have_url(url_of(live_server, "/author/articles/new"))
    expect(page.get_by_role("heading", name="Write an article", level=1)).to_be_visible()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(body)
    page.get_by_role("button", name=action, exact=True).click()


def expect_article_page(page, title: str) -> None:
    """The rendered article: its title, anchored paragraphs and list items."""
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page).to_have_title(f"{title} — Afterword")
    body = page.locator(".article__body")
    expect(body.locator("p#p-1")).to_have_text(FIRST_PARAGRAPH)
    expect(body.locator("p#p-1 strong")).to_have_text("deposit")
    expect(body.locator("p#p-2")).to_have_text(SECOND_PARAGRAPH)
    expect(body.get_by_role("listitem")).to_have_text(LIST_ITEMS)
    expect(body.locator("li#p-3")).to_have_text(LIST_ITEMS[0])
    # The Markdown source is rendered, never shown as such.
    expect(body).not_to_contain_text("**")
    expect(body).not_to_contain_text("- Keep")


def expect_javascript_off(context) -> None:
    """Prove that the context really runs no script, so a pass below means the site works without it."""
    probe = context.new_page()
    probe.set_content("<p id='probe'>off</p><script>document.getElementById('probe').textContent = 'on'</script>")
    expect(probe.locator("#probe")).to_have_text("off")
    probe.close()


def register_sign_out_and_back_in(page, live_server, unique: str) -> None:
    """Journey (a): register, sign out, sign in, and fail to sign in with a wrong password."""
    name = f"Ada Reader {unique}"
    email = f"ada-{unique}@example.org"

    page.goto("/")
    expect(page.get_by_role("heading", name="Articles")).to_be_attached()
    nav(page).get_by_role("link", name="Register").click()
    expect(page).to_have_url(url_of(live_server, "/register"))
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    expect(page.locator("input[name=csrf_token]")).to_have_count(1)  # CSRF is on: the real form is in use

    register(page, name, email)
    expect(page).to_have_url(url_of(live_server, "/"))
    expect(flash(page)).to_have_text(f"Welcome, {name}. Your account is ready.")
    expect_signed_in(page, name)
    expect(nav(page).locator(".nav__user")).to_contain_text("(reader)")
    # A reader does not get the author's tools.
    expect(nav(page).get_by_role("link", name="Write", exact=True)).to_have_count(0)

    nav(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url_of(live_server, "/"))
    expect(flash(page)).to_have_text("Signed out.")
    expect_signed_out(page, name)

    nav(page).get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url + "/login")))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    sign_in(page, email)
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url + "/") + r"\??$"))
    expect(flash(page)).to_have_text(f"Signed in as {name}.")
    expect_signed_in(page, name)

    nav(page).get_by_role("button", name="Sign out").click()
    expect_signed_out(page, name)

    # A wrong password: the same words as for an unknown address, and nothing else given away.
    page.goto("/login")
    sign_in(page, email, "not the password at all")
    expect(page).to_have_url(url_of(live_server, "/login"))
    expect(page.get_by_role("alert")).to_have_text(WRONG_LOGIN)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect_signed_out(page, name)
    wrong_password_text = page.locator("main").inner_text()

    # Wait for the new page: the alert of the one before already says the same words.
    with page.expect_navigation():
        sign_in(page, f"nobody-{unique}@example.org", "not the password at all")
    expect(page.get_by_label("Email", exact=True)).to_have_value(f"nobody-{unique}@example.org")
    expect(page.get_by_role("alert")).to_have_text(WRONG_LOGIN)
    unknown_email_text = page.locator("main").inner_text()
    assert unknown_email_text == wrong_password_text, "a wrong password and an unknown email must read the same"
    lowered = wrong_password_text.lower()
    for giveaway in ("no account", "not found", "does not exist", "unknown", "incorrect password", name.lower()):
        assert giveaway not in lowered, f"the failed sign-in page says {giveaway!r}"


# --- the journeys ----------------------------------------------------------------------------


def test_visitor_registers_signs_out_and_signs_in_again(new_context, live_server, unique):
    page = new_context().new_page()
    register_sign_out_and_back_in(page, live_server, unique)


def test_author_previews_and_publishes_and_a_visitor_reads_it(new_context, live_server, unique, screenshots_dir):
    # Plain names (no suffix) so the screenshots in docs/ read well; nothing else uses them.
    name, email = "Grace Hopkins", f"grace-{unique}@example.org"
    title = "What small claims court is for"
    slug = "what-small-claims-court-is-for"
    live_server.create_user("author", name, email, PASSWORD)

    author = new_context().new_page()
    author.goto("/login")
    sign_in(author, email)
    expect_signed_in(author, name)
    expect(nav(author).locator(".nav__user")).to_contain_text("(author)")

    write_article(author, live_server, title, ARTICLE_BODY, "Preview")
    preview = author.get_by_role("region", name="Preview — not saved yet")
    expect(preview).to_be_visible()
    expect(preview.get_by_role("heading", name=title)).to_be_visible()
    expect(preview.locator("p").first).to_have_text(FIRST_PARAGRAPH)
    expect(preview.locator("strong")).to_have_text("deposit")
    expect(preview.get_by_role("listitem")).to_have_text(LIST_ITEMS)
    # The preview keeps what was typed, and saves nothing.
    expect(author.get_by_label("Title")).to_have_value(title)
    expect(author.get_by_label("Body")).to_have_value(ARTICLE_BODY)
    expect(author).to_have_url(url_of(live_server, "/author/articles/new"))

    visitor_context = new_context()
    early = visitor_context.new_page()
    assert early.goto(f"/articles/{slug}").status == 404, "a previewed article must not be saved"

    author.get_by_role("button", name="Publish").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}"))
    expect(flash(author)).to_have_text("Published.")
    expect_article_page(author, title)
    expect(author.locator(".byline")).to_contain_text(f"By {name}")
    expect(author.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    expect(author.locator(".notice--draft")).to_have_count(0)
    author.screenshot(path=str(screenshots_dir / "article.png"), full_page=True)

    visitor = visitor_context.new_page()
    visitor.goto("/")
    expect_signed_out(visitor, name)
    link = visitor.get_by_role("link", name=title, exact=True)
    expect(link).to_be_visible()
    expect(visitor.locator(".article-card", has=link).locator(".byline")).to_contain_text(f"By {name}")
    visitor.screenshot(path=str(screenshots_dir / "index.png"), full_page=True)
    link.click()
    expect(visitor).to_have_url(url_of(live_server, f"/articles/{slug}"))
    expect_article_page(visitor, title)
    expect(visitor.get_by_role("link", name="Edit", exact=True)).to_have_count(0)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"/articles/{slug}")
    expect_article_page(phone, title)
    page_width = phone.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], f"the article scrolls sideways on a phone ({page_width}px wide)"
    phone.screenshot(path=str(screenshots_dir / "article-phone.png"), full_page=True)
    for shot in ("article.png", "index.png", "article-phone.png"):
        assert (screenshots_dir / shot).stat().st_size > 1000, f"{shot} looks empty"


def test_draft_is_a_404_for_visitors_and_absent_from_the_index(new_context, live_server, unique):
    name, email = f"Hedy Author {unique}", f"hedy-{unique}@example.org"
    draft_title = f"Unfinished thoughts {unique}"
    published_title = f"Finished thoughts {unique}"
    live_server.create_user("author", name, email, PASSWORD)

    author = new_context().new_page()
    author.goto("/login")
    sign_in(author, email)
    expect_signed_in(author, name)

    write_article(author, live_server, draft_title, ARTICLE_BODY, "Save as draft")
    draft_path = f"/articles/unfinished-thoughts-{unique}"
    expect(author).to_have_url(url_of(live_server, draft_path))
    expect(flash(author)).to_have_text("Draft saved.")
    expect(author.locator(".notice--draft")).to_have_text("This is a draft: only its author and admins can see it.")
    expect(author.get_by_role("heading", name=draft_title, level=1)).to_be_visible()

    # A published article by the same author, so an empty index cannot pass for a hidden draft.
    write_article(author, live_server, published_title, ARTICLE_BODY, "Publish")
    expect(flash(author)).to_have_text("Published.")

    nav(author).get_by_role("link", name="Your articles").click()
    draft_row = author.get_by_role("row").filter(has=author.get_by_role("link", name=draft_title, exact=True))
    expect(draft_row).to_contain_text("Draft")

    visitor = new_context().new_page()
    response = visitor.goto(draft_path)
    assert response.status == 404
    expect(visitor.get_by_role("heading", name="Not Found", level=1)).to_be_visible()
    expect(visitor.locator("main")).to_contain_text("There is nothing here.")
    expect(visitor.get_by_text(draft_title)).to_have_count(0)
    expect(visitor.locator("p#p-1")).to_have_count(0)

    visitor.goto("/")
    expect(visitor.get_by_role("link", name=published_title, exact=True)).to_be_visible()
    expect(visitor.get_by_role("link", name=draft_title, exact=True)).to_have_count(0)
    expect(visitor.locator("main")).not_to_contain_text(draft_title)


def test_register_and_sign_in_without_javascript(new_context, live_server, unique):
    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    register_sign_out_and_back_in(context.new_page(), live_server, unique)


def test_author_publishes_without_javascript(new_context, live_server, unique):
    name, email = f"Lin Author {unique}", f"lin-{unique}@example.org"
    title = f"Reading a tenancy agreement {unique}"
    slug = f"reading-a-tenancy-agreement-{unique}"
    live_server.create_user("author", name, email, PASSWORD)

    context = new_context(java_script_enabled=False)
    expect_javascript_off(context)
    author = context.new_page()
    author.goto("/login")
    sign_in(author, email)
    expect_signed_in(author, name)

    write_article(author, live_server, title, ARTICLE_BODY, "Preview")
    expect(author.get_by_role("region", name="Preview — not saved yet").get_by_role("listitem")).to_have_text(
        LIST_ITEMS
    )
    author.get_by_role("button", name="Publish").click()
    expect(author).to_have_url(url_of(live_server, f"/articles/{slug}"))
    expect_article_page(author, title)

    reader = new_context(java_script_enabled=False).new_page()
    reader.goto("/")
    reader.get_by_role("link", name=title, exact=True).click()
    expect(reader).to_have_url(url_of(live_server, f"/articles/{slug}"))
    expect_article_page(reader, title)
