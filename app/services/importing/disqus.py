"""Disqus's export (Admin → Moderation → Export): the forum's threads, then every post, each naming its thread
and the post it answers.

Streamed: one top-level element at a time is in memory, and the threads' few fields (far fewer than posts).
"""

from collections.abc import Iterator
from typing import IO, Any

from app.models import CommentStatus
from app.services.importing import xml
from app.services.importing.htmltext import html_to_markdown
from app.services.importing.records import (
    ArticleRecord,
    CommentRecord,
    Record,
    Skipped,
    Source,
    Unreadable,
    parse_time,
    plain,
)

TRUE = frozenset({"true", "1", "yes"})


def _flag(fields: dict[str, str], name: str) -> bool:
    return fields.get(name, "").strip().lower() in TRUE


def _thread(element: Any, fields: dict[str, str]) -> ArticleRecord | Unreadable:
    key = xml.attribute(element, "id").strip()
    title = plain(fields.get("title"))
    where = f"thread {key or '?'} {title[:60]!r} (line {element.sourceline})"
    if not key:
        return Unreadable(where, "it has no dsq:id")
    link = fields.get("link", "").strip()
    identifier = fields.get("id", "").strip()
    created = parse_time(fields.get("createdAt"))
    return ArticleRecord(
        key=key,
        where=where,
        title=title,
        # The WordPress plugin's identifiers read "123 http://example.org/?p=123": the address is the last word.
        url=link or (identifier.split()[-1] if identifier else ""),
        is_thread=True,
        published=True,
        published_at=created,
        created_at=created,
        closed=_flag(fields, "isClosed"),
    )


def _post(element: Any, fields: dict[str, str], damage: list[xml.Problem], deleted_threads: set[str]) -> Record:
    key = xml.attribute(element, "id").strip()
    where = f"post {key or '?'} (line {element.sourceline})"
    if damage:
        return Unreadable(where, f"the file is damaged there ({damage[0]})")
    if not key:
        return Unreadable(where, "it has no dsq:id")
    thread = parent = ""
    author: dict[str, str] = {}
    for child in xml.children(element):
        if xml.name(child) == "thread":
            thread = xml.attribute(child, "id").strip()
        elif xml.name(child) == "parent":
            parent = xml.attribute(child, "id").strip()
        elif xml.name(child) == "author":
            author = xml.fields(child)
    if not thread:
        return Unreadable(where, "it names no thread (<thread dsq:id=...>)")
    if thread in deleted_threads:
        return Skipped("post in a thread deleted on Disqus", where)
    created = parse_time(fields.get("createdAt"))
    if created is None:
        return Unreadable(where, "its date (createdAt) is missing or not a date")
    deleted = _flag(fields, "isDeleted")
    if _flag(fields, "isSpam"):
        status = CommentStatus.spam
    elif deleted:
        status = CommentStatus.trash
    elif fields.get("isApproved", "").strip().lower() in {"false", "0"}:
        status = CommentStatus.pending
    else:
        status = CommentStatus.approved
    name = plain(author.get("name")) or plain(author.get("username"))
    return CommentRecord(
        key=key,
        thread=thread,
        where=where,
        parent=parent or None,
        name=name,
        email=author.get("email", "").strip(),
        ip=fields.get("ipAddress", "").strip(),
        created_at=created,
        body=html_to_markdown(fields.get("message", "")),
        status=status,
        deleted=deleted,
    )


def read(raw: IO[bytes]) -> Iterator[Record]:
    """The file's threads and posts, in the file's order."""
    events = xml.parse(raw)
    damage = xml.Damage(events)
    source_sent = False
    forum = ""
    deleted_threads: set[str] = set()
    pending: Any = None  # the last top-level element read: handled once the next begins
    depth = 0
    for event, element in events:
        if event == "start":
            depth += 1
            if depth == 2 and pending is not None:
                yield from _handle(pending, damage.before(element.sourceline), deleted_threads)
                xml.release(pending)
                pending = None
            continue
        depth -= 1
        if depth != 1:
            continue
        tag = xml.name(element)
        if tag in {"category", "thread"} and not forum:
            forum = plain(xml.fields(element).get("forum"))
        if tag in {"thread", "post"} and not source_sent:
            source_sent = True
            yield Source(f"disqus:{forum}" if forum else "disqus")
        pending = element
    if not source_sent:
        yield Source(f"disqus:{forum}" if forum else "disqus")
    if pending is not None:
        yield from _handle(pending, damage.before(None), deleted_threads)
    for problem in damage.before(None):
        yield Unreadable(f"line {problem.line}", f"the file is damaged there ({problem})")


def _handle(element: Any, problems: list[xml.Problem], deleted_threads: set[str]) -> Iterator[Record]:
    tag = xml.name(element)
    fields = xml.fields(element)
    if tag == "thread":
        record = _thread(element, fields)
        if isinstance(record, ArticleRecord) and _flag(fields, "isDeleted"):
            deleted_threads.add(record.key)
            yield Skipped("thread deleted on Disqus", record.where)
            return
        yield record
    elif tag == "post":
        yield _post(element, fields, problems, deleted_threads)
