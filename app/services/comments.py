"""Comments: posting, replying, editing and deleting one's own, and closing threads (reading: services.threads)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, inspect, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Article, Comment, CommentRevision, CommentStatus, User
from app.models.article import CLOSED_REASON_MAX
from app.models.comment import WEBSITE_MAX, best_score, count_visible_replies
from app.models.types import MAX_ID, utcnow
from app.models.user import NAME_MAX
from app.services.accounts import normalise_email, refuse_lookalike_name
from app.services.audit import insert_event, record_event
from app.services.errors import ServiceError
from app.services.identity import display_name
from app.services.markdown import render_comment
from app.services.screening import screen
from app.services.settings import CommentRules
from app.services.signals import comment_published, comment_waits
from app.services.spam.checks import body_key
from app.services.spam.verdicts import Submission
from app.services.text import clean_line, optional_http_url, required_text


@dataclass
class Writer:
    """Who posts: an account, or a guest's name, email and optional website."""

    user: User | None = None
    name: str = ""
    email: str = ""
    website: str | None = None
    ip_network: str | None = None
    # Request details for the spam checks: the full address is used for the check, never stored.
    ip_address: str | None = None
    user_agent: str = ""
    referrer: str = ""
    form: dict[str, str] | None = None
    # "Email me when someone replies" (app/services/subscriptions.py): kept on the comment.
    notify_replies: bool = False


# --- closing ---------------------------------------------------------------------------------


def closed_reason(article: Article, rules: CommentRules, now: datetime | None = None) -> str | None:
    """Why the article takes no new comments, or None while it does."""
    if not article.comments_open:
        return article.comments_closed_reason or "The author has closed comments on this article."
    published = article.published_at
    if (
        rules.auto_close_days > 0
        and published is not None
        and (now or utcnow()) - published > timedelta(days=rules.auto_close_days)
    ):
        return f"Comments close automatically {rules.auto_close_days} days after an article is published."
    return None


def close_comments(article: Article, reason: str = "") -> Article:
    """Stop new comments on an article, saying why."""
    reason = clean_line(reason)
    if len(reason) > CLOSED_REASON_MAX:
        raise ServiceError(f"A reason is at most {CLOSED_REASON_MAX} characters.", field="reason")
    article.comments_open = False
    article.comments_closed_reason = reason or None
    db.session.commit()
    return article


def reopen_comments(article: Article) -> Article:
    """Take comments on an article again."""
    article.comments_open = True
    article.comments_closed_reason = None
    db.session.commit()
    return article


# --- writing ---------------------------------------------------------------------------------


def _clean_body(body: str, rules: CommentRules) -> str:
    return required_text(
        body,
        field="body",
        missing="Write something before posting.",
        limit=rules.max_length,
        too_long="A comment is at most {limit:,} characters (this one has {length:,}).",
        multiline=True,
    )


def _clean_website(website: str | None) -> str | None:
    return optional_http_url(
        website,
        field="website",
        invalid="A website is an address starting with http:// or https://.",
        limit=WEBSITE_MAX,
        too_long="A website address is at most {limit} characters.",
    )


def guest_name(name: str) -> str:
    """A guest's name as shown: one line, something visible, few marks per letter, at most NAME_MAX characters,
    and neither a staff member's name in disguise nor a claim to a role (accounts.refuse_lookalike_name)."""
    name = display_name(
        name, missing="Enter your name.", limit=NAME_MAX, too_long="A name is at most {limit} characters."
    )
    refuse_lookalike_name(name)
    return name


def _guest_email(email: str) -> str:
    if not (email or "").strip():
        raise ServiceError("Enter your email address; it is never shown.", field="email")
    return normalise_email(email)


def _checked_input(writer: Writer, body: str, rules: CommentRules) -> tuple[str, str, str, str | None]:
    """Body, name, email and website, all checked at once so the writer sees every problem together."""
    if writer.user is not None:
        body, website = ServiceError.collect(
            [("body", lambda: _clean_body(body, rules)), ("website", lambda: _clean_website(writer.website))]
        )
        return body, writer.user.name, writer.user.email, website
    body, name, email, website = ServiceError.collect(
        [
            ("body", lambda: _clean_body(body, rules)),
            ("name", lambda: guest_name(writer.name)),
            ("email", lambda: _guest_email(writer.email)),
            ("website", lambda: _clean_website(writer.website)),
        ]
    )
    return body, name, email, website


def _parent(article: Article, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id) if 0 < parent_id <= MAX_ID else None
    if parent is None:
        raise ServiceError("The comment you are replying to does not exist.", field="parent_id")
    if parent.article_id != article.id:
        raise ServiceError("The comment you are replying to belongs to another article.", field="parent_id")
    if not parent.is_public:
        raise ServiceError(
            "The comment you are replying to is not visible, so it cannot be answered.", field="parent_id"
        )
    return parent


def post_comment(
    article: Article, writer: Writer, body: str, rules: CommentRules, parent_id: int | None = None
) -> Comment:
    """Validate and store a comment or reply; it is approved at once unless a rule holds it."""
    reason = closed_reason(article, rules)
    if reason:
        raise ServiceError(reason, code="comments_closed", status=403)
    if not article.is_published:
        raise ServiceError("Comments open when the article is published.", code="comments_closed", status=403)
    body, name, email, website = _checked_input(writer, body, rules)
    parent = _parent(article, parent_id)
    attach_to = parent
    # Past the depth limit a reply hangs beside the comment it answers, at the deepest level.
    while attach_to is not None and attach_to.depth >= rules.max_depth - 1:
        attach_to = db.session.get(Comment, attach_to.parent_id) if attach_to.parent_id else None
    # Every column of the new row (see _write_comment): the comment is written with a statement, not the session's
    # unit of work, and given back as the object those values make.
    values: dict[str, Any] = {
        "article_id": article.id,
        "parent_id": attach_to.id if attach_to else None,
        "in_reply_to_id": parent.id if parent else None,
        "root_id": (attach_to.root_id or attach_to.id) if attach_to else None,
        "depth": attach_to.depth + 1 if attach_to else 0,
        "user_id": writer.user.id if writer.user is not None else None,
        "writer_name": name,
        "writer_email": email,
        "writer_website": website,
        "ip_network": writer.ip_network,
        "body": body,
        "body_html": render_comment(body),
        "reply_mail": writer.notify_replies,  # app/services/subscriptions.py
        "origin": None,  # set only by `flask import`
        "origin_id": None,
    }
    submission = Submission(
        article,
        writer.user,
        email,
        writer.ip_network,
        body,
        html=values["body_html"],
        name=name,
        website=website,
        ip_address=writer.ip_address,
        user_agent=writer.user_agent,
        referrer=writer.referrer,
        form=writer.form,
        parent_id=parent.id if parent else None,
    )
    try:
        screening = screen(submission, rules)
    except ServiceError:
        db.session.rollback()
        raise
    status = screening.status
    values.update(
        body_key=body_key(submission),  # the duplicate check worked it out (Comment.body_key)
        status=status,
        reasons=screening.reasons,
        spam_score=max((v.score for v in screening.verdicts), default=0.0),
        created_at=utcnow(),
        edited_at=None,
        edited_by_moderator=False,
        deleted_at=None,
        removed_by_author=False,
        trained_as=None,
        visible_replies=0,
        votes=0,
        pinned_by=None,
    )
    values["best_score"] = best_score(0, values["created_at"])
    comment = _write_comment(values, article)
    insert_event(
        db.session.connection(),
        comment.id,
        comment.created_at,
        "submit",
        None,
        status.value,
        actor=writer.user,
        rule=screening.rule,
    )
    # What else is written with the comment goes here, before the commit: the session holds the comment, with its id.
    if comment.is_public:
        comment_published.send(comment, parent=parent)  # reply mail and subscriptions: a task only if someone asked
    elif status is CommentStatus.pending:
        comment_waits.send(comment)  # staff mail: a task for the moderators, in this transaction
    _commit_keeping(comment, article)
    return comment


# What a new comment changes besides its own row, as the session's listeners would (models.discussion,
# models.comment): the article's discussion version, and its count when the comment is published at once (the
# other paths recount: refresh_comment_count). One statement, built once for each case.
_ARTICLES = Article.__table__
_NEW_COMMENT_ON_ARTICLE = {
    published: update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(
        discussion_version=_ARTICLES.c.discussion_version + 1,
        **({"comment_count": _ARTICLES.c.comment_count + 1} if published else {}),
    )
    for published in (True, False)
}
_INSERT_COMMENT = insert(Comment.__table__).returning(Comment.__table__.c.id)
_COMMENT_COLUMNS = frozenset(attribute.key for attribute in inspect(Comment).column_attrs)
_ARTICLE_COLUMNS = frozenset(attribute.key for attribute in inspect(Article).column_attrs)


def _write_comment(values: dict[str, Any], article: Article) -> Comment:
    """Insert the comment with statements in the session's transaction, doing what the session's flush listeners do
    for a comment added to it: raise the discussion version, count a visible reply in the comments it answers
    (models.comment), and count a published comment on its article. Returns the comment as the object its values
    make, held by the session as if read back: every column loaded, its article the one it was posted on; its
    account, if any, comes from the session's identity map when asked for."""
    connection = db.session.connection()
    comment_id = connection.execute(_INSERT_COMMENT, values).scalar_one()
    comment: Comment = Comment.__mapper__.class_manager.new_instance()
    for key, value in values.items():
        set_committed_value(comment, key, value)
    set_committed_value(comment, "id", comment_id)
    missing = _COMMENT_COLUMNS - vars(comment).keys()
    if missing:
        raise RuntimeError(f"a posted comment misses {sorted(missing)}")  # a column added without a value here
    connection.execute(
        _NEW_COMMENT_ON_ARTICLE[comment.status is CommentStatus.approved and comment.deleted_at is None],
        {"article": article.id},
    )
    if comment.is_visible and (comment.parent_id is not None or comment.in_reply_to_id is not None):
        count_visible_replies(connection, comment.parent_id, comment.in_reply_to_id, 1)
    set_committed_value(comment, "article", article)
    make_transient_to_detached(comment)
    db.session.add(comment)  # persistent at once: nothing is written again
    return comment


def _commit_keeping(comment: Comment, article: Article) -> None:
    """Commit, then put back what the comment and its article held, as committed values: the writer's answer is
    built from them without reading them again. The article's counters, which statements changed, are left to be
    read when asked for."""
    kept = [
        (target, {key: value for key, value in vars(target).items() if key in columns})
        for target, columns in ((comment, _COMMENT_COLUMNS), (article, _ARTICLE_KEPT))
    ]
    db.session.commit()
    for target, values in kept:
        for key, value in values.items():
            set_committed_value(target, key, value)


_ARTICLE_KEPT = _ARTICLE_COLUMNS - {"comment_count", "discussion_version"}


def refresh_comment_count(article_id: int) -> None:
    """Recount an article's published comments into articles.comment_count (in the caller's transaction)."""
    published = (
        select(func.count(Comment.id))
        .where(Comment.article_id == article_id, Comment.status == CommentStatus.approved, Comment.deleted_at.is_(None))
        .scalar_subquery()
    )
    db.session.execute(update(Article).where(Article.id == article_id).values(comment_count=published))


# --- owning ----------------------------------------------------------------------------------


def owns(comment: Comment, user: User | None, guest_ids: set[int]) -> bool:
    """Whether the viewer wrote the comment: as its account, or as the guest holding its signed token."""
    if comment.user_id is not None:
        return user is not None and getattr(user, "is_authenticated", False) and user.id == comment.user_id
    return comment.id in guest_ids


def edit_deadline(comment: Comment, rules: CommentRules) -> datetime:
    """Until when the writer may still edit or delete the comment."""
    return comment.created_at + rules.edit_window


def check_can_change(
    comment: Comment, user: User | None, guest_ids: set[int], rules: CommentRules, now: datetime | None = None
) -> None:
    """Raise a 403 ServiceError unless the viewer wrote this comment and its edit window is open.

    A comment the spam checks caught is, to its writer, one awaiting moderation like a held one, so it may be
    changed the same way (and stays where it is: an edit is not screened again); a trashed one may not.
    """
    if not owns(comment, user, guest_ids):
        raise ServiceError("Only the person who wrote this comment can change it.", code="forbidden", status=403)
    if comment.deleted_at is not None or comment.status is CommentStatus.trash:
        raise ServiceError("This comment can no longer be changed.", code="forbidden", status=403)
    if comment.edited_by_moderator:
        raise ServiceError(
            "A moderator has edited this comment, so it can no longer be changed.", code="forbidden", status=403
        )
    if (now or utcnow()) > edit_deadline(comment, rules):
        minutes = int(rules.edit_window.total_seconds() // 60)
        raise ServiceError(
            f"Comments can be changed for {minutes} minutes after posting; that time is over.",
            code="edit_window_closed",
            status=403,
        )


def edit_comment(comment: Comment, body: str, rules: CommentRules, editor: User | None = None) -> Comment:
    """Replace a comment's text, keeping the previous text as a revision."""
    body = _clean_body(body, rules)
    if body == comment.body:
        return comment
    comment.revisions.append(CommentRevision(body=comment.body, body_html=comment.body_html, replaced_by=editor))
    comment.body = body
    comment.body_html = render_comment(body)
    comment.edited_at = utcnow()
    db.session.commit()
    return comment


@dataclass
class Rerendered:
    """What `flask comments rerender` did: comments read, and those whose stored HTML changed."""

    checked: int
    changed: int


RERENDER_BATCH = 500


def rerender_comments(batch: int = RERENDER_BATCH) -> Rerendered:
    """Render every comment's stored HTML again from its text, a batch at a time (after the renderer changed)."""
    checked = changed = 0
    last_id = 0
    while True:
        comments = db.session.scalars(
            select(Comment).where(Comment.id > last_id, Comment.body != "").order_by(Comment.id).limit(batch)
        ).all()
        if not comments:
            return Rerendered(checked, changed)
        for comment in comments:
            html = render_comment(comment.body)
            if html != comment.body_html:
                # Through the ORM, so the flush listener raises the discussions' versions (their prepared bytes).
                comment.body_html = html
                changed += 1
        checked += len(comments)
        last_id = comments[-1].id
        db.session.commit()
        # Memory stays bounded by one batch, however many comments the site holds.
        for comment in comments:
            db.session.expunge(comment)


def delete_comment(comment: Comment, by: User | None = None) -> Comment:
    """A writer's delete: the row stays; the page shows a placeholder while visible replies need one."""
    comment.deleted_at = utcnow()
    record_event(
        comment, "delete", comment.status.value, comment.status.value, actor=by, remark="deleted by its writer"
    )
    db.session.flush()
    refresh_comment_count(comment.article_id)
    db.session.commit()
    return comment


def find_comment(comment_id: int) -> Comment | None:
    """A comment by id, with its article; None for an id no database could hold."""
    if not 0 < comment_id <= MAX_ID:
        return None
    return db.session.scalar(select(Comment).where(Comment.id == comment_id).options(joinedload(Comment.article)))
