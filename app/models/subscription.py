"""Reply mail and thread subscriptions: who the site mails about new comments, what they follow, and what they
have been told.

A comment's `reply_mail` says its writer asked to hear of direct replies; a `Subscription` follows a whole
article's discussion. Both reach a `Recipient`: an account (its address is its own), or a guest's address,
which is mailed nothing until its holder confirms it by a link. A `Notification` is one new comment one
recipient is to hear of; it is sent alone, or with others in a digest when the recipient had mail about the
same discussion in the last few minutes (docs/configuration.md#reply-mail).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.article import Article
from app.models.comment import Comment
from app.models.types import UTCDateTime, utcnow
from app.models.user import EMAIL_MAX, NAME_MAX, User

REASON_MAX = 8


class Recipient(Model):
    """Someone the site mails notifications to: an account (`user_id`), or a guest's address (`email`, stored as
    normalised), confirmed by a link before any notification goes out. Accounts are confirmed from the start."""

    __tablename__ = "mail_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), unique=True)
    # The name a guest last gave, for the greeting (an account's is its own).
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the last confirmation mail was queued: a guest asking again soon after gets no second one.
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()

    @property
    def address(self) -> str:
        """Where the mail goes: the account's address as it is now, or the guest's."""
        return self.user.email if self.user is not None else (self.email or "")

    @property
    def greeting_name(self) -> str:
        return self.user.name if self.user is not None else (self.name or "reader")

    def __repr__(self) -> str:
        return f"<Recipient {self.id} {'user ' + str(self.user_id) if self.user_id else 'guest'}>"


class Subscription(Model):
    """A recipient follows an article's discussion: every new public comment on it, without commenting."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("recipient_id", "article_id", name="uq_subscriptions_recipient_id_article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("mail_recipients.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recipient: Mapped[Recipient] = relationship()
    article: Mapped[Article] = relationship()

    def __repr__(self) -> str:
        return f"<Subscription {self.id} recipient={self.recipient_id} article={self.article_id}>"


class Notification(Model):
    """One new public comment one recipient is to hear of ("reply" to their comment, or "thread" they follow);
    `sent_at` is set once it was written to the outbox. A recipient hears of a comment once, whatever happens to
    it later (approved, trashed, restored)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "comment_id", name="uq_notifications_recipient_id_comment_id"),
        # The throttle and the digest: one recipient's notifications about one discussion, by when they were sent.
        Index("ix_notifications_recipient_id_article_id_sent_at", "recipient_id", "article_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("mail_recipients.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recipient: Mapped[Recipient] = relationship()
    comment: Mapped[Comment] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.reason} recipient={self.recipient_id} comment={self.comment_id}>"
