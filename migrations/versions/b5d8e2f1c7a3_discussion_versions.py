"""Discussion versions: each article counts the changes to what its discussion shows, so a thread read prepared
once can be served again, by every process, until the next change.

Revision ID: b5d8e2f1c7a3
Revises: 7c4e2b9d1a60
Create Date: 2026-11-30 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d8e2f1c7a3"
down_revision = "7c4e2b9d1a60"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discussion_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("discussion_version")
