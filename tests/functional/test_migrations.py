"""`flask --app wsgi db upgrade` on an empty database gives exactly the models' schema (no drift).

Runs on SQLite always, and on PostgreSQL when TEST_DATABASE_URL points there (in a throwaway
database created for the test, so the suite's own tables are untouched).
"""

import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, make_app


@contextmanager
def empty_postgres_database():
    """Create a throwaway PostgreSQL database next to the test one and drop it afterwards."""
    base = make_url(TEST_DATABASE_URL)
    name = f"afterword_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(kind, tmp_path):
    if kind == "postgresql":
        with empty_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"


def _drift(url):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_from_empty_matches_the_models_and_downgrade_undoes_it(kind, tmp_path):
    if kind == "postgresql" and not ON_POSTGRES:
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check migrations there (CI does)")
    with empty_database(kind, tmp_path) as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=str(tmp_path))
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            assert _drift(url) == []
            tables = set(inspect(db.engine).get_table_names())
            assert {"users", "articles", "api_tokens", "alembic_version"} <= tables
            result = runner.invoke(args=["db", "downgrade", "base"])
            assert result.exit_code == 0, result.output
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()


def test_the_drift_check_notices_a_missing_table(tmp_path):
    url = f"sqlite:///{tmp_path}/partial.sqlite3"
    app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=str(tmp_path))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE api_tokens"))
        differences = _drift(url)
        db.engine.dispose()
    assert any(diff[0] == "add_table" and diff[1].name == "api_tokens" for diff in differences)


def test_migrations_have_a_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "migrations")
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
