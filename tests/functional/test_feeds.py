"""The Atom feeds of new articles and of public comments (site-wide and per article): what is in them, what never
is (held, spam, trashed and deleted comments, drafts, emails, networks), the links to them, and their ETags."""

import xml.etree.ElementTree as ET

import pytest

from app.models import CommentStatus
from app.services.articles import update_article
from app.services.comments import delete_comment
from tests.factories import make_comment, make_guest

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    # What RFC 4287 requires of a feed and of each entry.
    for required in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{required}"), required
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.findtext(f"{ATOM}{required}"), required
        assert entry.findtext(f"{ATOM}author/{ATOM}name")
    return root


def _entries(root: ET.Element) -> list[tuple[str, str]]:
    return [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}id")) for e in root.findall(f"{ATOM}entry")]


def test_the_articles_feed_lists_published_articles_newest_first_with_their_bylines(client, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    tides = make_article(author=author, title="On Tides", body="The **moon** pulls.\n\nSecond.")
    birds = make_article(author=author, title="On Birds", guest=("Ana Guest", "Writes on birds."))
    draft = make_article(author=author, title="Unfinished", published=False)
    withdrawn = make_article(author=author, title="Withdrawn")
    update_article(withdrawn, published=False, editor=author)
    root = _feed(client, "/feeds/articles.atom")
    assert root.findtext(f"{ATOM}title") == "Articles — Afterword"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"alternate": "http://localhost/", "self": "http://localhost/feeds/articles.atom"}
    assert _entries(root) == [
        ("On Birds", f"http://localhost/articles/{birds.slug}"),
        ("On Tides", f"http://localhost/articles/{tides.slug}"),
    ]
    by_title = {e.findtext(f"{ATOM}title"): e for e in root.findall(f"{ATOM}entry")}
    assert by_title["On Birds"].findtext(f"{ATOM}author/{ATOM}name") == "Ana Guest"
    assert by_title["On Tides"].findtext(f"{ATOM}author/{ATOM}name") == "Dana Reyes"
    assert by_title["On Tides"].findtext(f"{ATOM}summary") == "The moon pulls. Second."
    assert "<strong>moon</strong>" in by_title["On Tides"].findtext(f"{ATOM}content")
    assert draft.title not in client.get("/feeds/articles.atom").get_data(as_text=True)


def _world(make_article):
    article = make_article(title="On Tides")
    other = make_article(title="On Birds")
    writer = make_guest("Gail Guest", "gail.secret@example.org", network="203.0.113.0/24")
    first = make_comment(article, "Spring tides are **higher**.", writer)
    make_comment(article, "Held for a look.", make_guest("Hal Held", "hal@example.org"), status=CommentStatus.pending)
    make_comment(article, "Buy cheap pills.", make_guest("Sam Spam", "sam@example.org"), status=CommentStatus.spam)
    make_comment(article, "Rude words.", make_guest("Tia Trash", "tia@example.org"), status=CommentStatus.trash)
    delete_comment(make_comment(article, "Thought better of it.", make_guest("Del Deleted", "del@example.org")))
    reply = make_comment(article, "Neap tides are lower.", make_guest("Ray Reply", "ray@example.org"), parent=first)
    elsewhere = make_comment(other, "Swallows fly south.", make_guest("Bea Birds", "bea@example.org"))
    return article, other, first, reply, elsewhere


HIDDEN = ["Held for a look", "Buy cheap pills", "Rude words", "Thought better", "Hal Held", "Sam Spam", "Tia Trash"]


def test_the_comments_feed_holds_only_public_comments_and_never_an_email_or_network(client, make_article):
    article, other, first, reply, elsewhere = _world(make_article)
    response = client.get("/feeds/comments.atom")
    root = _feed(client, "/feeds/comments.atom")
    assert _entries(root) == [
        ("Bea Birds on “On Birds”", f"http://localhost/comments/{elsewhere.id}"),
        ("Ray Reply on “On Tides”", f"http://localhost/comments/{reply.id}"),
        ("Gail Guest on “On Tides”", f"http://localhost/comments/{first.id}"),
    ]
    gail = root.findall(f"{ATOM}entry")[-1]
    assert gail.findtext(f"{ATOM}author/{ATOM}name") == "Gail Guest"
    assert gail.find(f"{ATOM}author/{ATOM}email") is None
    assert gail.findtext(f"{ATOM}summary") == "Spring tides are higher."
    assert "<strong>higher</strong>" in gail.findtext(f"{ATOM}content")
    text = response.get_data(as_text=True)
    for hidden in [*HIDDEN, "@example.org", "203.0.113"]:
        assert hidden not in text
    # The entry's link leads to the comment on its page.
    followed = client.get(f"/comments/{first.id}")
    assert followed.status_code == 302 and followed.location.endswith(f"#comment-{first.id}")


def test_an_articles_comment_feed_holds_its_own_public_comments(client, make_article):
    article, other, first, reply, elsewhere = _world(make_article)
    root = _feed(client, f"/articles/{article.slug}/comments.atom")
    assert root.findtext(f"{ATOM}title") == "Comments on “On Tides”"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "alternate": f"http://localhost/articles/{article.slug}#comments",
        "self": f"http://localhost/articles/{article.slug}/comments.atom",
    }
    assert [entry_id for _, entry_id in _entries(root)] == [
        f"http://localhost/comments/{reply.id}",
        f"http://localhost/comments/{first.id}",
    ]
    text = client.get(f"/articles/{article.slug}/comments.atom").get_data(as_text=True)
    for hidden in [*HIDDEN, "Swallows", "@example.org"]:
        assert hidden not in text
    assert _entries(_feed(client, f"/articles/{make_article().slug}/comments.atom")) == []


def test_a_drafts_comment_feed_and_an_unknown_article_are_404(client, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author)
    make_comment(article, "Before it was withdrawn.")
    update_article(article, published=False, editor=author)
    assert client.get(f"/articles/{article.slug}/comments.atom").status_code == 404
    assert client.get("/articles/no-such-article/comments.atom").status_code == 404
    assert "Before it was withdrawn" not in client.get("/feeds/comments.atom").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/feeds/articles.atom", "/feeds/comments.atom", "/articles/{slug}/comments.atom"])
def test_a_feed_reader_polling_gets_304_until_the_feed_changes(client, make_article, path):
    article = make_article()
    make_comment(article, "The first word.")
    path = path.format(slug=article.slug)
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "max-age=300" in first.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_comment(make_article() if "articles.atom" in path else article, "A second word.")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_feed_reads_the_same_few_statements_however_many_comments_it_holds(
    app, client, make_article, count_queries_on
):
    article = make_article()
    counts = []
    for _ in range(2):
        for n in range(10):
            make_comment(article, f"Comment number {len(counts)}-{n}.", make_guest(f"Writer {n}", f"w{n}@example.org"))
        with count_queries_on(app) as counted:
            assert client.get("/feeds/comments.atom").status_code == 200
            assert client.get(f"/articles/{article.slug}/comments.atom").status_code == 200
        counts.append(counted.n)
    assert counts[0] == counts[1]
    assert counts[0] <= 6


def test_pages_point_feed_readers_at_the_feeds(client, make_article):
    article = make_article(title="On Tides")
    home = client.get("/").get_data(as_text=True)
    for title, href in [
        ("Articles — Afterword", "/feeds/articles.atom"),
        ("Comments — Afterword", "/feeds/comments.atom"),
    ]:
        assert f'<link rel="alternate" type="application/atom+xml" title="{title}" href="{href}">' in home
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Comments on this article" '
        f'href="/articles/{article.slug}/comments.atom">'
    ) in page
    assert f'<a href="/articles/{article.slug}/comments.atom">Follow the comments (Atom feed)</a>' in page
