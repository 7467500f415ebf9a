"""Measure the article page and the comments API as the discussion grows.

Prints, for each size, the SQL statements per request and the median time of a request
through the WSGI test client (no network), on a throwaway SQLite file. The article carries
`--notes` signed notes (inline and at the end), each citing a few of the comments.

    .venv/bin/python bench/comments_page.py [--sizes 10,1000,10000] [--repeat 5] [--notes 5]
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import author_with_article  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Comment, CommentStatus  # noqa: E402
from app.models.types import utcnow  # noqa: E402
from app.services.comments import refresh_comment_count  # noqa: E402
from app.services.notes import add_note  # noqa: E402

BODY = "\n\n".join(f"Paragraph {n} of the bench article, long enough to read like a real one." for n in range(1, 11))


def _comment(article, number: int, created, parent=None) -> Comment:
    body = f"Comment number {number}, with a little text so the rows are not empty."
    return Comment(
        article_id=article.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        writer_name=f"Reader {number}",
        writer_email=f"reader{number}@example.org",
        body=body,
        body_html=f"<p>{body}</p>",
        status=CommentStatus.approved,
        created_at=created,
    )


def add_discussion(article, size: int) -> None:
    """`size` comments: a third top-level, a third replies to them, a third replies to those."""
    start = utcnow() - timedelta(days=1)
    numbers = iter(range(size))
    levels: list[list[Comment]] = [[]]
    third = max(1, size // 3)
    for number in list(numbers)[:third]:
        levels[0].append(_comment(article, number, start + timedelta(seconds=number)))
    db.session.add_all(levels[0])
    db.session.flush()
    remaining = list(range(third, size))
    for depth in (1, 2):
        chunk = remaining[: (len(remaining) + 1) // 2] if depth == 1 else remaining
        remaining = remaining[len(chunk) :]
        parents = levels[depth - 1]
        level = [
            _comment(article, n, start + timedelta(seconds=n), parents[i % len(parents)]) for i, n in enumerate(chunk)
        ]
        db.session.add_all(level)
        db.session.flush()
        levels.append(level)
    refresh_comment_count(article.id)
    db.session.commit()


def add_notes(article, author, count: int) -> None:
    """`count` notes, alternating inline and at the end, each citing up to five top-level comments."""
    cited = db.session.scalars(
        db.select(Comment.id).where(Comment.article_id == article.id, Comment.parent_id.is_(None)).order_by(Comment.id)
    ).all()
    for number in range(count):
        paragraph = f"p-{number % 10 + 1}" if number % 2 == 0 else None
        chosen = cited[number * 5 : number * 5 + 5]
        add_note(article, author, "correction", f"Bench note {number}.", paragraph=paragraph, prompted_by=chosen)


def measure(client, url: str, repeat: int) -> tuple[int, float]:
    statements = []

    def count(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    client.get(url)
    queries = len(statements)
    event.remove(db.engine, "before_cursor_execute", count)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
    return queries, statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--notes", type=int, default=5)
    options = parser.parse_args()
    print(f"notes on the article: {options.notes}")
    print(f"{'comments':>9} {'page queries':>13} {'page ms':>9} {'api queries':>12} {'api ms':>8}")
    for size in (int(s) for s in options.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(
                {
                    "ENV_NAME": "testing",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                    "INSTANCE_PATH": tmp,
                }
            )
            with app.app_context():
                db.create_all()
                article = author_with_article(BODY)
                add_discussion(article, size)
                add_notes(article, article.author, options.notes)
                client = app.test_client()
                page_q, page_ms = measure(client, f"/articles/{article.slug}", options.repeat)
                api_q, api_ms = measure(client, f"/api/v1/articles/{article.slug}/comments", options.repeat)
                print(f"{size:>9} {page_q:>13} {page_ms:>9.1f} {api_q:>12} {api_ms:>8.1f}")
                db.engine.dispose()


if __name__ == "__main__":
    main()
