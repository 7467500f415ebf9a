"""services.overview: comments per day by where they ended up, and the geometry of the stacked bar chart."""

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import CommentStatus
from app.models.types import utcnow
from app.services import moderation, overview
from app.services.overview import Day, _nice_top, chart, daily_outcomes
from tests.factories import make_comment

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
ZERO = {"approved": 0, "pending": 0, "spam": 0, "trash": 0}

# The chart's default frame: 640 by 220, plot from y=16 down to y=194, x from 52 to 604.
TOP, BOTTOM, LEFT, RIGHT = 16, 194, 52, 36
PLOT_WIDTH = 640 - LEFT - RIGHT


def _by_day(days: list[Day]) -> dict[date, dict[str, int]]:
    return {day.day: day.counts for day in days}


# --- daily_outcomes ----------------------------------------------------------------------------


def test_counts_each_day_by_current_status_oldest_day_first(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    for status, days_ago in [(A, 0), (A, 0), (P, 0), (S, 0), (T, 0), (A, 3), (S, 3), (S, 3), (P, 29)]:
        make_comment(article, status=status, days_ago=days_ago, moderator=moderator, trash_reason="off_topic")
    today = utcnow().date()

    days = daily_outcomes(moderator)

    assert [day.day for day in days] == [today - timedelta(days=n) for n in range(29, -1, -1)]
    counts = _by_day(days)
    assert counts[today] == {"approved": 2, "pending": 1, "spam": 1, "trash": 1}
    assert counts[today - timedelta(days=3)] == {"approved": 1, "pending": 0, "spam": 2, "trash": 0}
    assert counts[today - timedelta(days=29)] == {"approved": 0, "pending": 1, "spam": 0, "trash": 0}
    quiet = [day for day in days if day.day not in {today, today - timedelta(days=3), today - timedelta(days=29)}]
    assert len(quiet) == 27 and all(day.counts == ZERO and day.total == 0 for day in quiet)
    assert [day.total for day in days if day.total] == [1, 3, 5]


def test_a_comment_counts_where_it_is_now_not_where_it_started(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), status=P, days_ago=2, moderator=moderator)
    assert _by_day(daily_outcomes(moderator))[utcnow().date() - timedelta(days=2)]["pending"] == 1

    moderation.apply(comment, "spam", moderator)
    moderation.apply(comment, "not_spam", moderator)

    counts = _by_day(daily_outcomes(moderator))[utcnow().date() - timedelta(days=2)]
    assert counts == {"approved": 1, "pending": 0, "spam": 0, "trash": 0}


def test_only_the_last_thirty_days_count(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    make_comment(article, status=A, days_ago=29, moderator=moderator)
    make_comment(article, status=A, days_ago=30, moderator=moderator)
    make_comment(article, status=A, days_ago=45, moderator=moderator)

    days = daily_outcomes(moderator)

    assert len(days) == 30
    assert sum(day.total for day in days) == 1
    assert days[0].day == utcnow().date() - timedelta(days=29) and days[0].total == 1


def test_a_shorter_window_has_as_many_days(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    make_comment(article, status=A, days_ago=6, moderator=moderator)
    make_comment(article, status=A, days_ago=7, moderator=moderator)

    days = daily_outcomes(moderator, days=7)

    assert [day.day for day in days] == [utcnow().date() - timedelta(days=n) for n in range(6, -1, -1)]
    assert sum(day.total for day in days) == 1


def test_the_window_ends_on_the_day_given(make_user, make_article):
    moderator = make_user("moderator")
    make_comment(make_article(), status=A, days_ago=35, moderator=moderator)
    ten_days_ago = utcnow().date() - timedelta(days=10)

    days = daily_outcomes(moderator, today=ten_days_ago)

    assert days[-1].day == ten_days_ago
    assert _by_day(days)[utcnow().date() - timedelta(days=35)]["approved"] == 1


def test_authors_see_their_own_articles_only_staff_see_all(make_user, make_article):
    author, other = make_user("author"), make_user("author")
    moderator, admin = make_user("moderator"), make_user("admin")
    mine, theirs = make_article(author=author), make_article(author=other)
    make_comment(mine, status=A, days_ago=1, moderator=moderator)
    make_comment(mine, status=S, days_ago=1, moderator=moderator)
    for _ in range(3):
        make_comment(theirs, status=P, days_ago=1, moderator=moderator)
    yesterday = utcnow().date() - timedelta(days=1)

    assert _by_day(daily_outcomes(author))[yesterday] == {"approved": 1, "pending": 0, "spam": 1, "trash": 0}
    assert _by_day(daily_outcomes(other))[yesterday] == {"approved": 0, "pending": 3, "spam": 0, "trash": 0}
    for staff in (moderator, admin):
        assert _by_day(daily_outcomes(staff))[yesterday] == {"approved": 1, "pending": 3, "spam": 1, "trash": 0}
    assert sum(day.total for day in daily_outcomes(make_user("author"))) == 0


def test_one_query_however_many_comments(make_user, make_article, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    for number in range(12):
        make_comment(
            article, status=[A, P, S, T][number % 4], days_ago=number % 5, moderator=moderator, trash_reason="off_topic"
        )
    db.session.expire_all()
    assert moderator.role is not None  # reloaded before counting, so the query under test is the only one

    with count_queries() as counted:
        days = daily_outcomes(moderator)

    assert counted.n == 1, counted.statements
    assert "GROUP BY" in counted.statements[0].upper()
    assert sum(day.total for day in days) == 12


def test_an_empty_site_has_thirty_empty_days(make_user):
    days = daily_outcomes(make_user("moderator"))
    assert len(days) == 30 and all(day.counts == ZERO for day in days)


# --- the chart ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "peak, top",
    [
        (0, 5),
        (1, 5),
        (4, 5),
        (5, 5),
        (6, 10),
        (10, 10),
        (11, 20),
        (20, 20),
        (21, 50),
        (50, 50),
        (51, 100),
        (100, 100),
        (101, 200),
        (499, 500),
        (501, 1000),
        (1001, 2000),
    ],
)
def test_the_axis_top_is_the_peak_rounded_up_to_one_two_or_five_times_ten_to_a_power(peak, top):
    assert _nice_top(peak) == top


def _days(*counts: dict, start: date = date(2026, 11, 1)) -> list[Day]:
    return [Day(start + timedelta(days=n), ZERO | c) for n, c in enumerate(counts)]


def test_one_bar_per_day_side_by_side_in_equal_slots():
    days = _days(*[{} for _ in range(30)])
    drawn = chart(days)
    slot = PLOT_WIDTH / 30
    assert len(drawn.bars) == 30
    assert [bar.day for bar in drawn.bars] == days
    for index, bar in enumerate(drawn.bars):
        assert bar.x == pytest.approx(LEFT + index * slot + slot * 0.15, abs=0.01)
        assert bar.width == pytest.approx(slot * 0.7, abs=0.01)
    assert drawn.bars[-1].x + drawn.bars[-1].width <= drawn.plot_right == 640 - RIGHT
    frame = (drawn.width, drawn.height, drawn.plot_top, drawn.plot_bottom, drawn.plot_left)
    assert frame == (640, 220, TOP, BOTTOM, LEFT)


def test_segments_stack_bottom_up_in_outcome_order_with_heights_in_proportion():
    # The busiest day has 8 comments, so the axis tops at 10 and 1 comment is 17.8 units high.
    drawn = chart(_days({"approved": 4, "pending": 1, "spam": 2, "trash": 1}, {"spam": 3}, {}))
    unit = (BOTTOM - TOP) / 10
    busy, spammy, empty = drawn.bars

    assert [s["status"] for s in busy.segments] == ["approved", "pending", "spam", "trash"]
    assert [s["label"] for s in busy.segments] == ["Approved", "Held", "Spam", "Trashed"]
    assert [s["count"] for s in busy.segments] == [4, 1, 2, 1]
    assert [s["height"] for s in busy.segments] == pytest.approx([4 * unit, unit, 2 * unit, unit], abs=0.01)
    bottom = BOTTOM
    for segment in busy.segments:  # each sits on the one below
        assert segment["y"] + segment["height"] == pytest.approx(bottom, abs=0.02)
        bottom = segment["y"]
    assert busy.segments[-1]["y"] == pytest.approx(BOTTOM - 8 * unit, abs=0.02)

    # Outcomes with no comments draw nothing, and a quiet day has no bar at all.
    assert [(s["status"], s["count"]) for s in spammy.segments] == [("spam", 3)]
    assert spammy.segments[0]["y"] == pytest.approx(BOTTOM - 3 * unit, abs=0.02)
    assert empty.segments == []
    assert drawn.peak == 8


def test_the_busiest_day_reaches_the_top_when_its_total_is_round():
    drawn = chart(_days({"approved": 15, "spam": 5}, {"approved": 10}))
    busiest, half = drawn.bars
    assert busiest.segments[-1]["y"] == pytest.approx(TOP, abs=0.02)
    assert sum(s["height"] for s in busiest.segments) == pytest.approx(BOTTOM - TOP, abs=0.02)
    assert sum(s["height"] for s in half.segments) == pytest.approx((BOTTOM - TOP) / 2, abs=0.02)


def test_ticks_mark_zero_half_and_the_axis_top():
    drawn = chart(_days({"approved": 37}))
    assert drawn.ticks == [
        {"value": 0, "y": BOTTOM},
        {"value": 25, "y": pytest.approx((BOTTOM + TOP) / 2)},
        {"value": 50, "y": TOP},
    ]
    assert [tick["value"] for tick in chart(_days({})).ticks] == [0, 2, 5]


def test_a_label_every_seventh_day_counting_back_from_the_last():
    # Evenly spaced, so the labels never crowd each other on a phone.
    drawn = chart(_days(*[{} for _ in range(30)], start=date(2026, 10, 28)))
    labelled = {index: bar.label for index, bar in enumerate(drawn.bars) if bar.label}
    assert labelled == {1: "29 Oct", 8: "5 Nov", 15: "12 Nov", 22: "19 Nov", 29: "26 Nov"}


def test_a_chart_of_no_days_draws_nothing():
    drawn = chart([])
    assert drawn.bars == [] and drawn.peak == 0
    assert [tick["value"] for tick in drawn.ticks] == [0, 2, 5]


def test_a_day_totals_its_outcomes():
    assert Day(date(2026, 11, 1), {"approved": 2, "pending": 1, "spam": 0, "trash": 4}).total == 7
    assert Day(date(2026, 11, 1)).total == 0
    assert [status for status, _ in overview.OUTCOMES] == [A, P, S, T]
