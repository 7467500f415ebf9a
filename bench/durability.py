"""No acknowledged comment or verdict lost: concurrent writers and a moderator, then every server process killed
with SIGKILL mid-load.

gunicorn (`--workers`) takes guest comments from `--writers` threads, each posting as fast as it is answered,
while a moderator thread marks comments already acknowledged as spam. Every comment whose POST was answered
201 or 202 is acknowledged, and so is every verdict answered 200. The database is a SQLite file in
write-ahead-log mode (as `make run` and a small site use it), or `--database-url` (an empty PostgreSQL
database, say). After `--seconds`, the master and every worker are killed with SIGKILL while requests are in
flight, and while workers may be running the after-answer tasks of verdicts (the spam learner's lessons).
gunicorn is started again on the same database and every acknowledged comment must be there, with its text,
and every acknowledged verdict too. The whole round is repeated `--rounds` times on one database.

At the end, the claims the killed workers left run out (TASKS_CLAIM_SECONDS is 3 here) and `flask tasks run`
runs what is left: every acknowledged verdict must then have been learned (the comment's `trained_as`).

It prints the comments and verdicts acknowledged, those found after each restart, those lost (must be 0),
the answers that were not an acknowledgement (connection errors at the kill are expected: those were never
acknowledged), the tasks the kills left behind, and the lessons missing after `flask tasks run` (must be 0).
Exit status 1 if anything acknowledged is missing.

    .venv/bin/python bench/durability.py [--writers 8] [--workers 2] [--seconds 5] [--rounds 3]
        [--database-url postgresql://user:password@127.0.0.1:5432/empty_database]
"""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_server import NAMES, Site  # noqa: E402


def tasks_left(connection: Connection) -> int:
    """Tasks that are due and not done (the next daily digest waits for its time of day; it is not left undone)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    found = text("SELECT count(*) FROM tasks WHERE done_at IS NULL AND run_after <= :now")
    return int(connection.execute(found, {"now": now}).scalar_one())


CLAIM_SECONDS = 3


@dataclass
class Round:
    """What one round's clients were told: comments (id -> body) and spam verdicts acknowledged, other answers."""

    comments: dict[int, str] = field(default_factory=dict)
    verdicts: set[int] = field(default_factory=set)
    others: Counter = field(default_factory=Counter)


def load_until_killed(site: Site, slug: str, writers: int, seconds: float, number: int) -> Round:
    """Writers post and a moderator marks spam until the processes are killed."""
    told = Round()
    lock = threading.Lock()
    stop = threading.Event()

    def writer(writer_number: int) -> None:
        sent = 0
        while not stop.is_set():
            body = f"Round {number}, writer {writer_number}, comment {sent}: durable or refused, never lost."
            name = NAMES[writer_number % len(NAMES)]
            payload = {"body": body, "name": name, "email": f"writer{writer_number}@example.com"}
            sent += 1
            try:
                status, raw = site.request("POST", f"/api/v1/articles/{slug}/comments", payload)
            except (OSError, HTTPException) as error:  # a kill mid-answer: refused, reset or cut short
                with lock:
                    told.others[type(error).__name__] += 1
                continue
            with lock:
                if status in {201, 202}:
                    told.comments[json.loads(raw)["comment"]["id"]] = body
                else:
                    told.others[status] += 1

    def moderator() -> None:
        judged: set[int] = set()
        while not stop.is_set():
            with lock:
                waiting = [cid for cid in told.comments if cid not in judged]
            if not waiting:
                time.sleep(0.05)
                continue
            judged.add(waiting[0])
            try:
                status, _ = site.request(
                    "POST", f"/api/v1/moderation/comments/{waiting[0]}", {"action": "spam"}, admin=True
                )
            except (OSError, HTTPException) as error:  # a kill mid-answer: refused, reset or cut short
                with lock:
                    told.others[f"verdict {type(error).__name__}"] += 1
                continue
            with lock:
                if status == 200:
                    told.verdicts.add(waiting[0])
                else:
                    told.others[f"verdict {status}"] += 1
            time.sleep(0.02)  # a busy moderator, not a flood: the writers are the load

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    threads.append(threading.Thread(target=moderator))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    for pid in [site.master.pid, *site.worker_pids()]:  # mid-load: requests are being answered right now
        os.kill(pid, signal.SIGKILL)
    site.master.wait()
    time.sleep(0.5)  # let the clients see the refused connections
    stop.set()
    for thread in threads:
        thread.join()
    return told


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file in a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="afterword-durability-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'afterword.db'}"
        # SQLAlchemy's psycopg 3 dialect, as the app maps postgresql:// URLs (app/config.py).
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        if inspect(engine).get_table_names():
            raise SystemExit(f"{engine.url.render_as_string()} has tables already: give an empty database")
        site = Site(
            workdir,
            workers=args.workers,
            database_url=url,
            settings={"AFTERWORD_TASKS_CLAIM_SECONDS": str(CLAIM_SECONDS)},
        )
        lost_comments = lost_verdicts = 0
        try:
            status, raw = site.request(
                "POST", "/api/v1/articles", {"title": "Durability", "body": "One.", "published": True}, admin=True
            )
            if status != 201:
                raise SystemExit(f"creating the article answered {status}: {raw[:200]!r}")
            slug = json.loads(raw)["article"]["slug"]
            comments: dict[int, str] = {}
            verdicts: set[int] = set()
            for number in range(1, args.rounds + 1):
                told = load_until_killed(site, slug, args.writers, args.seconds, number)
                comments.update(told.comments)
                verdicts |= told.verdicts
                site.serve()  # the same database, as after a crash and a restart
                with engine.connect() as connection:
                    stored = dict(connection.execute(text("SELECT id, body FROM comments")).all())
                    spam = set(connection.execute(text("SELECT id FROM comments WHERE status = 'spam'")).scalars())
                    left = tasks_left(connection)
                lost_comments = sum(1 for cid, body in comments.items() if stored.get(cid) != body)
                lost_verdicts = len(verdicts - spam)
                print(
                    f"round {number}: {len(told.comments)} comments acknowledged "
                    f"({len(told.comments) / args.seconds:.0f}/s), {len(comments)} in all, {len(stored)} stored, "
                    f"lost {lost_comments}; {len(told.verdicts)} verdicts acknowledged, {len(verdicts)} in all, "
                    f"lost {lost_verdicts}; tasks due and not done {left}; other answers {dict(told.others)}"
                )
        finally:
            site.stop()
        time.sleep(CLAIM_SECONDS + 0.5)  # the claims of the killed workers run out
        print("flask tasks run:", site.flask("tasks", "run").strip())
        with engine.connect() as connection:
            trained = set(connection.execute(text("SELECT id FROM comments WHERE trained_as = 'spam'")).scalars().all())
            left = tasks_left(connection)
        unlearned = len(verdicts - trained)
        engine.dispose()
    print(
        f"writers {args.writers}, workers {args.workers}, rounds {args.rounds}: lost {lost_comments} acknowledged "
        f"comments, {lost_verdicts} acknowledged verdicts; {unlearned} verdicts not learned, "
        f"{left} tasks due and not done"
    )
    return 1 if lost_comments or lost_verdicts or unlearned else 0


if __name__ == "__main__":
    sys.exit(main())
