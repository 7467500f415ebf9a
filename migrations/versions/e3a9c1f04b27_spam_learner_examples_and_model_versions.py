"""Spam learner: the examples it learns from and the versions of its model, instead of Bayesian token counts.

The token counts were derived from moderators' verdicts; the verdicts themselves stay on the comments
(`trained_as`). Comments with a verdict become examples here, so `flask spam retrain` learns them again.

Revision ID: e3a9c1f04b27
Revises: 5b1f0c7d2e91
Create Date: 2026-11-30 10:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3a9c1f04b27"
down_revision = "5b1f0c7d2e91"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spam_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=120), nullable=False),
        sa.Column("is_spam", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_spam_examples_comment_id_comments"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spam_examples")),
    )
    with op.batch_alter_table("spam_examples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spam_examples_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index("ix_spam_examples_superseded_at_id", ["superseded_at", "id"], unique=False)
    op.create_table(
        "spam_models",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("feature_version", sa.Integer(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.Column("intercept", sa.Float(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("shift", sa.Float(), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("examples_through", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spam_models")),
    )
    # Moderators' verdicts so far become examples (the comment's writer name and website as they are now).
    op.execute(
        "INSERT INTO spam_examples (comment_id, origin, is_spam, body, name, website, created_at) "
        "SELECT id, 'moderator', trained_as = 'spam', body, writer_name, writer_website, CURRENT_TIMESTAMP "
        "FROM comments WHERE trained_as IS NOT NULL ORDER BY id"
    )
    op.drop_table("spam_tokens")
    op.drop_table("spam_stats")


def downgrade():
    op.create_table(
        "spam_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spam_documents", sa.Integer(), nullable=False),
        sa.Column("ham_documents", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spam_stats")),
    )
    op.create_table(
        "spam_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("spam_count", sa.Integer(), nullable=False),
        sa.Column("ham_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_spam_tokens")),
    )
    # The counts are not rebuilt: `flask spam train` of that version relearns them from a file.
    with op.batch_alter_table("spam_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_spam_examples_superseded_at_id")
        batch_op.drop_index(batch_op.f("ix_spam_examples_comment_id"))
    op.drop_table("spam_examples")
    op.drop_table("spam_models")
