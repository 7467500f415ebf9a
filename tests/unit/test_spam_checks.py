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
LINKS = CommentRules(min_seconds=0)  # the default link rule
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


def test_many_links_with_little_text_are_held_and_linked_prose_is_not(make_article):
    article = make_article()
    two = post_comment(article, _guest(), "See https://example.org/a and https://example.org/b", LINKS)
    three = post_comment(
        article, _guest(), "See https://example.org/a, https://example.org/b, https://example.org/c", LINKS
    )
    prose = (
        "I checked three sources before writing this, and they agree with the article on the fee but not on "
        "the deadline, which varies more than the article suggests: https://example.org/a says thirty days, "
        "https://example.org/b says sixty, and https://example.org/c says it depends on the county, so check "
        "with the clerk of your own court before you count on either."
    )
    cited = post_comment(article, _guest(), prose, LINKS)
    assert (two.status, cited.status) == (CommentStatus.approved, CommentStatus.approved)
    assert three.status is CommentStatus.pending
    assert three.reasons == [
        {
            "code": "links",
            "message": "3 links, 1 word of its own (held: 3 or more links with fewer than 15 words each).",
            "action": "hold",
            "score": 0.5,
        }
    ]
    off = post_comment(
        article,
        _guest(),
        "Four: https://example.org/1 https://example.org/2 https://example.org/3 https://example.org/4",
        CommentRules(link_limit=0),
    )
    assert off.status is CommentStatus.approved


def test_links_to_many_sites_with_hardly_a_word_are_a_link_farm(make_article):
    article = make_article()
    farm = post_comment(article, _guest(), "Deals https://a.example https://b.example https://c.example", OPEN)
    assert farm.status is CommentStatus.spam
    assert [(r["code"], r["message"]) for r in farm.reasons if r["action"] == "spam"] == [
        ("link_farm", "Links to 3 different sites with only 1 word of its own.")
    ]
    # Encyclopedias and official sources are citations, not a farm.
    cited = post_comment(
        article,
        _guest(),
        "Sources https://en.wikipedia.org/wiki/A https://www.example.gov/b https://law.example.edu/c",
        OPEN,
    )
    assert cited.status is not CommentStatus.spam


@pytest.mark.parametrize(
    "writer, body, reason",
    [
        (
            {},
            "Read more at https://bit.ly/3xYz",
            ("shortener", "Links through a URL shortener (bit.ly), with 3 words of its own."),
        ),
        (
            {"website": "https://tinyurl.com/abc"},
            "Nice post.",
            ("shortener", "Links through a URL shortener (tinyurl.com), with 2 words of its own."),
        ),
        ({"name": "Cheap Watches www.watches.example"}, "Nice post.", ("name", "The name holds a link.")),
        ({"name": "Call 1-844-780-6762 now"}, "Nice post.", ("name", "The name holds a phone number.")),
        ({"name": "Support +44 20 7946 0958"}, "Nice post.", ("name", "The name holds a phone number.")),
        ({"name": "Helpline 18447806762"}, "Nice post.", ("name", "The name holds a phone number.")),
        ({"name": "mail deals@bulk.example"}, "Nice post.", ("name", "The name holds an email address.")),
        (
            {"name": "Shop at deals.com or sales@deals.com"},
            "Nice post.",
            ("name", "The name holds a link and an email address."),
        ),
    ],
)
def test_structural_evidence_is_spam_whatever_the_classifier_learned(make_article, writer, body, reason):
    guest = make_guest(**{"name": "Guest Writer", "email": "guest@example.org", "network": None, **writer})
    comment = post_comment(make_article(), guest, body, OPEN)
    assert comment.status is CommentStatus.spam
    assert [(r["code"], r["message"]) for r in comment.reasons if r["action"] == "spam"] == [reason]


def test_a_long_comment_with_a_shortened_link_is_held_not_binned(make_article):
    body = (
        "If anyone here is interested in genealogy, there is a proposal for a new site about family history "
        "that needs a few more people to commit before it opens; the details are at https://bit.ly/3xYz if you "
        "want to have a look."
    )
    comment = post_comment(make_article(), _guest(), body, OPEN)
    assert comment.status is CommentStatus.pending
    assert [(r["code"], r["action"]) for r in comment.reasons] == [("shortener", "hold")]


def test_ordinary_names_and_numbers_are_not_adverts(make_article):
    article = make_article()
    for name in (
        "Dana Reyes",
        "Best Deals 2026",
        "J. R. R. Tolkien",
        "Anne-Marie O'Neil",
        "reader 41931687",
        "rex1987",
    ):
        guest = make_guest(name, "guest@example.org", network=None)
        assert post_comment(article, guest, f"A fair point from {name}.", OPEN).status is CommentStatus.approved


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
