"""A commenter's own data: networks dropped after PRIVACY_NETWORK_DAYS by `flask privacy purge`; a moderator's
"Find by email" with export and erasure (nothing personal left, the thread still reads, the log intact)."""

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, Comment, CommentStatus, Flag, ModerationEvent, OutboxMessage
from app.models.types import utcnow
from app.services import accounts, moderation, subscriptions
from app.services.comments import Writer, post_comment
from app.services.correction_requests import Requester, request_correction
from tests.conftest import PASSWORD
from tests.factories import GUEST_NETWORK, OPEN, make_comment, make_guest


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


# --- a moderator's erasure on request ------------------------------------------------------------------------

GAIL = {
    "name": "Gail Quillfeather",
    "email": "gail.q@example.org",
    "website": "https://gail-q.example",
    "net": "203.0.113.0/24",
}


def _gail() -> Writer:
    return make_guest(GAIL["name"], GAIL["email"], GAIL["net"], GAIL["website"])


def _everything() -> str:
    """Every row of every table, as text: what a database dump would show."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows.extend(repr(tuple(row)) for row in db.session.execute(select(table)).all())
    return "\n".join(rows).lower()


def _gails_world(make_user, make_article):
    """Gail's comments (one answered by Pia, one alone, one reply to Pia), a correction request, a followed
    discussion with its confirmation mail waiting, and a moderator's remark that names her address."""
    moderator = make_user("moderator", name="Mo Derator")
    article = make_article(title="On tides")
    answered = make_comment(article, "Tides follow the moon.", _gail())
    pia = make_guest("Pia", "pia@example.org", "192.0.2.0/24")
    reply = make_comment(article, "And the sun, a little.", pia, parent=answered)
    alone = make_comment(article, "A second thought.", _gail())
    to_pia = make_comment(article, "Thank you, Pia.", _gail(), parent=reply)
    moderation.apply(alone, "trash", moderator, remark=f"asked by {GAIL['email']} from {GAIL['net']}")
    request_correction(
        article,
        Requester(name=GAIL["name"], email=GAIL["email"], ip_network=GAIL["net"]),
        "The second paragraph misdates the spring tide.",
        OPEN,
    )
    subscriptions.subscribe(article, None, GAIL["email"])
    db.session.commit()
    assert db.session.scalar(select(OutboxMessage.to_email)) == GAIL["email"]
    return SimpleNamespace(
        moderator=moderator, article=article, answered=answered.id, reply=reply.id, alone=alone.id, to_pia=to_pia.id
    )


@pytest.fixture
def mail_app(app):
    """The app with mail on (a confirmation mail waits in the outbox for Gail's followed discussion)."""
    app.config["BASE_URL"] = "https://comments.example.org"
    return app


@pytest.mark.parametrize("choice", ["remove", "anonymise"])
def test_a_moderator_erases_a_guest_and_the_thread_still_reads(mail_app, make_user, make_article, choice):
    world = _gails_world(make_user, make_article)
    before = _everything()
    assert all(value.lower() in before for value in GAIL.values())
    events_before = db.session.scalar(select(func.count()).select_from(ModerationEvent))
    browser = mail_app.test_client()
    signed_in = browser.post("/login", data={"email": world.moderator.email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)

    found = browser.post("/moderation/people", data={"email": GAIL["email"].upper(), "do": "find"})
    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "3 comments by gail.q@example.org" in page
    assert {f"comment-{n}" for n in (world.answered, world.alone, world.to_pia)} <= set(
        re.findall(r'id="(comment-\d+)"', page)
    )

    erased = browser.post(
        "/moderation/people", data={"email": GAIL["email"], "do": "erase", "comments": choice, "confirm": "1"}
    )
    assert erased.status_code == 302
    db.session.expire_all()

    # Nothing personal left anywhere, Pia's data untouched.
    after = _everything()
    for value in GAIL.values():
        assert value.lower() not in after
    assert "pia@example.org" in after and "192.0.2.0/24" in after
    # The log keeps every event, adds one per removed comment and one for the erasure, without the address.
    events = list(db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id)))
    removed = 3 if choice == "remove" else 0
    assert len(events) == events_before + removed + 1
    assert events[-1].action == "data_erased" and events[-1].actor_id == world.moderator.id
    assert events[-1].remark == (
        f"personal data erased on request by Mo Derator (account {world.moderator.id}); 3 comments "
        + ("removed" if choice == "remove" else "anonymised")
    )
    assert any(event.remark == "asked by [erased] from [erased]" for event in events)
    # The thread still reads: Pia's reply stands under a placeholder (or under the anonymised comment).
    thread = mail_app.test_client().get(f"/articles/{world.article.slug}").get_data(as_text=True)
    assert "And the sun, a little." in thread
    assert ("Tides follow the moon." in thread) is (choice == "anonymise")
    assert "Former reader" in thread if choice == "anonymise" else "Tides follow the moon." not in thread
    article = db.session.get(Article, world.article.id)
    published = db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.article_id == article.id, Comment.status == CommentStatus.approved, Comment.deleted_at.is_(None)
        )
    )
    assert article.comment_count == published == (1 if choice == "remove" else 3)
    assert article.subscription_count == 0
    assert db.session.get(Comment, world.answered).visible_replies == (1 if choice == "remove" else 2)


def test_find_by_email_export_and_bad_input(mail_app, make_user, make_article):
    world = _gails_world(make_user, make_article)
    browser = mail_app.test_client()
    signed_in = browser.post("/login", data={"email": world.moderator.email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)

    exported = browser.post("/moderation/people", data={"email": GAIL["email"], "do": "export"})
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    data = json.loads(exported.get_data(as_text=True))
    assert data["format"] == 1 and data["email"] == GAIL["email"] and data["account"] is None
    assert [comment["body"] for comment in data["comments"]] == [
        "Tides follow the moon.",
        "A second thought.",
        "Thank you, Pia.",
    ]
    assert {comment["network"] for comment in data["comments"]} == {GAIL["net"]}
    assert data["comments"][1]["status"] == "trash"
    assert data["comments"][0]["article"] == {"slug": world.article.slug, "title": "On tides"}
    assert [item["email"] for item in data["correction_requests"]] == [GAIL["email"]]
    assert [item["article"]["title"] for item in data["subscriptions"]] == ["On tides"]
    assert "Pia" not in exported.get_data(as_text=True).replace("Thank you, Pia.", "")

    before = _everything()
    for form, message in [
        ({"email": "", "do": "find"}, "Enter an email address."),
        ({"email": "not an address", "do": "find"}, "That email address is not valid"),
        ({"email": GAIL["email"], "do": "erase", "comments": "remove"}, "Tick the box to confirm the erasure"),
        ({"email": GAIL["email"], "do": "erase", "confirm": "1"}, "Choose what happens to the comments"),
    ]:
        answer = browser.post("/moderation/people", data=form)
        assert answer.status_code == 422, form
        assert message in answer.get_data(as_text=True), form
    assert _everything() == before
    nobody = browser.post("/moderation/people", data={"email": "nobody@example.org", "do": "find"})
    assert nobody.status_code == 200 and "0 comments by nobody@example.org" in nobody.get_data(as_text=True)


def test_an_account_downloads_its_data_from_the_account_page(app, client, login, make_user, make_article):
    user = make_user(name="Ada Reader", email="ada@example.org")
    user.email_verified_at = utcnow()
    accounts.create_api_token(user, "laptop")
    db.session.commit()
    article = make_article(title="On tides")
    post_comment(article, Writer(name="Ada Reader", email="ada@example.org", user=user), "Signed in.", OPEN)
    make_comment(article, "Before I had an account.", make_guest("Ada", "ada@example.org"))
    make_comment(article, "Someone else.", make_guest("Bo", "bo@example.org"))
    assert client.get("/account/data").status_code == 302  # signed-out: to the login page

    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/data"' in page
    answer = client.get("/account/data")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    text = answer.get_data(as_text=True)
    data = json.loads(text)
    assert data["account"]["email"] == "ada@example.org" and data["account"]["name"] == "Ada Reader"
    assert [token["label"] for token in data["account"]["api_tokens"]] == ["laptop"]
    assert [comment["body"] for comment in data["comments"]] == ["Signed in.", "Before I had an account."]
    assert user.password_hash not in text and "password" not in text and "token_hash" not in text
