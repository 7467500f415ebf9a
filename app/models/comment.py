"""Comments: threaded reader discussion under an article, with their earlier versions."""

import enum
import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    event,
    false,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, aliased, mapped_column, relationship

from app.extensions import Model
from app.folding import matching_key
from app.models.article import IMPORT_ID_MAX, IMPORT_ORIGIN_MAX, Article
from app.models.types import UTCDateTime, utcnow
from app.models.user import EMAIL_MAX, NAME_MAX, User

WEBSITE_MAX = 200
# The "best" order (docs/votes.md): every tenfold increase in helpful votes is worth a day of newness.
BEST_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
PIN_KINDS = ("author", "moderator")


def best_score(votes: int, created_at: datetime) -> float:
    """A comment's place in the "best" order: log10(1 + votes) plus its posting time in days. It depends only on
    the comment, not on the clock, so a page of the order is the same until a vote changes it."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return math.log10(1 + max(0, votes)) + (created_at - BEST_EPOCH).total_seconds() / 86400


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
        # A thread's replies in the order they were written: pages read a bounded slice of them.
        Index("ix_comments_root_id_id", "root_id", "id"),
        # The duplicate check: the same text on the same article.
        Index("ix_comments_article_id_body_key", "article_id", "body_key"),
        # A guest's history (the new-commenter and rejected-share rules), by the address they give: each rule counts
        # the comments of one status (in a window) from the index alone, without reading their rows.
        Index("ix_comments_writer_email_status_created_at_user_id", "writer_email", "status", "created_at", "user_id"),
        # The moderation queues: one status, newest first (the desk's order), counted and paged from the index.
        Index("ix_comments_status_created_at_id", "status", "created_at", "id"),
        # An import finds what an earlier run of it brought over, so running it again adds nothing.
        Index("ix_comments_origin_origin_id", "origin", "origin_id", unique=True),
        # One pinned comment per article.
        Index(
            "ix_comments_article_id_pinned",
            "article_id",
            unique=True,
            sqlite_where=text("pinned_by IS NOT NULL"),
            postgresql_where=text("pinned_by IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # The comment this one hangs under on the page; below the depth limit it is an ancestor of
    # the comment actually answered, which is kept in `in_reply_to_id`.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # The top-level comment of the thread (None for a top-level comment itself).
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    writer_name: Mapped[str] = mapped_column(String(NAME_MAX))
    writer_email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    writer_website: Mapped[str | None] = mapped_column(String(WEBSITE_MAX))
    # The writer's network (IPv4 /24, IPv6 /48), never the full address.
    ip_network: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    # A digest of the body as the duplicate check compares it (folding.matching_key), set with the body.
    body_key: Mapped[str | None] = mapped_column(String(32))
    body_html: Mapped[str] = mapped_column(Text)
    # Old values are loaded before a change (active_history), so `visible_replies` can follow every change.
    status: Mapped[CommentStatus] = mapped_column(
        Enum(CommentStatus, native_enum=False, length=16, validate_strings=True),
        default=CommentStatus.approved,
        active_history=True,
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
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), active_history=True)
    # Set while the comment is out of sight because the article's author (not a moderator) removed it after
    # it was published: readers then see "Removed by the article's author" where it stood.
    removed_by_author: Mapped[bool] = mapped_column(default=False, server_default=false(), active_history=True)
    # How many visible comments (see `is_visible`) answer this one, directly or further down: its replies,
    # theirs, and so on, and a reply that answers it from beside it past the depth limit (with that one's
    # own replies). Kept by the listener below on every change; while it is above zero, a removed comment
    # leaves a placeholder so the thread still reads.
    visible_replies: Mapped[int] = mapped_column(default=0, server_default="0")
    # The writer asked for mail when someone replies to this comment (app/services/subscriptions.py): read when a
    # reply is published, so a reply to a comment nobody asked about costs nothing more.
    reply_mail: Mapped[bool] = mapped_column(default=False, server_default=false())
    # For a comment brought over by `flask import`: the platform it came from and its id there.
    origin: Mapped[str | None] = mapped_column(String(IMPORT_ORIGIN_MAX))
    origin_id: Mapped[str | None] = mapped_column(String(IMPORT_ID_MAX))
    # Helpful votes as counted (services/votes.py: one per network), kept with the votes in the same transaction,
    # and the place in the "best" order they give (best_score).
    votes: Mapped[int] = mapped_column(default=0, server_default="0")
    best_score: Mapped[float] = mapped_column(default=lambda context: _initial_best_score(context), server_default="0")
    # "author" or "moderator" while the comment is pinned to the top of its discussion (one per article).
    pinned_by: Mapped[str | None] = mapped_column(String(16))

    article: Mapped[Article] = relationship()
    user: Mapped[User | None] = relationship()
    revisions: Mapped[list["CommentRevision"]] = relationship(
        back_populates="comment", order_by="CommentRevision.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        """Shown to every reader: approved and not deleted by its writer."""
        return self.status is CommentStatus.approved and self.deleted_at is None

    @property
    def is_visible(self) -> bool:
        """Standing in the thread for every reader: published, or shown as removed by the article's author."""
        return self.is_public or (self.removed_by_author and self.deleted_at is None)

    def __repr__(self) -> str:
        return f"<Comment {self.id} article={self.article_id} {self.status.value}>"


def _was_visible(comment: Comment) -> bool:
    """`is_visible` before the changes being flushed (the listener runs once they are written)."""
    state = inspect(comment)

    def before(name: str) -> object:
        history = state.attrs[name].history
        return history.deleted[0] if history.deleted else getattr(comment, name)

    public = before("status") is CommentStatus.approved and before("deleted_at") is None
    return public or (bool(before("removed_by_author")) and before("deleted_at") is None)


def count_visible_replies(
    connection: Connection, parent_id: int | None, in_reply_to_id: int | None, change: int
) -> None:
    """Add `change` to `visible_replies` of every comment a comment hanging under `parent_id` and answering
    `in_reply_to_id` answers: its ancestors, the comment it answers from beside it past the depth limit, and that
    one's ancestors. One statement, at most a few rows: the depth limit bounds how far up a thread goes.

    The listeners below call it for every change made through the ORM; a comment written with a statement
    (services.comments.post_comment) calls it itself."""
    this = aliased(Comment)
    seeds = select(Comment.id).where(Comment.id.in_([ref for ref in (parent_id, in_reply_to_id) if ref is not None]))
    answered = seeds.cte("answered", recursive=True)
    answered = answered.union(
        select(this.parent_id).join(answered, this.id == answered.c.id).where(this.parent_id.is_not(None))
    )
    connection.execute(
        update(Comment)
        .where(Comment.id.in_(select(answered.c.id)))
        .values(visible_replies=Comment.visible_replies + change)
    )


def _initial_best_score(context: Any) -> float:
    """A new row's place in the "best" order, from the votes and time it is written with."""
    values = context.get_current_parameters()
    return best_score(values.get("votes") or 0, values.get("created_at") or utcnow())


@event.listens_for(Comment.created_at, "set")
def _rescore_on_time(target: Comment, value: datetime | None, old: object, initiator: object) -> None:
    if value is not None:
        target.best_score = best_score(target.votes or 0, value)


@event.listens_for(Comment.votes, "set")
def _rescore_on_votes(target: Comment, value: int | None, old: object, initiator: object) -> None:
    if target.created_at is not None:
        target.best_score = best_score(value or 0, target.created_at)


@event.listens_for(Comment.body, "set")
def _key_body(target: Comment, value: str, old: object, initiator: object) -> None:
    target.body_key = matching_key(value)


@event.listens_for(Comment, "after_insert")
def _count_new_comment(mapper: Mapper[Any], connection: Connection, target: Comment) -> None:
    if target.is_visible and (target.parent_id is not None or target.in_reply_to_id is not None):
        count_visible_replies(connection, target.parent_id, target.in_reply_to_id, 1)


@event.listens_for(Comment, "after_update")
def _count_changed_comment(mapper: Mapper[Any], connection: Connection, target: Comment) -> None:
    was, now = _was_visible(target), target.is_visible
    if was != now and (target.parent_id is not None or target.in_reply_to_id is not None):
        count_visible_replies(connection, target.parent_id, target.in_reply_to_id, 1 if now else -1)


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
