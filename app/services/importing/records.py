"""What the readers of each platform's export hand the loader: one record at a time, in file order.

A reader never writes and never decides what is already here; it says what the file holds, and, for a record it
could not read, where it is and why. The loader (importing.loader) does the rest the same way for every platform.
"""

import enum
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from app.models import CommentStatus


class Platform(str, enum.Enum):
    """The platforms `flask import` reads, by their command names."""

    wordpress = "wordpress"
    disqus = "disqus"
    isso = "isso"
    commento = "commento"

    @property
    def label(self) -> str:
        """The platform's name as people write it."""
        return {"wordpress": "WordPress", "disqus": "Disqus", "isso": "Isso", "commento": "Commento"}[self.value]


@dataclass(frozen=True)
class Source:
    """Which site the file comes from ("wordpress:blog.example.org"): with each record's id, what makes an import
    recognise its own earlier work. A reader yields it before any article or comment."""

    origin: str


@dataclass
class Author:
    """A post's author as the export names them."""

    login: str = ""
    name: str = ""
    email: str = ""


@dataclass
class ArticleRecord:
    """A post or page (WordPress), or a discussion thread (Disqus, Isso, Commento) comments belong to.

    A post carries its own text and becomes an article; a thread only names the page it was on (`url`), so it is
    matched to an article here by that address, and an article is made for it only once a comment needs one.
    """

    key: str
    where: str
    title: str = ""
    url: str = ""
    is_thread: bool = False
    body: str = ""
    slug: str = ""
    author: Author | None = None
    published: bool = False
    published_at: datetime | None = None
    created_at: datetime | None = None
    closed: bool = False


@dataclass
class CommentRecord:
    """One comment, as complete as the file has it. `body` is Markdown (converted from HTML where the platform
    keeps HTML); `deleted` is a comment removed on the old platform, kept for its replies."""

    key: str
    thread: str
    where: str
    parent: str | None = None
    name: str = ""
    email: str = ""
    website: str = ""
    ip: str = ""
    created_at: datetime | None = None
    body: str = ""
    status: CommentStatus = CommentStatus.approved
    deleted: bool = False
    # The writer had an account on the old platform (WordPress's comment_user_id): linked to the account here
    # with the same email, if there is one.
    registered: bool = False


@dataclass(frozen=True)
class Skipped:
    """A record left out on purpose (a pingback, an attachment's comment): counted under `reason`."""

    reason: str
    where: str = ""


@dataclass(frozen=True)
class Unreadable:
    """A record that could not be read whole: nothing of it is imported."""

    where: str
    reason: str


@dataclass(frozen=True)
class Noted:
    """Something a person should know about a record that was read all the same."""

    where: str
    text: str


Record = Source | ArticleRecord | CommentRecord | Skipped | Unreadable | Noted


def plain(text: str | None) -> str:
    """A text field as a person reads it: entities decoded (exports escape some twice), spaces collapsed."""
    return " ".join(html.unescape(text or "").split())


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%a, %d %b %Y %H:%M:%S %z")


def parse_time(value: str | float | int | None) -> datetime | None:
    """A timestamp in any of the shapes exports use (ISO 8601 with Z or an offset and up to nanoseconds, MySQL's
    'YYYY-MM-DD HH:MM:SS', RFC 822, Unix seconds), as aware UTC; None when there is none or it is not one.
    A time without a zone is taken as UTC; WordPress's zero date (0000-00-00) is no date."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = value.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    if text.replace(".", "", 1).isdigit():
        return parse_time(float(text))
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    # Go and JavaScript write up to nine digits of a second; Python reads six.
    iso = _trim_fraction(iso)
    found: datetime | None = None
    try:
        found = datetime.fromisoformat(iso)
    except ValueError:
        for shape in _FORMATS:
            try:
                found = datetime.strptime(text, shape)
                break
            except ValueError:
                continue
    if found is None:
        return None
    if found.tzinfo is None:
        return found.replace(tzinfo=UTC)
    return found.astimezone(UTC)


def _trim_fraction(text: str) -> str:
    match = re.match(r"^(.*?T?\d\d:\d\d:\d\d)\.(\d+)(.*)$", text)
    if match is None:
        return text
    head, digits, tail = match.groups()
    return f"{head}.{digits[:6].ljust(6, '0')}{tail}"
