"""Avatars and people's public pages through HTTP: /people/<id> shows what every reader may see of an account and
nothing else; avatars are made on the site, with Gravatar pictures (and their CSP source) only once an admin turns
them on; the API's comment objects carry the same avatar."""

import hashlib
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Article, CommentStatus
from app.models.types import utcnow
from app.services import sites
from app.services.avatars import avatar
from app.services.comments import Writer
from app.services.settings import update_settings
from tests.conftest import PASSWORD
from tests.factories import make_comment, make_guest, make_note

GRAVATAR = "gravatar.com"


def _browser(app, user=None):
    browser = app.test_client()
    if user is not None:
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return browser


def _html(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _write(article, user, body: str, **options):
    """A comment by an account, written from a network the page must never show."""
    return make_comment(article, body, Writer(user=user, ip_network="198.51.100.0/24"), **options)


def _items(html: str) -> list[str]:
    return re.findall(r'<li class="profile__item">(.*?)</li>', html, re.S)


def _avatars(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="avatar (avatar--\w+)[^"]*" data-initials="([^"]*)" aria-hidden="true">', html)


def test_a_persons_page_lists_their_public_comments_and_notes_newest_first(client, make_user, make_article):
    writer = make_user("author", name="Ana María López", email="ana@example.org")
    article = make_article(title="Small claims", author=writer)
    other = make_article(title="Tenancy law")
    first = _write(article, writer, "The *first* thing I said.", days_ago=3)
    second = _write(other, writer, "A second thought, much later.", days_ago=1)
    note = make_note(article, writer, "correction", "It is $5,000 since March.")

    html = _html(client.get(f"/people/{writer.id}"))
    assert "<title>Ana María López — " in html
    assert re.search(r'<h1 class="profile__name"><bdi>Ana María López</bdi> <span class="badge badge--author">', html)
    month = utcnow().strftime("%B %Y")
    assert f">{month}</time>" in html and "Member since" in html
    assert re.search(r'<span class="avatar avatar--\d avatar--large" data-initials="AL" aria-hidden="true">', html)
    items = _items(html)
    assert len(items) == 3  # two comments, one note
    assert "Tenancy law" in items[0] and f'href="/comments/{second.id}"' in items[0]
    assert "Small claims" in items[1] and f'href="/comments/{first.id}"' in items[1]
    assert "The first thing I said." in items[1]  # an excerpt of the text, without its markup
    assert f'href="/articles/{article.slug}#note-{note.id}"' in items[2] and "$5,000 since March" in items[2]


def test_nothing_private_is_on_a_persons_page(client, make_user, make_article):
    writer = make_user(name="Rae Reader", email="rae.private@example.org")
    article = make_article()
    _write(article, writer, "Published and public.")
    _write(article, writer, "Held for a moderator.", status=CommentStatus.pending)
    _write(article, writer, "Caught as spam.", status=CommentStatus.spam)
    _write(article, writer, "Thrown in the trash.", status=CommentStatus.trash)
    deleted = _write(article, writer, "Deleted by its writer.")
    deleted.deleted_at = utcnow()
    db.session.commit()
    html = _html(client.get(f"/people/{writer.id}"))
    assert [item for item in _items(html) if "Published and public." in item]
    assert len(_items(html)) == 1
    for absent in ("Held for", "Caught as spam", "Thrown in", "Deleted by", "rae.private", "198.51.100", "badge--"):
        assert absent not in html
    # The owner is told where the rest is; nobody else is.
    mine = _html(_browser(client.application, writer).get(f"/people/{writer.id}"))
    assert "your account</a> has the rest" in mine and "Held for" not in mine
    assert "your account" not in html


def test_an_account_without_a_page_is_a_404(client, make_user):
    gone = make_user()
    gone.active = False
    erased = make_user()
    erased.deleted_at = utcnow()
    db.session.commit()
    for address in (f"/people/{gone.id}", f"/people/{erased.id}", "/people/999", "/people/99999999999999999999"):
        assert client.get(address).status_code == 404, address
    assert client.get("/people/abc").status_code == 404


@pytest.fixture
def three_pages(app, make_user, make_article):
    app.config["PROFILE_COMMENTS_PER_PAGE"] = 2
    writer = make_user(name="Pat Pages")
    article = make_article()
    ids = [_write(article, writer, f"Comment number {n}.", days_ago=10 - n).id for n in range(5)]
    return writer, ids


def test_a_long_list_goes_over_pages(client, three_pages):
    writer, ids = three_pages
    first = _html(client.get(f"/people/{writer.id}"))
    assert [f"/comments/{ids[4]}" in item for item in _items(first)] == [True, False]
    assert f'<a rel="next" href="/people/{writer.id}?page=2">Older comments</a>' in first
    last = _html(client.get(f"/people/{writer.id}?page=3"))
    assert len(_items(last)) == 1 and f"/comments/{ids[0]}" in last
    for odd in ("abc", "-1", "0"):
        assert len(_items(_html(client.get(f"/people/{writer.id}?page={odd}")))) == 2, odd
    # More digits than any page could have: no page at all, as everywhere on the site (app/guards.py).
    assert client.get(f"/people/{writer.id}?page=99999999999999999999999").status_code == 404
    beyond = _html(client.get(f"/people/{writer.id}?page=40"))
    assert "No comments on this page." in beyond and not _items(beyond)


def test_a_persons_page_runs_the_same_queries_for_3_and_30_comments(client, make_user, make_article, count_queries):
    writer = make_user("author", name="Quinn Queries")
    articles = [make_article(author=writer) for _ in range(3)]
    make_note(articles[0], writer, "update", "A note of theirs.")

    def queries(n: int) -> int:
        for number in range(n + 1 - len(_items(_html(client.get(f"/people/{writer.id}"))))):
            _write(articles[number % 3], writer, f"Comment {number} of {n}.")
        with count_queries() as counted:
            html = _html(client.get(f"/people/{writer.id}"))
        assert len(_items(html)) == n + 1  # and the note
        return counted.n

    client.application.config["PROFILE_COMMENTS_PER_PAGE"] = 50
    assert queries(3) == queries(30)


def test_names_link_to_their_page_on_comments_and_notes(client, make_user, make_article):
    writer = make_user("author", name="Lin Linked")
    article = make_article(author=writer)
    mine = _write(article, writer, "An account's comment.")
    guest = make_comment(article, "A guest's comment.", make_guest("Gus Guest", website="https://gus.example/"))
    plain = make_comment(article, "Another guest's.", make_guest("Pia Plain", "pia@example.org"))
    make_note(article, writer, "update", "An update.")
    html = _html(client.get(f"/articles/{article.slug}"))
    assert re.search(rf'id="comment-{mine.id}-author"><a href="/people/{writer.id}"><bdi>Lin Linked</bdi></a>', html)
    website = '<a href="https://gus.example/" rel="nofollow ugc noopener">'
    assert re.search(rf'id="comment-{guest.id}-author">{website}', html)
    assert re.search(rf'id="comment-{plain.id}-author"><bdi>Pia Plain</bdi></span>', html)
    assert f'<a href="/people/{writer.id}">Update — Lin Linked' in html  # the note's signature
    # Deactivated: its page is gone, and so are the links to it (the prepared discussion is made again).
    writer.active = False
    db.session.commit()
    html = _html(client.get(f"/articles/{article.slug}"))
    assert f'href="/people/{writer.id}"' not in html


def test_every_comment_has_an_avatar_and_the_api_gives_the_same(client, app, make_user, make_article):
    writer = make_user(name="Ana María", email="ana@example.org")
    article = make_article()
    mine = _write(article, writer, "From an account.")
    guest = make_comment(article, "From a guest.", make_guest("李小龙", "li@example.org"))
    emoji = make_comment(article, "From a party.", make_guest("🎉🎉", "party@example.org"))
    key = app.config["SECRET_KEY"]
    expected = {
        mine.id: avatar("Ana María", "ana@example.org", key),
        guest.id: avatar("李小龙", "li@example.org", key),
        emoji.id: avatar("🎉🎉", "party@example.org", key),
    }
    html = _html(client.get(f"/articles/{article.slug}"))
    for comment_id, shown in expected.items():
        card = html[html.index(f'id="comment-{comment_id}"') :]
        assert _avatars(card)[0] == (shown.css_class, shown.initials)
    assert [shown.initials for shown in expected.values()] == ["AM", "李", "•"]
    payload = client.get(f"/api/v1/articles/{article.slug}/comments").get_json()
    given = {item["id"]: item["author"]["avatar"] for item in payload["comments"]}
    assert given == {
        comment_id: {"initials": shown.initials, "colour": shown.colour, "colour_dark": shown.colour_dark}
        for comment_id, shown in expected.items()
    }


def test_gravatar_off_sends_nothing_anywhere_and_the_policy_stays(client, app, make_user, make_article):
    writer = make_user(name="Olive Off")
    article = make_article()
    _write(article, writer, "An account's.")
    make_comment(article, "A guest's.")
    policy = f"{app.config['CONTENT_SECURITY_POLICY']}; frame-ancestors {app.config['FRAME_ANCESTORS']}"
    for address in (f"/articles/{article.slug}", f"/people/{writer.id}", f"/api/v1/articles/{article.slug}/comments"):
        response = client.get(address)
        assert response.status_code == 200
        assert GRAVATAR not in response.get_data(as_text=True)
        assert response.headers["Content-Security-Policy"] == policy


def test_an_admin_turns_gravatar_on_and_pictures_show_over_the_initials(client, app, make_user, make_article):
    admin = make_user("admin")
    writer = make_user(name="Gwen Gravatar", email="Gwen@Example.org")
    article = make_article()
    _write(article, writer, "An account's.")
    make_comment(article, "A guest's.", make_guest("Gail Guest", "gail@example.org"))
    page = f"/articles/{article.slug}"
    assert GRAVATAR not in _html(client.get(page))  # the discussion is prepared without pictures
    version = db.session.get(Article, article.id).discussion_version

    browser = _browser(app, admin)
    settings = _html(browser.get("/moderation/settings"))
    assert "Show Gravatar pictures" in settings and "compare that hash" in settings
    form = {"csrf_token": "", "gravatar": "1", "flag_threshold": "3"}
    assert browser.post("/moderation/settings", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, article.id).discussion_version > version

    response = client.get(page)
    html = _html(response)
    for email in ("gwen@example.org", "gail@example.org"):
        digest = hashlib.sha256(email.encode()).hexdigest()
        assert (
            f'<img class="avatar__picture" src="https://www.gravatar.com/avatar/{digest}?d=blank&amp;s=80" alt="" '
            'loading="lazy" referrerpolicy="no-referrer"' in html
        )
    assert "img-src 'self' https: data: https://www.gravatar.com;" in response.headers["Content-Security-Policy"]
    again = client.get(page)  # the prepared discussion, served again: the same pictures, the same policy
    assert again.get_data(as_text=True).count("avatar__picture") == 2
    assert "https://www.gravatar.com" in again.headers["Content-Security-Policy"]
    payload = client.get(f"/api/v1/articles/{article.slug}/comments").get_json()
    urls = [item["author"]["avatar"]["url"] for item in payload["comments"]]
    assert len(urls) == 2 and all(url.startswith("https://www.gravatar.com/avatar/") for url in urls)
    profile = client.get(f"/people/{writer.id}")
    assert "avatar__picture" in _html(profile) and GRAVATAR in profile.headers["Content-Security-Policy"]

    update_settings({"gravatar": False}, admin)
    response = client.get(page)
    assert GRAVATAR not in _html(response) and GRAVATAR not in response.headers["Content-Security-Policy"]


def test_a_new_address_gives_every_discussion_a_new_version(make_user, make_article):
    writer = make_user()
    article = make_article()
    _write(article, writer, "Coloured by my address.")
    version = db.session.get(Article, article.id).discussion_version
    writer.email = "new.address@example.org"
    db.session.commit()
    assert db.session.get(Article, article.id).discussion_version == version + 1
    writer.reply_mail = True  # not shown in any discussion
    db.session.commit()
    assert db.session.get(Article, article.id).discussion_version == version + 1


def test_the_desk_shows_the_writers_avatar(client, app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    held = make_comment(article, "Held.", make_guest("Hana Held", "hana@example.org"), status=CommentStatus.pending)
    html = _html(_browser(app, moderator).get("/moderation"))
    shown = avatar("Hana Held", "hana@example.org", app.config["SECRET_KEY"])
    item = html[html.index(f'id="item-{held.id}"') :]
    assert _avatars(item)[0] == (shown.css_class, "HH")
    assert "hana@example.org" in item  # moderators still see the address, as before


def test_the_api_gives_a_persons_public_data_and_nothing_else(client, app, make_user, make_article):
    writer = make_user("moderator", name="Mo Public", email="mo.private@example.org")
    article = make_article(title="Small claims")
    public = _write(article, writer, "Said in *public*.")
    _write(article, writer, "Held back.", status=CommentStatus.spam)
    response = client.get(f"/api/v1/people/{writer.id}")
    assert response.status_code == 200
    payload = response.get_json()
    shown = avatar("Mo Public", "mo.private@example.org", app.config["SECRET_KEY"])
    assert payload == {
        "id": writer.id,
        "name": "Mo Public",
        "badge": "Moderator",
        "member_since": utcnow().strftime("%Y-%m"),
        "avatar": {"initials": "MP", "colour": shown.colour, "colour_dark": shown.colour_dark},
        "comment_count": 1,
        "comments": [
            {
                "id": public.id,
                "article": {"slug": article.slug, "title": "Small claims"},
                "body_html": "<p>Said in <em>public</em>.</p>\n",
                "created_at": public.created_at.isoformat(),
                "url": f"/comments/{public.id}",
            }
        ],
        "next_page": None,
        "note_count": 0,
        "notes": [],
    }
    text = response.get_data(as_text=True)
    assert "mo.private" not in text and "Held back" not in text and "198.51.100" not in text
    writer.active = False
    db.session.commit()
    gone = client.get(f"/api/v1/people/{writer.id}")
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"
    bad = client.get(f"/api/v1/people/{make_user().id}?page=0")
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["page"]


def test_the_embed_frame_shows_avatars_and_a_persons_page_lists_comments_on_other_sites(client, app, make_user):
    blog = "https://blog.example"
    sites.register_site(make_user("admin"), sites.SiteFields("Blog", blog))
    frame = {"id": "first-snow", "url": f"{blog}/posts/first-snow", "title": "First snow"}
    assert client.get("/embed/thread", query_string=frame, headers={"Referer": frame["url"]}).status_code == 200
    thread = db.session.scalars(select(Article).where(Article.site_id.is_not(None))).one()
    writer = make_user(name="Ema Embedded")
    mine = _write(thread, writer, "Written in the frame.")
    make_comment(thread, "A guest in the frame.", make_guest("Gia Guest", "gia@example.org"))
    html = _html(client.get("/embed/thread", query_string=frame, headers={"Referer": frame["url"]}))
    key = app.config["SECRET_KEY"]
    shown = [avatar("Ema Embedded", writer.email, key), avatar("Gia Guest", "gia@example.org", key)]
    assert _avatars(html) == [(one.css_class, one.initials) for one in shown]
    assert f'href="/people/{writer.id}"' in html
    page = _html(client.get(f"/people/{writer.id}"))
    (item,) = _items(page)
    assert "First snow" in item and "(blog.example)" in item and f'href="/comments/{mine.id}"' in item


def test_a_persons_comments_have_a_feed_with_only_what_is_public(client, make_user, make_article):
    writer = make_user(name="Fay Feed", email="fay.private@example.org")
    article = make_article(title="Small claims")
    public = _write(article, writer, "Out in the open.")
    _write(article, writer, "Caught as spam.", status=CommentStatus.spam)
    page = _html(client.get(f"/people/{writer.id}"))
    assert f'<a href="/people/{writer.id}/comments.atom">Follow these comments (Atom feed)</a>' in page
    response = client.get(f"/people/{writer.id}/comments.atom")
    feed = _html(response)
    assert response.mimetype == "application/atom+xml"
    assert "<title>Comments by Fay Feed — " in feed and feed.count("<entry>") == 1
    assert f"/comments/{public.id}" in feed
    assert "Out in the open." in feed and "Caught as spam" not in feed and "fay.private" not in feed
    writer.active = False
    db.session.commit()
    assert client.get(f"/people/{writer.id}/comments.atom").status_code == 404
