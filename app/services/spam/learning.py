"""Learning from moderators: each spam or not-spam verdict is kept as an example and taught to the model as
one lesson, by a `spam.learn` task run after the moderator's answer (app/services/tasks.py); a reversed verdict
supersedes the earlier example and its lesson leans twice as hard the other way. `flask spam retrain`
(spam.training) rebuilds the model from the examples exactly.
"""

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Comment, CommentStatus, SpamExample
from app.models.types import utcnow
from app.services.spam.features import Vector, vectorise
from app.services.spam.storage import WRITE_ATTEMPTS, current_model, forget_cached, save_version
from app.services.tasks import cancel, enqueue

MODERATOR = "moderator"
LEARN_TASK = "spam.learn"


@dataclass(frozen=True)
class Lesson:
    """What one example teaches: its features and label, how hard (2 undoes an opposite lesson), and whether
    it is a new moderator decision (which the learning minimum counts)."""

    vector: Vector
    is_spam: bool
    example_id: int
    weight: float = 1.0
    new_decision: bool = False


def teach(lessons: list[Lesson], kind: str, note: str = "") -> int | None:
    """Apply lessons to the newest model and store the result as the next version (caller commits).

    If another process adds a version meanwhile, the lessons are applied again on top of that one; after
    WRITE_ATTEMPTS tries the examples stay stored, for the next retraining, and None is returned.
    """
    use_shipped = bool(current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True))
    for _ in range(WRITE_ATTEMPTS):
        version, current = current_model(use_shipped, fresh=True)
        model = current.copy()
        for lesson in lessons:
            model.learn(lesson.vector, lesson.is_spam, lesson.weight)
            model.decisions += 1 if lesson.new_decision else 0
            model.examples_through = max(model.examples_through, lesson.example_id)
        saved = save_version(model, kind, note, expected=version)
        if saved is not None:
            return saved
        forget_cached()
    current_app.logger.warning("The spam model was not updated (other processes kept writing); retrain it later.")
    return None


def keep_example(comment: Comment, is_spam: bool) -> SpamExample:
    """Keep a moderator's verdict as an example, superseding the comment's earlier one (caller commits)."""
    db.session.execute(
        update(SpamExample)
        .where(SpamExample.comment_id == comment.id, SpamExample.superseded_at.is_(None))
        .values(superseded_at=utcnow())
    )
    example = SpamExample(
        comment_id=comment.id,
        origin=MODERATOR,
        is_spam=is_spam,
        body=comment.body,
        name=comment.writer_name,
        website=comment.writer_website,
    )
    db.session.add(example)
    db.session.flush()
    return example


def on_spam_decision(comment: Comment, is_spam: bool, **_: object) -> None:
    """Queue the lesson of a moderator's verdict, in the moderator's transaction: it is learned after the answer.

    A verdict the comment has already taught is not queued again (trashing and restoring spam teaches nothing).
    """
    if comment.trained_as != ("spam" if is_spam else "ham"):
        enqueue(LEARN_TASK, {"comment_id": comment.id, "is_spam": is_spam})


def on_verdict_undone(comment: Comment, is_spam: bool, **_: object) -> None:
    """Take back a verdict a moderator undid (moderation.undo), in the undo's transaction: its lesson is dropped
    when it has not run yet; otherwise a task unlearns it after the answer."""
    lesson = {"comment_id": comment.id, "is_spam": is_spam}
    if not cancel(LEARN_TASK, lesson):
        enqueue(LEARN_TASK, {**lesson, "undo": True})


def learn_from_task(payload: dict[str, Any]) -> None:
    """The `spam.learn` task: learn the verdict in the payload about the comment, unless it is gone (purged)
    or a later verdict has overruled it.

    Where the comment stands tells: a spam verdict holds while it is in spam or trash, a not-spam one while
    it is out of spam. So when two opposite verdicts come quickly and two runners take their tasks in the
    wrong order, the overruled one teaches nothing, and the model ends where the moderators did.
    """
    comment = db.session.get(Comment, int(payload["comment_id"]))
    if comment is None:
        return
    is_spam = bool(payload["is_spam"])
    if payload.get("undo"):
        unlearn(comment, is_spam)
        return
    in_spam = comment.status is CommentStatus.spam
    overruled = not (in_spam or comment.status is CommentStatus.trash) if is_spam else in_spam
    if not overruled:
        learn(comment, is_spam)


def learn(comment: Comment, is_spam: bool) -> None:
    """Learn from a moderator's verdict, leaning the other way twice as hard when it reverses an earlier one
    (caller commits).

    The comment's `trained_as` records the lesson in the same transaction, so a verdict repeated, or a task
    run twice, is not learned twice.
    """
    lesson = "spam" if is_spam else "ham"
    if comment.trained_as == lesson:
        return
    reversal = comment.trained_as is not None
    example = keep_example(comment, is_spam)
    vector = vectorise(comment.body, comment.writer_name, comment.writer_website)
    taught = Lesson(vector, is_spam, example.id, weight=2.0 if reversal else 1.0, new_decision=not reversal)
    teach([taught], "lesson", f"comment {comment.id}: {lesson}")
    # The process's copy of the model is read again at the next score: if this transaction is rolled back,
    # the version just remembered never existed.
    forget_cached()
    comment.trained_as = lesson


def unlearn(comment: Comment, is_spam: bool) -> None:
    """Take back a lesson the comment taught, when its verdict was undone (caller commits): the model leans the
    other way as hard as the lesson did, the example is superseded, and the verdict before it (if any) stands
    again. A lesson never taught (the comment's `trained_as` says another) is left alone, so a task run twice
    unlearns once."""
    lesson = "spam" if is_spam else "ham"
    if comment.trained_as != lesson:
        return
    examples = db.session.scalars(
        select(SpamExample)
        .where(SpamExample.comment_id == comment.id, SpamExample.origin == MODERATOR)
        .order_by(SpamExample.id.desc())
        .limit(2)
    ).all()
    current = examples[0] if examples and examples[0].superseded_at is None else None
    earlier = examples[1] if current is not None and len(examples) > 1 else None
    # A lesson that reversed an earlier verdict leaned twice as hard (see `learn`): the earlier verdict returns.
    reversal = earlier is not None and earlier.is_spam is not is_spam
    vector = vectorise(comment.body, comment.writer_name, comment.writer_website)
    example_id = current.id if current is not None else 0
    teach(
        [Lesson(vector, not is_spam, example_id, weight=2.0 if reversal else 1.0)],
        "lesson",
        f"comment {comment.id}: undo {lesson}",
    )
    forget_cached()
    if current is not None:
        current.superseded_at = utcnow()
    if reversal and earlier is not None:
        earlier.superseded_at = None
        comment.trained_as = "spam" if earlier.is_spam else "ham"
    else:
        comment.trained_as = None


def site_decisions() -> int:
    """How many comments moderators have judged spam or not spam (their latest verdict each)."""
    return (
        db.session.scalar(
            select(func.count(SpamExample.id)).where(
                SpamExample.origin == MODERATOR, SpamExample.superseded_at.is_(None)
            )
        )
        or 0
    )
