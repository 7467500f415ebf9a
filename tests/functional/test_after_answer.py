"""After the answer, through HTTP and `flask tasks`: a moderator's verdict is answered first and learned after."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Comment, SpamModel, Task
from app.models.types import utcnow
from app.services import tasks
from app.services.spam import classifier
from tests.factories import HELD, make_comment, make_guest

SPAMMY = "Zebra quokka wombat gallery tickets, this weekend only"


@pytest.fixture
def moderator_headers(make_user, token_for):
    return token_for(make_user("moderator"))


def _mark_spam(client, headers, comment_id: int, **options):
    return client.post(f"/api/v1/moderation/comments/{comment_id}", json={"action": "spam"}, headers=headers, **options)


def _learned(comment_id: int) -> tuple[str | None, list[str]]:
    """The comment's trained_as and the kinds of the model's versions."""
    db.session.expire_all()
    comment = db.session.get(Comment, comment_id)
    assert comment is not None
    return comment.trained_as, list(db.session.scalars(select(SpamModel.kind).order_by(SpamModel.id)))


def test_with_after_answer_off_the_verdict_is_answered_and_learned_by_flask_tasks_run(
    app, client, runner, moderator_headers, make_article
):
    app.config["TASKS_AFTER_ANSWER"] = 0
    comment = make_comment(make_article(), SPAMMY, make_guest("Deal Maker"), HELD)
    before = classifier.classify(SPAMMY, "Deal Maker").probability

    response = _mark_spam(client, moderator_headers, comment.id)

    assert response.status_code == 200 and response.get_json()["comment"]["status"] == "spam"
    assert _learned(comment.id) == (None, [])  # the verdict is stored, the lesson waits
    listing = runner.invoke(args=["tasks", "list"])
    assert listing.exit_code == 0, listing.output
    [line] = listing.output.splitlines()
    assert line.split() == ["1", "spam.learn", "due,", "0", "attempt(s)", "comment", str(comment.id)]

    result = runner.invoke(args=["tasks", "run"])

    assert result.exit_code == 0, result.output
    assert result.output == "Ran 1 task(s): 1 done, 0 to be retried, 0 given up, 0 taken over by another runner.\n"
    assert _learned(comment.id) == ("spam", ["lesson"])
    assert classifier.classify(SPAMMY, "Deal Maker").probability > before + 0.2
    assert runner.invoke(args=["tasks", "list"]).output == "No tasks waiting.\n"


def test_the_worker_learns_once_the_answer_is_sent(client, moderator_headers, make_article):
    comment = make_comment(make_article(), SPAMMY, rules=HELD)

    response = _mark_spam(client, moderator_headers, comment.id, buffered=False)  # the server is writing the body

    assert response.status_code == 200 and response.get_json()["comment"]["status"] == "spam"
    assert _learned(comment.id) == (None, [])
    response.close()  # what the WSGI server calls once the body is written
    assert _learned(comment.id) == ("spam", ["lesson"])
    assert db.session.scalar(select(Task.done_at)) is not None


def test_answers_that_queued_nothing_run_no_tasks_and_the_next_verdict_runs_those_due(
    app, client, moderator_headers, make_article, monkeypatch
):
    ran: Counter = Counter()
    monkeypatch.setitem(tasks._handlers, "test.record", lambda payload: ran.update([payload["n"]]))
    tasks.enqueue("test.record", {"n": 1})  # queued outside any request, as `flask` commands do
    db.session.commit()
    article = make_article()

    assert client.get(f"/api/v1/articles/{article.slug}/comments").status_code == 200
    assert client.get(f"/articles/{article.slug}").status_code == 200
    assert ran == Counter()

    comment = make_comment(article, SPAMMY, rules=HELD)
    assert _mark_spam(client, moderator_headers, comment.id).status_code == 200
    assert ran == Counter({1: 1}) and _learned(comment.id) == ("spam", ["lesson"])


def test_each_answer_runs_at_most_its_share_of_tasks(app, client, moderator_headers, make_article, monkeypatch):
    ran: Counter = Counter()
    monkeypatch.setitem(tasks._handlers, "test.record", lambda payload: ran.update([payload["n"]]))
    for n in range(5):
        tasks.enqueue("test.record", {"n": n})
    db.session.commit()
    app.config["TASKS_AFTER_ANSWER"] = 3
    comment = make_comment(make_article(), SPAMMY, rules=HELD)

    assert _mark_spam(client, moderator_headers, comment.id).status_code == 200

    assert ran == Counter(range(3))  # the oldest first; the rest (and the lesson) wait for the next runner
    assert _learned(comment.id) == (None, [])
    assert db.session.scalar(select(Task.id).where(Task.done_at.is_(None)).order_by(Task.id)) == 4


def _failing_task(monkeypatch) -> int:
    def refuse(payload):
        raise ConnectionError("the mail server refused the connection")

    monkeypatch.setitem(tasks._handlers, "test.fail", refuse)
    task = tasks.enqueue("test.fail", {"comment_id": 9})
    db.session.commit()
    return task.id


def test_a_task_given_up_is_listed_with_its_error_and_can_be_retried(app, runner, monkeypatch):
    app.config["TASKS_MAX_ATTEMPTS"] = 2
    task_id = _failing_task(monkeypatch)

    first = runner.invoke(args=["tasks", "run"])
    assert first.output == "Ran 1 task(s): 0 done, 1 to be retried, 0 given up, 0 taken over by another runner.\n"
    waiting = runner.invoke(args=["tasks", "list"]).output.splitlines()
    assert waiting[0].split()[:4] == [str(task_id), "test.fail", "waiting", "until"]
    assert waiting[1].strip() == "last error: ConnectionError: the mail server refused the connection"
    assert runner.invoke(args=["tasks", "list", "--failed"]).output == "No failed tasks.\n"

    db.session.execute(update(Task).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    second = runner.invoke(args=["tasks", "run"])
    assert second.output == "Ran 1 task(s): 0 done, 0 to be retried, 1 given up, 0 taken over by another runner.\n"
    failed = runner.invoke(args=["tasks", "list", "--failed"]).output.splitlines()
    assert failed[0].split()[:7] == [str(task_id), "test.fail", "failed", "at", *failed[0].split()[4:6], "2"]
    assert failed[1].strip() == "last error: ConnectionError: the mail server refused the connection"
    assert runner.invoke(args=["tasks", "run"]).output.startswith("Ran 0 task(s)")

    retried = runner.invoke(args=["tasks", "retry", str(task_id)])
    assert (retried.exit_code, retried.output) == (0, "1 task(s) due again.\n")
    assert runner.invoke(args=["tasks", "run"]).output.startswith("Ran 1 task(s): 0 done, 1 to be retried")


def test_tasks_retry_refuses_unknown_ids_and_needs_ids_or_all_failed(app, runner, monkeypatch):
    task_id = _failing_task(monkeypatch)  # pending, not given up
    unknown = runner.invoke(args=["tasks", "retry", str(task_id), "999"])
    assert unknown.exit_code == 1
    assert unknown.output == f"Error: No given-up task has the id {task_id}, 999.\n"
    neither = runner.invoke(args=["tasks", "retry"])
    assert neither.exit_code == 2 and "Give the ids of failed tasks, or --all-failed." in neither.output
    both = runner.invoke(args=["tasks", "retry", "--all-failed", "3"])
    assert both.exit_code == 2
    assert runner.invoke(args=["tasks", "retry", "--all-failed"]).output == "0 task(s) due again.\n"
    not_a_number = runner.invoke(args=["tasks", "retry", "seven"])
    assert not_a_number.exit_code == 2 and "'seven' is not a valid integer" in not_a_number.output


def test_tasks_run_watch_runs_what_falls_due_until_stopped(app, runner, moderator_headers, make_article, monkeypatch):
    from app import cli

    comment = make_comment(make_article(), SPAMMY, rules=HELD)
    app.config["TASKS_AFTER_ANSWER"] = 0
    client = app.test_client()
    assert _mark_spam(client, moderator_headers, comment.id).status_code == 200
    naps: list[float] = []

    def nap(seconds: float) -> None:  # nothing more falls due: stop, as SIGTERM would
        naps.append(seconds)
        cli._Stop.request(15, None)

    monkeypatch.setattr(cli, "_sleep", nap)
    result = runner.invoke(args=["tasks", "run", "--watch", "--interval", "0.5"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Running tasks as they fall due, looking every 0.5 s; stop with SIGTERM or Ctrl-C.",
        "Ran 1 task(s): 1 done, 0 to be retried, 0 given up, 0 taken over by another runner.",
        "Stopped.",
    ]
    assert naps == [0.5] and _learned(comment.id) == ("spam", ["lesson"])
    assert runner.invoke(args=["tasks", "run", "--watch", "--interval", "0"]).exit_code == 2


def test_tasks_run_watch_keeps_going_when_the_database_fails(app, runner, monkeypatch):
    from app import cli

    calls: list[int | None] = []

    def run_due(limit=None, seconds=None):
        calls.append(limit)
        if len(calls) == 1:
            raise RuntimeError("connection refused")
        return tasks.Report()

    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            cli._Stop.request(15, None)

    monkeypatch.setattr(tasks, "run_due", run_due)
    monkeypatch.setattr(cli, "_sleep", nap)
    result = runner.invoke(args=["tasks", "run", "--watch"])

    assert result.exit_code == 0, result.output
    assert "Running tasks failed, trying again in 2 s: connection refused" in result.output
    assert (calls, naps) == ([100, 100], [2.0, 2.0])
    assert result.output.splitlines()[-1] == "Stopped."
