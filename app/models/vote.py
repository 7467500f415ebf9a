"""Helpful votes: a reader marks a published comment helpful, once."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.comment import Comment
from app.models.types import UTCDateTime, utcnow


class Vote(Model):
    """One reader's helpful vote on one comment. Readers are keyed as flags key them: "user:<id>" for accounts,
    a digest of the network and the browser's reader cookie for guests."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("comment_id", "voter_key"),
        # A reader's votes on a page of the discussion (their pressed buttons), and a person's votes for their data.
        Index("ix_votes_voter_key", "voter_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The voter's network (IPv4 /24, IPv6 /48) as flags store it: votes from one network count once.
    ip_network: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    comment: Mapped[Comment] = relationship()

    def __repr__(self) -> str:
        return f"<Vote {self.id} comment={self.comment_id}>"
