"""Mail delivery: each outbox message gets its HTML, its Message-ID, an optional unsubscribe address and the task
that sends it. Messages written before this revision keep none of these and are never sent (their links are
relative).

Revision ID: e6b3d9a1f472
Revises: d4f7a2c9e815
Create Date: 2026-11-30 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6b3d9a1f472"
down_revision = "d4f7a2c9e815"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("unsubscribe_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_task_id_tasks"), "tasks", ["task_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_task_id_tasks"), type_="foreignkey")
        batch_op.drop_column("task_id")
        batch_op.drop_column("unsubscribe_url")
        batch_op.drop_column("message_id")
        batch_op.drop_column("body_html")
