"""The rule-based spam checks, one by one, and how the pipeline combines them."""

import time
from functools import partial

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommentStatus
from app.services.comments import Writer, post_comment
from app.services.errors import ServiceError
from app.services.settings import CommentRules
from app.services.spam import checks
from app.services.spam.checks import HONEYPOT_FIELD, TIMESTAMP_FIELD
from app.services.spam.verdicts import Submission
from tests.factories import make_guest

OPEN = CommentRules(min_seconds=0, link_limit=2)
_guest = partial(make_guest, "Guest Writer", "guest@example.org", network=None)


def _submission(article, body="Plain words.", **extra) -> Submission:
    return Submission(article, None, "reader@example.org", "127.0.0.0/24", body, **extra)


def _rows() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("V\u200bI\u200dA\u00adGRA", "viagra"),
        ("ＦＲＥＥ  money", "free money"),
        ("Straße", "strasse"),
        ("  Mixed\tCASE\nlines ", "mixed case lines"),
    ],
)
def test_fold_for_matching_undoes_simple_disguises(text, expected):
    assert checks.fold_for_matching(text) == expected


def test_honeypot_only_for_page_forms(make_article):
    article = make_article()
    assert checks.check_honeypot(_submission(article), OPEN).action == "pass"
    assert checks.check_honeypot(_submission(article, form={HONEYPOT_FIELD: ""}), OPEN).action == "pass"
    verdict = checks.check_honeypot(_submission(article, form={HONEYPOT_FIELD: "http://spam.example"}), OPEN)
    assert (verdict.action, verdict.code, verdict.score) == ("spam", "honeypot", 1.0)


def test_timing_holds_fast_forms_and_refuses_tampered_or_stale_ones(app, make_article, monkeypatch):
    article = make_article()
    rules = CommentRules(min_seconds=3, form_max_age_hours=1)
    fresh = checks.form_timestamp()
    fast = checks.check_timing(_submission(article, form={TIMESTAMP_FIELD: fresh}), rules)
    assert (fast.action, fast.code) == ("hold", "timing") and "people take at least 3 s" in fast.message
    later = time.time() + 10
    monkeypatch.setattr(checks.time, "time", lambda: later)
    assert checks.check_timing(_submission(article, form={TIMESTAMP_FIELD: fresh}), rules).action == "pass"
    for bad in ["", "not-a-token", fresh[:-2] + "xx"]:
        verdict = checks.check_timing(_submission(article, form={TIMESTAMP_FIELD: bad}), rules)
        assert (verdict.action, verdict.message) == ("reject", checks.RELOAD)
    much_later = time.time() + 2 * 3600
    monkeypatch.setattr(checks.time, "time", lambda: much_later)
    assert checks.check_timing(_submission(article, form={TIMESTAMP_FIELD: fresh}), rules).action == "reject"


def test_timing_is_off_for_the_api_and_when_set_to_zero(make_article):
    article = make_article()
    assert checks.check_timing(_submission(article), CommentRules(min_seconds=3)).action == "pass"
    assert (
        checks.check_timing(_submission(article, form={TIMESTAMP_FIELD: ""}), CommentRules(min_seconds=0)).action
        == "pass"
    )


def test_a_duplicate_is_refused_and_nothing_is_stored(make_article):
    article = make_article()
    post_comment(article, _guest(), "I said this once.", OPEN)
    with pytest.raises(ServiceError) as raised:
        post_comment(article, _guest(), "  i SAID this once. ", OPEN)
    assert (raised.value.status, raised.value.code, raised.value.field) == (409, "duplicate", "body")
    assert raised.value.message == "You already said that on this article."
    assert _rows() == 1
    # Someone else may say it, and so may the same writer on another article.
    post_comment(article, Writer(name="Other", email="other@example.org"), "I said this once.", OPEN)
    post_comment(make_article(), _guest(), "I said this once.", OPEN)
    assert _rows() == 3


def test_links_hold_at_the_limit(make_article):
    article = make_article()
    one = post_comment(article, _guest(), "See https://example.org/a", OPEN)
    two = post_comment(article, _guest(), "See https://example.org/a and https://example.org/b", OPEN)
    assert one.status is CommentStatus.approved
    assert two.status is CommentStatus.pending
    assert two.reasons == [
        {"code": "links", "message": "2 links (comments with 2 or more are held).", "action": "hold", "score": 0.5}
    ]
    off = post_comment(
        article,
        _guest(),
        "Four: https://a.example https://b.example https://c.example https://d.example",
        CommentRules(link_limit=0),
    )
    assert off.status is CommentStatus.approved


@pytest.mark.parametrize(
    "writer, body",
    [
        ({}, "Buy cheap v\u200biagra here"),
        ({}, "CHEAP ＶＩＡＧＲＡ"),
        ({"name": "Viagra Seller"}, "Hello there"),
        ({"email": "viagra@example.org"}, "Hello there"),
        ({"website": "https://viagra.example"}, "Hello there"),
    ],
)
def test_blocked_words_catch_disguises_in_every_field(make_article, writer, body):
    rules = CommentRules(blocked_words=("viagra",))
    details = {"name": "Guest", "email": "guest@example.org"} | writer
    comment = post_comment(make_article(), Writer(**details), body, rules)
    assert comment.status is CommentStatus.spam
    assert comment.reasons[0]["code"] == "blocked_words" and "viagra" in comment.reasons[0]["message"]


def test_words_match_whole_words_only(make_article):
    rules = CommentRules(moderation_words=("ass", "small claims"))
    article = make_article()
    fine = post_comment(article, _guest(), "A classic assessment of the class.", rules)
    held = post_comment(article, _guest(), "Small  Claims court is fine.", rules)
    assert fine.status is CommentStatus.approved
    assert held.status is CommentStatus.pending and held.reasons[0]["code"] == "moderation_words"


def test_spam_beats_hold_and_every_reason_is_kept(make_article):
    rules = CommentRules(blocked_words=("casino",), moderation_words=("bonus",), link_limit=1)
    comment = post_comment(make_article(), _guest(), "casino bonus https://casino.example", rules)
    assert comment.status is CommentStatus.spam
    assert [reason["code"] for reason in comment.reasons] == ["links", "blocked_words", "moderation_words"]


def test_staff_skip_the_rules_but_not_the_refusals(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    rules = CommentRules(blocked_words=("casino",), link_limit=1)
    comment = post_comment(article, Writer(user=moderator), "Casino links https://casino.example are removed.", rules)
    assert comment.status is CommentStatus.approved
    with pytest.raises(ServiceError):
        post_comment(article, Writer(user=moderator), "Casino links https://casino.example are removed.", rules)
