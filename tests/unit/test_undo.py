"""moderation.undo: one click takes back a desk action, as a logged move naming it, with its rules and the learner."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Article, Comment, CommentStatus, Flag, ModerationEvent, Task
from app.models.types import utcnow
from app.services import moderation
from app.services.errors import ServiceError
from app.services.settings import CommentRules
from app.services.spam.learning import LEARN_TASK
from tests.factories import HELD, make_comment, make_guest, run_tasks

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
SPAMMY = "Zebra quokka wombat gallery tickets, this weekend only"


def _last_event(comment_id: int) -> ModerationEvent:
    return db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.comment_id == comment_id).order_by(ModerationEvent.id.desc())
    ).first()


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _learn_tasks() -> list[dict]:
    return [t.payload for t in db.session.scalars(select(Task).where(Task.kind == LEARN_TASK, Task.done_at.is_(None)))]


@pytest.mark.parametrize("start", [P, A, S, T], ids=lambda s: s.value)
def test_every_action_from_every_state_is_undone_back_to_where_it_was(make_user, make_article, start):
    moderator = make_user("moderator")
    article = make_article()
    for action, (sources, _) in moderation.ACTIONS.items():
        if start not in sources:
            continue
        comment = make_comment(article, status=start, moderator=moderator)
        count_before = db.session.get(Article, article.id).comment_count
        moderation.apply(comment, action, moderator, "abusive" if action == "trash" else None)
        moved = _last_event(comment.id)
        version = db.session.get(Article, article.id).discussion_version
        result = moderation.undo(moved.id, moderator)
        assert not result.already
        stored = _stored(comment.id)
        assert stored.status is start, action
        undo = _last_event(comment.id)
        assert (undo.action, undo.actor_id, undo.undoes_id, undo.from_status, undo.to_status, undo.reason) == (
            "undo",
            moderator.id,
            moved.id,
            moved.to_status,
            start.value,
            action,
        )
        refreshed = db.session.get(Article, article.id)
        assert refreshed.comment_count == count_before, action
        assert refreshed.discussion_version > version, action


def test_a_second_undo_changes_nothing_and_says_already(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), status=P)
    moderation.apply(comment, "approve", moderator)
    moved = _last_event(comment.id)
    moderation.undo(moved.id, moderator)
    events = db.session.scalars(select(ModerationEvent.id)).all()
    again = moderation.undo(moved.id, moderator)
    assert again.already and _stored(comment.id).status is P
    assert db.session.scalars(select(ModerationEvent.id)).all() == events


def test_only_the_moderator_who_acted_or_an_admin_may_undo(make_user, make_article):
    moderator, other, admin = make_user("moderator"), make_user("moderator"), make_user("admin")
    comment = make_comment(make_article(), status=P)
    moderation.apply(comment, "trash", moderator, "abusive")
    moved = _last_event(comment.id)
    with pytest.raises(ServiceError) as raised:
        moderation.undo(moved.id, other)
    assert (raised.value.status, raised.value.code) == (403, "forbidden")
    assert raised.value.message == "Only the moderator who acted, or an admin, can undo it."
    assert _stored(comment.id).status is T
    moderation.undo(moved.id, admin)
    assert _stored(comment.id).status is P


def test_a_comment_moved_since_or_an_old_action_is_refused(make_user, make_article):
    first, second = make_user("moderator", name="Mo First"), make_user("moderator", name="Sam Second")
    comment = make_comment(make_article(), status=P)
    moderation.apply(comment, "approve", first)
    moved = _last_event(comment.id)
    moderation.apply(comment, "trash", second, "abusive")
    with pytest.raises(ServiceError) as raised:
        moderation.undo(moved.id, first)
    assert (raised.value.status, raised.value.code) == (409, "moved_since")
    assert raised.value.message == (
        f"Comment {comment.id} has changed since (Sam Second: trash); it stays trash. "
        "Use the desk's actions to move it."
    )
    assert _stored(comment.id).status is T

    late = make_comment(make_article(), status=P)
    moderation.apply(late, "approve", first)
    old = _last_event(late.id)
    db.session.execute(
        update(ModerationEvent.__table__)
        .where(ModerationEvent.id == old.id)
        .values(created_at=utcnow() - moderation.UNDO_WINDOW - timedelta(seconds=1))
    )
    db.session.commit()
    with pytest.raises(ServiceError) as raised:
        moderation.undo(old.id, first)
    assert raised.value.code == "too_late" and "10 minutes" in raised.value.message
    assert _stored(late.id).status is A


def test_what_is_not_a_move_cannot_be_undone(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), status=P)
    moderation.apply(comment, "approve", moderator)
    moderation.undo(_last_event(comment.id).id, moderator)
    undo_event = _last_event(comment.id)
    with pytest.raises(ServiceError) as raised:
        moderation.undo(undo_event.id, moderator)
    assert raised.value.code == "not_undoable"
    with pytest.raises(ServiceError) as raised:
        moderation.undo(999_999, moderator)
    assert (raised.value.status, raised.value.code) == (404, "not_found")


def test_undo_reopens_the_flags_the_action_resolved(make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    rules = CommentRules(flag_threshold=1)
    moderation.flag_comment(comment, "user:a", "abusive", None, rules)
    assert _stored(comment.id).status is P  # hidden by the flag
    moderation.apply(comment, "trash", moderator, "abusive")
    moderation.undo(_last_event(comment.id).id, moderator)
    flag = db.session.scalars(select(Flag)).one()
    assert (flag.resolved_at, flag.resolution) == (None, None)
    assert _stored(comment.id).status is P and moderation.seen_by_readers(_stored(comment.id))


def test_undoing_an_authors_approval_of_removed_comment_shows_it_removed_again(make_user, make_article):
    author, admin = make_user("author"), make_user("admin")
    comment = make_comment(make_article(author=author))  # published: readers have seen it
    moderation.apply(comment, "trash", author, "off_topic")
    assert _stored(comment.id).removed_by_author
    moderation.apply(comment, "approve", admin)
    assert not _stored(comment.id).removed_by_author
    moderation.undo(_last_event(comment.id).id, admin)
    stored = _stored(comment.id)
    assert stored.status is T and stored.removed_by_author


def test_a_bulk_action_is_undone_at_once(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comments = [make_comment(article, status=P) for _ in range(3)]
    moderation.apply_many([c.id for c in comments], "approve", moderator)
    events = moderation.last_moves(comments, moderator)
    assert len(events) == 3
    done, problems = moderation.undo_many(events, moderator)
    assert problems == [] and len(done) == 3
    assert [_stored(c.id).status for c in comments] == [P, P, P]


# --- the spam learner ------------------------------------------------------------------------


@pytest.fixture
def unscreened(app):
    app.config["SPAM_CLASSIFIER_ENABLED"] = False


def test_undoing_spam_before_the_lesson_ran_drops_the_lesson(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), SPAMMY, make_guest("Deal Maker"), HELD)
    moderation.apply(comment, "trash", moderator, "spam")
    moderation.apply(comment, "spam", moderator)
    assert _learn_tasks() == [{"comment_id": comment.id, "is_spam": True}]
    moderation.undo(_last_event(comment.id).id, moderator)
    assert _learn_tasks() == []  # back in trash, where a queued spam lesson would still have been taught
    run_tasks()
    assert _stored(comment.id).trained_as is None


def test_undoing_spam_after_the_lesson_ran_unlearns_it(unscreened, make_user, make_article):
    from app.services.spam import classifier

    moderator = make_user("moderator")
    comment = make_comment(make_article(), SPAMMY, make_guest("Deal Maker"), HELD)
    before = classifier.classify(SPAMMY, "Deal Maker").probability
    moderation.apply(comment, "spam", moderator)
    run_tasks()
    taught = classifier.classify(SPAMMY, "Deal Maker").probability
    assert _stored(comment.id).trained_as == "spam" and taught > before + 0.2
    moderation.undo(_last_event(comment.id).id, moderator)
    assert _learn_tasks() == [{"comment_id": comment.id, "is_spam": True, "undo": True}]
    run_tasks()
    assert _stored(comment.id).trained_as is None
    assert abs(classifier.classify(SPAMMY, "Deal Maker").probability - before) < abs(taught - before) / 2
    run_tasks()  # nothing left to run twice


def test_undoing_not_spam_after_a_spam_verdict_returns_to_the_spam_verdict(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), SPAMMY, make_guest("Deal Maker"), HELD)
    moderation.apply(comment, "spam", moderator)
    run_tasks()
    moderation.apply(comment, "not_spam", moderator)
    run_tasks()
    assert _stored(comment.id).trained_as == "ham"
    moderation.undo(_last_event(comment.id).id, moderator)
    run_tasks()
    stored = _stored(comment.id)
    assert stored.status is S and stored.trained_as == "spam"
