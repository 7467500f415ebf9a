"""Commento's JSON export (Dashboard → Export data): {"version": 1, "comments": [...], "commenters": [...]}.

A comment has "commentHex", "domain", "path", "commenterHex", "markdown", "parentHex" ("root" at the top),
"state" ("approved", "unapproved", "flagged"), "creationDate" and "deleted"; a commenter has "commenterHex",
"email", "name" and "link". A comment's thread is its page: the domain and the path.
"""

from collections.abc import Iterator
from typing import IO, Any

from app.models import CommentStatus
from app.services.importing.isso import load, text_of
from app.services.importing.records import ArticleRecord, CommentRecord, Record, Source, Unreadable, parse_time, plain

STATES = {"approved": CommentStatus.approved, "unapproved": CommentStatus.pending, "flagged": CommentStatus.spam}


def _commenters(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in data.get("commenters") or []:
        if isinstance(item, dict) and item.get("commenterHex"):
            found[text_of(item["commenterHex"])] = item
    return found


def read(raw: IO[bytes]) -> Iterator[Record]:
    """The file's comments, each after the first mention of its page."""
    data, problem = load(raw, "Commento")
    if problem is not None:
        yield Source("commento")
        yield problem
        return
    comments = data.get("comments") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(comments, list):
        yield Source("commento")
        yield Unreadable("the file", 'it holds no "comments" list (a Commento export is {"version": 1, "comments"...})')
        return
    domains = [text_of(item.get("domain")) for item in comments if isinstance(item, dict) and item.get("domain")]
    yield Source(f"commento:{domains[0].lower()}" if domains else "commento")
    commenters = _commenters(data)
    threads: set[str] = set()
    for index, item in enumerate(comments):
        where = f"comment {index + 1}"
        if not isinstance(item, dict):
            yield Unreadable(where, "it is not a JSON object")
            continue
        key = text_of(item.get("commentHex")).strip()
        if not key:
            yield Unreadable(where, "it has no commentHex")
            continue
        where = f"comment {key[:16]}"
        domain, path = text_of(item.get("domain")).strip().lower(), text_of(item.get("path")).strip() or "/"
        thread = f"{domain}{path}"
        if thread not in threads:
            threads.add(thread)
            url = f"https://{thread}" if domain else path
            yield ArticleRecord(
                key=thread, where=f"page {thread!r}", title=path, url=url, is_thread=True, published=True
            )
        created = parse_time(item.get("creationDate"))
        if created is None:
            yield Unreadable(where, "its date (creationDate) is missing or not a date")
            continue
        commenter = commenters.get(text_of(item.get("commenterHex")), {})
        deleted = bool(item.get("deleted"))
        parent = text_of(item.get("parentHex")).strip()
        state = text_of(item.get("state")).strip().lower()
        yield CommentRecord(
            key=key,
            thread=thread,
            where=where,
            parent=parent if parent and parent != "root" else None,
            name=plain(text_of(commenter.get("name"))) or "Anonymous",
            email=text_of(commenter.get("email")).strip(),
            website=text_of(commenter.get("link")).strip(),
            created_at=created,
            body="" if deleted else text_of(item.get("markdown")).replace("\r\n", "\n").strip(),
            status=CommentStatus.trash if deleted else STATES.get(state, CommentStatus.pending),
            deleted=deleted,
        )
