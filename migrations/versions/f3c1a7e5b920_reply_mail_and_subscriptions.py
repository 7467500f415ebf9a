"""Reply mail and thread subscriptions: recipients (accounts, and guests' addresses confirmed by a link), the
articles they follow, the comments they are told of; a comment's and an account's "email me replies", and each
article's count of subscriptions.

Revision ID: f3c1a7e5b920
Revises: a7c2e4f9b318
Create Date: 2026-11-30 16:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3c1a7e5b920"
down_revision = "a7c2e4f9b318"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirm_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_recipients_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_recipients")),
        sa.UniqueConstraint("email", name=op.f("uq_mail_recipients_email")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mail_recipients_user_id")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_subscriptions_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["mail_recipients.id"],
            name=op.f("fk_subscriptions_recipient_id_mail_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("recipient_id", "article_id", name="uq_subscriptions_recipient_id_article_id"),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_article_id"), ["article_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_notifications_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_notifications_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["mail_recipients.id"],
            name=op.f("fk_notifications_recipient_id_mail_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("recipient_id", "comment_id", name="uq_notifications_recipient_id_comment_id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_recipient_id_article_id_sent_at", ["recipient_id", "article_id", "sent_at"], unique=False
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_mail", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscription_count", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_mail", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("reply_mail")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("subscription_count")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("reply_mail")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_recipient_id_article_id_sent_at")
        batch_op.drop_index(batch_op.f("ix_notifications_comment_id"))
    op.drop_table("notifications")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_article_id"))
    op.drop_table("subscriptions")
    op.drop_table("mail_recipients")
