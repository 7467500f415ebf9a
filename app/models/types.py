"""Column types shared by the models."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

# The largest value an Integer column (every id) holds on PostgreSQL; SQLite's go further, to 2**63 - 1. A number
# beyond it names no row on either, so requests treat it as "not found" before any query sees it.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_type(kind: str, obj: Any, autogen_context: "AutogenContext") -> str | Literal[False]:
    """Let autogenerate write UTCDateTime as a plain timezone-aware DateTime, so migrations never import the app."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
