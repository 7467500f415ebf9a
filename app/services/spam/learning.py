"""Learning from moderators: each spam or not-spam verdict is counted into the site's token counts, and an
opposite earlier lesson about the same comment is taken back first."""

from collections.abc import Iterable

from app.extensions import db
from app.models import Comment
from app.services.spam.counts import add_counts, subtract_counts
from app.services.spam.tokens import comment_tokens, tokenise


def learn_tokens(tokens: Iterable[str], is_spam: bool) -> None:
    """Count one comment's tokens as spam or ham, in the caller's transaction."""
    pair = (1, 0) if is_spam else (0, 1)
    add_counts({token: pair for token in set(tokens)}, *pair)


def unlearn_tokens(tokens: Iterable[str], is_spam: bool) -> None:
    """Take back an earlier `learn_tokens` of the same tokens, in the caller's transaction."""
    subtract_counts(tokens, is_spam)


def learn(text: str, is_spam: bool, name: str = "", website: str | None = None) -> None:
    """Learn one comment as spam or ham (the caller commits)."""
    learn_tokens(tokenise(text, name, website), is_spam)


def unlearn(text: str, is_spam: bool, name: str = "", website: str | None = None) -> None:
    """Forget an earlier lesson about this exact comment (the caller commits)."""
    unlearn_tokens(tokenise(text, name, website), is_spam)


def on_spam_decision(comment: Comment, is_spam: bool, **_: object) -> None:
    """Learn from a moderator's verdict, taking back an opposite earlier lesson about the same comment.

    `apply()` commits the move before it sends the signal, so the lesson is committed here, with
    the comment's `trained_as` in the same transaction; a verdict repeated is not learned twice.
    """
    lesson = "spam" if is_spam else "ham"
    if comment.trained_as == lesson:
        return
    tokens = comment_tokens(comment)
    if comment.trained_as is not None:
        unlearn_tokens(tokens, comment.trained_as == "spam")
    learn_tokens(tokens, is_spam)
    comment.trained_as = lesson
    db.session.commit()
