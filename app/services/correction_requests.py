"""Correction requests: readers tell an article's author and host what is wrong; the spam checks screen each
request, and the author acknowledges, resolves it by a note, or declines it with a public reason."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Article, ArticleStatus, Comment, CorrectionRequest, Flag, Note, RequestStatus, Role, User
from app.models.note import DECLINE_REASON_MAX, REQUEST_BODY_MAX, SOURCE_URL_MAX
from app.models.types import MAX_ID, utcnow
from app.services.accounts import normalise_email
from app.services.comments import guest_name
from app.services.errors import ServiceError
from app.services.links import absolute_url
from app.services.markdown import render_note
from app.services.outbox import queue_message
from app.services.permissions import can_handle_requests
from app.services.screening import screen_request
from app.services.settings import CommentRules
from app.services.signals import correction_requested
from app.services.spam.verdicts import Submission
from app.services.text import optional_http_url, required_text
from app.services.transitions import next_state


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
    form: dict[str, str] | None = None


def _clean_request_body(body: str) -> str:
    return required_text(
        body,
        field="body",
        missing="Say what is wrong in the article.",
        limit=REQUEST_BODY_MAX,
        too_long="A request is at most {limit:,} characters (this one has {length:,}).",
        multiline=True,
    )


def _clean_source(url: str | None) -> str | None:
    return optional_http_url(
        url,
        field="source_url",
        invalid="A source is a link starting with http:// or https://.",
        limit=SOURCE_URL_MAX,
        too_long="A source link is at most {limit} characters.",
    )


def _requester_email(email: str) -> str:
    if not (email or "").strip():
        raise ServiceError(
            "Enter your email address, so the author can tell you the outcome; it is never shown.", field="email"
        )
    return normalise_email(email)


def _requested_comment(article: Article, comment_id: int | str | None) -> Comment | None:
    if comment_id is None or comment_id == "":
        return None
    try:
        number = int(comment_id)
    except (TypeError, ValueError):
        raise ServiceError("comment_id is a comment number.", field="comment_id") from None
    comment = db.session.get(Comment, number) if 0 < number <= MAX_ID else None
    if comment is None or comment.article_id != article.id or not comment.is_public:
        raise ServiceError(f"Comment {number} is not a published comment on this article.", field="comment_id")
    return comment


def _requester_identity(requester: Requester, flagged: bool) -> tuple[str, str | None]:
    if requester.user is not None:
        return requester.user.name, requester.user.email
    if flagged:  # a guest's factual-error flag: no name or email was asked for
        return "A reader", None
    name, email = ServiceError.collect(
        [("name", lambda: guest_name(requester.name)), ("email", lambda: _requester_email(requester.email))]
    )
    return name, email


def request_correction(
    article: Article,
    requester: Requester,
    body: str,
    rules: CommentRules,
    *,
    source_url: str | None = None,
    comment_id: int | str | None = None,
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
            CorrectionRequest.comment_id == comment.id
            if comment is not None
            else CorrectionRequest.comment_id.is_(None),
            (CorrectionRequest.user_id == requester.user.id)
            if requester.user is not None
            else (CorrectionRequest.email == email)
            if email
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
    correction_requested.send(correction_request)  # staff mail writes to the author in this transaction
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
) -> CorrectionRequest:
    """Move a request along: acknowledge, resolve by a note, decline with a public reason, or sort spam."""
    article = correction_request.article
    if not can_handle_requests(actor, article):
        raise ServiceError(
            "Only the article's author, its host and admins handle its requests.", code="forbidden", status=403
        )
    target = next_state(
        REQUEST_ACTIONS,
        action,
        correction_request.status,
        unknown=f"Choose an action: {', '.join(REQUEST_ACTIONS)}.",
        refused=f"A request that is {correction_request.status.value} cannot be moved that way ({action}).",
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
        correction_request.decline_reason = required_text(
            reason,
            field="reason",
            missing="Say why you decline the request; the requester and readers see it.",
            limit=DECLINE_REASON_MAX,
            too_long="A reason is at most {limit} characters.",
        )
    if action == "reopen":
        correction_request.note_id, correction_request.decline_reason = None, None
        correction_request.decided_at, correction_request.decided_by_id = None, None
    if action == "acknowledge":
        correction_request.acknowledged_at = now
    correction_request.status = target
    if target in {RequestStatus.resolved, RequestStatus.declined}:
        correction_request.decided_at, correction_request.decided_by_id = now, actor.id
        _tell_requester(correction_request)
    db.session.commit()
    return correction_request


def _tell_requester(correction_request: CorrectionRequest) -> None:
    article = correction_request.article
    resolved = correction_request.status is RequestStatus.resolved
    queue_message(
        "request_decided",
        correction_request.id,
        correction_request.name,
        correction_request.email,
        f"Your correction request on “{article.title}”",
        {
            "request": correction_request,
            "article_title": article.title,
            "resolved": resolved,
            "article_url": absolute_url("articles.show", slug=article.slug),
            "note_url": absolute_url("articles.show", anchor=f"note-{correction_request.note_id}", slug=article.slug)
            if resolved
            else None,
        },
    )


def find_request(request_id: int) -> CorrectionRequest | None:
    return db.session.get(CorrectionRequest, request_id)


def requests_query(
    user: User, status: RequestStatus | None = None, article: Article | None = None
) -> Select[CorrectionRequest]:
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


def requests_on_page(
    article: Article, user: User | None, request_ids: set[int]
) -> tuple[list[CorrectionRequest], list[CorrectionRequest]]:
    """In one query: the requests this reader sent on the article (by account, or the ids a guest's cookie
    proves), and the requests the author decided, which every reader sees with their outcome."""
    decided = CorrectionRequest.status.in_([RequestStatus.resolved, RequestStatus.declined])
    conditions: list[ColumnElement[bool]] = [decided]
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
