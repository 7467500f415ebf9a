"""WordPress's export (WXR 1.0 to 1.2, Tools → Export → All content): posts and pages with their comments.

Streamed: one <item> (a post and its comments) is in memory at a time. Names are read without their namespace, so
every WXR version, a file with an unknown extra namespace and one with an undeclared prefix read alike.
"""

from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import urlsplit

from app.models import CommentStatus
from app.services.importing import xml
from app.services.importing.htmltext import html_to_markdown
from app.services.importing.records import (
    ArticleRecord,
    Author,
    CommentRecord,
    Noted,
    Record,
    Skipped,
    Source,
    Unreadable,
    parse_time,
    plain,
)

STATES = {
    "1": CommentStatus.approved,
    "approve": CommentStatus.approved,
    "0": CommentStatus.pending,
    "hold": CommentStatus.pending,
    "spam": CommentStatus.spam,
    "trash": CommentStatus.trash,
    "post-trashed": CommentStatus.trash,
}
ARTICLE_TYPES = frozenset({"post", "page"})
# What a post's status becomes: published, or kept as a draft (scheduled and private posts are not public here
# until someone publishes them). Others (trash, auto-draft, inherit) are not imported.
PUBLISHED = {"publish": True, "draft": False, "pending": False, "future": False, "private": False}
COMMENT_TYPES = frozenset({"", "comment"})
SKIPPED_TYPES = {"pingback": "pingback", "trackback": "trackback"}


def _article(item: Any, fields: dict[str, str], authors: dict[str, Author]) -> ArticleRecord | Skipped | Unreadable:
    post_id = fields.get("post_id", "").strip()
    title = plain(fields.get("title"))
    where = f"post {post_id or '?'} {title[:60]!r} (line {item.sourceline})"
    if not post_id:
        return Unreadable(where, "it has no wp:post_id")
    post_type = fields.get("post_type", "post").strip() or "post"
    if post_type not in ARTICLE_TYPES:
        return Skipped(f"{post_type} (not a post or page)", where)
    status = fields.get("status", "publish").strip() or "publish"
    if status not in PUBLISHED:
        return Skipped(f"{post_type} with status {status}", where)
    content = ""
    for child in xml.children(item):
        if xml.name(child) == "encoded" and "excerpt" not in xml.space(child):
            content = xml.text(child)
            break
    created = parse_time(fields.get("post_date_gmt")) or parse_time(fields.get("post_date"))
    login = plain(fields.get("creator"))
    return ArticleRecord(
        key=post_id,
        where=where,
        title=title,
        url=fields.get("link", "").strip(),
        body=html_to_markdown(content, breaks=True, article=True),
        slug=plain(fields.get("post_name")),
        author=authors.get(login) or (Author(login=login, name=login) if login else None),
        published=PUBLISHED[status],
        published_at=created if PUBLISHED[status] else None,
        created_at=created,
        closed=fields.get("comment_status", "open").strip() == "closed",
    )


def _comment(element: Any, post_id: str, damage: list[xml.Problem]) -> Record:
    fields = xml.fields(element)
    comment_id = fields.get("comment_id", "").strip()
    where = f"comment {comment_id or '?'} on post {post_id} (line {element.sourceline})"
    if damage:
        first = damage[0]
        return Unreadable(where, f"the file is damaged there (line {first.line}: {first.message.strip()})")
    if not comment_id:
        return Unreadable(where, "it has no wp:comment_id")
    kind = fields.get("comment_type", "").strip().lower()
    if kind in SKIPPED_TYPES:
        return Skipped(SKIPPED_TYPES[kind], where)
    if kind not in COMMENT_TYPES:
        return Skipped(f"comment type {kind!r}", where)
    created = parse_time(fields.get("comment_date_gmt")) or parse_time(fields.get("comment_date"))
    if created is None:
        return Unreadable(where, "its date (wp:comment_date_gmt, wp:comment_date) is missing or not a date")
    approved = fields.get("comment_approved", "1").strip().lower()
    parent = fields.get("comment_parent", "").strip()
    user = fields.get("comment_user_id", "").strip()
    return CommentRecord(
        key=comment_id,
        thread=post_id,
        where=where,
        parent=parent if parent not in {"", "0"} else None,
        name=plain(fields.get("comment_author")),
        email=fields.get("comment_author_email", "").strip(),
        website=fields.get("comment_author_url", "").strip(),
        ip=fields.get("comment_author_IP", "").strip(),
        created_at=created,
        body=html_to_markdown(fields.get("comment_content", ""), breaks=True),
        status=STATES.get(approved, CommentStatus.pending),
        registered=user not in {"", "0"},
    )


def _site(channel: dict[str, str]) -> str:
    address = channel.get("base_site_url") or channel.get("base_blog_url") or channel.get("link") or ""
    host = urlsplit(address.strip()).netloc.lower()
    return f"wordpress:{host}" if host else "wordpress"


def read(raw: IO[bytes]) -> Iterator[Record]:
    """The file's posts and pages, each followed by its comments (in the file's order)."""
    events = xml.parse(raw)
    errors = xml.Damage(events)
    channel: dict[str, str] = {}
    authors: dict[str, Author] = {}
    source_sent = False
    pending: Any = None  # the item read last: handled once the next begins, when the log has reached past it
    depth = 0
    for event, element in events:
        tag = xml.name(element)
        if event == "start":
            depth += 1
            if tag == "item":
                if not source_sent:
                    source_sent = True
                    yield Source(_site(channel))
                if pending is not None:
                    yield from _item(pending, authors, errors.before(element.sourceline))
                    xml.release(pending)
                    pending = None
            continue
        depth -= 1
        if tag == "author" and depth == 2:  # wp:author, a child of <channel>
            found = xml.fields(element)
            login = plain(found.get("author_login"))
            name = plain(found.get("author_display_name")) or login
            authors[login] = Author(login, name, found.get("author_email", "").strip())
            xml.release(element)
        elif tag in {"base_site_url", "base_blog_url", "link"} and depth == 2:
            channel.setdefault(tag, xml.text(element))
        elif tag == "item":
            if any(xml.name(above) == "item" for above in element.iterancestors()):
                # An item left open swallowed this one (recover mode nests it): read it now, then take it out.
                yield from _item(element, authors, [])
                element.getparent().remove(element)
            else:
                pending = element
    if not source_sent:
        yield Source(_site(channel))
    if pending is not None:
        yield from _item(pending, authors, errors.before(None))
    for error in errors.before(None):
        yield Unreadable(f"line {error.line}", f"the file is damaged there ({error})")


def _item(item: Any, authors: dict[str, Author], damage: list[xml.Problem]) -> Iterator[Record]:
    fields = xml.fields(item)
    article = _article(item, fields, authors)
    post_id = fields.get("post_id", "").strip() or "?"
    yield article
    comments = [child for child in xml.children(item) if xml.name(child) == "comment"]
    first = comments[0].sourceline if comments else None
    if isinstance(article, ArticleRecord):
        for problem in (error for error in damage if first is None or error.line < first):
            yield Noted(article.where, f"the file is damaged in it ({problem}); imported as the parser read it")
    for index, element in enumerate(comments):
        if not isinstance(article, ArticleRecord):
            where = f"comment on post {post_id} (line {element.sourceline})"
            reason = article.reason if isinstance(article, Skipped) else "its post could not be read"
            yield (
                Skipped(f"comment on a skipped item: {reason}", where)
                if isinstance(article, Skipped)
                else Unreadable(where, reason)
            )
            continue
        start = element.sourceline or 0
        end = comments[index + 1].sourceline if index + 1 < len(comments) else None
        inside = [error for error in damage if error.line >= start and (end is None or error.line < end)]
        yield _comment(element, post_id, inside)
