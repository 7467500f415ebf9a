"""Tasks: work a change asks for that need not delay the answer (the spam learner's lesson, an Akismet report).

`enqueue` adds a row to `tasks` in the caller's transaction, so a task exists exactly when the change that
asked for it was committed. A runner (the worker that answered, once the answer is sent, or
`flask tasks run`) claims due tasks one at a time and runs each in its own transaction with its handler.

- **Claims**: one UPDATE takes the oldest due task that nobody holds and sets `claimed_until`. On PostgreSQL
  the candidate row is chosen with `FOR UPDATE SKIP LOCKED`, so two runners never wait for each other nor
  take the same row; SQLite runs one writer at a time, which makes the same UPDATE atomic.
- **Nothing lost**: a runner that dies leaves its claim behind; once `claimed_until` has passed, another
  runner claims the task again. Handlers may therefore run more than once and must be idempotent.
- **Done**: the handler's changes and the mark "done" commit together, and only while the runner still
  holds its claim (the claim's attempt number must match), so a runner whose claim was taken over
  commits nothing.
- **Failures**: the error is kept and the task waits `TASKS_RETRY_SECONDS`, doubled at each attempt,
  before it is due again; after `TASKS_MAX_ATTEMPTS` attempts it is given up, with its error, until an
  admin retries it (`flask tasks retry`).
"""

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import CursorResult, Select, delete, or_, select, update

from app.extensions import db
from app.models import Task
from app.models.types import utcnow
from app.services.errors import ServiceError

Handler = Callable[[dict[str, Any]], None]

# Defaults of the settings (app/config.py documents them).
CLAIM_SECONDS = 120
RETRY_SECONDS = 30
MAX_ATTEMPTS = 8
KEEP_DONE_DAYS = 7
# A retry never waits longer than this, however many attempts came before.
LONGEST_WAIT = timedelta(hours=1)
ERROR_MAX = 2000
PRUNED_KEY = "afterword_tasks_pruned"

_handlers: dict[str, Handler] = {}


def handles(kind: str, handler: Handler) -> None:
    """Register the function that does tasks of `kind` (at app creation); it gets the task's payload.

    The handler works in the runner's transaction and never commits: the runner commits its changes
    together with the mark "done". It raises to have the task retried later.
    """
    _handlers[kind] = handler


def enqueue(kind: str, payload: dict[str, Any], due: datetime | None = None) -> Task:
    """Add a task to the session, due at once or at `due` (the caller commits it with the change that asks for
    it)."""
    if kind not in _handlers:
        raise ValueError(f"No handler is registered for tasks of kind {kind!r}.")
    task = Task(kind=kind, payload=payload, attempts=0, run_after=due or utcnow())
    db.session.add(task)
    return task


def cancel(kind: str, payload: dict[str, Any]) -> int:
    """Drop the tasks of `kind` queued with exactly this payload that no runner holds yet (a change taken back
    before its work ran); the caller commits. A task being run is left alone: its handler must cope."""
    now = utcnow()
    unclaimed = or_(Task.claimed_until.is_(None), Task.claimed_until < now)
    waiting = db.session.scalars(
        select(Task).where(Task.kind == kind, Task.done_at.is_(None), Task.failed_at.is_(None), unclaimed)
    ).all()
    dropped = [task for task in waiting if dict(task.payload or {}) == payload]
    for task in dropped:
        db.session.delete(task)
    return len(dropped)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


@dataclass(frozen=True)
class Claimed:
    """A task this runner holds: `attempt` is its number of claims so far, this one included."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int


def claim(kinds: Collection[str] | None = None) -> Claimed | None:
    """Take the oldest due task nobody holds (of one of `kinds`, when given), and commit the claim; None when no
    such task is due."""
    now = utcnow()
    free = or_(Task.claimed_until.is_(None), Task.claimed_until < now)
    candidates = select(Task.id).where(Task.done_at.is_(None), Task.failed_at.is_(None), Task.run_after <= now, free)
    if kinds is not None:
        candidates = candidates.where(Task.kind.in_(kinds))
    oldest_due = (
        candidates.order_by(Task.run_after, Task.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time and ignores it
        .cte("oldest_due")  # selected once (PostgreSQL may run an IN subquery again for every row)
    )
    row = db.session.execute(
        update(Task)
        # Checked again on the row itself: on PostgreSQL, a row claimed meanwhile no longer matches.
        .where(Task.id == oldest_due.c.id, Task.done_at.is_(None), free)
        .values(claimed_until=now + timedelta(seconds=_setting("TASKS_CLAIM_SECONDS", CLAIM_SECONDS)))
        .values(attempts=Task.attempts + 1)
        .returning(Task.id, Task.kind, Task.payload, Task.attempts),
        execution_options={"synchronize_session": False},
    ).first()
    db.session.commit()
    return None if row is None else Claimed(row.id, row.kind, dict(row.payload or {}), row.attempts)


def _rowcount(result: object) -> int:
    # An UPDATE without RETURNING always gives a CursorResult; Session.execute is typed for any statement.
    return (result.rowcount or 0) if isinstance(result, CursorResult) else 0


def _held(claimed: Claimed) -> Any:
    """The condition for writing to a claimed task: nobody has claimed it since."""
    return (Task.id == claimed.id) & (Task.attempts == claimed.attempt) & Task.done_at.is_(None)


def retry_wait(attempt: int) -> timedelta:
    """How long a task waits after its `attempt`-th failure: TASKS_RETRY_SECONDS, doubled each time, at most
    an hour."""
    seconds = _setting("TASKS_RETRY_SECONDS", RETRY_SECONDS) * 2 ** min(attempt - 1, 20)
    return min(timedelta(seconds=seconds), LONGEST_WAIT)


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


def _record_failure(claimed: Claimed, error: BaseException) -> str:
    """Keep the error and schedule the next attempt, or give the task up; "retry" or "failed"."""
    now = utcnow()
    gave_up = claimed.attempt >= _setting("TASKS_MAX_ATTEMPTS", MAX_ATTEMPTS)
    changes: dict[str, Any] = {"claimed_until": None, "last_error": _error_text(error)}
    changes.update({"failed_at": now} if gave_up else {"run_after": now + retry_wait(claimed.attempt)})
    db.session.execute(update(Task).where(_held(claimed)).values(**changes))
    db.session.commit()
    log = current_app.logger.error if gave_up else current_app.logger.warning
    log(
        "Task %s (%s) failed at attempt %s%s: %s",
        claimed.id,
        claimed.kind,
        claimed.attempt,
        ", given up" if gave_up else "",
        _error_text(error),
    )
    return "failed" if gave_up else "retry"


def run(claimed: Claimed) -> str:
    """Run a claimed task in its own transaction: "done", "retry", "failed", or "lost" when another runner
    has claimed it since (its claim ran out), in which case nothing of this run is committed."""
    handler = _handlers.get(claimed.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for tasks of kind {claimed.kind!r}")
        handler(claimed.payload)
        marked = db.session.execute(
            update(Task).where(_held(claimed)).values(done_at=utcnow(), claimed_until=None, last_error=None)
        )
        if not _rowcount(marked):
            db.session.rollback()
            current_app.logger.warning("Task %s (%s) was claimed again before it ended", claimed.id, claimed.kind)
            return "lost"
        db.session.commit()
    except Exception as error:  # whatever a handler raises, the task is kept and tried again later
        db.session.rollback()
        return _record_failure(claimed, error)
    return "done"


@dataclass
class Report:
    """What one run of the runner did, by outcome."""

    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def ran(self) -> int:
        return sum(self.outcomes.values())

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def __str__(self) -> str:
        return (
            f"Ran {self.ran} task(s): {self.count('done')} done, {self.count('retry')} to be retried, "
            f"{self.count('failed')} given up, {self.count('lost')} taken over by another runner."
        )


def run_due(limit: int | None = None, seconds: float | None = None, kinds: Collection[str] | None = None) -> Report:
    """Claim and run due tasks (of `kinds` only, when given) one by one until none is due, `limit` tasks have
    run, or `seconds` have passed (checked before each claim)."""
    report = Report()
    deadline = None if seconds is None else time.monotonic() + seconds
    while limit is None or report.ran < limit:
        if deadline is not None and time.monotonic() >= deadline:
            break
        claimed = claim(kinds)
        if claimed is None:
            break
        outcome = run(claimed)
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    return report


def prune_done(every_seconds: float = 0) -> int:
    """Delete tasks done more than TASKS_KEEP_DONE_DAYS ago (given-up tasks stay); how many went.

    With `every_seconds`, does nothing if this process pruned less than that long ago.
    """
    state = current_app.extensions.setdefault(PRUNED_KEY, {"at": None})
    if state["at"] is not None and time.monotonic() - state["at"] < every_seconds:
        return 0
    state["at"] = time.monotonic()
    cutoff = utcnow() - timedelta(days=_setting("TASKS_KEEP_DONE_DAYS", KEEP_DONE_DAYS))
    deleted = _rowcount(db.session.execute(delete(Task).where(Task.done_at < cutoff)))
    db.session.commit()
    return deleted


def waiting() -> Select[Task]:
    """Tasks not done: pending ones and the given up, oldest first."""
    return select(Task).where(Task.done_at.is_(None)).order_by(Task.id)


def state(task: Task, now: datetime | None = None) -> str:
    """A task's state in words: done, failed, running (claimed), due, or waiting until a later time."""
    now = now or utcnow()
    if task.done_at is not None:
        return "done"
    if task.failed_at is not None:
        return "failed"
    if task.claimed_until is not None and task.claimed_until >= now:
        return "running"
    return "due" if task.run_after <= now else "waiting"


def retry(task_ids: list[int] | None = None) -> int:
    """Make given-up tasks due again with a fresh count of attempts (all of them when `task_ids` is None)."""
    query = update(Task).where(Task.failed_at.is_not(None))
    if task_ids is not None:
        found = set(db.session.scalars(select(Task.id).where(Task.id.in_(task_ids), Task.failed_at.is_not(None))))
        missing = sorted(set(task_ids) - found)
        if missing:
            raise ServiceError(f"No given-up task has the id {', '.join(map(str, missing))}.", field="task_id")
        query = query.where(Task.id.in_(task_ids))
    count = _rowcount(db.session.execute(query.values(failed_at=None, attempts=0, run_after=utcnow())))
    db.session.commit()
    return count
