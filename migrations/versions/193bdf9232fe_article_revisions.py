"""Article revisions: every published version of an article, kept as its public history.

Revision ID: 193bdf9232fe
Revises: 9e72b9971782
Create Date: 2026-11-26 20:39:50.058818

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "193bdf9232fe"
down_revision = "9e72b9971782"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_revisions_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_article_revisions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revisions")),
    )
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.create_index("ix_article_revisions_article_id_id", ["article_id", "id"], unique=False)

    # Articles published before this revision start their history with the version they have now.
    op.execute(
        "INSERT INTO article_revisions (article_id, title, body, body_html, author_id, created_at) "
        "SELECT id, title, body, body_html, author_id, COALESCE(updated_at, published_at, created_at) "
        "FROM articles WHERE status = 'published'"
    )


def downgrade():
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_article_revisions_article_id_id")

    op.drop_table("article_revisions")
