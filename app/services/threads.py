"""Reading a discussion: what each viewer sees of it (in full, awaiting moderation, or a placeholder), a page
of threads, and the page a comment is on."""

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Article, Comment, CommentStatus, User
from app.services.permissions import STAFF_ROLES

# One comment in the discussion's shape: id, parent_id, in_reply_to_id, status, deleted_at, user_id, created_at.
_ShapeRow = Row[int, int | None, int | None, CommentStatus, datetime | None, int | None, datetime]


@dataclass
class CommentNode:
    """A comment as a reader sees it: in full, as 'awaiting moderation' to its writer, or as a placeholder."""

    comment: Comment
    removed: bool = False
    pending: bool = False
    badge: str | None = None
    # Set when the comment answers one other than the comment it hangs under (past the depth limit).
    in_reply_to: Comment | None = None
    in_reply_to_removed: bool = False
    replies: list["CommentNode"] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.comment.id


@dataclass
class ThreadPage:
    """One page of top-level threads, each with all its visible replies."""

    threads: list[CommentNode]
    page: int
    per_page: int
    total_threads: int
    count: int
    order: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_threads // self.per_page))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def prev_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


def badge_for(comment: Comment, article: Article) -> str | None:
    """'Author' on the article author's comments, 'Moderator' on staff comments."""
    if comment.user_id is None or comment.user is None:
        return None
    if comment.user_id == article.author_id:
        return "Author"
    if comment.user.role in STAFF_ROLES:
        return "Moderator"
    return None


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


def _discussion_shape(
    article: Article, viewer_id: int | None, guest_ids: AbstractSet[int]
) -> tuple[dict[int, str], list[_ShapeRow]]:
    """What this viewer sees of the whole discussion, from one light query: each shown comment's
    state ("full", "pending" for the writer's own held comment, "placeholder") and the shown top-level rows."""
    shape = db.session.execute(
        select(
            Comment.id,
            Comment.parent_id,
            Comment.in_reply_to_id,
            Comment.status,
            Comment.deleted_at,
            Comment.user_id,
            Comment.created_at,
        )
        .where(Comment.article_id == article.id)
        .order_by(Comment.id)
    ).all()

    def own_pending(row: _ShapeRow) -> bool:
        # A writer's own held comment shows as awaiting moderation; so does one caught as spam,
        # so the writer cannot tell which it was.
        mine = (viewer_id is not None and row.user_id == viewer_id) or (row.user_id is None and row.id in guest_ids)
        return mine and row.status in {CommentStatus.pending, CommentStatus.spam}

    shown: dict[int, str] = {}
    has_shown_child: set[int] = set()
    # Replies always have larger ids than their parents, so one backward pass settles placeholders.
    for row in reversed(shape):
        if row.deleted_at is None and row.status is CommentStatus.approved:
            shown[row.id] = "full"
        elif row.deleted_at is None and own_pending(row):
            shown[row.id] = "pending"
        elif row.id in has_shown_child:
            shown[row.id] = "placeholder"
        else:
            continue
        # A comment answered by something shown stays as a placeholder, whether the answer hangs
        # under it or, past the depth limit, beside it.
        has_shown_child.update(ref for ref in (row.parent_id, row.in_reply_to_id) if ref is not None)
    roots = [row for row in shape if row.parent_id is None and row.id in shown]
    return shown, roots


def _ordered(roots: list[_ShapeRow], order: str) -> list[_ShapeRow]:
    return sorted(roots, key=lambda row: (row.created_at, row.id), reverse=order == "newest")


def page_of(
    comment: Comment,
    per_page: int,
    order: str = "oldest",
    viewer: User | None = None,
    guest_ids: AbstractSet[int] = frozenset(),
) -> int:
    """The page of the article's discussion on which this comment's thread appears."""
    _, roots = _discussion_shape(comment.article, _viewer_id(viewer), guest_ids)
    root_id = comment.root_id or comment.id
    ids = [row.id for row in _ordered(roots, order)]
    return ids.index(root_id) // per_page + 1 if root_id in ids else 1


def thread_page(
    article: Article,
    page: int = 1,
    per_page: int = 50,
    order: str = "oldest",
    viewer: User | None = None,
    guest_ids: AbstractSet[int] = frozenset(),
) -> ThreadPage:
    """A page of threads in two queries whatever their size: the shape of the whole discussion, then the page's rows."""
    shown, roots = _discussion_shape(article, _viewer_id(viewer), guest_ids)
    roots = _ordered(roots, order)
    page = max(1, page)
    page_roots = [row.id for row in roots[(page - 1) * per_page : page * per_page]]

    rows: Sequence[Comment] = []
    if page_roots:
        rows = db.session.scalars(
            select(Comment)
            .where(Comment.article_id == article.id, or_(Comment.id.in_(page_roots), Comment.root_id.in_(page_roots)))
            .options(joinedload(Comment.user))
            .order_by(Comment.created_at, Comment.id)
        ).all()
    nodes: dict[int, CommentNode] = {}
    for comment in rows:
        state = shown.get(comment.id)
        if state is None:
            continue
        nodes[comment.id] = CommentNode(
            comment=comment,
            removed=state == "placeholder",
            pending=state == "pending",
            badge=badge_for(comment, article),
        )
    for node in nodes.values():
        target_id = node.comment.in_reply_to_id
        if target_id is not None and target_id != node.comment.parent_id and target_id in nodes:
            node.in_reply_to = nodes[target_id].comment
            node.in_reply_to_removed = nodes[target_id].removed
    for node in nodes.values():
        parent_id = node.comment.parent_id
        if parent_id is not None and parent_id in nodes:
            nodes[parent_id].replies.append(node)
    threads = [nodes[root_id] for root_id in page_roots if root_id in nodes]
    return ThreadPage(threads, page, per_page, len(roots), article.comment_count, order)


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
