"""Signed, expiring tokens for the links the site mails out: confirming an address, unsubscribing, resetting a
password, acting on a comment from a moderator's mail.

A token carries its data in the clear (URL-safe base64, readable by whoever holds the link) with a signature made
from the site's SECRET_KEY and the token's purpose, so a token made for one purpose never opens another. Put ids
and a value that changes once the link has been used (e.g. a hash of the state it acts on) in the data to make a
link single-use; nothing secret belongs in it.
"""

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenProblem(Exception):
    """A link's token that cannot be used; `reason` is "expired" or "invalid", said to the person who followed it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"afterword.mail.{purpose}")


def make_token(purpose: str, data: Any) -> str:
    """A token for `data` (anything JSON can hold) that only `read_token` with the same purpose accepts."""
    return str(_serializer(purpose).dumps(data))


def read_token(purpose: str, token: str, max_age_seconds: int | None) -> Any:
    """The data of a token made for `purpose`, no older than `max_age_seconds` (None: no age limit).

    Raises TokenProblem("expired") for a genuine token past its age, TokenProblem("invalid") for anything else
    (forged, damaged, made for another purpose)."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:
        raise TokenProblem("expired") from error
    except (BadSignature, TypeError, ValueError, UnicodeError) as error:
        raise TokenProblem("invalid") from error
