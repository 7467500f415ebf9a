"""Spam classifier: what the site learned (token counts, comment totals) and what each comment taught it.

Revision ID: 9e72b9971782
Revises: 56f814b0bf82
Create Date: 2026-11-26 20:12:19.765033

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9e72b9971782"
down_revision = "56f814b0bf82"
branch_labels = None
depends_on = None


def upgrade():
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
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trained_as", sa.String(length=4), nullable=True))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("trained_as")

    op.drop_table("spam_tokens")
    op.drop_table("spam_stats")
