"""The moderators' overview: comments per day over the last weeks, split by where they ended up,
and the geometry of the stacked bar chart the page draws as SVG."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import Article, Comment, CommentStatus, User
from app.models.types import utcnow
from app.services.permissions import STAFF_ROLES

# Outcomes in the order they stack, bottom up, with the words the page uses.
OUTCOMES = [
    (CommentStatus.approved, "Approved"),
    (CommentStatus.pending, "Held"),
    (CommentStatus.spam, "Spam"),
    (CommentStatus.trash, "Trashed"),
]


@dataclass
class Day:
    """One day's comments by outcome."""

    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _utc_day(column: InstrumentedAttribute[datetime]) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column: SQLite stores UTC text; PostgreSQL would use the
    session's time zone, so it is told UTC explicitly."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def daily_outcomes(moderator: User, days: int = 30, today: date | None = None) -> list[Day]:
    """Comments written on each of the last `days` days (today included), by their status now.

    Authors see their own articles only, as on the desk. One query, grouped by day and status.
    """
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
    day_of = _utc_day(Comment.created_at)
    query = (
        select(day_of, Comment.status, func.count(Comment.id))
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.created_at >= start, Comment.created_at < end)
        .group_by(day_of, Comment.status)
    )
    if moderator.role not in STAFF_ROLES:
        query = query.where(Article.author_id == moderator.id)
    result = {
        first + timedelta(days=offset): Day(first + timedelta(days=offset), {s.value: 0 for s, _ in OUTCOMES})
        for offset in range(days)
    }
    for when, status, count in db.session.execute(query):
        # SQLite gives "YYYY-MM-DD", PostgreSQL a date.
        key = date.fromisoformat(str(when)[:10])
        if key in result:
            result[key].counts[status.value if hasattr(status, "value") else status] += count
    return [result[key] for key in sorted(result)]


@dataclass
class Bar:
    x: float
    width: float
    segments: list[dict[str, str | float]]
    day: Day
    label: str | None


@dataclass
class Chart:
    """What the template draws: a stacked bar per day, a y scale and labels every few days."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    plot_right: int
    bars: list[Bar]
    ticks: list[dict[str, float]]
    peak: int


def _nice_top(value: int) -> int:
    """The axis top: the peak rounded up to 1, 2 or 5 times a power of ten (at least 5)."""
    top = 5
    step = 1
    while top < value:
        for factor in (1, 2, 5):
            top = factor * step * 10
            if top >= value:
                break
        step *= 10
    return max(top, 5)


def chart(days: list[Day], width: int = 640, height: int = 220) -> Chart:
    """Stacked bars, one per day; heights scaled to a round axis top."""
    # Room for the labels at the size phones draw them (site.css: 20 units, the chart being scaled down): the
    # axis's widest number on the left, half of the last day's date on the right, the top number above.
    left, right, top, bottom = 52, 36, 16, height - 26
    peak = max((day.total for day in days), default=0)
    axis_top = _nice_top(peak)
    slot = (width - left - right) / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        x = left + index * slot
        y: float = bottom
        segments: list[dict[str, str | float]] = []
        for status, label in OUTCOMES:
            count = day.counts.get(status.value, 0)
            size = (bottom - top) * count / axis_top
            if count:
                y -= size
                segments.append(
                    {"status": status.value, "label": label, "count": count, "y": round(y, 2), "height": round(size, 2)}
                )
        show = (len(days) - 1 - index) % 7 == 0  # a label a week apart, ending on the last day
        bars.append(
            Bar(
                round(x + slot * 0.15, 2),
                round(slot * 0.7, 2),
                segments,
                day,
                f"{day.day.day} {day.day:%b}" if show else None,
            )
        )
    ticks = [
        {"value": value, "y": round(bottom - (bottom - top) * value / axis_top, 2)}
        for value in (0, axis_top // 2, axis_top)
    ]
    return Chart(width, height, top, bottom, left, width - right, bars, ticks, peak)
