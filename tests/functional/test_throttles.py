"""Throttles at the site's doors, through HTTP: counted in storage every worker process shares, counted as
attempts arrive, and a lock-out that tells a guesser nothing; registrations, made or refused, count too."""

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.services import accounts
from tests.conftest import ON_POSTGRES, PASSWORD, TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
DANA = "dana@example.org"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _without_values(html: str) -> str:
    """The page without what the visitor typed (echoed in value="...") or the CSRF token."""
    return re.sub(r'value="[^"]*"', "", html)


def _sign_in(client, password: str, email: str = DANA, network: str = "203.0.113.7"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": network})


# --- one email's guesses, spread over two worker processes -------------------------------------------------


def _guess_in_a_process(settings: dict, attempts: list[str], results) -> None:
    """A worker of its own: a new app on the shared database, signing in with each password in turn."""
    app = create_app(settings)
    with app.app_context():
        client = app.test_client()
        results.append([_sign_in(client, password).status_code for password in attempts])
        db.engine.dispose()


def _two_workers(tmp_path, storage: str) -> tuple[list[int], list[int]]:
    """Three wrong passwords for one email in one process, then three more and the right one in another."""
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    settings = {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "LOGIN_LIMIT_PER_EMAIL": "5 per minute",
        "LOGIN_LIMIT_PER_NETWORK": "100 per minute",
    }
    if not ON_POSTGRES:
        with create_app(settings).app_context():
            db.create_all()
            accounts.create_user(DANA, "Dana Reyes", PASSWORD, "admin", hash_method="pbkdf2:sha256:1000", min_length=10)
            db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        results = manager.list()
        for attempts in (["guess 1", "guess 2", "guess 3"], ["guess 4", "guess 5", "guess 6", PASSWORD]):
            worker = context.Process(target=_guess_in_a_process, args=(settings, attempts, results))
            worker.start()
            worker.join(120)
            assert worker.exitcode == 0
        return list(results[0]), list(results[1])


def test_the_sixth_wrong_password_is_refused_whichever_worker_gets_it(app, make_user, tmp_path):
    if ON_POSTGRES:  # the workers share the suite's database; on SQLite they share a file
        make_user("admin", name="Dana Reyes", email=DANA)
    first, second = _two_workers(tmp_path, "database://")
    assert first == [200, 200, 200]
    # The sixth guess for this email is the limit's sixth, though this worker has only seen three; the right
    # password waits too.
    assert second == [200, 200, 429, 429]


def test_counters_kept_in_each_process_would_let_each_worker_allow_the_whole_limit(app, make_user, tmp_path):
    """Why memory:// is refused with several workers (gunicorn.conf.py): each process counts on its own."""
    if ON_POSTGRES:
        make_user("admin", name="Dana Reyes", email=DANA)
    first, second = _two_workers(tmp_path, "memory://")
    assert first == [200, 200, 200]
    assert second == [200, 200, 200, 302]


# --- gunicorn refuses per-process counters with several workers ---------------------------------------------


def _gunicorn(tmp_path, workers: int, storage: str | None, **settings: str) -> subprocess.Popen:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AFTERWORD_", "DATABASE_URL"))
    }
    environment.update(SECRET_KEY="test", DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}", **settings)
    if storage:
        environment["AFTERWORD_RATELIMIT_STORAGE_URI"] = storage
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", str(workers)]
    return subprocess.Popen(
        [*command, "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_gunicorn_will_not_start_several_workers_that_count_on_their_own(tmp_path):
    server = _gunicorn(tmp_path, 2, "memory://")
    output, _ = server.communicate(timeout=60)
    assert server.returncode != 0
    assert "AFTERWORD_RATELIMIT_STORAGE_URI is 'memory://'" in output
    assert "2 workers would allow 2 times every limit" in output
    assert "Booting worker" not in output


def test_gunicorn_will_not_start_when_the_site_cannot_load_its_settings(tmp_path):
    """The check runs the site in a process of its own (the master stays small): if that fails, so does the start,
    with the reason."""
    server = _gunicorn(tmp_path, 2, None, AFTERWORD_ENV="nonsense")
    output, _ = server.communicate(timeout=60)
    assert server.returncode != 0
    assert "The site's settings could not be loaded" in output and "nonsense" in output
    assert "Booting worker" not in output


@pytest.mark.parametrize("workers, storage", [(2, None), (1, "memory://")])
def test_gunicorn_starts_with_shared_counters_or_a_single_worker(tmp_path, workers, storage):
    server = _gunicorn(tmp_path, workers, storage)
    output = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Booting worker" not in output:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                break
            output += line
    finally:
        server.send_signal(signal.SIGTERM)
        output += server.communicate(timeout=30)[0]
    assert "Booting worker" in output, output


# --- the lock-out --------------------------------------------------------------------------------------------


@pytest.fixture
def limited(app_with):
    with app_with(
        RATELIMIT_ENABLED=True,
        LOGIN_LIMIT_PER_EMAIL="5 per minute;20 per hour",
        LOGIN_LIMIT_PER_NETWORK="10 per minute",
    ) as application:
        accounts.create_user(DANA, "Dana Reyes", PASSWORD, "admin", hash_method="pbkdf2:sha256:1000", min_length=10)
        yield application


def test_during_a_lock_out_the_right_password_gets_the_same_answer_as_a_wrong_one(limited):
    client = limited.test_client()
    assert [_sign_in(client, f"guess {n}").status_code for n in range(5)] == [200] * 5
    wrong, right = _sign_in(client, "guess 6"), _sign_in(client, PASSWORD)
    assert wrong.status_code == right.status_code == 429
    assert "Too many attempts to sign in. Try again in" in _text(right)
    assert 0 < int(right.headers["Retry-After"]) <= 60
    assert _without_values(_text(wrong)) == _without_values(_text(right))
    assert "The email or the password is not right." not in _text(right)  # the password was never checked
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_lock_out_lasts_until_its_window_ends(limited, monkeypatch):
    client = limited.test_client()
    for n in range(6):
        _sign_in(client, f"guess {n}")
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert _sign_in(client, PASSWORD).status_code == 302


def test_any_spelling_of_the_address_shares_its_lock_out(limited):
    client = limited.test_client()
    for spelling in [
        "dana@example.org",
        "DANA@example.org",
        "ｄａｎａ@example.org",
        " Dana@EXAMPLE.org",
        "ｄａｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ",
    ]:
        assert _sign_in(client, "guess", email=spelling).status_code == 200
    assert _sign_in(client, "guess", email="Ｄａｎａ@example.org").status_code == 429


def test_signing_in_uses_none_of_the_allowance(limited):
    client = limited.test_client()
    for _ in range(8):
        assert _sign_in(client, PASSWORD).status_code == 302
        client.post("/logout")
    # Eight sign-ins later all five failures are still allowed, and then no more.
    assert [_sign_in(client, f"guess {n}").status_code for n in range(6)] == [200] * 5 + [429]


def test_guesses_spread_over_many_emails_are_stopped_per_network(limited):
    client = limited.test_client()
    statuses = [_sign_in(client, "guess", email=f"person{n}@example.org").status_code for n in range(12)]
    assert statuses == [200] * 10 + [429, 429]
    # Another network is not held back by this one.
    assert _sign_in(client, PASSWORD, network="198.51.100.9").status_code == 302


# --- registration --------------------------------------------------------------------------------------------


def _register(client, email: str, name: str = "Rosa Diaz", network: str = "203.0.113.7"):
    return client.post(
        "/register",
        data={"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD},
        environ_base={"REMOTE_ADDR": network},
    )


def test_asking_whether_an_address_has_an_account_is_throttled_per_email(app_with):
    with app_with(
        RATELIMIT_ENABLED=True, REGISTER_LIMIT_PER_EMAIL="5 per hour", REGISTER_LIMIT_PER_NETWORK="100 per hour"
    ) as application:
        accounts.create_user(DANA, "Dana Reyes", PASSWORD, "admin", hash_method="pbkdf2:sha256:1000", min_length=10)
        client = application.test_client()
        # Each spelling of the address, from a different network each time: all one address.
        spellings = [
            "dana@example.org",
            "DANA@example.org",
            "ｄａｎａ@example.org",
            "Dana@Example.org",
            "dana@EXAMPLE.ORG",
        ]
        answers = [_register(client, email, network=f"10.0.{n}.1") for n, email in enumerate(spellings)]
        assert [answer.status_code for answer in answers] == [200] * 5
        assert all("An account with this email address already exists." in _text(answer) for answer in answers)
        refused = _register(client, "dana@example.org", network="10.0.99.1")
        assert refused.status_code == 429
        assert "Too many attempts to create an account. Try again in" in _text(refused)
        assert "already exists" not in _text(refused)
        assert 0 < int(refused.headers["Retry-After"]) <= 3600


def test_failed_registrations_count_against_the_network(app_with):
    with app_with(
        RATELIMIT_ENABLED=True, REGISTER_LIMIT_PER_EMAIL="5 per hour", REGISTER_LIMIT_PER_NETWORK="10 per hour"
    ) as application:
        for n in range(12):
            email = f"taken{n}@example.org"
            accounts.create_user(
                email, f"Taken {n}", PASSWORD, "reader", hash_method="pbkdf2:sha256:1000", min_length=10
            )
        client = application.test_client()
        answers = [_register(client, f"taken{n}@example.org") for n in range(12)]
        assert [answer.status_code for answer in answers] == [200] * 10 + [429, 429]
        assert "already exists" not in _text(answers[-1])
        # A new address from this network waits too; from another network it goes through.
        assert _register(client, "new@example.org").status_code == 429
        assert _register(client, "new@example.org", network="198.51.100.9").status_code == 302
