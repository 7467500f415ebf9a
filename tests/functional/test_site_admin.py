"""Admins look after a registered site's discussions over HTTP (docs/embed.md, "Looking after a site"): retitle a
thread or move it with its page, page through many threads, and remove a site registered by mistake, which is
refused while any of its discussions holds a comment."""

from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, Comment, Site, Subscription
from app.services import sites, subscriptions
from tests.factories import make_comment

BLOG = "https://blog.example"
OLD = f"{BLOG}/2024/first-snow"
NEW = f"{BLOG}/posts/first-snow"


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin")
    login(user)
    return user


@pytest.fixture
def site(admin):
    return sites.register_site(admin, sites.SiteFields("Blog", BLOG))


def embed(client, url, key="", title="First snow"):
    return client.get("/embed/thread", query_string={"id": key, "url": url, "title": title}, headers={"Referer": url})


def site_threads(site):
    return db.session.scalars(select(Article).where(Article.site_id == site.id).order_by(Article.id)).all()


def edit(client, thread, **fields):
    return client.post(f"/admin/sites/{thread.site_id}/threads/{thread.id}", data=fields)


def test_a_thread_moves_with_its_page_and_keeps_its_comments(client, site):
    assert embed(client, OLD).status_code == 200
    [thread] = site_threads(site)
    comment = make_comment(thread, "The snow came early that year.")
    form = client.get(f"/admin/sites/{site.id}/threads/{thread.id}").get_data(as_text=True)
    # The key is the page's address, so it shows empty: "follow the address".
    assert f'value="{OLD}"' in form and 'name="key" type="text" value=""' in form

    moved = edit(client, thread, title="First snow, 2024", page_url=NEW + "?utm=x#top", key="")
    assert moved.status_code == 302
    db.session.refresh(thread)
    assert (thread.title, thread.page_url, thread.thread_key) == ("First snow, 2024", NEW, NEW)

    frame = embed(client, NEW, title="Something else").get_data(as_text=True)
    assert "The snow came early that year." in frame and "Comments on First snow, 2024" in frame
    assert len(site_threads(site)) == 1, "the moved page found its discussion instead of starting one"
    assert client.get(f"/comments/{comment.id}").location == f"{NEW}#comment-{comment.id}"
    listing = client.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert "First snow, 2024" in listing and f'href="{NEW}"' in listing


def test_a_retitled_thread_shows_its_new_title_to_readers_at_once(client, site):
    embed(client, OLD)
    [thread] = site_threads(site)
    make_comment(thread, "Cached before the change.")
    assert "Comments on First snow —" in embed(client, OLD).get_data(as_text=True)
    version = thread.discussion_version
    assert edit(client, thread, title="Snow", page_url=OLD).status_code == 302
    db.session.refresh(thread)
    assert thread.discussion_version > version
    assert "Comments on Snow —" in embed(client, OLD).get_data(as_text=True)
    assert "Snow" in client.get(f"/articles/{thread.slug}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"title": "  ", "page_url": OLD}, 422, "Give the discussion a title."),
        ({"title": "x" * 201, "page_url": OLD}, 422, "A title is at most 200 characters."),
        ({"title": "Snow", "page_url": "https://elsewhere.example/first-snow"}, 422, "must be on one of Blog"),
        ({"title": "Snow", "page_url": "first-snow"}, 422, "must be on one of Blog"),
        ({"title": "Snow", "page_url": OLD, "key": "k" * 301}, 422, "identifier is at most"),
        ({"title": "Snow", "page_url": OLD, "key": "other-page"}, 409, "has that identifier already (Other)"),
    ],
)
def test_a_bad_thread_change_says_why_and_changes_nothing(client, site, fields, status, message):
    embed(client, OLD)
    embed(client, f"{BLOG}/other", key="other-page", title="Other")
    thread = site_threads(site)[0]
    answer = edit(client, thread, **fields)
    assert answer.status_code == status
    assert message in answer.get_data(as_text=True)
    db.session.refresh(thread)
    assert (thread.title, thread.page_url, thread.thread_key) == ("First snow", OLD, OLD)


def test_threads_belong_to_their_site_and_to_admins(client, site, admin, make_user, login, make_article):
    embed(client, OLD)
    [thread] = site_threads(site)
    other = sites.register_site(admin, sites.SiteFields("Other", "https://other.example"))
    hosted = make_article(title="Hosted")
    assert client.get(f"/admin/sites/{other.id}/threads/{thread.id}").status_code == 404
    assert client.get(f"/admin/sites/{site.id}/threads/{hosted.id}").status_code == 404
    assert client.get(f"/admin/sites/{site.id}/threads/999999").status_code == 404
    client.post("/logout")
    login(make_user("moderator"))
    assert edit(client, thread, title="Taken over", page_url=OLD).status_code == 403
    assert client.post(f"/admin/sites/{site.id}/delete", data={"confirm": "on"}).status_code == 403
    db.session.refresh(thread)
    assert thread.title == "First snow" and db.session.get(Site, site.id) is not None


def test_many_threads_are_listed_fifty_a_page(client, site):
    for n in range(52):
        sites.thread_for_page(site, f"post-{n}", f"{BLOG}/posts/{n}", f"Post number {n}")
    first = client.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert "52 discussions" in first and "Post number 51" in first and "Post number 1<" not in first
    assert "Page 1 of 2" in first
    second = client.get(f"/admin/sites/{site.id}?page=2").get_data(as_text=True)
    assert "Post number 1<" in second and "Post number 0<" in second and "Post number 51" not in second


def test_a_site_registered_by_mistake_is_removed_with_its_empty_threads(client, site, make_user):
    embed(client, OLD)
    [thread] = site_threads(site)
    assert subscriptions.subscribe(thread, make_user("reader")) is not None
    unconfirmed = client.post(f"/admin/sites/{site.id}/delete", data={})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.get_data(as_text=True)
    assert db.session.get(Site, site.id) is not None

    removed = client.post(f"/admin/sites/{site.id}/delete", data={"confirm": "on"})
    assert removed.status_code == 302 and removed.location.endswith("/admin/sites")
    db.session.expire_all()
    assert db.session.get(Site, site.id) is None
    assert db.session.get(Article, thread.id) is None
    assert db.session.scalar(select(func.count(Subscription.id))) == 0
    assert "Blog is removed, with 1 empty discussion." in client.get("/admin/sites").get_data(as_text=True)
    # Its origin is free again: pages there start no thread until it is registered anew.
    embed(client, OLD)
    assert db.session.scalar(select(func.count(Article.id)).where(Article.site_id.is_not(None))) == 0
    assert client.post("/admin/sites", data={"name": "Blog again", "origins": BLOG}).status_code == 302


def test_a_site_whose_readers_commented_stays(client, site):
    embed(client, OLD)
    [thread] = site_threads(site)
    make_comment(thread, "Readers' words are kept.")
    refused = client.post(f"/admin/sites/{site.id}/delete", data={"confirm": "on"})
    assert refused.status_code == 409
    assert "Blog's discussions hold 1 comment, so the site stays" in unescape(refused.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Site, site.id) is not None and db.session.get(Article, thread.id) is not None
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    assert client.post("/admin/sites/999999/delete", data={"confirm": "on"}).status_code == 404
