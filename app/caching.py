"""Thread readings prepared once and served as bytes, with an ETag so a reader's own copy costs a 304.

A public thread reading (the comments API) is the same for every reader until the discussion changes, and
`Article.discussion_version` says when it does (app/models/discussion.py). Each worker process keeps the bytes it
prepared, keyed by the article and what the reader asked for, with the discussion version it was prepared at; a
newer version replaces it, so a process keeps one copy of each reading, never stale ones (least recently used leave
first, within `THREAD_CACHE_BYTES` per process; 0 turns the store off). Whichever process a reader reaches reads the
version from the database, so no process serves a thread another one has changed.

Every answer carries a strong ETag (a digest of its bytes) and `Cache-Control: public, no-cache`: browsers and
proxies may keep the thread, and must ask again each time, which costs one query and no body when nothing changed.

Parts of pages are kept in the same store (`prepared_text`): the article page's discussion, as anonymous readers
see it, is rendered once per process and version and spliced into each page (app/articles/page.py).
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, Response, current_app, request

EXTENSION = "afterword_thread_readings"


class Readings:
    """Prepared bodies and their ETags, one per key with the version it was prepared at; the least recently used
    leave once they hold more than `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[bytes, str, str, int]] = OrderedDict()
        self._lock = threading.Lock()  # threaded servers share one store per process

    def get(self, key: Hashable, version: int) -> tuple[bytes, str, str] | None:
        """The body, ETag and type kept for `key` if they were prepared at `version`."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[3] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[:3]

    def put(self, key: Hashable, version: int, body: bytes, etag: str, mimetype: str) -> None:
        """Keep a reading prepared at `version`, in place of any earlier one for the same key."""
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= len(previous[0])
            if len(body) > self.max_bytes:
                return
            self._entries[key] = (body, etag, mimetype, version)
            self.size += len(body)
            while self.size > self.max_bytes:
                _, (dropped, *_) = self._entries.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    """Give the app (one per worker process) its own store."""
    app.extensions[EXTENSION] = Readings(int(app.config["THREAD_CACHE_BYTES"]))


def readings() -> Readings | None:
    store = current_app.extensions.get(EXTENSION)
    return store if store is not None and store.max_bytes > 0 else None


def _kept(key: Hashable, version: int, build: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str, str]:
    """The bytes `build` makes for `key` at `version` (with their type), their digest, and the type: made once per
    process and version while the store has room."""
    store = readings()
    entry = store.get(key, version) if store is not None else None
    if entry is not None:
        return entry
    body, mimetype = build()
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    if store is not None:
        store.put(key, version, body, digest, mimetype)
    return body, digest, mimetype


def public_reading(key: Hashable, version: int, build: Callable[[], Response]) -> Response:
    """The response `build` makes for `key` at the discussion's `version`, made once per process and version, with
    its ETag; 304 without a body when the reader's copy (If-None-Match) is this one.

    `build` returns a 200 response; its bytes and type are kept, nothing else of it (no cookies, no headers)."""

    def made() -> tuple[bytes, str]:
        response = build()
        return response.get_data(), response.mimetype or "application/octet-stream"

    body, etag, mimetype = _kept(key, version, made)
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def prepared_text(key: Hashable, version: int, build: Callable[[], str]) -> tuple[str, str]:
    """The text `build` makes for `key` at the discussion's `version`, and a digest of it, made once per process and
    version: a part of a page that is the same for every reader it is served to. Kept as UTF-8 bytes beside the
    readings, within the same bound (keys must not collide with theirs: start them with a name of their own)."""
    body, digest, _ = _kept(key, version, lambda: (build().encode(), "text/html"))
    return body.decode(), digest
