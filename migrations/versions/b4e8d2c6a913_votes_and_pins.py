"""Helpful votes (a votes table, and on comments the counted votes and their place in the "best" order) and pinned
comments (one per article).

Revision ID: b4e8d2c6a913
Revises: b8d4f2a6c915
Create Date: 2026-11-30 21:30:00.000000

"""

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4e8d2c6a913"
down_revision = "b8d4f2a6c915"
branch_labels = None
depends_on = None

# As app/models/comment.py best_score() has it (a migration imports nothing from the app).
BEST_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _score(created_at) -> float:
    if isinstance(created_at, str):
        created_at = datetime.fromisoformat(created_at)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return math.log10(1) + (created_at - BEST_EPOCH).total_seconds() / 86400


def upgrade():
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ip_network", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_votes_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_votes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("comment_id", "voter_key", name=op.f("uq_votes_comment_id")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_votes_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_votes_voter_key", ["voter_key"], unique=False)

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("votes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("best_score", sa.Double(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("pinned_by", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_comments_article_id_pinned",
            ["article_id"],
            unique=True,
            sqlite_where=sa.text("pinned_by IS NOT NULL"),
            postgresql_where=sa.text("pinned_by IS NOT NULL"),
        )

    # No comment has a vote yet: each one's place in the "best" order is its posting time.
    connection = op.get_bind()
    comments = sa.table("comments", sa.column("id", sa.Integer()), sa.column("created_at"), sa.column("best_score"))
    rows = connection.execute(sa.select(comments.c.id, comments.c.created_at)).all()
    if rows:
        connection.execute(
            comments.update().where(comments.c.id == sa.bindparam("row_id")).values(best_score=sa.bindparam("score")),
            [{"row_id": row_id, "score": _score(created_at)} for row_id, created_at in rows],
        )


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_article_id_pinned")
        batch_op.drop_column("pinned_by")
        batch_op.drop_column("best_score")
        batch_op.drop_column("votes")

    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index("ix_votes_voter_key")
        batch_op.drop_index(batch_op.f("ix_votes_user_id"))
        batch_op.drop_index(batch_op.f("ix_votes_comment_id"))
    op.drop_table("votes")
