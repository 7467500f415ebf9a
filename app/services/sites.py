"""Sites whose pages embed discussions (docs/embed.md): registering them, and the threads of their pages.

A site's thread is an article with `site_id` set, published with an empty body and the page's title, so the
desk, the filters, the spam checks, the notifications and the API treat it as any other discussion. Threads
are made on a page's first view, only for pages on a registered origin and only while the site allows it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Article, ArticleRevision, ArticleStatus, Comment, Site, SiteOrigin, Subscription, User
from app.models.article import THREAD_KEY_MAX, TITLE_MAX
from app.models.site import ORIGIN_MAX, PAGE_URL_MAX, SITE_NAME_MAX, origin_of
from app.models.types import utcnow
from app.services.articles import free_slug
from app.services.errors import ServiceError

# Keys asked for in one count request: an index page of a blog shows a few dozen posts at most.
COUNT_KEYS_MAX = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_origin(text: str) -> str:
    """An origin as a site owner typed it (`https://blog.example`, with or without a final slash), checked."""
    text = text.strip()
    origin = origin_of(text)
    parts = urlsplit(text)
    if origin is None or parts.path not in {"", "/"} or parts.query or parts.fragment or len(origin) > ORIGIN_MAX:
        raise ServiceError(
            f"{text!r} is not an origin: write the scheme and host, and the port if it is not the usual one, "
            "e.g. https://blog.example or http://127.0.0.1:5001 (no path).",
            field="origins",
        )
    return origin


def page_address(url: str) -> str:
    """A page's address without its query and fragment: the default thread key, and the link to the page."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


@dataclass(frozen=True)
class SiteFields:
    """What a site owner sets on the admin page."""

    name: str
    origins: str  # one origin a line (or separated by spaces or commas)
    allow_new_threads: bool = True
    hold_all: bool = False


def _checked(fields: SiteFields, site: Site | None) -> tuple[str, list[str]]:
    name = " ".join(fields.name.split())
    if not name:
        raise ServiceError("Give the site a name.", field="name")
    if len(name) > SITE_NAME_MAX:
        raise ServiceError(f"A site's name is at most {SITE_NAME_MAX} characters.", field="name")
    origins = list(dict.fromkeys(normalise_origin(text) for text in re.split(r"[\s,]+", fields.origins) if text))
    if not origins:
        raise ServiceError("Give at least one origin, e.g. https://blog.example.", field="origins")
    taken = db.session.scalars(
        select(SiteOrigin).where(SiteOrigin.origin.in_(origins), SiteOrigin.site_id != (site.id if site else -1))
    ).all()
    if taken:
        raise ServiceError(
            f"{taken[0].origin} belongs to another site already ({taken[0].site.name}).",
            field="origins",
            code="origin_taken",
            status=409,
        )
    return name, origins


def register_site(owner: User, fields: SiteFields) -> Site:
    """Register a site; its threads will be owned by `owner` (the admin registering it)."""
    name, origins = _checked(fields, None)
    site = Site(
        name=name,
        owner=owner,
        allow_new_threads=fields.allow_new_threads,
        hold_all=fields.hold_all,
        origins=[SiteOrigin(origin=origin) for origin in origins],
    )
    db.session.add(site)
    db.session.commit()
    return site


def update_site(site: Site, fields: SiteFields) -> Site:
    """Change a site's name, origins and rules; threads already made stay where they are."""
    name, origins = _checked(fields, site)
    site.name = name
    site.allow_new_threads = fields.allow_new_threads
    site.hold_all = fields.hold_all
    kept = {entry.origin: entry for entry in site.origins}
    site.origins = [kept.get(origin) or SiteOrigin(origin=origin) for origin in origins]
    db.session.commit()
    return site


def delete_site(site: Site) -> int:
    """Remove a site registered by mistake, with its threads, while no thread holds a comment; the number of
    threads removed. A site whose discussions hold comments is kept (they are readers' words): its owner
    stops new threads, or takes the snippet off the pages, instead."""
    ids = select(Article.id).where(Article.site_id == site.id)
    comments = db.session.scalar(select(func.count(Comment.id)).where(Comment.article_id.in_(ids))) or 0
    if comments:
        raise ServiceError(
            f"{site.name}'s discussions hold {comments} comment{'' if comments == 1 else 's'}, so the site stays: "
            "untick “A page's first view starts its discussion” to start no more, or close its discussions.",
            code="site_has_comments",
            status=409,
        )
    # The database's cascades are not relied on (SQLite leaves foreign keys unenforced by default).
    db.session.execute(delete(Subscription).where(Subscription.article_id.in_(ids)))
    db.session.execute(delete(ArticleRevision).where(ArticleRevision.article_id.in_(ids)))
    threads: int = db.session.execute(delete(Article).where(Article.site_id == site.id)).rowcount  # type: ignore[attr-defined]
    db.session.delete(site)
    db.session.commit()
    return threads


@dataclass(frozen=True)
class ThreadFields:
    """What an admin may change of a site's thread: its title, and where it lives when its page moved."""

    title: str
    page_url: str
    key: str = ""  # the page's `data-afterword-thread`; empty: the page's address


def update_thread(thread: Article, fields: ThreadFields) -> Article:
    """Retitle a site's thread, or move it with its page: comments, subscriptions and counts go along."""
    site = thread.site
    if site is None:
        raise ServiceError("Only a discussion embedded on a site's page has a page address.", status=404)
    title = _one_line(fields.title)
    if not title:
        raise ServiceError("Give the discussion a title.", field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError(f"A title is at most {TITLE_MAX} characters.", field="title")
    if not site.registered(fields.page_url.strip()):
        raise ServiceError(
            f"The page's address must be on one of {site.name}'s origins: {', '.join(site.origin_list)}.",
            field="page_url",
        )
    address = page_address(fields.page_url)
    if len(address) > PAGE_URL_MAX:
        raise ServiceError(f"A page's address is at most {PAGE_URL_MAX} characters.", field="page_url")
    try:
        key = thread_key(fields.key, address)
    except ServiceError as problem:
        raise problem.renamed({"id": "key"}) from None
    other = find_thread(site, key)
    if other is not None and other.id != thread.id:
        raise ServiceError(
            f"Another discussion of {site.name} has that identifier already ({other.title}).",
            field="key",
            code="thread_key_taken",
            status=409,
        )
    thread.title, thread.page_url, thread.thread_key = title, address, key
    db.session.commit()
    return thread


def all_sites() -> Select[Site]:
    """Every registered site, oldest first."""
    return select(Site).order_by(Site.id)


def threads_of(site: Site) -> Select[Article]:
    """A site's threads, the most recently started first."""
    return select(Article).where(Article.site_id == site.id).order_by(Article.id.desc())


def site_for_origin(origin: str | None) -> Site | None:
    """The site that registered this origin, or None."""
    if not origin:
        return None
    return db.session.scalar(select(Site).join(SiteOrigin).where(SiteOrigin.origin == origin))


def thread_key(text: str | None, page_url: str) -> str:
    """The key a page names its thread by (`data-afterword-thread`), or its address without query or fragment."""
    key = (text or "").strip() or page_address(page_url)
    if len(key) > THREAD_KEY_MAX or _CONTROL.search(key):
        raise ServiceError(
            f"A thread's identifier is at most {THREAD_KEY_MAX} characters, without control characters.", field="id"
        )
    return key


def _one_line(text: str) -> str:
    """A title as one line: control characters and runs of spaces become single spaces, none at the ends."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _page_title(title: str | None, fallback: str) -> str:
    title = _one_line(title or "") or fallback
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def find_thread(site: Site, key: str) -> Article | None:
    """The thread of `key` on this site, or None."""
    return db.session.scalar(select(Article).where(Article.site_id == site.id, Article.thread_key == key))


def thread_for_page(
    site: Site, key: str | None, page_url: str, title: str | None, create: bool = True
) -> Article | None:
    """The thread of a page on this site: found, or made now when `create` and the site allows new threads.

    The page must be on one of the site's origins; the title is the page's (bounded), kept as first seen."""
    if not site.registered(page_url):
        raise ServiceError("That page is not on one of the site's origins.", field="url", status=403, code="origin")
    key = thread_key(key, page_url)
    thread = find_thread(site, key)
    if thread is not None or not (create and site.allow_new_threads):
        return thread
    address = page_address(page_url)
    title = _page_title(title, address)
    thread = Article(
        slug=free_slug(f"{site.name} {title}"),
        title=title,
        body="",
        body_html="",
        author_id=site.owner_id,
        status=ArticleStatus.published,
        published_at=utcnow(),
        site_id=site.id,
        thread_key=key,
        page_url=address,
    )
    db.session.add(thread)
    try:
        db.session.commit()
    except IntegrityError:  # another request made it (or took the slug) first: use theirs
        db.session.rollback()
        return find_thread(site, key)
    return thread


def thread_counts(site: Site, keys: Iterable[str]) -> dict[str, int]:
    """Published comments of each thread key asked for (0 for threads not made yet)."""
    wanted = list(dict.fromkeys(key for key in keys if key))
    if len(wanted) > COUNT_KEYS_MAX:
        raise ServiceError(f"Ask for at most {COUNT_KEYS_MAX} threads at once.", field="id")
    counts = dict.fromkeys(wanted, 0)
    if wanted:
        rows = db.session.execute(
            select(Article.thread_key, Article.comment_count).where(
                Article.site_id == site.id, Article.thread_key.in_(wanted), Article.status == ArticleStatus.published
            )
        )
        counts.update({key: count for key, count in rows if key is not None})
    return counts
