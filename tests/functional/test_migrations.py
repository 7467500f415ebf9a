"""`flask --app wsgi db upgrade` on an empty database gives exactly the models' schema (no drift).

Runs on SQLite always, and on PostgreSQL when TEST_DATABASE_URL points there (in a throwaway
database created for the test, so the suite's own tables are untouched).
"""

import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Comment
from app.services import accounts, moderation
from app.services.articles import create_article
from app.services.settings import CommentRules
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, make_app
from tests.factories import HELD, make_comment


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


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_bounded_threads_migration_fills_in_what_posting_and_moderating_keep(kind, tmp_path):
    """7c4e2b9d1a60 adds `removed_by_author` and `visible_replies` to existing comments: downgrading past it and
    upgrading again gives back what the services kept while the discussion happened."""
    if kind == "postgresql" and not ON_POSTGRES:
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check migrations there (CI does)")
    with empty_database(kind, tmp_path) as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=str(tmp_path))
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with app.app_context():
            author, moderator = (
                accounts.create_user(
                    f"{role}@example.org",
                    role.title(),
                    "long password",
                    role,
                    hash_method="pbkdf2:sha256:1000",
                    min_length=8,
                )
                for role in ("author", "moderator")
            )
            article = create_article(author, "Migrated", "Body.", published=True)
            deep = CommentRules(max_depth=3)
            top = make_comment(article, "Top.", rules=deep)
            chain = [top]
            for number in range(5):
                chain.append(make_comment(article, f"Link {number}.", rules=deep, parent=chain[-1]))
            moderation.apply(chain[2], "trash", moderator, "other")  # a placeholder: replies answer it
            removed = make_comment(article, "Removed by the author.")
            moderation.apply(removed, "trash", author, "abusive")
            hidden = make_comment(article, "Hidden by flags, then removed by the author.")
            for reader in range(3):
                moderation.flag_comment(hidden, f"user:{reader + 100}", "abusive", None, CommentRules())
            moderation.apply(hidden, "trash", author, "abusive")
            quiet = make_comment(article, "Removed by a moderator.")
            moderation.apply(quiet, "trash", moderator, "abusive")
            never_seen = make_comment(article, "Held, then trashed by the author.", rules=HELD)
            moderation.apply(never_seen, "trash", author, "other")
            back = make_comment(article, "Removed and restored.", parent=top)
            moderation.apply(back, "trash", author, "other")
            moderation.apply(back, "restore", author)

            def kept():
                db.session.expire_all()
                return db.session.execute(
                    select(Comment.id, Comment.removed_by_author, Comment.visible_replies).order_by(Comment.id)
                ).all()

            before = kept()
            assert {row.id for row in before if row.removed_by_author} == {removed.id, hidden.id}
            assert any(row.visible_replies for row in before)
            db.session.remove()
            db.engine.dispose()
            for step in (["db", "downgrade", "7a1e5c3d9b20"], ["db", "upgrade"]):
                result = runner.invoke(args=step)
                assert result.exit_code == 0, result.output
            assert kept() == before
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_one_digest_migration_keeps_the_first_of_each_time(kind, tmp_path):
    """e7a3c5b9d214 drops pending digests that repeat an earlier one's time before building its unique index; done
    digests and other tasks stay."""
    if kind == "postgresql" and not ON_POSTGRES:
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check migrations there (CI does)")
    with empty_database(kind, tmp_path) as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=str(tmp_path))
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "upgrade", "c4d8e2a6b193"])
        assert result.exit_code == 0, result.output
        rows = [
            ("staff_mail.digest", "2026-12-02 08:00:00", None),  # the first of its time: kept
            ("staff_mail.digest", "2026-12-02 08:00:00", None),  # a second runner's: dropped
            ("staff_mail.digest", "2026-12-03 08:00:00", None),  # another time: kept
            ("staff_mail.digest", "2026-12-02 08:00:00", "2026-12-02 08:00:01"),  # done: kept
            ("spam.learn", "2026-12-02 08:00:00", None),  # another kind: kept
        ]
        engine = create_engine(url)
        with engine.begin() as connection:
            for number, (task_kind, run_after, done_at) in enumerate(rows, start=1):
                connection.execute(
                    text(
                        "INSERT INTO tasks (id, kind, payload, created_at, run_after, attempts, done_at)"
                        " VALUES (:id, :kind, '{}', :run_after, :run_after, 0, :done_at)"
                    ),
                    {"id": number, "kind": task_kind, "run_after": run_after, "done_at": done_at},
                )
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with engine.connect() as connection:
            assert list(connection.scalars(text("SELECT id FROM tasks ORDER BY id"))) == [1, 3, 4, 5]
        engine.dispose()
        with app.app_context():
            db.engine.dispose()  # the connections `flask db` left in the app's pool, before the database is dropped
