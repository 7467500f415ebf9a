"""Pre-moderation at submit (services.screening) and the settings that drive it (services.settings)."""

from datetime import timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent, Setting
from app.models.types import utcnow
from app.services import moderation
from app.services.comments import Writer, edit_deadline, post_comment
from app.services.errors import ServiceError
from app.services.settings import CommentRules, comment_rules, current_settings, update_settings
from tests.conftest import ON_POSTGRES
from tests.factories import make_comment, make_guest

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
HOLD_ALL = {
    "code": "hold_all",
    "message": "The site holds every comment for moderation.",
    "action": "hold",
    "score": 0.0,
}


def _submit_event(comment) -> tuple:
    event = db.session.scalar(
        select(ModerationEvent).where(ModerationEvent.comment_id == comment.id, ModerationEvent.action == "submit")
    )
    return (event.actor_id, event.actor_rule, event.from_status, event.to_status)


def _codes(comment) -> list[str]:
    return [reason["code"] for reason in comment.reasons]


def _hold_until(approved_needed: int, have: int) -> dict:
    plural = "s" if approved_needed != 1 else ""
    message = f"Held until the commenter has {approved_needed} approved comment{plural}; they have {have}."
    return {"code": "new_commenter", "message": message, "action": "hold", "score": 0.0}


# --- what holds a comment --------------------------------------------------------------------


def test_with_every_rule_off_a_comment_is_published_with_no_reasons(make_article):
    comment = make_comment(make_article(), rules=CommentRules())
    assert (comment.status, comment.reasons, comment.spam_score) == (A, [], 0.0)
    assert _submit_event(comment) == (None, None, None, "approved")


def test_hold_all_holds_and_records_the_rule(make_article):
    comment = make_comment(make_article(), rules=CommentRules(hold_all=True))
    assert (comment.status, comment.reasons) == (P, [HOLD_ALL])
    assert _submit_event(comment) == (None, "hold_all", None, "pending")


def test_a_new_commenter_is_held_until_enough_comments_were_approved(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    rules = CommentRules(hold_until_approved=2)
    first = make_comment(article, rules=rules)
    assert (first.status, first.reasons) == (P, [_hold_until(2, 0)])
    assert _submit_event(first) == (None, "new_commenter", None, "pending")
    moderation.apply(first, "approve", moderator)
    second = make_comment(article, rules=rules)
    assert (second.status, second.reasons) == (P, [_hold_until(2, 1)])
    moderation.apply(second, "approve", moderator)
    # The guest is known by their email, whatever its case or their name.
    third = make_comment(article, writer=make_guest(name="G.", email="  GAIL@Example.org"), rules=rules)
    assert (third.status, third.reasons) == (A, [])
    stranger = make_comment(
        article, writer=make_guest(email="new@example.org"), rules=CommentRules(hold_until_approved=1)
    )
    assert stranger.reasons == [_hold_until(1, 0)]


def test_an_account_is_counted_by_its_own_approved_comments(make_user, make_article):
    moderator = make_user("moderator")
    reader = make_user("reader", email="rita@example.org")
    article = make_article()
    rules = CommentRules(hold_until_approved=1)
    # A guest comment with the same email does not vouch for the account.
    moderation.apply(
        make_comment(article, writer=make_guest(email="rita@example.org"), rules=rules), "approve", moderator
    )
    held = make_comment(article, writer=Writer(user=reader), rules=rules)
    assert (held.status, _codes(held)) == (P, ["new_commenter"])
    moderation.apply(held, "approve", moderator)
    assert make_comment(article, writer=Writer(user=reader), rules=rules).status is A


def test_the_hold_follows_the_configuration_and_the_settings_page_overrides_it(app, make_user, make_article):
    article = make_article()
    app.config["MODERATION_HOLD_UNTIL_APPROVED"] = 1
    assert make_comment(article, rules=comment_rules(app.config)).status is P
    update_settings({"hold_until_approved": "0"}, make_user("admin"))
    newcomer = make_guest(email="other@example.org")
    assert make_comment(article, writer=newcomer, rules=comment_rules(app.config)).status is A


def test_often_rejected_commenters_are_held_with_the_share_in_the_reason(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    open_rules = CommentRules()
    rules = CommentRules(rejected_percent=50, rejected_min_comments=2, rejected_window=timedelta(days=7))
    make_comment(article, rules=open_rules)
    trashed = moderation.apply(make_comment(article, rules=open_rules), "trash", moderator, "abusive")
    make_comment(article, rules=CommentRules(hold_all=True))  # pending: not decided, not counted
    held = make_comment(article, rules=rules)
    message = "1 of the commenter's 2 decided comments in the last 7 days were rejected (the limit is 50%)."
    assert (held.status, held.reasons) == (
        P,
        [{"code": "often_rejected", "message": message, "action": "hold", "score": 0.0}],
    )
    assert _submit_event(held) == (None, "often_rejected", None, "pending")
    # Another commenter is not affected.
    assert make_comment(article, writer=make_guest(email="fresh@example.org"), rules=rules).status is A
    # Out of the window, the rejection no longer counts.
    db.session.execute(update(Comment).where(Comment.id == trashed.id).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    assert make_comment(article, rules=rules).status is A


def test_the_rejected_share_needs_enough_decided_comments_and_a_high_enough_share(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    open_rules = CommentRules()
    moderation.apply(make_comment(article, rules=open_rules), "spam", moderator)
    # 1 decided comment is too few to judge; this one is published and makes 1 rejected of 2.
    assert make_comment(article, rules=CommentRules(rejected_percent=30, rejected_min_comments=2)).status is A
    for _ in range(2):
        make_comment(article, rules=open_rules)
    # 1 of 4 (25%) stays below 30%; publishing makes it 1 of 5 (20%), which reaches a 20% limit.
    assert make_comment(article, rules=CommentRules(rejected_percent=30, rejected_min_comments=2)).status is A
    held = make_comment(article, rules=CommentRules(rejected_percent=20, rejected_min_comments=2))
    assert held.status is P and held.reasons[0]["message"] == (
        "1 of the commenter's 5 decided comments in the last 7 days were rejected (the limit is 20%)."
    )
    # 0 turns it off
    assert make_comment(article, rules=CommentRules(rejected_percent=0, rejected_min_comments=1)).status is A


def test_a_guests_history_is_counted_from_the_index_without_reading_rows(make_user, make_article):
    """The rejected-share rule runs on every guest's comment; on SQLite its counts read only the writer's index."""
    if ON_POSTGRES:
        pytest.skip("SQLite's plans; PostgreSQL chooses by its statistics")
    article = make_article()
    make_comment(article, rules=CommentRules())
    moderation.apply(make_comment(article, rules=CommentRules()), "trash", make_user("moderator"), "abusive")
    seen: list[tuple[str, tuple]] = []

    def history(connection, cursor, statement, parameters, context, executemany):
        if "comments.writer_email = ?" in statement and "moderation_events" in statement:
            seen.append((statement, parameters))

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", history)
    try:
        held = make_comment(article, rules=CommentRules(rejected_percent=50, rejected_min_comments=2))
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", history)
    assert held.status is P  # 1 of 2 rejected: both counts were needed
    [(statement, parameters)] = seen
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    searches = [row[3] for row in plan if " comments " in f"{row[3]} "]
    assert len(searches) == 2, plan  # the rejected, the approved
    for search in searches:
        assert search.startswith(
            "SEARCH comments USING COVERING INDEX ix_comments_writer_email_status_created_at_user_id"
        ), plan


# --- bans ------------------------------------------------------------------------------------


def test_a_banned_email_account_or_network_is_caught_as_spam(make_user, make_article):
    moderator = make_user("moderator")
    reader = make_user("reader")
    article = make_article()
    email_ban, _ = moderation.create_ban("email", "Troll@Example.org", "Selling pills.", moderator)
    user_ban, _ = moderation.create_ban("user", reader.id, "Sock puppet.", moderator)
    network_ban, _ = moderation.create_ban("network", "203.0.0.0/16", "Botnet.", moderator)
    cases = [
        (make_guest(email="troll@example.org"), email_ban, "email"),
        (Writer(user=reader), user_ban, "user"),
        (make_guest(email="bot@example.org", network="203.0.113.0/24"), network_ban, "network"),
    ]
    for writer, ban, kind in cases:
        comment = make_comment(article, writer=writer, rules=CommentRules())
        message = f"Banned sender ({kind} ban #{ban.id}: {ban.reason})."
        assert (comment.status, comment.spam_score) == (S, 1.0)
        assert comment.reasons == [{"code": "banned_sender", "message": message, "action": "spam", "score": 1.0}]
        assert _submit_event(comment)[1:] == ("banned_sender", None, "spam")
    for network in ("203.1.0.0/24", "2001:db8::/48", None):
        elsewhere = make_guest(email="ok@example.org", network=network)
        assert make_comment(article, writer=elsewhere, rules=CommentRules()).status is A


def test_spam_beats_hold_and_every_reason_is_kept(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    moderation.create_ban("email", "troll@example.org", "Trolling.", moderator)
    rules = CommentRules(hold_all=True, hold_until_approved=1)
    caught = make_comment(article, writer=make_guest(email="troll@example.org"), rules=rules)
    assert (caught.status, _codes(caught)) == (S, ["banned_sender", "hold_all", "new_commenter"])
    assert _submit_event(caught)[1] == "banned_sender"
    held = make_comment(article, rules=rules)
    assert (held.status, _codes(held)) == (P, ["hold_all", "new_commenter"])
    assert _submit_event(held)[1] == "hold_all"


def test_expired_and_lifted_bans_stop_applying(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    lifted, _ = moderation.create_ban("email", "lifted@example.org", "Was rude.", moderator)
    expiring, _ = moderation.create_ban(
        "email", "expiring@example.org", "Cool off.", moderator, expires_at=utcnow() + timedelta(hours=1)
    )
    assert make_comment(article, writer=make_guest(email="expiring@example.org"), rules=CommentRules()).status is S
    moderation.lift_ban(lifted, moderator)
    expiring.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for email in ("lifted@example.org", "expiring@example.org"):
        comment = make_comment(article, writer=make_guest(email=email), rules=CommentRules())
        assert (comment.status, comment.reasons) == (A, [])


# --- who is trusted --------------------------------------------------------------------------


def test_staff_and_the_articles_author_skip_the_hold_rules_but_not_a_ban(make_user, make_article):
    author = make_user("author")
    article = make_article(author=author)
    rules = CommentRules(hold_all=True, hold_until_approved=5, rejected_percent=1, rejected_min_comments=1)
    for user in (make_user("moderator"), make_user("admin"), author):
        comment = make_comment(article, writer=Writer(user=user), rules=rules)
        assert (comment.status, comment.reasons) == (A, [])
        assert _submit_event(comment) == (user.id, None, None, "approved")
    other_author = make_user("author")
    assert make_comment(article, writer=Writer(user=other_author), rules=rules).status is P
    assert make_comment(make_article(), writer=Writer(user=author), rules=rules).status is P  # not their article
    banned = make_user("moderator")
    moderation.create_ban("user", banned.id, "Compromised account.", make_user("admin"))
    comment = make_comment(article, writer=Writer(user=banned), rules=rules)
    assert (comment.status, _codes(comment)) == (S, ["banned_sender"])


# --- settings --------------------------------------------------------------------------------


def test_settings_default_to_the_configuration_and_stored_values_win(app, make_user):
    admin = make_user("admin")
    defaults = current_settings(app.config)
    assert defaults == {
        "site_description": "",
        "hold_all": False,
        "hold_until_approved": 0,
        "rejected_percent": 30,
        "rejected_window_days": 7,
        "rejected_min_comments": 2,
        "flag_threshold": 3,
        "max_depth": 5,
        "edit_window_minutes": 15,
        "auto_close_days": 0,
        "link_limit": 3,
        "min_seconds": 0,
        "spam_at": 0.99,
        "hold_at": 0.8,
        "min_decisions": 50,
        "moderation_words": "",
        "blocked_words": "",
        "gravatar": False,
    }
    stored = update_settings(
        {
            "hold_all": "on",
            "flag_threshold": " 5 ",
            "max_depth": 3,
            "edit_window_minutes": "30",
            "auto_close_days": "14",
            "rejected_window_days": "3",
            "spam_at": " 0.95 ",
            "min_decisions": "10",
        },
        admin,
    )
    assert stored == {
        "hold_all": True,
        "flag_threshold": 5,
        "max_depth": 3,
        "edit_window_minutes": 30,
        "auto_close_days": 14,
        "rejected_window_days": 3,
        "spam_at": 0.95,
        "min_decisions": 10,
    }
    rules = comment_rules(app.config)
    assert (rules.spam_at, rules.hold_at, rules.min_decisions) == (0.95, 0.8, 10)
    assert (rules.hold_all, rules.flag_threshold, rules.max_depth) == (True, 5, 3)
    assert (rules.edit_window, rules.auto_close_days, rules.rejected_window) == (
        timedelta(minutes=30),
        14,
        timedelta(days=3),
    )
    rows = {row.key: (row.value, row.updated_by_id) for row in db.session.scalars(select(Setting))}
    assert rows["hold_all"] == (True, admin.id) and rows["flag_threshold"] == (5, admin.id)
    update_settings({"hold_all": "off"}, admin)
    assert current_settings(app.config)["hold_all"] is False
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 8


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"flag_threshold": "0"}, "flag_threshold", "Flags to hide: enter a number from 1 to 100."),
        ({"hold_until_approved": "three"}, "hold_until_approved", "Hold new commenters: enter a whole number."),
        ({"hold_until_approved": ""}, "hold_until_approved", "Hold new commenters: enter a whole number."),
        (
            {"rejected_percent": "101"},
            "rejected_percent",
            "Hold often-rejected commenters (%): enter a number from 0 to 100.",
        ),
        ({"rejected_percent": "2.5"}, "rejected_percent", "Hold often-rejected commenters (%): enter a whole number."),
        ({"max_depth": "11"}, "max_depth", "Thread depth: enter a number from 1 to 10."),
        ({"edit_window_minutes": "-1"}, "edit_window_minutes", "Edit window (minutes): enter a number from 0 to 1440."),
        ({"auto_close_days": True}, "auto_close_days", "Close threads after (days): enter a whole number."),
        ({"hold_all": True, "colour": "red"}, "colour", "Unknown setting: colour."),
        ({"hold_all": "1", "max_depth": "0"}, "max_depth", "Thread depth: enter a number from 1 to 10."),
        ({"spam_at": "high"}, "spam_at", "Catch as spam at (probability): enter a number such as 0.95."),
        ({"spam_at": "nan"}, "spam_at", "Catch as spam at (probability): enter a number such as 0.95."),
        ({"hold_at": "0.01"}, "hold_at", "Hold at (probability): enter a number from 0.05 to 1."),
        (
            {"min_decisions": "-1"},
            "min_decisions",
            "Judge content alone after (decisions): enter a number from 0 to 100000.",
        ),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_stored(app, make_user, values, field, message):
    with pytest.raises(ServiceError) as raised:
        update_settings(values, make_user("admin"))
    assert (raised.value.field, raised.value.message, raised.value.status) == (field, message, 422)
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    assert current_settings(app.config)["hold_all"] is False


def test_depth_edit_window_and_auto_close_settings_reach_new_comments(app, make_user, make_article):
    article = make_article()
    update_settings({"max_depth": "2", "edit_window_minutes": "0", "auto_close_days": "3"}, make_user("admin"))
    rules = comment_rules(app.config)
    top = make_comment(article, rules=rules)
    reply = post_comment(article, make_guest(), "Reply.", rules, parent_id=top.id)
    deeper = post_comment(article, make_guest(), "Deeper.", rules, parent_id=reply.id)
    assert (reply.depth, deeper.depth, deeper.parent_id, deeper.in_reply_to_id) == (1, 1, top.id, reply.id)
    assert edit_deadline(top, rules) == top.created_at
    article.published_at = utcnow() - timedelta(days=4)
    db.session.commit()
    with pytest.raises(ServiceError) as raised:
        make_comment(article, rules=comment_rules(app.config))
    assert (raised.value.code, raised.value.status) == ("comments_closed", 403)
    assert raised.value.message == "Comments close automatically 3 days after an article is published."
