"""`flask spam train | retrain | eval | purge`: the classifier's command line."""

from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent, SpamExample, SpamModel
from app.models.types import utcnow
from app.services import moderation
from app.services.comments import Writer, post_comment
from app.services.settings import CommentRules
from app.services.spam.classifier import classify

TRAINING = """content,label
"Check out my channel and subscribe! http://promo.example.com",1
"Please subscribe to my channel, I make music",1
"Free gift cards, visit www.cash.example.net",1
"The second paragraph explains the trade-off well.",0
"I disagree, the figures show the opposite.",0
"""


def _csv(tmp_path, text: str, name: str = "comments.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def _learned() -> tuple:
    """The examples and the model versions, as plain values."""
    examples = db.session.execute(select(SpamExample.origin, SpamExample.is_spam).order_by(SpamExample.id)).all()
    versions = db.session.execute(select(SpamModel.id, SpamModel.kind).order_by(SpamModel.id)).all()
    return [tuple(row) for row in examples], [tuple(row) for row in versions]


def test_train_adds_the_file_as_examples_and_retrains(runner, tmp_path):
    path = _csv(tmp_path, TRAINING)
    before = classify("The second paragraph explains the trade-off well.").probability
    result = runner.invoke(args=["spam", "train", path])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Added 5 examples from {path}: 3 spam, 2 ham.",
        "Model version 1: learned 5 example(s) (3 spam); 0 of them are moderators' decisions.",
    ]
    examples, versions = _learned()
    assert examples == [("file:comments.csv", True)] * 3 + [("file:comments.csv", False)] * 2
    assert versions == [(1, "retrain")]
    assert classify("The second paragraph explains the trade-off well.").probability < before  # learned as ham
    # Training again adds the lines again and makes the next version.
    assert runner.invoke(args=["spam", "train", path]).exit_code == 0
    assert len(_learned()[0]) == 10 and _learned()[1] == [(1, "retrain"), (2, "retrain")]


def test_retrain_rebuilds_from_the_examples(runner, tmp_path):
    result = runner.invoke(args=["spam", "retrain"])
    assert result.exit_code == 0, result.output
    assert result.output == "Model version 1: learned 0 example(s) (0 spam); 0 of them are moderators' decisions.\n"
    runner.invoke(args=["spam", "train", _csv(tmp_path, TRAINING)])
    result = runner.invoke(args=["spam", "retrain"])
    assert result.output.startswith("Model version 3: learned 5 example(s) (3 spam)")


def test_eval_prints_the_classifier_and_the_whole_pipeline_and_changes_nothing(runner, tmp_path):
    runner.invoke(args=["spam", "train", _csv(tmp_path, TRAINING)])
    before = _learned()
    result = runner.invoke(args=["spam", "eval", _csv(tmp_path, TRAINING, "again.csv")])
    assert result.exit_code == 0, result.output
    alone, pipeline = result.output.split("\n\n")
    lines = alone.splitlines()
    assert lines[0] == "The classifier alone"
    assert lines[1] == "comments: 5 (3 spam, 2 ham); caught as spam at probability >= 0.99"
    assert [line.split()[0] for line in lines[2:7]] == ["precision", "recall", "F1", "FP", "held"]
    assert lines[6].startswith("held rate ") and lines[6].endswith("(real comments held for a moderator at >= 0.8)")
    assert lines[7] == "confusion matrix  caught as spam  not caught (of which held)"
    assert lines[8].split()[0] == "spam" and lines[9].split()[:3] == ["ham", "0", "2"]
    lines = pipeline.splitlines()
    assert lines[0] == (
        "The whole pipeline (each line as a new guest's comment; "
        "Akismet, 'hold all' and 'hold new commenters' left out)"
    )
    assert lines[1] == "comments: 5 (3 spam, 2 ham); caught as spam by any check"
    assert "FP rate    0.000   (real comments caught as spam)" in lines
    assert _learned() == before


def test_files_that_cannot_be_used_are_refused_with_a_reason_and_change_nothing(runner, tmp_path):
    cases = [
        (str(tmp_path / "absent.csv"), 2, "does not exist"),
        (_csv(tmp_path, "text,label\nhello,1\n", "columns.csv"), 1, "missing column(s) content (found: text, label)"),
        (_csv(tmp_path, "content\nhello\n", "nolabel.csv"), 1, "missing column(s) label"),
        (_csv(tmp_path, "", "empty.csv"), 1, "missing column(s) content, label (found: none)"),
        (_csv(tmp_path, "content,label\n", "header.csv"), 1, "no comments after the header line"),
        (_csv(tmp_path, "content,label\nfine,0\nbad,spam\n", "labels.csv"), 1, "line 3: label 'spam' is not 1 (spam)"),
        (_csv(tmp_path, "content,label\ncafé,0\n", "latin1.csv", "latin-1"), 1, "not UTF-8 text"),
    ]
    for path, exit_code, message in cases:
        for command in ("train", "eval"):
            result = runner.invoke(args=["spam", command, path])
            assert result.exit_code == exit_code, (command, path, result.output)
            assert message in result.output, (command, path, result.output)
    assert _learned() == ([], [])
    assert db.session.scalar(select(func.count()).select_from(SpamModel)) == 0


def test_purge_deletes_spam_older_than_the_age_given(app, runner, make_user, make_article):
    app.config["SPAM_CLASSIFIER_ENABLED"] = False  # the comments are moved to spam by hand below
    moderator = make_user("moderator")
    article = make_article()

    def spam(body: str, days_old: int) -> int:
        writer = Writer(name="Sam", email=f"sam{days_old}@example.org", ip_network="198.51.100.0/24")
        comment = moderation.apply(post_comment(article, writer, body, CommentRules()), "spam", moderator)
        then = utcnow() - timedelta(days=days_old)
        db.session.execute(update(Comment).where(Comment.id == comment.id).values(created_at=then))
        db.session.execute(
            update(ModerationEvent.__table__).where(ModerationEvent.comment_id == comment.id).values(created_at=then)
        )
        db.session.commit()
        return comment.id

    old, recent = spam("Old spam.", 40), spam("Recent spam.", 10)
    learned = _learned()
    result = runner.invoke(args=["spam", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output == "Purged 1 spam comment(s) older than 30d; kept 0 that still have replies.\n"
    db.session.expire_all()
    assert db.session.get(Comment, old) is None and db.session.get(Comment, recent).status is CommentStatus.spam
    assert _learned() == learned  # the lessons stay when the comments go

    result = runner.invoke(args=["spam", "purge", "--older-than", "264h"])
    assert result.output.startswith("Purged 0 spam comment(s) older than 264h")
    result = runner.invoke(args=["spam", "purge", "--older-than", "9d"])
    assert result.output.startswith("Purged 1 spam comment(s) older than 9d")
    result = runner.invoke(args=["spam", "purge", "--older-than", "soon"])
    assert result.exit_code == 2 and "use a number with d (days), h (hours) or m (minutes)" in result.output
