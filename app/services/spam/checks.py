"""Rule-based spam checks. Each returns a Verdict saying what it found and why; none of them stores anything."""

import re
import time
import unicodedata
from collections.abc import Sequence

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import Comment
from app.services.settings import CommentRules
from app.services.spam.verdicts import Submission, Verdict

HONEYPOT_FIELD = "homepage"
TIMESTAMP_FIELD = "form_ts"
RELOAD = "This form has expired or was changed. Please reload the page and post again; your text is kept below."
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_LINK = re.compile(r"<a\s", re.IGNORECASE)


def fold_for_matching(text: str | None) -> str:
    """Text as word lists see it: NFKC, case-folded, zero-width characters removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _ZERO_WIDTH.sub("", text).casefold()
    return " ".join(text.split())


def _signer() -> URLSafeTimedSerializer:
    # create_app always sets SECRET_KEY (generating one if need be); Flask's type allows an app without one.
    key = current_app.secret_key
    if key is None:
        raise RuntimeError("SECRET_KEY is not set, so page forms cannot be signed.")
    return URLSafeTimedSerializer(key, salt="afterword.comment-form-time")


def form_timestamp() -> str:
    """A signed 'the form was shown now' value for the page form's hidden field."""
    return _signer().dumps(int(time.time()))


def check_honeypot(submission: Submission, rules: CommentRules) -> Verdict:
    """A field hidden from people: only robots fill it in."""
    if submission.form is None:
        return Verdict("pass", "honeypot", "Not a page form.")
    if (submission.form.get(HONEYPOT_FIELD) or "").strip():
        return Verdict("spam", "honeypot", "The hidden field that people never see was filled in.", 1.0)
    return Verdict("pass", "honeypot", "The hidden field was left empty.")


def check_timing(submission: Submission, rules: CommentRules) -> Verdict:
    """Page forms carry a signed time: too fast is held, tampered or stale is refused."""
    if submission.form is None or rules.min_seconds <= 0:
        return Verdict("pass", "timing", "No timing check for this submission.")
    token = submission.form.get(TIMESTAMP_FIELD) or ""
    try:
        shown_at = _signer().loads(token, max_age=rules.form_max_age_hours * 3600)
    except BadSignature:  # also SignatureExpired
        return Verdict("reject", "timing", RELOAD)
    elapsed = time.time() - float(shown_at)
    if elapsed < rules.min_seconds:
        return Verdict(
            "hold",
            "timing",
            f"Sent {elapsed:.1f} s after the form was shown; people take at least {rules.min_seconds} s.",
            0.5,
        )
    return Verdict("pass", "timing", f"Sent {elapsed:.0f} s after the form was shown.")


def check_duplicate(submission: Submission, rules: CommentRules) -> Verdict:
    """The same text from the same writer on the same article is refused."""
    writer = (
        Comment.user_id == submission.user.id
        if submission.user is not None
        else Comment.writer_email == submission.email
    )
    bodies = db.session.scalars(
        select(Comment.body).where(Comment.article_id == submission.article.id, writer, Comment.deleted_at.is_(None))
    )
    mine = fold_for_matching(submission.body)
    if any(fold_for_matching(body) == mine for body in bodies):
        return Verdict("reject", "duplicate", "You already said that on this article.")
    return Verdict("pass", "duplicate", "Not a repeat.")


def check_links(submission: Submission, rules: CommentRules) -> Verdict:
    """Many links in one comment are held for a look (WordPress holds at two)."""
    count = len(_LINK.findall(submission.html or ""))
    if rules.link_limit > 0 and count >= rules.link_limit:
        return Verdict("hold", "links", f"{count} links (comments with {rules.link_limit} or more are held).", 0.5)
    return Verdict("pass", "links", f"{count} link{'s' if count != 1 else ''}.")


def _matches(words: Sequence[str], haystack: str) -> list[str]:
    found = []
    for word in words:
        needle = fold_for_matching(word)
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            found.append(word)
    return found


def _haystack(submission: Submission) -> str:
    return fold_for_matching(
        " \n ".join([submission.body, submission.name, submission.email, submission.website or ""])
    )


def check_blocked_words(submission: Submission, rules: CommentRules) -> Verdict:
    """Words the site never wants: caught as spam."""
    found = _matches(rules.blocked_words, _haystack(submission))
    if found:
        return Verdict("spam", "blocked_words", f"Contains blocked words: {', '.join(found)}.", 1.0)
    return Verdict("pass", "blocked_words", "No blocked words.")


def check_moderation_words(submission: Submission, rules: CommentRules) -> Verdict:
    """Words that need a second look: held."""
    found = _matches(rules.moderation_words, _haystack(submission))
    if found:
        return Verdict("hold", "moderation_words", f"Contains words held for moderation: {', '.join(found)}.", 0.5)
    return Verdict("pass", "moderation_words", "No words held for moderation.")
