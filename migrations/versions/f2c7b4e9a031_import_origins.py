"""Import origins: articles and comments brought over by `flask import` remember the platform they came from and
their id there, so importing the same file again adds nothing.

Revision ID: f2c7b4e9a031
Revises: f2c8a4d6b913
Create Date: 2026-11-30 16:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2c7b4e9a031"
down_revision = "f2c8a4d6b913"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("articles", "comments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("origin", sa.String(length=80), nullable=True))
            batch_op.add_column(sa.Column("origin_id", sa.String(length=200), nullable=True))
            batch_op.create_index(f"ix_{table}_origin_origin_id", ["origin", "origin_id"], unique=True)


def downgrade():
    for table in ("comments", "articles"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_origin_origin_id")
            batch_op.drop_column("origin_id")
            batch_op.drop_column("origin")
