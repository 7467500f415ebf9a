"""`Comment.visible_replies`, the count that lets a page decide which removed comments leave a placeholder without
reading the whole discussion, stays equal to what it counts through every way a comment changes."""

import random
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentStatus
from app.services import moderation
from app.services.comments import delete_comment
from app.services.errors import ServiceError
from app.services.settings import CommentRules
from tests.factories import make_comment, make_guest, recount_visible_replies

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
DEEP = CommentRules(max_depth=3)


def _assert_counts_hold() -> None:
    wrong = {cid: pair for cid, pair in recount_visible_replies().items() if pair[0] != pair[1]}
    assert wrong == {}


def test_posting_past_the_depth_limit_counts_the_comment_answered_beside(app, make_article):
    article = make_article()
    chain = [make_comment(article, "Top.", rules=DEEP)]
    for number in range(5):
        chain.append(make_comment(article, f"Reply {number}.", rules=DEEP, parent=chain[-1]))
    _assert_counts_hold()
    db.session.expire_all()
    assert [db.session.get(Comment, c.id).visible_replies for c in chain] == [5, 4, 1, 1, 1, 0]


def test_the_counts_follow_every_change_of_a_comment(app, make_article, make_user):
    moderator, author = make_user("moderator"), make_user("author")
    article = make_article(author=author)
    randomly = random.Random(13)
    comments: list[Comment] = []
    for step in range(120):
        live = [c for c in comments if c.is_public]
        choice = randomly.random()
        if choice < 0.45 or not live:
            parent = randomly.choice(live) if live and randomly.random() < 0.8 else None
            rules = CommentRules(max_depth=3, hold_all=randomly.random() < 0.15)
            writer = make_guest(email=f"w{step}@example.org")
            comments.append(make_comment(article, f"Comment {step}.", writer, rules, parent))
        elif choice < 0.55:
            delete_comment(randomly.choice(live))
        elif choice < 0.65:
            moderation.flag_comment(
                randomly.choice(live), f"user:{step}", "abusive", None, CommentRules(flag_threshold=1)
            )
        else:
            target = randomly.choice(comments)
            actor = author if randomly.random() < 0.5 else moderator
            action = randomly.choice(["approve", "spam", "trash", "restore", "not_spam"])
            try:
                moderation.apply(target, action, actor, "other" if action == "trash" else None)
            except ServiceError:  # a move the states or the author's rights refuse: nothing changed
                db.session.rollback()
        _assert_counts_hold()
    assert any(c.removed_by_author for c in comments) and any(c.visible_replies for c in comments)


def test_a_purge_leaves_the_counts_right(app, make_article, make_user):
    moderator = make_user("moderator")
    article = make_article()
    top = make_comment(article, "Top.")
    reply = make_comment(article, "Reply.", parent=top)
    answer = make_comment(article, "Answer.", parent=reply)
    spam = make_comment(article, "Spam reply.", parent=top)
    moderation.apply(spam, "spam", moderator)
    moderation.apply(reply, "trash", moderator, "other")
    moderation.purge(S, timedelta(0))
    moderation.purge(T, timedelta(0))  # kept: it has a reply
    _assert_counts_hold()
    assert set(db.session.scalars(select(Comment.id))) == {top.id, reply.id, answer.id}
