"""After the answer: a worker runs the tasks a request queued once that request's answer has been sent.

The WSGI server calls the response's close() after it has written the body (gunicorn's sync worker does so
before it takes the next request), so the reader has the answer while the worker learns from a moderator's
verdict or reports to Akismet. A request that queued nothing costs nothing here. Each answer runs at most
`TASKS_AFTER_ANSWER` tasks (0 leaves them all to `flask tasks run`) and starts none after
`AFTER_ANSWER_SECONDS`; what is left waits for the next answer that queues a task, or for `flask tasks run`.
"""

from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import event

from app.models import Task
from app.services import tasks

# No task starts this long after the answer was sent: the worker has other readers to answer.
AFTER_ANSWER_SECONDS = 10.0
# A worker deletes old done tasks at most this often (the first time after it starts).
PRUNE_EVERY_SECONDS = 3600
# Set in `g` when the request has written a task.
QUEUED_FLAG = "afterword_tasks_queued"


def init_app(app: Flask) -> None:
    """Have every answer to a request that queued tasks run them after it is sent."""
    if not event.contains(Task, "after_insert", _note_task_queued):
        event.listen(Task, "after_insert", _note_task_queued)
    app.after_request(_run_tasks_on_close)


def _note_task_queued(mapper: Any, connection: Any, task: Task) -> None:
    if has_request_context():
        setattr(g, QUEUED_FLAG, True)


def _run_tasks_on_close(response: Response) -> Response:
    if g.pop(QUEUED_FLAG, False) and int(current_app.config["TASKS_AFTER_ANSWER"]) > 0:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: run_after_answer(app))
    return response


def run_after_answer(app: Flask) -> tasks.Report | None:
    """Run due tasks in an app context of their own (the request's is gone by now); never raises, since the
    answer is already sent and there is nobody left to tell but the log."""
    try:
        with app.app_context():
            tasks.prune_done(every_seconds=PRUNE_EVERY_SECONDS)
            return tasks.run_due(int(app.config["TASKS_AFTER_ANSWER"]), AFTER_ANSWER_SECONDS)
    except Exception:
        app.logger.exception("Running tasks after the answer failed; they stay queued for the next runner")
        return None
