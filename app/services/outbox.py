"""The outbox: messages for people, written in the same transaction as the change they tell about, so none is
lost; delivery reads them from here."""

from app.extensions import db
from app.models import OutboxMessage


def queue_message(topic: str, subject_id: int, name: str, email: str | None, subject: str, body: str) -> None:
    """Add a message to the session (the caller commits it); nothing is queued for someone without an email."""
    if email:
        db.session.add(
            OutboxMessage(topic=topic, subject_id=subject_id, to_name=name, to_email=email, subject=subject, body=body)
        )
