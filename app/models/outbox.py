"""Messages for people, written with the change they tell about and delivered by email by a task."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.task import Task
from app.models.types import UTCDateTime, utcnow
from app.models.user import EMAIL_MAX, NAME_MAX

MESSAGE_ID_MAX = 255
URL_MAX = 500


class OutboxMessage(Model):
    """One message to one person, in plain text and HTML, and the `mail.deliver` task that sends it.

    `sent_at` stays empty until the message was handed to the mail server. Rows written before delivery existed
    have no task, no HTML and relative links: they are listed (`flask outbox list`) but never sent.
    """

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
    body_html: Mapped[str | None] = mapped_column(Text)
    # Made when the message is written, so a second attempt after a lost answer sends the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(String(MESSAGE_ID_MAX))
    # Notifications only: the one-click unsubscribe address (RFC 8058) sent as List-Unsubscribe.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    task: Mapped[Task | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.topic} sent={self.sent_at is not None}>"
