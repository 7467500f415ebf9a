"""The home page through HTTP: each article's excerpt, byline, date, comment count and corrections mark, the admin's
site description (also the articles feed's subtitle), and a query count that does not grow with the articles."""

import re
from html import unescape

import pytest

from app.extensions import db
from app.models import Setting
from app.services import moderation
from app.services.notes import retract_note
from app.services.settings import DESCRIPTION_MAX
from app.services.text import excerpt
from tests.conftest import PASSWORD
from tests.factories import make_comment, make_note

LONG_BODY = (
    "Most disputes about a **deposit** end in small claims court, where the fee is modest and no lawyer is needed. "
    "Write to the landlord first, keep a copy of the letter, and give a date by which you expect the money back. "
    "If nothing comes, file the claim."
)


def _cards(html: str) -> list[str]:
    return re.findall(r'<li class="article-card">(.*?)</li>', html, re.S)


def _text(fragment: str) -> str:
    """What a sighted reader sees (screen readers also hear which article a mark belongs to)."""
    seen = re.sub(r'<span class="visually-hidden">.*?</span>', "", fragment)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", seen)).split())


def _signed_in(app, user):
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def test_each_article_shows_its_excerpt_byline_date_comments_and_corrections(client, make_user, make_article):
    author = make_user("author", name="Grace Author")
    plain = make_article(author=author, title="Plain", body="Short and sweet.")
    corrected = make_article(author=author, title="Corrected once", body=LONG_BODY)
    twice = make_article(author=author, title="Corrected twice")
    make_note(corrected, author)
    make_note(twice, author)
    make_note(twice, author)
    retract_note(make_note(plain, author), author, "It was right after all.")  # retracted: no mark
    make_note(plain, author, "update")  # an update is not a correction
    make_comment(plain)
    make_comment(plain)
    moderation.apply(make_comment(plain), "trash", None, "other")  # not published: not counted

    cards = {
        re.search(r'<h2 class="article-card__title"><a [^>]+>(.*?)</a>', c).group(1): c
        for c in _cards(client.get("/").get_data(as_text=True))
    }
    assert list(cards) == ["Corrected twice", "Corrected once", "Plain"]
    summary = excerpt(corrected.body_html)
    assert len(summary) <= 200 and summary.endswith("…") and summary.startswith("Most disputes about a deposit end")
    assert f'<p class="article-card__excerpt">{summary}</p>' in cards["Corrected once"]
    assert "By Grace Author" in _text(cards["Plain"]) and "<time datetime=" in cards["Plain"]
    assert _text(cards["Plain"]).endswith("Short and sweet. 2 comments")
    assert _text(cards["Corrected once"]).endswith("0 comments · Corrected")
    assert _text(cards["Corrected twice"]).endswith("0 comments · 2 corrections")
    assert f'href="/articles/{twice.slug}#notes"' in cards["Corrected twice"]


@pytest.mark.parametrize("many", [3, 30])
def test_the_index_runs_the_same_queries_for_3_and_30_articles(
    app, client, make_user, make_article, count_queries, many
):
    app.config["ARTICLES_PER_PAGE"] = 50
    author = make_user("author")
    for number in range(many):
        article = make_article(author=author, body=LONG_BODY)
        if number % 2:
            make_note(article, author)
    client.get("/")  # the first request warms what every later one reuses
    with count_queries() as counted:
        html = client.get("/").get_data(as_text=True)
    assert len(_cards(html)) == many
    assert html.count(">Corrected<span") == many // 2
    # The articles and their authors, the corrections, the description, and what every page reads.
    assert counted.n == QUERIES, counted.statements


QUERIES = 4


def test_the_admin_sets_a_site_description_shown_on_the_home_page_and_the_feed(app, client, make_user):
    admin = make_user("admin")
    browser = _signed_in(app, admin)
    assert 'class="site-description"' not in client.get("/").get_data(as_text=True)
    text = "Plain answers  to everyday legal questions,\\nwith signed corrections."
    response = browser.post("/moderation/settings", data={"site_description": text})
    assert response.status_code == 302
    wanted = "Plain answers to everyday legal questions,\\nwith signed corrections."
    assert db.session.get(Setting, "site_description").value == wanted
    home = client.get("/").get_data(as_text=True)
    assert f'<p class="site-description">{wanted}</p>' in home
    feed = client.get("/feeds/articles.atom").get_data(as_text=True)
    assert f"<subtitle>{wanted}</subtitle>" in feed

    too_long = "x" * (DESCRIPTION_MAX + 1)
    refused = browser.post("/moderation/settings", data={"site_description": too_long})
    assert refused.status_code == 422
    assert f"Site description: at most {DESCRIPTION_MAX} characters; this one has {DESCRIPTION_MAX + 1}." in unescape(
        refused.get_data(as_text=True)
    )
    assert db.session.get(Setting, "site_description").value == wanted
    assert client.get("/").get_data(as_text=True).count(wanted) == 1


def test_a_description_is_plain_text(app, client, make_user):
    browser = _signed_in(app, make_user("admin"))
    browser.post("/moderation/settings", data={"site_description": "<b>Bold</b> & <script>x()</script>"})
    home = client.get("/").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in home and "<b>Bold" not in home
    assert db.session.get(Setting, "site_description").value == "<b>Bold</b> & <script>x()</script>"
