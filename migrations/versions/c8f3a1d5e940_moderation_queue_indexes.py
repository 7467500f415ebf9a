"""Moderation queue indexes: a queue's comments newest first by status, and the comments with open flags, so the
desk and the API page and count a queue of a million-comment database from an index.

Revision ID: c8f3a1d5e940
Revises: b5d8e2f1c7a3
Create Date: 2026-12-01 12:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c8f3a1d5e940"
down_revision = "b5d8e2f1c7a3"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX on both databases (no batch: nothing here needs SQLite's table copy).
    op.create_index("ix_comments_status_created_at_id", "comments", ["status", "created_at", "id"], unique=False)
    op.create_index("ix_flags_resolved_at_comment_id", "flags", ["resolved_at", "comment_id"], unique=False)


def downgrade():
    op.drop_index("ix_flags_resolved_at_comment_id", table_name="flags")
    op.drop_index("ix_comments_status_created_at_id", table_name="comments")
