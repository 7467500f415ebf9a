"""Email addresses in their canonical form: NFKC, the domain IDNA-encoded, lowercase.

Addresses are now stored and looked up that way (app/services/identity.py), so `ｄａｎａ@example.org` is
dana@example.org and `reader@bücher.example` is reader@xn--bcher-kva.example. Addresses stored before were
lowercased with the domain as typed; this rewrites the ones that differ (only addresses with characters beyond
ASCII can), so their accounts still sign in and their bans still match. An account whose address would become
another account's is left as it is. Data only; the downgrade leaves the addresses canonical.

Revision ID: 7a1e5c3d9b20
Revises: 4c7d2b9e13a5
Create Date: 2026-12-07 10:00:00.000000

"""

import unicodedata

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

# revision identifiers, used by Alembic.
revision = "7a1e5c3d9b20"
down_revision = "4c7d2b9e13a5"
branch_labels = None
depends_on = None

# (table, column, condition): every column that holds an address.
COLUMNS = [
    ("users", "email", ""),
    ("comments", "writer_email", ""),
    ("correction_requests", "email", ""),
    ("bans", "value", " AND kind = 'email'"),
]


def canonical(address):
    """The address as the app now stores it, or None when it is not a valid one (it stays as it is)."""
    try:
        checked = validate_email(unicodedata.normalize("NFKC", address.strip()), check_deliverability=False)
    except EmailNotValidError:
        return None
    return f"{checked.local_part.lower()}@{checked.ascii_domain.lower()}"


def upgrade():
    connection = op.get_bind()
    for table, column, condition in COLUMNS:
        stored = connection.execute(
            sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL{condition}")
        ).scalars()
        for old in [value for value in stored if not value.isascii()]:
            new = canonical(old)
            if new is None or new == old:
                continue
            if (
                table == "users"
                and connection.execute(sa.text("SELECT 1 FROM users WHERE lower(email) = :new"), {"new": new}).first()
            ):
                continue  # another account has that address already: leave both for an admin to sort out
            connection.execute(
                sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old{condition}"),
                {"new": new, "old": old},
            )


def downgrade():
    pass
