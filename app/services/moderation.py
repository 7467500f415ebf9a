"""Moderation: the one door every change of a comment's state passes through, flags, bans, queues, purges.

Nothing here deletes a comment except `purge`, which an operator runs on purpose with an age limit.
Marking spam or not spam sends `spam_decision`, the signal the spam filter learns from (after the answer,
through the tasks its receivers queue in the move's transaction).
"""

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Exists,
    ScalarSelect,
    Select,
    String,
    case,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from app.extensions import db
from app.models import (
    Article,
    Ban,
    BanKind,
    Comment,
    CommentRevision,
    CommentStatus,
    Flag,
    FlagReason,
    ModerationEvent,
    Role,
    User,
    bump_discussions,
)
from app.models.moderation import REMARK_MAX
from app.models.types import utcnow
from app.ratelimit import anonymise_ip, network, network_covers
from app.services.accounts import normalise_email
from app.services.audit import record_event
from app.services.comments import edit_comment, refresh_comment_count
from app.services.correction_requests import Requester, request_correction
from app.services.errors import ServiceError
from app.services.permissions import STAFF_ROLES, can_apply, can_edit_comment, can_moderate, is_staff
from app.services.settings import CommentRules
from app.services.signals import comment_published, comment_waits, spam_decision, verdict_undone
from app.services.text import required_text
from app.services.transitions import next_state

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
# action -> (states it may start from, state it leads to; None = the state before the comment was trashed)
ACTIONS: dict[str, tuple[frozenset[CommentStatus], CommentStatus | None]] = {
    "approve": (frozenset({P, S, T}), A),
    "spam": (frozenset({P, A, T}), S),
    "not_spam": (frozenset({S}), A),
    "trash": (frozenset({P, A, S}), T),
    "restore": (frozenset({T}), None),
}
TRASH_REASONS = {
    "spam": "Spam",
    "abusive": "Abusive",
    "off_topic": "Off-topic",
    "harassment": "Harassment",
    "misinformation": "Misinformation",
    "other": "Other",
}
QUEUES = ["pending", "flagged", "spam", "trash", "approved"]
# Network bans wider than these prefixes (by IP version) need a confirmation: a /16 is 256 of the /24
# networks a comment stores, a /32 is 65,536 of the /48s (a provider's whole allocation, often).
WIDE_PREFIX = {4: 16, 6: 32}
STORED_PREFIX = {4: 24, 6: 48}


def _clean_remark(remark: str | None) -> str | None:
    remark = (remark or "").strip()
    if len(remark) > REMARK_MAX:
        raise ServiceError(f"A remark is at most {REMARK_MAX} characters.", field="remark")
    return remark or None


def _standing_moves() -> list[ColumnElement[bool]]:
    """The events that moved a comment and still stand: neither an undo nor a move an undo took back."""
    undone = aliased(ModerationEvent)
    return [
        ModerationEvent.from_status != ModerationEvent.to_status,
        ModerationEvent.action != "undo",
        ~exists().where(undone.undoes_id == ModerationEvent.id),
    ]


def _last_move(comment: Comment) -> str | None:
    """The action of the latest event that changed the comment's state and stands (neither an undo nor undone)."""
    return db.session.scalar(
        select(ModerationEvent.action)
        .where(ModerationEvent.comment_id == comment.id, *_standing_moves())
        .order_by(ModerationEvent.id.desc())
        .limit(1)
    )


def seen_by_readers(comment: Comment) -> bool:
    """Whether readers have seen the comment where it stands: published, hidden by their flags, or shown as
    removed by the article's author."""
    if comment.status is A or comment.removed_by_author:
        return True
    return comment.status is P and _last_move(comment) == "hide"


def _status_before_trash(comment: Comment) -> CommentStatus:
    last = db.session.scalar(
        select(ModerationEvent.from_status)
        .where(ModerationEvent.comment_id == comment.id, ModerationEvent.to_status == T.value)
        .order_by(ModerationEvent.id.desc())
        .limit(1)
    )
    return CommentStatus(last) if last and last != T.value else P


def _verdict(action: str, previous: CommentStatus, now: CommentStatus, comment: Comment) -> bool | None:
    """The spam verdict a move from `previous` to `now` gives: True spam, False not spam, None no verdict."""
    held_at_submission = previous is P and bool(comment.reasons)
    if action == "spam":
        return True
    if now is A and (previous is S or held_at_submission):
        return False
    return None


def apply(
    comment: Comment,
    action: str,
    actor: User | None,
    reason: str | None = None,
    remark: str | None = None,
    *,
    rule: str | None = None,
    commit: bool = True,
) -> Comment:
    """Move a comment to another state by a named action, logging who, when, from, to and why."""
    target = next_state(
        ACTIONS,
        action,
        comment.status,
        unknown=f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.",
        refused=f"A comment that is {comment.status.value} cannot be moved by '{action}'.",
    )
    if action == "trash":
        reason = reason or "other"
        if reason not in TRASH_REASONS:
            raise ServiceError(f"Choose a reason: {', '.join(TRASH_REASONS)}.", field="reason")
    elif reason is not None and len(reason) > 40:
        raise ServiceError("A reason code is at most 40 characters.", field="reason")
    remark = _clean_remark(remark)
    previous = comment.status
    # What readers have seen, an author removes in the open (Trash, shown as removed by the author), never as spam.
    seen = actor is not None and not is_staff(actor) and seen_by_readers(comment)
    if actor is not None and not can_apply(actor, comment, action, seen):
        raise ServiceError(
            "Readers have seen this comment: as the article's author you can move it to the trash, where readers "
            "see that you removed it; only a moderator can mark it as spam."
            if can_moderate(actor, comment)
            else "You may not moderate this comment.",
            code="forbidden",
            status=403,
        )
    comment.status = target or _status_before_trash(comment)
    if comment.status not in {S, T} or is_staff(actor):
        comment.removed_by_author = False
    elif seen:
        comment.removed_by_author = True
    record_event(
        comment, action, previous.value, comment.status.value, actor=actor, rule=rule, reason=reason, remark=remark
    )
    _resolve_flags(comment, "acted")
    db.session.flush()
    refresh_comment_count(comment.article_id)
    # Verdicts on spamminess: a move into spam; out of spam into publication; and approving a comment the
    # checks held at submission (for the classifier, a link count, a word, or a first-time writer): a person
    # read it and found it fine. Trashing spam says nothing new; approving what readers' flags hid is about
    # manners, not spam. Sent before the commit: the receivers queue their tasks in the move's transaction.
    verdict = _verdict(action, previous, comment.status, comment)
    if verdict is not None:
        spam_decision.send(comment, is_spam=verdict, previous=previous)
    if comment.is_public and previous is not A:
        comment_published.send(comment, parent=None)
    if commit:
        db.session.commit()
    return comment


def apply_many(
    comment_ids: list[int], action: str, actor: User, reason: str | None = None, remark: str | None = None
) -> tuple[list[Comment], list[str]]:
    """Bulk action: apply to each comment the actor may moderate; report those that could not move."""
    comments = db.session.scalars(
        select(Comment).where(Comment.id.in_(comment_ids)).options(joinedload(Comment.article))
    ).all()
    moved: list[Comment] = []
    problems: list[str] = []
    found = {comment.id for comment in comments}
    problems.extend(f"Comment {missing} does not exist." for missing in sorted(set(comment_ids) - found))
    for comment in comments:
        if not can_moderate(actor, comment):
            problems.append(f"Comment {comment.id}: not yours to moderate.")
            continue
        try:
            moved.append(apply(comment, action, actor, reason, remark, commit=False))
        except ServiceError as error:
            problems.append(f"Comment {comment.id}: {error.message}")
    db.session.commit()
    return moved, problems


# --- undo ------------------------------------------------------------------------------------

# How long a move can be undone with one click; after that the ordinary actions move the comment back.
UNDO_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Undone:
    """What an undo did: the comment, back where it was; `already` when an earlier click had undone it."""

    comment: Comment
    already: bool = False


def _removed_by_author_before(event: ModerationEvent) -> bool:
    """Whether the comment showed as "removed by the article's author" before `event` moved it: the move that put
    it there was an author's trash of what readers had seen (see `apply`)."""
    if event.from_status not in {S.value, T.value}:
        return False
    moves = db.session.scalars(
        select(ModerationEvent)
        .where(ModerationEvent.comment_id == event.comment_id, ModerationEvent.id < event.id, *_standing_moves())
        .options(joinedload(ModerationEvent.actor))
        .order_by(ModerationEvent.id.desc())
        .limit(2)
    ).all()
    if not moves or moves[0].actor is None or is_staff(moves[0].actor) or moves[0].action != "trash":
        return False
    seen_before = moves[0].from_status == A.value or (
        moves[0].from_status == P.value and len(moves) > 1 and moves[1].action == "hide"
    )
    return seen_before


def undo(event_id: int, actor: User, *, commit: bool = True) -> Undone:
    """Take back one move (approve, spam, not spam, trash, restore) as a logged "undo" naming it: the comment
    returns to the state, flags and spam verdict it had before.

    Only the person who moved it, or an admin; only while it is the comment's last move and within UNDO_WINDOW.
    A second undo of the same move changes nothing and says so (`already`).
    """
    event = db.session.get(ModerationEvent, event_id, options=[joinedload(ModerationEvent.comment)])
    if event is None or event.comment is None:
        raise ServiceError("There is no such action to undo.", code="not_found", status=404)
    comment = event.comment
    if (event.actor_id != actor.id and actor.role is not Role.admin) or not can_moderate(actor, comment):
        raise ServiceError("Only the moderator who acted, or an admin, can undo it.", code="forbidden", status=403)
    if db.session.scalar(select(ModerationEvent.id).where(ModerationEvent.undoes_id == event.id)) is not None:
        return Undone(comment, already=True)
    if event.action not in ACTIONS:
        raise ServiceError(
            f"Only {', '.join(a.replace('_', ' ') for a in ACTIONS)} can be undone.", code="not_undoable", status=409
        )
    later = db.session.scalar(
        select(ModerationEvent)
        .where(
            ModerationEvent.comment_id == comment.id, ModerationEvent.id > event.id, ModerationEvent.action != "edit"
        )
        .options(joinedload(ModerationEvent.actor))
        .order_by(ModerationEvent.id)
        .limit(1)
    )
    if later is not None or comment.status.value != event.to_status:
        who = later.actor_label if later is not None else "someone"
        what = later.action.replace("_", " ") if later is not None else "moved it"
        raise ServiceError(
            f"Comment {comment.id} has changed since ({who}: {what}); it stays {comment.status.value}. "
            "Use the desk's actions to move it.",
            code="moved_since",
            status=409,
        )
    if utcnow() - event.created_at > UNDO_WINDOW:
        raise ServiceError(
            f"An action can be undone for {UNDO_WINDOW.seconds // 60} minutes; use the desk's actions to move "
            f"comment {comment.id} back.",
            code="too_late",
            status=409,
        )
    previous = comment.status
    before = CommentStatus(event.from_status)
    comment.status = before
    comment.removed_by_author = _removed_by_author_before(event)
    record_event(
        comment,
        "undo",
        previous.value,
        before.value,
        actor=actor,
        reason=event.action,
        remark=f"undoes event {event.id}",
        undoes=event,
    )
    # The readers' flags the move resolved are open again: resolved "acted" since the event before it (the move
    # stamps them just before its own event, so they cannot be told apart by the move's time alone).
    earlier = db.session.scalar(
        select(func.max(ModerationEvent.created_at)).where(
            ModerationEvent.comment_id == comment.id, ModerationEvent.id < event.id
        )
    )
    resolved_by_move = [Flag.comment_id == comment.id, Flag.resolution == "acted"]
    if earlier is not None:
        resolved_by_move.append(Flag.resolved_at > earlier)
    db.session.execute(update(Flag).where(*resolved_by_move).values(resolved_at=None, resolution=None))
    db.session.flush()
    refresh_comment_count(comment.article_id)
    # The comment stands where the move took it from; the verdict that move gave is taken back.
    verdict = _verdict(event.action, before, previous, comment)
    if verdict is not None:
        verdict_undone.send(comment, is_spam=verdict)
    if commit:
        db.session.commit()
    return Undone(comment)


def undo_many(event_ids: list[int], actor: User) -> tuple[list[Undone], list[str]]:
    """Undo several moves at once (a bulk action's): each as `undo`; report those that could not be undone."""
    done: list[Undone] = []
    problems: list[str] = []
    for event_id in event_ids:
        try:
            done.append(undo(event_id, actor, commit=False))
        except ServiceError as error:
            problems.append(error.message)
    db.session.commit()
    return done, problems


def last_moves(comments: Iterable[Comment], actor: User) -> list[int]:
    """The ids of the newest events this actor wrote on these comments: what the desk's Undo button sends."""
    ids = [comment.id for comment in comments]
    if not ids:
        return []
    newest = (
        select(func.max(ModerationEvent.id))
        .where(ModerationEvent.comment_id.in_(ids), ModerationEvent.actor_id == actor.id)
        .group_by(ModerationEvent.comment_id)
    )
    return sorted(db.session.scalars(newest))


def moderator_edit(comment: Comment, body: str, moderator: User, rules: CommentRules) -> Comment:
    """A moderator's edit: the old text is kept as a revision and the comment says a moderator edited it.

    Only moderators and admins edit; an article's author answers a comment and never changes its words.
    """
    if not can_edit_comment(moderator, comment):
        raise ServiceError(
            "Only moderators and admins can edit a reader's comment; reply to it instead.", code="forbidden", status=403
        )
    before = comment.body
    edit_comment(comment, body, rules, editor=moderator)
    if comment.body == before:
        return comment
    comment.edited_by_moderator = True
    record_event(
        comment, "edit", comment.status.value, comment.status.value, actor=moderator, remark="edited by a moderator"
    )
    db.session.commit()
    return comment


# --- flags -----------------------------------------------------------------------------------


def guest_reporter_key(ip_address: str | None, cookie_id: str) -> str:
    """A guest is one reporter per network and browser cookie, without storing either in the clear."""
    digest = hashlib.sha256(f"{anonymise_ip(ip_address)}|{cookie_id}".encode()).hexdigest()[:40]
    return f"guest:{digest}"


def flagged_by(reporter_key: str | None, comment_ids: Iterable[int]) -> set[int]:
    """The comments among these that this reader has flagged, open or resolved (a second flag is refused either
    way): one query on the (comment_id, reporter_key) index."""
    ids = sorted(set(comment_ids))
    if reporter_key is None or not ids:
        return set()
    found = select(Flag.comment_id).where(Flag.comment_id.in_(ids), Flag.reporter_key == reporter_key)
    return set(db.session.scalars(found))


def _open_flag_count(comment: Comment) -> int:
    """Distinct readers with an open flag: an account counts once, and so does a guest network,
    so clearing cookies does not let one guest reach the threshold alone."""
    reader = case(
        (Flag.user_id.is_not(None), "user:" + cast(Flag.user_id, String)),
        else_="net:" + func.coalesce(Flag.ip_network, Flag.reporter_key),
    )
    # A count query always returns a row; `or 0` only satisfies scalar()'s Optional type.
    return (
        db.session.scalar(
            select(func.count(func.distinct(reader))).where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
        )
        or 0
    )


def flag_comment(
    comment: Comment,
    reporter_key: str,
    reason: str,
    remark: str | None,
    rules: CommentRules,
    *,
    user: User | None = None,
    ip_network: str | None = None,
) -> Flag:
    """A reader flags a published comment once; enough distinct flags hide it for review."""
    if not comment.is_public:
        raise ServiceError("Only published comments can be flagged.", code="not_flaggable", status=409)
    try:
        reason_value = FlagReason(reason)
    except ValueError:
        choices = ", ".join(r.value for r in FlagReason)
        raise ServiceError(f"Choose a reason: {choices}.", field="reason") from None
    remark = _clean_remark(remark)
    exists_already = db.session.scalar(
        select(Flag.id).where(Flag.comment_id == comment.id, Flag.reporter_key == reporter_key)
    )
    if exists_already is not None:
        raise ServiceError("You have already flagged this comment.", code="already_flagged", status=409)
    flag = Flag(
        comment=comment,
        reporter_key=reporter_key,
        user_id=user.id if user else None,
        ip_network=ip_network,
        reason=reason_value,
        remark=remark,
    )
    db.session.add(flag)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("You have already flagged this comment.", code="already_flagged", status=409) from None
    if reason_value is FlagReason.factual_error:
        return _send_to_author(flag, rules, user)
    if comment.status is A and _open_flag_count(comment) >= rules.flag_threshold:
        comment.status = P
        record_event(
            comment,
            "hide",
            A.value,
            P.value,
            rule="flag_threshold",
            reason="flagged",
            remark=f"{rules.flag_threshold} readers flagged it",
        )
        db.session.flush()
        refresh_comment_count(comment.article_id)
    comment_waits.send(comment)  # in the Flagged queue now: staff mail queues a task for the moderators
    db.session.commit()
    return flag


def _send_to_author(flag: Flag, rules: CommentRules, user: User | None) -> Flag:
    """A factual-error flag is a correction request on the article, for its author and host, not the moderators.

    The flag is kept (resolved at once as "to_author") so the comment's history shows it; it never hides anything.
    """
    comment = flag.comment
    flag.resolved_at, flag.resolution = utcnow(), "to_author"
    excerpt = " ".join(comment.body.split())
    excerpt = excerpt if len(excerpt) <= 300 else excerpt[:299] + "…"
    body = (
        flag.remark or f"A reader thinks this comment by {comment.writer_name} points out a factual error: “{excerpt}”"
    )
    db.session.flush()
    request_correction(
        comment.article,
        Requester(user=user, ip_network=flag.ip_network),
        body,
        rules,
        comment_id=comment.id,
        flag=flag,
    )
    return flag


def _resolve_flags(comment: Comment, resolution: str) -> int:
    result = db.session.execute(
        update(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution)
    )
    # An UPDATE without RETURNING always gives a CursorResult; Session.execute is typed for any statement.
    if not isinstance(result, CursorResult):
        return 0
    return result.rowcount or 0


def dismiss_flags(comment: Comment, moderator: User, remark: str | None = None) -> Comment:
    """Dismiss a comment's open flags; a comment the flags had hidden is published again."""
    remark = _clean_remark(remark)
    if _open_flag_count(comment) == 0:
        raise ServiceError("This comment has no open flags.", code="invalid_transition", status=409)
    hidden_by_flags = comment.status is P and _last_move(comment) == "hide"
    previous = comment.status
    if hidden_by_flags:
        comment.status = A
    record_event(comment, "dismiss_flags", previous.value, comment.status.value, actor=moderator, remark=remark)
    _resolve_flags(comment, "dismissed")
    db.session.flush()
    refresh_comment_count(comment.article_id)
    if hidden_by_flags and comment.is_public:
        comment_published.send(comment, parent=None)
    db.session.commit()
    return comment


# --- bans ------------------------------------------------------------------------------------


def _ban_value(kind: BanKind, value: str | int, confirm_wide: bool = False) -> str:
    if kind is BanKind.email:
        return normalise_email(str(value))
    if kind is BanKind.user:
        user = db.session.get(User, int(value)) if str(value).isdigit() else None
        if user is None:
            raise ServiceError("No account has that id.", field="user_id")
        return str(user.id)
    text = str(value).strip()
    try:
        if "/" not in text:
            ipaddress.ip_address(text)
            return anonymise_ip(text)
        banned = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ServiceError("Give an IP address or a network such as 203.0.113.0/24.", field="ip") from None
    if not confirm_wide:
        _refuse_wide_network(banned)
    return str(banned)


def _refuse_wide_network(banned: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
    """A network wider than WIDE_PREFIX catches whole providers, not one sender: it needs a confirmation."""
    widest = WIDE_PREFIX[banned.version]
    if banned.prefixlen >= widest:
        return
    # Counted in the networks a comment stores (/24, /48): each is one sender's network as the desk shows it.
    stored = STORED_PREFIX[banned.version]
    raise ServiceError(
        f"{banned} is wider than a /{widest}: it spans {2 ** (stored - banned.prefixlen):,} /{stored} networks "
        "and would catch many people besides this sender. Confirm to ban the whole network anyway.",
        field="ip",
        code="wide_network",
    )


def _senders_comments(ban: Ban) -> Select[Comment]:
    query = select(Comment).where(Comment.status != S)
    if ban.kind is BanKind.email:
        return query.where(Comment.writer_email == ban.value)
    if ban.kind is BanKind.user:
        return query.where(Comment.user_id == int(ban.value))
    return query.where(Comment.ip_network.is_not(None))


def create_ban(
    kind: str,
    value: str | int,
    reason: str,
    moderator: User,
    expires_at: datetime | None = None,
    spam_existing: bool = False,
    *,
    confirm_wide: bool = False,
) -> tuple[Ban, int]:
    """Ban a sender; optionally move their existing comments to spam in the same logged action.

    A network wider than WIDE_PREFIX is refused (code `wide_network`) unless `confirm_wide` says the
    moderator means it.
    """
    try:
        kind = BanKind(kind)
    except ValueError:
        raise ServiceError("Ban an email, a user_id or an ip.", field="kind") from None
    reason = required_text(
        reason,
        field="reason",
        missing="Say why the sender is banned.",
        limit=REMARK_MAX,
        too_long="A reason is at most {limit} characters.",
    )
    if expires_at is not None and expires_at <= utcnow():
        raise ServiceError("The expiry must be in the future.", field="expires_at")
    ban = Ban(
        kind=kind,
        value=_ban_value(kind, value, confirm_wide),
        reason=reason,
        created_by=moderator,
        expires_at=expires_at,
    )
    db.session.add(ban)
    db.session.flush()
    moved = 0
    if spam_existing:
        for comment in db.session.scalars(_senders_comments(ban)).all():
            if kind is BanKind.network and not network_covers(ban.value, comment.ip_network):
                continue
            apply(comment, "spam", moderator, reason="banned_sender", remark=f"ban #{ban.id}: {reason}", commit=False)
            moved += 1
    db.session.commit()
    return ban, moved


def lift_ban(ban: Ban, moderator: User) -> Ban:
    """End a ban now; it stays on record."""
    if ban.lifted_at is not None:
        raise ServiceError("This ban was already lifted.", code="invalid_transition", status=409)
    ban.lifted_at = utcnow()
    db.session.commit()
    return ban


@dataclass(frozen=True)
class BanTarget:
    """One way to ban a comment's sender: the ban form's kind and value, and how the page names it."""

    kind: BanKind
    value: str
    label: str


def ban_targets(comment: Comment) -> dict[str, BanTarget]:
    """How the sender of a comment can be banned: "sender" (their account, or a guest's email address)
    and, when the comment's network is known, "network"."""
    if comment.user is not None:
        sender = BanTarget(
            BanKind.user, str(comment.user.id), f"the account of {comment.user.name} (id {comment.user.id})"
        )
    else:
        sender = BanTarget(BanKind.email, comment.writer_email, f"the email address {comment.writer_email}")
    targets = {"sender": sender}
    if network(comment.ip_network) is not None:
        targets["network"] = BanTarget(BanKind.network, str(comment.ip_network), f"the network {comment.ip_network}")
    return targets


def active_bans() -> list[Ban]:
    """Bans in force, newest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Ban)
            .where(Ban.lifted_at.is_(None), (Ban.expires_at.is_(None)) | (Ban.expires_at > now))
            .order_by(Ban.created_at.desc(), Ban.id.desc())
        )
    )


# --- queues ----------------------------------------------------------------------------------


# A search reads the text of the newest comments of a queue, at most this many: a LIKE '%term%' no index can
# answer then costs the same at a thousand comments and at a million (see docs/performance.md).
SEARCH_WINDOW = 1000


def _open_flags() -> Select[int]:
    """The comments with open flags (from the index on flags' resolved_at and comment_id)."""
    return select(Flag.comment_id).where(Flag.resolved_at.is_(None))


def _in_queue(queue: str) -> list[ColumnElement[bool]]:
    """What puts a comment in a queue. Each status queue is a range of the index on (status, created_at, id)."""
    if queue == "flagged":
        return [Comment.id.in_(_open_flags())]
    if queue not in {"pending", "spam", "trash", "approved"}:
        raise ServiceError(f"Unknown queue {queue!r}; use one of {', '.join(QUEUES)}.", field="status")
    conditions: list[ColumnElement[bool]] = [Comment.status == CommentStatus(queue)]
    if queue == "approved":
        conditions.append(Comment.created_at >= utcnow() - timedelta(days=30))
    return conditions


def _scope(moderator: User, article: Article | None) -> list[ColumnElement[bool]]:
    """The comments this moderator may act on, on one article or all: authors see their articles' only."""
    scope: list[ColumnElement[bool]] = []
    if moderator.role not in STAFF_ROLES:
        scope.append(Comment.article_id.in_(select(Article.id).where(Article.author_id == moderator.id)))
    if article is not None:
        scope.append(Comment.article_id == article.id)
    return scope


def _matching(queue: str, moderator: User, article: Article | None, search: str | None) -> list[ColumnElement[bool]]:
    """The conditions for a queue's comments, searched (in its newest SEARCH_WINDOW) when `search` is given."""
    conditions = [*_in_queue(queue), *_scope(moderator, article)]
    if not search:
        return conditions
    newest = (
        select(Comment.id)
        .where(*conditions)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(SEARCH_WINDOW)
    )
    pattern = f"%{search.strip()}%"
    return [Comment.id.in_(newest), or_(Comment.body.ilike(pattern), Comment.writer_name.ilike(pattern))]


def queue_query(
    queue: str, moderator: User, article: Article | None = None, search: str | None = None
) -> Select[Comment]:
    """The comments of one queue that this moderator may act on, newest first, ready to paginate.

    A search looks at the newest SEARCH_WINDOW comments of the queue (of the article, when one is given).
    """
    return (
        select(Comment)
        .where(*_matching(queue, moderator, article, search))
        .options(joinedload(Comment.article), joinedload(Comment.user))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


def flagged_among(comment_ids: Iterable[int]) -> set[int]:
    """Which of these comments have open flags (one query): for the tools beside a discussion a moderator reads."""
    ids = sorted(set(comment_ids))
    if not ids:
        return set()
    return set(db.session.scalars(_open_flags().where(Flag.comment_id.in_(ids))))


def queue_counts(moderator: User, article: Article | None = None, search: str | None = None) -> dict[str, int]:
    """How many comments each queue holds for this moderator and filter (one query, each count from an index;
    searched, each in the queue's newest SEARCH_WINDOW comments)."""
    scope = _scope(moderator, article)

    def count(name: str) -> ScalarSelect[int]:
        if name == "flagged" and not scope and not search:
            # Every open flag's comment exists (a purge deletes their flags): the flags' index answers alone.
            open_flags = func.count(func.distinct(Flag.comment_id))
            return select(open_flags).where(Flag.resolved_at.is_(None)).scalar_subquery()
        matching = _matching(name, moderator, article, search)
        return select(func.count()).select_from(Comment).where(*matching).scalar_subquery()

    row = db.session.execute(select(*(count(name) for name in QUEUES))).one()
    return dict(zip(QUEUES, row, strict=True))


def pending_count(moderator: User) -> int:
    """Held comments waiting for this moderator: the badge in the navigation."""
    query = select(func.count(Comment.id)).where(Comment.status == P, *_scope(moderator, None))
    # A count query always returns a row; `or 0` only satisfies scalar()'s Optional type.
    return db.session.scalar(query) or 0


class DeskContext(TypedDict):
    """What the desk shows beside each comment, by comment id: what it answers, its flags, its history, and
    which of them readers have seen (see `seen_by_readers`)."""

    parents: dict[int, Comment]
    flags: dict[int, list[Flag]]
    events: dict[int, list[ModerationEvent]]
    seen: set[int]
    # The standing move that put each comment where it is (its who and why: the trash reason, a spam remark).
    placed: dict[int, ModerationEvent]


def load_context(comments: list[Comment]) -> DeskContext:
    """What the desk shows beside each comment, in three queries for the whole page: parents, flags, history (and
    from it, who put each comment where it stands, and why)."""
    ids = [comment.id for comment in comments]
    parent_ids = {comment.in_reply_to_id or comment.parent_id for comment in comments} - {None}
    parents = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(parent_ids)))} if parent_ids else {}
    )
    flags: dict[int, list[Flag]] = {i: [] for i in ids}
    events: dict[int, list[ModerationEvent]] = {i: [] for i in ids}
    if ids:
        for flag in db.session.scalars(select(Flag).where(Flag.comment_id.in_(ids)).order_by(Flag.id)):
            flags[flag.comment_id].append(flag)
        for event in db.session.scalars(
            select(ModerationEvent)
            .where(ModerationEvent.comment_id.in_(ids))
            .options(joinedload(ModerationEvent.actor))
            .order_by(ModerationEvent.id)
        ):
            if event.comment_id is not None:  # always set: the query asked for these comments' events
                events[event.comment_id].append(event)
    seen = {comment.id for comment in comments if comment.status is A or comment.removed_by_author}
    placed: dict[int, ModerationEvent] = {}
    for comment in comments:
        undone = {event.undoes_id for event in events[comment.id]}
        moves = [
            event
            for event in events[comment.id]
            if event.from_status != event.to_status and event.action != "undo" and event.id not in undone
        ]
        if comment.status is P and moves and moves[-1].action == "hide":
            seen.add(comment.id)
        if moves and moves[-1].to_status == comment.status.value:
            placed[comment.id] = moves[-1]
    return {"parents": parents, "flags": flags, "events": events, "seen": seen, "placed": placed}


def events_for(comment_id: int | None = None) -> Select[ModerationEvent]:
    """The moderation log, oldest first, optionally for one comment."""
    query = select(ModerationEvent).options(joinedload(ModerationEvent.actor)).order_by(ModerationEvent.id)
    if comment_id is not None:
        query = query.where(ModerationEvent.comment_id == comment_id)
    return query


def latest_events(limit: int) -> Select[ModerationEvent]:
    """The newest events of the whole log, newest first."""
    return (
        select(ModerationEvent)
        .options(joinedload(ModerationEvent.actor))
        .order_by(ModerationEvent.id.desc())
        .limit(limit)
    )


# --- purge -----------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    deleted: int
    kept_with_replies: int
    # Comments the article's author removed after readers saw them: readers still see "Comment removed by the
    # article's author" where they stood, so the purge keeps them (a moderator's restore and trash clears that).
    kept_author_removals: int = 0


def _purge_candidates(status: CommentStatus, older_than: timedelta) -> tuple[Select[int], Exists]:
    """The ids of the comments in `status` for longer than `older_than`, and the test for having replies."""
    if status not in {S, T}:
        raise ServiceError("Only spam and trash can be purged.", field="status")
    cutoff = utcnow() - older_than
    child = aliased(Comment)
    has_children = exists().where(child.parent_id == Comment.id)
    moved_in = (
        select(func.max(ModerationEvent.created_at))
        .where(ModerationEvent.comment_id == Comment.id, ModerationEvent.to_status == status.value)
        .scalar_subquery()
    )
    candidates = select(Comment.id).where(
        Comment.status == status, func.coalesce(moved_in, Comment.created_at) < cutoff
    )
    return candidates, has_children


def _count_rows(query: Select[int]) -> int:
    # A count query always returns a row; `or 0` only satisfies scalar()'s Optional type.
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def purge_preview(status: CommentStatus, older_than: timedelta) -> PurgeResult:
    """What `purge` would delete and keep right now, deleting nothing: the numbers a confirmation shows."""
    candidates, has_children = _purge_candidates(status, older_than)
    return PurgeResult(
        _count_rows(candidates.where(~has_children, ~Comment.removed_by_author)),
        _count_rows(candidates.where(has_children)),
        _count_rows(candidates.where(~has_children, Comment.removed_by_author)),
    )


def purge(
    status: CommentStatus, older_than: timedelta, actor_label: str = "command line", *, actor: User | None = None
) -> PurgeResult:
    """Delete spam or trash that has been there longer than the age given; comments with replies are kept.

    The age counts from the last move into that state (or from posting, for comments caught at submit),
    so an old comment trashed by mistake today can still be restored. Each deleted comment leaves a
    `purge` event naming `actor_label` (and `actor`, when a person on the desk asked for it).
    """
    candidates, has_children = _purge_candidates(status, older_than)
    ids = db.session.scalars(candidates.where(~has_children, ~Comment.removed_by_author)).all()
    kept = _count_rows(candidates.where(has_children))
    kept_removals = _count_rows(candidates.where(~has_children, Comment.removed_by_author))
    for comment_id in ids:
        record_event(
            None,
            "purge",
            status.value,
            None,
            actor=actor,
            rule="purge",
            remark=f"comment {comment_id} purged by {actor_label}",
        )
    if ids:
        articles = db.session.scalars(select(Comment.article_id).where(Comment.id.in_(ids)).distinct()).all()
        # What the foreign keys' ON DELETE rules do on PostgreSQL, done by hand so SQLite ends the same.
        db.session.execute(update(Comment).where(Comment.in_reply_to_id.in_(ids)).values(in_reply_to_id=None))
        db.session.execute(
            update(ModerationEvent.__table__).where(ModerationEvent.comment_id.in_(ids)).values(comment_id=None)
        )
        db.session.execute(delete(Flag).where(Flag.comment_id.in_(ids)))
        db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id.in_(ids)))
        db.session.execute(delete(Comment).where(Comment.id.in_(ids)))
        bump_discussions(db.session.connection(), articles)  # bulk statements pass by the flush listener
    db.session.commit()
    return PurgeResult(len(ids), kept, kept_removals)
