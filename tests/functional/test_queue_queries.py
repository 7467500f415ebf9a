"""The moderation queues' queries, rewritten to be answered from indexes on a million comments
(docs/performance.md, "A million comments"): they hold the same comments as the plain reading of each queue,
a search reads the newest SEARCH_WINDOW comments of the queue only, and the tab counts are one statement."""

import random
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentStatus, Flag
from app.models.types import utcnow
from app.services import moderation
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import HELD, make_comment, make_guest

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
NEVER_HIDE = CommentRules(flag_threshold=100)


def _expected(queue, user, article=None, search=None):
    """The queue as the desk defines it, read the slow way: every comment, filtered in Python, newest first."""
    open_flags = set(db.session.scalars(select(Flag.comment_id).where(Flag.resolved_at.is_(None))))
    recent = utcnow().timestamp() - 30 * 86400
    chosen = []
    for comment in db.session.scalars(select(Comment)):
        if queue == "flagged":
            inside = comment.id in open_flags
        else:
            inside = comment.status is CommentStatus(queue)
            if queue == "approved":
                inside = inside and comment.created_at.timestamp() >= recent
        if user.role.value not in {"moderator", "admin"}:
            inside = inside and comment.article.author_id == user.id
        if article is not None:
            inside = inside and comment.article_id == article.id
        if inside:
            chosen.append(comment)
    chosen.sort(key=lambda c: (c.created_at, c.id), reverse=True)
    if search:
        term = search.lower()
        window = chosen[: moderation.SEARCH_WINDOW]
        chosen = [c for c in window if term in c.body.lower() or term in c.writer_name.lower()]
    return [c.id for c in chosen]


@pytest.fixture
def mixed(make_user, make_article):
    """Comments in every queue on two authors' articles, some flagged, some old, some carrying "cat"."""
    moderator = make_user("moderator")
    author = make_user("author")
    mine, theirs = make_article(author=author), make_article()
    rng = random.Random(14)
    for number in range(40):
        article = rng.choice([mine, theirs])
        body = f"{rng.choice(['A cat here', 'Dogs there', 'Nothing'])} ({number})."
        name = rng.choice(["Cathy", "Sam", "Lee"])
        status = rng.choice([None, P, S, T])
        comment = make_comment(
            article, body, make_guest(name, f"w{number}@example.org"), moderator=moderator, status=status
        )
        if status is None and rng.random() < 0.3:
            moderation.flag_comment(comment, f"user:{number}", "other", None, NEVER_HIDE)
        if rng.random() < 0.2:
            comment.created_at = utcnow().replace(year=utcnow().year - 1)
    flagged = [c for c in db.session.scalars(select(Comment)) if c.status is A][:2]
    moderation.flag_comment(flagged[0], "user:900", "other", None, NEVER_HIDE)
    moderation.dismiss_flags(flagged[0], moderator)  # resolved: out of the flagged queue
    db.session.commit()
    return moderator, author, mine


@pytest.mark.parametrize("queue", moderation.QUEUES)
def test_each_queue_holds_what_its_definition_says_in_every_scope(mixed, queue):
    moderator, author, mine = mixed
    for user, article, search in [
        (moderator, None, None),
        (author, None, None),
        (moderator, mine, None),
        (moderator, None, "cat"),
        (author, mine, "CAT"),
    ]:
        found = [c.id for c in db.session.scalars(moderation.queue_query(queue, user, article, search))]
        assert found == _expected(queue, user, article, search)
        assert moderation.queue_counts(user, article, search)[queue] == len(found)
    assert moderation.pending_count(author) == len(_expected("pending", author))


def test_a_search_reads_the_newest_comments_of_the_queue_only(app, make_article, make_user, monkeypatch):
    moderator = make_user("moderator")
    article = make_article()
    cats = [make_comment(article, f"A cat ({n}).", rules=HELD) for n in range(3)]
    newer = [make_comment(article, f"A dog ({n}).", rules=HELD) for n in range(2)]
    monkeypatch.setattr(moderation, "SEARCH_WINDOW", 3)

    found = [c.id for c in db.session.scalars(moderation.queue_query("pending", moderator, search="cat"))]
    assert found == [cats[2].id]  # the window is the dogs and the newest cat
    assert moderation.queue_counts(moderator, search="cat")["pending"] == 1
    monkeypatch.setattr(moderation, "SEARCH_WINDOW", 5)
    found = [c.id for c in db.session.scalars(moderation.queue_query("pending", moderator, search="cat"))]
    assert found == [c.id for c in reversed(cats)] and len(newer) == 2


def test_the_tab_counts_are_one_statement_whatever_the_queues_hold(mixed, count_queries):
    moderator, author, mine = mixed
    for user, article in [(moderator, None), (author, None), (moderator, mine)]:
        assert user.role and (article is None or article.id)  # loaded beforehand, as on a request
        with count_queries() as counted:
            moderation.queue_counts(user, article)
        assert counted.n == 1


def _desk(app, user, path):
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser.get(path).get_data(as_text=True)


def test_a_searched_desk_counts_the_queue_shown_and_no_other(app, make_user, make_article, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    for number in range(3):
        make_comment(article, f"A cat ({number}).", rules=HELD)
    make_comment(article, "A dog.", rules=HELD)
    make_comment(article, "Cat spam.", status=S, moderator=moderator)

    html = _desk(app, moderator, "/moderation?queue=pending&q=cat")
    tabs = re.findall(r'>([A-Z][a-z]+(?: approved)?)(?: <span class="count">(\d+)</span>)?</a>', html)
    tabs = {
        label: count for label, count in tabs if label in {"Pending", "Flagged", "Spam", "Trash", "Recently approved"}
    }
    assert tabs == {"Pending": "3", "Flagged": "", "Spam": "", "Trash": "", "Recently approved": ""}
    assert "Searches the newest 1,000 comments of the queue." in html
    unsearched = _desk(app, moderator, "/moderation?queue=pending")
    assert '>Pending <span class="count">4</span>' in unsearched and '>Spam <span class="count">1</span>' in unsearched


def test_the_api_searches_a_queue_and_refuses_a_search_too_long(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    article = make_article()
    cat = make_comment(article, "A cat.", make_guest("Sam", "s@example.org"), rules=HELD)
    named = make_comment(article, "A dog.", make_guest("Cathy", "c@example.org"), rules=HELD)
    make_comment(article, "A bird.", make_guest("Lee", "l@example.org"), rules=HELD)
    headers = token_for(moderator)

    answer = client.get("/api/v1/moderation/comments?status=pending&q=CAT", headers=headers)
    assert answer.status_code == 200
    assert [c["id"] for c in answer.get_json()["comments"]] == [named.id, cat.id]
    assert len(client.get("/api/v1/moderation/comments?status=pending", headers=headers).get_json()["comments"]) == 3
    too_long = client.get("/api/v1/moderation/comments?q=" + "x" * 101, headers=headers)
    assert too_long.status_code == 422
    assert "q is at most 100 characters." in too_long.get_data(as_text=True)
