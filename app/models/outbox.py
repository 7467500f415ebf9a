"""Messages waiting to be delivered to people (by email, once delivery exists)."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow
from app.models.user import EMAIL_MAX, NAME_MAX


class OutboxMessage(Model):
    """One message to one person; `sent_at` stays empty until a sender delivers it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_at_id", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is about, e.g. "note_cited" or "request_decided", and the record it concerns.
    topic: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column()
    to_name: Mapped[str] = mapped_column(String(NAME_MAX))
    to_email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.topic} sent={self.sent_at is not None}>"
