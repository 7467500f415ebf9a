"""Atom feeds (RFC 4287) built with feedgen, for every feed the site serves: articles, comments, notes.

A feed is answered with an ETag made from what it holds (each entry's id and time of last change), so a feed
reader that polls gets a 304 until something changes.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import Response, current_app, make_response, request


@dataclass(frozen=True)
class AtomEntry:
    """One entry: `link` is also its id (a lasting address on this site)."""

    link: str
    title: str
    author: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str


def atom_response(title: str, subtitle: str, page_url: str, feed_url: str, entries: list[AtomEntry]) -> Response:
    """The feed of `entries` (newest first) as application/atom+xml, or a 304 if the reader has it already."""
    stamp = hashlib.sha256(feed_url.encode())
    for entry in entries:
        stamp.update(f"\n{entry.link} {entry.updated.isoformat()}".encode())
    etag = stamp.hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = make_response(_atom(title, subtitle, page_url, feed_url, entries))
        response.mimetype = "application/atom+xml"
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def _atom(title: str, subtitle: str, page_url: str, feed_url: str, entries: list[AtomEntry]) -> bytes:
    # Imported when a feed is asked for: feedgen brings lxml, some 15 MiB a worker need not hold until then.
    from feedgen.feed import FeedGenerator  # noqa: PLC0415

    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.link(href=page_url, rel="alternate")
    feed.link(href=feed_url, rel="self")
    feed.language("en")
    feed.author({"name": current_app.config["SITE_NAME"]})
    latest = max((entry.updated for entry in entries), default=None)
    if latest is not None:
        feed.updated(latest)
    for item in reversed(entries):  # feedgen puts each new entry first: give it the oldest first
        entry = feed.add_entry()
        entry.id(item.link)
        entry.title(item.title)
        entry.link(href=item.link)
        entry.author({"name": item.author})
        entry.published(item.published)
        entry.updated(item.updated)
        entry.summary(item.summary)
        entry.content(item.content_html, type="html")
    return bytes(feed.atom_str(pretty=True))
