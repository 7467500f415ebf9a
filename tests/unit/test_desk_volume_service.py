"""services.moderation for moderators handling volume: the wide-network check on bans, the ways to ban a
comment's sender, and purge's preview and its actor."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Ban, CommentStatus, ModerationEvent
from app.services import moderation
from app.services.comments import Writer, post_comment
from app.services.errors import ServiceError
from tests.factories import OPEN, make_comment, make_guest

S = CommentStatus.spam


@pytest.mark.parametrize(
    "value, wide",
    [
        ("10.0.0.0/16", False),
        ("10.0.0.0/15", True),
        ("10.1.2.3", False),
        ("::/0", True),
        ("2001:db8::/31", True),
        ("2001:db8::/32", False),
        ("2001:db8::7", False),
    ],
)
def test_a_network_wider_than_a_16_or_a_32_is_refused_unless_confirmed(make_user, value, wide):
    moderator = make_user("moderator")
    if wide:
        with pytest.raises(ServiceError) as raised:
            moderation.create_ban("network", value, "Bots.", moderator)
        error = raised.value
        assert (error.code, error.status, error.field) == ("wide_network", 422, "ip")
        assert error.message.endswith("Confirm to ban the whole network anyway.")
        assert db.session.scalar(select(func.count()).select_from(Ban)) == 0
    ban, _ = moderation.create_ban("network", value, "Bots.", moderator, confirm_wide=True)
    assert ban.id is not None


def test_confirm_wide_is_a_keyword_and_means_nothing_to_other_kinds(make_user):
    moderator = make_user("moderator")
    with pytest.raises(TypeError):
        moderation.create_ban("network", "10.0.0.0/8", "Bots.", moderator, None, False, True)  # positional: refused
    ban, _ = moderation.create_ban("email", "a@example.org", "Spam.", moderator, confirm_wide=True)
    assert (ban.kind.value, ban.value) == ("email", "a@example.org")


def test_the_ways_to_ban_a_comments_sender(make_user, make_article):
    article = make_article()
    reader = make_user("reader", name="Rae")
    signed_in = post_comment(article, Writer(user=reader, ip_network="203.0.113.0/24"), "Hi.", OPEN)
    guest = make_comment(article, "Hello.", make_guest(email="gail@example.org", network="2001:db8:1::/48"))
    unknown = make_comment(article, "Hey.", make_guest(network="unknown"))

    targets = moderation.ban_targets(signed_in)
    assert {key: (t.kind.value, t.value) for key, t in targets.items()} == {
        "sender": ("user", str(reader.id)),
        "network": ("network", "203.0.113.0/24"),
    }
    assert targets["sender"].label == f"the account of Rae (id {reader.id})"
    assert {key: (t.kind.value, t.value, t.label) for key, t in moderation.ban_targets(guest).items()} == {
        "sender": ("email", "gail@example.org", "the email address gail@example.org"),
        "network": ("network", "2001:db8:1::/48", "the network 2001:db8:1::/48"),
    }
    assert list(moderation.ban_targets(unknown)) == ["sender"]


def test_purge_preview_counts_what_purge_then_does_and_purge_names_its_actor(make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    lone = [make_comment(article, f"Spam {n}.", status=S, moderator=moderator).id for n in range(3)]
    answered = make_comment(article, "Answered.")
    make_comment(article, "Reply.", parent=answered)
    moderation.apply(answered, "spam", moderator)

    preview = moderation.purge_preview(S, timedelta(0))
    assert (preview.deleted, preview.kept_with_replies) == (3, 1)
    assert moderation.purge_preview(S, timedelta(days=1)) == moderation.PurgeResult(0, 0)
    with pytest.raises(ServiceError):
        moderation.purge_preview(CommentStatus.pending, timedelta(0))

    result = moderation.purge(S, timedelta(0), "Mo on the desk", actor=moderator)
    assert result == preview
    events = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "purge")).all()
    assert sorted(e.remark for e in events) == sorted(f"comment {i} purged by Mo on the desk" for i in lone)
    assert {(e.actor_id, e.actor_rule) for e in events} == {(moderator.id, "purge")}
    assert events[0].actor_label == moderator.name
