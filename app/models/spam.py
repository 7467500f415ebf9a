"""What the spam classifier learned on this site: per-token counts and how many comments they came from."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

TOKEN_MAX = 64


class SpamToken(Model):
    """How many learned spam and ham comments contained this token (each comment counts once)."""

    __tablename__ = "spam_tokens"

    token: Mapped[str] = mapped_column(String(TOKEN_MAX), primary_key=True)
    spam_count: Mapped[int] = mapped_column(default=0)
    ham_count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<SpamToken {self.token!r} spam={self.spam_count} ham={self.ham_count}>"


class SpamStats(Model):
    """The number of spam and ham comments learned: one row, the denominators of every token's ratios."""

    __tablename__ = "spam_stats"

    ROW_ID = 1

    id: Mapped[int] = mapped_column(primary_key=True)
    spam_documents: Mapped[int] = mapped_column(default=0)
    ham_documents: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SpamStats spam={self.spam_documents} ham={self.ham_documents}>"
