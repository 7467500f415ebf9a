"""The email side of the outbox: one message handed to flask_mailman's backend (MAIL_BACKEND: SMTP, a file, the
console).

Only app.services.outbox imports this module, when a message is first sent: flask_mailman and the email package's
MIME classes it brings (some 0.7 MiB) are of no use to a worker of a site whose mail is off.
"""

from email.utils import formataddr
from typing import Any

from flask import current_app
from flask_mailman import EmailMultiAlternatives, Mail

from app.models import OutboxMessage


def _connection() -> Any:
    # flask_mailman's messages and backends read its settings from the app's extensions. They are registered
    # here, from the settings as they are now, at each delivery (a handful of lookups beside an exchange with
    # the mail server), rather than at start-up, which would import flask_mailman into every worker.
    state = Mail().init_app(current_app)
    return state.get_connection()


def send(message: OutboxMessage) -> None:
    """Send one message; raises if the backend fails."""
    connection = _connection()
    headers = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no vacation auto-replies to a robot
    if message.message_id:
        headers["Message-ID"] = message.message_id
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[formataddr((message.to_name, message.to_email))],  # the name quoted, or encoded if not ASCII
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    # Opened and closed here: the backend leaves its connection open when the server refuses a message.
    connection.open()
    try:
        connection.send_messages([email])
    finally:
        connection.close()
