"""Pre-moderation: the rules that decide whether a new comment is published, held, or caught as spam.

Each check returns a Verdict with a reason code and a message for moderators; the comment keeps
every reason, and the writer only ever learns that the comment awaits moderation.
"""
import ipaddress
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Article, Ban, BanKind, Comment, CommentStatus, Role, User
from app.models.types import utcnow

TRUSTED_ROLES = {Role.moderator, Role.admin}


@dataclass
class Verdict:
    """One check's decision — pass, hold, spam, or reject (refused with `message` to the writer) — with why.

    `score` is the check's spam score from 0 to 1 (the classifier's probability; 1 for a certain rule).
    """

    action: str
    code: str
    message: str
    score: float = 0.0

    def as_reason(self) -> dict:
        return {"code": self.code, "message": self.message, "action": self.action, "score": self.score}


@dataclass
class Screening:
    """The combined decision for a new comment."""

    status: CommentStatus
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def rule(self) -> str | None:
        """The code of the check that decided, for the moderation log."""
        deciding = [v for v in self.verdicts if v.action in {"spam", "hold"}]
        return deciding[0].code if deciding else None

    @property
    def reasons(self) -> list[dict]:
        return [verdict.as_reason() for verdict in self.verdicts if verdict.action != "pass"]


@dataclass
class Submission:
    """What the checks look at: who writes, from where, on which article, and what they sent."""

    article: Article
    user: User | None
    email: str
    ip_network: str | None
    body: str
    # The comment as it will be shown (rendered and sanitised), for checks that count links.
    html: str = ""
    name: str = ""
    website: str | None = None
    # The request's details, for checks that need them (e.g. Akismet); never stored in full.
    ip_address: str | None = None
    user_agent: str = ""
    referrer: str = ""
    # Extra fields of the page form (honeypot, signed timestamp); None for API submissions.
    form: dict | None = None
    # The comment answered, if this is a reply (Akismet tells comments and replies apart).
    parent_id: int | None = None


def active_ban(user: User | None, email: str, ip_network: str | None) -> Ban | None:
    """The ban that covers this sender now, if any: by account, by email, or by a network containing theirs."""
    now = utcnow()
    matches = [Ban.kind == BanKind.network]
    if user is not None:
        matches.append((Ban.kind == BanKind.user) & (Ban.value == str(user.id)))
    if email:
        matches.append((Ban.kind == BanKind.email) & (Ban.value == email.lower()))
    candidates = db.session.scalars(
        select(Ban)
        .where(Ban.lifted_at.is_(None), (Ban.expires_at.is_(None)) | (Ban.expires_at > now), or_(*matches))
        .order_by(Ban.id)
    ).all()
    sender_network = network(ip_network)
    for ban in candidates:
        if ban.kind is BanKind.user and user is not None and ban.value == str(user.id):
            return ban
        if ban.kind is BanKind.email and email and ban.value == email.lower():
            return ban
        if ban.kind is BanKind.network and sender_network is not None:
            banned = network(ban.value)
            if banned is not None and banned.version == sender_network.version and sender_network.subnet_of(banned):
                return ban
    return None


def network(value: str | None):
    """An IP network from text, or None when the text is not one (e.g. 'unknown')."""
    try:
        return ipaddress.ip_network(value, strict=False) if value else None
    except ValueError:
        return None


def _writer_filter(user: User | None, email: str):
    return Comment.user_id == user.id if user is not None else (Comment.user_id.is_(None) & (Comment.author_email == email))


def check_ban(submission: Submission, rules) -> Verdict:
    ban = active_ban(submission.user, submission.email, submission.ip_network)
    if ban is None:
        return Verdict("pass", "banned_sender", "Not banned.")
    return Verdict("spam", "banned_sender", f"Banned sender ({ban.kind.value} ban #{ban.id}: {ban.reason}).", 1.0)


def check_hold_all(submission: Submission, rules) -> Verdict:
    if rules.hold_all:
        return Verdict("hold", "hold_all", "The site holds every comment for moderation.")
    return Verdict("pass", "hold_all", "Not every comment is held.")


def check_new_commenter(submission: Submission, rules) -> Verdict:
    if rules.hold_until_approved <= 0:
        return Verdict("pass", "new_commenter", "New commenters are not held.")
    approved = db.session.scalar(
        select(func.count(Comment.id)).where(
            _writer_filter(submission.user, submission.email), Comment.status == CommentStatus.approved
        )
    )
    if approved >= rules.hold_until_approved:
        return Verdict("pass", "new_commenter", f"The commenter has {approved} approved comments.")
    return Verdict(
        "hold",
        "new_commenter",
        f"Held until the commenter has {rules.hold_until_approved} approved comment"
        f"{'s' if rules.hold_until_approved != 1 else ''}; they have {approved}.",
    )


def check_often_rejected(submission: Submission, rules) -> Verdict:
    if rules.rejected_percent <= 0:
        return Verdict("pass", "often_rejected", "The rejected-share rule is off.")
    since = utcnow() - rules.rejected_window
    rows = db.session.execute(
        select(Comment.status, func.count(Comment.id))
        .where(_writer_filter(submission.user, submission.email), Comment.created_at >= since)
        .where(Comment.status.in_([CommentStatus.approved, CommentStatus.spam, CommentStatus.trash]))
        .group_by(Comment.status)
    ).all()
    counts = {status: count for status, count in rows}
    decided = sum(counts.values())
    rejected = counts.get(CommentStatus.spam, 0) + counts.get(CommentStatus.trash, 0)
    days = rules.rejected_window.days
    if decided >= rules.rejected_min_comments and rejected * 100 >= rules.rejected_percent * decided:
        return Verdict(
            "hold",
            "often_rejected",
            f"{rejected} of the commenter's {decided} decided comments in the last {days} days were rejected "
            f"(the limit is {rules.rejected_percent}%).",
        )
    return Verdict("pass", "often_rejected", f"{rejected} of {decided} recent comments rejected.")


def _checks():
    """The pipeline in order: refusals first (nothing is stored), then the rules, then the slower content checks."""
    from app.services.spam import checks as spam
    from app.services.spam.akismet import check_akismet
    from app.services.spam.classifier import check_classifier

    always = [spam.check_honeypot, spam.check_timing, spam.check_duplicate, check_ban]
    untrusted = [
        check_hold_all,
        check_new_commenter,
        check_often_rejected,
        spam.check_links,
        spam.check_blocked_words,
        spam.check_moderation_words,
        check_classifier,
        check_akismet,  # last: it asks another server
    ]
    return always, untrusted


REJECT_STATUS = {"duplicate": 409, "timing": 400}


def _trusted(submission: Submission) -> bool:
    """Moderators, admins and the article's author: only the refusals and bans apply to them."""
    user = submission.user
    return user is not None and (user.role in TRUSTED_ROLES or user.id == submission.article.author_id)


def _run(checks, submission: Submission, rules) -> list[Verdict]:
    """Every check's verdict in order; a refusal raises at once and nothing is stored."""
    from app.services.errors import ServiceError

    verdicts = []
    for check in checks:
        verdict = check(submission, rules)
        if verdict.action == "reject":
            field = "body" if verdict.code == "duplicate" else None
            raise ServiceError(verdict.message, field=field, code=verdict.code, status=REJECT_STATUS.get(verdict.code, 422))
        verdicts.append(verdict)
    return verdicts


def screen(submission: Submission, rules) -> Screening:
    """Run the checks and combine them: a refusal raises at once; otherwise spam beats hold beats publish.

    Moderators, admins and the article's author are trusted: only the refusals and bans apply to them.
    """
    always, untrusted = _checks()
    verdicts = _run(always + ([] if _trusted(submission) else untrusted), submission, rules)
    actions = {verdict.action for verdict in verdicts}
    if "spam" in actions:
        status = CommentStatus.spam
    elif "hold" in actions:
        status = CommentStatus.pending
    else:
        status = CommentStatus.approved
    return Screening(status, verdicts)


def screen_request(submission: Submission, rules) -> Screening:
    """Screen a correction request: the spam checks only, since the author reads every request anyway.

    A spam verdict keeps it off the author's list of open requests; anything else leaves it open.
    """
    from app.models import RequestStatus
    from app.services.spam import checks as spam
    from app.services.spam.akismet import check_akismet
    from app.services.spam.classifier import check_classifier

    checks = [spam.check_honeypot, spam.check_timing, check_ban]
    if not _trusted(submission):  # as for comments: staff and the article's author skip the content checks
        checks += [spam.check_links, spam.check_blocked_words, check_classifier, check_akismet]
    verdicts = _run(checks, submission, rules)
    caught = any(verdict.action == "spam" for verdict in verdicts)
    return Screening(RequestStatus.spam if caught else RequestStatus.open, verdicts)


def explain_checks(submission: Submission, rules) -> tuple[str, list[Verdict]]:
    """Every check's verdict on a submission, refusals included, and the outcome: for `flask spam explain`."""
    always, untrusted = _checks()
    verdicts = [check(submission, rules) for check in always + untrusted]
    actions = {verdict.action for verdict in verdicts}
    for outcome, action in (("rejected", "reject"), ("spam", "spam"), ("held", "hold")):
        if action in actions:
            return outcome, verdicts
    return "published", verdicts
