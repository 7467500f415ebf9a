"""Who may do what. Every check takes the acting user (or None for a visitor) and plain objects."""

from typing import TypeGuard

from app.models import Article, Comment, Role, User

WRITER_ROLES = {Role.author, Role.admin}
STAFF_ROLES = {Role.moderator, Role.admin}


def is_signed_in(user: User | None) -> TypeGuard[User]:
    """A real account (Flask-Login's anonymous user is not one)."""
    return user is not None and getattr(user, "is_authenticated", False)


def can_write_articles(user: User | None) -> TypeGuard[User]:
    """Authors and admins write articles."""
    return is_signed_in(user) and user.role in WRITER_ROLES


def can_edit_article(user: User | None, article: Article) -> bool:
    """Admins edit any article; authors edit their own."""
    if not can_write_articles(user):
        return False
    return user.role is Role.admin or article.author_id == user.id


def can_view_article(user: User | None, article: Article) -> bool:
    """Published articles are public; drafts only to those who may edit them."""
    return article.is_published or can_edit_article(user, article)


def can_manage_users(user: User | None) -> bool:
    """Only admins change roles."""
    return is_signed_in(user) and user.role is Role.admin


def can_close_comments(user: User | None, article: Article) -> bool:
    """The article's author, moderators and admins open and close its comments."""
    if not is_signed_in(user):
        return False
    return user.role in STAFF_ROLES or (user.role is Role.author and article.author_id == user.id)


def can_add_note(user: User | None, article: Article) -> bool:
    """The article's author (the host, for a guest post) and admins write notes on it."""
    if not is_signed_in(user):
        return False
    return user.role is Role.admin or article.author_id == user.id


def can_handle_requests(user: User | None, article: Article) -> bool:
    """Correction requests go to whoever may write the notes that answer them."""
    return can_add_note(user, article)


def can_moderate_discussion(user: User | None, article: Article) -> bool:
    """Whether the user moderates the comments on this article, as `can_moderate` decides for each of them."""
    if not is_signed_in(user):
        return False
    return user.role in STAFF_ROLES or (user.role is Role.author and article.author_id == user.id)


def can_moderate(user: User | None, comment: Comment) -> bool:
    """Moderators and admins moderate every comment; authors those on their own articles."""
    if not is_signed_in(user):
        return False
    if user.role in STAFF_ROLES:
        return True
    return user.role is Role.author and comment.article.author_id == user.id


def can_pin(user: User | None, article: Article) -> bool:
    """The article's author (its owner, the host of a guest post) and moderators pin a comment to its top."""
    return can_moderate_discussion(user, article)


def is_staff(user: User | None) -> TypeGuard[User]:
    """Moderators and admins: they moderate every comment, see writers' emails and networks, and edit comments."""
    return is_signed_in(user) and user.role in STAFF_ROLES


def can_see_private(user: User | None) -> bool:
    """A writer's email and network are for moderators and admins only; authors moderate without them."""
    return is_staff(user)


def can_edit_comment(user: User | None, comment: Comment) -> bool:
    """Changing a reader's words is for moderators and admins: an author answers criticism, never rewrites it."""
    return is_staff(user)


def can_apply(user: User | None, comment: Comment, action: str, was_published: bool) -> bool:
    """Whether this user may move this comment by `action` (the state machine decides whether the move exists).

    Staff may do anything the states allow. The article's author moderates the comments on it, except that a
    comment readers have seen (`was_published`: published, or hidden by readers' flags) is removed with Trash,
    which readers see as removed by the author, and never marked as spam by the author (a spam verdict teaches
    the site's filter and leaves nothing in its place).
    """
    if not can_moderate(user, comment):
        return False
    if is_staff(user):
        return True
    return not (action == "spam" and was_published)


def can_use_desk(user: User | None) -> bool:
    """Who sees the moderation desk at all: staff, and authors (for their own articles)."""
    return is_signed_in(user) and user.role in STAFF_ROLES | {Role.author}
