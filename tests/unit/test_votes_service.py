"""services.votes: helpful votes (one per reader, one count per network) and pinned comments."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CommentStatus, ModerationEvent, Vote
from app.models.comment import best_score
from app.models.types import utcnow
from app.services import moderation, personal_data, threads, votes
from app.services.comments import Writer
from app.services.errors import ServiceError
from tests.factories import make_comment


def _refused(code, call, *args, **kwargs):
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


def test_a_reader_votes_once_and_takes_it_back(make_article, make_user):
    comment = make_comment(make_article())
    reader = make_user()
    votes.vote(comment, votes.user_voter_key(reader), user=reader, ip_network="198.51.100.0/24")
    assert comment.votes == 1
    _refused("already_voted", votes.vote, comment, votes.user_voter_key(reader), user=reader, ip_network="x")
    assert db.session.scalar(select(Vote.id).where(Vote.comment_id == comment.id)) is not None
    votes.take_back(comment, votes.user_voter_key(reader))
    assert comment.votes == 0
    _refused("no_vote", votes.take_back, comment, votes.user_voter_key(reader))


def test_votes_from_one_network_count_once(make_article):
    comment = make_comment(make_article())
    votes.vote(comment, "guest:a", ip_network="198.51.100.0/24")
    votes.vote(comment, "guest:b", ip_network="198.51.100.0/24")  # cookies cleared: stored, not counted
    assert comment.votes == 1
    assert len(db.session.scalars(select(Vote).where(Vote.comment_id == comment.id)).all()) == 2
    votes.vote(comment, "guest:c", ip_network="203.0.113.0/24")
    assert comment.votes == 2
    votes.take_back(comment, "guest:a")
    assert comment.votes == 2  # guest:b still stands for the first network


def test_nobody_votes_on_their_own_comment(make_article, make_user):
    writer = make_user()
    own = make_comment(make_article(), writer=Writer(user=writer, name=writer.name, email=writer.email))
    error = _refused("own_comment", votes.vote, own, votes.user_voter_key(writer), user=writer)
    assert error.status == 403
    guests = make_comment(make_article())
    _refused("own_comment", votes.vote, guests, "guest:me", own_ids={guests.id})
    assert own.votes == 0 and guests.votes == 0


def test_only_published_comments_take_votes_and_removed_ones_show_none(make_article, make_user):
    article = make_article()
    held = make_comment(article, status=CommentStatus.pending)
    _refused("not_votable", votes.vote, held, "guest:a", ip_network="198.51.100.0/24")
    comment = make_comment(article)
    votes.vote(comment, "guest:a", ip_network="198.51.100.0/24")
    assert votes.shown_votes(comment) == 1
    moderation.apply(comment, "trash", make_user("moderator"), "spam")
    assert votes.shown_votes(comment) == 0


def test_the_best_score_weighs_votes_against_age():

    at = utcnow()
    assert best_score(9, at) == pytest.approx(best_score(0, at + timedelta(days=1)))
    assert best_score(1, at) > best_score(0, at)
    assert best_score(0, at + timedelta(hours=1)) > best_score(0, at)


def test_best_order_puts_voted_comments_first_and_the_pinned_one_above_all(make_article, make_user):
    article = make_article()
    first, second, third = (make_comment(article) for _ in range(3))
    for n in range(20):
        votes.vote(first, f"guest:{n}", ip_network=f"198.51.{n}.0/24")
    assert [node.id for node in threads.thread_page(article, order="best").threads] == [first.id, third.id, second.id]
    votes.pin(second, article.author)
    for order in threads.ORDERS:
        assert threads.thread_page(article, order=order).threads[0].id == second.id
    assert threads.page_of(first, 1, "best") == 2
    assert threads.page_of(second, 1, "best") == 1


def test_pins_one_per_article_by_its_author_or_a_moderator_logged(make_article, make_user):
    article = make_article()
    one, two = make_comment(article), make_comment(article)
    reply = make_comment(article, parent=one)
    _refused("forbidden", votes.pin, one, make_user())
    _refused("forbidden", votes.pin, one, make_user("author"))  # another article's author
    _refused("not_pinnable", votes.pin, reply, article.author)
    votes.pin(one, article.author)
    assert one.pinned_by == "author"
    votes.pin(two, make_user("moderator"))
    db.session.expire_all()
    assert (one.pinned_by, two.pinned_by) == (None, "moderator")
    assert votes.pinned_comment(article).id == two.id
    actions = [e.action for e in db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id))]
    assert actions[-3:] == ["pin", "unpin", "pin"]
    votes.unpin(two, article.author)
    assert votes.pinned_comment(article) is None
    _refused("not_pinned", votes.unpin, two, article.author)


def test_erasing_votes_counts_again(make_article):
    comment = make_comment(make_article())
    votes.vote(comment, "guest:a", ip_network="198.51.100.0/24")
    votes.vote(comment, "guest:b", ip_network="203.0.113.0/24")
    votes.erase_votes(db.session.scalars(select(Vote).where(Vote.voter_key == "guest:a")).all())
    db.session.commit()
    assert comment.votes == 1


def test_a_persons_votes_are_in_their_data_and_go_with_them(make_article, make_user):
    comment = make_comment(make_article())
    reader = make_user()
    votes.vote(comment, votes.user_voter_key(reader), user=reader, ip_network="198.51.100.0/24")
    person = personal_data.Person.for_account(reader)
    (stored,) = personal_data.export(person)["votes"]
    assert (stored["comment_id"], stored["network"]) == (comment.id, "198.51.100.0/24")
    personal_data.erase(person, personal_data.ANONYMISE, reader, remark="erased in a test")
    db.session.commit()
    db.session.expire_all()
    assert comment.votes == 0 and db.session.scalars(select(Vote)).all() == []


def test_dropping_old_networks_keeps_votes_counted_once_per_network(make_article):
    comment = make_comment(make_article())
    for key in ("guest:a", "guest:b"):
        votes.vote(comment, key, ip_network="198.51.100.0/24")
    votes.vote(comment, "guest:c", ip_network="203.0.113.0/24")
    for vote in db.session.scalars(select(Vote)):
        vote.created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    assert personal_data.purge_networks(90).votes == 3
    networks = db.session.scalars(select(Vote.ip_network).order_by(Vote.voter_key)).all()
    assert networks[0] == networks[1] != networks[2] and all(n.startswith("forgotten:") for n in networks)
    assert "198.51.100" not in "".join(networks)
    votes.recount([comment.id])
    db.session.commit()
    assert comment.votes == 2
    assert personal_data.purge_networks(90).votes == 0
