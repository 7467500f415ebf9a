"""A million comments: generate a big database straight into SQLite or PostgreSQL, then time the pages and API
calls that read it where people wait: the moderation queues, the spam queue with a search, the article page and
the thread API. docs/performance.md quotes what this prints.

Generation: `flask db upgrade` on the database (the flask command as a subprocess, with DATABASE_URL set), then
SQLAlchemy Core inserts in big batches (COPY on PostgreSQL). The data is shaped like what the application writes:

- accounts (an admin, moderators, authors, readers) and guests with emails and networks;
- articles published over two years, most with a few dozen comments, a few with thousands;
- threads: a third of the comments answer an earlier published one; parent_id, in_reply_to_id, root_id and
  depth follow `post_comment` (past the depth limit a reply hangs beside what it answers);
- statuses mostly approved, some held (pending), caught as spam or trashed, some deleted by their writer; held
  comments and open flags only among the last two weeks' comments (moderators decided the older ones);
- a "submit" moderation event per comment, as `record_event` writes it, and moderators' decisions for the
  comments they moved (approvals of held comments, spam, trash, flags hiding a comment);
- readers' flags, open on some published comments and resolved on others;
- `visible_replies`, `comment_count` and `discussion_version` as the listeners and services keep them.

Measurement: through the application in this process (Flask's test client on `create_app` over the database),
signed in as a moderator, `--requests` requests per scenario, median (p50) and 95th percentile (p95) in ms,
with the thread-reading cache off (THREAD_CACHE_BYTES=0) and on. `--plans` prints the query plans of the queue
queries (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL), captured as the desk and the
API run them.

    .venv/bin/python bench/million.py --database-url sqlite:////tmp/million.db [--comments 1000000]
        [--articles 10000] [--reuse] [--plans] [--requests 30]
    .venv/bin/python bench/million.py --database-url postgresql://afterword:afterword@127.0.0.1:5432/afterword_million

Without --reuse the database is emptied first (a SQLite file is deleted; on PostgreSQL every table is dropped).
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from app.config import normalise_database_url as app_database_url  # noqa: E402
from app.services.markdown import render_comment  # noqa: E402

BIN = ROOT / ".venv" / "bin"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SPAN = timedelta(days=730)  # articles published over the last two years
# Held comments and open flags are among the comments of the last two weeks: moderators decided older ones.
BACKLOG = timedelta(days=14)
MAX_DEPTH = 5  # COMMENT_MAX_DEPTH's default
BATCH = 20_000
PASSWORD_HASH = "pbkdf2:sha256:1000$bench$" + "0" * 64  # never matches: nobody signs in with a password here
# The search a moderator types in the spam queue: a word spam often carries.
SPAM_SEARCH = "casino"
# The headers of a reader's request, who is not signed in (see `measure`).
READER = {"X-Bench-Reader": "1"}

WORD_TEXT = (
    "the a thread reply article comment reader writer point source claim evidence because however which court "
    "judge form fee hearing small amount county filing notice service defendant plaintiff agree disagree think "
    "seems actually really clear wrong right step paragraph example number year council budget school road "
    "bridge water river policy vote election mayor housing rent tenant landlord price market bank interest "
    "rate loan energy heating winter summer garden library museum history archive map station train bus "
    "cycling parking tax report study data figure chart survey sample method result question answer"
)
WORDS = WORD_TEXT.split(" ")
SPAM_TEXT = "casino pills crypto bonus loans cheap replica winner jackpot forex betting viagra"
SPAM_WORDS = SPAM_TEXT.split(" ")
NAME_TEXT = "Ann Bo Cam Dee Eli Fay Gus Hal Ida Jon Kay Lou Max Ned Ola Pia Quin Rae Sam Tia Uma Vic Wes Xin Yan Zoe"
FIRST = NAME_TEXT.split(" ")
SURNAME_TEXT = "Lee Chen Ortiz Walsh Novak Osei Ito Berg Silva Khan Moreau Rossi Kowal Dubois Haas Nagy Popov"
LAST = SURNAME_TEXT.split(" ")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:////path/file.db or postgresql://...")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="skip generation when the database holds the data")
    parser.add_argument("--requests", type=int, default=30, help="requests per scenario")
    parser.add_argument("--plans", action="store_true", help="print the queue queries' plans")
    parser.add_argument("--seed", type=int, default=14)
    return parser.parse_args()


# --- generation --------------------------------------------------------------------------------------------


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key"}
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed: {(done.stderr or done.stdout)[-800:]}")


def empty_database(url: str) -> None:
    parsed = make_url(app_database_url(url))
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def at(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


class Data:
    """The rows to insert, table by table, built in memory from one seeded random source."""

    def __init__(self, comments: int, articles: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[str, list[dict]] = {name: [] for name in ("users", "articles", "comments", "events", "flags")}
        self.users(max(200, comments // 50))
        self.articles_(articles)
        self.comments_(comments)

    def users(self, readers: int) -> None:
        rng = self.rng
        roles = ["admin"] + ["moderator"] * 3 + ["author"] * 60 + ["reader"] * readers
        for number, role in enumerate(roles, start=1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if role == "reader" else f"{role.title()} {number}"
            self.rows["users"].append(
                {
                    "id": number,
                    "email": f"user{number}@example.org",
                    "name": name,
                    "role": role,
                    "password_hash": PASSWORD_HASH,
                    "session_token": f"bench-session-{number:08d}",
                    "active": True,
                    "created_at": NOW - SPAN - timedelta(days=30),
                }
            )
        self.moderators = [1, 2, 3, 4]
        self.authors = list(range(5, 65))
        self.readers = list(range(65, len(roles) + 1))

    def articles_(self, count: int) -> None:
        rng = self.rng
        body = "The council met on Tuesday.\n\nIt voted on the budget for next year."
        body_html = render_comment(body)
        for number in range(1, count + 1):
            published = NOW - SPAN + SPAN * (number / count) - timedelta(hours=rng.random() * 12)
            self.rows["articles"].append(
                {
                    "id": number,
                    "slug": f"article-{number}",
                    "title": f"Article {number}",
                    "body": body,
                    "body_html": body_html,
                    "author_id": rng.choice(self.authors),
                    "status": "published",
                    "published_at": published,
                    "created_at": published,
                    "updated_at": published,
                    "comments_open": True,
                    "comment_count": 0,
                    "discussion_version": 0,
                }
            )

    def texts(self, count: int, spam: bool) -> list[tuple[str, str]]:
        """Bodies with their HTML, rendered once each (the application renders on write)."""
        rng = self.rng
        made = []
        for _ in range(count):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 60))]
            if spam:
                for _ in range(rng.randint(1, 4)):
                    words.insert(rng.randrange(len(words)), rng.choice(SPAM_WORDS))
            body = " ".join(words).capitalize() + "."
            if rng.random() < 0.25:
                body += "\n\n" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))).capitalize() + "."
            made.append((body, render_comment(body)))
        return made

    def sizes(self, comments: int, articles: int) -> list[int]:
        """Comments per article: five with thousands, the rest spread unevenly (most a few dozen)."""
        rng = self.rng
        big = min(5, articles)
        big_sizes = [min(comments // 10, n) for n in (5000, 4000, 3000, 2500, 2000)][:big]
        rest = comments - sum(big_sizes)
        weights = [rng.lognormvariate(0, 1.0) for _ in range(articles - big)]
        total = sum(weights) or 1
        sizes = [int(rest * w / total) for w in weights]
        for index in rng.sample(range(len(sizes)), k=min(len(sizes), rest - sum(sizes))):
            sizes[index] += 1
        # The big ones are among the newest, where readers and moderators are.
        return sizes + big_sizes

    def comments_(self, count: int) -> None:
        rng = self.rng
        articles = self.rows["articles"]
        sizes = self.sizes(count, len(articles))
        plan = []
        for article, size in zip(articles, sizes, strict=True):
            start = article["published_at"]
            end = min(NOW, start + timedelta(days=rng.choice((3, 10, 30, 90))))
            plan.extend((at(rng, start, end), article["id"]) for _ in range(size))
        plan.sort()
        ham = self.texts(4000, spam=False)
        spam = self.texts(1000, spam=True)
        networks = [f"203.{a}.{b}.0/24" for a in range(0, 40) for b in range(0, 250, 3)]
        users = {row["id"]: row for row in self.rows["users"]}
        # Per comment: (article, parent, depth, root, visible); per article: its published comments to answer.
        parent_of: list[int | None] = [None]
        depth_of = [0]
        root_of: list[int | None] = [None]
        visible_replies = [0]
        answerable: dict[int, list[int]] = {}
        counts: dict[int, int] = {}
        comments, events, flags = self.rows["comments"], self.rows["events"], self.rows["flags"]
        for number, (created, article_id) in enumerate(plan, start=1):
            roll = rng.random()
            if roll < 0.90:
                status = "approved"
            elif roll < 0.93:
                status = "pending"
            elif roll < 0.98:
                status = "spam"
            else:
                status = "trash"
            held_before = status == "pending" and created < NOW - BACKLOG
            if held_before:
                status = "approved" if rng.random() < 0.8 else "trash"
            user_id = rng.choice(self.readers) if rng.random() < 0.3 else None
            if user_id is not None:
                name, email = users[user_id]["name"], users[user_id]["email"]
            else:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                email = f"{name.split()[0].lower()}{rng.randrange(5000)}@mail{rng.randrange(40)}.example"
            candidates = answerable.get(article_id)
            parent = in_reply_to = root = None
            depth = 0
            if status != "spam" and candidates and rng.random() < 0.33:
                # Mostly answering something recent, now and then an older comment.
                in_reply_to = candidates[-rng.randint(1, min(30, len(candidates)))]
                parent = in_reply_to
                while parent is not None and depth_of[parent] >= MAX_DEPTH - 1:
                    parent = parent_of[parent]
                root = (root_of[parent] or parent) if parent is not None else None
                depth = depth_of[parent] + 1 if parent is not None else 0
            deleted = status == "approved" and rng.random() < 0.003
            removed_by_author = status == "trash" and rng.random() < 0.1
            visible = (status == "approved" and not deleted) or removed_by_author
            if visible and in_reply_to is not None:
                up: int | None = in_reply_to
                while up is not None:
                    visible_replies[up] += 1
                    up = parent_of[up]
            parent_of.append(parent)
            depth_of.append(depth)
            root_of.append(root)
            visible_replies.append(0)
            if status == "approved" and not deleted:
                answerable.setdefault(article_id, []).append(number)
                counts[article_id] = counts.get(article_id, 0) + 1
            body, body_html = rng.choice(spam if status == "spam" else ham)
            moved_at = min(NOW, created + timedelta(minutes=rng.randint(5, 3000)))
            comments.append(
                {
                    "id": number,
                    "article_id": article_id,
                    "parent_id": parent,
                    "in_reply_to_id": in_reply_to,
                    "root_id": root,
                    "depth": depth,
                    "user_id": user_id,
                    "writer_name": name,
                    "writer_email": email,
                    "writer_website": None,
                    "ip_network": rng.choice(networks),
                    "body": body,
                    "body_html": body_html,
                    "status": status,
                    "reasons": [],
                    "spam_score": round(rng.random() * 0.3, 3),
                    "trained_as": None,
                    "created_at": created,
                    "edited_at": None,
                    "edited_by_moderator": False,
                    "deleted_at": moved_at if deleted else None,
                    "removed_by_author": removed_by_author,
                    "visible_replies": 0,
                }
            )
            self.history(comments[-1], events, flags, moved_at, held_before)
        for row, replies in zip(comments, visible_replies[1:], strict=True):
            row["visible_replies"] = replies
        for article in articles:
            article["comment_count"] = counts.get(article["id"], 0)
            article["discussion_version"] = article["comment_count"]

    def history(
        self, comment: dict, events: list[dict], flags: list[dict], moved_at: datetime, held_before: bool
    ) -> None:
        """The comment's moderation events as the services write them, and readers' flags on it."""
        rng = self.rng
        status, created = comment["status"], comment["created_at"]

        def add(action, before, after, actor=None, rule=None, reason=None, remark=None, when=created) -> None:
            events.append(
                {
                    "comment_id": comment["id"],
                    "actor_id": actor,
                    "actor_rule": rule,
                    "action": action,
                    "from_status": before,
                    "to_status": after,
                    "reason": reason,
                    "remark": remark,
                    "created_at": when,
                }
            )

        held = {"code": "new_commenter", "message": "Held until the commenter has 1 approved comment; they have 0."}
        caught = {"code": "classifier", "message": "The classifier rates it as spam (0.97)."}
        moderator = rng.choice(self.moderators)
        writer = comment["user_id"]
        recent = created >= NOW - BACKLOG
        if held_before:
            # Held before the backlog began: a moderator decided it since, mostly approving it.
            comment["reasons"] = [held]
            add("submit", None, "pending", writer, rule="new_commenter")
            if status == "approved":
                add("approve", "pending", "approved", moderator, when=moved_at)
            else:
                add("trash", "pending", "trash", moderator, reason="off_topic", when=moved_at)
        elif status == "pending":
            if rng.random() < 0.15:  # published, then hidden by readers' flags
                add("submit", None, "approved", writer)
                add("hide", "approved", "pending", rule="flag_threshold", reason="flagged",
                    remark="3 readers flagged it", when=moved_at)  # fmt: skip
                self.flag(comment, flags, 3, None)
            else:
                comment["reasons"] = [held]
                add("submit", None, "pending", writer, rule="new_commenter")
        elif status == "spam":
            comment["spam_score"] = round(0.8 + rng.random() * 0.2, 3)
            if rng.random() < 0.8:
                comment["reasons"] = [caught]
                add("submit", None, "spam", writer, rule="classifier")
            else:
                add("submit", None, "approved", writer)
                add("spam", "approved", "spam", moderator, when=moved_at)
            comment["trained_as"] = "spam"
        elif status == "trash":
            add("submit", None, "approved", writer)
            add("trash", "approved", "trash", moderator, reason=rng.choice(["abusive", "off_topic", "other"]),
                when=moved_at)  # fmt: skip
        elif rng.random() < 0.05:  # held first, approved by a moderator
            comment["reasons"] = [held]
            add("submit", None, "pending", writer, rule="new_commenter")
            add("approve", "pending", "approved", moderator, when=moved_at)
        else:
            add("submit", None, "approved", writer)
            roll = rng.random()
            if roll < 0.004 and comment["deleted_at"] is None:
                self.flag(comment, flags, rng.randint(1, 2), None if recent else "dismissed")
            elif roll < 0.01:
                self.flag(comment, flags, 1, "dismissed")
        if comment["deleted_at"] is not None:
            add("delete", status, status, writer, remark="deleted by its writer", when=comment["deleted_at"])

    def flag(self, comment: dict, flags: list[dict], count: int, resolution: str | None) -> None:
        rng = self.rng
        for number in range(count):
            when = comment["created_at"] + timedelta(minutes=10 * (number + 1))
            flags.append(
                {
                    "comment_id": comment["id"],
                    "reporter_key": f"guest:{rng.getrandbits(128):032x}",
                    "user_id": None,
                    "ip_network": f"198.51.{rng.randrange(250)}.0/24",
                    "reason": rng.choice(["spam", "abusive", "off_topic", "other"]),
                    "remark": None,
                    "created_at": when,
                    "resolved_at": when + timedelta(hours=2) if resolution else None,
                    "resolution": resolution,
                }
            )


def insert_rows(engine: Engine, data: Data) -> None:
    from app.models import Article, Comment, Flag, ModerationEvent, User

    tables = [
        (User.__table__, data.rows["users"]),
        (Article.__table__, data.rows["articles"]),
        (Comment.__table__, data.rows["comments"]),
        (ModerationEvent.__table__, data.rows["events"]),
        (Flag.__table__, data.rows["flags"]),
    ]
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if not postgres:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table, rows in tables:
            if postgres and len(rows) > BATCH:
                copy_rows(connection, table, rows)
                continue
            for start in range(0, len(rows), BATCH):
                connection.execute(insert(table), rows[start : start + BATCH])
        if postgres:
            for table, _ in tables:
                sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
                connection.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table.name}))"))


def copy_rows(connection, table, rows: list[dict]) -> None:
    """COPY a big table on PostgreSQL: several times faster than batched INSERTs."""
    columns = list(rows[0])
    json_columns = {name for name in columns if name == "reasons"}
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


def generate(url: str, comments: int, articles: int, seed: int) -> None:
    empty_database(url)
    started = time.monotonic()
    flask(url, "db", "upgrade")
    migrated = time.monotonic()
    data = Data(comments, articles, seed)
    built = time.monotonic()
    engine = create_engine(app_database_url(url))
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    insert_rows(engine, data)
    inserted = time.monotonic()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # What autovacuum does on its own after a load this size; SQLite gathers no statistics by itself.
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    done = time.monotonic()
    print(
        f"generated {comments:,} comments over {articles:,} articles in {done - started:.0f} s "
        f"(migrate {migrated - started:.0f} s, build rows {built - migrated:.0f} s, insert {inserted - built:.0f} s, "
        f"vacuum/analyze {done - inserted:.0f} s): {len(data.rows['events']):,} events, "
        f"{len(data.rows['flags']):,} flags, {len(data.rows['users']):,} users"
    )


def holds_data(url: str, comments: int) -> bool:
    engine = create_engine(app_database_url(url))
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT count(*) FROM comments")).scalar() or 0
    except Exception:  # noqa: BLE001 (no table yet: nothing to reuse)
        return False
    finally:
        engine.dispose()
    return found >= comments * 0.99


# --- measurement -------------------------------------------------------------------------------------------


class Statements:
    """The SQL statements (with their parameters) run while `capture` is on."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.seen: list[tuple[str, object]] = []
        event.listen(engine, "before_cursor_execute", self.record)

    def record(self, connection, cursor, statement, parameters, context, executemany) -> None:
        if self.on:
            self.seen.append((statement, parameters))

    @contextmanager
    def capture(self):
        self.seen = []
        self.on = True
        try:
            yield self.seen
        finally:
            self.on = False


def scenarios(app) -> list[tuple[str, str, dict]]:
    """(label, path, headers) for each measured request."""
    from app.extensions import db
    from app.models import Article, User
    from app.services import accounts

    with app.app_context():
        big = db.session.scalar(select(Article.slug).order_by(Article.comment_count.desc()).limit(1))
        median = db.session.scalar(select(func.count()).select_from(Article)) // 2
        typical = db.session.scalar(
            select(Article.slug).order_by(Article.comment_count, Article.id).offset(median).limit(1)
        )
        sizes = dict(
            db.session.execute(
                select(Article.slug, Article.comment_count).where(Article.slug.in_([big, typical]))
            ).all()
        )
        moderator = db.session.get(User, 2)
        token = accounts.create_api_token(moderator, "bench")
    api = {"Authorization": f"Bearer {token}"}
    return [
        ("desk: pending", "/moderation?queue=pending", {}),
        ("desk: flagged", "/moderation?queue=flagged", {}),
        (f"desk: spam, search {SPAM_SEARCH!r}", f"/moderation?queue=spam&q={SPAM_SEARCH}", {}),
        ("API: pending", "/api/v1/moderation/comments?status=pending", api),
        ("API: flagged", "/api/v1/moderation/comments?status=flagged", api),
        (f"API: spam, search {SPAM_SEARCH!r}", f"/api/v1/moderation/comments?status=spam&q={SPAM_SEARCH}", api),
        # Readers: not signed in, as most are.
        (f"article page, big ({sizes[big]:,} published)", f"/articles/{big}", READER),
        (f"article page, typical ({sizes[typical]:,})", f"/articles/{typical}", READER),
        (f"thread API, big ({sizes[big]:,})", f"/api/v1/articles/{big}/comments", READER),
        (f"thread API, typical ({sizes[typical]:,})", f"/api/v1/articles/{typical}/comments", READER),
    ]


def make_app(url: str, cache_bytes: int):
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app_database_url(url),
            "SECRET_KEY": "bench-secret-key",
            "TESTING": False,
            "RATELIMIT_ENABLED": False,
            "THREAD_CACHE_BYTES": cache_bytes,
            "SERVER_NAME": "localhost",
        }
    )


def timed(client, path: str, headers: dict, count: int) -> tuple[float, float, float, int]:
    """p50 and p95 of the wall-clock time in ms over `count` requests (after one untimed warm-up), the p50 of
    this process's CPU time (on SQLite it includes the queries; a busy machine inflates it less), and the
    status answered."""
    status = client.get(path, headers=headers).status_code
    times, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        status = response.status_code if response.status_code != 200 else status
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, statistics.median(cpu), status


def signed_in_client(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "bench-session-00000002"  # moderator 2 (see Data.users)
        session["_fresh"] = True
    return client


def measure(url: str, requests: int) -> list[tuple]:
    """Each scenario's p50, p95 and CPU p50 with the thread cache off, p50 and p95 with it on, and the status."""
    results: dict[str, list] = {}
    for cache_bytes in (0, 32 * 1024 * 1024):
        app = make_app(url, cache_bytes)
        moderator, reader = signed_in_client(app), app.test_client()
        for label, path, headers in scenarios(app):
            client = reader if headers is READER else moderator
            p50, p95, cpu, status = timed(client, path, headers, requests)
            results.setdefault(label, []).append((p50, p95, cpu, status))
    return [(label, *off[:3], *on[:2], off[3]) for label, (off, on) in results.items()]


def plans(url: str) -> None:
    """The plans of the statements the queue pages run (the list, its count, the tab counts)."""
    from app.extensions import db

    app = make_app(url, 0)
    client = signed_in_client(app)
    with app.app_context():
        engine = db.engine
        statements = Statements(engine)
    wanted = [
        ("desk: pending", "/moderation?queue=pending", {}),
        ("desk: flagged", "/moderation?queue=flagged", {}),
        (f"desk: spam, search {SPAM_SEARCH!r}", f"/moderation?queue=spam&q={SPAM_SEARCH}", {}),
    ]
    postgres = engine.dialect.name == "postgresql"
    for label, path, headers in wanted:
        with statements.capture() as seen:
            client.get(path, headers=headers)
        print(f"\n=== {label}: {path}")
        for statement, parameters in seen:
            if "comments" not in statement or not statement.lstrip().upper().startswith("SELECT"):
                continue
            if "FROM users" in statement.split("\n")[0] and "comments" not in statement.split("FROM", 1)[1][:40]:
                continue
            print("\n--- " + " ".join(statement.split())[:300])
            explain = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            with engine.connect() as connection:
                rows = connection.exec_driver_sql(explain + statement, parameters).fetchall()
            for row in rows:
                print("    " + (row[0] if postgres else f"{'  ' * (0 if row[1] == 0 else 1)}{row[3]}"))


def main() -> None:
    args = parse_args()
    url = args.database_url
    if args.reuse and holds_data(url, args.comments):
        flask(url, "db", "upgrade")  # new indexes, if any
        print(f"reusing {make_url(app_database_url(url)).render_as_string()}")
    else:
        generate(url, args.comments, args.articles, args.seed)
    backend = make_url(app_database_url(url)).get_backend_name()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n{backend}, {args.requests} requests each, ms (load average before: {load})")
    print(f"{'scenario':<44} {'p50':>7} {'p95':>7} {'CPU p50':>8} {'p50 cached':>11} {'p95 cached':>11}  status")
    for label, p50, p95, cpu, cached50, cached95, status in measure(url, args.requests):
        print(f"{label:<44} {p50:7.1f} {p95:7.1f} {cpu:8.1f} {cached50:11.1f} {cached95:11.1f}  {status}")
    if args.plans:
        plans(url)


if __name__ == "__main__":
    main()
