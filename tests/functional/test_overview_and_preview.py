"""Through HTTP: the moderators' overview page (a chart drawn as SVG on the server, and its numbers) and the
live comment preview (the same Markdown subset and sanitiser as posting, and nothing stored)."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent
from app.models.types import utcnow
from app.services import moderation
from app.services.markdown import render_comment
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import make_comment

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
LINK_REL = "nofollow ugc noopener"


def _browser(app, user=None):
    """A browser with its own cookies, signed in through the real form when given a user."""
    browser = app.test_client()
    if user is not None:
        assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def _html(response) -> str:
    return response.get_data(as_text=True)


def _get(browser, url: str, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, url
    return _html(response)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- reading the overview page -----------------------------------------------------------------


def _svg(html: str) -> ET.Element:
    found = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(found) == 1, "the overview draws exactly one chart"
    return ET.fromstring(found[0])


def _table(html: str) -> list[tuple[str, list[int]]]:
    """The rows of "The numbers": (day, [approved, held, spam, trashed, all]), as the page lists them."""
    details = re.search(r'<details class="chart__table">(.*?)</details>', html, re.S)
    assert details and "<summary>The numbers</summary>" in details.group(1)
    head = re.search(r"<thead>(.*?)</thead>", details.group(1), re.S).group(1)
    assert re.findall(r'<th scope="col">(.*?)</th>', head) == ["Day", "Approved", "Held", "Spam", "Trashed", "All"]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", details.group(1), re.S).group(1), re.S):
        day = re.search(r'<th scope="row"><time datetime="([\d-]+)">([\d-]+)</time></th>', row)
        assert day and day.group(1) == day.group(2)
        rows.append((day.group(1), [int(n) for n in re.findall(r"<td>(\d+)</td>", row)]))
    return rows


def _queue_links(html: str) -> dict[str, tuple[int, str]]:
    """The counts above the chart: queue -> (number, words), each a link to its queue."""
    block = re.search(r'<ul class="overview-counts">(.*?)</ul>', html, re.S).group(1)
    return {
        queue: (int(number), words)
        for queue, number, words in re.findall(
            r'<li><a href="/moderation\?queue=(\w+)"><strong>(\d+)</strong> ([^<]+)</a></li>', block
        )
    }


def _day(days_ago: int) -> str:
    return (utcnow().date() - timedelta(days=days_ago)).isoformat()


# --- the overview ------------------------------------------------------------------------------


def test_the_overview_draws_each_day_as_stacked_bars_and_lists_the_numbers(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    for status, days_ago in [(A, 0), (A, 0), (A, 0), (P, 0), (S, 0), (T, 0), (S, 2), (S, 2), (A, 2), (T, 29)]:
        make_comment(article, status=status, days_ago=days_ago, moderator=moderator, trash_reason="abusive")
    make_comment(article, status=A, days_ago=30, moderator=moderator)  # a day too old to count

    response = _browser(app, moderator).get("/moderation/overview")
    assert response.status_code == 200
    html = _html(response)

    assert "<h1>Overview</h1>" in html
    assert '<h2 id="chart-title">Comments per day, last 30 days</h2>' in html
    hint = " ".join(unescape(re.search(r'<p class="field__hint">(.*?)</p>', html, re.S).group(1)).split())
    assert hint == (
        "Each bar is one day's new comments, split by where they are now. "
        "10 in all: 4 approved, 1 held, 3 spam, 2 trashed."
    )

    svg = _svg(html)
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == "0 0 640 220"
    assert svg.get("aria-labelledby") == "chart-svg-title chart-svg-desc"
    assert svg.find("title").get("id") == "chart-svg-title"
    assert svg.find("title").text == "Comments per day over the last 30 days, by outcome"
    assert svg.find("desc").get("id") == "chart-svg-desc"
    assert svg.find("desc").text == "Stacked bars; the busiest day had 6 comments. The table below gives every number."

    days = svg.findall("g[@class='chart__day']")
    assert len(days) == 30
    titles = [g.find("title").text for g in days]
    assert titles[-1] == f"{_day(0)}: 6 comments, 3 approved, 1 held, 1 spam, 1 trashed"
    assert titles[-3] == f"{_day(2)}: 3 comments, 1 approved, 2 spam"
    assert titles[0] == f"{_day(29)}: 1 comment, 1 trashed"
    assert titles[1] == f"{_day(28)}: 0 comments"
    today = [rect.get("class") for rect in days[-1].findall("rect")]
    assert today == [
        "chart__bar chart__bar--approved",
        "chart__bar chart__bar--pending",
        "chart__bar chart__bar--spam",
        "chart__bar chart__bar--trash",
    ]
    # The busiest day (6) sets the axis at 10: three approved comments are 3/10 of the 178-unit plot.
    assert float(days[-1].find("rect").get("height")) == pytest.approx(178 * 3 / 10, abs=0.01)
    assert len(svg.findall(".//rect")) == 4 + 2 + 1
    assert [t.text for t in svg.findall("text")] == ["0", "5", "10"]  # the axis
    labels = [t.text for g in days for t in g.findall("text")]
    assert len(labels) == 5 and labels[-1] == f"{utcnow().date().day} {utcnow().date():%b}"

    rows = _table(html)
    assert [day for day, _ in rows] == [_day(n) for n in range(30)]  # newest first, one row per day
    by_day = dict(rows)
    assert by_day[_day(0)] == [3, 1, 1, 1, 6]
    assert by_day[_day(2)] == [1, 0, 2, 0, 3]
    assert by_day[_day(29)] == [0, 0, 0, 1, 1]
    assert by_day[_day(1)] == [0, 0, 0, 0, 0]


def test_the_counts_link_to_the_queues(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    for status in (P, P, S, T, A):  # old comments still wait in the queues
        make_comment(article, status=status, days_ago=40, moderator=moderator, trash_reason="abusive")
    moderation.flag_comment(
        make_comment(article, status=A), "user:99", "off_topic", None, CommentRules(flag_threshold=5)
    )

    html = _get(_browser(app, moderator), "/moderation/overview")

    assert _queue_links(html) == {
        "pending": (2, "waiting for a decision"),
        "flagged": (1, "flagged by readers"),
        "spam": (1, "in spam"),
        "trash": (1, "in the trash"),
    }
    assert '<a href="/moderation">Back to the queues</a>' in html


def test_the_desk_links_to_the_overview(app, make_user):
    html = _get(_browser(app, make_user("moderator")), "/moderation")
    assert '<a href="/moderation/overview">Overview</a>' in html


def test_an_empty_site_draws_thirty_empty_days(app, make_user):
    html = _get(_browser(app, make_user("admin")), "/moderation/overview")
    svg = _svg(html)
    assert svg.findall(".//rect") == []
    assert svg.find("desc").text.startswith("Stacked bars; the busiest day had 0 comments.")
    rows = _table(html)
    assert len(rows) == 30 and all(numbers == [0, 0, 0, 0, 0] for _, numbers in rows)
    assert "0 in all: 0 approved, 0 held, 0 spam, 0 trashed." in html


def test_the_overview_runs_no_script(app, make_user, make_article):
    moderator = make_user("moderator")
    make_comment(make_article(), status=A, days_ago=0, moderator=moderator)
    response = _browser(app, moderator).get("/moderation/overview")
    assert "<script" not in _html(response)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_authors_see_only_their_own_articles(app, make_user, make_article):
    author, moderator = make_user("author"), make_user("moderator")
    mine, theirs = make_article(author=author), make_article()
    make_comment(mine, status=A, days_ago=1, moderator=moderator)
    make_comment(mine, status=P, days_ago=1, moderator=moderator)
    for status in (A, S, S, P, P):
        make_comment(theirs, status=status, days_ago=1, moderator=moderator)

    html = _get(_browser(app, author), "/moderation/overview")

    assert "Each bar is one day's new comments on your articles" in html
    assert "2 in all: 1 approved, 1 held, 0 spam, 0 trashed." in html
    assert dict(_table(html))[_day(1)] == [1, 1, 0, 0, 2]
    assert _svg(html).find("desc").text.startswith("Stacked bars; the busiest day had 2 comments.")
    assert _queue_links(html)["pending"][0] == 1

    staff = _get(_browser(app, moderator), "/moderation/overview")
    assert "on your articles" not in staff
    assert dict(_table(staff))[_day(1)] == [2, 3, 2, 0, 7]
    assert _queue_links(staff)["pending"][0] == 3


def test_readers_are_refused_and_visitors_sent_to_sign_in(app, make_user):
    assert _browser(app, make_user("reader")).get("/moderation/overview").status_code == 403
    response = app.test_client().get("/moderation/overview")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Fmoderation%2Foverview")


def test_the_overview_runs_the_same_queries_however_many_comments(app, make_user, make_article, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    browser = _browser(app, moderator)

    def queries(total: int) -> int:
        while _count(Comment) < total:
            n = _count(Comment)
            make_comment(
                article, status=[A, P, S, T][n % 4], days_ago=n % 30, moderator=moderator, trash_reason="abusive"
            )
        with count_queries() as counted:
            html = _get(browser, "/moderation/overview")
        assert sum(numbers[-1] for _, numbers in _table(html)) == total
        return counted.n

    assert queries(2) == queries(24)


# --- the live preview --------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every element in a fragment of HTML, in order, with its attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def _preview(browser, body, **extra):
    response = browser.post("/comments/preview", data={"body": body, **extra})
    assert response.status_code == 200, _html(response)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_preview_renders_the_comment_markdown_subset(client):
    result = _preview(client, "Keep **every** receipt, *please*.\n\n- one\n- two\n\n> quoted\n\n`code`")
    assert result == {
        "html": render_comment("Keep **every** receipt, *please*.\n\n- one\n- two\n\n> quoted\n\n`code`"),
        "message": "",
    }
    html = result["html"]
    assert "<strong>every</strong>" in html and "<em>please</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<blockquote>" in html and "<code>code</code>" in html


def test_preview_leaves_out_what_comments_do_not_allow(client):
    html = _preview(client, "# Big title\n\n![a picture](https://example.org/a.png)\n\n---")["html"]
    assert "<h1" not in html and "<img" not in html and "<hr" not in html
    assert "Big title" in html


def test_preview_escapes_scripts_and_marks_links(client):
    body = (
        "<script>alert(1)</script>\n\n"
        "[my shop](https://example.org/shop) and https://example.org/bare\n\n"
        "[click](javascript:alert(1))\n\n"
        '<a href="https://example.org" onclick="alert(1)">raw</a>'
    )
    html = _preview(client, body)["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _elements(html) == [
        ("p", {}),
        ("p", {}),
        ("a", {"href": "https://example.org/shop", "rel": LINK_REL}),
        ("a", {"href": "https://example.org/bare", "rel": LINK_REL}),
        ("p", {}),
        ("p", {}),
        ("a", {"href": "https://example.org", "rel": LINK_REL}),  # the address in the raw tag, as text, linked
    ]
    assert "<p>[click](javascript:alert(1))</p>" in html  # a script link stays text
    assert "onclick=&quot;alert(1)&quot;&gt;raw&lt;/a&gt;</p>" in html


def test_preview_shows_what_posting_stores(app, client, make_article):
    article = make_article()
    body = "See https://example.org/deposits — **start early**.\n<em>not html</em>\nLine two."
    preview = _preview(client, body)
    response = client.post(
        f"/articles/{article.slug}/comments", data={"body": body, "name": "Gail Guest", "email": "gail@example.org"}
    )
    assert response.status_code == 302, _html(response)
    stored = db.session.scalars(select(Comment)).one()
    assert preview["html"] == stored.body_html
    assert "<br>" in preview["html"]  # single line breaks are kept, as posted


def test_preview_takes_out_direction_overrides_as_posting_does(client):
    assert _preview(client, "abc\u202edef")["html"] == "<p>abcdef</p>\n"


def test_preview_of_a_too_long_comment_gives_no_html_and_says_why(client):
    result = _preview(client, "a" * 5001)
    assert result == {"html": "", "message": "A comment is at most 5,000 characters (this one has 5,001)."}
    assert _preview(client, "a" * 5000)["html"] == f"<p>{'a' * 5000}</p>\n"


def test_preview_counts_length_as_posting_does(client, make_article):
    body = "a" * 5000 + "\n"
    article = make_article()
    posted = client.post(
        f"/articles/{article.slug}/comments", data={"body": body, "name": "Gail Guest", "email": "gail@example.org"}
    )
    assert posted.status_code == 302  # posting trims it to the limit
    assert _preview(client, body) == {"html": f"<p>{'a' * 5000}</p>\n", "message": ""}


def test_preview_follows_the_configured_limit(app_with):
    with app_with(COMMENT_MAX_LENGTH=20) as app:
        client = app.test_client()
        assert _preview(client, "x" * 21)["message"] == "A comment is at most 20 characters (this one has 21)."
        assert _preview(client, "x" * 20)["html"] == f"<p>{'x' * 20}</p>\n"


def test_an_empty_preview_is_empty(client):
    assert _preview(client, "") == {"html": "", "message": ""}
    assert _preview(client, "   \n ")["message"] == ""


def test_preview_stores_nothing(client, make_user, make_article, login):
    make_article()
    _preview(client, "As a guest.", name="Gail Guest", email="gail@example.org")
    login(make_user("reader"))
    _preview(client, "As a reader.")
    assert _count(Comment) == 0
    assert _count(ModerationEvent) == 0


def test_preview_answers_only_posts(client):
    assert client.get("/comments/preview").status_code == 405


def _page_token(browser, article) -> str:
    page = _get(browser, f"/articles/{article.slug}")
    form = re.search(r'<form [^>]*id="comment-form"[^>]*>(.*?)</form>', page, re.S)
    assert 'data-preview="/comments/preview"' in form.group(0)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.group(1)).group(1)


def test_preview_needs_the_page_csrf_token(app_with, make_article):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        article = make_article()
        browser = app.test_client()
        token = _page_token(browser, article)
        assert browser.post("/comments/preview", data={"body": "**hi**"}).status_code == 400
        assert _preview(browser, "**hi**", csrf_token=token)["html"] == "<p><strong>hi</strong></p>\n"


def test_a_preview_refused_for_its_token_says_so_in_json(app_with, make_article):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        refused = app.test_client().post(
            "/comments/preview", data={"body": "**hi**"}, headers={"Accept": "application/json"}
        )
        assert refused.status_code == 400
        assert refused.get_json() == {"error": {"code": "csrf", "message": "Reload the page to preview.", "fields": {}}}


def test_preview_is_rate_limited(app_with):
    with app_with(RATELIMIT_ENABLED=True, PREVIEW_LIMIT="2 per minute") as app:
        client = app.test_client()
        assert _preview(client, "one")["html"] and _preview(client, "two")["html"]
        assert client.post("/comments/preview", data={"body": "three"}).status_code == 429
