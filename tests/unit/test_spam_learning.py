"""Learning from moderators: examples, versions of the model, retraining, and the learning minimum."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, SpamExample, SpamModel
from app.services import moderation
from app.services.settings import CommentRules
from app.services.spam import classifier, storage, training
from app.services.spam.classifier import check_classifier
from app.services.spam.learning import learn, on_spam_decision, site_decisions
from app.services.spam.verdicts import Submission
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, make_app
from tests.factories import HELD, make_comment, make_guest, run_tasks

SPAMMY = "Zebra quokka wombat gallery tickets, this weekend only"


@pytest.fixture
def unscreened(app):
    """Comments reach the queue whatever the classifier thinks of them: these tests are about its learning."""
    app.config["SPAM_CLASSIFIER_ENABLED"] = False


def _versions() -> list[tuple[int, str, int]]:
    rows = db.session.execute(select(SpamModel.id, SpamModel.kind, SpamModel.decisions).order_by(SpamModel.id))
    return [tuple(row) for row in rows]


def _examples() -> list[tuple[int | None, bool, bool]]:
    """(comment, is_spam, superseded) of every example, oldest first."""
    rows = db.session.execute(
        select(SpamExample.comment_id, SpamExample.is_spam, SpamExample.superseded_at).order_by(SpamExample.id)
    )
    return [(comment_id, is_spam, superseded is not None) for comment_id, is_spam, superseded in rows]


def test_a_verdict_is_kept_as_an_example_and_taught_as_a_new_version(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), SPAMMY, make_guest("Deal Maker"), HELD)
    before = classifier.classify(SPAMMY, "Deal Maker").probability
    moderation.apply(comment, "spam", moderator)
    assert comment.trained_as is None and _versions() == []  # learned after the answer, by the queued task
    assert run_tasks().count("done") == 1
    db.session.rollback()  # what the task learned is committed, not merely flushed
    db.session.expire_all()
    assert comment.trained_as == "spam"
    assert _examples() == [(comment.id, True, False)]
    assert _versions() == [(1, "lesson", 1)]
    assert site_decisions() == 1
    spam_after = classifier.classify(SPAMMY, "Deal Maker").probability
    assert spam_after > before + 0.2

    moderation.apply(comment, "not_spam", moderator)  # reversed: superseded, and leaning the other way
    run_tasks()
    assert comment.trained_as == "ham"
    assert _examples() == [(comment.id, True, True), (comment.id, False, False)]
    assert _versions() == [(1, "lesson", 1), (2, "lesson", 1)]  # still one decision about one comment
    assert classifier.classify(SPAMMY, "Deal Maker").probability < spam_after - 0.2


def test_trashing_and_restoring_teach_nothing_and_a_verdict_is_learned_once(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Subscribe to my channel please")  # published at once
    moderation.apply(comment, "trash", moderator, "other")
    moderation.apply(comment, "restore", moderator)
    assert comment.trained_as is None and _versions() == [] and _examples() == []

    moderation.apply(comment, "spam", moderator)
    run_tasks()
    learned = _versions()
    moderation.apply(comment, "trash", moderator, "spam")
    moderation.apply(comment, "restore", moderator)  # back to spam: nothing new about the text
    on_spam_decision(comment, is_spam=True, previous=None)
    db.session.commit()
    assert run_tasks().ran == 0  # the verdict it has already taught is not even queued
    learn(comment, is_spam=True)  # nor learned again when asked directly
    db.session.commit()
    assert _versions() == learned == [(1, "lesson", 1)]


def test_a_bulk_action_learns_from_every_comment(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comments = [make_comment(article, f"Check out my channel number {n}", rules=HELD) for n in range(3)]
    moved, problems = moderation.apply_many([c.id for c in comments], "spam", moderator)
    assert len(moved) == 3 and problems == []
    assert run_tasks().count("done") == 3
    assert [c.trained_as for c in comments] == ["spam"] * 3
    assert [decisions for _, _, decisions in _versions()] == [1, 2, 3]


def test_old_versions_are_pruned_and_the_newest_kept(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    for n in range(storage.KEEP_VERSIONS + 3):
        moderation.apply(make_comment(article, f"Cheap offer number {n}", rules=HELD), "spam", moderator)
    run_tasks()
    ids = [version for version, _, _ in _versions()]
    newest = storage.KEEP_VERSIONS + 3
    assert ids == list(range(newest - storage.KEEP_VERSIONS, newest + 1))


def test_retraining_learns_each_comments_latest_verdict_from_the_shipped_model(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    spam = [make_comment(article, f"Discount watches at deals number {n}, order today", rules=HELD) for n in range(3)]
    reversed_one = make_comment(article, "Discount watches, a hobby of mine since school", rules=HELD)
    for comment in [*spam, reversed_one]:
        moderation.apply(comment, "spam", moderator)
    run_tasks()
    moderation.apply(reversed_one, "not_spam", moderator)
    run_tasks()
    result = training.retrain()
    assert (result.version, result.examples, result.spam, result.decisions, result.replayed) == (6, 4, 3, 4, 0)
    assert _versions()[-1] == (6, "retrain", 4)
    _, model = storage.current_model()
    assert model.examples_through == db.session.scalar(select(func.max(SpamExample.id)))
    assert training.retrain().version == 7  # retraining again changes nothing but the version


def test_verdicts_given_while_a_retraining_runs_are_taught_on_top(unscreened, make_user, make_article, monkeypatch):
    moderator = make_user("moderator")
    article = make_article()
    first, late = (make_comment(article, text, rules=HELD) for text in ("Cheap pills here", "Cheap pills there"))
    moderation.apply(first, "spam", moderator)
    run_tasks()
    fitting = training.calibrated

    def slow_fit(*args, **kwargs):
        model = fitting(*args, **kwargs)
        moderation.apply(late, "spam", moderator)  # a moderator acts while the model is being fitted
        run_tasks()
        return model

    monkeypatch.setattr(training, "calibrated", slow_fit)
    result = training.retrain()
    assert (result.examples, result.replayed, result.decisions) == (1, 1, 2)
    assert _versions()[-1] == (3, "retrain", 2)


def test_every_process_scores_with_the_newest_version_without_a_restart(app_with, tmp_path, make_user, make_article):
    """Two apps on one database, as two server processes: what one learns, the other uses at its next score."""
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    with app_with(SQLALCHEMY_DATABASE_URI=url, SPAM_CLASSIFIER_ENABLED=False):
        moderator = make_user("moderator")
        article_id = make_article().id
        other = make_app(SQLALCHEMY_DATABASE_URI=url)
        with other.app_context():
            before = classifier.classify(SPAMMY).probability
            db.session.remove()
        comment = make_comment(db.session.get(Article, article_id), SPAMMY, rules=HELD)
        moderation.apply(comment, "spam", moderator)
        run_tasks()
        with other.app_context():
            learned = classifier.classify(SPAMMY).probability
            db.session.remove()
        assert learned > before + 0.2
        training.retrain()
        with other.app_context():
            assert storage.current_model()[0] == storage.newest_version() == 2
            db.session.remove()
            db.engine.dispose()  # the other process's connections, closed before the database is emptied


# --- the learning minimum --------------------------------------------------------------------


def _submission(article, body: str) -> Submission:
    return Submission(article, None, "gail@example.org", "198.51.100.0/24", body, name="Gail")


def test_content_alone_only_holds_until_the_site_has_decided_enough(app_with, make_user, make_article):
    rules = CommentRules(spam_at=0.9, hold_at=0.5, min_decisions=2)
    spammy = "Check out my new channel and subscribe! http://bit.ly/abc"
    with app_with(SPAM_CLASSIFIER_ENABLED=True):
        article = make_article()
        held = check_classifier(_submission(article, spammy), rules)
        assert (held.action, held.code) == ("hold", "classifier") and held.score >= 0.9
        assert "Held, not caught" in held.message and "(so far 0)" in held.message

        moderator = make_user("moderator")
        for n in range(2):
            comment = make_comment(article, f"Cheap offer number {n}", rules=HELD)
            moderation.apply(comment, "spam", moderator)
        run_tasks()
        caught = check_classifier(_submission(article, spammy), rules)
        assert (caught.action, caught.code) == ("spam", "classifier")
        assert caught.message.startswith(f"Spam probability {caught.score:.1%} (strongest signs of spam: ")

        ordinary = check_classifier(_submission(article, "The second paragraph explains the fees well."), rules)
        assert ordinary.action == "pass" and ordinary.score < 0.5


def test_the_check_can_be_switched_off(app_with, make_article):
    with app_with(SPAM_CLASSIFIER_ENABLED=False):
        verdict = check_classifier(_submission(make_article(), SPAMMY), CommentRules())
    assert (verdict.action, verdict.code, verdict.score) == ("pass", "classifier", 0.0)
