"""Akismet, when AKISMET_KEY is set: one more opinion on each new comment, and the moderators' verdicts sent back.

Akismet is a third-party service: the comment's text, its writer's name, email and website and the
writer's IP address leave this server. If it is slow, down or refuses the key, the comment is held
for a moderator with the reason "spam service unavailable" — never lost, never published unchecked.
Moderators' verdicts are reported by `akismet.report` tasks after the answer, retried while Akismet is down.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from flask import current_app, has_request_context, request, url_for

from app.extensions import db
from app.models import Article, Comment, CommentStatus, User
from app.ratelimit import network
from app.services.settings import CommentRules
from app.services.spam.verdicts import Submission, Verdict
from app.services.tasks import enqueue

if TYPE_CHECKING:
    import akismet

CODE = "akismet"
UNAVAILABLE = "spam service unavailable"
# After Akismet could not be reached, reports wait this long before trying again, so that a bulk
# action on many comments costs one timeout, not one per comment.
REPORT_PAUSE_SECONDS = 60
REPORT_TASK = "akismet.report"


def is_configured() -> bool:
    """Whether this site asks Akismet at all."""
    return bool(current_app.config.get("AKISMET_KEY"))


def blog_url() -> str:
    """The site Akismet knows the key by: AKISMET_BLOG_URL, else SITE_URL, else this request's host."""
    config = current_app.config
    url = config.get("AKISMET_BLOG_URL") or config.get("SITE_URL")
    # The request's host is a last resort (it comes from the client); outside a request there is none.
    if not url and has_request_context():
        url = request.host_url
    return url or ""


def _client(blog: str) -> AbstractContextManager[akismet.SyncClient]:
    """A client for one exchange with Akismet. The akismet package and httpx are imported here, on first use
    (and by the functions that test its answers), so that a site without a key never loads them."""
    from app.services.spam.akismet_client import client  # noqa: PLC0415

    return client(blog)


def _require_blog_url() -> str:
    import akismet  # noqa: PLC0415 (see _client)

    blog = blog_url()
    if not blog:
        raise akismet.ConfigurationError("No AKISMET_BLOG_URL or SITE_URL, and no request to take the host from.")
    return blog


def _permalink(article: Article, blog: str) -> str:
    if has_request_context():
        path = url_for("articles.show", slug=article.slug)
    else:
        adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
        path = adapter.build("articles.show", {"slug": article.slug})
    return urljoin(blog, path)


def _site_fields(article: Article, blog: str) -> akismet.AkismetArguments:
    return {
        "permalink": _permalink(article, blog),
        "blog_lang": current_app.config.get("AKISMET_BLOG_LANG") or "en",
        "blog_charset": "UTF-8",
    }


def _writer_fields(user: User | None, name: str, email: str, website: str | None) -> akismet.AkismetArguments:
    fields: akismet.AkismetArguments = {
        "comment_author": name or (user.name if user is not None else ""),
        "comment_author_email": email or (user.email if user is not None else ""),
        "comment_author_url": website or "",
    }
    if user is not None:
        fields["user_role"] = user.role.value
    return fields


def _network_address(ip_network: str | None) -> str:
    """The first address of a stored network (e.g. 203.0.113.0 for 203.0.113.0/24): all a comment keeps of its IP."""
    parsed = network(ip_network)
    return str(parsed.network_address) if parsed is not None else ""


def _submission_type(submission: Submission) -> str:
    # Read softly: Submission has no parent_id field until the pipeline passes one (None: a top-level comment).
    return "reply" if getattr(submission, "parent_id", None) else "comment"


def check_akismet(submission: Submission, rules: CommentRules) -> Verdict:
    """Ask Akismet's comment-check: spam is caught, ham passes, and any failure holds the comment."""
    if not is_configured():
        return Verdict("pass", CODE, "Akismet is not configured.")
    import akismet  # noqa: PLC0415 (see _client)

    try:
        blog = _require_blog_url()
        fields: akismet.AkismetArguments = {
            **_site_fields(submission.article, blog),
            **_writer_fields(submission.user, submission.name, submission.email, submission.website),
            "comment_type": _submission_type(submission),
            "comment_content": submission.body,
            "user_agent": submission.user_agent or "",
            "referrer": submission.referrer or "",
        }
        user_ip = submission.ip_address or _network_address(submission.ip_network)
        with _client(blog) as client:
            answer = client.comment_check(user_ip, **fields)
    except Exception as error:  # whatever goes wrong, the comment waits for a person
        current_app.logger.warning("Akismet comment-check failed, comment held: %s: %s", type(error).__name__, error)
        return Verdict("hold", CODE, UNAVAILABLE)
    if answer is akismet.CheckResponse.DISCARD:
        # Akismet suggests discarding blatant spam unseen; here nothing is deleted, it goes to the spam queue.
        return Verdict("spam", CODE, "Akismet says this is blatant spam.", 1.0)
    if answer is akismet.CheckResponse.SPAM:
        return Verdict("spam", CODE, "Akismet says this is spam.", 1.0)
    return Verdict("pass", CODE, "Akismet says this is not spam.")


def comment_fields(comment: Comment, blog: str) -> tuple[str, akismet.AkismetArguments]:
    """What submit-spam and submit-ham send about a stored comment: (user_ip, the other fields).

    The comment keeps only its writer's network, so user_ip is that network's first address,
    and the user agent and referrer, never stored, are not sent.
    """
    fields: akismet.AkismetArguments = {
        **_site_fields(comment.article, blog),
        **_writer_fields(comment.user, comment.writer_name, comment.writer_email, comment.writer_website),
        "comment_type": "reply" if comment.in_reply_to_id or comment.parent_id else "comment",
        "comment_content": comment.body,
    }
    if comment.created_at is not None:
        fields["comment_date_gmt"] = comment.created_at.isoformat()
    return _network_address(comment.ip_network), fields


class ReportNotSent(Exception):
    """Akismet was not told a verdict; the `akismet.report` task is tried again later."""


def send_report(comment: Comment, is_spam: bool, blog: str = "") -> None:
    """Tell Akismet a moderator's verdict (submit-spam or submit-ham), about the site `blog` when no setting
    names one; raises ReportNotSent when Akismet was not told.

    After Akismet could not be reached, reports are not sent for REPORT_PAUSE_SECONDS.
    """
    import akismet  # noqa: PLC0415 (see _client)

    operation = "submit-spam" if is_spam else "submit-ham"
    state = current_app.extensions.setdefault("akismet", {})
    if time.monotonic() < state.get("reports_paused_until", 0):
        raise ReportNotSent(f"{operation} not sent for comment {comment.id}: Akismet was unreachable just now")
    try:
        blog = blog_url() or blog
        if not blog:
            raise akismet.ConfigurationError("No AKISMET_BLOG_URL or SITE_URL, and no request to take the host from.")
        user_ip, fields = comment_fields(comment, blog)
        with _client(blog) as client:
            (client.submit_spam if is_spam else client.submit_ham)(user_ip, **fields)
    except Exception as error:
        if isinstance(error, akismet.RequestError):
            state["reports_paused_until"] = time.monotonic() + REPORT_PAUSE_SECONDS
        raise ReportNotSent(f"{operation} failed for comment {comment.id}: {type(error).__name__}: {error}") from error


def report_decision(comment: Comment, is_spam: bool) -> bool:
    """Tell Akismet a moderator's verdict now; False, logged, when it was not told (or Akismet is not configured)."""
    if not is_configured():
        return False
    try:
        send_report(comment, is_spam)
    except ReportNotSent as error:
        current_app.logger.warning("Akismet: %s", error)
        return False
    return True


def on_spam_decision(comment: Comment, is_spam: bool, **extra: object) -> None:
    """Queue a report of a moderator's spam verdict, or of a not-spam verdict on a comment that was in spam, in
    the moderator's transaction; it is sent after the answer.

    Approving a comment that was only held is no correction of Akismet, so it is not reported. The site's
    address is kept with the task, since after the answer there is no request to take the host from.
    """
    if not is_configured() or (not is_spam and extra.get("previous") is not CommentStatus.spam):
        return
    enqueue(REPORT_TASK, {"comment_id": comment.id, "is_spam": is_spam, "blog": blog_url()})


def report_from_task(payload: dict[str, Any]) -> None:
    """The `akismet.report` task: tell Akismet the verdict, unless the comment is gone or the key was removed."""
    comment = db.session.get(Comment, int(payload["comment_id"]))
    if comment is not None and is_configured():
        send_report(comment, bool(payload["is_spam"]), str(payload.get("blog") or ""))
