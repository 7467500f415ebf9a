"""f2c8a4d6b913 (account self-service): accounts made before it count as confirmed, so nobody is locked out or
nagged; the downgrade drops the new columns."""

import pytest
from sqlalchemy import create_engine, inspect, text

from app.extensions import db
from tests.conftest import ON_POSTGRES, make_app
from tests.functional.test_migrations import empty_database

BEFORE = "f3c1a7e5b920"  # the revision before it


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_existing_accounts_count_as_confirmed(kind, tmp_path):
    if kind == "postgresql" and not ON_POSTGRES:
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check migrations there (CI does)")
    with empty_database(kind, tmp_path) as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=str(tmp_path))
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade", BEFORE]).exit_code == 0
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO users (email, name, role, password_hash, session_token, active, created_at) "
                        "VALUES ('old@example.org', 'Old', 'reader', 'x', 'token', :yes, '2024-05-01 12:00:00+00')"
                    ),
                    {"yes": True},
                )
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            with engine.connect() as connection:
                row = connection.execute(text("SELECT created_at, email_verified_at, deleted_at FROM users")).one()
            assert row.email_verified_at is not None and row.email_verified_at == row.created_at
            assert row.deleted_at is None
            assert runner.invoke(args=["db", "downgrade", BEFORE]).exit_code == 0
            engine.dispose()
            columns = {column["name"] for column in inspect(engine).get_columns("users")}
            assert "email_verified_at" not in columns and "deleted_at" not in columns
        finally:
            engine.dispose()
            with app.app_context():
                db.engine.dispose()  # the app's own connections, before the database is dropped
