"""The feeds: /feeds/articles.atom, /feeds/comments.atom, /articles/<slug>/comments.atom and
/people/<id>/comments.atom.

Only what every reader sees goes in: published articles, and comments that are approved and not deleted. A
comment's entry names its writer and never their email; its link is the comment's lasting address."""

from flask import abort, current_app, url_for
from markupsafe import Markup

from app.atom import AtomEntry, atom_response
from app.extensions import db
from app.feeds import bp
from app.models import Article, Comment
from app.services import feeds, profiles
from app.services.articles import visible_article
from app.services.settings import site_description
from app.web import viewer

FEED_ENTRIES = 50
SUMMARY_LENGTH = 300


def _summary(html: str) -> str:
    """The words of sanitised HTML, cut at SUMMARY_LENGTH characters."""
    text = " ".join(Markup(html).striptags().split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


def _article_entry(article: Article) -> AtomEntry:
    published = article.published_at or article.created_at
    byline = article.guest_author["name"] if article.guest_author else article.author.name
    return AtomEntry(
        link=url_for("articles.show", slug=article.slug, _external=True),
        title=article.title,
        author=byline,
        published=published,
        updated=max(published, article.updated_at),
        summary=_summary(article.body_html),
        content_html=article.body_html,
    )


def _comment_entry(comment: Comment) -> AtomEntry:
    return AtomEntry(
        link=url_for("comments.permalink", comment_id=comment.id, _external=True),
        title=f"{comment.writer_name} on “{comment.article.title}”",
        author=comment.writer_name,
        published=comment.created_at,
        updated=comment.edited_at or comment.created_at,
        summary=_summary(comment.body_html),
        content_html=comment.body_html,
    )


@bp.route("/feeds/articles.atom")
def articles():
    """Atom feed of the newest published articles."""
    found = db.session.scalars(feeds.newest_articles(FEED_ENTRIES)).unique().all()
    site = current_app.config["SITE_NAME"]
    return atom_response(
        f"Articles — {site}",
        site_description(current_app.config) or f"New articles on {site}.",
        url_for("articles.index", _external=True),
        url_for("feeds.articles", _external=True),
        [_article_entry(article) for article in found],
    )


@bp.route("/feeds/comments.atom")
def comments():
    """Atom feed of the newest public comments on every article."""
    found = db.session.scalars(feeds.newest_public_comments(FEED_ENTRIES)).unique().all()
    site = current_app.config["SITE_NAME"]
    return atom_response(
        f"Comments — {site}",
        f"The newest published comments on {site}.",
        url_for("articles.index", _external=True),
        url_for("feeds.comments", _external=True),
        [_comment_entry(comment) for comment in found],
    )


@bp.route("/articles/<slug>/comments.atom")
def article_comments(slug: str):
    """Atom feed of one published article's newest public comments."""
    article = visible_article(slug, viewer())
    if article is None or not article.is_published:
        abort(404)
    found = db.session.scalars(feeds.newest_public_comments(FEED_ENTRIES, article)).unique().all()
    return atom_response(
        f"Comments on “{article.title}”",
        f"The newest published comments on “{article.title}”.",
        article.host_page or url_for("articles.show", slug=article.slug, _external=True) + "#comments",
        url_for("feeds.article_comments", slug=article.slug, _external=True),
        [_comment_entry(comment) for comment in found],
    )


@bp.route("/people/<int:user_id>/comments.atom")
def person_comments(user_id: int):
    """Atom feed of one account's newest public comments (its page, /people/<id>); 404 for an account without one."""
    user = profiles.public_account(user_id)
    if user is None:
        abort(404)
    found = db.session.scalars(profiles.comments_by(user).limit(FEED_ENTRIES)).unique().all()
    site = current_app.config["SITE_NAME"]
    return atom_response(
        f"Comments by {user.name} — {site}",
        f"The newest published comments by {user.name} on {site}.",
        url_for("people.profile", user_id=user.id, _external=True),
        url_for("feeds.person_comments", user_id=user.id, _external=True),
        [_comment_entry(comment) for comment in found],
    )
