"""Sign-ins handed from Afterword's own window to a discussion framed by another site: the nonces already used,
so each handoff token signs in once.

Revision ID: b8d4f2a6c915
Revises: b5e2d8f1c04a
Create Date: 2026-11-30 21:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d4f2a6c915"
down_revision = "b5e2d8f1c04a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_handoffs",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_sign_in_handoffs")),
    )
    with op.batch_alter_table("sign_in_handoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_handoffs_used_at"), ["used_at"], unique=False)


def downgrade():
    with op.batch_alter_table("sign_in_handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_handoffs_used_at"))
    op.drop_table("sign_in_handoffs")
