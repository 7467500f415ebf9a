"""Writing what a reader found: articles made or matched, comments placed in their threads, every counter kept as
posting keeps it, in batches, each committed whole.

Comments are inserted with Core statements a batch at a time (posting one by one would take hours for a large
site), so what the ORM's listeners do for a posted comment is done here for the batch: `body_key` is set with the
body, `visible_replies` counted up the threads with one statement, each article's `comment_count` recounted and
its discussion version raised. Nothing here sends a signal or queues a task: an import notifies no one, and the
spam filter learns from imported states only when asked (`train`).

A comment is placed where posting would place it: past the depth limit it hangs beside the comment it answers.
A reply read before the comment it answers waits for it; one whose comment never comes is imported at the top
level, and the report says so.
"""

import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Connection, bindparam, func, insert, select, union, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.folding import matching_key
from app.models import Article, Comment, CommentStatus, ModerationEvent, Role, SpamExample, User, bump_discussions
from app.models.article import GUEST_NAME_MAX, IMPORT_ID_MAX, IMPORT_ORIGIN_MAX, TITLE_MAX
from app.models.comment import WEBSITE_MAX
from app.models.spam import ORIGIN_MAX
from app.models.types import utcnow
from app.models.user import NAME_MAX
from app.ratelimit import anonymise_ip
from app.services.accounts import find_user_by_email, normalise_email
from app.services.articles import GuestAuthor, ImportedArticle, add_imported_article, slugify
from app.services.comments import refresh_comment_count
from app.services.errors import ServiceError
from app.services.identity import display_name
from app.services.importing.records import (
    ArticleRecord,
    CommentRecord,
    Noted,
    Platform,
    Record,
    Skipped,
    Source,
    Unreadable,
)
from app.services.markdown import render_comment
from app.services.text import clean_text, optional_http_url

BATCH = 500
# The comments whose place is remembered between batches; beyond it the database is asked.
REMEMBERED = 50_000
# A comment longer than this is not a comment (an article is at most as long).
BODY_LIMIT = 100_000
# How many errors and notes the report keeps word for word (it counts them all).
KEPT = 200
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_COMMENTS = Comment.__table__
_EVENTS = ModerationEvent.__table__
_EXAMPLES = SpamExample.__table__


@dataclass
class Options:
    """How to import: the platform, the rules a comment is placed by, and what else to do."""

    platform: Platform
    max_depth: int = 5
    dry_run: bool = False
    train: bool = False
    # Owns the articles made here whose author has no account on the site (a WordPress post by someone else,
    # every thread's article); None: the first admin.
    owner: User | None = None
    # Replaces the origin the file names (e.g. after a site moved to another address).
    origin: str | None = None
    batch: int = BATCH


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""

    platform: Platform
    origin: str = ""
    dry_run: bool = False
    articles_created: int = 0
    articles_matched: int = 0
    imported: Counter[str] = field(default_factory=Counter)
    already: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    note_count: int = 0
    examples: int = 0
    seconds: float = 0.0

    def error(self, where: str, reason: str) -> None:
        """A record that could not be read, and why (kept word for word up to KEPT)."""
        self.error_count += 1
        if len(self.errors) < KEPT:
            self.errors.append((where, reason))

    def note(self, text: str) -> None:
        """Something imported otherwise than the file had it (kept word for word up to KEPT)."""
        self.note_count += 1
        if len(self.notes) < KEPT:
            self.notes.append(text)

    @property
    def comments(self) -> int:
        """How many comments were imported, in every state."""
        return sum(self.imported.values())

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        would = "Would import" if self.dry_run else "Imported"
        states = ", ".join(f"{count} {state}" for state, count in sorted(self.imported.items()))
        out = [
            f"{would} from {self.platform.label} ({self.origin}) in {self.seconds:.1f} s.",
            f"Articles: {self.articles_created} created, {self.articles_matched} matched.",
            f"Comments: {self.comments} imported" + (f" ({states})" if states else "") + ".",
            f"Already imported earlier, left as they are: {self.already}.",
        ]
        skipped = sum(self.skipped.values())
        reasons = "; ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        out.append(f"Skipped: {skipped}" + (f" ({reasons})" if reasons else "") + ".")
        if self.examples:
            out.append(f"Spam filter examples added: {self.examples}.")
        if self.note_count:
            out.append(f"Notes: {self.note_count}")
            out += [f"  {text}" for text in self.notes]
            if self.note_count > len(self.notes):
                out.append(f"  ... and {self.note_count - len(self.notes)} more.")
        out.append(f"Errors: {self.error_count} record(s) could not be read" + (":" if self.error_count else "."))
        out += [f"  {where}: {reason}" for where, reason in self.errors]
        if self.error_count > len(self.errors):
            out.append(f"  ... and {self.error_count - len(self.errors)} more.")
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out


@dataclass
class _Placed:
    """Where a comment stands in its thread: what a reply to it needs to know."""

    id: int
    article_id: int
    parent_id: int | None
    root_id: int | None
    depth: int


def origin_key(value: str) -> str:
    """An id as stored: at most IMPORT_ID_MAX characters (a longer one, such as a long address, is shortened and
    made unique with its digest)."""
    if len(value) <= IMPORT_ID_MAX:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return f"{value[: IMPORT_ID_MAX - 41]}#{digest}"


def slug_from_url(url: str) -> str:
    """The slug a page's address suggests: its last path segment (`/2019/05/my-post/` and `/my-post.html` give
    my-post), or empty when it has none."""
    path = urlsplit(url).path if "://" in url else url.split("?")[0]
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return ""
    last = unquote(segments[-1])
    for extension in (".html", ".htm", ".php", ".aspx", ".asp"):
        if last.lower().endswith(extension):
            last = last[: -len(extension)]
    return slugify(last)


def _writer_name(name: str) -> str:
    try:
        cleaned = display_name(name, missing="", limit=10 * NAME_MAX, too_long="")
    except ServiceError:
        return "Anonymous"
    return cleaned[:NAME_MAX].rstrip() or "Anonymous"


def _email(value: str) -> str:
    if not value.strip():
        return ""
    try:
        return normalise_email(value)
    except ServiceError:
        return ""


def _website(value: str) -> str | None:
    try:
        return optional_http_url(value, field="website", invalid="", limit=WEBSITE_MAX, too_long="")
    except ServiceError:
        return None


def _network(ip: str) -> str | None:
    network = anonymise_ip(ip.strip()) if ip.strip() else "unknown"
    return None if network == "unknown" else network


class Loader:
    """One run of an import: feed it the reader's records in order, then `finish`."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.report = Report(options.platform, dry_run=options.dry_run)
        self.origin = options.origin or options.platform.value
        # Each thread's article: its id once made or matched, its record until a comment needs it, None when its
        # comments cannot be imported (the reason beside it).
        self.threads: dict[str, int | ArticleRecord | None] = {}
        self.lost_threads: dict[str, str] = {}
        self.placed: dict[str, _Placed] = {}
        self.by_id: dict[int, _Placed] = {}
        self.waiting: dict[str, list[CommentRecord]] = {}
        self.batch: list[CommentRecord] = []
        self.seen: set[str] = set()
        self.accounts: dict[str, int | None] = {}
        # Each address as given and as stored (checking one costs more than the rest of a comment's fields).
        self.emails: dict[str, str] = {}
        self.owner: User | None = options.owner
        self.started = time.monotonic()

    # --- records ---------------------------------------------------------------------------------

    def feed(self, records: Iterable[Record]) -> None:
        """Take the reader's records in file order, writing a batch whenever one is full."""
        for record in records:
            if isinstance(record, Source):
                self.origin = (self.options.origin or record.origin)[:IMPORT_ORIGIN_MAX]
                self.report.origin = self.origin
            elif isinstance(record, ArticleRecord):
                key = origin_key(record.key)
                if key in self.threads:
                    self.report.skipped["given twice in the file (the first kept)"] += 1
                    continue
                self.threads[key] = record
                if not record.is_thread:
                    self._article(key)
            elif isinstance(record, CommentRecord):
                self._comment(record)
            elif isinstance(record, Skipped):
                self.report.skipped[record.reason] += 1
            elif isinstance(record, Unreadable):
                self.report.error(record.where, record.reason)
            elif isinstance(record, Noted):
                self.report.note(f"{record.where}: {record.text}")
            if len(self.batch) >= self.options.batch:
                self._write()

    def finish(self) -> Report:
        """Write what is left, place replies whose comment never came at the top level, and commit (or, in a dry
        run, roll everything back)."""
        self._write()
        while self.waiting:
            parent, orphans = self.waiting.popitem()
            for record in orphans:
                self.report.note(
                    f"{record.where}: answers {parent}, which is not in the file; imported as a top-level comment"
                )
                record.parent = None
                self.batch.append(record)
            self._write()
        self.report.origin = self.origin
        if self.options.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        self.report.seconds = time.monotonic() - self.started
        return self.report

    def _comment(self, record: CommentRecord) -> None:
        record.key = origin_key(record.key)
        record.thread = origin_key(record.thread)
        if record.parent is not None:
            record.parent = origin_key(record.parent)
            if record.parent == record.key:
                record.parent = None
        if record.key in self.seen:
            self.report.skipped["given twice in the file (the first kept)"] += 1
            return
        self.seen.add(record.key)
        if record.thread not in self.threads:
            self.report.error(record.where, f"its thread ({record.thread}) is not in the file")
            return
        body = clean_text(record.body).strip()
        if not body and not record.deleted:
            self.report.skipped["no text"] += 1
            return
        if len(body) > BODY_LIMIT:
            self.report.error(record.where, f"its text is longer than {BODY_LIMIT:,} characters")
            return
        record.body = body
        self.batch.append(record)

    # --- articles --------------------------------------------------------------------------------

    def _article(self, key: str) -> int | None:
        """The id of the thread's article, matched or made now; None when its comments cannot be imported."""
        entry = self.threads.get(key)
        if entry is None or isinstance(entry, int):
            return entry
        record = entry
        stored = origin_key(record.key)
        found = db.session.scalar(select(Article.id).where(Article.origin == self.origin, Article.origin_id == stored))
        if found is None and record.is_thread:
            slug = slug_from_url(record.url)
            found = db.session.scalar(select(Article.id).where(Article.slug == slug)) if slug else None
        if found is not None:
            self.report.articles_matched += 1
            self.threads[key] = found
            return found
        try:
            made = self._make_article(record, stored)
        except ServiceError as error:
            self.report.error(record.where, error.message)
            self.threads[key] = None
            self.lost_threads[key] = "its article could not be imported"
            return None
        self.report.articles_created += 1
        self.threads[key] = made
        return made

    def _make_article(self, record: ArticleRecord, stored: str) -> int:
        platform = self.options.platform.label
        author = self._staff_account(record.author.email) if record.author and record.author.email else None
        guest = None
        if author is None and record.author is not None and record.author.name:
            guest = GuestAuthor(record.author.name[:GUEST_NAME_MAX])
        owner = author or self._owner()
        if record.is_thread:
            title = record.title or record.url or f"Discussion {record.key}"
            page = f"[{title}]({record.url})" if record.url.startswith(("http://", "https://")) else title
            body = f"The discussion of {page}, brought over from {platform}."
            slug = slug_from_url(record.url)
        else:
            title = record.title or "Untitled"
            body = record.body
            slug = unquote(record.slug)
        if record.published and not body.strip():
            self.report.note(f"{record.where}: published, but without a body; imported as a draft")
        article = add_imported_article(
            owner,
            ImportedArticle(
                title=title[:TITLE_MAX],
                body=body,
                published=record.published,
                published_at=record.published_at,
                created_at=record.created_at,
                slug=slug,
                guest_author=guest,
                comments_open=not record.closed,
                comments_closed_reason=f"Comments were closed on {platform}." if record.closed else None,
            ),
            self.origin,
            stored,
        )
        return article.id

    def _staff_account(self, email: str) -> User | None:
        user = find_user_by_email(email)
        return user if user is not None and user.role is not Role.reader and user.active else None

    def _owner(self) -> User:
        if self.owner is None:
            self.owner = db.session.scalar(
                select(User).where(User.role == Role.admin, User.active.is_(True)).order_by(User.id).limit(1)
            )
        if self.owner is None:
            raise ServiceError("No account can own it: create an admin first, or name the owner with --owner.")
        return self.owner

    def _account(self, email: str) -> int | None:
        if email not in self.accounts:
            user = find_user_by_email(email)
            self.accounts[email] = user.id if user is not None and user.active else None
        return self.accounts[email]

    # --- comments --------------------------------------------------------------------------------

    def _remember(self, key: str, placed: _Placed) -> None:
        self.placed[key] = placed
        self.by_id[placed.id] = placed

    def _look_up(self, keys: Iterable[str]) -> dict[str, _Placed]:
        """Comments already stored for these origin ids (by an earlier run, or an earlier batch of this one)."""
        wanted = sorted(set(keys))
        found: dict[str, _Placed] = {}
        for start in range(0, len(wanted), 500):
            rows = db.session.execute(
                select(
                    Comment.origin_id,
                    Comment.id,
                    Comment.article_id,
                    Comment.parent_id,
                    Comment.root_id,
                    Comment.depth,
                ).where(Comment.origin == self.origin, Comment.origin_id.in_(wanted[start : start + 500]))
            )
            for row in rows:
                found[str(row[0])] = _Placed(row[1], row[2], row[3], row[4], row[5])
        return found

    def _ancestor(self, comment_id: int | None) -> _Placed | None:
        if comment_id is None:
            return None
        if comment_id in self.by_id:
            return self.by_id[comment_id]
        row = db.session.execute(
            select(Comment.id, Comment.article_id, Comment.parent_id, Comment.root_id, Comment.depth).where(
                Comment.id == comment_id
            )
        ).first()
        return None if row is None else _Placed(row[0], row[1], row[2], row[3], row[4])

    def _write(self) -> None:
        """Write the batch: what is stored already is left, replies wait for their comments, the rest is placed
        generation by generation (a reply after the comment it answers) and committed with its counters."""
        while self.batch:
            batch, self.batch = self.batch, []
            if len(self.placed) >= REMEMBERED:  # forgotten between batches only: the database still knows them
                self.placed.clear()
                self.by_id.clear()
            stored = self._look_up(record.key for record in batch)
            fresh: list[CommentRecord] = []
            for record in batch:
                if record.key in stored:
                    self.report.already += 1
                    self._article(record.thread)  # counted as matched, as on the first run
                    self._remember(record.key, stored[record.key])
                    self._release(record.key)
                else:
                    fresh.append(record)
            in_batch = {record.key for record in fresh}
            asked = {r.parent for r in fresh if r.parent and r.parent not in self.placed and r.parent not in in_batch}
            for key, placed in self._look_up(asked).items():
                self._remember(key, placed)
            touched: set[int] = set()
            visible: list[int] = []
            # In the order they were written, so ids rise with time as they do for posted comments (a thread's
            # replies are paged by id). A run is inserted in one statement; a reply to a comment of the same run
            # starts the next, once its comment has an id.
            remaining = sorted(fresh, key=lambda record: record.created_at or _EARLIEST)
            unplaced = {record.key for record in remaining}
            while remaining:
                run: list[CommentRecord] = []
                in_run: set[str] = set()
                deferred: list[CommentRecord] = []
                for record in remaining:
                    parent = record.parent
                    if parent is not None and parent in in_run:
                        self._insert(run, touched, visible)
                        unplaced -= in_run
                        run, in_run = [], set()
                    if parent is None or parent in self.placed:
                        run.append(record)
                        in_run.add(record.key)
                    elif parent in unplaced:
                        deferred.append(record)  # its comment is dated later: placed first, in this pass
                    else:
                        self.waiting.setdefault(parent, []).append(record)
                        unplaced.discard(record.key)
                self._insert(run, touched, visible)
                unplaced -= in_run
                if len(deferred) == len(remaining):
                    for record in deferred:  # replies in a ring: each waits for another; the end breaks the ring
                        self.waiting.setdefault(record.parent or "", []).append(record)
                    break
                remaining = deferred
            self._count(touched, visible)
            if not self.options.dry_run:
                db.session.commit()

    def _release(self, key: str) -> None:
        """Replies that waited for this comment join the next batch."""
        self.batch.extend(self.waiting.pop(key, []))

    def _insert(self, records: list[CommentRecord], touched: set[int], visible: list[int]) -> None:
        rows: list[dict[str, object]] = []
        kept: list[tuple[CommentRecord, _Placed]] = []
        now = utcnow()
        for record in records:
            article_id = self._article(record.thread)
            if article_id is None:
                reason = self.lost_threads.get(record.thread, "its thread could not be imported")
                self.report.skipped[f"comment whose article was not imported ({reason})"] += 1
                self._drop(record)
                continue
            parent = self.placed.get(record.parent) if record.parent is not None else None
            if parent is not None and parent.article_id != article_id:
                self.report.note(f"{record.where}: answers a comment on another page; imported as a top-level one")
                parent = None
            attach = parent
            while attach is not None and attach.depth >= self.options.max_depth - 1:
                attach = self._ancestor(attach.parent_id)
            email = self.emails.get(record.email)
            if email is None:
                if len(self.emails) >= REMEMBERED:
                    self.emails.clear()
                email = self.emails[record.email] = _email(record.email)
            trained = None
            if self.options.train and record.status in {CommentStatus.spam, CommentStatus.approved}:
                trained = "spam" if record.status is CommentStatus.spam else "ham"
            place = _Placed(
                0,
                article_id,
                attach.id if attach else None,
                (attach.root_id or attach.id) if attach else None,
                attach.depth + 1 if attach else 0,
            )
            rows.append(
                {
                    "article_id": article_id,
                    "parent_id": place.parent_id,
                    "in_reply_to_id": parent.id if parent else None,
                    "root_id": place.root_id,
                    "depth": place.depth,
                    "user_id": self._account(email) if record.registered and email else None,
                    "writer_name": _writer_name(record.name),
                    "writer_email": email,
                    "writer_website": _website(record.website),
                    "ip_network": _network(record.ip),
                    "body": record.body,
                    "body_key": matching_key(record.body),
                    "body_html": render_comment(record.body) if record.body else "",
                    "status": record.status.value,
                    "reasons": [],
                    "spam_score": None,
                    "trained_as": trained,
                    "created_at": record.created_at or now,
                    "edited_at": None,
                    "edited_by_moderator": False,
                    "deleted_at": None,
                    "removed_by_author": False,
                    "visible_replies": 0,
                    "origin": self.origin,
                    "origin_id": record.key,
                }
            )
            kept.append((record, place))
        if not rows:
            return
        ids = db.session.execute(insert(_COMMENTS).returning(_COMMENTS.c.id, sort_by_parameter_order=True), rows)
        events, examples = [], []
        platform = self.options.platform.label
        for (record, place), row, (comment_id,) in zip(kept, rows, ids.all(), strict=True):
            place.id = comment_id
            self._remember(record.key, place)
            self._release(record.key)
            touched.add(place.article_id)
            self.report.imported[record.status.value] += 1
            if record.status is CommentStatus.approved and (place.parent_id or row["in_reply_to_id"]):
                visible.append(comment_id)
            events.append(
                {
                    "comment_id": comment_id,
                    "actor_id": None,
                    "actor_rule": "import",
                    "action": "import",
                    "from_status": None,
                    "to_status": record.status.value,
                    "reason": None,
                    "remark": f"Imported from {platform} ({self.origin}), id {record.key}"
                    + (" (deleted there)" if record.deleted else ""),
                    "created_at": now,
                }
            )
            if row["trained_as"] is not None:
                examples.append(
                    {
                        "comment_id": comment_id,
                        "origin": f"import:{self.origin}"[:ORIGIN_MAX],
                        "is_spam": record.status is CommentStatus.spam,
                        "body": row["body"],
                        "name": row["writer_name"],
                        "website": row["writer_website"],
                        "created_at": now,
                        "superseded_at": None,
                    }
                )
        db.session.execute(insert(_EVENTS), events)
        if examples:
            db.session.execute(insert(_EXAMPLES), examples)
            self.report.examples += len(examples)

    def _drop(self, record: CommentRecord) -> None:
        """A comment not imported takes its waiting replies with it, each counted."""
        for reply in self.waiting.pop(record.key, []):
            self.report.skipped["reply to a comment that was not imported"] += 1
            self._drop(reply)

    def _count(self, touched: set[int], visible: list[int]) -> None:
        """What the listeners keep for a posted comment, for the whole batch: each visible new reply counted once
        by every comment it answers (as Comment._count_visible does), the articles' published comments recounted
        and their discussion versions raised."""
        connection = db.session.connection()
        for start in range(0, len(visible), 500):
            count_visible(connection, visible[start : start + 500])
        for article_id in sorted(touched):
            refresh_comment_count(article_id)
        bump_discussions(connection, touched)


def count_visible(connection: Connection, comment_ids: list[int]) -> None:
    """Add to `visible_replies` of every comment each of these (visible, newly written) comments answers: its
    ancestors, the comment it answers from beside it past the depth limit, and that one's ancestors; each once per
    answering comment. One statement for them all."""
    if not comment_ids:
        return
    new = aliased(Comment)

    def chain(start: Any, name: str) -> Any:
        up = aliased(Comment)
        seeds = (
            select(new.id.label("source"), start.label("id"))
            .where(new.id.in_(comment_ids), start.is_not(None))
            .cte(name, recursive=True)
        )
        return seeds.union(
            select(seeds.c.source, up.parent_id).join(up, up.id == seeds.c.id).where(up.parent_id.is_not(None))
        )

    below, beside = chain(new.parent_id, "below"), chain(new.in_reply_to_id, "beside")
    # UNION, not UNION ALL: a comment answered both ways counts the answering comment once.
    answered = union(select(below.c.source, below.c.id), select(beside.c.source, beside.c.id)).subquery("answered")
    tally = select(answered.c.id, func.count()).group_by(answered.c.id)
    counts = [{"target": row[0], "n": row[1]} for row in connection.execute(tally)]
    if counts:
        connection.execute(_ADD_VISIBLE, counts)


_ADD_VISIBLE = (
    update(_COMMENTS)
    .where(_COMMENTS.c.id == bindparam("target"))
    .values(visible_replies=_COMMENTS.c.visible_replies + bindparam("n"))
)
