"""The version of each article's discussion, raised in the same transaction as any change to what it shows.

A thread read is the same bytes for every reader until a comment on the article is posted, edited, moderated or
removed, a note starts or stops citing one, the article changes, a commenter's role changes (their badge) or
address changes (their avatar's colour), or an admin turns Gravatar pictures on or off (every avatar).
Every such change goes through the ORM session, so one listener on every flush sees them all and raises
`Article.discussion_version` of the articles concerned with one UPDATE (`discussion_version + 1`, so two
processes writing at once both count). A reading prepared for a version may be served again while the version
stands: every process reads the version from the database, so none serves a thread another has changed.

Writes that bypass the session's objects (bulk UPDATE and DELETE statements) call `bump_discussions` themselves.
"""

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, event, inspect, select, update
from sqlalchemy.orm import Session, UOWTransaction

from app.models.article import Article
from app.models.comment import Comment
from app.models.moderation import Setting
from app.models.note import Note, NoteCitation
from app.models.user import User

# The attributes of an article its discussion shows or depends on (its slug is in every link; its author's
# comments carry the Author badge, or Site host when the byline names a guest; an embedded thread's links lead to
# its page, and its title and address show in its frame). Counters kept beside them (comment_count) are not among them.
_ARTICLE_FIELDS = (
    "slug",
    "title",
    "author_id",
    "guest_author_name",
    "status",
    "comments_open",
    "comments_closed_reason",
    "page_url",
    "thread_key",
)
# A commenter's role decides their badge on every article they commented on; their address, their avatar's colour;
# whether the account stands, the link from their name to their page (/people/<id>).
_USER_FIELDS = ("role", "email", "active", "deleted_at")
# Settings that change how every discussion looks: Gravatar pictures over the avatars (services.avatars).
_DISCUSSION_SETTINGS = frozenset({"gravatar"})


_ARTICLES = Article.__table__
_BUMP_ALL = update(_ARTICLES).values(discussion_version=_ARTICLES.c.discussion_version + 1)
# Built once, the ids bound on each use.
_BUMP_SOME = _BUMP_ALL.where(_ARTICLES.c.id.in_(bindparam("ids", expanding=True)))


def bump_discussions(connection: Connection, article_ids: Iterable[int] | None) -> None:
    """Raise the discussion version of these articles (of every article when None)."""
    if article_ids is None:
        connection.execute(_BUMP_ALL)
        return
    ids = sorted(set(article_ids))
    if ids:
        connection.execute(_BUMP_SOME, {"ids": ids})


def _changed(session: Session, target: object, fields: tuple[str, ...] | None = None) -> bool:
    if fields is None:
        return session.is_modified(target)
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _changes_every_discussion(session: Session, target: object) -> bool:
    """A commenter's role, address or standing, or a setting every avatar follows."""
    if isinstance(target, User):
        return _changed(session, target, _USER_FIELDS)
    return isinstance(target, Setting) and target.key in _DISCUSSION_SETTINGS and _changed(session, target, ("value",))


@event.listens_for(Session, "after_flush")
def _raise_discussion_versions(session: Session, flush_context: UOWTransaction) -> None:
    articles: set[int] = set()
    notes: set[int] = set()
    everything = False
    for target in (*session.new, *session.deleted):
        if isinstance(target, Comment | Note | NoteCitation):
            # Read from the object's own state: a deleted row cannot be loaded again. Not at hand, every
            # discussion goes up rather than one being missed.
            known = vars(target)  # the loaded attributes, as the ORM keeps them
            key = "note_id" if isinstance(target, NoteCitation) else "article_id"
            if known.get(key) is None:
                everything = True
            else:
                (notes if key == "note_id" else articles).add(known[key])
        elif isinstance(target, Setting) and target.key in _DISCUSSION_SETTINGS:
            everything = True
    for target in session.dirty:
        if isinstance(target, Comment | Note) and _changed(session, target):
            articles.add(target.article_id)
        elif isinstance(target, Article) and _changed(session, target, _ARTICLE_FIELDS):
            articles.add(target.id)
        elif _changes_every_discussion(session, target):
            everything = True
    if not (articles or notes or everything):
        return
    connection = session.connection()
    if notes:
        articles.update(connection.scalars(select(Note.article_id).where(Note.id.in_(notes))))
    bump_discussions(connection, None if everything else articles)
