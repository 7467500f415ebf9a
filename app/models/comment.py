"""Comments: threaded reader discussion under an article, with their earlier versions."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.article import Article
from app.models.types import UTCDateTime, utcnow
from app.models.user import EMAIL_MAX, NAME_MAX, User

WEBSITE_MAX = 200


class CommentStatus(str, enum.Enum):
    """Where a comment stands. Only approved comments are public; a reader's own delete is `deleted_at`."""

    pending = "pending"
    approved = "approved"
    spam = "spam"
    trash = "trash"


class Comment(Model):
    """A comment or a reply. Guests give a name and an email; signed-in readers post as their account."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_article_id_root_id", "article_id", "root_id"),
        Index("ix_comments_article_id_status", "article_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # The comment this one hangs under on the page; below the depth limit it is an ancestor of
    # the comment actually answered, which is kept in `in_reply_to_id`.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # The top-level comment of the thread (None for a top-level comment itself): pages load threads whole.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    writer_name: Mapped[str] = mapped_column(String(NAME_MAX))
    writer_email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    writer_website: Mapped[str | None] = mapped_column(String(WEBSITE_MAX))
    # The writer's network (IPv4 /24, IPv6 /48), never the full address.
    ip_network: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        Enum(CommentStatus, native_enum=False, length=16, validate_strings=True), default=CommentStatus.approved
    )
    # Why the comment was held or caught: [{"code", "message"}], shown to moderators, never to the writer.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    spam_score: Mapped[float | None] = mapped_column()
    # What the spam classifier last learned from this comment ("spam", "ham" or None), so a reversed
    # decision unlearns that lesson instead of adding a contradictory one.
    trained_as: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    edited_by_moderator: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    article: Mapped[Article] = relationship()
    user: Mapped[User | None] = relationship()
    revisions: Mapped[list["CommentRevision"]] = relationship(
        back_populates="comment", order_by="CommentRevision.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        """Shown to every reader: approved and not deleted by its writer."""
        return self.status is CommentStatus.approved and self.deleted_at is None

    def __repr__(self) -> str:
        return f"<Comment {self.id} article={self.article_id} {self.status.value}>"


class CommentRevision(Model):
    """The text a comment had before an edit; never removed through the application."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # When this text was replaced, and by whom (None for a guest editing their own comment).
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    comment: Mapped[Comment] = relationship(back_populates="revisions")
    replaced_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CommentRevision {self.id} comment={self.comment_id}>"
