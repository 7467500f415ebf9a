"""Every time shown is one <time datetime="…Z" data-time="…"> with UTC text, from one filter (app/templating.py
time_tag), on every kind of page; static/js/times.js makes it local (tests/e2e/test_local_times.py)."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.services import sites
from app.services.comments import Writer
from app.templating import time_tag
from tests.conftest import PASSWORD
from tests.factories import make_comment, make_note

TIME = re.compile(r"<time\b[^>]*>.*?</time>", re.S)
ONE = re.compile(
    r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" data-time="(relative|datetime|date)">'
    r"(\d{1,2} [A-Z][a-z]+ \d{4}(, \d\d:\d\d UTC)?)</time>"
)


def _times(html: str) -> list[str]:
    """The style of each <time> on the page; fails on any <time> the filter did not make."""
    found = TIME.findall(html)
    assert found, "no <time> on the page"
    styles = []
    for tag in found:
        match = ONE.fullmatch(tag)
        assert match, tag
        assert (match.group(1) == "date") == (match.group(3) is None), tag  # a date alone, or the time in UTC
        styles.append(match.group(1))
    return styles


def test_the_filter_writes_utc_with_a_z_and_utc_text():
    at = datetime(2026, 11, 30, 14, 5, 9, tzinfo=UTC)
    assert str(time_tag(at)) == (
        '<time datetime="2026-11-30T14:05:09Z" data-time="relative">30 November 2026, 14:05 UTC</time>'
    )
    assert str(time_tag(at, "date")) == '<time datetime="2026-11-30T14:05:09Z" data-time="date">30 November 2026</time>'
    tokyo = timezone(timedelta(hours=9))
    assert str(time_tag(datetime(2026, 12, 1, 0, 5, 9, tzinfo=tokyo), "datetime")) == (
        '<time datetime="2026-11-30T15:05:09Z" data-time="datetime">30 November 2026, 15:05 UTC</time>'
    )
    assert str(time_tag(datetime(2026, 11, 30, 14, 5, 9))).startswith('<time datetime="2026-11-30T14:05:09Z"')
    assert str(time_tag(None)) == ""
    with pytest.raises(ValueError, match="style"):
        time_tag(at, "fancy")


def test_the_article_page_comments_and_notes(app, client, make_user, make_article):
    dana = make_user("author", name="Dana Reyes")
    article = make_article(author=dana)
    make_comment(article, "First.")
    make_note(article, dana, body="A date was wrong.")
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    styles = _times(html)
    assert styles.count("relative") == 1 and "date" in styles  # the comment; the byline, the note
    assert '<script src="/static/js/times.js" defer></script>' in html


def test_the_frame_the_history_and_the_edit_page(app, client, make_user, make_article):
    sites.register_site(make_user("admin"), sites.SiteFields("Blog", "https://blog.example"))
    page = "https://blog.example/posts/snow"
    frame = client.get("/embed/thread", query_string={"id": "snow", "url": page}, headers={"Referer": page})
    assert frame.status_code == 200
    slug = re.search(r'action="/articles/([^/]+)/comments', frame.get_data(as_text=True)).group(1)
    posted = client.post(f"/articles/{slug}/comments", data={"body": "Framed.", "name": "Maya", "email": "m@x.org"})
    assert posted.status_code in (200, 302)
    frame = client.get("/embed/thread", query_string={"id": "snow", "url": page}, headers={"Referer": page})
    framed = frame.get_data(as_text=True)
    assert _times(framed) == ["relative"] and 'src="/static/js/times.js"' in framed

    author = make_user("author")
    article = make_article(author=author)
    client.post("/login", data={"email": author.email, "password": PASSWORD})
    comment = make_comment(article, "Mine.", Writer(user=author))
    assert "relative" in _times(client.get(f"/articles/{article.slug}/history").get_data(as_text=True))
    assert _times(client.get(f"/comments/{comment.id}/edit").get_data(as_text=True)) == ["datetime"]
    assert _times(client.get("/author/articles").get_data(as_text=True)) == ["date"]
    assert "date" in _times(client.get("/account").get_data(as_text=True))


def test_the_desk_and_its_people(app, client, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Held.", rules=None)
    client.post("/login", data={"email": moderator.email, "password": PASSWORD})
    assert "relative" in _times(client.get("/moderation?queue=approved").get_data(as_text=True))
    assert "relative" in _times(client.get(f"/moderation/comments/{comment.id}").get_data(as_text=True))
