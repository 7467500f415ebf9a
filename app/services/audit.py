"""The moderation log: every change to a comment's state is written here, once."""

from app.extensions import db
from app.models import Comment, ModerationEvent, User


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
) -> ModerationEvent:
    """Add an event to the session (the caller commits it with the change it describes)."""
    event = ModerationEvent(
        comment=comment,
        actor_id=actor.id if actor is not None and getattr(actor, "is_authenticated", True) else None,
        actor_rule=rule,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        remark=remark or None,
    )
    db.session.add(event)
    return event
