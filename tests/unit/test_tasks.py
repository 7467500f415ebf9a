"""The task queue: queued with the change, claimed by one runner at a time, retried, given up, taken again."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text, update

from app.extensions import db
from app.models import Comment, CommentStatus, Task
from app.models.types import utcnow
from app.services import moderation, tasks
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.factories import HELD, make_comment, run_tasks

KIND = "test.record"


@pytest.fixture
def ran(monkeypatch):
    """Register a handler for KIND that counts the payloads' numbers it ran, and fails on {"fail": "..."}."""
    seen: Counter = Counter()
    lock = threading.Lock()

    def handler(payload):
        if "fail" in payload:
            raise ValueError(payload["fail"])
        with lock:
            seen[payload["n"]] += 1

    monkeypatch.setitem(tasks._handlers, KIND, handler)
    return seen


def _queue(*payloads) -> list[int]:
    queued = [tasks.enqueue(KIND, payload) for payload in payloads]
    db.session.commit()
    return [task.id for task in queued]


def _task(task_id: int) -> Task:
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert task is not None
    return task


def _age(**changes) -> None:
    """Move every task's times into the past, as if the time they wait for had come."""
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(update(Task).values(**{name: past for name in changes}))
    db.session.commit()


def test_a_task_exists_only_if_the_change_that_queued_it_is_committed(app, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), rules=HELD)
    moderation.apply(comment, "spam", moderator, commit=False)
    db.session.rollback()
    assert db.session.scalars(select(Task)).all() == []

    moderation.apply(db.session.get(Comment, comment.id), "spam", moderator)
    db.session.rollback()  # nothing left uncommitted
    [task] = db.session.scalars(select(Task)).all()
    assert (task.kind, task.payload, task.attempts) == ("spam.learn", {"comment_id": comment.id, "is_spam": True}, 0)
    assert db.session.get(Comment, comment.id).status is CommentStatus.spam


def test_a_task_runs_once_and_is_kept_as_done(app, ran):
    [task_id] = _queue({"n": 1})
    report = tasks.run_due()
    assert (report.ran, report.count("done"), ran) == (1, 1, Counter({1: 1}))
    task = _task(task_id)
    assert (task.attempts, task.claimed_until, task.last_error) == (1, None, None) and task.done_at is not None
    assert tasks.run_due().ran == 0 and ran == Counter({1: 1})


def test_enqueue_refuses_a_kind_without_a_handler(app):
    with pytest.raises(ValueError, match="No handler is registered for tasks of kind 'nothing.here'"):
        tasks.enqueue("nothing.here", {})


def test_a_task_claimed_and_abandoned_runs_again_once_its_claim_runs_out(app, ran):
    [task_id] = _queue({"n": 7})
    abandoned = tasks.claim()  # a runner that is killed before it runs the task
    assert abandoned is not None and abandoned.attempt == 1
    assert tasks.run_due().ran == 0  # held: nobody else takes it while the claim lasts
    assert tasks.state(_task(task_id)) == "running"

    _age(claimed_until=True)
    assert tasks.run_due().count("done") == 1
    assert ran == Counter({7: 1}) and _task(task_id).attempts == 2
    # Had the first runner only been slow, what it did is not committed: the task is another runner's now.
    assert tasks.run(abandoned) == "lost"
    assert ran == Counter({7: 2})  # the handler ran, but its transaction was rolled back
    assert _task(task_id).attempts == 2


def test_a_failing_task_is_retried_later_then_given_up_with_its_error(app, ran):
    app.config.update(TASKS_MAX_ATTEMPTS=3, TASKS_RETRY_SECONDS=30)
    [task_id] = _queue({"fail": "the service said no"})

    assert tasks.run_due().count("retry") == 1
    task = _task(task_id)
    assert (tasks.state(task), task.attempts, task.last_error) == ("waiting", 1, "ValueError: the service said no")
    wait = task.run_after - utcnow()
    assert timedelta(seconds=28) < wait <= timedelta(seconds=30)
    assert tasks.run_due().ran == 0  # not due yet

    _age(run_after=True)
    assert tasks.run_due().count("retry") == 1
    wait = _task(task_id).run_after - utcnow()
    assert timedelta(seconds=58) < wait <= timedelta(seconds=60)  # twice as long after the second failure

    _age(run_after=True)
    assert tasks.run_due().count("failed") == 1
    task = _task(task_id)
    assert (tasks.state(task), task.attempts, task.last_error) == ("failed", 3, "ValueError: the service said no")
    _age(run_after=True)
    assert tasks.run_due().ran == 0  # given up: no runner takes it again

    assert tasks.retry([task_id]) == 1
    task = _task(task_id)
    assert (tasks.state(task), task.attempts, task.last_error) == ("due", 0, "ValueError: the service said no")


def test_waits_double_up_to_an_hour(app):
    assert [tasks.retry_wait(n).total_seconds() for n in (1, 2, 3, 8, 30)] == [30, 60, 120, 3600, 3600]


def test_two_runners_never_hold_one_task(app, ran):
    first_id, second_id = _queue({"n": 1}, {"n": 2})
    first, second = tasks.claim(), tasks.claim()  # two runners, one after the other
    assert first is not None and second is not None
    assert (first.id, second.id) == (first_id, second_id)
    assert tasks.claim() is None  # both held: a third runner finds nothing
    assert [tasks.run(first), tasks.run(second)] == ["done", "done"]
    assert ran == Counter({1: 1, 2: 1})


def test_done_tasks_are_deleted_after_some_days_and_given_up_ones_kept(app, ran):
    app.config["TASKS_MAX_ATTEMPTS"] = 1
    done_id, failed_id = _queue({"n": 1}, {"fail": "no"})
    tasks.run_due()
    [pending_id] = _queue({"n": 2})
    long_ago = utcnow() - timedelta(days=8)
    db.session.execute(update(Task).where(Task.id == done_id).values(done_at=long_ago))
    db.session.execute(update(Task).where(Task.id == failed_id).values(failed_at=long_ago))
    db.session.commit()
    assert tasks.prune_done(every_seconds=3600) == 1  # the first time in this process
    assert db.session.scalars(select(Task.id).order_by(Task.id)).all() == [failed_id, pending_id]
    db.session.execute(update(Task).where(Task.id == pending_id).values(done_at=long_ago))
    db.session.commit()
    assert tasks.prune_done(every_seconds=3600) == 0  # pruned less than an hour ago
    assert tasks.prune_done() == 1


def test_a_lesson_for_a_comment_purged_meanwhile_is_done_without_learning(app, make_user, make_article):
    comment = make_comment(make_article(), rules=HELD)
    moderation.apply(comment, "spam", make_user("moderator"))
    moderation.purge(CommentStatus.spam, timedelta(seconds=-1))
    assert run_tasks().count("done") == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="SKIP LOCKED is PostgreSQL's; set TEST_DATABASE_URL to run it")
def test_on_postgres_a_runner_skips_a_row_another_holds_without_waiting(app, ran):
    first_id, second_id = _queue({"n": 1}, {"n": 2})
    other = create_engine(TEST_DATABASE_URL)
    try:
        with other.begin() as connection:  # another runner, in the middle of claiming the first task
            connection.execute(text("SELECT id FROM tasks WHERE id = :id FOR UPDATE"), {"id": first_id})
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail the test, not hang it
            claimed = tasks.claim()
            assert claimed is not None and claimed.id == second_id
    finally:
        other.dispose()


def test_runners_in_parallel_run_every_task_exactly_once(app_with, tmp_path, ran):
    """Four runners in threads, each with its own connection, on PostgreSQL or a SQLite file."""
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    # A pool of connections, one per thread (the tests' SQLite apps otherwise share a single one).
    with app_with(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}) as shared:
        _queue(*({"n": n} for n in range(60)))
        reports: list[tasks.Report] = []

        def runner() -> None:
            with shared.app_context():
                reports.append(tasks.run_due())
                db.session.remove()

        threads = [threading.Thread(target=runner) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ran == Counter(range(60))
        assert sum(report.count("done") for report in reports) == 60
        assert db.session.scalars(select(Task).where(Task.done_at.is_(None))).all() == []


def test_two_quick_opposite_verdicts_learned_in_either_order_end_where_the_moderators_did(app, make_user, make_article):
    from app.services.spam.learning import LEARN_TASK, learn_from_task

    moderator = make_user("moderator")
    article = make_article()
    in_order, reversed_order = (make_comment(article, f"Cheap watches, lot {n}", rules=HELD) for n in (1, 2))
    for comment in (in_order, reversed_order):
        moderation.apply(comment, "spam", moderator)
        moderation.apply(comment, "not_spam", moderator)  # the moderator changed their mind at once
    payloads = {
        comment_id: [
            task.payload
            for task in db.session.scalars(select(Task).order_by(Task.id))
            if task.payload["comment_id"] == comment_id
        ]
        for comment_id in (in_order.id, reversed_order.id)
    }
    assert [p["is_spam"] for p in payloads[in_order.id]] == [True, False]
    assert {task.kind for task in db.session.scalars(select(Task))} == {LEARN_TASK}
    for payload in payloads[in_order.id]:
        learn_from_task(payload)
    for payload in reversed(payloads[reversed_order.id]):  # two runners, the later task first
        learn_from_task(payload)
    db.session.commit()
    db.session.expire_all()
    assert (in_order.trained_as, reversed_order.trained_as) == ("ham", "ham")


def test_a_task_queued_for_later_waits_until_then(app, ran):
    task = tasks.enqueue(KIND, {"n": 41}, due=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert tasks.run_due().ran == 0
    assert ran[41] == 0
    _age(run_after=True)
    tasks.run_due()
    assert ran[41] == 1
    assert _task(task.id).done_at is not None
