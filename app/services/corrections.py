"""Corrections: notes on articles, the comments that prompted them, and readers' correction requests."""
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

from markupsafe import Markup
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    Article,
    ArticleStatus,
    Comment,
    CorrectionRequest,
    Flag,
    Note,
    NoteCitation,
    NoteKind,
    NoteRevision,
    OutboxMessage,
    RequestStatus,
    Role,
    User,
)
from app.models.note import (
    DECLINE_REASON_MAX,
    NOTE_BODY_MAX,
    REQUEST_BODY_MAX,
    RETRACT_REASON_MAX,
    SOURCE_URL_MAX,
)
from app.models.types import utcnow
from app.models.user import NAME_MAX
from app.services.accounts import normalise_email
from app.services.errors import ServiceError
from app.services.markdown import Paragraph, render_article, render_note
from app.services.permissions import can_add_note, can_handle_requests
from app.services.screening import Submission, screen_request
from app.services.text import clean_line, clean_text, is_http_url

MAX_CITED = 20
# How alike an edited paragraph must stay (difflib ratio) for a note to keep following it: less where
# the paragraph kept its place, more where the note would move to another one (short paragraphs such
# as "Second point." and "First point." are alike without being the same).
FOLLOW_RATIO_SAME_PLACE = 0.6
FOLLOW_RATIO_MOVED = 0.75
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
    if user.id == article.author_id:
        return "site host" if article.guest_author_name else "author"
    return "editor" if user.role is Role.admin else user.role.value


def signature_for(kind: NoteKind, user: User, article: Article) -> str:
    """"Correction — Dana Reyes, site host"."""
    return f"{kind.label} — {user.name}, {role_of(user, article)}"


# --- placement -------------------------------------------------------------------------------


def paragraphs_of(article: Article) -> list[Paragraph]:
    """The article's anchored paragraphs as they stand now."""
    return render_article(article.body).paragraphs


def _check_paragraph(article: Article, paragraph: str | None) -> Paragraph | None:
    paragraph = (paragraph or "").strip()
    if not paragraph or paragraph == "end":
        return None
    paragraph = paragraph.lstrip("#")
    for candidate in paragraphs_of(article):
        if candidate.anchor == paragraph:
            return candidate
    raise ServiceError(
        f"This article has no paragraph {paragraph!r}; choose one of its paragraphs (p-1, p-2, ...) or the end.",
        field="paragraph",
    )


def _follow(note: Note, paragraphs: list[Paragraph]) -> Paragraph | None:
    """The paragraph a note belongs to after an edit: the same text, else the most alike, else none."""
    same = [p for p in paragraphs if p.text == note.anchor_text]
    if same:
        return next((p for p in same if p.anchor == note.anchor), same[0])
    best, best_ratio = None, 0.0
    for candidate in paragraphs:
        needed = FOLLOW_RATIO_SAME_PLACE if candidate.anchor == note.anchor else FOLLOW_RATIO_MOVED
        matcher = difflib.SequenceMatcher(None, note.anchor_text or "", candidate.text, autojunk=False)
        if matcher.real_quick_ratio() < needed or matcher.quick_ratio() < needed:
            continue
        ratio = matcher.ratio()
        # Ties go to the paragraph that kept the note's anchor.
        if ratio >= needed and (ratio > best_ratio or (ratio == best_ratio and candidate.anchor == note.anchor)):
            best, best_ratio = candidate, ratio
    return best


def reanchor_notes(article: Article, paragraphs: list[Paragraph]) -> None:
    """After an edit, point each inline note at its paragraph again (in the caller's transaction)."""
    notes = db.session.scalars(
        select(Note).where(Note.article_id == article.id, Note.anchor.is_not(None))
    ).all()
    for note in notes:
        found = _follow(note, paragraphs)
        if found is None:
            note.anchor, note.anchor_lost = None, True
        else:
            note.anchor, note.anchor_text = found.anchor, found.text


class _BlockEnds(HTMLParser):
    """Finds where the element carrying each wanted id ends, as offsets into the HTML."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "source", "area"}

    def __init__(self, html: str, wanted: set[str]):
        super().__init__(convert_charrefs=False)
        self.wanted = wanted
        self.ends: dict[str, int] = {}
        self._open: list[tuple[str, str | None]] = []
        # HTMLParser counts lines by "\n" only (str.splitlines would also split on U+2028 and others).
        self._line_offsets = [0] + [index + 1 for index, char in enumerate(html) if char == "\n"]
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_offsets[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        anchor = dict(attrs).get("id")
        self._open.append((tag, anchor if anchor in self.wanted else None))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, anchor = self._open.pop()
            if anchor is not None and open_tag == tag:
                # A list item keeps its note inside it; a paragraph's note follows it.
                end = self._offset()
                self.ends[anchor] = end if tag == "li" else end + len(f"</{tag}>")
            if open_tag == tag:
                break


def body_with_notes(html: str, fragments: dict[str, str]) -> Markup:
    """The article's clean HTML with each note fragment placed after its paragraph (inside a list item)."""
    if not fragments:
        return Markup(html)
    ends = _BlockEnds(html, set(fragments)).ends
    pieces, last = [], 0
    for anchor, offset in sorted(ends.items(), key=lambda item: item[1]):
        pieces += [html[last:offset], str(fragments[anchor])]
        last = offset
    pieces.append(html[last:])
    return Markup("".join(pieces))


# --- notes -----------------------------------------------------------------------------------


def _clean_note_body(body: str) -> str:
    body = clean_text(body).strip()
    if not clean_line(body):
        raise ServiceError("Write the note before adding it.", field="body")
    if len(body) > NOTE_BODY_MAX:
        raise ServiceError(f"A note is at most {NOTE_BODY_MAX:,} characters (this one has {len(body):,}).", field="body")
    return body


def _cited_comments(article: Article, prompted_by) -> list[Comment]:
    ids = []
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
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))}
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


def _queue_message(topic: str, subject_id: int, name: str, email: str | None, subject: str, body: str) -> None:
    if email:
        db.session.add(
            OutboxMessage(topic=topic, subject_id=subject_id, to_name=name, to_email=email, subject=subject, body=body)
        )


def _tell_cited(note: Note, comments: list[Comment], page_url: str) -> None:
    told: set[str] = set()
    for comment in comments:
        if comment.user_id is not None and comment.user_id == note.author_id:
            continue
        email = comment.user.email if comment.user is not None else comment.author_email
        if not email or email.lower() in told:  # one message per person, however many comments are cited
            continue
        told.add(email.lower())
        _queue_message(
            "note_cited",
            note.id,
            comment.author_name,
            email,
            f"Your comment led to {note.kind.label.lower()} on “{note.article.title}”",
            f"Hello {comment.author_name},\n\n"
            f"{note.signature} cites your comment on “{note.article.title}”:\n\n{note.body}\n\n"
            f"Read it here: {page_url}#note-{note.id}\n",
        )


def add_note(
    article: Article,
    writer: User,
    kind: str,
    body: str,
    *,
    paragraph: str | None = None,
    prompted_by=(),
    page_url: str = "",
) -> Note:
    """Append a signed note to a published article, after a paragraph or at the end, citing comments."""
    _check_writer(writer, article)
    if article.status is not ArticleStatus.published:
        raise ServiceError("Notes go on published articles.", code="not_published", status=409)
    kind_value, body, placed, cited = ServiceError.collect(
        [
            ("kind", lambda: parse_kind(kind)),
            ("body", lambda: _clean_note_body(body)),
            ("paragraph", lambda: _check_paragraph(article, paragraph)),
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
    _tell_cited(note, cited, page_url or f"/articles/{article.slug}")
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
    reason = clean_line(reason)
    if not reason:
        raise ServiceError("Say why the note is retracted; readers see the reason.", field="reason")
    if len(reason) > RETRACT_REASON_MAX:
        raise ServiceError(f"A reason is at most {RETRACT_REASON_MAX} characters.", field="reason")
    note.retracted_at, note.retracted_reason, note.retracted_by_id = utcnow(), reason, editor.id
    db.session.commit()
    return note


def notes_query(article: Article) -> Select:
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


def notes_on(article_ids) -> dict[int, list[Note]]:
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
class Placement:
    """Where each note goes on the page."""

    inline: dict[str, list[Note]] = field(default_factory=dict)
    end: list[Note] = field(default_factory=list)
    # Notes whose paragraph was removed by a later edit: shown at the end, marked as such.
    lost: list[Note] = field(default_factory=list)


_ANCHOR_ID = re.compile(r'\bid="(p-\d+)"')


def place_notes(article: Article, notes: list[Note]) -> Placement:
    """Sort the notes into inline (by paragraph anchor), at the end, and lost."""
    anchors = set(_ANCHOR_ID.findall(article.body_html))
    placement = Placement()
    for note in notes:
        if note.anchor and note.anchor in anchors:
            placement.inline.setdefault(note.anchor, []).append(note)
        elif note.anchor_lost or note.anchor:
            placement.lost.append(note)
        else:
            placement.end.append(note)
    return placement


@dataclass
class TimelineEntry:
    """One event in an article's public history: a version published, or a note added, amended or retracted."""

    when: datetime
    what: str  # "version", "note", "amendment" or "retraction"
    item: object
    # For versions: whether it is the current one, and the one before it (for the diff link).
    current: bool = False
    previous: object = None


def timeline(revisions: list, notes: list[Note]) -> list[TimelineEntry]:
    """Versions and notes in one list, newest first."""
    entries = [
        TimelineEntry(revision.created_at, "version", revision, current=index == len(revisions) - 1,
                      previous=revisions[index - 1] if index else None)
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


def corrected_on(notes: list[Note]) -> list[datetime]:
    """When the standing corrections were made, oldest first (the summary at the top of the article)."""
    return [note.created_at for note in notes if note.kind is NoteKind.correction and not note.retracted]


def led_to(comment_ids) -> dict[int, list[Note]]:
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


def recent_notes(limit: int = 50, article: Article | None = None) -> Select:
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


# --- correction requests ---------------------------------------------------------------------


@dataclass
class Requester:
    """Who asks for a correction: an account, or a guest's name and email."""

    user: User | None = None
    name: str = ""
    email: str = ""
    ip_network: str | None = None
    ip_address: str | None = None
    user_agent: str = ""
    referrer: str = ""
    form: dict | None = None


def _clean_request_body(body: str) -> str:
    body = clean_text(body).strip()
    if not clean_line(body):
        raise ServiceError("Say what is wrong in the article.", field="body")
    if len(body) > REQUEST_BODY_MAX:
        raise ServiceError(f"A request is at most {REQUEST_BODY_MAX:,} characters (this one has {len(body):,}).", field="body")
    return body


def _clean_source(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if not is_http_url(url):
        raise ServiceError("A source is a link starting with http:// or https://.", field="source_url")
    if len(url) > SOURCE_URL_MAX:
        raise ServiceError(f"A source link is at most {SOURCE_URL_MAX} characters.", field="source_url")
    return url


def _requested_comment(article: Article, comment_id) -> Comment | None:
    if comment_id in (None, ""):
        return None
    try:
        number = int(comment_id)
    except (TypeError, ValueError):
        raise ServiceError("comment_id is a comment number.", field="comment_id") from None
    comment = db.session.get(Comment, number)
    if comment is None or comment.article_id != article.id or not comment.is_public:
        raise ServiceError(f"Comment {number} is not a published comment on this article.", field="comment_id")
    return comment


def _requester_identity(requester: Requester, flagged: bool) -> tuple[str, str | None]:
    if requester.user is not None:
        return requester.user.name, requester.user.email
    if flagged:  # a guest's factual-error flag: no name or email was asked for
        return "A reader", None
    problems = {}
    name = clean_line(requester.name)
    if not name:
        problems["name"] = "Enter your name."
    elif len(name) > NAME_MAX:
        problems["name"] = f"A name is at most {NAME_MAX} characters."
    if not (requester.email or "").strip():
        problems["email"] = "Enter your email address, so the author can tell you the outcome; it is never shown."
    if problems:
        raise ServiceError(next(iter(problems.values())) if len(problems) == 1 else "Some fields need attention.", fields=problems)
    return name, normalise_email(requester.email)


def request_correction(
    article: Article,
    requester: Requester,
    body: str,
    rules,
    *,
    source_url: str | None = None,
    comment_id=None,
    flag: Flag | None = None,
) -> CorrectionRequest:
    """Store a reader's correction request for the author and host; the spam checks screen it first."""
    if article.status is not ArticleStatus.published:
        raise ServiceError("Corrections are requested on published articles.", code="not_published", status=409)
    body, source, comment, identity = ServiceError.collect(
        [
            ("body", lambda: _clean_request_body(body)),
            ("source_url", lambda: _clean_source(source_url)),
            ("comment_id", lambda: _requested_comment(article, comment_id)),
            ("name", lambda: _requester_identity(requester, flag is not None)),
        ]
    )
    name, email = identity
    duplicate = db.session.scalar(
        select(CorrectionRequest.id).where(
            CorrectionRequest.article_id == article.id,
            CorrectionRequest.body == body,
            CorrectionRequest.comment_id == comment.id if comment is not None else CorrectionRequest.comment_id.is_(None),
            (CorrectionRequest.user_id == requester.user.id)
            if requester.user is not None
            else (CorrectionRequest.email == email) if email
            else false(),
        )
    )
    if duplicate is not None:
        raise ServiceError("You have already sent this request.", field="body", code="duplicate", status=409)
    screening = screen_request(
        Submission(
            article,
            requester.user,
            email or "",
            requester.ip_network,
            body,
            html=render_note(body),
            name=name,
            website=source,
            ip_address=requester.ip_address,
            user_agent=requester.user_agent,
            referrer=requester.referrer,
            form=requester.form,
        ),
        rules,
    )
    correction_request = CorrectionRequest(
        article=article,
        comment=comment,
        flag_id=flag.id if flag is not None else None,
        user=requester.user,
        name=name,
        email=email,
        ip_network=requester.ip_network,
        body=body,
        source_url=source,
        status=screening.status,
        reasons=screening.reasons,
        spam_score=max((v.score for v in screening.verdicts), default=0.0),
    )
    db.session.add(correction_request)
    db.session.commit()
    return correction_request


REQUEST_ACTIONS = {
    "acknowledge": ({RequestStatus.open}, RequestStatus.acknowledged),
    "resolve": ({RequestStatus.open, RequestStatus.acknowledged}, RequestStatus.resolved),
    "decline": ({RequestStatus.open, RequestStatus.acknowledged}, RequestStatus.declined),
    "spam": ({RequestStatus.open, RequestStatus.acknowledged}, RequestStatus.spam),
    "not_spam": ({RequestStatus.spam}, RequestStatus.open),
    "reopen": ({RequestStatus.resolved, RequestStatus.declined}, RequestStatus.acknowledged),
}


def decide_request(
    correction_request: CorrectionRequest,
    action: str,
    actor: User,
    *,
    note_id: int | None = None,
    reason: str | None = None,
    page_url: str = "",
) -> CorrectionRequest:
    """Move a request along: acknowledge, resolve by a note, decline with a public reason, or sort spam."""
    article = correction_request.article
    if not can_handle_requests(actor, article):
        raise ServiceError("Only the article's author, its host and admins handle its requests.", code="forbidden", status=403)
    if action not in REQUEST_ACTIONS:
        raise ServiceError(f"Choose an action: {', '.join(REQUEST_ACTIONS)}.", field="action")
    allowed, target = REQUEST_ACTIONS[action]
    if correction_request.status not in allowed:
        raise ServiceError(
            f"A request that is {correction_request.status.value} cannot be moved that way ({action}).",
            code="invalid_transition",
            status=409,
        )
    now = utcnow()
    if action == "resolve":
        note = db.session.get(Note, note_id) if note_id else None
        if note is None or note.article_id != article.id:
            raise ServiceError("Choose the note on this article that resolves the request.", field="note_id")
        if note.retracted:
            raise ServiceError("That note was retracted, so it cannot resolve a request.", field="note_id")
        correction_request.note_id = note.id
    if action == "decline":
        reason = clean_line(reason)
        if not reason:
            raise ServiceError("Say why you decline the request; the requester and readers see it.", field="reason")
        if len(reason) > DECLINE_REASON_MAX:
            raise ServiceError(f"A reason is at most {DECLINE_REASON_MAX} characters.", field="reason")
        correction_request.decline_reason = reason
    if action == "reopen":
        correction_request.note_id, correction_request.decline_reason = None, None
        correction_request.decided_at, correction_request.decided_by_id = None, None
    if action == "acknowledge":
        correction_request.acknowledged_at = now
    correction_request.status = target
    if target in {RequestStatus.resolved, RequestStatus.declined}:
        correction_request.decided_at, correction_request.decided_by_id = now, actor.id
        _tell_requester(correction_request, page_url or f"/articles/{article.slug}")
    db.session.commit()
    return correction_request


def _tell_requester(correction_request: CorrectionRequest, page_url: str) -> None:
    title = correction_request.article.title
    if correction_request.status is RequestStatus.resolved:
        outcome = f"It was resolved by a note: {page_url}#note-{correction_request.note_id}"
    else:
        outcome = f"It was declined: {correction_request.decline_reason}"
    _queue_message(
        "request_decided",
        correction_request.id,
        correction_request.name,
        correction_request.email,
        f"Your correction request on “{title}”",
        f"Hello {correction_request.name},\n\nYou asked for a correction on “{title}”:\n\n"
        f"{correction_request.body}\n\n{outcome}\n",
    )


def find_request(request_id: int) -> CorrectionRequest | None:
    return db.session.get(CorrectionRequest, request_id)


def requests_query(user: User, status: RequestStatus | None = None, article: Article | None = None) -> Select:
    """The requests this user handles (their own articles; admins: all), newest first."""
    query = (
        select(CorrectionRequest)
        .join(Article, Article.id == CorrectionRequest.article_id)
        .options(
            joinedload(CorrectionRequest.article),
            joinedload(CorrectionRequest.comment),
            joinedload(CorrectionRequest.note),
        )
        .order_by(CorrectionRequest.id.desc())
    )
    if user.role is not Role.admin:
        query = query.where(Article.author_id == user.id)
    if status is not None:
        query = query.where(CorrectionRequest.status == status)
    if article is not None:
        query = query.where(CorrectionRequest.article_id == article.id)
    return query


def request_counts(user: User) -> dict[str, int]:
    """How many requests this user handles in each state."""
    query = select(CorrectionRequest.status, func.count(CorrectionRequest.id)).join(
        Article, Article.id == CorrectionRequest.article_id
    )
    if user.role is not Role.admin:
        query = query.where(Article.author_id == user.id)
    counts = dict.fromkeys((status.value for status in RequestStatus), 0)
    for status, count in db.session.execute(query.group_by(CorrectionRequest.status)):
        counts[status.value] = count
    return counts


def requests_on_page(article: Article, user: User | None, request_ids: set[int]) -> tuple[list, list]:
    """In one query: the requests this reader sent on the article (by account, or the ids a guest's cookie
    proves), and the requests the author decided, which every reader sees with their outcome."""
    decided = CorrectionRequest.status.in_([RequestStatus.resolved, RequestStatus.declined])
    conditions = [decided]
    if user is not None:
        conditions.append(CorrectionRequest.user_id == user.id)
    if request_ids:
        conditions.append(CorrectionRequest.id.in_(request_ids) & CorrectionRequest.user_id.is_(None))
    rows = db.session.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.article_id == article.id, or_(*conditions))
        .options(joinedload(CorrectionRequest.note))
        .order_by(CorrectionRequest.id)
    ).all()
    mine = [
        row
        for row in rows
        if (user is not None and row.user_id == user.id) or (row.user_id is None and row.id in request_ids)
    ]
    shown = sorted(
        (row for row in rows if row.status in {RequestStatus.resolved, RequestStatus.declined}),
        key=lambda row: (row.decided_at, row.id),
    )
    return mine, shown
