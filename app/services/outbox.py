"""The outbox: messages for people, written in the same transaction as the change they tell about, so none is
lost, and sent by email by a `mail.deliver` task (app/services/tasks.py).

Each message is rendered when it is written, in plain text and HTML, from `templates/mail/<topic>.txt` and
`.html`, with absolute links (BASE_URL), and gets its Message-ID then. While mail is off (production without
BASE_URL) messages are still written, for the record, but get no delivery task. Delivery sends what was written: a
retry sends the same message with the same Message-ID.

No message is sent twice: one task per message, a task is run by one runner at a time, and the handler sends
nothing for a message whose `sent_at` is set (on PostgreSQL it locks the row first). The one gap left is a
runner stalled for longer than its claim (TASKS_CLAIM_SECONDS) in the middle of a send: another runner then
sends the message again, with the same Message-ID.
"""

from email.utils import make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select

from app.config import mail_domain, mail_is_off
from app.extensions import db
from app.models import OutboxMessage, Task
from app.models.types import utcnow
from app.services import tasks

DELIVER_TASK = "mail.deliver"


def _one_line(text: str) -> str:
    # A header holds one line; a title or a name is never worth refusing a message for.
    return " ".join(text.split())


def render(template: str, values: dict[str, Any]) -> str:
    """Render a mail template outside any request: no request globals (current user, CSRF) reach a mail."""
    return current_app.jinja_env.get_template(template).render(values)


def queue_message(
    topic: str,
    subject_id: int | None,
    name: str,
    email: str | None,
    subject: str,
    context: dict[str, Any],
    *,
    unsubscribe_url: str | None = None,
) -> OutboxMessage | None:
    """Write a message from the templates of `topic` and the task that sends it into the session (the caller
    commits them with its change). Nothing is queued for someone without an email.

    `unsubscribe_url` is for notifications: it is sent as List-Unsubscribe with one-click POST (RFC 8058) and
    shown at the foot of the mail.
    """
    if not email:
        return None
    config = current_app.config
    values = {
        **context,
        "to_name": name,
        "site_name": config["SITE_NAME"],
        "site_url": config["BASE_URL"] + "/",
        "unsubscribe_url": unsubscribe_url,
    }
    off = mail_is_off(config)
    message = OutboxMessage(
        topic=topic,
        subject_id=subject_id,
        to_name=_one_line(name),
        to_email=email,
        subject=_one_line(subject),
        body=render(f"mail/{topic}.txt", values),
        body_html=render(f"mail/{topic}.html", values),
        message_id=None if off else make_msgid(domain=mail_domain(config["BASE_URL"])),
        unsubscribe_url=unsubscribe_url,
    )
    db.session.add(message)
    if off:  # kept, listed by `flask outbox list`, never sent: its links are paths without the site's address
        return message
    db.session.flush()
    message.task = tasks.enqueue(DELIVER_TASK, {"outbox_id": message.id})
    return message


def send(message: OutboxMessage) -> None:
    """Hand one message to the mail backend (MAIL_BACKEND: SMTP, a file, the console); raises if it fails."""
    # Imported on the first message sent: a worker of a site whose mail is off never loads flask_mailman.
    from app.services.mail_client import send as send_by_email  # noqa: PLC0415

    send_by_email(message)


def deliver_from_task(payload: dict[str, Any]) -> None:
    """The `mail.deliver` handler: send the message unless it was sent already, and mark it sent (committed by the
    runner with the task's "done"). A message deleted meanwhile is nothing to send."""
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == int(payload["outbox_id"])).with_for_update()
    ).first()
    if message is None or message.sent_at is not None:
        return
    send(message)
    message.sent_at = utcnow()


def state(message: OutboxMessage) -> str:
    """Where a message is: sent, or its task's state (due, waiting, running, failed); "not queued" for the
    messages written before delivery existed."""
    if message.sent_at is not None:
        return "sent"
    if message.task is None:
        return "not queued"
    return tasks.state(message.task)


def unsent() -> Select[OutboxMessage]:
    """Messages not sent yet, oldest first."""
    return select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)


def given_up() -> Select[OutboxMessage]:
    """Messages whose task was given up after its last attempt: what moderators and admins should hear of."""
    return (
        select(OutboxMessage)
        .join(Task, Task.id == OutboxMessage.task_id)
        .where(OutboxMessage.sent_at.is_(None), Task.failed_at.is_not(None))
        .order_by(OutboxMessage.id)
    )


def given_up_count() -> int:
    """How many messages were given up: the line moderators and admins see on their overview."""
    return db.session.scalar(select(func.count()).select_from(given_up().subquery())) or 0
