"""No acknowledged comment lost: concurrent writers, then every server process killed with SIGKILL mid-load.

gunicorn (`--workers`, SQLite file in write-ahead-log mode, as `make run` and a small site use it) takes guest
comments from `--writers` threads, each posting as fast as it is answered. Every comment whose POST was answered
201 or 202 is acknowledged: its id is written down. After `--seconds`, the master and every worker are killed
with SIGKILL while requests are in flight; gunicorn is started again on the same database, and every
acknowledged id must be there, with its text. The whole round is repeated `--rounds` times on one database.

It prints the comments acknowledged, the ones found after each restart, the ones lost (must be 0) and the
answers that were not an acknowledgement (connection errors at the kill are expected: those were never
acknowledged). Exit status 1 if any acknowledged comment is missing.

    .venv/bin/python bench/durability.py [--writers 8] [--workers 2] [--seconds 5] [--rounds 3]
"""

import argparse
import json
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_server import NAMES, Site  # noqa: E402


def load_until_killed(site: Site, slug: str, writers: int, seconds: float, round_number: int):
    """Writers post until the processes are killed; the acknowledged (id, body) pairs and the other answers."""
    acknowledged: dict[int, str] = {}
    others: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def writer(number: int) -> None:
        sent = 0
        while not stop.is_set():
            body = f"Round {round_number}, writer {number}, comment {sent}: durable or refused, never lost."
            payload = {"body": body, "name": NAMES[number % len(NAMES)], "email": f"writer{number}@example.com"}
            sent += 1
            try:
                status, raw = site.request("POST", f"/api/v1/articles/{slug}/comments", payload)
            except OSError as error:
                with lock:
                    others[type(error).__name__] += 1
                continue
            with lock:
                if status in {201, 202}:
                    acknowledged[json.loads(raw)["comment"]["id"]] = body
                else:
                    others[status] += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    for pid in [site.master.pid, *site.worker_pids()]:  # mid-load: requests are being answered right now
        os.kill(pid, signal.SIGKILL)
    site.master.wait()
    time.sleep(0.5)  # let the writers see the refused connections
    stop.set()
    for thread in threads:
        thread.join()
    return acknowledged, others


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    lost_in_all = 0
    with tempfile.TemporaryDirectory(prefix="afterword-durability-") as tmp:
        workdir = Path(tmp)
        site = Site(workdir, workers=args.workers)
        status, raw = site.request(
            "POST", "/api/v1/articles", {"title": "Durability", "body": "One.", "published": True}, admin=True
        )
        if status != 201:
            raise SystemExit(f"creating the article answered {status}: {raw[:200]!r}")
        slug = json.loads(raw)["article"]["slug"]
        acknowledged_in_all: dict[int, str] = {}
        try:
            for number in range(1, args.rounds + 1):
                acknowledged, others = load_until_killed(site, slug, args.writers, args.seconds, number)
                acknowledged_in_all.update(acknowledged)
                site.serve()  # the same database, as after a crash and a restart
                with sqlite3.connect(workdir / "afterword.db") as connection:
                    stored = dict(connection.execute("SELECT id, body FROM comments"))
                lost = [cid for cid, body in acknowledged_in_all.items() if stored.get(cid) != body]
                lost_in_all = len(lost)
                print(
                    f"round {number}: {len(acknowledged)} acknowledged ({len(acknowledged) / args.seconds:.0f}/s), "
                    f"{len(acknowledged_in_all)} in all, {len(stored)} stored, lost {len(lost)}; "
                    f"other answers {dict(others)}"
                )
        finally:
            site.stop()
    print(f"writers {args.writers}, workers {args.workers}, rounds {args.rounds}: lost {lost_in_all} acknowledged")
    return 1 if lost_in_all else 0


if __name__ == "__main__":
    sys.exit(main())
