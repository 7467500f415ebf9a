"""What mail each member of staff wants: comments waiting for moderators, correction requests for authors."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class ModerationMail(str, enum.Enum):
    """How a moderator hears of comments waiting in Pending or Flagged."""

    immediately = "immediately"  # soon after they arrive, at most one mail per MODERATION_MAIL_EVERY_MINUTES
    daily = "daily"  # one digest a day, at MODERATION_MAIL_DIGEST_AT
    off = "off"


class StaffMailSettings(Model):
    """One person's choices (absent: the defaults, a daily digest and author mail on), and how far their
    moderation mail has gone: the newest moderation event and flag it told them of, and when it was sent."""

    __tablename__ = "staff_mail_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    moderation: Mapped[ModerationMail] = mapped_column(
        Enum(ModerationMail, native_enum=False, length=16, validate_strings=True), default=ModerationMail.daily
    )
    correction_requests: Mapped[bool] = mapped_column(default=True)
    # Comments held by events up to this id, and flags up to this id, were in an earlier mail (or came before
    # the moderator chose to hear of them).
    told_event_id: Mapped[int] = mapped_column(default=0)
    told_flag_id: Mapped[int] = mapped_column(default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "Immediately": a mail is already planned for this time (a task waits for it), so arrivals add nothing.
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<StaffMailSettings user={self.user_id} moderation={self.moderation.value}>"
