"""A commenter's own data: what is stored about them (`export`), erasing it (`erase`), and how long the networks
they wrote from are kept (`purge_networks`).

A person is an account, a guest's address, or both (an account and the guest comments written under its address).
Erasing is the one code path behind deleting an account (services.self_service) and a moderator's erasure on
request: comments are anonymised or removed (a placeholder stands where replies need one), correction requests
and spam examples lose name, address and network, flags their network, mail about comments and outbox mail go,
and one event records the erasure without personal data. Moderation events stay (the log is append-only); their
remarks lose the address and networks if a moderator typed them there.

Networks (`ip_network`, a /24 or /56 prefix, never a full address) sit on comments, flags, correction requests and
helpful votes.
They serve the rate limits' and spam checks' look back over recent activity and let a moderator ban a network
from a comment; after PRIVACY_NETWORK_DAYS they are dropped (`flask privacy purge`, docs/operations.md). Bans are
the site's own safety record and keep the network they name.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Comment,
    CorrectionRequest,
    Flag,
    ModerationEvent,
    OutboxMessage,
    Recipient,
    SpamExample,
    Subscription,
    User,
    Vote,
)
from app.models.types import utcnow
from app.services import subscriptions
from app.services.accounts import normalise_email
from app.services.audit import record_event
from app.services.comments import refresh_comment_count
from app.services.errors import ServiceError
from app.services.votes import erase_votes

# The name erased comments, requests and spam examples show.
FORMER_READER = "Former reader"
# What erasing does with comments: keep them anonymised under FORMER_READER, or remove them.
ANONYMISE, REMOVE = "anonymise", "remove"
ERASE_CHOICES = (ANONYMISE, REMOVE)
EXPORT_FORMAT = 1


@dataclass(frozen=True)
class Person:
    """Whose data: an account, a guest's (normalised) address, or both."""

    user: User | None = None
    email: str = ""

    @classmethod
    def by_email(cls, email: str) -> "Person":
        """The guest address `email` and the account that uses it, if any."""
        address = normalise_email(email or "")
        if not address:
            raise ServiceError("Enter an email address.", field="email", code="validation_failed")
        account = db.session.scalar(select(User).where(func.lower(User.email) == address, User.deleted_at.is_(None)))
        return cls(user=account, email=address)

    @classmethod
    def for_account(cls, user: User) -> "Person":
        """An account, with the guest comments written under its address once the address is confirmed (before
        that, anyone could have typed it)."""
        return cls(user=user, email=user.email if user.email_verified else "")

    def _match(self, user_column: Any, email_column: Any) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.user is not None:
            conditions.append(user_column == self.user.id)
        if self.email and email_column is not None:
            conditions.append(func.lower(email_column) == self.email)
        return or_(*conditions) if conditions else false()

    def comments(self) -> ColumnElement[bool]:
        return self._match(Comment.user_id, Comment.writer_email)

    def requests(self) -> ColumnElement[bool]:
        return self._match(CorrectionRequest.user_id, CorrectionRequest.email)

    def votes(self) -> ColumnElement[bool]:
        # Like flags: a guest's vote is keyed by a digest of network and cookie, so only accounts' are found.
        return self._match(Vote.user_id, None)

    def flags(self) -> ColumnElement[bool]:
        # A guest's flag is keyed by a digest of network and cookie, never by address: only accounts' are found.
        return self._match(Flag.user_id, None)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def comments_of(person: Person) -> list[Comment]:
    """Every comment the person wrote, in any state, oldest first."""
    query = (
        select(Comment)
        .where(person.comments())
        .options(selectinload(Comment.revisions), selectinload(Comment.article))
        .order_by(Comment.id)
    )
    return list(db.session.scalars(query))


def holds_anything(person: Person) -> bool:
    """Whether anything is stored about the person: a comment, a correction request or a mail recipient."""
    for model, condition in (
        (Comment, person.comments()),
        (CorrectionRequest, person.requests()),
        (Recipient, _recipients(person)),
    ):
        if db.session.scalar(select(model.id).where(condition).limit(1)) is not None:
            return True
    return False


def export(person: Person) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data (docs/accounts.md#your-data describes the format).
    Never a password hash or a token digest."""
    account = None
    if person.user is not None:
        user = person.user
        account = {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "created_at": _when(user.created_at),
            "email_verified_at": _when(user.email_verified_at),
            "reply_mail": user.reply_mail,
            "api_tokens": [
                {"label": token.label, "created_at": _when(token.created_at), "last_used_at": _when(token.last_used_at)}
                for token in user.tokens
            ],
        }
    comments = [
        {
            "id": comment.id,
            "article": {"slug": comment.article.slug, "title": comment.article.title},
            "parent_id": comment.parent_id,
            "name": comment.writer_name,
            "email": comment.writer_email,
            "website": comment.writer_website,
            "network": comment.ip_network,
            "body": comment.body,
            "status": comment.status.value,
            "created_at": _when(comment.created_at),
            "edited_at": _when(comment.edited_at),
            "deleted_at": _when(comment.deleted_at),
            "reply_mail": comment.reply_mail,
            "revisions": [
                {"body": revision.body, "replaced_at": _when(revision.replaced_at)} for revision in comment.revisions
            ],
        }
        for comment in comments_of(person)
    ]
    flags = [
        {
            "comment_id": flag.comment_id,
            "reason": flag.reason.value,
            "remark": flag.remark,
            "network": flag.ip_network,
            "created_at": _when(flag.created_at),
            "resolution": flag.resolution,
        }
        for flag in db.session.scalars(select(Flag).where(person.flags()).order_by(Flag.id))
    ]
    helpful = [
        {"comment_id": vote.comment_id, "network": vote.ip_network, "created_at": _when(vote.created_at)}
        for vote in db.session.scalars(select(Vote).where(person.votes()).order_by(Vote.id))
    ]
    requests = [
        {
            "id": item.id,
            "article": {"slug": item.article.slug, "title": item.article.title},
            "comment_id": item.comment_id,
            "name": item.name,
            "email": item.email,
            "network": item.ip_network,
            "body": item.body,
            "source_url": item.source_url,
            "status": item.status.value,
            "created_at": _when(item.created_at),
            "decided_at": _when(item.decided_at),
        }
        for item in db.session.scalars(
            select(CorrectionRequest).where(person.requests()).order_by(CorrectionRequest.id)
        )
    ]
    followed = [
        {
            "article": {"slug": subscription.article.slug, "title": subscription.article.title},
            "since": _when(subscription.created_at),
        }
        for subscription in db.session.scalars(
            select(Subscription).join(Recipient).where(_recipients(person)).order_by(Subscription.id)
        )
    ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(utcnow()),
        "email": person.email or (person.user.email if person.user else ""),
        "account": account,
        "comments": comments,
        "flags": flags,
        "votes": helpful,
        "correction_requests": requests,
        "subscriptions": followed,
    }


def _recipients(person: Person) -> ColumnElement[bool]:
    return person._match(Recipient.user_id, Recipient.email)


@dataclass(frozen=True)
class Erased:
    """What an erasure touched (counts only: the report holds nothing personal)."""

    comments: int
    removed: int
    correction_requests: int


def erase(
    person: Person,
    choice: str,
    actor: User | None,
    *,
    remark: str,
    action: str = "data_erased",
    comment_remark: str = "removed on erasure",
) -> Erased:
    """Erase what is stored about the person: see the module's docstring. `actor` is whoever asked (the person's
    own account, or a moderator); `action` and `remark` make the one event that records the erasure, which must
    hold nothing personal. The caller commits."""
    if choice not in ERASE_CHOICES:
        raise ServiceError(
            "Choose what happens to the comments: anonymise or remove.", field="comments", code="validation_failed"
        )
    remove = choice == REMOVE
    now = utcnow()
    addresses = {address for address in (person.email, person.user.email if person.user else "") if address}
    found = comments_of(person)
    networks = {comment.ip_network for comment in found if comment.ip_network}
    articles: set[int] = set()
    removed = 0
    for comment in found:
        comment.writer_name = FORMER_READER
        comment.writer_email = ""
        comment.writer_website = None
        comment.ip_network = None
        comment.reply_mail = False
        if remove:
            if comment.deleted_at is None:
                comment.deleted_at = now
            comment.body = ""
            comment.body_html = ""
            comment.revisions.clear()
            articles.add(comment.article_id)
            removed += 1
            record_event(
                comment, "delete", comment.status.value, comment.status.value, actor=actor, remark=comment_remark
            )
    ids = [comment.id for comment in found]
    if ids:
        # The spam learner's copies keep their text (its lessons) but not who wrote them.
        db.session.execute(
            update(SpamExample).where(SpamExample.comment_id.in_(ids)).values(name=FORMER_READER, website=None)
        )
    requests = list(db.session.scalars(select(CorrectionRequest).where(person.requests())))
    for item in requests:
        networks.update({item.ip_network} if item.ip_network else set())
        item.name = FORMER_READER
        item.email = None
        item.ip_network = None
    for flag in db.session.scalars(select(Flag).where(person.flags())):
        flag.ip_network = None
    # Helpful votes go with the person, and the comments they were on are counted again.
    erase_votes(db.session.scalars(select(Vote).where(person.votes())).all())
    if person.user is not None:
        subscriptions.forget_account(person.user)
    if person.email:
        subscriptions.forget_address(person.email)
    if addresses:
        db.session.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.to_email).in_(addresses)))
    _scrub_remarks(addresses | networks)
    record_event(None, action, None, None, actor=actor, remark=remark)
    db.session.flush()
    for article_id in sorted(articles):
        refresh_comment_count(article_id)
    return Erased(comments=len(found), removed=removed, correction_requests=len(requests))


def _scrub_remarks(strings: set[str]) -> None:
    """Take the person's addresses and networks out of moderators' remarks in the log. A statement, not the ORM:
    the ORM keeps events append-only, and this is the one change the log allows."""
    events = ModerationEvent.__table__
    for text in sorted(strings):
        db.session.execute(
            update(events)
            .where(events.c.remark.contains(text, autoescape=True))
            .values(remark=func.replace(events.c.remark, text, "[erased]"))
        )


@dataclass(frozen=True)
class NetworksPurged:
    """How many rows lost their stored network, per kind of row."""

    comments: int
    flags: int
    correction_requests: int
    votes: int = 0

    @property
    def total(self) -> int:
        return self.comments + self.flags + self.correction_requests + self.votes


def purge_networks(days: int) -> NetworksPurged:
    """Drop the networks stored with comments, flags and correction requests made more than `days` days ago; rows
    that have none already are not counted, so running it again clears nothing more. Commits."""
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = utcnow() - timedelta(days=days)
    counts = []
    for model in (Comment, Flag, CorrectionRequest):
        result = db.session.execute(
            update(model)
            .where(model.created_at < cutoff, model.ip_network.is_not(None))
            .values(ip_network=None)
            .execution_options(synchronize_session=False)
        )
        counts.append(result.rowcount)  # type: ignore[attr-defined]
    counts.append(_forget_vote_networks(cutoff))
    db.session.commit()
    db.session.expire_all()
    return NetworksPurged(*counts)


# What a vote's network becomes once it is dropped (services.votes counts one per network).
FORGOTTEN_NETWORK = "forgotten:"


def _forget_vote_networks(cutoff: datetime) -> int:
    """Drop the networks of votes older than `cutoff` so that they still count once per network: each network
    becomes a random token, the same for every vote from it (recent ones too), which says nothing of where they
    came from. Returns how many votes changed."""
    networks = db.session.scalars(
        select(Vote.ip_network)
        .where(
            Vote.created_at < cutoff,
            Vote.ip_network.is_not(None),
            Vote.ip_network.not_like(FORGOTTEN_NETWORK + "%"),
        )
        .distinct()
    ).all()
    changed = 0
    for network in networks:
        result = db.session.execute(
            update(Vote)
            .where(Vote.ip_network == network)
            .values(ip_network=FORGOTTEN_NETWORK + secrets.token_hex(12))
            .execution_options(synchronize_session=False)
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed
