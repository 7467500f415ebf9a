"""Reading a discussion: what each viewer sees of it (in full, awaiting moderation, or a placeholder), a page
of threads, one thread on pages of its own, and where a comment is.

The work of every read is bounded by what the reader asked for, never by what writers posted. A page shows
at most `per_page` threads and `limit` comments in all (threads and replies together), and of each thread
at most `replies` replies: the first ones written, nested as they answer each other. The rest of a long
thread is read on the thread's own pages, `replies` at a time, in the order they were written. Whether a
removed comment leaves a placeholder is decided row by row from stored columns (`visible_replies`,
`removed_by_author`, kept on every write), so no query reads the whole discussion, and the number of
queries does not depend on its size.
"""

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.util import AliasedClass

from app.extensions import db
from app.models import Article, Comment, CommentStatus, User
from app.services import badges
from app.services.badges import Badge

P, A, S = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam
# The defaults: threads on a page of the discussion, replies of one thread shown at once, comments on a page.
PER_PAGE = 50
REPLIES = 50
LIMIT = 300
_NO_CUTOFF = 2**63 - 1  # above every id a database can hold

_Model = type[Comment] | AliasedClass[Comment]


@dataclass
class CommentNode:
    """A comment as a reader sees it: in full, as 'awaiting moderation' to its writer, or as a placeholder."""

    comment: Comment
    removed: bool = False
    pending: bool = False
    # Pending and shown to a moderator of the discussion (not its writer): held, with the reasons, and their tools.
    held: bool = False
    badge: Badge | None = None
    # Set when the comment answers one other than the comment it hangs under: past the depth limit, or on a
    # thread's later page, where what it answers may be on an earlier page (`in_reply_to_here` is then False).
    in_reply_to: Comment | None = None
    in_reply_to_removed: bool = False
    in_reply_to_here: bool = True
    replies: list["CommentNode"] = field(default_factory=list)
    # For a placeholder: who removed it, "author" (the article's author), "writer" or "moderation".
    removed_by: str | None = None
    # On a thread's first comment: how many of the thread's visible replies the page does not show, and,
    # when the thread goes on past the page, where: on its own page after reply `continue_after` (None: from
    # its start).
    hidden_replies: int = 0
    continues: bool = False
    continue_after: int | None = None

    @property
    def id(self) -> int:
        return self.comment.id


@dataclass
class ThreadPage:
    """One page of top-level threads, each with the replies this page shows of it; or one thread on its own."""

    threads: list[CommentNode]
    page: int
    per_page: int
    total_threads: int
    count: int
    order: str
    # One thread on its own: the id of its first comment, and where its earlier and later replies are.
    thread: int | None = None
    earlier: int | None = None
    later: int | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_threads // self.per_page))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def prev_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


@dataclass(frozen=True)
class Location:
    """Where a comment is shown: a page of the discussion, or a page of its thread (after reply `after`, or up to
    reply `before`)."""

    page: int
    thread: int | None = None
    after: int | None = None
    before: int | None = None


def badge_for(comment: Comment, article: Article) -> Badge | None:
    """The comment's badge on this article (app/services/badges.py)."""
    return badges.badge_for(comment.user if comment.user_id is not None else None, article)


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


# --- who sees what ---------------------------------------------------------------------------


class _Reader:
    """One viewer reading one article: which comments they see, as SQL conditions and in Python. A `moderator`
    of the discussion also sees every comment held for moderation (pending), marked as held."""

    def __init__(
        self, article: Article, viewer: User | None, guest_ids: AbstractSet[int], moderator: bool = False
    ) -> None:
        self.article = article
        self.user_id = _viewer_id(viewer)
        self.guest_ids = frozenset(guest_ids)
        self.moderator = moderator
        self._answered_by_own: CTE | None = None
        if self.user_id is not None or self.guest_ids or moderator:
            # The comments the viewer's own held ones (or, for a moderator, all held ones) answer, and their
            # ancestors: placeholders for this viewer only, so a held reply under a removed comment still has a
            # place to hang.
            mine = aliased(Comment)
            own = and_(mine.article_id == article.id, self._waiting(mine))
            above = aliased(Comment)
            answered = (
                select(above.id)
                .where(
                    or_(
                        above.id.in_(select(mine.parent_id).where(own)),
                        above.id.in_(select(mine.in_reply_to_id).where(own)),
                    )
                )
                .cte("answered_by_own", recursive=True)
            )
            up = aliased(Comment)
            self._answered_by_own = answered.union(
                select(up.parent_id).join(answered, up.id == answered.c.id).where(up.parent_id.is_not(None))
            )

    def _own(self, model: _Model) -> ColumnElement[bool]:
        """The viewer's own comment awaiting moderation (held, or caught as spam: to its writer, the same)."""
        mine: list[ColumnElement[bool]] = []
        if self.user_id is not None:
            mine.append(model.user_id == self.user_id)
        if self.guest_ids:
            mine.append(and_(model.user_id.is_(None), model.id.in_(self.guest_ids)))
        if not mine:
            return false()
        return and_(model.deleted_at.is_(None), model.status.in_([P, S]), or_(*mine))

    def _waiting(self, model: _Model) -> ColumnElement[bool]:
        """The held comments this viewer sees: their own, and for a moderator every pending one."""
        if not self.moderator:
            return self._own(model)
        return or_(self._own(model), and_(model.deleted_at.is_(None), model.status == P))

    def shown(self, model: _Model) -> ColumnElement[bool]:
        """Shown to this viewer: published; answered by something visible or removed by the article's author
        (a placeholder); the viewer's own held comment, or a comment it answers."""
        conditions = [
            and_(model.status == A, model.deleted_at.is_(None)),
            model.visible_replies > 0,
            and_(model.removed_by_author, model.deleted_at.is_(None)),
        ]
        if self._answered_by_own is not None:
            conditions += [self._waiting(model), model.id.in_(select(self._answered_by_own.c.id))]
        return or_(*conditions)

    def node(self, comment: Comment) -> CommentNode:
        """The comment as this viewer sees it (a row the queries above returned)."""
        if comment.is_public:
            return CommentNode(comment, badge=badge_for(comment, self.article))
        if comment.user_id is not None:
            mine = self.user_id is not None and comment.user_id == self.user_id
        else:
            mine = comment.id in self.guest_ids
        if comment.deleted_at is None and comment.status in {P, S} and mine:
            return CommentNode(comment, pending=True, badge=badge_for(comment, self.article))
        if comment.deleted_at is None and comment.status is P and self.moderator:
            return CommentNode(comment, pending=True, held=True, badge=badge_for(comment, self.article))
        if comment.deleted_at is not None:
            removed_by = "writer"
        elif comment.removed_by_author:
            removed_by = "author"
        else:
            removed_by = "moderation"
        return CommentNode(comment, removed=True, removed_by=removed_by)

    def roots(self, model: _Model = Comment) -> ColumnElement[bool]:
        """The article's top-level comments this viewer sees (root_id is null exactly on them: the index on
        (article_id, root_id) finds them without reading the replies)."""
        return and_(model.article_id == self.article.id, model.root_id.is_(None), self.shown(model))

    def replies_of(self, head: _Model, model: _Model) -> ColumnElement[bool]:
        """The replies of thread `head` this viewer sees."""
        return and_(model.root_id == head.id, self.shown(model))


ORDERS = ("oldest", "newest", "best")


def _pinned(model: _Model) -> ColumnElement[bool]:
    """The article's pinned comment, while it is published: first in every order."""
    return and_(model.pinned_by.is_not(None), model.status == A, model.deleted_at.is_(None))


def _in_order(model: _Model, order: str) -> tuple[Any, ...]:
    """ORDER BY terms: the order a page of threads is read in (the order of the page's top-level comments), the
    pinned comment first. "best" is by `best_score` (helpful votes weighted by age, models.comment.best_score)."""
    first = case((_pinned(model), 0), else_=1)
    if order == "newest":
        return (first, model.created_at.desc(), model.id.desc())
    if order == "best":
        return (first, model.best_score.desc(), model.id)
    return (first, model.created_at, model.id)


def _before_in_order(root: Comment, order: str) -> ColumnElement[bool]:
    """Top-level comments that come before `root` in this order."""
    if root.pinned_by is not None and root.is_public:
        return false()
    if order == "newest":
        before = or_(
            Comment.created_at > root.created_at, and_(Comment.created_at == root.created_at, Comment.id > root.id)
        )
    elif order == "best":
        before = or_(
            Comment.best_score > root.best_score, and_(Comment.best_score == root.best_score, Comment.id < root.id)
        )
    else:
        before = or_(
            Comment.created_at < root.created_at, and_(Comment.created_at == root.created_at, Comment.id < root.id)
        )
    return or_(_pinned(Comment), before)


# --- a page of threads -----------------------------------------------------------------------


def _allotments(sizes: Iterable[tuple[int, int]], replies: int, room: int) -> dict[int, int]:
    """How many replies each thread shows, in page order: at most `replies` each, `room` in all."""
    allotted: dict[int, int] = {}
    for root_id, size in sizes:
        allotted[root_id] = min(size, replies, room)
        room -= allotted[root_id]
    return allotted


def _roots_page(
    reader: _Reader, page: int, per_page: int, order: str, replies: int
) -> tuple[Sequence[tuple[Comment, int, int]], int]:
    """The page's top-level comments, each with how many replies it has (counted up to `replies` + 1, so at
    most that many rows are read per thread) and its stored count of visible replies; and how many top-level
    comments the viewer sees in all (counted in the same query, or by a second one for a page past the end)."""
    reply = aliased(Comment)
    counted = (
        select(literal(1)).where(reader.replies_of(Comment, reply)).limit(replies + 1).correlate(Comment).subquery()
    )
    size = select(func.count()).select_from(counted).scalar_subquery()
    rows = db.session.execute(
        select(Comment, size, Comment.visible_replies, func.count().over())
        .where(reader.roots())
        .options(joinedload(Comment.user))
        .order_by(*_in_order(Comment, order))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    if rows:
        total = rows[0][3]
    elif page > 1:
        total = db.session.scalar(select(func.count()).select_from(Comment).where(reader.roots())) or 0
    else:
        total = 0
    return [(row[0], row[1], row[2]) for row in rows], total


def _first_replies(
    reader: _Reader, allotted: dict[int, int], short: tuple[int, int] | None, replies: int
) -> Sequence[Comment]:
    """The first `allotted[root]` replies of each thread the viewer sees, in the order they were written.

    Each thread's slice ends before its first reply not shown (found by an index scan of at most `replies`
    rows), so no thread is read further than the page shows of it. At most one thread, `short` (its id and
    share), shows fewer than `replies` while it has more: the one where the page's room ran out.
    """
    head, later = aliased(Comment), aliased(Comment)

    def first_not_shown(offset: int) -> ColumnElement[int]:
        return (
            select(later.id)
            .where(reader.replies_of(head, later))
            .order_by(later.id)
            .offset(offset)
            .limit(1)
            .correlate(head)
            .scalar_subquery()
        )

    cutoff: ColumnElement[int] = first_not_shown(replies)
    if short is not None:
        # Threads that fit whole have no reply at offset `replies` either; the short one gets its own offset.
        cutoff = case((head.id == short[0], first_not_shown(short[1])), else_=cutoff)
    # A thread that fits whole has no cutoff: every id is below the largest one a database can hold.
    plan = (
        select(head.id.label("root"), func.coalesce(cutoff, _NO_CUTOFF).label("cutoff"))
        .where(head.id.in_([root_id for root_id, share in allotted.items() if share > 0]))
        .subquery("plan")
    )
    # Equality on root_id and a range on id: the (root_id, id) index reads each thread's slice and no more.
    return db.session.scalars(
        select(Comment)
        .join(plan, and_(Comment.root_id == plan.c.root, Comment.id < plan.c.cutoff))
        .where(reader.shown(Comment))
        .options(joinedload(Comment.user))
    ).all()


def thread_page(
    article: Article,
    page: int = 1,
    per_page: int = PER_PAGE,
    order: str = "oldest",
    viewer: User | None = None,
    guest_ids: AbstractSet[int] = frozenset(),
    *,
    replies: int = REPLIES,
    limit: int = LIMIT,
    moderator: bool = False,
) -> ThreadPage:
    """A page of threads in two queries whatever the discussion's size: the page's top-level comments (with how
    many threads there are and how long each is, up to `replies`), and the replies the page shows. `moderator`:
    the viewer moderates this discussion, and sees its held comments too."""
    reader = _Reader(article, viewer, guest_ids, moderator)
    page = min(max(1, page), _NO_CUTOFF // max(1, per_page))  # an OFFSET the database can hold
    roots, total = _roots_page(reader, page, per_page, order, replies)
    sizes = {root.id: size for root, size, _ in roots}
    allotted = _allotments(sizes.items(), replies, max(0, limit - len(roots)))
    short = next(((root_id, n) for root_id, n in allotted.items() if 0 < n < min(sizes[root_id], replies)), None)
    rows = _first_replies(reader, allotted, short, replies)
    threads = _assemble(reader, [root for root, _, _ in roots], rows)
    shown_by_thread: dict[int, list[Comment]] = {}
    for comment in rows:
        shown_by_thread.setdefault(comment.root_id or comment.id, []).append(comment)
    for node, (root, size, visible) in zip(threads, roots, strict=True):
        shown = shown_by_thread.get(root.id, [])
        node.hidden_replies = max(0, visible - sum(comment.is_visible for comment in shown))
        if size > len(shown):
            node.continues = True
            node.continue_after = max((comment.id for comment in shown), default=None)
    return ThreadPage(threads, page, per_page, total, article.comment_count, order)


# --- one thread on its own -------------------------------------------------------------------


def thread_window(
    article: Article,
    root_id: int,
    after: int | None = None,
    before: int | None = None,
    *,
    per_page: int = PER_PAGE,
    order: str = "oldest",
    viewer: User | None = None,
    guest_ids: AbstractSet[int] = frozenset(),
    replies: int = REPLIES,
    moderator: bool = False,
) -> ThreadPage | None:
    """One thread on its own: its first comment and `replies` of its replies in the order they were written,
    from the start, after reply `after`, or up to reply `before`. None when the viewer does not see a thread
    starting at `root_id` on this article. Four queries whatever the thread's length."""
    reader = _Reader(article, viewer, guest_ids, moderator)
    reply = aliased(Comment)
    earlier: ColumnElement[bool] = false()
    later: ColumnElement[bool] = false()
    if before is not None:
        later = exists().where(reader.replies_of(Comment, reply), reply.id >= before)
    elif after is not None:
        earlier = exists().where(reader.replies_of(Comment, reply), reply.id <= after)
    found = db.session.execute(
        select(Comment, Comment.visible_replies, earlier, later)
        .where(Comment.id == root_id, reader.roots())
        .options(joinedload(Comment.user))
    ).first()
    if found is None:
        return None
    root, visible, has_earlier, has_later = found
    window: Select[Comment] = select(Comment).where(Comment.root_id == root.id, reader.shown(Comment))
    if before is not None:
        window = window.where(Comment.id < before).order_by(Comment.id.desc())
    else:
        window = window.where(Comment.id > (after or 0)).order_by(Comment.id)
    rows = list(db.session.scalars(window.options(joinedload(Comment.user)).limit(replies + 1)).all())
    if len(rows) > replies:
        rows = rows[:replies]
        has_earlier, has_later = (True, has_later) if before is not None else (has_earlier, True)
    rows.sort(key=lambda comment: comment.id)
    on_page = {root.id} | {comment.id for comment in rows}
    answered = {comment.in_reply_to_id or comment.parent_id for comment in rows} - on_page - {None}
    elsewhere = {
        comment.id: comment
        for comment in db.session.scalars(select(Comment).where(Comment.id.in_(answered)))  # one query, always
    }
    (node,) = _assemble(reader, [root], rows, elsewhere)
    node.hidden_replies = max(0, visible - sum(comment.is_visible for comment in rows))
    earlier_to: int | None
    later_from: int | None
    if rows:
        earlier_to, later_from = rows[0].id, rows[-1].id
    else:
        # Nothing in this window: the links go back to where the reader came from.
        earlier_to = after + 1 if after is not None else None
        later_from = before - 1 if before is not None else None
    node.continues, node.continue_after = bool(has_later), later_from
    position = db.session.scalar(
        select(func.count()).select_from(Comment).where(reader.roots(), _before_in_order(root, order))
    )
    return ThreadPage(
        [node],
        (position or 0) // per_page + 1,
        per_page,
        1,
        article.comment_count,
        order,
        thread=root.id,
        earlier=earlier_to if has_earlier else None,
        later=later_from if has_later else None,
    )


# --- building the tree -----------------------------------------------------------------------


def _assemble(
    reader: _Reader,
    roots: list[Comment],
    rows: Iterable[Comment],
    elsewhere: dict[int, Comment] | None = None,
) -> list[CommentNode]:
    """Nest the rows under the roots. A row whose parent is not on the page (a thread's later page) hangs under
    the thread's first comment and names what it answers, found among the rows or in `elsewhere`."""
    elsewhere = elsewhere or {}
    nodes = {root.id: reader.node(root) for root in roots}
    for comment in sorted(rows, key=lambda comment: (comment.created_at, comment.id)):
        nodes[comment.id] = reader.node(comment)
    for node in nodes.values():
        comment = node.comment
        if comment.parent_id is None:
            continue
        under = comment.parent_id if comment.parent_id in nodes else comment.root_id
        if under is None or under not in nodes:
            continue
        nodes[under].replies.append(node)
        answered_id = comment.in_reply_to_id or comment.parent_id
        if answered_id == under:
            continue
        answered = nodes[answered_id].comment if answered_id in nodes else elsewhere.get(answered_id)
        if answered is not None:
            node.in_reply_to = answered
            node.in_reply_to_here = answered_id in nodes
            node.in_reply_to_removed = not answered.is_public
    return [nodes[root.id] for root in roots]


# --- where a comment is ----------------------------------------------------------------------


def page_of(
    comment: Comment,
    per_page: int,
    order: str = "oldest",
    viewer: User | None = None,
    guest_ids: AbstractSet[int] = frozenset(),
    moderator: bool = False,
) -> int:
    """The page of the article's discussion on which this comment's thread appears."""
    reader = _Reader(comment.article, viewer, guest_ids, moderator)
    root = comment if comment.root_id is None else db.session.get(Comment, comment.root_id)
    if root is None:
        return 1
    before = db.session.scalar(
        select(func.count()).select_from(Comment).where(reader.roots(), _before_in_order(root, order))
    )
    return (before or 0) // per_page + 1


def locate(
    comment: Comment,
    per_page: int = PER_PAGE,
    order: str = "oldest",
    viewer: User | None = None,
    guest_ids: AbstractSet[int] = frozenset(),
    *,
    replies: int = REPLIES,
    limit: int = LIMIT,
    moderator: bool = False,
) -> Location:
    """Where the comment is shown: on its thread's page of the discussion when that page shows it, otherwise on
    a page of its thread starting with it. A few queries, each reading at most a page's worth of rows."""
    page = page_of(comment, per_page, order, viewer, guest_ids, moderator)
    if comment.root_id is None:
        return Location(page)
    reader = _Reader(comment.article, viewer, guest_ids, moderator)
    roots, _ = _roots_page(reader, page, per_page, order, replies)
    allotted = _allotments(((root.id, size) for root, size, _ in roots), replies, max(0, limit - len(roots)))
    reply = aliased(Comment)
    earlier = (
        select(literal(1))
        .where(reply.root_id == comment.root_id, reader.shown(reply), reply.id < comment.id)
        .limit(replies + 1)
        .subquery()
    )
    position = db.session.scalar(select(func.count()).select_from(earlier)) or 0
    if position < allotted.get(comment.root_id, 0):
        return Location(page)
    return Location(page, thread=comment.root_id, after=comment.id - 1)


def node_ids(nodes: list[CommentNode]) -> list[int]:
    """The ids of these comments and of all their replies, depth first."""
    ids: list[int] = []
    for node in nodes:
        ids.append(node.id)
        ids += node_ids(node.replies)
    return ids


def node_for(comment: Comment) -> CommentNode:
    """One comment on its own (no replies), as its writer sees it right after posting or editing."""
    answered = None
    if comment.in_reply_to_id is not None and comment.in_reply_to_id != comment.parent_id:
        answered = db.session.get(Comment, comment.in_reply_to_id)
    return CommentNode(
        comment=comment,
        pending=not comment.is_public,
        badge=badge_for(comment, comment.article),
        in_reply_to=answered,
        in_reply_to_removed=answered is not None and not answered.is_public,
    )


def names_comment_on(article: Article, comment_ids: AbstractSet[int]) -> bool:
    """Whether any of these comments (a guest's own, from their cookie) is on this article: one look-up by primary
    key. A guest whose comments are all elsewhere reads the article as any other visitor does."""
    if not comment_ids:
        return False
    found = db.session.scalar(
        select(Comment.id).where(Comment.article_id == article.id, Comment.id.in_(sorted(comment_ids))).limit(1)
    )
    return found is not None
