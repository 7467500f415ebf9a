"""Rule-based spam checks. Each returns a Verdict saying what it found and why; none of them stores anything."""

import re
import time
from collections.abc import Sequence
from typing import cast

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select

from app.extensions import db
from app.folding import fold_for_matching, matching_key
from app.models import Comment
from app.services.settings import CommentRules
from app.services.spam.markup import Plain, markup_free, readable_text
from app.services.spam.signs import EMAIL, URL, host_of, is_reference, is_shortener, site_of, words_of
from app.services.spam.verdicts import Submission, Verdict

HONEYPOT_FIELD = "homepage"
TIMESTAMP_FIELD = "form_ts"
RELOAD = "This form has expired or was changed. Please reload the page and post again; your text is kept below."
_HREF = re.compile(r"""<a\s[^>]*?href=["']([^"']*)["']""", re.IGNORECASE)
# A comment with link_limit links or more is held when it has fewer words of its own than this per link.
OWN_WORDS_PER_LINK = 15
# A link farm: links to this many different sites (references aside) with fewer words of its own per link.
FARM_SITES = 3
FARM_WORDS_PER_LINK = 5
# A shortened link in a comment with fewer words of its own than this is spam; in a longer one, held.
SHORTENER_SPAM_WORDS = 30
_NAME_ADVERTS = [
    ("a link", URL),
    ("an email address", EMAIL),
    # International (+44 20 …), grouped (1-844-780-6762, (020) 7946 0958) or ten digits or more in a row; a
    # username's number (rex1987, reader 41931687) is none of these.
    ("a phone number", re.compile(r"\+\d[\d\s().-]{6,}\d|\(?\d{2,4}\)?[\s.-]+\d{2,4}[\s.-]+\d{3,4}\b|\d{10,}")),
]


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


# The duplicate check's query for each kind of writer, built once: comments keep the digest of their folded
# text (Comment.body_key), so it is one indexed lookup. A statement on the table, not the mapped class: it loads no
# objects, so the session runs it without the ORM's work on each execution.
_COMMENTS = Comment.__table__.c
_SAME_TEXT = {
    by_account: select(_COMMENTS.id)
    .where(
        _COMMENTS.article_id == bindparam("article"),
        _COMMENTS.body_key == bindparam("key"),
        (_COMMENTS.user_id if by_account else _COMMENTS.writer_email) == bindparam("writer"),
        _COMMENTS.deleted_at.is_(None),
    )
    .limit(1)
    for by_account in (True, False)
}


def body_key(submission: Submission) -> str:
    """The digest of the text as the duplicate check compares it (folding.matching_key): the check reads it, and the
    comment keeps it (Comment.body_key), so it is worked out once."""
    found = submission.worked_out.get("body_key")
    if found is None:
        found = submission.worked_out["body_key"] = matching_key(submission.body)
    return cast(str, found)


def check_duplicate(submission: Submission, rules: CommentRules) -> Verdict:
    """The same text from the same writer on the same article is refused."""
    user = submission.user
    parameters = {
        "article": submission.article.id,
        "key": body_key(submission),
        "writer": user.id if user is not None else submission.email,
    }
    if db.session.scalar(_SAME_TEXT[user is not None], parameters) is not None:
        return Verdict("reject", "duplicate", "You already said that on this article.")
    return Verdict("pass", "duplicate", "Not a repeat.")


def plain_words(submission: Submission) -> tuple[Plain, list[str]]:
    """The text without its markup (spam.markup) and its words as the classifier counts them (signs.words_of): the
    link checks and the classifier read them, so they are worked out once."""
    found = submission.worked_out.get("plain_words")
    if found is None:
        plain = markup_free(submission.body)
        found = submission.worked_out["plain_words"] = (plain, words_of(plain.text))
    return cast(tuple[Plain, list[str]], found)


def _links(submission: Submission) -> tuple[tuple[str, ...], int]:
    """The hosts the comment links to (as shown: rendered and sanitised), and how many words it has of its own
    (a link's text counts, its address does not). Three checks read them; they are worked out once."""
    found = submission.worked_out.get("links")
    if found is None:
        hosts = tuple(host for host in (host_of(href) for href in _HREF.findall(submission.html or "")) if host)
        found = submission.worked_out["links"] = (hosts, len(plain_words(submission)[1]))
    return cast(tuple[tuple[str, ...], int], found)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_links(submission: Submission, rules: CommentRules) -> Verdict:
    """Many links with little text of their own are held for a look; long comments citing sources are not."""
    hosts, words = _links(submission)
    count = len(hosts)
    summary = f"{_plural(count, 'link')}, {_plural(words, 'word')} of its own"
    if rules.link_limit > 0 and count >= rules.link_limit and words < OWN_WORDS_PER_LINK * count:
        return Verdict(
            "hold",
            "links",
            f"{summary} (held: {rules.link_limit} or more links with fewer than {OWN_WORDS_PER_LINK} words each).",
            0.5,
        )
    return Verdict("pass", "links", f"{summary}.")


def check_link_farm(submission: Submission, rules: CommentRules) -> Verdict:
    """Links to several unrelated sites with hardly a word of its own: a link farm, caught as spam."""
    hosts, words = _links(submission)
    sites = {site_of(host) for host in hosts if not is_reference(host)}
    if len(sites) >= FARM_SITES and words < FARM_WORDS_PER_LINK * len(hosts):
        return Verdict(
            "spam",
            "link_farm",
            f"Links to {len(sites)} different sites with only {_plural(words, 'word')} of its own.",
            1.0,
        )
    return Verdict("pass", "link_farm", f"Links to {_plural(len(sites), 'other site')}.")


def check_shortener(submission: Submission, rules: CommentRules) -> Verdict:
    """A link through a URL shortener hides where it leads: caught as spam in a short comment; a long one is held
    for a person to see where it goes."""
    hosts, words = _links(submission)
    if submission.website:
        hosts = (*hosts, host_of(submission.website) or "")
    hidden = sorted({host for host in hosts if is_shortener(host)})
    if not hidden:
        return Verdict("pass", "shortener", "No URL shorteners.")
    message = f"Links through a URL shortener ({', '.join(hidden)}), with {_plural(words, 'word')} of its own."
    if words < SHORTENER_SPAM_WORDS:
        return Verdict("spam", "shortener", message, 1.0)
    return Verdict("hold", "shortener", message, 0.5)


def check_name(submission: Submission, rules: CommentRules) -> Verdict:
    """A link, an email address or a phone number in the writer's name is advertising: caught as spam."""
    name = readable_text(submission.name)
    found = [what for what, pattern in _NAME_ADVERTS if pattern.search(name)]
    if found:
        return Verdict("spam", "name", f"The name holds {' and '.join(found)}.", 1.0)
    return Verdict("pass", "name", "An ordinary name.")


def _matches(words: Sequence[str], haystack: str) -> list[str]:
    found = []
    for word in words:
        needle = fold_for_matching(word)
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            found.append(word)
    return found


def _haystack(submission: Submission) -> str:
    """Everything the writer sent, folded, for the word lists (both lists read it; it is folded once)."""
    found = submission.worked_out.get("haystack")
    if found is None:
        found = submission.worked_out["haystack"] = fold_for_matching(
            " \n ".join([submission.body, submission.name, submission.email, submission.website or ""])
        )
    return cast(str, found)


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
