"""A commenter's own data: networks dropped after PRIVACY_NETWORK_DAYS by `flask privacy purge`."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Comment, Flag
from app.models.types import utcnow
from app.services import moderation
from tests.factories import GUEST_NETWORK, OPEN, make_comment


def _networks(model):
    return [(row.id, row.ip_network) for row in db.session.scalars(select(model).order_by(model.id))]


def test_privacy_purge_drops_old_networks_and_says_what_it_cleared(app, runner, make_article):
    article = make_article()
    old = make_comment(article, days_ago=120)
    recent = make_comment(article, days_ago=10)
    old_flag = moderation.flag_comment(old, "net:x", "spam", None, OPEN, ip_network=GUEST_NETWORK)
    old_flag.created_at = utcnow() - timedelta(days=100)
    recent_flag = moderation.flag_comment(recent, "net:y", "spam", None, OPEN, ip_network=GUEST_NETWORK)
    recent_flag.created_at = utcnow() - timedelta(days=10)
    db.session.commit()
    old_id, recent_id, old_flag_id, recent_flag_id = old.id, recent.id, old_flag.id, recent_flag.id

    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Dropped the networks of 1 comment(s), 1 flag(s) and 0 correction request(s) older than 90 day(s)."
    )
    assert _networks(Comment) == [(old_id, None), (recent_id, GUEST_NETWORK)]
    assert _networks(Flag) == [(old_flag_id, None), (recent_flag_id, GUEST_NETWORK)]

    again = runner.invoke(args=["privacy", "purge"])
    assert again.exit_code == 0, again.output
    assert "Dropped the networks of 0 comment(s), 0 flag(s) and 0 correction request(s)" in again.output

    shorter = runner.invoke(args=["privacy", "purge", "--days", "5"])
    assert "Dropped the networks of 1 comment(s), 1 flag(s)" in shorter.output
    assert _networks(Comment) == [(old_id, None), (recent_id, None)]
    assert _networks(Flag) == [(old_flag_id, None), (recent_flag_id, None)]


def test_privacy_purge_follows_the_setting_and_refuses_a_negative_age(app_with):
    with app_with(PRIVACY_NETWORK_DAYS=5) as app:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert "older than 5 day(s)" in result.output
        refused = runner.invoke(args=["privacy", "purge", "--days", "-1"])
        assert refused.exit_code == 2
        assert "-1" in refused.output
