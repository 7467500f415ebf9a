"""Moderation records: the audit log of state changes, readers' flags, bans, and site settings."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Enum, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from app.extensions import Model
from app.models.comment import Comment
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

# The longest remark a moderator or reader adds to an action, a flag or a ban's reason.
REMARK_MAX = 500


class ModerationEvent(Model):
    """One change to a comment's state: who (a user, or the rule that acted), when, from what to what, and why.

    Rows are written once and never changed: the ORM refuses updates and deletes.
    """

    __tablename__ = "moderation_events"
    __table_args__ = (Index("ix_moderation_events_comment_id_id", "comment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept when a purge removes the comment, so the log still says what happened to it.
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # For automatic decisions: the rule that acted (e.g. "first_comment", "flag_threshold", "ban").
    actor_rule: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    remark: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # On an "undo": the event it reverses (moderation.undo), which can be undone once.
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_events.id"), index=True)

    actor: Mapped[User | None] = relationship()
    comment: Mapped[Comment | None] = relationship()

    @property
    def actor_label(self) -> str:
        """Who acted, as moderators read it."""
        if self.actor is not None:
            return self.actor.name
        if self.actor_rule:
            return f"rule: {self.actor_rule}"
        return "the writer"

    def __repr__(self) -> str:
        return (
            f"<ModerationEvent {self.id} comment={self.comment_id} {self.action} {self.from_status}->{self.to_status}>"
        )


@event.listens_for(ModerationEvent, "before_update")
@event.listens_for(ModerationEvent, "before_delete")
def _events_are_append_only(mapper: Mapper[Any], connection: Connection, target: ModerationEvent) -> None:
    raise RuntimeError("moderation events are append-only")


class FlagReason(str, enum.Enum):
    """Why a reader flags a comment."""

    spam = "spam"
    abusive = "abusive"
    off_topic = "off_topic"
    factual_error = "factual_error"
    other = "other"


class Flag(Model):
    """A reader's report on a published comment; one per reader per comment."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_key"),
        # The flagged queue: the comments with open flags, found without reading the resolved ones.
        Index("ix_flags_resolved_at_comment_id", "resolved_at", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    # "user:<id>" for accounts; for guests a digest of their network and a cookie, so one guest flags once.
    reporter_key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ip_network: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[FlagReason] = mapped_column(Enum(FlagReason, native_enum=False, length=16, validate_strings=True))
    remark: Mapped[str | None] = mapped_column(String(REMARK_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a moderator dismisses the flag or acts on the comment.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(16))

    comment: Mapped[Comment] = relationship()

    def __repr__(self) -> str:
        return f"<Flag {self.id} comment={self.comment_id} {self.reason.value}>"


class BanKind(str, enum.Enum):
    """What a ban matches on."""

    email = "email"
    user = "user"
    network = "network"


class Ban(Model):
    """A sender whose new comments are caught as spam, until it expires or is lifted."""

    __tablename__ = "bans"
    __table_args__ = (Index("ix_bans_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BanKind] = mapped_column(Enum(BanKind, native_enum=False, length=16, validate_strings=True))
    # A lowercased email, a user id, or an IP network such as 203.0.113.0/24.
    value: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(REMARK_MAX))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()

    def active_at(self, when: datetime) -> bool:
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > when)

    def __repr__(self) -> str:
        return f"<Ban {self.id} {self.kind.value}={self.value}>"


class Setting(Model):
    """A site setting changed by an admin; absent settings take their defaults from the configuration."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<Setting {self.key}={self.value!r}>"
