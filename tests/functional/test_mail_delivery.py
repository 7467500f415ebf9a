"""Mail delivery: outbox messages sent by `mail.deliver` tasks through a real SMTP server on 127.0.0.1, by the
worker that answered and by `flask outbox deliver`; retries, give-up, no duplicates with two runners, the file
sink, and the start-up check on BASE_URL."""

import email
import email.policy
import importlib.util
import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from app import cli, create_app
from app.extensions import db
from app.models import OutboxMessage, Task
from app.models.types import utcnow
from app.services import accounts, outbox, tasks
from app.services.articles import create_article
from app.services.correction_requests import Requester, decide_request, request_correction
from app.services.settings import CommentRules
from tests.conftest import MAIL_BASE as BASE
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, make_app
from tests.factories import api_comment, make_comment, make_guest, make_note

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(app_with, request):
    """The app of every test here: a BASE_URL with a path; mail through the test's SMTP server when the test asks
    for `smtp` (else the file sink, as under `make run`); more settings by indirect parametrisation."""
    settings = {"BASE_URL": BASE}
    if "smtp" in request.fixturenames:
        settings.update(request.getfixturevalue("smtp").settings())
    settings.update(getattr(request, "param", {}))
    with app_with(**settings) as application:
        yield application


@pytest.fixture
def mail_app(app, smtp):
    return app


def _deliver(application, *args: str) -> str:
    result = application.test_cli_runner().invoke(args=["outbox", "deliver", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def _listed(application, *args: str) -> str:
    result = application.test_cli_runner().invoke(args=["outbox", "list", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _parts(message) -> tuple[str, str]:
    # SMTP carries lines ending in CRLF; the tests compare them as Python writes them.
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def _cite_a_guest(make_article, name="Gail Guest", address="gail@example.org"):
    article = make_article(title="The budget")
    cited = make_comment(article, writer=make_guest(name, address))
    note = make_note(article, article.author, body="The sum was **four** million.", prompted_by=[cited.id])
    return article, note


def test_a_note_added_through_the_api_reaches_the_cited_writer_by_smtp_after_the_answer(
    mail_app, smtp, make_user, make_article, token_for
):
    client = mail_app.test_client()
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, title="The budget")
    cited = api_comment(client, article, "Wrong figure.", name="Gail Guest", email="gail@example.org")
    response = client.post(
        f"/api/v1/articles/{article.slug}/notes",
        json={
            "kind": "correction",
            "body": "The sum was **four** million, as [the minutes](/minutes) and [step 2](#p-2) say.",
            "prompted_by": [cited],
        },
        headers=token_for(author),
    )
    assert response.status_code == 201, response.get_json()
    note_id = response.get_json()["note"]["id"]

    (arrived,) = smtp.inbox.messages
    stored = db.session.scalar(select(OutboxMessage))
    assert smtp.inbox.envelopes == [("noreply@comments.example.org", ["gail@example.org"])]
    assert arrived["To"] == "Gail Guest <gail@example.org>"
    assert arrived["From"] == "Afterword <noreply@comments.example.org>"
    assert arrived["Subject"].strip() == "Your comment led to correction on “The budget”"
    assert arrived["Message-ID"] == stored.message_id
    assert re.fullmatch(r"<[^@<>]+@comments\.example\.org>", stored.message_id)
    assert arrived["Auto-Submitted"] == "auto-generated"
    assert arrived["List-Unsubscribe"] is None  # an answer about the writer's own comment, not a notification
    text, html = _parts(arrived)
    link = f"{BASE}/articles/{article.slug}#note-{note_id}"
    assert "Hello Gail Guest," in text
    assert "The sum was **four** million, as [the minutes](/minutes) and [step 2](#p-2) say." in text
    assert f"Read it here: {link}\n" in text
    assert "<strong>four</strong>" in html
    assert '<a href="https://comments.example.org/minutes" rel="nofollow ugc noopener">the minutes</a>' in html
    assert f'<a href="{BASE}/articles/{article.slug}#p-2" rel="nofollow ugc noopener">step 2</a>' in html
    assert f'<a href="{link}">' in html
    # Every link in the mail is absolute, under BASE_URL.
    for url in re.findall(r'href="([^"]*)"', html) + re.findall(r"https?://\S+", text):
        assert url.startswith("https://comments.example.org/"), url
    assert stored.sent_at is not None

    # Delivering again sends nothing: the message is sent and its task done.
    assert "Delivered 0 message(s)" in _deliver(mail_app)
    assert len(smtp.inbox.messages) == 1
    assert _listed(mail_app) == "Every message was sent.\n"


def test_a_declined_request_tells_the_requester_why_with_a_link_to_the_article(mail_app, smtp, make_article):
    article = make_article(title="The budget")
    found = request_correction(
        article,
        Requester(name="Rita Reader", email="rita@example.org", ip_network="203.0.113.0/24"),
        "The budget was four million.",
        CommentRules(),
    )
    decide_request(found, "decline", article.author, reason="The minutes say three <million>.")
    assert smtp.inbox.messages == []  # outside a request, the task waits for a runner

    assert "Delivered 1 message(s); 0 to be retried, 0 given up" in _deliver(mail_app)
    (arrived,) = smtp.inbox.messages
    text, html = _parts(arrived)
    assert "It was declined: The minutes say three <million>." in text
    assert f"The article: {BASE}/articles/{article.slug}\n" in text
    assert "It was declined: The minutes say three &lt;million&gt;." in html
    assert f'<a href="{BASE}/articles/{article.slug}">' in html


def test_a_refused_message_waits_for_its_retry_and_then_goes_out_once_with_the_same_message_id(
    mail_app, smtp, make_article
):
    _cite_a_guest(make_article)
    smtp.inbox.refuse_next(1)
    assert "Delivered 0 message(s); 1 to be retried, 0 given up" in _deliver(mail_app)
    listed = _listed(mail_app)
    assert "note_cited" in listed and "waiting until" in listed and "1 attempt(s)" in listed
    assert "last error: SMTPDataError: (451" in listed

    # Backoff: not due yet, so another run sends nothing.
    assert "Delivered 0 message(s); 0 to be retried" in _deliver(mail_app)
    assert smtp.inbox.messages == []

    db.session.execute(update(Task).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert "Delivered 1 message(s)" in _deliver(mail_app)
    (arrived,) = smtp.inbox.messages
    assert arrived["Message-ID"] == db.session.scalar(select(OutboxMessage.message_id))
    assert _listed(mail_app) == "Every message was sent.\n"


@pytest.mark.parametrize("app", [{"TASKS_MAX_ATTEMPTS": 2, "TASKS_RETRY_SECONDS": 0}], indirect=True)
def test_a_message_given_up_is_listed_for_admins_and_shown_to_moderators_until_retried(
    app, smtp, make_article, make_user
):
    _cite_a_guest(make_article)
    smtp.inbox.refuse_next(10)
    assert "Delivered 0 message(s); 1 to be retried, 1 given up" in _deliver(app)
    failed = _listed(app, "--failed")
    assert re.search(
        r"to gail@example\.org, written .*: failed at [-\d]+ [:\d]+Z \(task (\d+), 2 attempt\(s\)\)", failed
    )
    assert "last error: SMTPDataError: (451" in failed
    assert "flask --app wsgi tasks retry TASK_ID" in failed

    client = app.test_client()
    moderator, author = make_user("moderator"), make_user("author")
    client.post("/login", data={"email": moderator.email, "password": "correct horse battery"})
    page = client.get("/moderation/overview").get_data(as_text=True)
    assert "1 email could not be delivered" in page
    assert "gail@example.org" not in page
    client.post("/logout")
    client.post("/login", data={"email": author.email, "password": "correct horse battery"})
    assert "could not be delivered" not in client.get("/moderation/overview").get_data(as_text=True)

    task_id = re.search(r"task (\d+)", failed).group(1)
    smtp.inbox.refuse_next(0)
    assert app.test_cli_runner().invoke(args=["tasks", "retry", task_id]).exit_code == 0
    assert "Delivered 1 message(s)" in _deliver(app)
    assert len(smtp.inbox.messages) == 1
    assert _listed(app, "--failed") == "No undelivered messages.\n"


def test_two_runners_deliver_every_message_exactly_once(app_with, smtp, tmp_path):
    shared = (
        {}
        if ON_POSTGRES
        else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "SQLALCHEMY_ENGINE_OPTIONS": {}}
    )
    settings = {"BASE_URL": BASE, **smtp.settings(), **shared}
    with app_with(**settings) as first:
        author = accounts.create_user(
            "dana@example.org",
            "Dana Reyes",
            "correct horse battery",
            "author",
            hash_method="pbkdf2:sha256:1000",
            min_length=1,
        )
        article = create_article(author, "The budget", "First paragraph.", published=True)
        for batch in range(2):
            cited = [
                make_comment(article, writer=make_guest(f"Guest {batch}-{n}", f"guest{batch}-{n}@example.org")).id
                for n in range(15)
            ]
            make_note(article, article.author, prompted_by=cited)
        second = make_app(INSTANCE_PATH=str(tmp_path), **settings)
        reports: list[tasks.Report] = []

        def runner(application):
            with application.app_context():
                reports.append(tasks.run_due(kinds=[outbox.DELIVER_TASK]))
                db.session.remove()

        threads = [threading.Thread(target=runner, args=(application,)) for application in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with second.app_context():
            db.engine.dispose()

        assert sum(report.count("done") for report in reports) == 30
        ids = [message["Message-ID"] for message in smtp.inbox.messages]
        assert len(ids) == len(set(ids)) == 30
        db.session.expire_all()
        assert db.session.scalar(select(db.func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_the_handler_sends_nothing_for_a_message_already_sent(mail_app, smtp, make_article):
    _cite_a_guest(make_article)
    _deliver(mail_app)
    message = db.session.scalar(select(OutboxMessage))
    outbox.deliver_from_task({"outbox_id": message.id})  # a second task for it, say after `tasks retry`
    outbox.deliver_from_task({"outbox_id": 987654})  # and one for a message deleted since
    assert len(smtp.inbox.messages) == 1


def test_a_notification_carries_one_click_unsubscribe(mail_app, smtp):
    outbox.queue_message(
        "note_cited",
        1,
        "Gail Guest",
        "gail@example.org",
        "A subject",
        {"note": {"signature": "Dana", "body": "Text."}, "note_html": "<p>Text.</p>", "article_title": "T"},
        unsubscribe_url=f"{BASE}/unsubscribe/abc",
    )
    db.session.commit()
    _deliver(mail_app)
    (arrived,) = smtp.inbox.messages
    assert arrived["List-Unsubscribe"] == f"<{BASE}/unsubscribe/abc>"
    assert arrived["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = _parts(arrived)
    assert f"Stop these emails: {BASE}/unsubscribe/abc" in text
    assert f'<a href="{BASE}/unsubscribe/abc">Stop these emails</a>' in html


def test_watch_delivers_what_falls_due_until_stopped(mail_app, smtp, make_article, monkeypatch):
    _cite_a_guest(make_article)

    def nap(seconds):
        assert seconds == 0.5
        cli._Stop.request(15, None)

    monkeypatch.setattr(cli, "_sleep", nap)
    output = _deliver(mail_app, "--watch", "--interval", "0.5")
    assert output.splitlines() == [
        "Delivering mail as it falls due, looking every 0.5 s; stop with SIGTERM or Ctrl-C.",
        "Delivered 1 message(s); 0 to be retried, 0 given up, 0 taken over by another runner.",
        "Stopped.",
    ]
    assert len(smtp.inbox.messages) == 1


def test_deliver_runs_only_mail_tasks(mail_app, smtp, make_article):
    _cite_a_guest(make_article)
    tasks.handles("tests.other", lambda payload: None)
    tasks.enqueue("tests.other", {})
    db.session.commit()
    assert "Delivered 1 message(s)" in _deliver(mail_app)
    assert db.session.scalar(select(Task.kind).where(Task.done_at.is_(None))) == "tests.other"


def test_make_run_mail_lands_in_a_file_the_developer_can_read(app, make_article, tmp_path):
    article, note = _cite_a_guest(make_article)
    assert "Delivered 1 message(s)" in _deliver(app)
    (sink,) = (tmp_path / "mail").iterdir()
    first = sink.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[0]
    written = email.message_from_bytes(first, policy=email.policy.default)
    assert written["To"] == "Gail Guest <gail@example.org>"
    assert f"Read it here: {BASE}/articles/{article.slug}#note-{note.id}" in _parts(written)[0]


def _flask(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("AFTERWORD_") and key != "DATABASE_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {"AFTERWORD_ENV": "production", "SECRET_KEY": "x" * 32}


def test_production_without_base_url_starts_with_mail_off_and_says_so(tmp_path):
    production = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}
    migrated = _flask("db", "upgrade", **production)
    assert migrated.returncode == 0, migrated.stderr
    started = _flask("outbox", "list", **production)
    assert started.returncode == 0, started.stderr
    assert "Every message was sent." in started.stdout
    assert "AFTERWORD_BASE_URL is not set, so mail is off" in started.stderr
    refused = _flask("outbox", "deliver", **production)
    assert refused.returncode != 0
    assert "Error: AFTERWORD_BASE_URL is not set, so mail is off" in refused.stderr
    on = _flask("outbox", "deliver", AFTERWORD_BASE_URL="https://comments.example.org", **production)
    assert on.returncode == 0, on.stderr
    assert "mail is off" not in on.stderr
    assert "Delivered 0 message(s)" in on.stdout


def test_production_naming_a_mail_server_without_base_url_refuses_to_start(tmp_path):
    production = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}
    refused = _flask("outbox", "--help", AFTERWORD_MAIL_SERVER="smtp.example.org", **production)
    assert refused.returncode != 0
    assert "AFTERWORD_MAIL_SERVER is set but AFTERWORD_BASE_URL is not" in refused.stderr
    started = _flask(
        "outbox",
        "--help",
        AFTERWORD_MAIL_SERVER="smtp.example.org",
        AFTERWORD_BASE_URL="https://comments.example.org",
        **production,
    )
    assert started.returncode == 0, started.stderr
    assert "deliver" in started.stdout


def test_gunicorn_refuses_a_mail_server_without_base_url_and_starts_with_mail_off(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("AFTERWORD_BASE_URL", raising=False)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'site.sqlite3'}")
    monkeypatch.setenv("AFTERWORD_MAIL_SERVER", "smtp.example.org")
    server = SimpleNamespace(cfg=SimpleNamespace(workers=2))
    with pytest.raises(RuntimeError, match="AFTERWORD_MAIL_SERVER is set but AFTERWORD_BASE_URL is not"):
        module.on_starting(server)
    monkeypatch.setenv("AFTERWORD_BASE_URL", "https://comments.example.org")
    module.on_starting(server)
    monkeypatch.delenv("AFTERWORD_BASE_URL")
    monkeypatch.delenv("AFTERWORD_MAIL_SERVER")
    module.on_starting(server)  # mail off: the site runs (and says so in its log)


@pytest.mark.parametrize("app", [{"BASE_URL": ""}], indirect=True)
def test_with_mail_off_messages_are_kept_unsent_with_no_delivery_task(app, make_article):
    article, note = _cite_a_guest(make_article)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to_email == "gail@example.org"
    assert message.task is None and message.message_id is None and message.sent_at is None
    assert outbox.state(message) == "not queued"
    assert f"Read it here: /articles/{article.slug}#note-{note.id}" in message.body
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code != 0
    assert "mail is off" in result.output


@pytest.mark.parametrize(
    "settings, problem",
    [
        ({"BASE_URL": "", "MAIL_SERVER": "smtp.example.org"}, "AFTERWORD_MAIL_SERVER is set but AFTERWORD_BASE_URL"),
        ({"BASE_URL": "", "MAIL_PORT": 0}, "AFTERWORD_MAIL_PORT must be a port number"),
        ({"BASE_URL": "comments.example.org"}, "AFTERWORD_BASE_URL must be the site's address"),
        ({"BASE_URL": "https://comments.example.org/?x=1"}, "AFTERWORD_BASE_URL must be the site's address"),
        ({"MAIL_BACKEND": "pigeon"}, "AFTERWORD_MAIL_BACKEND must be one of smtp, file, console"),
        ({"MAIL_PORT": "smtp"}, "AFTERWORD_MAIL_PORT must be a port number"),
        ({"MAIL_PORT": 70000}, "AFTERWORD_MAIL_PORT must be a port number"),
        ({"MAIL_USE_TLS": "True"}, "AFTERWORD_MAIL_USE_TLS must be true or false, not 'True'"),
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "Set only one of AFTERWORD_MAIL_USE_TLS"),
    ],
)
def test_bad_mail_settings_stop_the_start_with_a_clear_error(settings, problem, tmp_path):
    config = {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL, "INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ValueError, match=re.escape(problem)):
        create_app({**config, **settings})


def test_development_and_tests_need_no_base_url(tmp_path, monkeypatch):
    monkeypatch.delenv("AFTERWORD_BASE_URL", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)}
    assert create_app({**config, "ENV_NAME": "development"}).config["BASE_URL"] == "http://127.0.0.1:5000"
    assert create_app({**config, "ENV_NAME": "testing"}).config["BASE_URL"] == "http://localhost"
    assert create_app({**config, "ENV_NAME": "production"}).config["BASE_URL"] == ""  # mail off


def test_mail_passwords_and_names_are_read_as_written(tmp_path, monkeypatch):
    monkeypatch.setenv("AFTERWORD_MAIL_PASSWORD", "123456")
    monkeypatch.setenv("AFTERWORD_MAIL_USERNAME", "true")
    monkeypatch.setenv("AFTERWORD_MAIL_PORT", "587")
    monkeypatch.setenv("AFTERWORD_MAIL_USE_TLS", "true")
    made = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})
    assert (made.config["MAIL_PASSWORD"], made.config["MAIL_USERNAME"]) == ("123456", "true")
    assert (made.config["MAIL_PORT"], made.config["MAIL_USE_TLS"]) == (587, True)


def test_messages_from_before_delivery_are_listed_but_never_sent(mail_app, smtp):
    db.session.add(
        OutboxMessage(
            topic="request_decided", subject_id=1, to_name="Old", to_email="old@example.org", subject="S", body="/x"
        )
    )
    db.session.commit()
    assert "Delivered 0 message(s)" in _deliver(mail_app)
    assert "to old@example.org, written" in _listed(mail_app) and ": not queued\n" in _listed(mail_app)
    assert smtp.inbox.messages == []


def test_old_done_tasks_go_and_their_sent_messages_stay(mail_app, smtp, make_article):
    _cite_a_guest(make_article)
    _deliver(mail_app)
    db.session.execute(update(Task).values(done_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    assert tasks.prune_done() == 1
    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage))
    assert (message.sent_at is not None, outbox.state(message)) == (True, "sent")
    assert _listed(mail_app) == "Every message was sent.\n"
