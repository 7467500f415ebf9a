"""Published articles and their public comments as WordPress imports them (`flask export --format wxr FILE.xml`):
WordPress eXtended RSS 1.2, what WordPress's own Tools → Export writes and Tools → Import → WordPress reads.

Written with lxml's incremental writer, an article and its comments at a time; every text goes through the XML
serialiser, never into a string by hand.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.models import Article, ArticleStatus, Comment, CommentStatus, User
from app.services.links import absolute_url

WP = "http://wordpress.org/export/1.2/"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": WP,
}


def _q(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


def _add(parent: Any, tag: str, value: object) -> Any:
    element = etree.SubElement(parent, tag)
    element.text = "" if value is None else str(value)
    return element


def _local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _login(user: User) -> str:
    # WordPress logins are unique; an account's id makes ours so, whatever its name.
    return f"user{user.id}"


def public_comments(article: Article) -> list[Comment]:
    """The comments every reader sees on the article (approved, not removed), oldest first."""
    statement = (
        select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.approved, Comment.deleted_at.is_(None))
        .order_by(Comment.id)
    )
    return list(db.session.scalars(statement))


def _parent(comment: Comment, public: set[int], above: dict[int, int | None]) -> int:
    """The comment this one answers if it is in the file; else the nearest one above it that is (0 for none)."""
    start = comment.in_reply_to_id or comment.parent_id
    while start is not None and start not in public:
        start = above.get(start)
    return start or 0


def _above(article: Article) -> dict[int, int | None]:
    rows = db.session.execute(
        select(Comment.id, Comment.in_reply_to_id, Comment.parent_id).where(Comment.article_id == article.id)
    )
    return {row.id: row.in_reply_to_id or row.parent_id for row in rows}


def _comment(item: Any, comment: Comment, parent: int) -> None:
    element = etree.SubElement(item, _q("wp", "comment"))
    _add(element, _q("wp", "comment_id"), comment.id)
    _add(element, _q("wp", "comment_author"), comment.writer_name)
    _add(element, _q("wp", "comment_author_email"), comment.writer_email)
    _add(element, _q("wp", "comment_author_url"), comment.writer_website or "")
    _add(element, _q("wp", "comment_author_IP"), "")
    _add(element, _q("wp", "comment_date"), _local(comment.created_at))
    _add(element, _q("wp", "comment_date_gmt"), _local(comment.created_at))
    _add(element, _q("wp", "comment_content"), comment.body_html)
    _add(element, _q("wp", "comment_approved"), 1)
    _add(element, _q("wp", "comment_type"), "comment")
    _add(element, _q("wp", "comment_parent"), parent)
    _add(element, _q("wp", "comment_user_id"), comment.user_id or 0)


def _item(article: Article) -> tuple[Any, int]:
    item = etree.Element("item", nsmap=NAMESPACES)
    published = article.published_at or article.created_at
    _add(item, "title", article.title)
    _add(item, "link", absolute_url("articles.show", slug=article.slug))
    _add(item, "pubDate", published.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"))
    _add(item, _q("dc", "creator"), _login(article.author))
    _add(item, "guid", absolute_url("articles.show", slug=article.slug)).set("isPermaLink", "false")
    _add(item, "description", "")
    _add(item, _q("content", "encoded"), article.body_html)
    _add(item, _q("excerpt", "encoded"), "")
    _add(item, _q("wp", "post_id"), article.id)
    _add(item, _q("wp", "post_date"), _local(published))
    _add(item, _q("wp", "post_date_gmt"), _local(published))
    _add(item, _q("wp", "comment_status"), "open" if article.comments_open else "closed")
    _add(item, _q("wp", "ping_status"), "closed")
    _add(item, _q("wp", "post_name"), article.slug)
    _add(item, _q("wp", "status"), "publish")
    _add(item, _q("wp", "post_parent"), 0)
    _add(item, _q("wp", "menu_order"), 0)
    _add(item, _q("wp", "post_type"), "post")
    _add(item, _q("wp", "post_password"), "")
    _add(item, _q("wp", "is_sticky"), 0)
    comments = public_comments(article)
    public = {comment.id for comment in comments}
    above = _above(article) if comments else {}
    for comment in comments:
        _comment(item, comment, _parent(comment, public, above))
    return item, len(comments)


def _articles() -> Iterator[Article]:
    ids = db.session.scalars(
        select(Article.id).where(Article.status == ArticleStatus.published).order_by(Article.id)
    ).all()
    for article_id in ids:
        article = db.session.get_one(Article, article_id)
        yield article
        db.session.expunge(article)  # one article and its comments in memory at a time


def export_wxr(out: IO[bytes], site_name: str) -> tuple[int, int]:
    """Write the published articles with their public comments to `out`; returns (articles, comments)."""
    base = absolute_url("articles.index")
    authors = db.session.scalars(
        select(User)
        .where(User.id.in_(select(Article.author_id).where(Article.status == ArticleStatus.published)))
        .order_by(User.id)
    ).all()
    articles = comments = 0
    # Each element is serialised on its own, so it repeats the namespace declarations: valid, and WordPress reads it.
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("rss", {"version": "2.0"}, nsmap=NAMESPACES), xf.element("channel"):
            for tag, value in (
                ("title", site_name),
                ("link", base),
                ("description", f"Exported from Afterword on {_local(datetime.now(UTC))} UTC"),
                ("language", "en"),
                (_q("wp", "wxr_version"), "1.2"),
                (_q("wp", "base_site_url"), base),
                (_q("wp", "base_blog_url"), base),
            ):
                element = etree.Element(tag, nsmap=NAMESPACES)
                element.text = value
                xf.write("\n", element)
            for user in authors:
                author = etree.Element(_q("wp", "author"), nsmap=NAMESPACES)
                _add(author, _q("wp", "author_id"), user.id)
                _add(author, _q("wp", "author_login"), _login(user))
                _add(author, _q("wp", "author_email"), user.email)
                _add(author, _q("wp", "author_display_name"), user.name)
                xf.write("\n", author)
            for article in _articles():
                item, written = _item(article)
                xf.write("\n", item)
                xf.flush()
                articles += 1
                comments += written
    return articles, comments
