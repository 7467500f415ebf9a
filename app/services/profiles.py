"""A person's public page (/people/<id>): what every reader may already see of an account, gathered in one place.

Nothing private: no address, no held, spam, trashed or deleted comment (not even to the account's owner, whose
account page shows the rest), no network. A deactivated or deleted account has no page.
"""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Article, ArticleStatus, Comment, Note, Role, User
from app.models.types import MAX_ID
from app.services.feeds import public_comments

# What the page says of an account's role: staff only; a reader's page shows no badge.
ROLE_BADGES = {Role.author: "Author", Role.moderator: "Moderator", Role.admin: "Admin"}
# Notes shown on a person's page, newest first; the count says how many there are in all.
NOTES_SHOWN = 20


@dataclass(frozen=True)
class SignedNotes:
    """The newest notes an account signed on published articles (with their articles), and how many in all."""

    notes: list[Note]
    total: int


def public_account(user_id: int) -> User | None:
    """The account whose page this is, if it has one: active and not deleted."""
    if not 0 < user_id <= MAX_ID:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def comments_by(user: User) -> Select[Comment]:
    """The account's public comments, newest first, with their articles."""
    return public_comments().where(Comment.user_id == user.id)


def _notes_by(user: User) -> Select[Note]:
    return (
        select(Note)
        .join(Article, Article.id == Note.article_id)
        .where(Note.author_id == user.id, Article.status == ArticleStatus.published)
    )


def notes_by(user: User, limit: int = NOTES_SHOWN) -> SignedNotes:
    """The newest notes the account signed on published articles, retracted ones included (readers see them
    struck through), and their number."""
    query = _notes_by(user)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    notes = (
        list(
            db.session.scalars(
                query.options(joinedload(Note.article)).order_by(Note.created_at.desc(), Note.id.desc()).limit(limit)
            )
        )
        if total
        else []
    )
    return SignedNotes(notes, total)


def role_badge(user: User) -> str | None:
    """The badge the page shows for a staff account ("Author", "Moderator", "Admin"); None for a reader."""
    return ROLE_BADGES.get(user.role)
