"""Bounded threads and author removals: comments count the visible comments that answer them, and say when
the article's author removed them.

`visible_replies` lets a page decide which removed comments leave a placeholder without reading the whole
discussion; `removed_by_author` marks a published comment the article's author (not a moderator) removed,
which readers see as "Removed by the article's author". Both are filled in from the existing rows and the
moderation log. A new index reads a thread's replies in the order they were written.

Revision ID: 7c4e2b9d1a60
Revises: 7a1e5c3d9b20
Create Date: 2026-11-30 11:00:00.000000

"""

from collections import Counter

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c4e2b9d1a60"
down_revision = "7a1e5c3d9b20"
branch_labels = None
depends_on = None

comments = sa.table(
    "comments",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("parent_id", sa.Integer),
    sa.column("in_reply_to_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("deleted_at", sa.DateTime),
    sa.column("removed_by_author", sa.Boolean),
    sa.column("visible_replies", sa.Integer),
)
events = sa.table(
    "moderation_events",
    sa.column("id", sa.Integer),
    sa.column("comment_id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_status", sa.String),
    sa.column("to_status", sa.String),
)
articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("author_id", sa.Integer))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("role", sa.String))


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_by_author", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("visible_replies", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_comments_root_id_id", ["root_id", "id"], unique=False)
    connection = op.get_bind()
    _mark_author_removals(connection)
    _count_visible_replies(connection)


def _mark_author_removals(connection):
    """A comment in spam or trash whose latest move there was made by the article's author (an author, not
    staff) out of publication: approved, or pending because readers' flags had hidden it."""
    removed = connection.execute(
        sa.select(comments.c.id, articles.c.author_id)
        .join(articles, articles.c.id == comments.c.article_id)
        .where(comments.c.status.in_(["spam", "trash"]), comments.c.deleted_at.is_(None))
    ).all()
    authors = {row.id for row in connection.execute(sa.select(users.c.id).where(users.c.role == "author"))}
    marked = []
    for comment_id, author_id in removed:
        if author_id not in authors:
            continue
        moves = connection.execute(
            sa.select(events.c.actor_id, events.c.action, events.c.from_status, events.c.to_status)
            .where(
                events.c.comment_id == comment_id,
                events.c.from_status.is_(None) | (events.c.from_status != events.c.to_status),
            )
            .order_by(events.c.id.desc())
            .limit(2)
        ).all()
        if not moves or moves[0].actor_id != author_id:
            continue
        last = moves[0]
        hidden = last.from_status == "pending" and len(moves) > 1 and moves[1].action == "hide"
        if last.from_status == "approved" or hidden:
            marked.append(comment_id)
    if marked:
        connection.execute(sa.update(comments).where(comments.c.id.in_(marked)).values(removed_by_author=True))


def _count_visible_replies(connection):
    """For each comment, the visible comments (published, or removed by the article's author) that answer it:
    below it, or beside it past the depth limit, and whatever answers those from below."""
    rows = connection.execute(
        sa.select(
            comments.c.id,
            comments.c.parent_id,
            comments.c.in_reply_to_id,
            comments.c.status,
            comments.c.deleted_at,
            comments.c.removed_by_author,
        )
    ).all()
    parent = {row.id: row.parent_id for row in rows}
    counts = Counter()
    for row in rows:
        if row.deleted_at is not None or not (row.status == "approved" or row.removed_by_author):
            continue
        answered = set()
        for start in (row.parent_id, row.in_reply_to_id):
            while start is not None and start not in answered:
                answered.add(start)
                start = parent.get(start)
        counts.update(answered)
    for comment_id, count in counts.items():
        connection.execute(sa.update(comments).where(comments.c.id == comment_id).values(visible_replies=count))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_root_id_id")
        batch_op.drop_column("visible_replies")
        batch_op.drop_column("removed_by_author")
