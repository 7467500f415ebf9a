"""Avatars and people's pages in a real browser: every comment has its writer's initials on their colour, readable
in the light and the dark theme; a name leads, by keyboard and without JavaScript, to its person's page, which fits
a phone's width. (axe checks the page in both themes and widths: test_accessibility.py, case "profile".)"""

import re

import pytest
from playwright.sync_api import expect

from app.models import User
from app.services import notes
from app.services.articles import create_article
from app.services.avatars import INITIALS_COLOUR, PALETTE, avatar
from app.services.comments import Writer, post_comment
from app.services.identity import email_key
from tests.e2e.conftest import DESKTOP
from tests.factories import OPEN

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _discussion(live_server, unique: str) -> dict:
    """An article with comments by an account (who also signs a note) and by two guests; their ids and avatars."""
    email = f"ana-{unique}@example.org"
    live_server.create_user("author", f"Ana María {unique}", email, PASSWORD)
    app = live_server.app
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db

        ana = db.session.scalars(select(User).where(User.email == email_key(email))).one()
        article = create_article(ana, f"Deposits {unique}", "Keep the receipts.", published=True, slug=f"av-{unique}")
        key = app.config["SECRET_KEY"]
        guests = {"li": ("李小龙", f"li-{unique}@example.org"), "party": ("🎉", f"p-{unique}@example.org")}
        writers = {
            "ana": (Writer(user=ana), avatar(ana.name, ana.email, key)),
            **{who: (Writer(name=n, email=e), avatar(n, e, key)) for who, (n, e) in guests.items()},
        }
        ids = {
            who: post_comment(article, writer, f"A word from {who} ({unique}).", OPEN).id
            for who, (writer, _) in writers.items()
        }
        notes.add_note(article, ana, "update", f"Receipts are enough ({unique}).")
        return {
            "slug": article.slug,
            "person": ana.id,
            "name": ana.name,
            "ids": ids,
            "avatars": {who: shown for who, (_, shown) in writers.items()},
        }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_avatars_sit_beside_every_comment_in_both_themes(live_server, new_context, unique, scheme, screenshots_dir):
    scene = _discussion(live_server, unique)
    page = new_context(color_scheme=scheme).new_page()
    page.goto(f"/articles/{scene['slug']}")
    shade = 0 if scheme == "light" else 1
    for who, comment_id in scene["ids"].items():
        shown = scene["avatars"][who]
        circle = page.locator(f"#comment-{comment_id} .comment__meta .avatar")
        expect(circle).to_be_visible()
        box = circle.bounding_box()
        assert box is not None and round(box["width"]) == round(box["height"]) == 32
        style = circle.evaluate(
            "el => { const s = getComputedStyle(el); const b = getComputedStyle(el, '::before');"
            " return [s.backgroundColor, s.color, b.content]; }"
        )
        colour = (PALETTE[shown.tone] if shown.tone is not None else None) or ("#5c5c5c", "#bdbdbd")
        assert style == [_rgb(colour[shade]), _rgb(INITIALS_COLOUR[shade]), f'"{shown.initials}"'], who
        # Hidden from screen readers: the accessible name of the comment is the writer's name alone.
        expect(circle).to_have_attribute("aria-hidden", "true")
    assert scene["avatars"]["li"].initials == "李" and scene["avatars"]["party"].initials == "•"
    # Nothing is fetched from anyone else while Gravatar is off.
    assert not page.locator("img.avatar__picture").count()
    page.locator(f"#comment-{scene['ids']['ana']}").screenshot(path=str(screenshots_dir / f"avatars-{scheme}.png"))


def test_a_name_leads_to_the_persons_page_by_keyboard(live_server, new_context, unique):
    scene = _discussion(live_server, unique)
    page = new_context().new_page()
    page.goto(f"/articles/{scene['slug']}")
    name = page.locator(f"#comment-{scene['ids']['ana']}-author a")
    name.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/people/{scene['person']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{scene['name']} Author")
    expect(page).to_have_title(re.compile(f"^{re.escape(scene['name'])} — "))
    # Guests' names lead nowhere.
    page.go_back()
    expect(page.locator(f"#comment-{scene['ids']['li']}-author a")).to_have_count(0)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_persons_page_without_javascript_fits_and_leads_back_to_each_comment(
    live_server, new_context, unique, viewport, screenshots_dir
):
    scene = _discussion(live_server, unique)
    page = new_context(java_script_enabled=False, viewport=viewport).new_page()
    page.goto(f"/people/{scene['person']}")
    comments = page.locator("#profile-comments ~ ol .profile__item")
    expect(comments).to_have_count(1)
    expect(page.locator("#profile-notes ~ ol .profile__item")).to_contain_text(f"Receipts are enough ({unique}).")
    expect(page.locator(".avatar--large")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    if viewport is DESKTOP:
        page.screenshot(path=str(screenshots_dir / "profile.png"))
    comments.get_by_role("link", name=re.compile("read this comment")).click()
    expect(page).to_have_url(re.compile(rf"/articles/{scene['slug']}.*#comment-{scene['ids']['ana']}$"))
