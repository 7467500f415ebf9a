"""One thread of 100,000 chained replies: the article page, a continuation page and the API stay small and fast.

Each reply answers the one before it, as a determined writer (or a script) would post them: past the depth
limit they hang beside the comment they answer, so the whole chain is one thread. The rows are written
straight into a throwaway SQLite file with one bulk insert (and the stored count of visible replies each
comment has, as posting keeps it), then the bench prints, for a reader, the time (median of `--repeat`
requests through the WSGI test client, no network), the bytes and the SQL statements of:

- the article page (`/articles/<slug>`),
- the thread's continuation page from the middle of the chain (`?thread=<id>&after=<id>`),
- the comments API with `per_page=1`, and the API's continuation of the thread,
- both pages again for a signed-in reader whose own reply at the end of the chain awaits moderation.

It fails (exit 1) when the article page or the continuation page takes 200 ms or more, or weighs 200 kB or
more.

    .venv/bin/python bench/pathological_thread.py [--replies 100000] [--repeat 5]
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import author_with_article  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Comment, CommentStatus  # noqa: E402
from app.models.types import utcnow  # noqa: E402
from app.services import accounts  # noqa: E402
from app.services.comments import refresh_comment_count  # noqa: E402

BODY = "\n\n".join(f"Paragraph {n} of the bench article, long enough to read like a real one." for n in range(1, 11))
MAX_MS, MAX_BYTES = 200, 200_000


def build_chain(article, replies: int, max_depth: int) -> list[int]:
    """A top-level comment and `replies` replies, each answering the one before, placed as posting places them
    (past the depth limit a reply hangs beside the comment it answers). One bulk insert; returns the ids."""
    start = utcnow() - timedelta(days=1)
    first_id = (db.session.scalar(select(db.func.max(Comment.id))) or 0) + 1
    rows: list[dict] = []
    parent_of: dict[int, int | None] = {}
    depth_of: dict[int, int] = {}
    for number in range(replies + 1):
        comment_id = first_id + number
        answered = comment_id - 1 if number else None
        attach_to = answered
        while attach_to is not None and depth_of[attach_to] >= max_depth - 1:
            attach_to = parent_of[attach_to]
        parent_of[comment_id] = attach_to
        depth_of[comment_id] = depth_of[attach_to] + 1 if attach_to is not None else 0
        body = f"Reply {number} in the chain, answering the one before it."
        rows.append(
            {
                "id": comment_id,
                "article_id": article.id,
                "parent_id": attach_to,
                "in_reply_to_id": answered,
                "root_id": first_id if number else None,
                "depth": depth_of[comment_id],
                "writer_name": f"Writer {number % 7}",
                "writer_email": f"writer{number % 7}@example.org",
                "ip_network": "192.0.2.0/24",
                "body": body,
                "body_html": f"<p>{body}</p>",
                "status": CommentStatus.approved.name,
                "reasons": [],
                "created_at": start + timedelta(milliseconds=number),
                "edited_by_moderator": False,
                "removed_by_author": False,
                "visible_replies": 0,
            }
        )
    # What the model's listener keeps on every post: each comment counts the visible comments answering it.
    counts: Counter[int] = Counter()
    for row in rows:
        answered_ids: set[int] = set()
        for start_id in (row["parent_id"], row["in_reply_to_id"]):
            while start_id is not None and start_id not in answered_ids:
                answered_ids.add(start_id)
                start_id = parent_of[start_id]
        counts.update(answered_ids)
    for row in rows:
        row["visible_replies"] = counts[row["id"]]
    db.session.execute(insert(Comment.__table__), rows)
    refresh_comment_count(article.id)
    db.session.commit()
    return [row["id"] for row in rows]


def measure(client, url: str, repeat: int) -> tuple[float, int, int]:
    """Median milliseconds, bytes and SQL statements of one GET."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    response = client.get(url)
    event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.get_data())
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, size, len(statements)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "INSTANCE_PATH": tmp}
        )
        with app.app_context():
            db.create_all()
            article = author_with_article(BODY)
            began = time.perf_counter()
            ids = build_chain(article, options.replies, int(app.config["COMMENT_MAX_DEPTH"]))
            print(f"built one thread of {options.replies:,} chained replies in {time.perf_counter() - began:.1f} s")
            root, middle = ids[0], ids[len(ids) // 2]
            slug = article.slug
            client = app.test_client()
            client.get(f"/articles/{slug}")  # warm the caches (settings, templates)
            checks = [
                ("article page", f"/articles/{slug}", True),
                ("continuation page", f"/articles/{slug}?thread={root}&after={middle}", True),
                ("API per_page=1", f"/api/v1/articles/{slug}/comments?per_page=1", False),
                ("API thread continuation", f"/api/v1/articles/{slug}/comments?thread={root}&after={middle}", False),
            ]
            # A signed-in reader whose own reply, deep in the chain, awaits moderation: only they see it.
            reader = accounts.create_user(
                "reader@example.org",
                "Reader",
                "bench password",
                "reader",
                hash_method="pbkdf2:sha256:1000",
                min_length=10,
            )
            held = Comment(
                article_id=article.id,
                parent_id=ids[-2],
                in_reply_to_id=ids[-1],
                root_id=root,
                depth=4,
                user_id=reader.id,
                writer_name="Reader",
                writer_email="reader@example.org",
                body="Held.",
                body_html="<p>Held.</p>",
                status=CommentStatus.pending,
            )
            db.session.add(held)
            db.session.commit()
            signed_in = app.test_client()
            signed_in.post("/login", data={"email": "reader@example.org", "password": "bench password"})
            print(f"{'':<34} {'ms':>8} {'bytes':>10} {'queries':>8}")
            failed = []
            runs = [(label, client, url, bounded) for label, url, bounded in checks] + [
                ("article page, signed in", signed_in, checks[0][1], True),
                ("continuation page, signed in", signed_in, checks[1][1], True),
            ]
            for label, who, url, bounded in runs:
                ms, size, queries = measure(who, url, options.repeat)
                print(f"{label:<34} {ms:>8.1f} {size:>10,} {queries:>8}")
                if bounded and (ms >= MAX_MS or size >= MAX_BYTES):
                    failed.append(label)
            db.engine.dispose()
    if failed:
        print(f"over {MAX_MS} ms or {MAX_BYTES:,} bytes: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
