"""Fixtures: a fresh app and database per test, a client, a CLI runner, login and builders.
Builders that need no fixture (guests, comments, notes) are plain functions in tests/factories.py.

Tests run on in-memory SQLite unless TEST_DATABASE_URL points at a PostgreSQL database
(never DATABASE_URL, so a developer's real database is never touched). On PostgreSQL the
schema is created once and every table is emptied after each test.
"""

import itertools
import os
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from app.config import normalise_database_url
from app.extensions import db as _db
from app.models import Role
from app.models.site_state import seed_site_versions
from app.services import accounts
from app.services.articles import GuestAuthor, create_article
from tests.smtp_server import SmtpServer

TEST_DATABASE_URL = normalise_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
PASSWORD = "correct horse battery"
# Where mail tests put the site: a base URL with a path, so links that drop it are caught.
MAIL_BASE = "https://comments.example.org/talk"
_schema_ready = False


class ClosingClient(FlaskClient):
    """A test client that reads each answer to its end and closes it, as a WSGI server does once the body is
    sent: what the app does after the answer (app/after_answer.py) has happened when the request returns."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def make_app(**overrides):
    """A testing app on the test database; overrides are applied last."""
    config = {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL}
    if not ON_POSTGRES:
        from sqlalchemy.pool import StaticPool

        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = ClosingClient
    return application


def _empty_tables():
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as connection:
        if ON_POSTGRES:
            # Only the tables a test wrote to: TRUNCATE of all 28 took 40 ms a test (new files for each table), this
            # takes 3-4. Every sequence starts again at 1, as a new database's would.
            found = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
            written = list(connection.scalars(text(found)))
            if written:
                connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in written) + " CASCADE"))
            connection.execute(
                text(
                    "SELECT setval(oid, 1, false) FROM pg_class"
                    " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"
                )
            )
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
        seed_site_versions(connection)  # as a new database has them


@contextmanager
def running_app(tmp_path, **overrides):
    """A testing app with an empty database, inside its app context; cleaned up on exit."""
    global _schema_ready
    application = make_app(INSTANCE_PATH=str(tmp_path), **overrides)

    @application.teardown_request
    def forget_request_globals(exc):
        # The test keeps one app context open, which Flask reuses for each request, so `g`
        # (where Flask-Login caches the user) would otherwise leak from one request into the next.
        g.__dict__.clear()

    with application.app_context():
        if not ON_POSTGRES or not _schema_ready:
            if ON_POSTGRES:
                _db.drop_all()
                with _db.engine.begin() as connection:
                    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            _db.create_all()
            _schema_ready = True
        try:
            yield application
        finally:
            _db.session.remove()
            if ON_POSTGRES:
                _empty_tables()
            _db.engine.dispose()


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A fresh app with an empty database."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with running_app(tmp_path) as application:
        yield application


@pytest.fixture
def app_with(tmp_path, monkeypatch):
    """A fresh app with settings of the test's choosing: `with app_with(RATELIMIT_ENABLED=True) as app:`."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return lambda **overrides: running_app(tmp_path, **overrides)


@pytest.fixture
def workers(app_with, tmp_path):
    """Two apps on one database (a file on SQLite, the suite's database on PostgreSQL), standing for two worker
    processes: each keeps its own sessions and what it holds in memory."""
    shared = (
        {}
        if ON_POSTGRES
        else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "SQLALCHEMY_ENGINE_OPTIONS": {}}
    )
    with app_with(**shared) as first:
        second = make_app(INSTANCE_PATH=str(tmp_path), **shared)
        yield first, second
        with second.app_context():
            _db.engine.dispose()


@pytest.fixture
def count_queries_on():
    """Count the SQL statements one app runs inside the block: `with count_queries_on(app) as counted:`."""

    @contextmanager
    def counting(application):
        with application.app_context():
            engine = _db.engine
        counter = SimpleNamespace(n=0)

        def before(*_):
            counter.n += 1

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Build an account: make_user(role="author", name=..., email=...)."""

    def build(role: str | Role = "reader", name: str | None = None, email: str | None = None, password: str = PASSWORD):
        number = next(_counter)
        return accounts.create_user(
            email or f"user{number}@example.org",
            name or f"User {number}",
            password,
            role,
            hash_method=app.config["PASSWORD_HASH_METHOD"],
            min_length=app.config["PASSWORD_MIN_LENGTH"],
        )

    return build


@pytest.fixture
def make_article(app, make_user):
    """Build an article: make_article(author=None, title=..., body=..., published=True, guest=None)."""

    def build(
        author=None,
        title: str | None = None,
        body: str = "First paragraph.\n\nSecond paragraph.",
        published=True,
        guest=None,
        slug=None,
    ):
        author = author or make_user("author")
        number = next(_counter)
        guest_author = GuestAuthor(*guest) if guest else None
        return create_article(
            author, title or f"Article {number}", body, published=published, guest_author=guest_author, slug=slug
        )

    return build


@pytest.fixture
def login(client):
    """Sign in through the real form: login(user) or login(email, password)."""

    def sign_in(user_or_email, password: str = PASSWORD, follow_redirects: bool = False):
        email = getattr(user_or_email, "email", user_or_email)
        return client.post("/login", data={"email": email, "password": password}, follow_redirects=follow_redirects)

    return sign_in


@pytest.fixture
def token_for(app):
    """An API bearer header for a user: token_for(user) -> {"Authorization": "Bearer ..."}."""

    def build(user):
        return {"Authorization": f"Bearer {accounts.create_api_token(user, 'tests')}"}

    return build


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside the block: `with count_queries() as counted: ...; counted.n`."""

    class Counter:
        n = 0
        statements: list = []

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.n += 1
            counter.statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(_db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for one test; `smtp.settings()` points the app at it."""
    with SmtpServer() as server:
        yield server
