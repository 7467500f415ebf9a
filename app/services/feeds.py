"""What the public Atom feeds hold: published articles, and public comments on them, newest first."""

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.models import Article, ArticleStatus, Comment, CommentStatus


def newest_articles(limit: int) -> Select[Article]:
    """The newest published articles hosted here (not the discussions of other sites' pages), with their authors."""
    return (
        select(Article)
        .where(Article.status == ArticleStatus.published, Article.site_id.is_(None))
        .options(joinedload(Article.author))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )


def public_comments() -> Select[Comment]:
    """The comments every reader sees (approved, not deleted) on published articles, hosted here or embedded
    elsewhere, newest first, with their articles; never a held, spam, trashed or deleted one."""
    return (
        select(Comment)
        .join(Article, Article.id == Comment.article_id)
        .where(
            Article.status == ArticleStatus.published,
            Comment.status == CommentStatus.approved,
            Comment.deleted_at.is_(None),
        )
        .options(joinedload(Comment.article))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


def newest_public_comments(limit: int, article: Article | None = None) -> Select[Comment]:
    """The newest public comments (`public_comments`), site-wide or on one article."""
    query = public_comments().limit(limit)
    if article is not None:
        query = query.where(Comment.article_id == article.id)
    return query
