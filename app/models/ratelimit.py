"""Rate-limit counters kept in the site's own database, and the `limits` storage that reads and writes them.

Flask-Limiter's default storage (`memory://`) keeps counters in each worker process, so four workers allow
four times the limit. These counters live in one table every process and every machine shares; the storage
registers itself with `limits` under the scheme `database://` (`RATELIMIT_STORAGE_URI`), which means "the
database the app already uses", reached through the app's own engine.
"""

import hashlib
import itertools
import time

from limits.storage import Storage
from sqlalchemy import Engine, Float, String, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model, db

KEY_MAX = 255
# Expired counters are swept once every this many increments of one process (an index makes it cheap).
SWEEP_EVERY = 200


class RateLimitCounter(Model):
    """One fixed window of one limit for one client (a network, an email): hits so far, and when it ends."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(Float(), index=True)  # seconds since the epoch

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.key} {self.hits}>"


def stored_key(key: str) -> str:
    """The key as stored: as it is when it fits, else its start and a digest of the whole (it may hold what a
    visitor typed, of any length)."""
    if len(key) <= KEY_MAX:
        return key
    return key[: KEY_MAX - 65] + "#" + hashlib.sha256(key.encode()).hexdigest()


# One statement, so that concurrent processes never lose an increment: PostgreSQL and SQLite (3.35+) both
# take this upsert with RETURNING; an expired window starts again from `amount`.
_INCREMENT = text(
    "INSERT INTO rate_limit_counters (key, hits, expires_at) VALUES (:key, :amount, :expires_at) "
    "ON CONFLICT (key) DO UPDATE SET "
    "hits = CASE WHEN rate_limit_counters.expires_at <= :now THEN :amount "
    "ELSE rate_limit_counters.hits + :amount END, "
    "expires_at = CASE WHEN rate_limit_counters.expires_at <= :now THEN :expires_at "
    "ELSE rate_limit_counters.expires_at END "
    "RETURNING hits"
)


class DatabaseStorage(Storage):
    """A `limits` storage (fixed windows) over the app's database, shared by every worker and machine."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._increments = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @staticmethod
    def _engine() -> Engine:
        # The engine of the app handling the request: the same database as everything else, in its own
        # connection and transaction, so a counter is committed whatever the request's session does.
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's window (a new window of `expiry` seconds once the last one ended)."""
        now = time.time()
        with self._engine().begin() as connection:
            hits = connection.execute(
                _INCREMENT, {"key": stored_key(key), "amount": amount, "expires_at": now + expiry, "now": now}
            ).scalar_one()
            if next(self._increments) % SWEEP_EVERY == 0:
                connection.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
        return int(hits)

    def _row(self, key: str) -> tuple[int, float] | None:
        with self._engine().connect() as connection:
            row = connection.execute(
                select(RateLimitCounter.hits, RateLimitCounter.expires_at).where(
                    RateLimitCounter.key == stored_key(key), RateLimitCounter.expires_at > time.time()
                )
            ).first()
        return (int(row.hits), float(row.expires_at)) if row is not None else None

    def get(self, key: str) -> int:
        """Hits in the key's current window (0 once it ended)."""
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (now, when there is none)."""
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self._engine().connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; returns how many there were."""
        with self._engine().begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with self._engine().begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == stored_key(key)))
