"""One word per concept: a comment's writer (not its "author") and a moderator's or reader's remark (not a "note").

Comments' author_name, author_email and author_website become writer_name, writer_email and
writer_website; the remark on a moderation event or a flag becomes `remark`. Only names change: the
data and the column types stay as they were. The API keeps its field names (see docs/api.md).

Revision ID: 5b1f0c7d2e91
Revises: dc488441d049
Create Date: 2026-11-30 09:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5b1f0c7d2e91"
down_revision = "dc488441d049"
branch_labels = None
depends_on = None

RENAMES = {
    "comments": [
        ("author_name", "writer_name"),
        ("author_email", "writer_email"),
        ("author_website", "writer_website"),
    ],
    "moderation_events": [("note", "remark")],
    "flags": [("note", "remark")],
}


def upgrade():
    for table, columns in RENAMES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for old, new in columns:
                batch_op.alter_column(old, new_column_name=new)


def downgrade():
    for table, columns in RENAMES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for old, new in columns:
                batch_op.alter_column(new, new_column_name=old)
