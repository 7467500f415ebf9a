"""Notes: signed corrections, updates, clarifications and editor's notes appended to published articles,
citing the comments that prompted them; amended with their history kept, retracted but never removed."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    Comment,
    Note,
    NoteCitation,
    NoteKind,
    NoteRevision,
    Role,
    User,
)
from app.models.note import NOTE_BODY_MAX, RETRACT_REASON_MAX
from app.models.types import MAX_ID, utcnow
from app.services.anchoring import find_paragraph
from app.services.badges import standing
from app.services.errors import ServiceError
from app.services.links import absolute_links, absolute_url
from app.services.markdown import render_note
from app.services.outbox import queue_message
from app.services.permissions import can_add_note
from app.services.text import required_text

MAX_CITED = 20
_KIND_ALIASES = {"editor_note": "editors_note", "editors_note": "editors_note", "editornote": "editors_note"}


def parse_kind(value: str | None) -> NoteKind:
    """A note kind from what a person or client sends: "correction", "Editor's note", "editors_note", ..."""
    key = re.sub(r"[^a-z]+", "_", re.sub(r"['\u2019]", "", (value or "").lower())).strip("_")
    key = _KIND_ALIASES.get(key, key)
    try:
        return NoteKind(key)
    except ValueError:
        choices = ", ".join(kind.value for kind in NoteKind)
        raise ServiceError(f"Choose a kind of note: {choices}.", field="kind") from None


def role_of(user: User, article: Article) -> str:
    """How the writer signs a note on this article."""
    relation = standing(user, article)
    if relation is not None:
        return relation.word
    return "editor" if user.role is Role.admin else user.role.value


def signature_for(kind: NoteKind, user: User, article: Article) -> str:
    """ "Correction — Dana Reyes, site host"."""
    return f"{kind.label} — {user.name}, {role_of(user, article)}"


def _clean_note_body(body: str) -> str:
    return required_text(
        body,
        field="body",
        missing="Write the note before adding it.",
        limit=NOTE_BODY_MAX,
        too_long="A note is at most {limit:,} characters (this one has {length:,}).",
        multiline=True,
    )


def _cited_comments(article: Article, prompted_by: Iterable[int | str] | None) -> list[Comment]:
    ids: list[int] = []
    for value in prompted_by or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ServiceError(f"{value!r} is not a comment number.", field="prompted_by") from None
        if number not in ids:
            ids.append(number)
    if len(ids) > MAX_CITED:
        raise ServiceError(f"A note cites at most {MAX_CITED} comments.", field="prompted_by")
    if not ids:
        return []
    # A number past the largest id names no comment (and no database would take it in a query).
    storable_ids = [number for number in ids if 0 < number <= MAX_ID]
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(storable_ids)))}
    for number in ids:
        comment = found.get(number)
        if comment is None or comment.article_id != article.id:
            raise ServiceError(f"Comment {number} is not a comment on this article.", field="prompted_by")
        if not comment.is_public:
            raise ServiceError(f"Comment {number} is not published, so a note cannot cite it.", field="prompted_by")
    return [found[number] for number in ids]


def _check_writer(user: User | None, article: Article) -> None:
    if not can_add_note(user, article):
        raise ServiceError(
            "Only the article's author, its host and admins write notes on it.", code="forbidden", status=403
        )


def _tell_cited(note: Note, comments: list[Comment]) -> None:
    told: set[str] = set()
    page_url = absolute_url("articles.show", slug=note.article.slug)
    note_url = f"{page_url}#note-{note.id}"
    note_html = Markup(absolute_links(note.body_html, page_url))  # sanitised when the note was written
    for comment in comments:
        if comment.user_id is not None and comment.user_id == note.author_id:
            continue
        email = comment.user.email if comment.user is not None else comment.writer_email
        if not email or email.lower() in told:  # one message per person, however many comments are cited
            continue
        told.add(email.lower())
        queue_message(
            "note_cited",
            note.id,
            comment.writer_name,
            email,
            f"Your comment led to {note.kind.label.lower()} on “{note.article.title}”",
            {"note": note, "note_html": note_html, "article_title": note.article.title, "note_url": note_url},
        )


def add_note(
    article: Article,
    writer: User,
    kind: str,
    body: str,
    *,
    paragraph: str | None = None,
    prompted_by: Iterable[int | str] | None = (),
) -> Note:
    """Append a signed note to a published article, after a paragraph or at the end, citing comments."""
    _check_writer(writer, article)
    if article.status is not ArticleStatus.published:
        raise ServiceError("Notes go on published articles.", code="not_published", status=409)
    kind_value, body, placed, cited = ServiceError.collect(
        [
            ("kind", lambda: parse_kind(kind)),
            ("body", lambda: _clean_note_body(body)),
            ("paragraph", lambda: find_paragraph(article, paragraph)),
            ("prompted_by", lambda: _cited_comments(article, prompted_by)),
        ]
    )
    note = Note(
        article=article,
        author=writer,
        kind=kind_value,
        body=body,
        body_html=render_note(body),
        signature=signature_for(kind_value, writer, article),
        anchor=placed.anchor if placed else None,
        anchor_text=placed.text if placed else None,
        created_at=utcnow(),
    )
    db.session.add(note)
    for comment in cited:
        db.session.add(NoteCitation(note=note, comment=comment))
    db.session.flush()
    _tell_cited(note, cited)
    db.session.commit()
    return note


def amend_note(note: Note, editor: User, *, body: str | None = None, kind: str | None = None) -> Note:
    """Change a note's text or kind; the earlier version stays in its history."""
    _check_writer(editor, note.article)
    if note.retracted:
        raise ServiceError("A retracted note cannot be amended.", code="invalid_transition", status=409)
    new_kind = parse_kind(kind) if kind is not None else note.kind
    new_body = _clean_note_body(body) if body is not None else note.body
    if new_kind == note.kind and new_body == note.body:
        raise ServiceError("The note is unchanged.", field="body", code="unchanged")
    now = utcnow()
    db.session.add(
        NoteRevision(
            note=note,
            kind=note.kind,
            body=note.body,
            body_html=note.body_html,
            written_at=note.amended_at or note.created_at,
            replaced_at=now,
            replaced_by_id=editor.id,
        )
    )
    if new_kind != note.kind:
        # The writer's name and role stay as they signed; only the kind changes.
        note.signature = f"{new_kind.label} — {note.signed_by}"
    note.kind, note.body, note.body_html, note.amended_at = new_kind, new_body, render_note(new_body), now
    db.session.commit()
    return note


def retract_note(note: Note, editor: User, reason: str) -> Note:
    """Withdraw a note: it stays on the page, struck through, with the reason."""
    _check_writer(editor, note.article)
    if note.retracted:
        raise ServiceError("This note is already retracted.", code="invalid_transition", status=409)
    reason = required_text(
        reason,
        field="reason",
        missing="Say why the note is retracted; readers see the reason.",
        limit=RETRACT_REASON_MAX,
        too_long="A reason is at most {limit} characters.",
    )
    note.retracted_at, note.retracted_reason, note.retracted_by_id = utcnow(), reason, editor.id
    db.session.commit()
    return note


def notes_query(article: Article) -> Select[Note]:
    """The article's notes, oldest first, with their citations, revisions and writers."""
    return (
        select(Note)
        .where(Note.article_id == article.id)
        .options(
            selectinload(Note.citations).joinedload(NoteCitation.comment),
            selectinload(Note.revisions),
            joinedload(Note.author),
        )
        .order_by(Note.id)
    )


def notes_for(article: Article) -> list[Note]:
    return list(db.session.scalars(notes_query(article)).unique())


def notes_on(article_ids: Iterable[int]) -> dict[int, list[Note]]:
    """The notes of several articles at once, oldest first, by article id."""
    ids = set(article_ids)
    found: dict[int, list[Note]] = defaultdict(list)
    if ids:
        for note in db.session.scalars(select(Note).where(Note.article_id.in_(ids)).order_by(Note.id)):
            found[note.article_id].append(note)
    return dict(found)


def find_note(article: Article, note_id: int) -> Note | None:
    note = db.session.get(Note, note_id)
    return note if note is not None and note.article_id == article.id else None


@dataclass
class TimelineEntry:
    """One event in an article's public history: a version published, or a note added, amended or retracted."""

    when: datetime
    what: str  # "version", "note", "amendment" or "retraction"
    item: object
    # For versions: whether it is the current one, and the one before it (for the diff link).
    current: bool = False
    previous: object = None


def timeline(revisions: list[ArticleRevision], notes: list[Note]) -> list[TimelineEntry]:
    """Versions and notes in one list, newest first."""
    entries = [
        TimelineEntry(
            revision.created_at,
            "version",
            revision,
            current=index == len(revisions) - 1,
            previous=revisions[index - 1] if index else None,
        )
        for index, revision in enumerate(revisions)
    ]
    for note in notes:
        entries.append(TimelineEntry(note.created_at, "note", note))
        for revision in note.revisions:
            entries.append(TimelineEntry(revision.replaced_at, "amendment", note, previous=revision))
        if note.retracted_at:
            entries.append(TimelineEntry(note.retracted_at, "retraction", note))
    entries.sort(key=lambda entry: (entry.when, entry.what != "version"), reverse=True)
    return entries


def plain_text(markdown_source: str) -> str:
    """A note's text without Markup or Markdown, for feeds' summaries and JSON-LD."""
    return " ".join(Markup(render_note(markdown_source)).striptags().split())


def corrections_by_article(article_ids: Iterable[int]) -> dict[int, int]:
    """How many standing corrections (not retracted) each of these articles carries, in one query: the index's
    "Corrected" mark. Articles without any are absent."""
    ids = sorted(set(article_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Note.article_id, func.count(Note.id))
        .where(Note.article_id.in_(ids), Note.kind == NoteKind.correction, Note.retracted_at.is_(None))
        .group_by(Note.article_id)
    )
    return {article_id: count for article_id, count in rows}


def corrected_on(notes: list[Note]) -> list[datetime]:
    """When the standing corrections were made, oldest first (the summary at the top of the article)."""
    return [note.created_at for note in notes if note.kind is NoteKind.correction and not note.retracted]


def led_to(comment_ids: Iterable[int]) -> dict[int, list[Note]]:
    """For each of these comments, the notes that cite it."""
    ids = list(comment_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(NoteCitation.comment_id, Note)
        .join(Note, Note.id == NoteCitation.note_id)
        .where(NoteCitation.comment_id.in_(ids))
        .order_by(Note.id)
    ).all()
    found: dict[int, list[Note]] = defaultdict(list)
    for comment_id, note in rows:
        found[comment_id].append(note)
    return dict(found)


def recent_notes(limit: int = 50, article: Article | None = None) -> Select[Note]:
    """The newest notes on published articles (site-wide, or one article's), with their articles."""
    query = (
        select(Note)
        .join(Article, Article.id == Note.article_id)
        .where(Article.status == ArticleStatus.published)
        .options(
            joinedload(Note.article),
            joinedload(Note.author),
            selectinload(Note.citations).joinedload(NoteCitation.comment),
        )
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(limit)
    )
    if article is not None:
        query = query.where(Note.article_id == article.id)
    return query
