"""Articles: Markdown source with its sanitised HTML, owned by the account that publishes them."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Enum, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from app.extensions import Model
from app.models.site import PAGE_URL_MAX, Site
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

TITLE_MAX = 200
SLUG_MAX = 120
BODY_MAX = 100_000
GUEST_NAME_MAX = 120
GUEST_BIO_MAX = 500
CLOSED_REASON_MAX = 300
# Where an imported row came from: the platform and site ("wordpress:blog.example.org"), and its id there.
IMPORT_ORIGIN_MAX = 80
IMPORT_ID_MAX = 200
THREAD_KEY_MAX = 300


class ArticleStatus(str, enum.Enum):
    """Whether an article is visible to the public."""

    draft = "draft"
    published = "published"


class Article(Model):
    """An article. `author` is the account that owns and publishes it (the host of a guest post).

    An article with a `site` is the discussion of a page elsewhere (docs/embed.md): created on the page's first
    view, published with an empty body and the page's title, keyed by `thread_key` within its site."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_published_at", "status", "published_at"),
        # An import finds what an earlier run of it brought over, so running it again adds nothing.
        Index("ix_articles_origin_origin_id", "origin", "origin_id", unique=True),
        UniqueConstraint("site_id", "thread_key", name="uq_articles_site_id_thread_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    guest_author_name: Mapped[str | None] = mapped_column(String(GUEST_NAME_MAX))
    guest_author_bio: Mapped[str | None] = mapped_column(String(GUEST_BIO_MAX))
    status: Mapped[ArticleStatus] = mapped_column(
        Enum(ArticleStatus, native_enum=False, length=16, validate_strings=True),
        default=ArticleStatus.draft,
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comments_open: Mapped[bool] = mapped_column(default=True)
    comments_closed_reason: Mapped[str | None] = mapped_column(String(CLOSED_REASON_MAX))
    # Published comments, kept by the comment services so listings need no per-article count query.
    comment_count: Mapped[int] = mapped_column(default=0)
    # Goes up with every change to what the article's discussion shows (app/models/discussion.py): a reading
    # prepared for one version is still right while the version stands, in every process.
    discussion_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Readers following the discussion by mail (app/services/subscriptions.py), kept with their subscriptions:
    # while it is 0, a new comment here looks for no one to tell.
    subscription_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # For an article brought over by `flask import`: the platform it came from and its id (or address) there.
    origin: Mapped[str | None] = mapped_column(String(IMPORT_ORIGIN_MAX))
    origin_id: Mapped[str | None] = mapped_column(String(IMPORT_ID_MAX))

    # Where the discussion lives when it is not here: its site, its key there and the page that embeds it.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    thread_key: Mapped[str | None] = mapped_column(String(THREAD_KEY_MAX))
    page_url: Mapped[str | None] = mapped_column(String(PAGE_URL_MAX))

    author: Mapped[User] = relationship()
    site: Mapped[Site | None] = relationship()

    @property
    def is_embedded(self) -> bool:
        """The discussion of a page on a registered site rather than of an article hosted here."""
        return self.site_id is not None

    @property
    def host_page(self) -> str | None:
        """The page on its site that shows this discussion, while that page is on one of the site's registered
        origins (so a link to it can never lead elsewhere); None for a hosted article. Every link to an embedded
        discussion (permalinks, reply mail, feeds) goes through this."""
        if self.site is None or not self.page_url:
            return None
        return self.page_url if self.site.registered(self.page_url) else None

    @property
    def is_published(self) -> bool:
        return self.status is ArticleStatus.published

    @property
    def guest_author(self) -> dict[str, str] | None:
        """The guest byline as a plain mapping, or None for the account's own posts."""
        if not self.guest_author_name:
            return None
        return {"name": self.guest_author_name, "bio": self.guest_author_bio or ""}

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug!r} {self.status.value}>"


class ArticleRevision(Model):
    """One published version of an article's title and body; kept for ever (the public history)."""

    __tablename__ = "article_revisions"
    __table_args__ = (Index("ix_article_revisions_article_id_id", "article_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Who wrote this version, and when it went live.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship()
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ArticleRevision {self.id} article={self.article_id}>"


@event.listens_for(ArticleRevision, "before_update")
@event.listens_for(ArticleRevision, "before_delete")
def _revisions_are_kept(mapper: Mapper[Any], connection: Connection, target: ArticleRevision) -> None:
    raise RuntimeError("article revisions are never changed or deleted")
