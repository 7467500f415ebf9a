"""Helpful votes and pinned comments: what lifts a comment in its discussion.

A reader marks a published comment helpful once (no downvotes: they invite pile-ons). Readers are keyed as flags
key them: an account by its id, a guest by their network and browser cookie. Every vote is stored, but votes from
one network count once: a comment's count (`Comment.votes`) is the number of distinct networks among its votes,
so clearing cookies or making accounts on one network adds nothing. The count and the comment's place in the
"best" order (`models.comment.best_score`) are kept with the votes, in the same transaction; the comment changing
raises its discussion's version, so no prepared reading shows an old count.
"""

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Article, Comment, User, Vote
from app.services.audit import record_event
from app.services.errors import ServiceError
from app.services.permissions import can_pin


def user_voter_key(user: User) -> str:
    """An account votes as itself, whichever network it comes from."""
    return f"user:{user.id}"


def _counted() -> object:
    """What one counted vote is: its network, or for a vote stored without one, its reader."""
    return func.coalesce(Vote.ip_network, cast(Vote.voter_key, String))


def recount(comment_ids: Iterable[int]) -> None:
    """Count these comments' votes again (one per network) and put them in the "best" order accordingly."""
    ids = sorted(set(comment_ids))
    if not ids:
        return
    db.session.flush()
    counts = dict(
        db.session.execute(
            select(Vote.comment_id, func.count(func.distinct(_counted())))
            .where(Vote.comment_id.in_(ids))
            .group_by(Vote.comment_id)
        ).all()
    )
    for comment in db.session.scalars(select(Comment).where(Comment.id.in_(ids))):
        count = int(counts.get(comment.id, 0))
        if comment.votes != count:
            comment.votes = count  # and its best_score with it (models.comment)


def _check_votable(comment: Comment, user: User | None, own_ids: AbstractSet[int]) -> None:
    if not comment.is_public:
        raise ServiceError("Only published comments can be marked helpful.", code="not_votable", status=409)
    if (user is not None and comment.user_id == user.id) or (comment.user_id is None and comment.id in own_ids):
        raise ServiceError("You cannot mark your own comment helpful.", code="own_comment", status=403)


def vote(
    comment: Comment,
    voter_key: str,
    *,
    user: User | None = None,
    ip_network: str | None = None,
    own_ids: AbstractSet[int] = frozenset(),
) -> Comment:
    """Mark a published comment helpful, once per reader (409 `already_voted` after). `own_ids`: the comments a guest
    proves they wrote, which they may not vote on, as an account may not vote on its own."""
    _check_votable(comment, user, own_ids)
    already = db.session.scalar(select(Vote.id).where(Vote.comment_id == comment.id, Vote.voter_key == voter_key))
    if already is not None:
        raise ServiceError("You have already marked this comment helpful.", code="already_voted", status=409)
    db.session.add(
        Vote(comment_id=comment.id, voter_key=voter_key, user_id=user.id if user else None, ip_network=ip_network)
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("You have already marked this comment helpful.", code="already_voted", status=409) from None
    recount([comment.id])
    db.session.commit()
    return comment


def take_back(comment: Comment, voter_key: str) -> Comment:
    """Take back one's helpful vote (404 `no_vote` when there is none)."""
    found = db.session.scalar(select(Vote).where(Vote.comment_id == comment.id, Vote.voter_key == voter_key))
    if found is None:
        raise ServiceError("You have not marked this comment helpful.", code="no_vote", status=404)
    db.session.delete(found)
    recount([comment.id])
    db.session.commit()
    return comment


def has_voted(comment: Comment, voter_key: str) -> bool:
    """Whether this reader's vote on the comment is stored."""
    return (
        db.session.scalar(select(Vote.id).where(Vote.comment_id == comment.id, Vote.voter_key == voter_key)) is not None
    )


def voted_among(voter_key: str, comment_ids: Iterable[int]) -> set[int]:
    """Which of these comments this reader marked helpful (one query): their pressed buttons on a page."""
    ids = sorted(set(comment_ids))
    if not ids:
        return set()
    return set(db.session.scalars(select(Vote.comment_id).where(Vote.voter_key == voter_key, Vote.comment_id.in_(ids))))


def voted_on_article(voter_key: str, article: Article) -> bool:
    """Whether this reader has any vote on the article's comments: only then is their page of it their own."""
    found = db.session.scalar(
        select(Vote.id)
        .join(Comment, Comment.id == Vote.comment_id)
        .where(Vote.voter_key == voter_key, Comment.article_id == article.id)
        .limit(1)
    )
    return found is not None


def shown_votes(comment: Comment) -> int:
    """The count readers see: none on a comment that is not published (removed, held, deleted)."""
    return comment.votes if comment.is_public else 0


def erase_votes(votes: Iterable[Vote]) -> int:
    """Delete these votes (a person's, with their data) and count their comments again. The caller commits."""
    rows = list(votes)
    comment_ids = {vote.comment_id for vote in rows}
    if rows:
        db.session.execute(delete(Vote).where(Vote.id.in_([vote.id for vote in rows])))
        recount(comment_ids)
    return len(rows)


# --- pins ------------------------------------------------------------------------------------


def pinned_comment(article: Article) -> Comment | None:
    """The article's pinned comment, while it is published."""
    comment = db.session.scalar(select(Comment).where(Comment.article_id == article.id, Comment.pinned_by.is_not(None)))
    return comment if comment is not None and comment.is_public else None


def _pinner(user: User | None, article: Article) -> User:
    if user is None or not can_pin(user, article):
        raise ServiceError("Only the article's author and moderators pin comments.", code="forbidden", status=403)
    return user


def pin(comment: Comment, user: User | None) -> Comment:
    """Pin a published top-level comment to the top of its discussion, in place of any other; logged as "pin"."""
    article = comment.article
    pinner = _pinner(user, article)
    if not comment.is_public:
        raise ServiceError("Only published comments can be pinned.", code="not_pinnable", status=409)
    if comment.parent_id is not None:
        raise ServiceError(
            "Only a comment that starts a thread can be pinned; replies stay under it.", code="not_pinnable", status=409
        )
    kind = "author" if article.author_id == pinner.id else "moderator"
    if comment.pinned_by == kind:
        return comment
    status = comment.status.value
    for other in db.session.scalars(
        select(Comment).where(
            Comment.article_id == article.id, Comment.pinned_by.is_not(None), Comment.id != comment.id
        )
    ):
        other.pinned_by = None
        record_event(
            other, "unpin", other.status.value, other.status.value, actor=pinner, remark="Another comment pinned"
        )
    db.session.flush()  # the old pin goes before the new one takes its place (one per article)
    comment.pinned_by = kind
    record_event(comment, "pin", status, status, actor=pinner)
    db.session.commit()
    return comment


def unpin(comment: Comment, user: User | None) -> Comment:
    """Unpin a comment (404 `not_pinned` when it is not pinned); logged as "unpin"."""
    pinner = _pinner(user, comment.article)
    if comment.pinned_by is None:
        raise ServiceError("This comment is not pinned.", code="not_pinned", status=404)
    comment.pinned_by = None
    record_event(comment, "unpin", comment.status.value, comment.status.value, actor=pinner)
    db.session.commit()
    return comment
