"""services.moderation: the one door for state changes, its log, the spam signal, flags, bans, queues and purges."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Article, Ban, Comment, CommentRevision, CommentStatus, Flag, ModerationEvent
from app.models.types import utcnow
from app.ratelimit import anonymise_ip
from app.services import moderation
from app.services.comments import Writer
from app.services.errors import ServiceError
from app.services.settings import CommentRules
from tests.factories import make_comment, make_guest, run_tasks

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
OPEN = CommentRules()
HELD = CommentRules(hold_all=True)
# Where each action may start, and where it leads (restore: back to the state before trash).
ALLOWED = {
    "approve": ({P, S, T}, A),
    "spam": ({P, A, T}, S),
    "not_spam": ({S}, A),
    "trash": ({P, A, S}, T),
    "restore": ({T}, None),
}


def _events(comment_id=None) -> list[tuple]:
    query = select(ModerationEvent).order_by(ModerationEvent.id)
    if comment_id is not None:
        query = query.where(ModerationEvent.comment_id == comment_id)
    return [
        (e.actor_id, e.actor_rule, e.action, e.from_status, e.to_status, e.reason, e.remark)
        for e in db.session.scalars(query)
    ]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _stored(comment_id: int) -> Comment | None:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _age(comment_id: int, days: int) -> None:
    """Make the comment, and everything that happened to it, `days` old (events through Core: the ORM refuses)."""
    then = utcnow() - timedelta(days=days)
    db.session.execute(update(Comment).where(Comment.id == comment_id).values(created_at=then))
    db.session.execute(
        update(ModerationEvent.__table__).where(ModerationEvent.comment_id == comment_id).values(created_at=then)
    )
    db.session.commit()


@pytest.fixture
def decisions():
    """Every spam_decision sent during the test, as (comment id, is_spam, previous); disconnected afterwards."""
    seen = []

    def receiver(comment, is_spam, previous):
        seen.append((comment.id, is_spam, previous))

    moderation.spam_decision.connect(receiver)
    yield seen
    moderation.spam_decision.disconnect(receiver)


# --- the one door ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", [P, A, S, T], ids=lambda s: s.value)
def test_every_action_from_every_state_moves_and_logs_or_is_refused_with_409(make_user, make_article, start):
    moderator = make_user("moderator")
    article = make_article()
    for action, (sources, target) in ALLOWED.items():
        comment = make_comment(article, status=start, moderator=moderator)
        before = _events(comment.id)
        if start in sources:
            moderation.apply(comment, action, moderator, remark="Checked by hand.")
            expected = target or P  # restore: it was trashed from pending
            assert _stored(comment.id).status is expected, action
            reason = "other" if action == "trash" else None
            assert _events(comment.id) == before + [
                (moderator.id, None, action, start.value, expected.value, reason, "Checked by hand.")
            ]
        else:
            with pytest.raises(ServiceError) as raised:
                moderation.apply(comment, action, moderator)
            error = raised.value
            assert (error.code, error.status) == ("invalid_transition", 409), action
            assert error.message == f"A comment that is {start.value} cannot be moved by '{action}'."
            assert _stored(comment.id).status is start and _events(comment.id) == before


def test_restore_returns_a_comment_to_where_it_was_before_the_trash(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    for start in (P, A, S):
        comment = make_comment(article, status=start, moderator=moderator)
        moderation.apply(comment, "trash", moderator, "abusive")
        moderation.apply(comment, "restore", moderator)
        assert _stored(comment.id).status is start
        assert _events(comment.id)[-2:] == [
            (moderator.id, None, "trash", start.value, "trash", "abusive", None),
            (moderator.id, None, "restore", "trash", start.value, None, None),
        ]


def test_trash_takes_only_a_known_reason_code(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    for code in moderation.TRASH_REASONS:
        moderation.apply(comment, "trash", moderator, code)
        assert _events(comment.id)[-1][2:6] == ("trash", "approved", "trash", code)
        moderation.apply(comment, "restore", moderator)
    before = _events(comment.id)
    with pytest.raises(ServiceError) as raised:
        moderation.apply(comment, "trash", moderator, "boring")
    assert (raised.value.field, raised.value.status) == ("reason", 422)
    assert raised.value.message == "Choose a reason: spam, abusive, off_topic, harassment, misinformation, other."
    assert _stored(comment.id).status is A and _events(comment.id) == before


def test_unknown_actions_long_notes_and_long_reasons_change_nothing(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), rules=HELD)
    cases = [
        (
            ("delete", None, None),
            "action",
            "Unknown action 'delete'; use one of approve, spam, not_spam, trash, restore.",
        ),
        (("approve", None, "n" * 501), "remark", "A remark is at most 500 characters."),
        (("spam", "r" * 41, None), "reason", "A reason code is at most 40 characters."),
    ]
    for (action, reason, remark), field, message in cases:
        with pytest.raises(ServiceError) as raised:
            moderation.apply(comment, action, moderator, reason, remark)
        assert (raised.value.field, raised.value.message, raised.value.status) == (field, message, 422)
    assert _stored(comment.id).status is P and [e[2] for e in _events(comment.id)] == ["submit"]
    moderation.apply(comment, "approve", moderator, remark="  " + "n" * 500 + "  ")
    assert _events(comment.id)[-1][6] == "n" * 500


def test_approving_and_removing_keep_the_published_count_right(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    held = make_comment(article, rules=HELD)
    shown = make_comment(article)

    def count():
        db.session.expire_all()
        return db.session.get(Article, article.id).comment_count

    assert count() == 1
    moderation.apply(held, "approve", moderator)
    assert count() == 2
    moderation.apply(shown, "spam", moderator)
    moderation.apply(held, "trash", moderator, "off_topic")
    assert count() == 0
    moderation.apply(held, "restore", moderator)
    assert count() == 1


def test_events_are_append_only(make_user, make_article):
    moderator = make_user("moderator")
    comment = moderation.apply(make_comment(make_article()), "spam", moderator, remark="Pills.")
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "spam"))
    event.remark = "Nothing to see."
    with pytest.raises(RuntimeError, match="moderation events are append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(ModerationEvent, event.id))
    with pytest.raises(RuntimeError, match="moderation events are append-only"):
        db.session.commit()
    db.session.rollback()
    assert _events(comment.id)[-1] == (moderator.id, None, "spam", "approved", "spam", None, "Pills.")


def test_nothing_a_moderator_does_deletes_a_row(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comments = [make_comment(article, f"Comment {n}.", make_guest(email=f"w{n}@example.org")) for n in range(4)]
    moderation.flag_comment(comments[0], "user:1", "spam", None, OPEN)
    rows = (_count(Comment), _count(Flag))
    moderation.apply(comments[0], "spam", moderator)
    moderation.apply(comments[1], "trash", moderator, "harassment")
    moderation.apply_many([c.id for c in comments], "trash", moderator, "abusive")
    moderation.apply_many([c.id for c in comments], "restore", moderator)
    moderation.moderator_edit(comments[2], "Edited.", moderator, OPEN)
    moderation.create_ban("email", "w3@example.org", "Trolling.", moderator, spam_existing=True)
    assert (_count(Comment), _count(Flag)) == rows
    assert _count(CommentRevision) == 1
    assert [_stored(c.id).status for c in comments] == [S, A, A, S]


# --- the spam signal -------------------------------------------------------------------------


def test_spam_decision_is_sent_on_spam_and_on_not_spam(decisions, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = make_comment(article, rules=HELD)
    moderation.apply(comment, "spam", moderator)
    moderation.apply(comment, "not_spam", moderator)
    moderation.apply(comment, "spam", moderator)
    moderation.apply(comment, "approve", moderator)
    assert decisions == [(comment.id, True, P), (comment.id, False, S), (comment.id, True, A), (comment.id, False, S)]


def test_spam_decision_is_silent_when_spam_is_not_concerned(decisions, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())  # published at once
    moderation.apply(comment, "trash", moderator, "off_topic")
    moderation.apply(comment, "restore", moderator)
    for reader in range(3):  # hidden by readers' flags, then approved: about manners, not spam
        moderation.flag_comment(comment, f"user:{reader}", "abusive", None, OPEN)
    moderation.apply(comment, "approve", moderator)
    assert comment.status is A and decisions == []


def test_approving_what_the_checks_held_is_a_verdict_of_not_spam(decisions, make_user, make_article):
    comment = make_comment(make_article(), rules=HELD)
    moderation.apply(comment, "approve", make_user("moderator"))
    assert decisions == [(comment.id, False, P)]


def test_bulk_spam_and_bans_send_one_decision_per_comment(decisions, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    first, second = make_comment(article, "One."), make_comment(article, "Two.", rules=HELD)
    banned = make_comment(article, "Three.", make_guest(email="troll@example.org"))
    moderation.apply_many([first.id, second.id], "spam", moderator)
    moderation.create_ban("email", "troll@example.org", "Trolling.", moderator, spam_existing=True)
    assert sorted(decisions) == [(first.id, True, A), (second.id, True, P), (banned.id, True, A)]


def test_trashing_spam_is_no_verdict_that_it_was_legitimate(decisions, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), rules=HELD)
    moderation.apply(comment, "spam", moderator)
    moderation.apply(comment, "trash", moderator, "spam")
    assert decisions == [(comment.id, True, P)]


# --- bulk and edits --------------------------------------------------------------------------


def test_bulk_moves_what_it_may_and_explains_the_rest(make_user, make_article):
    author = make_user("author")
    mine, theirs = make_article(author=author), make_article()
    first, second = make_comment(mine, "First.", rules=HELD), make_comment(mine, "Second.", rules=HELD)
    published = make_comment(mine, "Already out.")
    foreign = make_comment(theirs, "Not the author's.", rules=HELD)
    moved, problems = moderation.apply_many(
        [first.id, second.id, published.id, foreign.id, 9999], "approve", author, remark="Fine."
    )
    assert sorted(c.id for c in moved) == [first.id, second.id]
    assert sorted(problems) == sorted(
        [
            "Comment 9999 does not exist.",
            f"Comment {foreign.id}: not yours to moderate.",
            f"Comment {published.id}: A comment that is approved cannot be moved by 'approve'.",
        ]
    )
    assert [_stored(c.id).status for c in (first, second, published, foreign)] == [A, A, A, P]
    for comment in (first, second):
        assert _events(comment.id)[-1] == (author.id, None, "approve", "pending", "approved", None, "Fine.")
    assert [e[2] for e in _events(foreign.id)] == ["submit"]


def test_a_moderator_edit_keeps_the_old_text_and_says_who_edited(make_user, make_article):
    moderator = make_user("moderator", name="Mo Moderator")
    comment = make_comment(make_article(), "You are an idiot. The date is wrong.")
    moderation.moderator_edit(comment, "[removed] The date is wrong.", moderator, OPEN)
    stored = _stored(comment.id)
    assert (stored.body, stored.edited_by_moderator, stored.status) == ("[removed] The date is wrong.", True, A)
    assert stored.edited_at is not None
    (revision,) = stored.revisions
    assert (revision.body, revision.replaced_by_id) == ("You are an idiot. The date is wrong.", moderator.id)
    assert _events(comment.id)[-1] == (
        moderator.id,
        None,
        "edit",
        "approved",
        "approved",
        None,
        "edited by a moderator",
    )


def test_an_empty_moderator_edit_is_refused_and_changes_nothing(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Original.")
    with pytest.raises(ServiceError) as raised:
        moderation.moderator_edit(comment, "   ", moderator, OPEN)
    assert raised.value.message == "Write something before posting."
    db.session.rollback()
    stored = _stored(comment.id)
    assert (stored.body, stored.edited_by_moderator, stored.revisions) == ("Original.", False, [])
    assert [e[2] for e in _events(comment.id)] == ["submit"]


def test_saving_an_unchanged_text_is_not_an_edit(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Original.")
    moderation.moderator_edit(comment, "Original.", moderator, OPEN)
    stored = _stored(comment.id)
    assert (stored.edited_by_moderator, stored.revisions) == (False, [])
    assert [e[2] for e in _events(comment.id)] == ["submit"]


# --- flags -----------------------------------------------------------------------------------


def test_enough_distinct_readers_hide_a_comment_by_rule(make_user, make_article):
    article = make_article()
    comment = make_comment(article)
    rules = CommentRules(flag_threshold=3)
    moderation.flag_comment(comment, "user:1", "abusive", "Rude.", rules)
    moderation.flag_comment(comment, moderation.guest_reporter_key("203.0.113.5", "a" * 32), "spam", None, rules)
    assert _stored(comment.id).status is A and db.session.get(Article, article.id).comment_count == 1
    moderation.flag_comment(comment, moderation.guest_reporter_key("203.0.113.5", "b" * 32), "other", "Odd.", rules)
    assert _stored(comment.id).status is P
    assert _events(comment.id)[-1] == (
        None,
        "flag_threshold",
        "hide",
        "approved",
        "pending",
        "flagged",
        "3 readers flagged it",
    )
    db.session.expire_all()
    assert db.session.get(Article, article.id).comment_count == 0


def test_a_reader_flags_a_comment_once(make_article):
    comment = make_comment(make_article())
    key = moderation.guest_reporter_key("203.0.113.5", "c" * 32)
    flag = moderation.flag_comment(comment, key, "off_topic", "  About cats.  ", CommentRules(flag_threshold=2))
    assert (flag.reason.value, flag.remark, flag.resolved_at) == ("off_topic", "About cats.", None)
    # The same browser on another address of the same network is the same reader.
    same = moderation.guest_reporter_key("203.0.113.99", "c" * 32)
    with pytest.raises(ServiceError) as raised:
        moderation.flag_comment(comment, same, "spam", None, CommentRules(flag_threshold=2))
    assert (raised.value.code, raised.value.status) == ("already_flagged", 409)
    assert raised.value.message == "You have already flagged this comment."
    assert _count(Flag) == 1 and _stored(comment.id).status is A


def test_flags_take_a_known_reason_a_short_remark_and_a_published_comment(make_user, make_article):
    article = make_article()
    comment = make_comment(article)
    held = make_comment(article, rules=HELD)
    removed = make_comment(article)
    removed.deleted_at = utcnow()
    db.session.commit()
    cases = [
        (
            comment,
            "rude",
            None,
            ("validation_failed", 422, "Choose a reason: spam, abusive, off_topic, factual_error, other."),
        ),
        (comment, "spam", "n" * 501, ("validation_failed", 422, "A remark is at most 500 characters.")),
        (held, "spam", None, ("not_flaggable", 409, "Only published comments can be flagged.")),
        (removed, "spam", None, ("not_flaggable", 409, "Only published comments can be flagged.")),
    ]
    for target, reason, remark, expected in cases:
        with pytest.raises(ServiceError) as raised:
            moderation.flag_comment(target, "user:7", reason, remark, OPEN)
        assert (raised.value.code, raised.value.status, raised.value.message) == expected
    assert _count(Flag) == 0
    assert moderation.flag_comment(comment, "user:7", "factual_error", "n" * 500, OPEN).remark == "n" * 500


def test_dismissing_flags_publishes_a_comment_the_flags_had_hidden(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = make_comment(article)
    rules = CommentRules(flag_threshold=2)
    moderation.flag_comment(comment, "user:1", "spam", None, rules)
    moderation.flag_comment(comment, "user:2", "abusive", None, rules)
    assert _stored(comment.id).status is P
    moderation.dismiss_flags(comment, moderator, "Satire, not abuse.")
    assert _stored(comment.id).status is A
    assert _events(comment.id)[-1] == (
        moderator.id,
        None,
        "dismiss_flags",
        "pending",
        "approved",
        None,
        "Satire, not abuse.",
    )
    assert [(f.resolution, f.resolved_at is not None) for f in db.session.scalars(select(Flag))] == [
        ("dismissed", True)
    ] * 2
    assert db.session.get(Article, article.id).comment_count == 1
    assert db.session.scalars(moderation.queue_query("flagged", moderator)).all() == []


def test_dismissing_flags_below_the_threshold_leaves_the_comment_published(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    moderation.flag_comment(comment, "user:1", "spam", None, OPEN)
    moderation.dismiss_flags(comment, moderator)
    assert _stored(comment.id).status is A
    assert _events(comment.id)[-1][2:5] == ("dismiss_flags", "approved", "approved")
    with pytest.raises(ServiceError) as raised:
        moderation.dismiss_flags(comment, moderator)
    assert (raised.value.code, raised.value.status, raised.value.message) == (
        "invalid_transition",
        409,
        "This comment has no open flags.",
    )


def test_acting_on_a_flagged_comment_resolves_its_flags(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    moderation.flag_comment(comment, "user:1", "spam", None, OPEN)
    moderation.apply(comment, "trash", moderator, "spam")
    assert [f.resolution for f in db.session.scalars(select(Flag))] == ["acted"]
    assert moderation.queue_counts(moderator)["flagged"] == 0


def test_a_hidden_comment_approved_by_a_moderator_is_published_and_unflagged(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    rules = CommentRules(flag_threshold=1)
    moderation.flag_comment(comment, "user:1", "other", "Wrong year.", rules)
    assert _stored(comment.id).status is P
    moderation.apply(comment, "approve", moderator)
    assert _stored(comment.id).status is A and moderation.queue_counts(moderator)["flagged"] == 0


def test_dismissing_flags_after_editing_a_hidden_comment_publishes_it(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Idiot. The date is wrong.")
    moderation.flag_comment(comment, "user:1", "abusive", None, CommentRules(flag_threshold=1))
    moderation.moderator_edit(comment, "The date is wrong.", moderator, OPEN)
    moderation.dismiss_flags(comment, moderator)
    assert _stored(comment.id).status is A


# --- bans ------------------------------------------------------------------------------------


def test_ban_values_are_normalised(make_user):
    moderator = make_user("moderator")
    reader = make_user("reader")
    cases = [
        ("email", "  Spam@Example.ORG ", "spam@example.org"),
        ("user", reader.id, str(reader.id)),
        ("network", "203.0.113.77", "203.0.113.0/24"),
        ("network", "2001:db8:1:2::5", "2001:db8:1::/48"),
        ("network", "198.51.7.9/16", "198.51.0.0/16"),
    ]
    for kind, value, stored in cases:
        ban, moved = moderation.create_ban(kind, value, "  Too   much. ", moderator)
        assert (ban.kind.value, ban.value, ban.reason, ban.created_by_id, moved) == (
            kind,
            stored,
            "Too much.",
            moderator.id,
            0,
        )
    assert _count(Ban) == len(cases)


@pytest.mark.parametrize(
    "kind, value, reason, expires, field, message",
    [
        ("phone", "555", "r", None, "kind", "Ban an email, a user_id or an ip."),
        ("user", 9999, "r", None, "user_id", "No account has that id."),
        ("network", "not-an-ip", "r", None, "ip", "Give an IP address or a network such as 203.0.113.0/24."),
        ("email", "x@example.org", "   ", None, "reason", "Say why the sender is banned."),
        ("email", "x@example.org", "r" * 501, None, "reason", "A reason is at most 500 characters."),
        ("email", "x@example.org", "r", -1, "expires_at", "The expiry must be in the future."),
    ],
)
def test_bad_bans_are_refused_on_their_field(make_user, kind, value, reason, expires, field, message):
    expires_at = utcnow() + timedelta(days=expires) if expires else None
    with pytest.raises(ServiceError) as raised:
        moderation.create_ban(kind, value, reason, make_user("moderator"), expires_at=expires_at)
    assert (raised.value.field, raised.value.message, raised.value.status) == (field, message, 422)
    assert _count(Ban) == 0


def test_a_ban_can_move_the_senders_existing_comments_to_spam(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    troll = make_guest("Troll", "troll@example.org")
    published, held = make_comment(article, "One.", troll), make_comment(article, "Two.", troll, rules=HELD)
    trashed = moderation.apply(make_comment(article, "Three.", troll), "trash", moderator, "abusive")
    already = moderation.apply(make_comment(article, "Four.", troll), "spam", moderator)
    bystander = make_comment(article, "Innocent.")
    ban, moved = moderation.create_ban("email", "TROLL@example.org", "Trolling.", moderator, spam_existing=True)
    assert moved == 3
    assert [_stored(c.id).status for c in (published, held, trashed, already, bystander)] == [S, S, S, S, A]
    for comment, before in ((published, "approved"), (held, "pending"), (trashed, "trash")):
        assert _events(comment.id)[-1] == (
            moderator.id,
            None,
            "spam",
            before,
            "spam",
            "banned_sender",
            f"ban #{ban.id}: Trolling.",
        )
    assert [e[2] for e in _events(already.id)] == ["submit", "spam"]


def test_a_network_ban_moves_only_comments_from_inside_the_network(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    inside = make_comment(article, "In.", make_guest(network="203.0.113.0/24"))
    outside = make_comment(article, "Out.", make_guest(network="203.0.114.0/24"))
    v6 = make_comment(article, "Six.", make_guest(network="2001:db8:1::/48"))
    _, moved = moderation.create_ban("network", "203.0.113.0/23", "Botnet.", moderator, spam_existing=True)
    assert moved == 1
    assert [_stored(c.id).status for c in (inside, outside, v6)] == [S, A, A]


def test_an_account_ban_moves_that_accounts_comments(make_user, make_article):
    moderator = make_user("moderator")
    reader, other = make_user("reader"), make_user("reader")
    article = make_article()
    theirs = make_comment(article, "Mine.", Writer(user=reader))
    not_theirs = make_comment(article, "Other.", Writer(user=other))
    _, moved = moderation.create_ban("user", reader.id, "Sock puppet.", moderator, spam_existing=True)
    assert moved == 1 and [_stored(c.id).status for c in (theirs, not_theirs)] == [S, A]


def test_a_network_ban_skips_comments_without_a_known_network(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    unknown = make_comment(article, "No address.", make_guest(network=anonymise_ip(None)))
    inside = make_comment(article, "In.", make_guest(network="203.0.113.0/24"))
    _, moved = moderation.create_ban("network", "203.0.113.0/24", "Botnet.", moderator, spam_existing=True)
    assert moved == 1 and [_stored(c.id).status for c in (unknown, inside)] == [A, S]


def test_lifted_and_expired_bans_are_no_longer_in_force(make_user):
    moderator = make_user("moderator")
    lifted, _ = moderation.create_ban("email", "a@example.org", "A.", moderator)
    expiring, _ = moderation.create_ban(
        "email", "b@example.org", "B.", moderator, expires_at=utcnow() + timedelta(days=1)
    )
    lasting, _ = moderation.create_ban("email", "c@example.org", "C.", moderator)
    assert [b.id for b in moderation.active_bans()] == [lasting.id, expiring.id, lifted.id]
    moderation.lift_ban(lifted, moderator)
    assert lifted.lifted_at is not None
    with pytest.raises(ServiceError) as raised:
        moderation.lift_ban(lifted, moderator)
    assert (raised.value.code, raised.value.status, raised.value.message) == (
        "invalid_transition",
        409,
        "This ban was already lifted.",
    )
    expiring.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert [b.id for b in moderation.active_bans()] == [lasting.id]
    assert _count(Ban) == 3


# --- queues ----------------------------------------------------------------------------------


def test_queues_hold_the_right_comments_in_each_scope(make_user, make_article):
    moderator = make_user("moderator")
    author = make_user("author")
    mine, theirs = make_article(author=author), make_article()
    held_mine = make_comment(mine, "Held here.", rules=HELD)
    held_theirs = make_comment(theirs, "Held there.", rules=HELD)
    spam = moderation.apply(make_comment(mine, "Buy pills."), "spam", moderator)
    trash = moderation.apply(make_comment(theirs, "Rude."), "trash", moderator, "abusive")
    approved = make_comment(mine, "Recent and fine.")
    old = make_comment(mine, "Old and fine.")
    _age(old.id, 31)
    flagged = make_comment(theirs, "Flag me.")
    moderation.flag_comment(flagged, "user:1", "spam", None, OPEN)

    def ids(queue, user, **filters):
        return [c.id for c in db.session.scalars(moderation.queue_query(queue, user, **filters))]

    assert ids("pending", moderator) == [held_theirs.id, held_mine.id]
    assert ids("pending", author) == [held_mine.id]
    assert (ids("spam", moderator), ids("trash", moderator), ids("trash", author)) == ([spam.id], [trash.id], [])
    assert ids("approved", moderator) == [flagged.id, approved.id]
    assert (ids("flagged", moderator), ids("flagged", author)) == ([flagged.id], [])
    assert moderation.queue_counts(moderator) == {"pending": 2, "flagged": 1, "spam": 1, "trash": 1, "approved": 2}
    assert moderation.queue_counts(author) == {"pending": 1, "flagged": 0, "spam": 1, "trash": 0, "approved": 1}
    assert (moderation.pending_count(moderator), moderation.pending_count(author)) == (2, 1)
    with pytest.raises(ServiceError) as raised:
        moderation.queue_query("everything", moderator)
    assert raised.value.message == "Unknown queue 'everything'; use one of pending, flagged, spam, trash, approved."


def test_queues_filter_by_article_and_search_text_and_author_name(make_user, make_article):
    moderator = make_user("moderator")
    first, second = make_article(), make_article()
    cat = make_comment(first, "All about CATS.", make_guest("Pat"), rules=HELD)
    dog = make_comment(first, "Dogs only.", make_guest("Catherine"), rules=HELD)
    other = make_comment(second, "More cats.", make_guest("Sam"), rules=HELD)

    def ids(**filters):
        return {c.id for c in db.session.scalars(moderation.queue_query("pending", moderator, **filters))}

    assert ids(article=first) == {cat.id, dog.id}
    assert ids(search="cat") == {cat.id, dog.id, other.id}
    assert ids(search="  cats ") == {cat.id, other.id}
    assert ids(search="catherine") == {dog.id}
    assert ids(article=second, search="cat") == {other.id}
    assert ids(search="parrot") == set()


def test_load_context_fetches_parents_flags_and_history_in_three_queries(make_user, make_article, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    parent = make_comment(article, "Parent.", make_guest("Pam Parent"))
    replies = [make_comment(article, f"Reply {n}.", rules=HELD, parent=parent) for n in range(3)]
    moderation.flag_comment(parent, "user:1", "other", "Hmm.", OPEN)
    moderation.apply(replies[0], "spam", moderator)
    comments = [parent, *replies]
    db.session.expire_all()
    comments = [db.session.get(Comment, c.id) for c in comments]
    with count_queries() as counted:
        context = moderation.load_context(comments)
    assert counted.n == 3
    assert context["parents"] == {parent.id: parent}
    assert [(f.reason.value, f.remark) for f in context["flags"][parent.id]] == [("other", "Hmm.")]
    assert [e.action for e in context["events"][replies[0].id]] == ["submit", "spam"]
    assert context["events"][replies[0].id][-1].actor_label == moderator.name
    assert context["events"][replies[1].id][0].actor_label == "rule: hold_all"


# --- purge -----------------------------------------------------------------------------------


def test_purge_deletes_only_old_spam_without_replies_and_logs_each(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    old = make_comment(article, "Old spam.")
    moderation.flag_comment(old, "user:1", "spam", None, OPEN)
    moderation.moderator_edit(old, "Old spam, edited.", moderator, OPEN)
    moderation.apply(old, "spam", moderator)
    young = moderation.apply(make_comment(article, "Young spam."), "spam", moderator)
    parent = make_comment(article, "Answered spam.")
    make_comment(article, "A reply.", parent=parent)
    moderation.apply(parent, "spam", moderator)
    trash = moderation.apply(make_comment(article, "Old trash."), "trash", moderator, "other")
    fine = make_comment(article, "Old and fine.")
    for comment in (old, parent, trash, fine):
        _age(comment.id, 40)
    _age(young.id, 10)
    old_id, logged = old.id, len(_events(old.id))

    result = moderation.purge(S, timedelta(days=30))
    assert (result.deleted, result.kept_with_replies) == (1, 1)
    assert _stored(old_id) is None
    assert all(_stored(c.id) is not None for c in (young, parent, trash, fine))
    # The purged comment's history stays, detached; the purge itself is logged.
    assert _events(old_id) == []
    detached = db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.comment_id.is_(None)).order_by(ModerationEvent.id)
    ).all()
    assert [e.action for e in detached] == ["submit", "edit", "spam", "purge"] and len(detached) == logged + 1
    purge_event = detached[-1]
    assert (purge_event.actor_id, purge_event.actor_rule, purge_event.from_status, purge_event.to_status) == (
        None,
        "purge",
        "spam",
        None,
    )
    assert purge_event.remark == f"comment {old_id} purged by command line"
    assert (_count(Flag), _count(CommentRevision)) == (0, 0)


def test_purge_refuses_anything_but_spam_and_trash(make_article):
    _age(make_comment(make_article()).id, 90)
    for status in (P, A):
        with pytest.raises(ServiceError) as raised:
            moderation.purge(status, timedelta(days=1))
        assert raised.value.message == "Only spam and trash can be purged."
    assert _count(Comment) == 1 and _events()[-1][2] == "submit"


def test_the_purge_command_takes_a_queue_and_an_age(runner, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    trash = moderation.apply(make_comment(article, "Old trash."), "trash", moderator, "other")
    trash_id = trash.id
    _age(trash_id, 3)
    result = runner.invoke(args=["moderation", "purge", "--status", "trash", "--older-than", "4d"])
    assert result.exit_code == 0, result.output
    assert result.output == "Purged 0 trash comment(s) older than 4d; kept 0 that still have replies.\n"
    result = runner.invoke(args=["moderation", "purge", "--status", "trash", "--older-than", "48h"])
    assert result.output == "Purged 1 trash comment(s) older than 48h; kept 0 that still have replies.\n"
    assert _stored(trash_id) is None
    for args, message in (
        (["--status", "pending"], "'pending' is not one of 'spam', 'trash'"),
        (
            ["--status", "spam", "--older-than", "soon"],
            "use a number with d (days), h (hours) or m (minutes), e.g. 30d",
        ),
    ):
        result = runner.invoke(args=["moderation", "purge", *args])
        assert result.exit_code == 2 and message in result.output


def test_purge_counts_the_age_from_when_the_comment_was_trashed(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Written long ago, trashed by mistake today.")
    _age(comment.id, 60)
    moderation.apply(comment, "trash", moderator, "other")
    assert moderation.purge(T, timedelta(days=30)).deleted == 0
    assert _stored(comment.id) is not None


def test_after_a_moderator_edit_the_writer_cannot_change_the_comment_back(make_user, make_article):
    from app.services.comments import check_can_change
    from app.services.errors import ServiceError

    writer = make_user("reader")
    comment = make_comment(make_article(), "Something abusive.", Writer(user=writer))
    check_can_change(comment, writer, set(), OPEN)  # the writer may, at first
    moderation.moderator_edit(comment, "[removed by a moderator]", make_user("moderator"), OPEN)
    with pytest.raises(ServiceError) as raised:
        check_can_change(comment, writer, set(), OPEN)
    assert (raised.value.status, raised.value.message) == (
        403,
        "A moderator has edited this comment, so it can no longer be changed.",
    )


def test_approving_a_comment_the_checks_held_teaches_it_ham_and_one_flags_hid_teaches_nothing(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    held_by_classifier = make_comment(article, "Check my words.", rules=HELD)
    held_by_classifier.reasons = [
        {"code": "classifier", "message": "Spam probability 93%", "action": "hold", "score": 0.93}
    ]
    db.session.commit()
    held_for_being_new = make_comment(article, "First time here.", rules=CommentRules(hold_until_approved=1))
    hidden_by_flags = make_comment(article, "Rude but not spam.")
    for reader in range(3):
        moderation.flag_comment(hidden_by_flags, f"user:{reader}", "abusive", None, OPEN)
    assert hidden_by_flags.status is CommentStatus.pending
    for comment in (held_by_classifier, held_for_being_new, hidden_by_flags):
        moderation.apply(comment, "approve", moderator)
    run_tasks()
    assert _stored(held_by_classifier.id).trained_as == "ham"
    assert _stored(held_for_being_new.id).trained_as == "ham"
    assert _stored(hidden_by_flags.id).trained_as is None
