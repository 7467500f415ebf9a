"""Fair consequences for writers, in the services: which rejections count against a writer, which comments
they may still change, and the flood limits in words."""

from datetime import timedelta

import pytest
from limits import parse
from sqlalchemy import select

from app.extensions import db
from app.models import CommentStatus, ModerationEvent
from app.ratelimit import describe_limit
from app.services import moderation
from app.services.comments import Writer, check_can_change, delete_comment
from app.services.errors import ServiceError
from app.services.screening import check_often_rejected
from app.services.settings import CommentRules
from app.services.spam.verdicts import Submission
from tests.factories import make_comment, make_guest

S = CommentStatus.spam
RULES = CommentRules(rejected_percent=30, rejected_min_comments=1, rejected_window=timedelta(days=7))
CAUGHT = CommentRules(blocked_words=("casino",))


@pytest.mark.parametrize(
    ("limit", "noun", "words"),
    [
        ("1 per 15 seconds", "comment", "1 comment every 15 seconds"),
        ("10 per hour", "comment", "10 comments an hour"),
        ("5/minute", "comment", "5 comments a minute"),
        ("1 per minute", "comment", "1 comment a minute"),
        ("3 per 2 hours", "comment", "3 comments every 2 hours"),
        ("100 per day", "comment", "100 comments a day"),
        ("1 per second", "comment", "1 comment a second"),
        ("2 per 10 minutes", "correction request", "2 correction requests every 10 minutes"),
    ],
)
def test_a_limit_reads_as_people_say_it(limit, noun, words):
    assert describe_limit(parse(limit), noun) == words


def _verdict(article, writer: Writer):
    submission = Submission(article, writer.user, writer.email if writer.user is None else writer.user.email, None, "")
    return check_often_rejected(submission, RULES)


def test_the_pipelines_own_verdicts_never_count_even_for_an_account(make_user, make_article):
    # An account's submission event names the account as its actor; it is still the pipeline's verdict.
    article = make_article()
    reader = Writer(user=make_user("reader"))
    caught = make_comment(article, "A casino for you.", reader, rules=CAUGHT)
    submitted = db.session.scalar(select(ModerationEvent).where(ModerationEvent.comment_id == caught.id))
    assert (caught.status, submitted.action, submitted.actor_id) == (S, "submit", reader.user.id)
    make_comment(article, "An honest remark.", reader)
    # The writer deleting their own caught comment moves nothing either.
    delete_comment(caught, by=reader.user)
    verdict = _verdict(article, reader)
    assert (verdict.action, verdict.message) == ("pass", "None of the commenter's recent comments was rejected.")


def test_a_persons_move_into_spam_or_trash_counts_and_a_reversed_one_does_not(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    guest = make_guest()
    marked = make_comment(article, writer=guest)
    reversed_ = make_comment(article, writer=guest)
    moderation.apply(marked, "spam", moderator)
    moderation.apply(reversed_, "trash", moderator, "off_topic")
    moderation.apply(reversed_, "restore", moderator)  # back to approved
    # Caught by the pipeline, then trashed by a moderator: the moderator's decision counts.
    confirmed = make_comment(article, "More casino.", guest, rules=CAUGHT)
    moderation.apply(confirmed, "trash", moderator, "spam")
    # Moved by a person, then edited by a moderator: the edit moves nothing, the spam still counts.
    edited = make_comment(article, writer=guest)
    moderation.apply(edited, "spam", moderator)
    moderation.moderator_edit(edited, "Edited spam.", moderator, CommentRules())
    verdict = _verdict(article, guest)
    assert (verdict.action, verdict.message) == (
        "hold",
        "3 of the commenter's 4 decided comments in the last 7 days were rejected (the limit is 30%).",
    )


def test_the_rejected_share_is_one_query_however_long_the_history(make_user, make_article, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    guest = make_guest()
    for n in range(6):
        comment = make_comment(article, writer=guest)
        moderation.apply(comment, "spam" if n % 2 else "trash", moderator, "other" if n % 2 == 0 else None)
        if n % 3 == 0:
            moderation.apply(comment, "approve", moderator)
    with count_queries() as counted:
        verdict = _verdict(article, guest)
    assert counted.n == 1
    assert verdict.message.startswith("4 of the commenter's 6 decided comments")


def test_a_writer_may_change_their_caught_comment_but_not_a_trashed_or_moderator_edited_one(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    reader = Writer(user=make_user("reader"))
    caught = make_comment(article, "A casino for you.", reader, rules=CAUGHT)
    check_can_change(caught, reader.user, set(), CommentRules())  # no error: as for a held comment
    trashed = make_comment(article, writer=reader, rules=CommentRules(hold_all=True))
    moderation.apply(trashed, "trash", moderator, "abusive")
    with pytest.raises(ServiceError) as raised:
        check_can_change(trashed, reader.user, set(), CommentRules())
    assert (raised.value.status, raised.value.message) == (403, "This comment can no longer be changed.")
    moderation.moderator_edit(caught, "A comment.", moderator, CommentRules())
    with pytest.raises(ServiceError) as raised:
        check_can_change(caught, reader.user, set(), CommentRules())
    assert raised.value.message == "A moderator has edited this comment, so it can no longer be changed."
