"""`floor_app.py` as a target of the side-by-side harness (`../shared/bench/harness.py`), so the least that Afterword's
stack can do is measured in the same run, on the same load, as Isso and Afterword:

    PYTHONPATH=bench/floor ../shared/bench/compare.sh --rounds 3 --duration 10 \
        --target py:floor_target:FloorTarget:2:orm --target py:floor_target:FloorTarget:2:sqlite3

Spec: py:floor_target:FloorTarget[:WORKERS[:MODE]]; MODE is "orm" (Flask-SQLAlchemy, the default) or "sqlite3".
gunicorn with WORKERS sync workers from the project's .venv, as the harness runs Afterword.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from loadgen import free_port
from targets.base import RequestSpec, Target

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))


class FloorTarget(Target):
    def __init__(self, workers="2", mode="orm"):
        super().__init__()
        self.workers = int(workers)
        self.mode = mode
        self.name = f"floor-{mode}-{self.workers}w"

    def start(self, workdir):
        workdir = os.path.join(workdir, self.name)
        os.makedirs(workdir, exist_ok=True)
        database = os.path.join(workdir, "floor.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        gunicorn = os.path.join(CHECKOUT, ".venv", "bin", "gunicorn")
        # Started in bench/floor, so gunicorn does not read the project's gunicorn.conf.py (which loads Afterword).
        self._spawn(
            [gunicorn, "-w", str(self.workers), "-b", f"127.0.0.1:{port}", "floor_app:app"],
            workdir,
            env={"FLOOR_DATABASE": database, "FLOOR_MODE": self.mode, "PYTHONPATH": HERE},
            cwd=HERE,
        )
        self.notes.append(f"floor_app.py, mode {self.mode}, gunicorn {self.workers} sync workers, SQLite WAL FULL")
        self.wait_ready("/threads/ready/comments")
        return self

    def post_comment(self, cli, thread, comment, parent_id, first=False):
        body = {"text": comment["text"], "author": comment["author"], "email": comment["email"], "parent_id": parent_id}
        data, _ = cli.json("POST", f"/threads/{quote(thread)}/comments", body, expect=(201,))
        return data["id"]

    def list_spec(self, thread):
        return RequestSpec("GET", f"/threads/{quote(thread)}/comments")

    def post_spec(self, thread, comments_with_parent_ids):
        bodies = [
            json.dumps(
                {"text": c["text"] + f" (take {k})", "author": c["author"], "email": c["email"], "parent_id": pid}
            )
            for k in range(30)
            for c, pid in comments_with_parent_ids
        ]
        return RequestSpec("POST", f"/threads/{quote(thread)}/comments", {"Content-Type": "application/json"}, bodies)

    def count_comments(self, payload):
        return len(payload)
