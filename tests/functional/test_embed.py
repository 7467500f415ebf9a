"""The embed over HTTP (docs/embed.md): the framed discussion and who may frame it, lazy threads from registered
origins only, the counts and their CORS, the script's caching, the admin page, and where the desk, the API and
the thread's own page say the discussion lives."""

import re

import pytest
from sqlalchemy import select

from app.embed.routes import script_digest
from app.extensions import db
from app.models import Article, Comment, CommentStatus
from app.services import sites
from tests.factories import make_comment

BLOG = "https://blog.example"
PAGE = f"{BLOG}/posts/first-snow"
FROM_BLOG = {"Referer": PAGE}
JSON = {"Accept": "application/json"}


@pytest.fixture
def site(make_user):
    return sites.register_site(make_user("admin"), sites.SiteFields("Blog", f"{BLOG}\nhttps://www.blog.example"))


def embed(client, key="first-snow", url=PAGE, title="First snow", headers=FROM_BLOG, **args):
    return client.get(
        "/embed/thread", query_string={"id": key, "url": url, "title": title, **args}, headers=headers or {}
    )


def threads():
    return db.session.scalars(select(Article).where(Article.site_id.is_not(None))).all()


def test_a_registered_page_gets_its_thread_framed_by_its_sites_origins_only(client, site):
    answer = embed(client)
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert policy.endswith("; frame-ancestors https://blog.example https://www.blog.example")
    assert "X-Frame-Options" not in answer.headers
    assert "no-store" in answer.headers["Cache-Control"] and "private" in answer.headers["Cache-Control"]
    html = answer.get_data(as_text=True)
    assert 'data-parent-origin="https://blog.example"' in html
    assert '<base target="_blank">' in html and 'id="comment-form"' in html
    [thread] = threads()
    assert (thread.thread_key, thread.title, thread.page_url) == ("first-snow", "First snow", PAGE)
    # Every other page still refuses to be framed.
    other = client.get("/").headers
    assert other["Content-Security-Policy"].endswith("frame-ancestors 'none'") and other["X-Frame-Options"] == "DENY"


def test_a_page_on_an_unregistered_origin_gets_nothing(client, site):
    answer = embed(client, url="https://evil.example/post", headers={"Referer": "https://evil.example/post"})
    assert answer.status_code == 404
    assert "not registered" in answer.get_data(as_text=True)
    assert answer.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert threads() == []


def test_a_registered_address_asked_for_from_another_origin_gets_nothing(client, site):
    answer = embed(client, headers={"Referer": "https://evil.example/page"})
    assert answer.status_code == 403
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert threads() == []


def test_without_a_referrer_existing_threads_show_and_none_is_made(client, site):
    answer = embed(client, headers=None)
    assert answer.status_code == 200 and "There is no discussion of this page." in answer.get_data(as_text=True)
    assert threads() == []
    embed(client)  # from the page itself: made
    again = embed(client, headers=None)
    assert 'id="comment-form"' in again.get_data(as_text=True)
    assert len(threads()) == 1


def test_the_frame_reloading_itself_shows_the_thread_and_starts_none(client, site):
    ours = {"Referer": "http://localhost/embed/thread?id=first-snow"}
    assert "There is no discussion of this page." in embed(client, headers=ours).get_data(as_text=True)
    assert threads() == []
    embed(client)
    assert 'id="comment-form"' in embed(client, headers=ours).get_data(as_text=True)


def test_no_thread_is_made_when_the_site_allows_none(client, site):
    sites.update_site(site, sites.SiteFields("Blog", BLOG, allow_new_threads=False))
    answer = embed(client)
    assert answer.status_code == 200 and "There is no discussion of this page." in answer.get_data(as_text=True)
    assert threads() == []


def test_new_threads_are_limited_per_network(app_with, make_user):
    with app_with(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", EMBED_NEW_THREADS_PER_NETWORK="2 per minute"
    ) as app:
        sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        client = app.test_client()
        for number in range(3):
            embed(client, key=f"post-{number}", url=f"{BLOG}/{number}")
        assert sorted(thread.thread_key for thread in threads()) == ["post-0", "post-1"]
        assert 'id="comment-form"' in embed(client, key="post-0", url=f"{BLOG}/0").get_data(as_text=True)


def test_bad_identifiers_are_refused_and_titles_bounded(client, site):
    assert embed(client, key="k" * 301).status_code == 422
    assert embed(client, key="long", title="T" * 1000).status_code == 200
    assert threads()[0].title == "T" * 199 + "…"


def test_the_framed_page_shows_no_private_data(client, site):
    embed(client)
    [thread] = threads()
    posted = client.post(
        f"/articles/{thread.slug}/comments",
        data={"body": "Fleece tore in the wind.", "name": "Maya", "email": "maya.private@example.org"},
        headers=JSON,
    )
    assert posted.status_code == 200
    assert "maya.private@example.org" not in posted.get_data(as_text=True)
    html = embed(client).get_data(as_text=True)
    assert "Fleece tore in the wind." in html
    assert "maya.private@example.org" not in html and "127.0.0.1" not in html and "X-Edit-Token" not in html


def test_a_site_that_holds_every_comment_holds_them_on_the_page_and_in_the_api(client, site):
    sites.update_site(site, sites.SiteFields("Blog", BLOG, hold_all=True))
    embed(client)
    [thread] = threads()
    posted = client.post(
        f"/articles/{thread.slug}/comments",
        data={"body": "Held, please.", "name": "Maya", "email": "maya@example.org"},
        headers=JSON,
    ).get_json()
    assert posted["status"] == "pending"
    assert "Awaiting moderation" in posted["html"]
    api = client.post(
        f"/api/v1/articles/{thread.slug}/comments", json={"body": "Also held.", "name": "Ann", "email": "a@example.org"}
    )
    assert api.status_code == 202
    assert {comment.status for comment in db.session.scalars(select(Comment))} == {CommentStatus.pending}


def test_hosted_articles_keep_the_site_wide_rules(client, site, make_article):
    sites.update_site(site, sites.SiteFields("Blog", BLOG, hold_all=True))
    article = make_article()
    posted = client.post(
        f"/articles/{article.slug}/comments", data={"body": "Hi.", "name": "M", "email": "m@example.org"}, headers=JSON
    )
    assert posted.get_json()["status"] == "approved"


def test_posting_from_the_frame_needs_its_csrf_token(app_with, make_user):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        client = app.test_client()
        html = embed(client).get_data(as_text=True)
        [thread] = threads()
        form = {"body": "From the frame.", "name": "Maya", "email": "maya@example.org"}
        refused = client.post(f"/articles/{thread.slug}/comments", data=form, headers=JSON)
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        accepted = client.post(f"/articles/{thread.slug}/comments", data=form | {"csrf_token": token}, headers=JSON)
        assert accepted.status_code == 200
        assert db.session.query(Comment).count() == 1


def test_cross_site_embedding_makes_the_cookies_partitioned(app_with, make_user):
    with app_with(EMBED_CROSS_SITE=True, WTF_CSRF_ENABLED=True) as app:
        sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        client = app.test_client()
        html = embed(client, base_url="https://localhost").get_data(as_text=True)
        session = client.get_cookie("session")
        assert session is not None
        [thread] = threads()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        posted = client.post(
            f"/articles/{thread.slug}/comments",
            data={"body": "Cross-site.", "name": "M", "email": "m@example.org", "csrf_token": token},
            headers=JSON,
            base_url="https://localhost",
        )
        cookies = posted.headers.getlist("Set-Cookie")
        owner = next(cookie for cookie in cookies if cookie.startswith("aw_comments="))
        for cookie in (owner, next(cookie for cookie in cookies if cookie.startswith("session="))):
            assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie, cookie


def test_counts_answer_registered_origins_with_cors(client, site):
    embed(client)
    make_comment(threads()[0])
    answer = client.get("/api/v1/threads/counts?id=first-snow&id=other", headers={"Origin": "https://www.blog.example"})
    assert answer.status_code == 200
    assert answer.get_json() == {"counts": {"first-snow": 1, "other": 0}}
    assert answer.headers["Access-Control-Allow-Origin"] == "https://www.blog.example"
    assert "Origin" in answer.headers["Vary"]


def test_counts_refuse_other_origins_without_cors(client, site):
    answer = client.get("/api/v1/threads/counts?id=first-snow", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_counts_for_a_server_name_the_site(client, site):
    answer = client.get("/api/v1/threads/counts", query_string={"id": "x", "site": BLOG})
    assert answer.get_json() == {"counts": {"x": 0}}
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert client.get("/api/v1/threads/counts?id=x").status_code == 404
    too_many = client.get("/api/v1/threads/counts", query_string={"id": [str(n) for n in range(51)], "site": BLOG})
    assert too_many.status_code == 422


def test_the_script_is_small_cached_long_and_named_by_its_hash(client):
    answer = client.get("/embed.js")
    assert answer.status_code == 200 and answer.mimetype == "text/javascript"
    assert len(answer.data) < 6 * 1024
    assert answer.headers["ETag"] == f'"{script_digest()}"'
    assert "max-age=86400" in answer.headers["Cache-Control"] and "public" in answer.headers["Cache-Control"]
    assert answer.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert client.get("/embed.js", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
    pinned = client.get(f"/embed.{script_digest()}.js")
    assert pinned.data == answer.data
    assert "max-age=31536000" in pinned.headers["Cache-Control"] and "immutable" in pinned.headers["Cache-Control"]
    assert client.get("/embed.0123456789abcdef.js").status_code == 404


def test_the_no_script_link_leads_to_the_discussion(client, site):
    assert client.get("/embed/open", query_string={"url": PAGE}).status_code == 404
    answer = client.get("/embed/open", query_string={"url": PAGE, "id": "first-snow"}, headers=FROM_BLOG)
    [thread] = threads()
    assert answer.status_code == 302 and answer.location.endswith(f"/articles/{thread.slug}#comments")
    page = client.get(f"/articles/{thread.slug}").get_data(as_text=True)
    assert "This is the discussion of a page on blog.example" in page and f'href="{PAGE}"' in page
    assert "History</a>" not in page and "Suggest a correction" not in page
    assert client.get("/embed/open", query_string={"url": "https://evil.example/x"}).status_code == 404


def test_the_desk_the_api_and_the_index_say_where_a_thread_lives(client, site, make_user, login, make_article):
    hosted = make_article(title="Hosted here")
    embed(client)
    [thread] = threads()
    make_comment(thread, "Held on the blog.", status=CommentStatus.pending)
    login(make_user("moderator"))
    desk = client.get("/moderation?queue=pending").get_data(as_text=True)
    assert re.search(r'On <span class="mod-item__site">blog\.example</span>: <a [^>]+>First snow</a>', desk)
    listed = {item["slug"]: item for item in client.get("/api/v1/articles").get_json()["articles"]}
    assert listed[thread.slug]["embedded_on"] == {"page_url": PAGE, "host": "blog.example", "thread_key": "first-snow"}
    assert listed[hosted.slug]["embedded_on"] is None
    index = client.get("/").get_data(as_text=True)
    assert "Hosted here" in index and "First snow" not in index


def test_admins_register_and_change_sites(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/admin/sites").status_code == 200
    made = client.post(
        "/admin/sites", data={"name": "Blog", "origins": "https://blog.example/", "allow_new_threads": "on"}
    )
    assert made.status_code == 302
    site = sites.site_for_origin(BLOG)
    assert site.allow_new_threads and not site.hold_all
    page = client.get(made.location).get_data(as_text=True)
    assert "http://localhost/embed.js" in page and "data-afterword-thread" in page
    taken = client.post("/admin/sites", data={"name": "Copy", "origins": BLOG})
    assert taken.status_code == 409 and "belongs to another site already" in taken.get_data(as_text=True)
    wrong = client.post(f"/admin/sites/{site.id}", data={"name": "Blog", "origins": "blog.example"})
    assert wrong.status_code == 422 and "is not an origin" in wrong.get_data(as_text=True)
    changed = client.post(f"/admin/sites/{site.id}", data={"name": "Blog", "origins": BLOG, "hold_all": "on"})
    assert changed.status_code == 302
    db.session.refresh(site)
    assert site.hold_all and not site.allow_new_threads


@pytest.mark.parametrize("role", ["reader", "author", "moderator"])
def test_only_admins_register_sites(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/admin/sites").status_code == 403
    assert client.post("/admin/sites", data={"name": "Blog", "origins": BLOG}).status_code == 403
    assert sites.site_for_origin(BLOG) is None


def test_readers_get_no_moderation_tools_in_the_frame(client, site, make_user, login):
    login(make_user("reader"))
    html = embed(client).get_data(as_text=True)
    assert "Signed in as" in html and "this discussion on the desk" not in html


def test_moderators_get_their_tools_in_the_frame(client, site, make_user, login):
    embed(client)
    [thread] = threads()
    make_comment(thread, "Held.", status=CommentStatus.pending)
    assert "this discussion on the desk" not in embed(client).get_data(as_text=True)
    login(make_user("moderator"))
    html = embed(client).get_data(as_text=True)
    assert f'href="/moderation?article={thread.slug}">this discussion on the desk</a> (1 held, 0 flagged)' in html
    assert f'href="/moderation?article={thread.slug}&amp;queue=flagged"' in html
