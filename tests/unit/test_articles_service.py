"""Article services: slugs, validation, publishing, and that refused input changes nothing."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, ArticleStatus
from app.services import articles
from app.services.articles import GuestAuthor, create_article, update_article
from app.services.errors import ServiceError


def _count():
    return db.session.scalar(select(func.count(Article.id)))


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Small claims court: a guide", "small-claims-court-a-guide"),
        ("  Café déjà vu  ", "cafe-deja-vu"),
        ("C++ & Rust!!", "c-rust"),
        ("日本語", ""),
    ],
)
def test_slugify(title, slug):
    assert articles.slugify(title) == slug


def test_derived_slugs_are_made_unique(make_user):
    author = make_user("author")
    first = create_article(author, "Same title", "Body.")
    second = create_article(author, "Same title", "Body.")
    third = create_article(author, "日本語", "Body.")
    assert (first.slug, second.slug, third.slug) == ("same-title", "same-title-2", "article")


def test_an_explicit_duplicate_slug_is_a_conflict_and_creates_nothing(make_user):
    author = make_user("author")
    create_article(author, "First", "Body.", slug="my-post")
    with pytest.raises(ServiceError) as raised:
        create_article(author, "Second", "Body.", slug="my-post")
    assert (raised.value.status, raised.value.code, raised.value.field) == (409, "slug_taken", "slug")
    assert _count() == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"body": "x" * 100_001}, "body"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"guest_author": GuestAuthor("", "bio without a name")}, "guest_author.name"),
        ({"guest_author": GuestAuthor("n" * 121)}, "guest_author.name"),
        ({"guest_author": GuestAuthor("Name", "b" * 501)}, "guest_author.bio"),
        ({"body": "  ", "published": True}, "body"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(make_user, kwargs, field):
    values = {"title": "A title", "body": "Body."} | kwargs
    with pytest.raises(ServiceError) as raised:
        create_article(make_user("author"), values.pop("title"), values.pop("body"), **values)
    assert raised.value.field == field
    assert _count() == 0


def test_over_long_title_message_says_the_limit(make_user):
    with pytest.raises(ServiceError, match="at most 200 characters"):
        create_article(make_user("author"), "x" * 250, "Body.")


def test_publishing_sets_the_date_once(make_article):
    article = make_article(published=False)
    assert article.status is ArticleStatus.draft and article.published_at is None
    update_article(article, published=True)
    first = article.published_at
    assert first is not None
    update_article(article, published=False)
    update_article(article, published=True)
    assert article.published_at == first


def test_update_renders_the_new_body_and_keeps_other_fields(make_article):
    article = make_article(title="Keep me", body="Old text.", guest=("Guest", "Bio"))
    update_article(article, body="New text.\n\nMore.")
    assert article.title == "Keep me"
    assert '<p id="p-2">More.</p>' in article.body_html
    assert article.guest_author == {"name": "Guest", "bio": "Bio"}


def test_refused_update_changes_nothing(make_article):
    article = make_article(title="Original", body="Body.")
    with pytest.raises(ServiceError):
        update_article(article, title="Changed", body="x" * 100_001)
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.title == "Original" and stored.body == "Body."


def test_emptying_a_published_article_is_refused(make_article):
    article = make_article(body="Body.")
    with pytest.raises(ServiceError, match="needs a body"):
        update_article(article, body="")
    update_article(article, body="", published=False)
    assert article.status is ArticleStatus.draft


def test_guest_author_can_be_removed(make_article):
    article = make_article(guest=("Guest", "Bio"))
    update_article(article, guest_author=None)
    assert article.guest_author is None and article.guest_author_bio is None


def test_drafts_are_visible_only_to_their_author_and_admins(make_article, make_user):
    owner = make_user("author")
    draft = make_article(author=owner, published=False)
    assert articles.visible_article(draft.slug, None) is None
    assert articles.visible_article(draft.slug, make_user("author")) is None
    assert articles.visible_article(draft.slug, make_user("moderator")) is None
    assert articles.visible_article(draft.slug, owner) == draft
    assert articles.visible_article(draft.slug, make_user("admin")) == draft


def test_published_listing_is_newest_first_without_drafts(make_article):
    older = make_article(title="Older")
    make_article(title="Hidden draft", published=False)
    newer = make_article(title="Newer")
    listed = db.session.scalars(articles.published_articles()).all()
    assert [a.title for a in listed] == [newer.title, older.title]


def test_an_excerpt_is_plain_text_cut_at_a_word_within_the_limit():
    from app.services.text import excerpt

    assert excerpt("<p>Short <strong>and</strong>\n sweet.</p>") == "Short and sweet."
    words = "<p>" + " ".join(f"word{n}" for n in range(60)) + "</p>"
    cut = excerpt(words, 50)
    assert len(cut) <= 50 and cut.endswith("…") and cut[:-1].split()[-1].startswith("word")
    assert cut[:-1] == " ".join(f"word{n}" for n in range(len(cut[:-1].split())))  # whole words only
    assert excerpt("<p>" + "a" * 300 + "</p>", 20) == "a" * 19 + "…"  # one long word is cut inside
    assert excerpt("") == ""
