"""An undo on the desk names the moderation event it reverses (moderation_events.undoes_id).

Revision ID: c4d8e2a6b193
Revises: b4e8d2c6a913
Create Date: 2026-11-30 21:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d8e2a6b193"
down_revision = "b4e8d2c6a913"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("moderation_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undoes_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_moderation_events_undoes_id"), ["undoes_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_moderation_events_undoes_id_moderation_events"), "moderation_events", ["undoes_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("moderation_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_moderation_events_undoes_id_moderation_events"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_moderation_events_undoes_id"))
        batch_op.drop_column("undoes_id")
