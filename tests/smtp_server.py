"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), keeping what arrives for the test to read.

`refuse_next(n)` has it answer the next n messages with a temporary failure (451), as a busy or broken mail
server does, so tests can watch delivery retry and give up.
"""

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """The aiosmtpd handler: every accepted message, parsed, in arrival order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._refusals = 0
        self._lock = threading.Lock()

    def refuse_next(self, count: int) -> None:
        with self._lock:
            self._refusals = count

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._refusals:
                self._refusals -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 Accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """Start with `with SmtpServer() as server:`; `server.port` to point the app at, `server.inbox` to read."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def settings(self) -> dict:
        """The app settings that send mail here."""
        return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TIMEOUT": 5}
