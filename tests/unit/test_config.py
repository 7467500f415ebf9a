"""Configuration: DATABASE_URL, SECRET_KEY kept in instance/, AFTERWORD_* overrides."""

import os
import stat

import pytest

from app import create_app
from app.config import normalise_database_url, secret_key_from
from app.extensions import SQLITE_BUSY_TIMEOUT_MS, db


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_the_psycopg3_driver(given, expected):
    assert normalise_database_url(given) == expected


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key_from(str(tmp_path))
    assert len(first) == 64
    assert secret_key_from(str(tmp_path)) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert secret_key_from(str(tmp_path)) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_app_reads_database_url_secret_key_and_prefixed_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("AFTERWORD_ARTICLES_PER_PAGE", "7")
    monkeypatch.setenv("AFTERWORD_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("AFTERWORD_SITE_NAME", "My Blog")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite3"
    assert app.config["ARTICLES_PER_PAGE"] == 7
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SITE_NAME"] == "My Blog"
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/afterword.sqlite3"


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("AFTERWORD_ENV", "staging")
    with pytest.raises(ValueError, match="AFTERWORD_ENV"):
        create_app()


PRAGMAS = ("journal_mode", "busy_timeout", "synchronous")


def test_a_sqlite_file_writes_ahead_waits_for_other_writers_and_syncs_every_commit(tmp_path):
    """Several workers on one SQLite file: readers never block the writer (WAL), a writer waits its turn rather
    than failing at once (busy_timeout), and an acknowledged commit is on disk (synchronous=FULL)."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.sqlite3'}"})
    with app.app_context(), db.engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMAS}
    assert pragmas == {"journal_mode": "wal", "busy_timeout": SQLITE_BUSY_TIMEOUT_MS, "synchronous": 2}  # 2: FULL
    with app.app_context():
        db.engine.dispose()
    # An in-memory database (the tests') keeps its own journal.
    in_memory = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with in_memory.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
