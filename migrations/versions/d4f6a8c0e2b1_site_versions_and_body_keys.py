"""Site versions and body keys: each process keeps the rules, the staff's names, the bans and the spam model in
memory until their version changes; each comment keeps a digest of its folded text, so the duplicate check is one
indexed lookup; a guest's earlier comments are found by their address without reading the whole table.

Revision ID: d4f6a8c0e2b1
Revises: c8f3a1d5e940
Create Date: 2026-11-30 14:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from app.folding import matching_key

# revision identifiers, used by Alembic.
revision = "d4f6a8c0e2b1"
down_revision = "c8f3a1d5e940"
branch_labels = None
depends_on = None

AREAS = ("settings", "staff", "bans", "spam_model")
BATCH = 5000


def upgrade():
    site_versions = op.create_table(
        "site_versions",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_site_versions")),
    )
    op.bulk_insert(site_versions, [{"name": area, "version": 1} for area in AREAS])
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_key", sa.String(length=32), nullable=True))
    comments = sa.table("comments", sa.column("id", sa.Integer), sa.column("body", sa.Text), sa.column("body_key"))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(comments.c.id, comments.c.body).where(comments.c.id > last).order_by(comments.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            comments.update().where(comments.c.id == sa.bindparam("row_id")).values(body_key=sa.bindparam("key")),
            [{"row_id": row.id, "key": matching_key(row.body)} for row in rows],
        )
        last = rows[-1].id
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_article_id_body_key", ["article_id", "body_key"], unique=False)
        batch_op.create_index("ix_comments_writer_email_created_at", ["writer_email", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_writer_email_created_at")
        batch_op.drop_index("ix_comments_article_id_body_key")
        batch_op.drop_column("body_key")
    op.drop_table("site_versions")
