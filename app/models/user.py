"""Accounts, roles and API tokens."""

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

EMAIL_MAX = 254
NAME_MAX = 80


class Role(str, enum.Enum):
    """What an account may do; see services.permissions for the checks."""

    reader = "reader"
    author = "author"
    moderator = "moderator"
    admin = "admin"


def new_session_token() -> str:
    """A random identifier for the user's sessions; rotating it signs out every session."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    """A registered account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, validate_strings=True), default=Role.reader
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "Email me when someone replies" ticked for this account by default (the account page's choice).
    reply_mail: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the owner of `email` proved it by following the link mailed there; None until then (and again after
    # the address changes). No mail but the confirmation itself and password resets goes to an unproved address.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the owner deleted the account: the row stays, without personal data, for the records that point
    # at it (comments kept under "Former reader", moderation events); it can never sign in again.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def get_id(self) -> str:
        """Flask-Login keeps the session token, not the row id, so sessions can be revoked."""
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    @property
    def email_verified(self) -> bool:
        """Whether mail other than a confirmation or a password reset may go to this account's address."""
        return self.email_verified_at is not None and self.deleted_at is None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class ApiToken(Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"


class SignInHandoff(Model):
    """A sign-in handed from Afterword's own window to a framed discussion (docs/embed.md), by the nonce the frame
    chose: a row once it has been used, so the token that carried it signs in once only. Rows older than the
    token's lifetime are swept as new ones arrive."""

    __tablename__ = "sign_in_handoffs"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SignInHandoff {self.nonce[:8]}>"
