"""Pre-moderation: the rules that decide whether a new comment is published, held, or caught as spam.

Each check returns a Verdict with a reason code and a message for moderators; the comment keeps
every reason, and the writer only ever learns that the comment awaits moderation.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Boolean, ColumnElement, Select, bindparam, case, func, select

from app.extensions import db
from app.models import Ban, BanKind, Comment, CommentStatus, ModerationEvent, RequestStatus, User
from app.models.site_state import BANS
from app.models.types import utcnow
from app.ratelimit import network_covers
from app.services.errors import ServiceError
from app.services.permissions import STAFF_ROLES
from app.services.settings import CommentRules
from app.services.site_versions import remembered
from app.services.spam import akismet, checks, classifier
from app.services.spam.verdicts import Screening, Submission, Verdict

Check = Callable[[Submission, CommentRules], Verdict]


@dataclass(frozen=True)
class BanRecord:
    """What the checks need of a ban, kept in memory between requests (services.site_versions)."""

    id: int
    kind: BanKind
    value: str
    reason: str
    expires_at: datetime | None


def _unlifted_bans() -> tuple[BanRecord, ...]:
    rows = db.session.execute(
        select(Ban.id, Ban.kind, Ban.value, Ban.reason, Ban.expires_at).where(Ban.lifted_at.is_(None)).order_by(Ban.id)
    )
    return tuple(BanRecord(*row) for row in rows)


def active_ban(user: User | None, email: str, ip_network: str | None) -> BanRecord | None:
    """The ban that covers this sender now, if any: by account, by email, or by a network containing theirs."""
    now = utcnow()
    for ban in remembered(BANS, _unlifted_bans):
        if ban.expires_at is not None and ban.expires_at <= now:
            continue
        if ban.kind is BanKind.user and user is not None and ban.value == str(user.id):
            return ban
        if ban.kind is BanKind.email and email and ban.value == email.lower():
            return ban
        if ban.kind is BanKind.network and network_covers(ban.value, ip_network):
            return ban
    return None


# The history queries below are statements on the tables, not the mapped classes: the session runs them without
# the ORM's work on each execution (they load no objects), which is a good part of a query's cost on the posting path.
_COMMENTS = Comment.__table__.c
_EVENTS = ModerationEvent.__table__.c


def _writer_filter(by_account: bool) -> ColumnElement[bool]:
    """A writer's comments, the writer bound as the parameter "writer": their account's id, or a guest's address."""
    writer: BindParameter[Any] = bindparam("writer")
    if by_account:
        return _COMMENTS.user_id == writer
    return _COMMENTS.user_id.is_(None) & (_COMMENTS.writer_email == writer)


def _writer(submission: Submission) -> dict[str, object]:
    return {"writer": submission.user.id if submission.user is not None else submission.email}


def check_ban(submission: Submission, rules: CommentRules) -> Verdict:
    ban = active_ban(submission.user, submission.email, submission.ip_network)
    if ban is None:
        return Verdict("pass", "banned_sender", "Not banned.")
    return Verdict("spam", "banned_sender", f"Banned sender ({ban.kind.value} ban #{ban.id}: {ban.reason}).", 1.0)


def check_hold_all(submission: Submission, rules: CommentRules) -> Verdict:
    if rules.hold_all:
        return Verdict("hold", "hold_all", "The site holds every comment for moderation.")
    return Verdict("pass", "hold_all", "Not every comment is held.")


# The history queries, built once for each kind of writer (statements are reused with new parameters).
_APPROVED = {
    by_account: select(func.count()).where(_writer_filter(by_account), _COMMENTS.status == CommentStatus.approved)
    for by_account in (True, False)
}


def check_new_commenter(submission: Submission, rules: CommentRules) -> Verdict:
    if rules.hold_until_approved <= 0:
        return Verdict("pass", "new_commenter", "New commenters are not held.")
    # A count query always returns a row; `or 0` only satisfies scalar()'s Optional type.
    approved = db.session.scalar(_APPROVED[submission.user is not None], _writer(submission)) or 0
    if approved >= rules.hold_until_approved:
        return Verdict("pass", "new_commenter", f"The commenter has {approved} approved comments.")
    return Verdict(
        "hold",
        "new_commenter",
        f"Held until the commenter has {rules.hold_until_approved} approved comment"
        f"{'s' if rules.hold_until_approved != 1 else ''}; they have {approved}.",
    )


def _rejected_by_a_person() -> ColumnElement[bool]:
    """Whether a comment is in spam or trash because a person put it there.

    The latest event that moved the comment into its current state decides: a moderator's, an admin's or
    the article's author's action counts; the pipeline's own verdict at submission does not (nor a rule's),
    even when the submission event names the writer's account as its actor. Events that leave the state as
    it was (an edit, the writer's delete) moved nothing and are skipped.
    """
    by_a_person = (
        select(case((_EVENTS.actor_id.is_not(None) & (_EVENTS.action != "submit"), 1), else_=0))
        .where(
            _EVENTS.comment_id == _COMMENTS.id,
            _EVENTS.to_status == _COMMENTS.status,
            _EVENTS.from_status.is_(None) | (_EVENTS.from_status != _EVENTS.to_status),
        )
        .order_by(_EVENTS.id.desc())
        .limit(1)
        .correlate(Comment.__table__)
        .scalar_subquery()
    )
    return _COMMENTS.status.in_([CommentStatus.spam, CommentStatus.trash]) & (by_a_person == 1)


def _history(by_account: bool) -> Select[int, int | None]:
    """A writer's comments since the parameter "since" that a person rejected, and those approved, in one statement.
    The approved are counted only when some were rejected or the parameter "count_approved" asks for them (the
    database skips the other branch of the CASE): a writer with nothing rejected, nearly everyone, costs a look at
    an empty range of the writer's index."""
    since: BindParameter[datetime] = bindparam("since")
    rejected = (
        select(func.count().label("count"))
        .where(_writer_filter(by_account), _COMMENTS.created_at >= since, _rejected_by_a_person())
        .subquery()
    )
    approved = (
        select(func.count())
        .where(_writer_filter(by_account), _COMMENTS.status == CommentStatus.approved, _COMMENTS.created_at >= since)
        .scalar_subquery()
    )
    needed = (rejected.c.count > 0) | bindparam("count_approved", type_=Boolean)
    return select(rejected.c.count, case((needed, approved), else_=None))


_HISTORY = {by_account: _history(by_account) for by_account in (True, False)}


def check_often_rejected(submission: Submission, rules: CommentRules) -> Verdict:
    """Hold a writer whose recent decided comments a person often rejected.

    Decided: approved now, or in spam or trash by a person's decision. What the spam checks caught on their
    own, and a moderator's decision later reversed, count against nobody.
    """
    if rules.rejected_percent <= 0:
        return Verdict("pass", "often_rejected", "The rejected-share rule is off.")
    by_account = submission.user is not None
    # With nothing rejected, no share reaches the limit however many were approved, unless the rule asks for no
    # decided comments at all (the settings page refuses that, the configuration does not).
    count_approved = rules.rejected_min_comments <= 0
    since = utcnow() - rules.rejected_window
    parameters = {**_writer(submission), "since": since, "count_approved": count_approved}
    rejected, approved = db.session.execute(_HISTORY[by_account], parameters).one()
    if approved is None:
        return Verdict("pass", "often_rejected", "None of the commenter's recent comments was rejected.")
    decided = rejected + approved
    days = rules.rejected_window.days
    if decided >= rules.rejected_min_comments and rejected * 100 >= rules.rejected_percent * decided:
        return Verdict(
            "hold",
            "often_rejected",
            f"{rejected} of the commenter's {decided} decided comments in the last {days} days were rejected "
            f"(the limit is {rules.rejected_percent}%).",
        )
    return Verdict("pass", "often_rejected", f"{rejected} of {decided} recent comments rejected.")


# The pipeline in order: refusals first (nothing is stored), then the rules, then the slower content checks.
ALWAYS: list[Check] = [checks.check_honeypot, checks.check_timing, checks.check_duplicate, check_ban]
UNTRUSTED: list[Check] = [
    check_hold_all,
    check_new_commenter,
    check_often_rejected,
    checks.check_links,
    # Structural evidence: caught as spam whatever the classifier has learned.
    checks.check_link_farm,
    checks.check_shortener,
    checks.check_name,
    checks.check_blocked_words,
    checks.check_moderation_words,
    classifier.check_classifier,
    akismet.check_akismet,  # last: it asks another server
]
# Correction requests: the author reads every one anyway, so only the spam checks apply.
REQUEST_ALWAYS: list[Check] = [checks.check_honeypot, checks.check_timing, check_ban]
REQUEST_UNTRUSTED: list[Check] = [
    checks.check_links,
    checks.check_link_farm,
    checks.check_shortener,
    checks.check_name,
    checks.check_blocked_words,
    classifier.check_classifier,
    akismet.check_akismet,
]


REJECT_STATUS = {"duplicate": 409, "timing": 400}


def _trusted(submission: Submission) -> bool:
    """Moderators, admins and the article's author: only the refusals and bans apply to them."""
    user = submission.user
    return user is not None and (user.role in STAFF_ROLES or user.id == submission.article.author_id)


def _run(pipeline: list[Check], submission: Submission, rules: CommentRules) -> list[Verdict]:
    """Every check's verdict in order; a refusal raises at once and nothing is stored."""
    verdicts = []
    for check in pipeline:
        verdict = check(submission, rules)
        if verdict.action == "reject":
            field = "body" if verdict.code == "duplicate" else None
            raise ServiceError(
                verdict.message, field=field, code=verdict.code, status=REJECT_STATUS.get(verdict.code, 422)
            )
        verdicts.append(verdict)
    return verdicts


def screen(submission: Submission, rules: CommentRules) -> Screening[CommentStatus]:
    """Run the checks and combine them: a refusal raises at once; otherwise spam beats hold beats publish.

    Moderators, admins and the article's author are trusted: only the refusals and bans apply to them.
    """
    verdicts = _run(ALWAYS + ([] if _trusted(submission) else UNTRUSTED), submission, rules)
    actions = {verdict.action for verdict in verdicts}
    if "spam" in actions:
        status = CommentStatus.spam
    elif "hold" in actions:
        status = CommentStatus.pending
    else:
        status = CommentStatus.approved
    return Screening(status, verdicts)


def screen_request(submission: Submission, rules: CommentRules) -> Screening[RequestStatus]:
    """Screen a correction request: the spam checks only, since the author reads every request anyway.

    A spam verdict keeps it off the author's list of open requests; anything else leaves it open.
    """
    # As for comments: staff and the article's author skip the content checks.
    verdicts = _run(REQUEST_ALWAYS + ([] if _trusted(submission) else REQUEST_UNTRUSTED), submission, rules)
    caught = any(verdict.action == "spam" for verdict in verdicts)
    return Screening(RequestStatus.spam if caught else RequestStatus.open, verdicts)


def explain_checks(submission: Submission, rules: CommentRules, offline: bool = False) -> tuple[str, list[Verdict]]:
    """Every check's verdict on a submission, refusals included, and the outcome: for `flask spam explain` and
    `flask spam eval` (offline: without the checks that ask another server)."""
    pipeline = [check for check in ALWAYS + UNTRUSTED if not (offline and check is akismet.check_akismet)]
    verdicts = [check(submission, rules) for check in pipeline]
    actions = {verdict.action for verdict in verdicts}
    for outcome, action in (("rejected", "reject"), ("spam", "spam"), ("held", "hold")):
        if action in actions:
            return outcome, verdicts
    return "published", verdicts
