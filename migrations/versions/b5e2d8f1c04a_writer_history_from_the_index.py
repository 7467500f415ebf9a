"""A guest's history from the index alone: the rejected-share rule counts a writer's recent rejected comments, and
their approved ones only when some were rejected, from (writer_email, status, created_at, user_id), without reading
each comment's row. It replaces the index on (writer_email, created_at), whose uses it serves too.

Revision ID: b5e2d8f1c04a
Revises: a7c3e9f15d28
Create Date: 2026-11-30 21:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b5e2d8f1c04a"
down_revision = "a7c3e9f15d28"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_writer_email_status_created_at_user_id", ["writer_email", "status", "created_at", "user_id"]
        )
        batch_op.drop_index("ix_comments_writer_email_created_at")


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_writer_email_created_at", ["writer_email", "created_at"], unique=False)
        batch_op.drop_index("ix_comments_writer_email_status_created_at_user_id")
