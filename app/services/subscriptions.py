"""Reply mail and thread subscriptions: who hears of a new public comment, by mail they asked for and can stop
with one click.

- **Reply mail**: a writer ticks "email me when someone replies" (the comment form, `notify_replies` in the
  API; an account can have it ticked by default); `comments.reply_mail` keeps the wish, and the writer hears of
  every direct reply to that comment once it is public.
- **Subscriptions**: a reader follows an article's discussion without commenting and hears of every new public
  comment on it.
- **Confirmation**: a guest's address gets nothing until its holder has followed the link of a confirmation mail
  (double opt-in), once: a confirmed address stays confirmed. An account's address is its own already.
- **Throttle**: a recipient gets at most one mail per discussion every NOTIFICATION_EVERY_MINUTES; what comes
  meanwhile waits and leaves together in one digest when the time is up.
- **Never the writer**: nobody is told of their own comment (the same account, or the same address).

A comment becoming public sends `comment_published`; the receiver here queues a `mail.notify` task only when
the article has subscriptions or the comment answered one whose writer asked for replies, so a comment nobody
asked about costs no statement and no task. The task finds the recipients and writes the mail (outbox.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Article, Comment, Notification, Recipient, Subscription, User
from app.models.types import utcnow
from app.services import tasks
from app.services.accounts import normalise_email
from app.services.errors import ServiceError
from app.services.links import absolute_links, absolute_url, discussion_url
from app.services.outbox import queue_message
from app.services.signed import TokenProblem, make_token, read_token

NOTIFY_TASK = "mail.notify"
DIGEST_TASK = "mail.digest"
MAIL_WRITING_TASKS = (NOTIFY_TASK, DIGEST_TASK)  # run by `flask outbox deliver` before it delivers
CONFIRM_PURPOSE = "confirm-address"
UNSUBSCRIBE_PURPOSE = "unsubscribe"
# Defaults of the settings (app/config.py documents them).
EVERY_MINUTES = 15
CONFIRM_HOURS = 72
# A guest who asks again within this time gets no second confirmation mail (the first one's link still works).
CONFIRM_RESEND = timedelta(hours=1)
REPLY, THREAD = "reply", "thread"


def _every() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("NOTIFICATION_EVERY_MINUTES", EVERY_MINUTES)))


def confirm_max_age() -> int:
    """Seconds a confirmation link works (NOTIFICATION_CONFIRM_HOURS)."""
    return int(current_app.config.get("NOTIFICATION_CONFIRM_HOURS", CONFIRM_HOURS)) * 3600


def masked(address: str) -> str:
    """An address as a page may show it to the holder of a link: the first letter and the domain."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


# --- recipients ------------------------------------------------------------------------------


def recipient_for_user(user: User) -> Recipient:
    """The account's recipient, made (confirmed: an account's address is its own) the first time it is needed."""
    found = db.session.scalar(select(Recipient).where(Recipient.user_id == user.id))
    if found is None:
        found = Recipient(user=user, name="", confirmed_at=utcnow())
        db.session.add(found)
        db.session.flush()
    return found


def _guest_recipient(email: str, name: str = "") -> Recipient:
    """The recipient for a guest's address (normalised), made unconfirmed the first time."""
    found = db.session.scalar(select(Recipient).where(Recipient.email == email))
    if found is None:
        found = Recipient(email=email, name=name)
        db.session.add(found)
        db.session.flush()
    elif name:
        found.name = name
    return found


def _writer_of(comment: Comment) -> Recipient | None:
    """Who is told of replies to a comment: its account's recipient, or the recipient of the guest's address
    (None when that address never asked for anything)."""
    if comment.user is not None:
        return recipient_for_user(comment.user)
    return db.session.scalar(select(Recipient).where(Recipient.email == comment.writer_email))


def _wrote(recipient: Recipient, comment: Comment) -> bool:
    """Whether the recipient wrote the comment: the same account, or the same address."""
    if recipient.user_id is not None and comment.user_id == recipient.user_id:
        return True
    return recipient.address.lower() == (comment.writer_email or "").lower()


def _reachable(recipient: Recipient) -> bool:
    if recipient.confirmed_at is None or not recipient.address:
        return False
    # An account's address must be proved (self_service): no notification goes to an address nobody confirmed.
    return recipient.user is None or (recipient.user.is_active and recipient.user.email_verified)


def _queue_confirmation(recipient: Recipient) -> bool:
    """Mail a guest the link that confirms their address, unless one left less than CONFIRM_RESEND ago."""
    now = utcnow()
    if recipient.confirm_sent_at is not None and now - recipient.confirm_sent_at < CONFIRM_RESEND:
        return False
    recipient.confirm_sent_at = now
    token = make_token(CONFIRM_PURPOSE, {"r": recipient.id, "since": int(recipient.created_at.timestamp())})
    hours = confirm_max_age() // 3600
    queue_message(
        "confirm_address",
        recipient.id,
        recipient.greeting_name,
        recipient.email,
        f"Confirm your address for mail from {current_app.config['SITE_NAME']}",
        {"confirm_url": absolute_url("subscriptions.confirm", token=token), "hours": hours},
    )
    return True


@dataclass(frozen=True)
class Outcome:
    """What asking for mail did, said to the reader: "on" (mail will come), "confirm" (a link was mailed),
    "pending" (a link was mailed a short while ago), "none" (nothing to do)."""

    state: str

    @property
    def message(self) -> str:
        return {
            "on": "We will email you when someone replies.",
            "confirm": "We sent you an email with a link: follow it to confirm your address, then mail will come.",
            "pending": "Follow the link in the email we sent you to confirm your address; then mail will come.",
            "none": "",
        }[self.state]


def _for_guest(email: str, name: str) -> Outcome:
    recipient = _guest_recipient(email, name)
    if recipient.confirmed_at is not None:
        return Outcome("on")
    return Outcome("confirm" if _queue_confirmation(recipient) else "pending")


def reply_mail_asked(comment: Comment) -> Outcome:
    """After a comment was posted with "email me when someone replies": an account is set; a guest's unconfirmed
    address gets its confirmation mail (not for a comment caught as spam). Commits."""
    if not comment.reply_mail or comment.status.value == "spam":
        return Outcome("none")
    if comment.user is not None:
        recipient_for_user(comment.user)
        outcome = Outcome("on")
    else:
        outcome = _for_guest(comment.writer_email, comment.writer_name)
    db.session.commit()
    return outcome


def confirmed_guest(email: str, name: str) -> Recipient:
    """A guest's address taken as confirmed without a link: for the demo, whose addresses are made up. Flushes."""
    recipient = _guest_recipient(normalise_email(email), name)
    recipient.confirmed_at = recipient.confirmed_at or utcnow()
    db.session.flush()
    return recipient


def read_confirmation(token: str) -> Recipient:
    """The recipient a confirmation link is for; TokenProblem("expired"/"invalid") otherwise."""
    data = read_token(CONFIRM_PURPOSE, token, confirm_max_age())
    if not isinstance(data, dict):
        raise TokenProblem("invalid")
    recipient = db.session.get(Recipient, data.get("r")) if isinstance(data.get("r"), int) else None
    # The creation time tells a link for a recipient that was deleted from one whose id was given again.
    if recipient is None or int(recipient.created_at.timestamp()) != data.get("since"):
        raise TokenProblem("invalid")
    return recipient


def confirm(recipient: Recipient) -> bool:
    """Confirm a guest's address; False when it was confirmed already (a link used twice). Commits."""
    if recipient.confirmed_at is not None:
        return False
    recipient.confirmed_at = utcnow()
    db.session.commit()
    return True


# --- subscriptions ---------------------------------------------------------------------------


def _recount(article_id: int) -> None:
    """articles.subscription_count from the subscriptions (a statement: the article's discussion is unchanged)."""
    count = select(func.count(Subscription.id)).where(Subscription.article_id == article_id).scalar_subquery()
    articles = Article.__table__
    db.session.execute(update(articles).where(articles.c.id == article_id).values(subscription_count=count))


def subscribe(article: Article, user: User | None, email: str = "") -> Outcome:
    """Follow an article's discussion: an account at once, a guest once their address is confirmed. Commits."""
    if not article.is_published:
        raise ServiceError("Only a published article's discussion can be followed.", code="not_found", status=404)
    if user is not None:
        recipient = recipient_for_user(user)
        outcome = Outcome("on")
    else:
        if not (email or "").strip():
            raise ServiceError("Enter your email address; it is never shown.", field="email")
        address = normalise_email(email)
        recipient = _guest_recipient(address)
        outcome = _for_guest(address, "")
    exists = db.session.scalar(
        select(Subscription.id).where(Subscription.recipient_id == recipient.id, Subscription.article_id == article.id)
    )
    if exists is None:
        db.session.add(Subscription(recipient=recipient, article_id=article.id))
        db.session.flush()
        _recount(article.id)
    db.session.commit()
    return outcome


def unsubscribe_url(recipient: Recipient, article_id: int) -> str:
    """The link (and List-Unsubscribe address) that stops this recipient's mail about one discussion, or all of
    it; it carries ids only, and never expires."""
    token = make_token(UNSUBSCRIBE_PURPOSE, {"r": recipient.id, "a": article_id})
    return absolute_url("subscriptions.unsubscribe", token=token)


def read_unsubscribe(token: str) -> tuple[Recipient | None, Article | None]:
    """The recipient and article of an unsubscribe link (None for either that no longer exists);
    TokenProblem("invalid") for a link the site did not make."""
    data = read_token(UNSUBSCRIBE_PURPOSE, token, None)
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("a"), int):
        raise TokenProblem("invalid")
    return db.session.get(Recipient, data["r"]), db.session.get(Article, data["a"])


def _own_comments(recipient: Recipient) -> Any:
    """The condition for the comments this recipient wrote (their account's, or their address's as a guest)."""
    if recipient.user_id is not None:
        return Comment.user_id == recipient.user_id
    return (Comment.user_id.is_(None)) & (Comment.writer_email == recipient.email)


def stop(recipient: Recipient, article_id: int | None) -> int:
    """Stop a recipient's mail about one discussion (its subscription and the reply mail of their comments on
    it), or about every one when `article_id` is None; what waited unsent is dropped. How many subscriptions and
    comments it ended (0: nothing was on, e.g. a link used twice). Commits."""
    subscriptions = select(Subscription).where(Subscription.recipient_id == recipient.id)
    comments = update(Comment).where(_own_comments(recipient), Comment.reply_mail.is_(True))
    waiting = delete(Notification).where(Notification.recipient_id == recipient.id, Notification.sent_at.is_(None))
    if article_id is not None:
        subscriptions = subscriptions.where(Subscription.article_id == article_id)
        comments = comments.where(Comment.article_id == article_id)
        waiting = waiting.where(Notification.article_id == article_id)
    ended = list(db.session.scalars(subscriptions))
    for subscription in ended:
        db.session.delete(subscription)
    db.session.flush()
    for changed in sorted({subscription.article_id for subscription in ended}):
        _recount(changed)
    # Statements, not objects: the comments' discussion does not change (no new discussion version).
    result = db.session.execute(comments.values(reply_mail=False), execution_options={"synchronize_session": False})
    db.session.execute(waiting, execution_options={"synchronize_session": False})
    db.session.commit()
    return len(ended) + int(getattr(result, "rowcount", 0) or 0)


def forget_account(user: User) -> None:
    """Drop everything about an account's mail about comments, as it is deleted: its recipient, subscriptions
    (articles recounted), waiting and past notifications, and its comments' wish for reply mail. The caller
    commits."""
    recipient = db.session.scalar(select(Recipient).where(Recipient.user_id == user.id))
    if recipient is None:
        return
    followed = list(db.session.scalars(select(Subscription).where(Subscription.recipient_id == recipient.id)))
    for subscription in followed:
        db.session.delete(subscription)
    db.session.execute(delete(Notification).where(Notification.recipient_id == recipient.id))
    db.session.execute(
        update(Comment).where(Comment.user_id == user.id, Comment.reply_mail.is_(True)).values(reply_mail=False),
        execution_options={"synchronize_session": False},
    )
    db.session.delete(recipient)
    db.session.flush()
    for article_id in sorted({subscription.article_id for subscription in followed}):
        _recount(article_id)


def forget_address(email: str) -> None:
    """Drop everything about a guest address's mail about comments, as its holder's data is erased: its
    recipient, subscriptions (articles recounted) and notifications. The caller commits."""
    recipient = db.session.scalar(
        select(Recipient).where(Recipient.user_id.is_(None), Recipient.email == normalise_email(email))
    )
    if recipient is None:
        return
    followed = list(db.session.scalars(select(Subscription).where(Subscription.recipient_id == recipient.id)))
    for subscription in followed:
        db.session.delete(subscription)
    db.session.execute(delete(Notification).where(Notification.recipient_id == recipient.id))
    db.session.delete(recipient)
    db.session.flush()
    for article_id in sorted({subscription.article_id for subscription in followed}):
        _recount(article_id)


# --- the account page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Followed:
    """A discussion an account hears of: the article, whether it follows it all, how many of its comments there
    ask for replies."""

    article: Article
    subscribed: bool
    comments_with_reply_mail: int


def followed_by(user: User) -> list[Followed]:
    """The discussions an account gets mail about, by title (two queries)."""
    subscribed = set(
        db.session.scalars(select(Subscription.article_id).join(Recipient).where(Recipient.user_id == user.id))
    )
    asking: dict[int, int] = {
        article_id: count
        for article_id, count in db.session.execute(
            select(Comment.article_id, func.count(Comment.id))
            .where(Comment.user_id == user.id, Comment.reply_mail.is_(True))
            .group_by(Comment.article_id)
        )
    }
    ids = subscribed | set(asking)
    if not ids:
        return []
    articles = db.session.scalars(select(Article).where(Article.id.in_(ids)).order_by(Article.title, Article.id))
    return [Followed(article, article.id in subscribed, asking.get(article.id, 0)) for article in articles]


def set_account_default(user: User, on: bool) -> None:
    """Whether "email me when someone replies" is ticked for this account unless it says otherwise. Commits."""
    user.reply_mail = on
    db.session.commit()


def stop_for_account(user: User, article_id: int | None) -> int:
    """An account stops mail about one discussion, or all of it (see `stop`)."""
    return stop(recipient_for_user(user), article_id)


# --- telling ---------------------------------------------------------------------------------


def on_comment_published(comment: Comment, parent: Comment | None = None, **_: Any) -> None:
    """The `comment_published` receiver: queue the telling only when someone may want to hear of this comment
    (the article has subscriptions, or the comment answered is one whose writer asked for replies). Reads only
    what the sender already holds when nobody asked; never commits."""
    asked = parent.reply_mail if parent is not None else None
    if asked is None and comment.in_reply_to_id is not None:
        answered = db.session.get(Comment, comment.in_reply_to_id)
        asked = answered is not None and answered.reply_mail
    if not asked and not comment.article.subscription_count:
        return
    db.session.flush()  # for the comment's id, when the sender has not flushed it yet (else nothing to write)
    tasks.enqueue(NOTIFY_TASK, {"comment_id": comment.id})


def _recipients(comment: Comment) -> dict[int, tuple[Recipient, str]]:
    """Who hears of a public comment, and why: the writer of the comment it answers (if they asked), then the
    article's subscribers; each once, never its own writer, only at confirmed addresses."""
    found: dict[int, tuple[Recipient, str]] = {}
    answered = db.session.get(Comment, comment.in_reply_to_id) if comment.in_reply_to_id else None
    if answered is not None and answered.reply_mail and answered.is_public:
        recipient = _writer_of(answered)
        if recipient is not None:
            found[recipient.id] = (recipient, REPLY)
    if comment.article.subscription_count:
        for subscription in db.session.scalars(
            select(Subscription)
            .where(Subscription.article_id == comment.article_id)
            .options(joinedload(Subscription.recipient).joinedload(Recipient.user))
            .order_by(Subscription.id)
        ):
            found.setdefault(subscription.recipient_id, (subscription.recipient, THREAD))
    return {key: (r, why) for key, (r, why) in found.items() if _reachable(r) and not _wrote(r, comment)}


def _last_sent(recipient_id: int, article_id: int) -> datetime | None:
    return db.session.scalar(
        select(func.max(Notification.sent_at)).where(
            Notification.recipient_id == recipient_id, Notification.article_id == article_id
        )
    )


def _waiting(recipient_id: int, article_id: int) -> Select[Notification]:
    return (
        select(Notification)
        .where(
            Notification.recipient_id == recipient_id,
            Notification.article_id == article_id,
            Notification.sent_at.is_(None),
        )
        .options(joinedload(Notification.comment))
        .order_by(Notification.comment_id)
    )


def _locked(recipient_id: int) -> Recipient | None:
    """The recipient, its row locked on PostgreSQL: two runners never both decide to mail it now."""
    return db.session.scalars(
        select(Recipient)
        .where(Recipient.id == recipient_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _tell(recipient: Recipient, comment: Comment, reason: str) -> None:
    """Note the comment for the recipient, and mail now or leave it to the digest the throttle asks for."""
    known = db.session.scalar(
        select(Notification.id).where(Notification.recipient_id == recipient.id, Notification.comment_id == comment.id)
    )
    if known is not None:  # told already (a task run twice, a comment published again)
        return
    waited = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.recipient_id == recipient.id,
            Notification.article_id == comment.article_id,
            Notification.sent_at.is_(None),
        )
    )
    db.session.add(Notification(recipient=recipient, article_id=comment.article_id, comment=comment, reason=reason))
    db.session.flush()
    last = _last_sent(recipient.id, comment.article_id)
    if last is None or utcnow() - last >= _every():
        # Free to mail: this comment, with any that waited (whose digest, once due, then finds nothing).
        _send_waiting(recipient, comment.article)
    elif not waited:
        tasks.enqueue(
            DIGEST_TASK, {"recipient_id": recipient.id, "article_id": comment.article_id}, due=last + _every()
        )


def _send_waiting(recipient: Recipient, article: Article) -> None:
    """Mail the recipient what waits about one discussion: one comment alone, several as a digest. Comments no
    longer public are dropped from it."""
    waiting = list(db.session.scalars(_waiting(recipient.id, article.id)))
    public = [notification for notification in waiting if notification.comment.is_public]
    for dropped in waiting:
        if dropped not in public:
            db.session.delete(dropped)
    if not public:
        db.session.flush()
        return
    page_url = absolute_url("articles.show", slug=article.slug)  # where the comments' own links were written
    items = [
        {
            "name": n.comment.writer_name,
            "reply": n.reason == REPLY,
            "body": n.comment.body,
            # Sanitised when the comment was written; its links made absolute for a mail.
            "body_html": Markup(absolute_links(n.comment.body_html, page_url)),  # noqa: S704
            "url": absolute_url("comments.permalink", comment_id=n.comment_id),
        }
        for n in public
    ]
    if len(items) > 1:
        subject = f"{len(items)} new comments on “{article.title}”"
    elif items[0]["reply"]:
        subject = f"{items[0]['name']} replied to your comment on “{article.title}”"
    else:
        subject = f"{items[0]['name']} commented on “{article.title}”"
    queue_message(
        "new_comments",
        article.id,
        recipient.greeting_name,
        recipient.address,
        subject,
        {"items": items, "article_title": article.title, "article_url": discussion_url(article)},
        unsubscribe_url=unsubscribe_url(recipient, article.id),
    )
    now = utcnow()
    for notification in public:
        notification.sent_at = now
    db.session.flush()


def notify_from_task(payload: dict[str, Any]) -> None:
    """The `mail.notify` handler: tell each recipient of a comment that became public (once each)."""
    comment = db.session.get(Comment, int(payload["comment_id"]))
    if comment is None or not comment.is_public:
        return
    for recipient_id, (_, reason) in sorted(_recipients(comment).items()):
        recipient = _locked(recipient_id)
        if recipient is not None:
            _tell(recipient, comment, reason)


def digest_from_task(payload: dict[str, Any]) -> None:
    """The `mail.digest` handler: once the throttle's time is up, mail what waited about one discussion."""
    recipient = _locked(int(payload["recipient_id"]))
    article = db.session.get(Article, int(payload["article_id"]))
    if recipient is None or article is None:
        return
    last = _last_sent(recipient.id, article.id)
    if last is not None and utcnow() - last < _every():
        # Run early (a mail left meanwhile): wait for the time that mail set.
        if db.session.scalar(_waiting(recipient.id, article.id).limit(1)) is not None:
            tasks.enqueue(DIGEST_TASK, dict(payload), due=last + _every())
        return
    if _reachable(recipient):
        _send_waiting(recipient, article)
