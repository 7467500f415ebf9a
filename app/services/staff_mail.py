"""Staff mail: moderators hear of comments waiting in Pending or Flagged, authors of correction requests on their
articles, and each mail's links act without signing in.

- **Who hears what.** Moderators and admins choose "immediately", a daily digest (the default: a moderator who
  never opened the settings still learns that comments wait, once a day at most) or off; authors, hosts and
  admins get one mail per correction request on an article of theirs (on by default: the request asks them to
  answer). Every mail carries a one-click unsubscribe (RFC 8058) that turns that mail off for that person.
- **No cost to a published comment.** A held comment or a flag sends `comment_waits`; its receiver queues one
  `staff_mail.waiting` task, and the task tells the moderators. A comment published at once sends nothing.
- **No flood.** "Immediately" sends at most one mail per MODERATION_MAIL_EVERY_MINUTES to each moderator: an
  arrival within that time plans one `staff_mail.send` task for its end, and later arrivals join it. The digest
  is a `staff_mail.digest` task due each day at MODERATION_MAIL_DIGEST_AT (UTC) that plans the next one;
  `flask mail digest` sends it at once (for cron). Each mail lists the comments that arrived since that
  person's last one (`told_event_id`, `told_flag_id`) and still wait; with nothing new, nothing is sent.
- **Links that act.** A comment's Approve / Spam / Trash links carry a signed token naming the comment, the
  moderator, the action and the comment's latest moderation event when the mail was written. The link opens a
  confirmation page; its POST acts through services.moderation as that moderator. Once the comment has moved
  (by that link or anyone), the token's event is no longer the latest and the link only says what happened.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    CorrectionRequest,
    Flag,
    ModerationEvent,
    ModerationMail,
    OutboxMessage,
    RequestStatus,
    StaffMailSettings,
    Task,
    User,
)
from app.models.task import DIGEST_KIND
from app.models.types import MAX_ID, utcnow
from app.services import moderation, tasks
from app.services.errors import ServiceError
from app.services.links import absolute_url, discussion_url
from app.services.outbox import queue_message
from app.services.permissions import STAFF_ROLES, WRITER_ROLES
from app.services.signed import TokenProblem, make_token, read_token

WAITING_TASK = "staff_mail.waiting"
SEND_TASK = "staff_mail.send"
DIGEST_TASK = DIGEST_KIND
# Tasks that write messages: `flask outbox deliver` runs them too, so a mail worker alone sends staff mail on time.
MAIL_WRITING_TASKS = (WAITING_TASK, SEND_TASK, DIGEST_TASK)
ACTION_PURPOSE = "moderate"
UNSUBSCRIBE_PURPOSE = "staff-unsubscribe"
# The two mails a person can turn off: the settings' field for each, and how a page names it.
KINDS = {
    "moderation": "mail about comments waiting for moderation",
    "correction_requests": "mail about correction requests on your articles",
}
# What a mail offers for a comment: the action, and its link's label.
LINK_LABELS = {"approve": "Approve", "dismiss_flags": "Keep it (dismiss the flags)", "spam": "Spam", "trash": "Trash"}
P = CommentStatus.pending
# A planned "immediately" mail whose task has not run this long after its time is taken as lost.
PLAN_LOST_AFTER = timedelta(hours=1)


# --- settings --------------------------------------------------------------------------------


def is_staff_account(user: User) -> bool:
    """Moderators and admins, with an open account: who may hear of comments waiting (once their address is
    confirmed) and act from the mail's links."""
    return user.is_active and user.role in STAFF_ROLES


def is_writer_account(user: User) -> bool:
    """Authors and admins, with an open account: who may hear of correction requests (once their address is
    confirmed)."""
    return user.is_active and user.role in WRITER_ROLES


def settings_of(user: User) -> StaffMailSettings:
    """The person's choices: their row, or the defaults (not added to the session) when they never chose."""
    return db.session.get(StaffMailSettings, user.id) or StaffMailSettings(
        user_id=user.id, moderation=ModerationMail.daily, correction_requests=True
    )


def _row(user_id: int) -> StaffMailSettings:
    """The person's row, locked on PostgreSQL until the commit (two runners never mail one person twice); made
    with the defaults when missing."""
    row = db.session.scalars(
        select(StaffMailSettings).where(StaffMailSettings.user_id == user_id).with_for_update()
    ).first()
    if row is None:
        row = StaffMailSettings(
            user_id=user_id,
            moderation=ModerationMail.daily,
            correction_requests=True,
            told_event_id=0,
            told_flag_id=0,
        )
        db.session.add(row)
    return row


def choose(user: User, moderation_mail: str | None = None, correction_requests: bool | None = None) -> None:
    """Save a person's choices (None leaves one as it is); each only for those who may get that mail."""
    choice = None
    if moderation_mail is not None:
        if not is_staff_account(user):
            raise ServiceError(
                "Mail about comments waiting is for moderators and admins.", code="forbidden", status=403
            )
        try:
            choice = ModerationMail(moderation_mail)
        except ValueError:
            choices = ", ".join(option.value for option in ModerationMail)
            raise ServiceError(f"Choose one of: {choices}.", field="moderation") from None
    if correction_requests is not None and not is_writer_account(user):
        raise ServiceError("Mail about correction requests is for authors and admins.", code="forbidden", status=403)
    if choice is None and correction_requests is None:
        return
    row = _row(user.id)
    if choice is not None:
        row.moderation = choice
        if choice is ModerationMail.daily and current_app.config["STAFF_MAIL_ENABLED"]:
            plan_digest()
    if correction_requests is not None:
        row.correction_requests = correction_requests
    db.session.commit()


def unsubscribe_url(user: User, kind: str) -> str:
    """The one-click address that turns one kind of mail off for this person (it never expires)."""
    token = make_token(UNSUBSCRIBE_PURPOSE, {"u": user.id, "k": kind})
    return absolute_url("staff_mail.unsubscribe", token=token)


def read_unsubscribe(token: str) -> tuple[User, str]:
    """The person and the kind of mail an unsubscribe token names; raises TokenProblem("invalid") otherwise."""
    data = read_token(UNSUBSCRIBE_PURPOSE, token, None)
    if not isinstance(data, dict) or data.get("k") not in KINDS or not _is_id(data.get("u")):
        raise TokenProblem("invalid")
    user = db.session.get(User, data["u"])
    if user is None:
        raise TokenProblem("invalid")
    return user, str(data["k"])


def unsubscribe(token: str) -> tuple[User, str]:
    """Turn off the mail a token names (again, harmlessly, when it is off already); the person and the kind."""
    user, kind = read_unsubscribe(token)
    row = _row(user.id)
    if kind == "moderation":
        row.moderation = ModerationMail.off
    else:
        row.correction_requests = False
    db.session.commit()
    return user, kind


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


# --- what arrived ----------------------------------------------------------------------------


def on_comment_waits(comment: Comment, **_: object) -> None:
    """Receiver of `comment_waits`: queue the task that tells the moderators (in the caller's transaction)."""
    if current_app.config["STAFF_MAIL_ENABLED"]:
        tasks.enqueue(WAITING_TASK, {})


def waiting_from_task(payload: dict[str, Any]) -> None:
    """The `staff_mail.waiting` handler: mail each moderator who chose "immediately" now, or plan their mail for
    the end of their quiet time; make sure a digest is planned for the others."""
    if not current_app.config["STAFF_MAIL_ENABLED"]:
        return
    plan_digest()
    now = utcnow()
    every = timedelta(minutes=int(current_app.config["MODERATION_MAIL_EVERY_MINUTES"]))
    for user in db.session.scalars(_staff_choosing(ModerationMail.immediately)).all():
        row = _row(user.id)
        if row.planned_at is not None and row.planned_at > now - PLAN_LOST_AFTER:
            continue  # a mail is planned already: it will list this arrival too
        due = row.last_sent_at + every if row.last_sent_at is not None else now
        if due <= now:
            send_moderation_mail(user, row)
        else:
            row.planned_at = due
            tasks.enqueue(SEND_TASK, {"user_id": user.id}, due=due)


def send_from_task(payload: dict[str, Any]) -> None:
    """The `staff_mail.send` handler: the planned mail of one moderator who chose "immediately"."""
    user = db.session.get(User, int(payload["user_id"]))
    if user is None:
        return
    row = _row(user.id)
    row.planned_at = None
    enabled = current_app.config["STAFF_MAIL_ENABLED"]
    if enabled and is_staff_account(user) and user.email_verified and row.moderation is ModerationMail.immediately:
        send_moderation_mail(user, row)


def digest_from_task(payload: dict[str, Any]) -> None:
    """The `staff_mail.digest` handler: the daily digests, then the next day's task (none once staff mail is
    off)."""
    if current_app.config["STAFF_MAIL_ENABLED"]:
        send_digests()
        plan_digest()


def send_digests() -> int:
    """Write the digest of every moderator on the daily digest who has something new (the caller commits); how
    many were written."""
    sent = 0
    for user in db.session.scalars(_staff_choosing(ModerationMail.daily)).all():
        sent += send_moderation_mail(user, _row(user.id), digest=True) is not None
    return sent


def next_digest_at(now: datetime, at: str) -> datetime:
    """The next time of day `at` (HH:MM, UTC) after `now`."""
    hours, minutes = (int(part) for part in at.split(":"))
    planned = datetime.combine(now.date(), time(hours, minutes), tzinfo=now.tzinfo)
    return planned if planned > now else planned + timedelta(days=1)


def digest_time_problem(config: dict[str, Any]) -> str | None:
    """What is wrong with MODERATION_MAIL_DIGEST_AT, or None."""
    value = config.get("MODERATION_MAIL_DIGEST_AT")
    try:
        hours, minutes = str(value).split(":")
        time(int(hours), int(minutes))
    except ValueError:
        return f"AFTERWORD_MODERATION_MAIL_DIGEST_AT must be a time of day in UTC as HH:MM, e.g. 08:00, not {value!r}."
    return None


def plan_digest() -> Task | None:
    """Queue the next daily digest unless one is planned already (the caller commits)."""
    now = utcnow()
    planned = db.session.scalar(
        select(Task.id).where(
            Task.kind == DIGEST_TASK, Task.done_at.is_(None), Task.failed_at.is_(None), Task.run_after > now
        )
    )
    if planned is not None:
        return None
    return queue_digest(next_digest_at(now, str(current_app.config["MODERATION_MAIL_DIGEST_AT"])))


def queue_digest(due: datetime) -> Task | None:
    """Queue the digest due at `due`, or nothing when another process has just queued it: the tasks table keeps
    one pending digest a time (models.task.ONE_DIGEST_A_TIME), and the refusal is kept to a savepoint, so the
    caller's transaction goes on."""
    try:
        with db.session.begin_nested():
            task = tasks.enqueue(DIGEST_TASK, {}, due=due)
    except IntegrityError:
        return None
    return task


def _staff_choosing(choice: ModerationMail) -> Select[User]:
    """Moderators and admins with open accounts whose moderation mail is `choice` (daily when never chosen)."""
    chosen = func.coalesce(StaffMailSettings.moderation, ModerationMail.daily)
    return (
        select(User)
        .outerjoin(StaffMailSettings, StaffMailSettings.user_id == User.id)
        .where(
            User.role.in_(STAFF_ROLES),
            User.active.is_(True),
            User.deleted_at.is_(None),
            User.email_verified_at.is_not(None),
            chosen == choice,
        )
        .order_by(User.id)
    )


# --- the moderation mail ---------------------------------------------------------------------


@dataclass
class Listed:
    """One comment in a moderation mail, with its links."""

    comment: Comment
    excerpt: str
    flags: list[str]
    desk_url: str
    discussion_url: str  # where its discussion is read: the host page of an embedded one
    links: dict[str, str] = field(default_factory=dict)


def _excerpt(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def latest_event_ids(comment_ids: list[int]) -> dict[int, int]:
    """Each comment's newest moderation event id (0 for none)."""
    if not comment_ids:
        return {}
    rows = db.session.execute(
        select(ModerationEvent.comment_id, func.max(ModerationEvent.id))
        .where(ModerationEvent.comment_id.in_(comment_ids))
        .group_by(ModerationEvent.comment_id)
    )
    found = {comment_id: event_id for comment_id, event_id in rows if comment_id is not None}
    return {comment_id: found.get(comment_id, 0) for comment_id in comment_ids}


def offered_actions(comment: Comment, has_open_flags: bool) -> list[str]:
    """The actions a mail offers for a waiting comment: Approve a held one (or keep a published one that readers
    flagged), Spam, Trash."""
    if comment.status is P:
        return ["approve", "spam", "trash"]
    return (["dismiss_flags"] if has_open_flags else []) + ["spam", "trash"]


def action_url(comment: Comment, moderator: User, action: str, event_id: int) -> str:
    """A mailed link that, once confirmed, applies `action` to the comment as `moderator`: while the comment's
    newest event is still `event_id`, and for MODERATION_MAIL_LINK_DAYS."""
    token = make_token(ACTION_PURPOSE, {"c": comment.id, "m": moderator.id, "a": action, "e": event_id})
    return absolute_url("staff_mail.confirm", token=token)


def _new_waiting(row: StaffMailSettings, event_top: int, flag_top: int) -> Select[Comment]:
    """Comments still waiting that arrived after the person's last mail: held (or hidden by flags) by an event
    they were not told of, or with an open flag they were not told of; oldest first."""
    held = select(ModerationEvent.comment_id).where(
        ModerationEvent.to_status == P.value,
        ModerationEvent.id > row.told_event_id,
        ModerationEvent.id <= event_top,
    )
    flagged = select(Flag.comment_id).where(Flag.resolved_at.is_(None), Flag.id > row.told_flag_id, Flag.id <= flag_top)
    return (
        select(Comment)
        .where(or_(and_(Comment.status == P, Comment.id.in_(held)), Comment.id.in_(flagged)))
        .options(joinedload(Comment.article))
        .order_by(Comment.id)
    )


def send_moderation_mail(user: User, row: StaffMailSettings, *, digest: bool = False) -> OutboxMessage | None:
    """Write one moderator's mail of the comments that arrived since their last one and still wait, and move
    their marks on (the caller commits); None, and no mail, when nothing new waits."""
    event_top = db.session.scalar(select(func.coalesce(func.max(ModerationEvent.id), 0))) or 0
    flag_top = db.session.scalar(select(func.coalesce(func.max(Flag.id), 0))) or 0
    most = int(current_app.config["MODERATION_MAIL_MAX_COMMENTS"])
    found = db.session.scalars(_new_waiting(row, event_top, flag_top).limit(most + 1)).all()
    new_count = (
        len(found)
        if len(found) <= most
        else db.session.scalar(select(func.count()).select_from(_new_waiting(row, event_top, flag_top).subquery())) or 0
    )
    row.told_event_id, row.told_flag_id = max(row.told_event_id, event_top), max(row.told_flag_id, flag_top)
    if not found:
        return None
    shown = list(found[:most])
    context = moderation.load_context(shown)
    events = latest_event_ids([comment.id for comment in shown])
    listed = []
    for comment in shown:
        open_flags = [flag for flag in context["flags"][comment.id] if flag.resolved_at is None]
        item = Listed(
            comment=comment,
            excerpt=_excerpt(comment.body),
            flags=[flag.reason.value.replace("_", " ") for flag in open_flags],
            desk_url=absolute_url("moderation.comment", comment_id=comment.id),
            discussion_url=discussion_url(comment.article),
        )
        for action in offered_actions(comment, bool(open_flags)):
            item.links[LINK_LABELS[action]] = action_url(comment, user, action, events[comment.id])
        listed.append(item)
    counts = moderation.queue_counts(user)
    subject = f"{new_count} new comment{'s' if new_count != 1 else ''} waiting for moderation" + (
        " (daily digest)" if digest else ""
    )
    message = queue_message(
        "comments_waiting",
        user.id,
        user.name,
        user.email,
        subject,
        {
            "listed": listed,
            "new_count": new_count,
            "more": new_count - len(listed),
            "pending": counts["pending"],
            "flagged": counts["flagged"],
            "digest": digest,
            "link_days": int(current_app.config["MODERATION_MAIL_LINK_DAYS"]),
            "desk_url": absolute_url("moderation.desk"),
            "flagged_url": absolute_url("moderation.desk", queue="flagged"),
            "settings_url": absolute_url("auth.account", anchor="staff-mail"),
        },
        unsubscribe_url=unsubscribe_url(user, "moderation"),
    )
    row.last_sent_at = utcnow()
    return message


# --- links from the mail ---------------------------------------------------------------------


class LinkProblem(Exception):
    """Why a mailed link cannot act; `status` is the page's HTTP status, `message` what it says."""

    def __init__(self, code: str, message: str, status: int, comment: Comment | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.comment = code, message, status, comment


@dataclass
class MailedAction:
    """What a valid mailed link asks: `action` on `comment` by `moderator`; `done` when that very link (or the
    same action by the same person, right after the mail) did it already."""

    comment: Comment
    moderator: User
    action: str
    event_id: int
    done: ModerationEvent | None = None


def _event_label(event: ModerationEvent) -> str:
    return f"{event.action.replace('_', ' ')} by {event.actor_label} on {event.created_at:%d %B %Y at %H:%M} UTC"


def read_action(token: str, *, lock: bool = False) -> MailedAction:
    """Check a mailed action link; raise LinkProblem saying why it cannot act (expired, not valid, the account no
    longer moderates, the comment is gone or has moved since the mail)."""
    days = int(current_app.config["MODERATION_MAIL_LINK_DAYS"])
    try:
        data = read_token(ACTION_PURPOSE, token, days * 86400)
    except TokenProblem as problem:
        if problem.reason == "expired":
            raise LinkProblem(
                "expired",
                f"This link has expired: the links in moderation mail work for {days} days. "
                "The comment, if it still waits, is on the moderation desk.",
                410,
            ) from None
        raise LinkProblem(
            "invalid",
            "This link is not valid: it may have been cut short or changed on its way. "
            "Open the moderation desk instead.",
            400,
        ) from None
    if (
        not isinstance(data, dict)
        or not all(_is_id(data.get(key)) for key in ("c", "m"))
        or data.get("a") not in LINK_LABELS
        or not isinstance(data.get("e"), int)
    ):
        raise LinkProblem("invalid", "This link is not valid. Open the moderation desk instead.", 400)
    moderator = db.session.get(User, data["m"])
    if moderator is None or not is_staff_account(moderator):
        raise LinkProblem(
            "not_moderator",
            "This link was sent to an account that no longer moderates comments, so it can no longer act. "
            "Nothing was changed.",
            403,
        )
    query = select(Comment).where(Comment.id == data["c"]).options(joinedload(Comment.article))
    comment = db.session.scalars(query.with_for_update(of=Comment) if lock else query).first()
    if comment is None:
        raise LinkProblem(
            "gone", "This comment no longer exists: it was deleted for good from the spam or the trash.", 404
        )
    asked = MailedAction(comment, moderator, str(data["a"]), int(data["e"]))
    since = db.session.scalars(
        select(ModerationEvent)
        .where(ModerationEvent.comment_id == comment.id, ModerationEvent.id > asked.event_id)
        .options(joinedload(ModerationEvent.actor))
        .order_by(ModerationEvent.id)
    ).all()
    if not since:
        return asked
    first = since[0]
    if len(since) == 1 and first.actor_id == moderator.id and first.action == asked.action:
        asked.done = first
        return asked
    raise LinkProblem(
        "moved",
        f"This comment changed after the mail was sent ({_event_label(since[-1])}); it is {comment.status.value} "
        "now. Nothing was changed: look at it on the moderation desk.",
        409,
        comment,
    )


def act(token: str, reason: str | None = None) -> MailedAction:
    """Apply a mailed link's action as its moderator, through services.moderation, so the log names them. Done
    already by this link: nothing more happens (the same answer again)."""
    try:
        asked = read_action(token, lock=True)
        if asked.done is not None:
            db.session.rollback()
            return asked
        remark = "from a link in the moderation mail"
        if asked.action == "dismiss_flags":
            moderation.dismiss_flags(asked.comment, asked.moderator, remark)
        else:
            trash_reason = (reason or None) if asked.action == "trash" else None
            moderation.apply(asked.comment, asked.action, asked.moderator, trash_reason, remark)
    except LinkProblem:
        db.session.rollback()
        raise
    except ServiceError as error:
        db.session.rollback()
        raise LinkProblem(error.code, error.message, error.status) from error
    return asked


# --- correction requests ---------------------------------------------------------------------


def on_correction_requested(correction_request: CorrectionRequest, **_: object) -> None:
    """Receiver of `correction_requested`: write to the article's account (its author, or the host who
    published a guest post), unless the checks caught the request as spam, the author asked for it themselves, or
    turned this mail off."""
    if not current_app.config["STAFF_MAIL_ENABLED"]:
        return
    article = correction_request.article
    author = article.author
    if correction_request.status is not RequestStatus.open or not is_writer_account(author):
        return
    if not author.email_verified:  # no mail to an address its owner has not confirmed (self_service)
        return
    if correction_request.user is not None and correction_request.user.id == author.id:
        return
    if not settings_of(author).correction_requests:
        return
    db.session.flush()  # the request's id, for the link to it
    comment = correction_request.comment
    queue_message(
        "request_received",
        correction_request.id,
        author.name,
        author.email,
        f"A correction request on “{article.title}”",
        {
            "request": correction_request,
            "article_title": article.title,
            "requester_name": correction_request.name,
            "comment_excerpt": _excerpt(comment.body) if comment is not None else None,
            "comment_writer": comment.writer_name if comment is not None else None,
            "article_url": discussion_url(article),
            "desk_url": absolute_url("corrections.desk", anchor=f"request-{correction_request.id}"),
            "settings_url": absolute_url("auth.account", anchor="staff-mail"),
        },
        unsubscribe_url=unsubscribe_url(author, "correction_requests"),
    )
