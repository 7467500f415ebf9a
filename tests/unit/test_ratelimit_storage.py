"""The rate-limit counters in the database, and the production check against per-process counters."""

import importlib.util
import multiprocessing
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import create_app
from app.config import per_process_limits_problem
from app.extensions import db
from app.models import DatabaseStorage, RateLimitCounter
from app.models.ratelimit import KEY_MAX, stored_key
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]


def test_counts_within_a_window_and_starts_again_after_it(app, monkeypatch):
    storage = DatabaseStorage("database://")
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert 59 < storage.get_expiry("k") - time.time() <= 60
    assert storage.incr("k", 60, amount=-1) == 2  # a successful sign-in gives its attempt back
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1


def test_keys_are_separate_and_can_be_cleared(app):
    storage = DatabaseStorage("database://")
    storage.incr("a", 60)
    storage.incr("b", 60, amount=2)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 2)
    assert storage.reset() == 1
    assert storage.get("b") == 0
    assert storage.check()


def test_a_long_key_is_stored_as_a_digest_and_still_counted_apart():
    long_a, long_b = "login-email:" + "a" * 5000, "login-email:" + "a" * 4999 + "b"
    assert len(stored_key(long_a)) == KEY_MAX and stored_key(long_a) != stored_key(long_b)
    assert stored_key("short") == "short"


def test_expired_counters_are_swept(app, monkeypatch):
    monkeypatch.setattr("app.models.ratelimit.SWEEP_EVERY", 3)
    storage = DatabaseStorage("database://")
    storage.incr("old", 1)
    later = time.time() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    storage.incr("new", 60)
    storage.incr("new", 60)  # the third increment sweeps
    assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 1


def _hammer(url: str, instance: str, times: int, start, results) -> None:
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context():
        storage = DatabaseStorage("database://")
        start.wait(60)  # every process ready: they increment at the same time
        results.extend([storage.incr("shared", 60) for _ in range(times)])
        db.engine.dispose()


def test_processes_incrementing_at_once_lose_no_hit(app, tmp_path):
    if ON_POSTGRES:
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path / 'counters.sqlite3'}"
        with create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url}).app_context():
            db.create_all()
            db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        results, start = manager.list(), manager.Barrier(3)
        workers = [context.Process(target=_hammer, args=(url, str(tmp_path), 15, start, results)) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert [worker.exitcode for worker in workers] == [0, 0, 0]
        # Every increment saw a different count: none was lost or counted twice.
        assert sorted(results) == list(range(1, 46))


@pytest.mark.parametrize(
    "uri, enabled, workers, refused",
    [
        ("memory://", True, 4, True),
        ("memory://", True, 1, False),  # one process: its counters are the only ones
        ("memory://", False, 4, False),  # no limits, nothing to count
        ("database://", True, 4, False),
        ("redis://127.0.0.1:6379/0", True, 4, False),
    ],
)
def test_per_process_counters_are_refused_only_with_several_workers(uri, enabled, workers, refused):
    assert (per_process_limits_problem(uri, enabled, workers) is not None) is refused


def _gunicorn_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gunicorn_hook_reads_the_configured_storage(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'site.sqlite3'}")
    server = SimpleNamespace(cfg=SimpleNamespace(workers=4))
    hook = _gunicorn_config().on_starting
    hook(server)  # the default, database://, is shared by every worker
    monkeypatch.setenv("AFTERWORD_RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(RuntimeError, match="4 workers would allow 4 times every limit"):
        hook(server)
    server.cfg.workers = 1
    hook(server)
