"""`flask spam train | eval | purge`: the classifier's command line."""

from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent, SpamStats, SpamToken
from app.models.types import utcnow
from app.services import moderation
from app.services.comments import Writer, post_comment
from app.services.settings import CommentRules
from app.services.spam.counts import DatabaseCounts

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
    columns = (SpamToken.token, SpamToken.spam_count, SpamToken.ham_count)
    rows = db.session.execute(select(*columns).order_by(SpamToken.token))
    return DatabaseCounts().documents(), [tuple(row) for row in rows]


def test_train_adds_the_file_to_what_the_site_learned(runner, tmp_path):
    path = _csv(tmp_path, TRAINING)
    result = runner.invoke(args=["spam", "train", path])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Learned 5 comments from {path}: 3 spam, 2 ham, ")
    counts = DatabaseCounts()
    assert counts.documents() == (3, 2)
    assert counts.counts(["cta:subscribe", "domain:promo.example.com", "second", "the"]) == {
        "cta:subscribe": (2, 0),
        "domain:promo.example.com": (1, 0),
        "second": (0, 1),
        "the": (0, 2),
    }
    # Training again adds to the counts rather than replacing them.
    assert runner.invoke(args=["spam", "train", path]).exit_code == 0
    assert counts.documents() == (6, 4) and counts.counts(["cta:subscribe"]) == {"cta:subscribe": (4, 0)}


def test_eval_prints_the_figures_and_changes_nothing(runner, tmp_path):
    runner.invoke(args=["spam", "train", _csv(tmp_path, TRAINING)])
    before = _learned()
    result = runner.invoke(args=["spam", "eval", _csv(tmp_path, TRAINING, "again.csv")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "comments: 5 (3 spam, 2 ham); caught as spam at probability >= 0.975"
    assert [line.split()[0] for line in lines[1:5]] == ["precision", "recall", "F1", "FP"]
    assert "FP rate    0.000" in lines
    assert lines[5] == "confusion matrix  caught as spam  not caught"
    assert lines[6].split()[0] == "spam" and lines[7].split() == ["ham", "0", "2"]
    assert sum(int(n) for n in lines[6].split()[1:]) == 3
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
    assert _learned() == ((0, 0), [])
    assert db.session.scalar(select(func.count()).select_from(SpamStats)) == 0


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
