"""Sites whose pages embed discussions: their origins, whether page views may start threads, whether every
comment is held; and on articles, the site, thread key and page of an embedded discussion.

Revision ID: a7c3e9f15d28
Revises: f2c7b4e9a031
Create Date: 2026-11-30 16:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9f15d28"
down_revision = "f2c7b4e9a031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("allow_new_threads", sa.Boolean(), nullable=False),
        sa.Column("hold_all", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_sites_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "site_origins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_origins_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_origins")),
        sa.UniqueConstraint("origin", name=op.f("uq_site_origins_origin")),
    )
    with op.batch_alter_table("site_origins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_origins_site_id"), ["site_id"], unique=False)

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thread_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("page_url", sa.String(length=2000), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_site_id"), ["site_id"], unique=False)
        batch_op.create_unique_constraint("uq_articles_site_id_thread_key", ["site_id", "thread_key"])
        batch_op.create_foreign_key(batch_op.f("fk_articles_site_id_sites"), "sites", ["site_id"], ["id"])


def downgrade():
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_articles_site_id_sites"), type_="foreignkey")
        batch_op.drop_constraint("uq_articles_site_id_thread_key", type_="unique")
        batch_op.drop_index(batch_op.f("ix_articles_site_id"))
        batch_op.drop_column("page_url")
        batch_op.drop_column("thread_key")
        batch_op.drop_column("site_id")

    with op.batch_alter_table("site_origins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_origins_site_id"))
    op.drop_table("site_origins")

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_owner_id"))
    op.drop_table("sites")
