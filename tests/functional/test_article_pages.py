"""The public pages and the author's desk, through HTTP."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article


def _count():
    return db.session.scalar(select(func.count(Article.id)))


def test_index_lists_published_articles_newest_first_with_comment_counts(client, make_article):
    make_article(title="The older one")
    make_article(title="A hidden draft", published=False)
    make_article(title="The newer one")
    body = client.get("/").get_data(as_text=True)
    assert body.index("The newer one") < body.index("The older one")
    assert "A hidden draft" not in body
    assert body.count("0 comments") == 2


def test_index_paginates(client, make_article, app):
    app.config["ARTICLES_PER_PAGE"] = 2
    for n in range(3):
        make_article(title=f"Post number {n}")
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Post number 2" in first and "Post number 1" in first and "Post number 0" not in first
    assert "Post number 0" in second and "Page 2 of 2" in second


def test_article_page_shows_title_byline_date_and_anchored_paragraphs(client, make_user, make_article):
    host = make_user("admin", name="Dana Reyes")
    article = make_article(
        author=host,
        title="A guest post",
        body="First.\n\n- a list item\n\nLast.",
        guest=("Marisol Vega", "A paralegal."),
    )
    body = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert '<h1 class="article__title">A guest post</h1>' in body
    assert "Marisol Vega" in body and "published by Dana Reyes" in body and "A paralegal." in body
    assert f'<time datetime="{article.published_at:%Y-%m-%dT%H:%M:%SZ}" data-time="date">' in body
    assert (
        '<p id="p-1">First.</p>' in body and '<li id="p-2">a list item</li>' in body and '<p id="p-3">Last.</p>' in body
    )
    assert host.email not in body


def test_drafts_are_404_to_everyone_but_their_author_and_admins(client, make_user, make_article, login):
    owner = make_user("author")
    draft = make_article(author=owner, published=False, title="Secret draft")
    url = f"/articles/{draft.slug}"
    assert client.get(url).status_code == 404
    login(make_user("author"))
    assert client.get(url).status_code == 404
    assert client.get(f"/author/articles/{draft.slug}/edit").status_code == 404
    client.post("/logout")
    login(owner)
    page = client.get(url)
    assert page.status_code == 200 and "This is a draft" in page.get_data(as_text=True)
    client.post("/logout")
    login(make_user("admin"))
    assert client.get(url).status_code == 200


def test_unknown_article_is_a_404_page(client):
    response = client.get("/articles/no-such-thing")
    assert response.status_code == 404
    assert "There is nothing here." in response.get_data(as_text=True)


def test_author_previews_then_publishes(client, make_user, login):
    author = make_user("author")
    login(author)
    form = {"title": "Fresh post", "body": "Hello *world*.\n\nSecond.", "guest_author_name": "", "guest_author_bio": ""}
    preview = client.post("/author/articles/new", data=form | {"action": "preview"})
    text = preview.get_data(as_text=True)
    assert "Preview — not saved yet" in text and "<em>world</em>" in text
    assert _count() == 0
    published = client.post("/author/articles/new", data=form | {"action": "publish"})
    assert published.status_code == 302 and published.headers["Location"] == "/articles/fresh-post"
    article = db.session.scalar(select(Article))
    assert article.is_published and article.author_id == author.id
    assert "<em>world</em>" in client.get("/articles/fresh-post").get_data(as_text=True)


def test_author_saves_a_draft_edits_and_publishes_it(client, make_user, login):
    login(make_user("author"))
    client.post("/author/articles/new", data={"title": "Draft one", "body": "Text.", "action": "save"})
    article = db.session.scalar(select(Article))
    assert not article.is_published
    dashboard = client.get("/author/articles").get_data(as_text=True)
    assert "Draft one" in dashboard and "Draft" in dashboard
    response = client.post(
        f"/author/articles/{article.slug}/edit",
        data={"title": "Draft one, finished", "body": "Better text.", "action": "publish"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert article.title == "Draft one, finished" and article.is_published and "Better text." in article.body_html


def test_publishing_needs_a_body(client, make_user, login):
    login(make_user("author"))
    response = client.post("/author/articles/new", data={"title": "Empty", "body": "   ", "action": "publish"})
    assert "Write the article before publishing it." in response.get_data(as_text=True)
    assert _count() == 0


def test_over_long_title_is_refused_and_the_text_is_kept(client, make_user, login):
    login(make_user("author"))
    body_text = "Everything I typed."
    response = client.post("/author/articles/new", data={"title": "x" * 201, "body": body_text, "action": "publish"})
    text = response.get_data(as_text=True)
    assert "A title is at most 200 characters." in text
    assert body_text in text
    assert _count() == 0


def test_duplicate_slug_is_refused_with_a_clear_error(client, make_user, make_article, login):
    make_article(slug="taken")
    login(make_user("author"))
    response = client.post(
        "/author/articles/new", data={"title": "Mine", "slug": "taken", "body": "B.", "action": "publish"}
    )
    assert "The slug &#39;taken&#39; is already used by another article." in response.get_data(as_text=True)
    assert _count() == 1


@pytest.mark.parametrize("role", ["reader", "moderator"])
def test_only_authors_and_admins_write(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/author/articles/new").status_code == 403
    assert client.post("/author/articles/new", data={"title": "T", "body": "B", "action": "publish"}).status_code == 403
    assert client.get("/author/articles").status_code == 403
    assert _count() == 0


def test_authors_cannot_edit_each_others_articles_but_admins_can(client, make_user, make_article, login):
    article = make_article(title="Theirs")
    login(make_user("author"))
    assert (
        client.post(
            f"/author/articles/{article.slug}/edit", data={"title": "Hijacked", "body": "B", "action": "save"}
        ).status_code
        == 403
    )
    client.post("/logout")
    login(make_user("admin"))
    response = client.post(
        f"/author/articles/{article.slug}/edit", data={"title": "Fixed by admin", "body": "B", "action": "save"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert article.title == "Fixed by admin" and article.is_published


def test_unpublish_makes_a_draft_again(client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author)
    login(author)
    client.post(
        f"/author/articles/{article.slug}/edit",
        data={"title": article.title, "body": article.body, "action": "unpublish"},
    )
    client.post("/logout")
    assert client.get(f"/articles/{article.slug}").status_code == 404


def test_edit_form_shows_the_fixed_address_and_current_values(client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author, title="Edit me", guest=("Guest Name", "Guest bio"))
    login(author)
    page = client.get(f"/author/articles/{article.slug}/edit").get_data(as_text=True)
    assert 'value="Edit me"' in page and 'value="Guest Name"' in page and "Guest bio" in page
    assert re.search(rf"<code>http://localhost/articles/{article.slug}</code>", page)
    assert 'name="slug"' not in page
