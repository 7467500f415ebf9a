"""Staff mail: each person's choice of moderation mail (immediately, a daily digest, off) and of mail about
correction requests on their articles, with how far their moderation mail has gone.

Revision ID: a7c2e4f9b318
Revises: e6b3d9a1f472
Create Date: 2026-11-30 16:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c2e4f9b318"
down_revision = "e6b3d9a1f472"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_mail_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "moderation",
            sa.Enum("immediately", "daily", "off", name="moderationmail", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("correction_requests", sa.Boolean(), nullable=False),
        sa.Column("told_event_id", sa.Integer(), nullable=False),
        sa.Column("told_flag_id", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_mail_settings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_staff_mail_settings")),
    )


def downgrade():
    op.drop_table("staff_mail_settings")
