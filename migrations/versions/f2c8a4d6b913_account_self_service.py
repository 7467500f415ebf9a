"""Account self-service: when an account's address was confirmed, and when its owner deleted it.

Accounts made before this revision count as confirmed (their `email_verified_at` is set to when they were made),
so nobody who could sign in yesterday is told to confirm an address today. The downgrade drops both columns; a
deleted account then looks like a deactivated one (it keeps `active = false`).

Revision ID: f2c8a4d6b913
Revises: f3c1a7e5b920
Create Date: 2026-11-30 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2c8a4d6b913"
down_revision = "f3c1a7e5b920"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("email_verified_at")
