"""The article history's diff on the rendered article, and "Formatting help" beside the comment form (issue 18).

The article and its later version come from the services; what is checked is what a reader's browser shows:
a changed heading is still an <h2>, a changed list item still an <li>, with <ins>/<del> inside, at desktop and
phone width, in light and dark, with no serious or critical axe-core finding. The help opens without a script
and from the keyboard.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import ArticleRevision
from app.services import accounts
from app.services.articles import create_article, find_article, update_article
from app.services.formatting import COMMENT_FORMATTING
from tests.e2e.conftest import DESKTOP
from tests.e2e.test_accessibility import PHONE, axe_source, describe, serious_violations  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

BEFORE = """# How much you can claim

Most states set a limit. The limit is around $10,000 in most states.

- Ohio: $6,000
- Utah: $10,000
"""
AFTER = """# How much you may claim

Most states set a limit. The limit varies by state.

- Ohio: $6,000
- Utah: $11,000
"""


def publish_and_revise(live_server, unique: str) -> tuple[str, int]:
    """An article by a new author, then a second version of it; returns its slug and its first version's id."""
    config = live_server.app.config
    with live_server.app.app_context():
        author = accounts.create_user(
            f"diff-{unique}@example.org",
            f"Dana Diff {unique}",
            "correct horse battery",
            "author",
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )
        article = create_article(author, "Small claims", BEFORE, published=True, slug=f"small-claims-{unique}")
        update_article(find_article(article.slug), body=AFTER, editor=author)
        first = db.session.scalars(
            select(ArticleRevision).where(ArticleRevision.article_id == article.id).order_by(ArticleRevision.id)
        ).first()
        return article.slug, first.id


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_history_diff_keeps_headings_and_lists_with_the_changes_inside(
    new_context,
    live_server,
    unique,
    axe_source,  # noqa: F811 (the fixture imported above)
    screenshots_dir,
    width,
    scheme,
):
    slug, first = publish_and_revise(live_server, unique)
    page = new_context(viewport=PHONE if width == "phone" else DESKTOP, color_scheme=scheme).new_page()
    page.goto(f"/articles/{slug}")
    page.locator(".article__meta").get_by_role("link", name="History").click()
    page.get_by_role("link", name="What changed in this version").click()
    expect(page).to_have_url(f"{live_server.url}/articles/{slug}/history?from={first}#diff-title")

    diff = page.locator(".article-diff")
    heading = diff.get_by_role("heading", level=2)
    expect(heading).to_have_count(1)
    expect(heading.locator("del")).to_have_text("Removed: can ")
    expect(heading.locator("ins")).to_have_text("Added: may ")
    expect(heading).to_have_text("How much you Removed: can Added: may claim")
    items = diff.locator("ul > li")
    expect(items).to_have_text(["Ohio: $6,000", "Utah: Removed: $10,000Added: $11,000"])
    expect(items.nth(1).locator("del")).to_be_visible()
    expect(items.nth(1).locator("ins")).to_be_visible()
    # The changed sentence stays inside its one paragraph; no Markdown shows.
    expect(diff.locator("p")).to_have_count(1)
    expect(diff).not_to_contain_text("#")
    # The screen-reader labels are there but take no room on screen.
    label = heading.locator("del .visually-hidden").bounding_box()
    assert label["width"] <= 1 and label["height"] <= 1
    expect(page.locator(".diff__legend")).to_be_visible()
    box = diff.bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"], "the diff is wider than the screen"

    violations = serious_violations(page, axe_source)
    assert not violations, describe(violations, f"the history diff ({width}, {scheme})")
    if scheme == "light":
        name = "history-diff-blocks.png" if width == "desktop" else "history-diff-blocks-phone.png"
        page.locator(".diff").screenshot(path=str(screenshots_dir / name))


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_formatting_help_opens_without_a_script_and_from_the_keyboard(
    new_context,
    live_server,
    unique,
    axe_source,  # noqa: F811 (the fixture imported above)
    screenshots_dir,
    javascript,
):
    slug, _ = publish_and_revise(live_server, unique)
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"/articles/{slug}")
    form = page.locator("form#comment-form")
    summary = form.locator("details.formatting-help > summary")
    expect(summary).to_have_text("Formatting help")
    help_list = form.locator(".formatting-help__list")
    expect(help_list).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(help_list).to_be_visible()
    expect(help_list.locator("dt")).to_have_count(len(COMMENT_FORMATTING))
    # Each example is shown as comments render it: a real list, real bold, a link, never an image.
    expect(help_list.locator(".formatting-help__result ul li").first).to_have_text("apples")
    expect(help_list.locator(".formatting-help__result strong")).to_have_text("bold")
    expect(form.locator(".formatting-help")).to_contain_text("images as a link to the picture")
    expect(form.locator(".formatting-help img")).to_have_count(0)
    if javascript:
        # axe runs as a script in the page, so only where scripts run.
        violations = serious_violations(page, axe_source)
        assert not violations, describe(violations, "the article page with the formatting help open")
        form.locator(".formatting-help").screenshot(path=str(screenshots_dir / "formatting-help.png"))
    page.keyboard.press("Enter")
    expect(help_list).to_be_hidden()
