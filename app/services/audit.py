"""The moderation log: every change to a comment's state is written here, once."""

from datetime import datetime

from sqlalchemy import Connection, insert

from app.extensions import db
from app.models import Comment, ModerationEvent, User

# Built once: the statement that writes one event (insert_event).
_INSERT = insert(ModerationEvent.__table__)


def _values(
    action: str,
    from_status: str | None,
    to_status: str | None,
    actor: User | None,
    rule: str | None,
    reason: str | None,
    remark: str | None,
) -> dict[str, object]:
    """An event's columns, but for its comment, id and time."""
    return {
        "actor_id": actor.id if actor is not None and getattr(actor, "is_authenticated", True) else None,
        "actor_rule": rule,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "reason": reason,
        "remark": remark or None,
    }


def record_event(
    comment: Comment | None,
    action: str,
    from_status: str | None,
    to_status: str | None,
    *,
    actor: User | None = None,
    rule: str | None = None,
    reason: str | None = None,
    remark: str | None = None,
    undoes: ModerationEvent | None = None,
) -> ModerationEvent:
    """Add an event to the session (the caller commits it with the change it describes); `undoes` names the event
    an undo reverses."""
    event = ModerationEvent(comment=comment, **_values(action, from_status, to_status, actor, rule, reason, remark))
    if undoes is not None:
        event.undoes_id = undoes.id
    db.session.add(event)
    return event


def insert_event(
    connection: Connection,
    comment_id: int,
    at: datetime,
    action: str,
    from_status: str | None,
    to_status: str | None,
    *,
    actor: User | None = None,
    rule: str | None = None,
    reason: str | None = None,
    remark: str | None = None,
) -> None:
    """Write an event at once, with a statement in the caller's transaction: for a comment written the same way,
    outside the session's objects (services.comments.post_comment)."""
    values = _values(action, from_status, to_status, actor, rule, reason, remark)
    connection.execute(_INSERT, {"comment_id": comment_id, "created_at": at, **values})
