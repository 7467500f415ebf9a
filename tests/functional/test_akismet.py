"""Akismet against a fake of its HTTP API on 127.0.0.1: the check, its failures, and verdicts sent back."""

import time
from functools import partial

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CommentStatus, ModerationEvent
from app.services import moderation
from app.services.settings import CommentRules
from app.services.spam.akismet import UNAVAILABLE, check_akismet, report_decision
from app.services.spam.verdicts import Submission
from tests.akismet_fake import SPAM_MARKER, VALID_KEY, running_fake, unreachable_url
from tests.factories import make_comment, make_guest, run_tasks

BLOG = "https://blog.example/"
TIMEOUT = 0.5
HELD = CommentRules(hold_all=True)
# A guest's comment, held for a moderator (posted before Akismet matters to the test).
_post = partial(make_comment, writer=make_guest(website="https://gail.example", network="203.0.113.0/24"), rules=HELD)


@pytest.fixture
def fake():
    """A fake Akismet, serving for the length of the test."""
    with running_fake() as server:
        yield server


@pytest.fixture
def akismet_on(app, fake):
    """The app with Akismet configured and pointed at the fake, with a short timeout."""
    app.config.update(AKISMET_KEY=VALID_KEY, AKISMET_API_URL=fake.url, AKISMET_BLOG_URL=BLOG, AKISMET_TIMEOUT=TIMEOUT)
    return app


def _submission(article, body="Thanks, this helped me fix my build.", **details) -> Submission:
    values = {
        "name": "Gail Guest",
        "website": "https://gail.example",
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "referrer": f"{BLOG}articles/{article.slug}",
    }
    values.update(details)
    return Submission(article, None, "gail@example.org", "203.0.113.0/24", body, **values)


# --- comment-check ---------------------------------------------------------------------------


def test_ham_passes_and_akismet_gets_the_comment_and_its_context(akismet_on, fake, make_article):
    article = make_article(title="Build notes")

    verdict = check_akismet(_submission(article), None)

    assert (verdict.action, verdict.code, verdict.message, verdict.score) == (
        "pass",
        "akismet",
        "Akismet says this is not spam.",
        0.0,
    )
    [call] = fake.calls("comment-check")
    assert call.path == "/1.1/comment-check"
    assert call.form == {
        "api_key": VALID_KEY,
        "blog": BLOG,
        "user_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "referrer": f"{BLOG}articles/{article.slug}",
        "permalink": f"{BLOG}articles/{article.slug}",
        "comment_type": "comment",
        "comment_author": "Gail Guest",
        "comment_author_email": "gail@example.org",
        "comment_author_url": "https://gail.example",
        "comment_content": "Thanks, this helped me fix my build.",
        "blog_lang": "en",
        "blog_charset": "UTF-8",
    }
    assert call.headers["User-Agent"].startswith("Afterword | akismet.py/")


@pytest.mark.parametrize(
    "details",
    [
        {"body": f"Cheap pills {SPAM_MARKER}"},
        {"name": "viagra-test-123"},
    ],
    ids=["marker in the text", "Akismet's test author"],
)
def test_spam_is_caught_with_a_certain_score(akismet_on, fake, make_article, details):
    article = make_article()
    body = details.pop("body", "An ordinary sentence.")

    verdict = check_akismet(_submission(article, body, **details), None)

    assert (verdict.action, verdict.code, verdict.message, verdict.score) == (
        "spam",
        "akismet",
        "Akismet says this is spam.",
        1.0,
    )


def test_blatant_spam_akismet_would_discard_is_still_only_caught_as_spam(akismet_on, fake, make_article):
    fake.mode = "discard"

    verdict = check_akismet(_submission(make_article(), f"Buy now {SPAM_MARKER}"), None)

    assert (verdict.action, verdict.message, verdict.score) == ("spam", "Akismet says this is blatant spam.", 1.0)


def test_a_reply_is_sent_as_a_reply(akismet_on, fake, make_article):
    submission = _submission(make_article())
    submission.parent_id = 7  # what the pipeline is to pass for a reply

    check_akismet(submission, None)

    assert fake.calls("comment-check")[0].form["comment_type"] == "reply"


def test_a_slow_akismet_holds_the_comment_within_the_timeout(akismet_on, fake, make_article, caplog):
    fake.mode, fake.delay = "slow", 10
    article = make_article()

    started = time.monotonic()
    verdict = check_akismet(_submission(article), None)
    elapsed = time.monotonic() - started

    assert (verdict.action, verdict.code, verdict.message) == ("hold", "akismet", UNAVAILABLE)
    assert len(fake.calls("comment-check")) == 1
    assert elapsed < TIMEOUT + 1.5
    assert "Akismet comment-check failed, comment held: RequestError: Akismet timed out." in caplog.text


@pytest.mark.parametrize("mode", ["error", "garbage"], ids=["500", "an answer Akismet never gives"])
def test_a_broken_akismet_holds_the_comment(akismet_on, fake, make_article, mode):
    fake.mode = mode

    verdict = check_akismet(_submission(make_article()), None)

    assert (verdict.action, verdict.code, verdict.message) == ("hold", "akismet", UNAVAILABLE)
    assert len(fake.calls("comment-check")) == 1


def test_an_unreachable_akismet_holds_the_comment(akismet_on, make_article):
    akismet_on.config["AKISMET_API_URL"] = unreachable_url()

    verdict = check_akismet(_submission(make_article()), None)

    assert (verdict.action, verdict.message) == ("hold", UNAVAILABLE)


def test_an_invalid_key_holds_the_comment(akismet_on, fake, make_article):
    akismet_on.config["AKISMET_KEY"] = "not-a-real-key"

    verdict = check_akismet(_submission(make_article()), None)

    assert (verdict.action, verdict.message) == ("hold", UNAVAILABLE)
    assert fake.calls("comment-check")[0].form["api_key"] == "not-a-real-key"


def test_without_a_key_akismet_is_never_asked(app, fake, make_article):
    app.config.update(AKISMET_API_URL=fake.url, AKISMET_BLOG_URL=BLOG)

    verdict = check_akismet(_submission(make_article(), f"Cheap pills {SPAM_MARKER}"), None)

    assert (verdict.action, verdict.code, verdict.message) == ("pass", "akismet", "Akismet is not configured.")
    assert fake.requests == []


def test_the_blog_url_falls_back_to_site_url_then_to_the_request_host(akismet_on, fake, make_article):
    article = make_article()
    akismet_on.config["AKISMET_BLOG_URL"] = ""
    with akismet_on.test_request_context("/", base_url="https://comments.example/"):
        check_akismet(_submission(article), None)
        akismet_on.config["SITE_URL"] = "https://site.example/"
        check_akismet(_submission(article), None)

    by_request, by_setting = fake.calls("comment-check")
    assert (by_request.form["blog"], by_request.form["permalink"]) == (
        "https://comments.example/",
        f"https://comments.example/articles/{article.slug}",
    )
    assert (by_setting.form["blog"], by_setting.form["permalink"]) == (
        "https://site.example/",
        f"https://site.example/articles/{article.slug}",
    )


def test_with_no_site_url_known_the_comment_is_held_without_asking(akismet_on, fake, make_article):
    akismet_on.config["AKISMET_BLOG_URL"] = ""

    verdict = check_akismet(_submission(make_article()), None)

    assert (verdict.action, verdict.message) == ("hold", UNAVAILABLE)
    assert fake.requests == []


# --- moderators' verdicts sent back ----------------------------------------------------------


def test_marking_spam_sends_submit_spam_with_what_the_comment_kept(akismet_on, fake, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = _post(article, "Visit my shop for the best deals.")

    moderation.apply(comment, "spam", moderator)
    assert fake.calls("submit-spam") == []  # sent after the answer, by the queued task
    run_tasks()

    [call] = fake.calls("submit-spam")
    assert call.path == "/1.1/submit-spam"
    assert call.form == {
        "api_key": VALID_KEY,
        "blog": BLOG,
        # Only the network is stored: its first address stands in for the writer's.
        "user_ip": "203.0.113.0",
        "permalink": f"{BLOG}articles/{article.slug}",
        "blog_lang": "en",
        "blog_charset": "UTF-8",
        "comment_type": "comment",
        "comment_author": "Gail Guest",
        "comment_author_email": "gail@example.org",
        "comment_author_url": "https://gail.example",
        "comment_content": "Visit my shop for the best deals.",
        "comment_date_gmt": comment.created_at.isoformat(),
    }
    assert fake.calls("submit-ham") == []


def test_not_spam_sends_submit_ham_and_other_moves_send_nothing(akismet_on, fake, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = _post(article)
    moderation.apply(comment, "spam", moderator)

    moderation.apply(comment, "not_spam", moderator)
    moderation.apply(_post(article), "approve", moderator)
    moderation.apply(_post(article), "trash", moderator)
    run_tasks()

    [ham] = fake.calls("submit-ham")
    assert (ham.form["comment_content"], ham.form["user_ip"]) == (comment.body, "203.0.113.0")
    assert len(fake.calls("submit-spam")) == 1


def test_a_reply_is_reported_as_a_reply(akismet_on, fake, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    parent = moderation.apply(_post(article), "approve", moderator)
    reply = make_comment(article, "A reply to that.", make_guest("Rae Reply", "rae@example.org"), HELD, parent=parent)

    moderation.apply(reply, "spam", moderator)
    run_tasks()

    assert fake.calls("submit-spam")[0].form["comment_type"] == "reply"


def test_a_moderators_action_succeeds_when_akismet_is_down(akismet_on, make_user, make_article):
    akismet_on.config["AKISMET_API_URL"] = unreachable_url()
    moderator = make_user("moderator")
    comment = _post(make_article())

    moderation.apply(comment, "spam", moderator)

    assert comment.status is CommentStatus.spam
    events = db.session.scalars(select(ModerationEvent).where(ModerationEvent.comment_id == comment.id)).all()
    assert [event.action for event in events] == ["submit", "spam"]


def test_a_bulk_action_on_a_slow_akismet_waits_for_one_timeout_not_one_per_comment(
    akismet_on, fake, make_user, make_article
):
    moderator = make_user("moderator")
    article = make_article()
    ids = [_post(article).id for _ in range(4)]
    fake.mode, fake.delay = "slow", 10

    started = time.monotonic()
    moved, problems = moderation.apply_many(ids, "spam", moderator)
    report = run_tasks()
    elapsed = time.monotonic() - started

    assert report.count("retry") == 4  # the first timed out, the others wait for Akismet to come back
    assert (len(moved), problems) == (4, [])
    assert all(comment.status is CommentStatus.spam for comment in moved)
    assert len(fake.calls("submit-spam")) == 1
    assert elapsed < TIMEOUT + 1.5


def test_without_a_key_moderators_verdicts_are_not_sent(app, fake, make_user, make_article):
    app.config.update(AKISMET_API_URL=fake.url, AKISMET_BLOG_URL=BLOG)
    moderator = make_user("moderator")
    comment = _post(make_article())

    moderation.apply(comment, "spam", moderator)
    moderation.apply(comment, "not_spam", moderator)

    assert comment.status is CommentStatus.approved
    assert fake.requests == []


def test_a_report_says_whether_akismet_took_it(akismet_on, fake, make_article):
    comment = _post(make_article())

    assert report_decision(comment, is_spam=True) is True
    fake.mode = "error"
    assert report_decision(comment, is_spam=False) is False
    # Posting went through the pipeline, which asked comment-check first.
    assert [call.operation for call in fake.requests] == ["comment-check", "submit-spam", "submit-ham"]


def test_the_pipeline_asks_akismet_and_holds_when_it_is_down(akismet_on, fake, app, make_article):
    article = make_article()
    from app.models import CommentStatus
    from app.services.comments import Writer, post_comment
    from app.services.settings import CommentRules

    caught = post_comment(
        article,
        Writer(name="viagra-test-123", email="x@example.org", ip_address="203.0.113.7"),
        "Buy now.",
        CommentRules(),
    )
    assert caught.status is CommentStatus.spam, caught.reasons
    assert [r["code"] for r in caught.reasons] == ["akismet"]
    app.config["AKISMET_API_URL"] = unreachable_url()
    held = post_comment(
        article,
        Writer(name="Real Reader", email="real@example.org", ip_address="203.0.113.8"),
        "A fair point.",
        CommentRules(),
    )
    assert held.status is CommentStatus.pending
    assert held.reasons == [{"code": "akismet", "message": "spam service unavailable", "action": "hold", "score": 0.0}]


def test_approving_a_held_comment_is_no_correction_for_akismet(akismet_on, fake, make_user, make_article):
    from app.extensions import db
    from app.services import moderation

    comment = _post(make_article())
    comment.reasons = [{"code": "classifier", "message": "Spam probability 93%", "action": "hold", "score": 0.93}]
    db.session.commit()
    before = len(fake.requests)
    moderation.apply(comment, "approve", make_user("moderator"))
    run_tasks()
    assert [call.operation for call in fake.requests[before:]] == []
    moderation.apply(comment, "spam", make_user("moderator"))
    moderation.apply(comment, "not_spam", make_user("moderator"))
    run_tasks()
    assert [call.operation for call in fake.requests[before:]] == ["submit-spam", "submit-ham"]


def test_a_verdict_given_through_the_api_is_reported_after_the_answer_naming_the_requests_host(
    akismet_on, fake, make_user, make_article, token_for
):
    akismet_on.config["AKISMET_BLOG_URL"] = ""  # nor SITE_URL: the request's host is all there is
    comment = _post(make_article())
    client = akismet_on.test_client()

    response = client.post(
        f"/api/v1/moderation/comments/{comment.id}",
        json={"action": "spam"},
        headers=token_for(make_user("moderator")),
        base_url="https://comments.example/",
        buffered=False,
    )
    assert response.status_code == 200 and fake.calls("submit-spam") == []
    response.close()  # the answer is sent: the worker reports it now

    [call] = fake.calls("submit-spam")
    assert call.form["blog"] == "https://comments.example/"


def test_a_report_akismet_failed_is_sent_again_later(akismet_on, fake, make_user, make_article):
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import Task
    from app.models.types import utcnow

    comment = _post(make_article())
    fake.mode = "error"
    moderation.apply(comment, "spam", make_user("moderator"))
    assert run_tasks().outcomes == {"done": 1, "retry": 1}  # the lesson, and the report
    [task] = db.session.scalars(select(Task).where(Task.done_at.is_(None))).all()
    assert task.last_error.startswith(f"ReportNotSent: submit-spam failed for comment {comment.id}: ")

    fake.mode = "normal"
    akismet_on.extensions["akismet"].clear()  # as if the pause after a failure had passed
    db.session.execute(update(Task).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert run_tasks().count("done") == 1
    assert len(fake.calls("submit-spam")) == 2
