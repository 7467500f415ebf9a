"""Builders for tests: guest writers, comments and notes made through the real services.

Plain functions with keyword defaults, so a test names only what it cares about, and named like
conftest's make_user and make_article fixtures. They run inside the `app` fixture's app context.
"""

import itertools
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, update

from app.extensions import db
from app.models import Article, Comment, CommentStatus, Note, User
from app.models.types import utcnow
from app.services import moderation, tasks
from app.services.comments import Writer, post_comment, refresh_comment_count
from app.services.notes import add_note
from app.services.settings import CommentRules

OPEN = CommentRules()
HELD = CommentRules(hold_all=True)
GUEST_NETWORK = "198.51.100.0/24"
# The one action that moves a held comment to each status.
_MOVES = {CommentStatus.approved: "approve", CommentStatus.spam: "spam", CommentStatus.trash: "trash"}
_numbers = itertools.count(1)


def run_tasks() -> tasks.Report:
    """Run the tasks queued so far (the spam learner's lessons, Akismet reports), as a worker does after its
    answer; services called directly, outside a request, leave them queued."""
    report = tasks.run_due()
    db.session.expire_all()
    return report


def make_guest(
    name: str = "Gail Guest",
    email: str = "gail@example.org",
    network: str | None = GUEST_NETWORK,
    website: str | None = None,
) -> Writer:
    """A guest writer: a name, an email, the network they write from and an optional website."""
    return Writer(name=name, email=email, website=website, ip_network=network)


def make_comment(
    article: Article,
    body: str | None = None,
    writer: Writer | None = None,
    rules: CommentRules | None = None,
    parent: Comment | None = None,
    *,
    status: CommentStatus | None = None,
    moderator: User | None = None,
    trash_reason: str | None = None,
    days_ago: int | None = None,
) -> Comment:
    """A comment posted through post_comment (a guest's, under open rules); with `status`, held and moved there."""
    body = body or f"A comment ({next(_numbers)})."  # distinct, or the duplicate check refuses it
    if rules is None:
        rules = OPEN if status is None else HELD
    made = post_comment(article, writer or make_guest(), body, rules, parent_id=parent.id if parent else None)
    # One logged move from where the rules put it (pending, unless told otherwise) to `status`.
    if status is not None and made.status is not status:
        action = _MOVES[status]
        moderation.apply(made, action, moderator, trash_reason if action == "trash" else None)
    if days_ago is not None:
        made.created_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()
    return made


def make_note(
    article: Article,
    author: User,
    kind: str = "correction",
    body: str | None = None,
    *,
    paragraph: str | None = None,
    prompted_by: Iterable[int | str] = (),
) -> Note:
    """A signed note added through add_note: a correction at the end of the article unless told otherwise."""
    body = body or f"A note ({next(_numbers)})."
    return add_note(article, author, kind, body, paragraph=paragraph, prompted_by=prompted_by)


def api_comment(client, article: Article, body: str, parent_id: int | None = None, **fields) -> int:
    """A guest's comment posted through the JSON API and published at once; returns its id."""
    payload = {"name": "Gail Guest", "email": "gail@example.org", **fields, "body": body, "parent_id": parent_id}
    response = client.post(f"/api/v1/articles/{article.slug}/comments", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["comment"]["id"]


def make_chain(article: Article, replies: int, *, max_depth: int = 5, minutes_ago: int = 60) -> list[int]:
    """A new thread of `replies` chained replies, each answering the one before, placed as post_comment places
    them (past the depth limit a reply hangs beside the comment it answers). Written as plain rows, not
    through the screening, so a long one takes a moment; each comment gets the count of visible replies the
    model keeps (tests/unit/test_visible_replies.py checks that count against posting). Returns the ids: the
    thread's first comment, then the replies in order."""
    table = Comment.__table__
    start = utcnow() - timedelta(minutes=minutes_ago)
    ids: list[int] = []
    parent_of: dict[int, int | None] = {}
    depth_of: dict[int, int] = {}
    for number in range(replies + 1):
        answered = ids[-1] if ids else None
        attach_to = answered
        while attach_to is not None and depth_of[attach_to] >= max_depth - 1:
            attach_to = parent_of[attach_to]
        body = f"Link {number} of the chain."
        row = {
            "article_id": article.id,
            "parent_id": attach_to,
            "in_reply_to_id": answered,
            "root_id": ids[0] if ids else None,
            "depth": depth_of[attach_to] + 1 if attach_to is not None else 0,
            "writer_name": f"Chain Writer {number % 5}",
            "writer_email": f"chain{number % 5}@example.org",
            "ip_network": GUEST_NETWORK,
            "body": body,
            "body_html": f"<p>{body}</p>",
            "status": CommentStatus.approved.name,
            "reasons": [],
            "created_at": start + timedelta(milliseconds=number),
            "edited_by_moderator": False,
            "removed_by_author": False,
            "visible_replies": 0,
        }
        (comment_id,) = db.session.execute(insert(table).values(row)).inserted_primary_key
        ids.append(comment_id)
        parent_of[comment_id], depth_of[comment_id] = attach_to, row["depth"]
    counts: Counter[int] = Counter()
    for answered_id, comment_id in itertools.pairwise(ids):
        answered_ids: set[int] = set()
        for start_id in (parent_of[comment_id], answered_id):
            while start_id is not None and start_id not in answered_ids:
                answered_ids.add(start_id)
                start_id = parent_of[start_id]
        counts.update(answered_ids)
    db.session.execute(
        update(table).where(table.c.id == bindparam("row_id")).values(visible_replies=bindparam("count")),
        [{"row_id": comment_id, "count": count} for comment_id, count in counts.items()],
    )
    refresh_comment_count(article.id)
    db.session.commit()
    return ids


def recount_visible_replies() -> dict[int, tuple[int, int]]:
    """Each comment's stored `visible_replies` and the count from scratch: the visible comments (published, or
    shown as removed by the article's author) below it, or answering it from beside it past the depth limit."""
    db.session.expire_all()
    rows = db.session.scalars(select(Comment)).all()
    parent = {row.id: row.parent_id for row in rows}
    expected: Counter[int] = Counter()
    for row in rows:
        if not row.is_visible:
            continue
        answered: set[int] = set()
        for start in (row.parent_id, row.in_reply_to_id):
            while start is not None and start not in answered:
                answered.add(start)
                start = parent.get(start)
        expected.update(answered)
    return {row.id: (row.visible_replies, expected[row.id]) for row in rows}
