"""Isso's JSON (the list of threads its `isso import` reads, and dumps of its own database in that shape).

A thread is {"id" or "uri", "title", "comments": [...]}; a comment has "id", "parent", "created", "modified",
"mode" (1 accepted, 2 waiting, 4 deleted), "remote_addr", "text" (Markdown), "author", "email", "website".
Comment ids may repeat from one thread to the next, so a comment is known by its id within its thread's address.
JSON is read whole: Isso's exports are small beside WordPress's and Disqus's.
"""

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from app.models import CommentStatus
from app.services.importing.htmltext import html_to_markdown
from app.services.importing.records import ArticleRecord, CommentRecord, Record, Source, Unreadable, parse_time, plain

MODES = {1: CommentStatus.approved, 2: CommentStatus.pending, 4: CommentStatus.trash}
# Isso keeps Markdown, but comments it imported from WordPress or Disqus keep their HTML: those are converted.
_HTML = re.compile(r"</?(?:p|br|a|b|i|em|strong|blockquote|code|pre|ul|ol|li|div|span)\b[^>]*>", re.IGNORECASE)


def load(raw: IO[bytes], platform: str) -> tuple[Any, Unreadable | None]:
    """The file's JSON, or why it cannot be read (where the syntax breaks)."""
    try:
        return json.load(raw), None
    except UnicodeDecodeError as error:
        return None, Unreadable("the file", f"it is not UTF-8 text ({error.reason} at byte {error.start})")
    except json.JSONDecodeError as error:
        return None, Unreadable(
            f"line {error.lineno}, column {error.colno}",
            f"the file is not valid JSON ({error.msg}); {platform} "
            "exports are JSON, so check that the file is complete",
        )


def text_of(value: object) -> str:
    """A JSON value as text: None is empty, numbers are written out."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _mode(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 1


def _comment(item: object, index: int, uri: str, where_thread: str) -> Record:
    where = f"comment {index + 1} of thread {where_thread}"
    if not isinstance(item, dict):
        return Unreadable(where, "it is not a JSON object")
    number = text_of(item.get("id")).strip()
    if number:
        where = f"comment {number} of thread {where_thread}"
    else:
        return Unreadable(where, "it has no id")
    created = parse_time(item.get("created"))
    if created is None:
        return Unreadable(where, "its date (created) is missing or not a date")
    mode = _mode(item.get("mode", 1))
    text = text_of(item.get("text"))
    parent = text_of(item.get("parent")).strip()
    return CommentRecord(
        key=f"{number}@{uri}",
        thread=uri,
        where=where,
        parent=f"{parent}@{uri}" if parent else None,
        name=plain(text_of(item.get("author"))),
        email=text_of(item.get("email")).strip(),
        website=text_of(item.get("website")).strip(),
        ip=text_of(item.get("remote_addr")).strip(),
        created_at=created,
        body=html_to_markdown(text) if _HTML.search(text) else text.replace("\r\n", "\n").strip(),
        status=MODES.get(mode, CommentStatus.pending),
        deleted=mode == 4,
    )


def read(raw: IO[bytes]) -> Iterator[Record]:
    """The file's threads, each followed by its comments."""
    yield Source("isso")
    data, problem = load(raw, "Isso")
    if problem is not None:
        yield problem
        return
    threads = data.get("threads") if isinstance(data, dict) else data
    if not isinstance(threads, list):
        yield Unreadable("the file", "it holds no list of threads (a JSON list of {id, title, comments})")
        return
    for position, thread in enumerate(threads):
        where = f"thread {position + 1}"
        if not isinstance(thread, dict):
            yield Unreadable(where, "it is not a JSON object")
            continue
        uri = text_of(thread.get("uri") or thread.get("id")).strip()
        if not uri:
            yield Unreadable(where, "it has no id or uri (the page's address)")
            continue
        where = repr(uri[:80])
        comments = thread.get("comments") or []
        if not isinstance(comments, list):
            yield Unreadable(f"thread {where}", "its comments are not a list")
            continue
        title = plain(text_of(thread.get("title")))
        yield ArticleRecord(key=uri, where=f"thread {where}", title=title, url=uri, is_thread=True, published=True)
        for index, item in enumerate(comments):
            yield _comment(item, index, uri, where)
    del data
