"""The least a comment server on Afterword's stack can do: Flask and Flask-SQLAlchemy under gunicorn, SQLite in
WAL mode with synchronous=FULL (as Afterword opens it), one table of comments, and two routes:

- `POST /threads/<name>/comments` takes `{"text", "author", "email", "parent_id"?}`, INSERTs one row with a Core
  statement and commits: no validation, no spam checks, no Markdown, no audit event, no counters;
- `GET /threads/<name>/comments` answers every comment of the thread as a flat JSON list.

It is no product: `bench/floor/floor_target.py` runs it beside Isso and Afterword in the side-by-side harness, to
show what the stack costs before any of Afterword's own work. With `FLOOR_MODE=sqlite3` it leaves Flask-SQLAlchemy
out and uses Python's sqlite3 module directly.

    FLOOR_DATABASE=/tmp/floor.db gunicorn -w 2 'floor_app:app'
"""

import os
import sqlite3
import time

from flask import Flask, jsonify, request

DATABASE = os.environ["FLOOR_DATABASE"]
MODE = os.environ.get("FLOOR_MODE", "orm")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS comments (id INTEGER PRIMARY KEY, thread TEXT NOT NULL, parent_id INTEGER, "
    "author TEXT, email TEXT, text TEXT NOT NULL, created REAL NOT NULL)"
)
INDEX = "CREATE INDEX IF NOT EXISTS ix_comments_thread ON comments (thread, id)"
INSERT = (
    "INSERT INTO comments (thread, parent_id, author, email, text, created) "
    "VALUES (:thread, :parent_id, :author, :email, :text, :created)"
)
SELECT = "SELECT id, parent_id, author, text, created FROM comments WHERE thread = :thread ORDER BY id"

app = Flask(__name__)


def _row(data: dict, thread: str) -> dict:
    return {
        "thread": thread,
        "parent_id": data.get("parent_id"),
        "author": data.get("author"),
        "email": data.get("email"),
        "text": data["text"],
        "created": time.time(),
    }


def _listed(rows) -> list[dict]:
    return [{"id": r[0], "parent_id": r[1], "author": r[2], "text": r[3], "created": r[4]} for r in rows]


if MODE == "orm":
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import event, text

    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + DATABASE
    db = SQLAlchemy(app)

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _pragmas(connection, record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA busy_timeout = 5000")
            cursor.close()

        db.session.execute(text(SCHEMA))
        db.session.execute(text(INDEX))
        db.session.commit()

    insert, select = text(INSERT), text(SELECT)

    @app.post("/threads/<thread>/comments")
    def post_comment(thread):
        result = db.session.execute(insert, _row(request.get_json(), thread))
        db.session.commit()
        return jsonify({"id": result.lastrowid}), 201

    @app.get("/threads/<thread>/comments")
    def list_comments(thread):
        return jsonify(_listed(db.session.execute(select, {"thread": thread})))

else:

    def _connect() -> sqlite3.Connection:
        connection = sqlite3.connect(DATABASE, timeout=5, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    with _connect() as setup:
        setup.execute(SCHEMA)
        setup.execute(INDEX)
    local: dict = {}

    def _connection() -> sqlite3.Connection:
        if "db" not in local:
            local["db"] = _connect()
        return local["db"]

    @app.post("/threads/<thread>/comments")
    def post_comment(thread):
        connection = _connection()
        connection.execute("BEGIN IMMEDIATE")
        cursor = connection.execute(INSERT, _row(request.get_json(), thread))
        connection.execute("COMMIT")
        return jsonify({"id": cursor.lastrowid}), 201

    @app.get("/threads/<thread>/comments")
    def list_comments(thread):
        return jsonify(_listed(_connection().execute(SELECT, {"thread": thread})))
