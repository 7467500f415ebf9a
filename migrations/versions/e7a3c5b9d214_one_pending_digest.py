"""At most one pending daily digest for any one time: two runners planning it at once made two (tasks).

Existing duplicates are dropped first, keeping the first queued of each time, so that the index can be built.

Revision ID: e7a3c5b9d214
Revises: c4d8e2a6b193
Create Date: 2026-12-01 09:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a3c5b9d214"
down_revision = "c4d8e2a6b193"
branch_labels = None
depends_on = None

PENDING_DIGEST = "kind = 'staff_mail.digest' AND done_at IS NULL AND failed_at IS NULL"


def upgrade():
    op.execute(
        f"DELETE FROM tasks WHERE {PENDING_DIGEST} AND id NOT IN (SELECT first_id FROM "
        f"(SELECT min(id) AS first_id FROM tasks WHERE {PENDING_DIGEST} GROUP BY run_after) AS firsts)"
    )
    op.create_index(
        "uq_tasks_pending_digest_run_after",
        "tasks",
        ["kind", "run_after"],
        unique=True,
        sqlite_where=sa.text(PENDING_DIGEST),
        postgresql_where=sa.text(PENDING_DIGEST),
    )


def downgrade():
    op.drop_index("uq_tasks_pending_digest_run_after", table_name="tasks")
