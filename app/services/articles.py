"""Articles: create, edit, publish, and the queries that list and find them."""

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Article, ArticleRevision, ArticleStatus, User
from app.models.article import BODY_MAX, GUEST_BIO_MAX, GUEST_NAME_MAX, SLUG_MAX, TITLE_MAX
from app.models.types import utcnow
from app.services.anchoring import reanchor_notes
from app.services.errors import ServiceError
from app.services.markdown import render_article
from app.services.permissions import can_view_article

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Unset(enum.Enum):
    """The type of UNSET: a one-member enum, so type checkers narrow `value is not UNSET`."""

    UNSET = "UNSET"


UNSET = _Unset.UNSET


@dataclass
class GuestAuthor:
    """A guest byline: the specialist who wrote a post the account publishes."""

    name: str
    bio: str = ""


def slugify(text: str) -> str:
    """An ASCII, lowercase, hyphenated slug from a title (accents folded, other characters dropped)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError("Give the article a title.", field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError(f"A title is at most {TITLE_MAX} characters (this one has {len(title)}).", field="title")
    return title


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n")
    if len(body) > BODY_MAX:
        raise ServiceError(f"An article is at most {BODY_MAX:,} characters (this one has {len(body):,}).", field="body")
    return body


def _clean_guest(guest: GuestAuthor | None) -> GuestAuthor | None:
    if guest is None:
        return None
    name = " ".join((guest.name or "").split())
    bio = (guest.bio or "").strip()
    if not name:
        if bio:
            raise ServiceError("A guest author's bio needs their name too.", field="guest_author.name")
        return None
    if len(name) > GUEST_NAME_MAX:
        raise ServiceError(f"A guest author's name is at most {GUEST_NAME_MAX} characters.", field="guest_author.name")
    if len(bio) > GUEST_BIO_MAX:
        raise ServiceError(f"A guest author's bio is at most {GUEST_BIO_MAX} characters.", field="guest_author.bio")
    return GuestAuthor(name, bio)


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
        raise ServiceError(
            f"A slug is lowercase letters, digits and single hyphens, at most {SLUG_MAX} characters.", field="slug"
        )
    return slug


def _slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Article.id).where(Article.slug == slug)) is not None


def _unique_slug(base: str) -> str:
    base = base or "article"
    candidate, number = base, 2
    while _slug_taken(candidate):
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)] + suffix
        number += 1
    return candidate


def free_slug(text: str) -> str:
    """A slug made from `text` that no article has yet."""
    return _unique_slug(slugify(text))


def _slug_conflict(slug: str) -> ServiceError:
    return ServiceError(
        f"The slug {slug!r} is already used by another article.", field="slug", code="slug_taken", status=409
    )


def _set_published(article: Article, published: bool) -> None:
    if published:
        if not article.body.strip():
            raise ServiceError("Write the article before publishing it.", field="body")
        article.status = ArticleStatus.published
        article.published_at = article.published_at or utcnow()
    else:
        article.status = ArticleStatus.draft


def _new_article(author: User, slug: str, title: str, body: str, guest: GuestAuthor | None, **columns: Any) -> Article:
    """An Article of cleaned fields with its body rendered, not yet in the session; `columns` sets the rest."""
    return Article(
        slug=slug,
        title=title,
        body=body,
        body_html=render_article(body).html,
        author=author,
        guest_author_name=guest.name if guest else None,
        guest_author_bio=guest.bio if guest else None,
        **columns,
    )


def create_article(
    author: User,
    title: str,
    body: str,
    *,
    published: bool = False,
    guest_author: GuestAuthor | None = None,
    slug: str | None = None,
) -> Article:
    """Create an article owned by `author`; a slug is derived from the title unless one is given."""
    title = _clean_title(title)
    body = _clean_body(body)
    guest = _clean_guest(guest_author)
    if slug:
        slug = _check_slug(slug)
        if _slug_taken(slug):
            raise _slug_conflict(slug)
    else:
        slug = _unique_slug(slugify(title))
    article = _new_article(author, slug, title, body, guest)
    _set_published(article, published)
    db.session.add(article)
    if article.is_published:
        _keep_version(article, author)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _slug_conflict(slug) from None
    return article


def _keep_version(article: Article, editor: User | None, at: datetime | None = None) -> None:
    """Record the article's title and body as they now stand: one row per published version."""
    db.session.add(
        ArticleRevision(
            article=article,
            title=article.title,
            body=article.body,
            body_html=article.body_html,
            author_id=editor.id if editor is not None else None,
            created_at=at or utcnow(),
        )
    )


@dataclass
class ImportedArticle:
    """An article as another platform had it (see add_imported_article)."""

    title: str
    body: str
    published: bool
    published_at: datetime | None
    created_at: datetime | None
    slug: str = ""
    guest_author: GuestAuthor | None = None
    comments_open: bool = True
    comments_closed_reason: str | None = None


def add_imported_article(author: User, imported: ImportedArticle, origin: str, origin_id: str) -> Article:
    """Add an article brought over by `flask import` to the session, flushed, not committed (the import commits
    with its comments). Its dates stay the original ones; its slug is kept when it is free and valid, else one is
    made as for a new article; published without a body, it is kept as a draft. ServiceError for a body too long.
    """
    title = _clean_title(imported.title[:TITLE_MAX])
    body = _clean_body(imported.body)
    guest = _clean_guest(imported.guest_author)
    wanted = slugify(imported.slug)
    slug = wanted if wanted and not _slug_taken(wanted) else _unique_slug(wanted or slugify(title))
    created = imported.created_at or imported.published_at or utcnow()
    article = _new_article(
        author,
        slug,
        title,
        body,
        guest,
        created_at=created,
        updated_at=created,
        comments_open=imported.comments_open,
        comments_closed_reason=imported.comments_closed_reason,
        origin=origin,
        origin_id=origin_id,
    )
    if imported.published and body.strip():
        article.status = ArticleStatus.published
        article.published_at = imported.published_at or created
        _keep_version(article, author, article.published_at)
    else:
        article.status = ArticleStatus.draft
    db.session.add(article)
    db.session.flush()
    return article


def update_article(
    article: Article,
    *,
    title: str | _Unset = UNSET,
    body: str | _Unset = UNSET,
    published: bool | _Unset = UNSET,
    guest_author: GuestAuthor | None | _Unset = UNSET,
    editor: User | None = None,
) -> Article:
    """Change the given fields of an article; fields left UNSET are kept. Validates all before changing any.

    A published article whose title or body changes (or that is published again) gets a new revision.
    """
    was_published = article.is_published
    before = (article.title, article.body)
    changes: dict[str, str | None] = {}
    if title is not UNSET:
        changes["title"] = _clean_title(title)
    new_body = article.body
    if body is not UNSET:
        changes["body"] = new_body = _clean_body(body)
    if guest_author is not UNSET:
        guest = _clean_guest(guest_author)
        changes["guest_author_name"] = guest.name if guest else None
        changes["guest_author_bio"] = guest.bio if guest else None
    will_publish = article.is_published if published is UNSET else bool(published)
    if will_publish and not new_body.strip():
        raise ServiceError("A published article needs a body; unpublish it first to empty it.", field="body")
    for name, value in changes.items():
        setattr(article, name, value)
    if "body" in changes:
        rendered = render_article(article.body)
        article.body_html = rendered.html
        reanchor_notes(article, rendered.paragraphs)
    _set_published(article, will_publish)
    if db.session.is_modified(article):
        article.updated_at = utcnow()
    if article.is_published and (not was_published or (article.title, article.body) != before):
        _keep_version(article, editor)
    db.session.commit()
    return article


def revisions_of(article: Article) -> list[ArticleRevision]:
    """The article's published versions, oldest first, with their authors."""
    return list(
        db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .options(joinedload(ArticleRevision.author))
            .order_by(ArticleRevision.id)
        )
    )


def published_articles(hosted_only: bool = False) -> Select[Article]:
    """Published articles, newest first, with their authors loaded; `hosted_only` leaves out the discussions of
    pages on other sites (docs/embed.md), which have no text of their own to list."""
    query = select(Article).where(Article.status == ArticleStatus.published)
    if hosted_only:
        query = query.where(Article.site_id.is_(None))
    return query.options(joinedload(Article.author)).order_by(Article.published_at.desc(), Article.id.desc())


def articles_by(user: User) -> Select[Article]:
    """An author's own articles, drafts included, most recently changed first."""
    return select(Article).where(Article.author_id == user.id).order_by(Article.updated_at.desc(), Article.id.desc())


# Built once (a statement is reused with new parameters): with and without the author's account.
_BY_SLUG = {
    True: select(Article).where(Article.slug == bindparam("slug")).options(joinedload(Article.author)),
    False: select(Article).where(Article.slug == bindparam("slug")),
}


def find_article(slug: str, with_author: bool = True) -> Article | None:
    """The article with this slug, whatever its status; with its author's account loaded unless told not to
    (posting a comment needs only the author's id)."""
    return db.session.scalar(_BY_SLUG[with_author], {"slug": slug})


def visible_article(slug: str, user: User | None, with_author: bool = True) -> Article | None:
    """The article if this user may see it; drafts are simply absent for everyone else."""
    article = find_article(slug, with_author)
    if article is None or not can_view_article(user, article):
        return None
    return article
