"""Article revisions: every published version is kept, listed, and compared word by word."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ArticleRevision
from app.services.articles import update_article


def _revisions() -> int:
    return db.session.scalar(select(func.count(ArticleRevision.id)))


def test_drafts_keep_no_versions_and_publishing_keeps_the_first(make_user, make_article):
    author = make_user("author", name="Ana Author")
    draft = make_article(author=author, published=False, body="Draft text.")
    update_article(draft, body="Better draft text.", editor=author)
    assert _revisions() == 0
    update_article(draft, published=True, editor=author)
    assert _revisions() == 1


def test_every_change_of_title_or_body_keeps_a_version_and_nothing_else_does(make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, title="First title", body="One.")
    assert _revisions() == 1
    update_article(article, body="One, corrected.", editor=author)
    update_article(article, title="Second title", editor=author)
    update_article(article, guest_author=None, editor=author)  # not the title or the body
    update_article(article, body="One, corrected.", editor=author)  # no change
    assert [r.title for r in db.session.scalars(select(ArticleRevision).order_by(ArticleRevision.id))] == [
        "First title",
        "First title",
        "Second title",
    ]


def test_history_page_lists_versions_and_shows_a_word_diff(client, make_user, make_article, login):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, title="Small claims", body="The limit is around $10,000.")
    login(author)
    client.post(
        f"/author/articles/{article.slug}/edit",
        data={"title": "Small claims", "body": "The limit varies by state.", "action": "save"},
    )
    client.post("/logout")
    page = client.get(f"/articles/{article.slug}/history").get_data(as_text=True)
    assert "Current version" in page and page.count("by Dana Reyes") == 2
    first = db.session.scalars(select(ArticleRevision).order_by(ArticleRevision.id)).first()
    diff = client.get(f"/articles/{article.slug}/history?from={first.id}").get_data(as_text=True)
    assert (
        '<p>The limit <del><span class="visually-hidden">Removed: </span>is around $10,000.</del>'
        '<ins><span class="visually-hidden">Added: </span>varies by state.</ins></p>'
    ) in diff


def test_history_of_a_draft_is_404_and_a_bad_comparison_too(client, make_article):
    draft = make_article(published=False)
    assert client.get(f"/articles/{draft.slug}/history").status_code == 404
    article = make_article()
    only = db.session.scalar(select(ArticleRevision.id).where(ArticleRevision.article_id == article.id))
    assert client.get(f"/articles/{article.slug}/history?from={only}").status_code == 404  # no next version
    assert client.get(f"/articles/{article.slug}/history?from=99999").status_code == 404


def test_diffs_escape_markup(client, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body="Plain.")
    update_article(article, body="Plain. <script>alert(1)</script>", editor=author)
    first = db.session.scalars(select(ArticleRevision).order_by(ArticleRevision.id)).first()
    diff = client.get(f"/articles/{article.slug}/history?from={first.id}").get_data(as_text=True)
    assert "<script>alert" not in diff and "&lt;script&gt;alert(1)&lt;/script&gt;" in diff


def test_revisions_api(client, make_user, make_article, token_for):
    author = make_user("author", name="Ana Author")
    article = make_article(author=author, title="Before")
    response = client.patch(f"/api/v1/articles/{article.slug}", json={"title": "After"}, headers=token_for(author))
    assert response.status_code == 200
    payload = client.get(f"/api/v1/articles/{article.slug}/revisions").get_json()
    assert [(r["title"], r["author"]) for r in payload["revisions"]] == [
        ("Before", {"name": "Ana Author"}),
        ("After", {"name": "Ana Author"}),
    ]
    assert set(payload["revisions"][0]) == {"id", "created_at", "author", "title"}
    assert client.get("/api/v1/articles/missing/revisions").status_code == 404


@pytest.mark.parametrize("change", ["update", "delete"])
def test_a_revision_cannot_be_changed_or_deleted_through_the_application(make_article, change):
    article = make_article()
    revision = db.session.scalars(select(ArticleRevision).where(ArticleRevision.article_id == article.id)).one()
    if change == "update":
        revision.body = "Rewritten history."
    else:
        db.session.delete(revision)
    with pytest.raises(RuntimeError, match="never changed or deleted"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(ArticleRevision, revision.id).body == article.body


def test_the_diff_shows_the_rendered_structure_not_markdown(client, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body="# Limits\n\nIntro stays.\n\n- Ohio: $6,000\n- Utah: $10,000\n")
    changed = "# Limits by state\n\nIntro stays.\n\n- Ohio: $6,000\n- Utah: $11,000\n"
    update_article(article, body=changed, editor=author)
    first = db.session.scalars(select(ArticleRevision).order_by(ArticleRevision.id)).first()
    page = client.get(f"/articles/{article.slug}/history?from={first.id}").get_data(as_text=True)
    body = page.split('<div class="diff__body article-diff prose">', 1)[1].split("</div>", 1)[0]
    assert '<h2>Limits <ins><span class="visually-hidden">Added: </span>by state</ins></h2>' in body
    assert "<p>Intro stays.</p>" in body
    assert (
        '<li>Utah: <del><span class="visually-hidden">Removed: </span>$10,000</del>'
        '<ins><span class="visually-hidden">Added: </span>$11,000</ins></li>'
    ) in body
    assert "#" not in body and "- Ohio" not in body
    assert 'class="diff__legend"' in page
