"""Who may moderate: every moderation page and endpoint refuses readers and visitors; authors keep to their articles."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Ban, Comment, CommentStatus, ModerationEvent, Setting
from app.services import accounts, moderation
from app.services.comments import Writer, post_comment
from app.services.settings import CommentRules
from tests.conftest import PASSWORD

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
HELD = CommentRules(hold_all=True)
SAME_ORIGIN = {"Origin": "http://localhost"}
# Flagging is for readers; it lives outside the moderation prefixes and is checked separately below.
READER_ENDPOINTS = {"/api/v1/comments/<int:comment_id>/flags"}
# What a page form or an API body would carry if the caller were allowed: enough for each view to act,
# so a 403 is the permission check speaking, not a validation error. A new API endpoint needs its body here.
PAGE_FORM = {
    "action": "approve",
    "comment_ids": [],
    "bulk_action": "approve",
    "body": "Changed by someone who may not.",
    "kind": "email",
    "value": "victim@example.org",
    "reason": "No reason.",
    "spam_existing": "1",
    "confirm_wide": "1",
    "expected": "1",
    "hold_all": "1",
    "flag_threshold": "1",
    "email": "gail@example.org",
    "do": "erase",
    "comments": "remove",
    "confirm": "1",
    "event": "1",
    "density": "compact",
}
API_BODIES = {
    "api_moderation.ModerationItem": {"action": "approve"},
    "api_moderation.Bans": {
        "email": "victim@example.org",
        "reason": "No reason.",
        "spam_existing": True,
        "confirm_wide": True,
    },
}
KNOWN = {
    "moderation.desk",
    "moderation.overview",
    "moderation.comment",
    "moderation.act",
    "moderation.bulk",
    "moderation.edit",
    "moderation.reply",
    "moderation.bans",
    "moderation.lift",
    "moderation.empty_spam",
    "moderation.settings",
    "moderation.people",
    "moderation.undo",
    "moderation.density",
    "api_moderation.ModerationQueue",
    "api_moderation.ModerationItem",
    "api_moderation.ModerationEvents",
    "api_moderation.Bans",
    "api_moderation.ModerationUndo",
}


def _browser(app, user=None):
    browser = app.test_client()
    if user is not None:
        assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def _moderation_routes(app) -> list[tuple]:
    """(rule, method) for every moderation page and endpoint the app has now; OPTIONS answers no one's data."""
    routes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/moderation", "/api/v1/moderation")) and rule.rule not in READER_ENDPOINTS
        for method in sorted(rule.methods - {"OPTIONS"})
    ]
    assert {rule.endpoint for rule, _ in routes} >= KNOWN
    return routes


def _url(rule, values: dict) -> str:
    # An argument nobody filled in here fails the test: add it to `values`.
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def _world(make_user, make_article) -> dict:
    """A held comment on an article, a published one, one in spam, and a ban: everything a moderation URL can
    point at, and something for "Empty spam" to delete if it let the wrong person in."""
    moderator = make_user("moderator")
    article = make_article()
    held = post_comment(article, Writer(name="Gail", email="gail@example.org"), "Held.", HELD)
    published = post_comment(article, Writer(name="Pia", email="pia@example.org"), "Published.", CommentRules())
    spam = post_comment(article, Writer(name="Sam", email="sam@example.org"), "Pills.", CommentRules())
    moderation.apply(spam, "spam", moderator)
    moderation.flag_comment(published, "user:999", "spam", None, CommentRules())
    ban, _ = moderation.create_ban("email", "banned@example.org", "Trolling.", moderator)
    spam_move = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "spam")).one()
    return {
        "comment_id": held.id,
        "ban_id": ban.id,
        "event_id": spam_move.id,
        "held": held,
        "published": published,
        "ban": ban,
    }


def _state() -> tuple:
    db.session.expire_all()
    return (
        db.session.execute(
            select(Comment.id, Comment.status, Comment.body, Comment.edited_by_moderator).order_by(Comment.id)
        ).all(),
        db.session.scalar(select(func.count()).select_from(ModerationEvent)),
        db.session.execute(select(Ban.id, Ban.lifted_at)).all(),
        db.session.scalar(select(func.count()).select_from(Setting)),
    )


def _send(browser, method: str, url: str, *, form=None, json=None, headers=None):
    return browser.open(url, method=method, data=form, json=json, headers=headers or {})


# --- readers and visitors --------------------------------------------------------------------


def test_a_signed_in_reader_gets_403_on_every_moderation_page(app, make_user, make_article):
    world = _world(make_user, make_article)
    reader = _browser(app, make_user("reader"))
    before = _state()
    form = {**PAGE_FORM, "comment_ids": [world["comment_id"]]}
    checked = []
    for rule, method in _moderation_routes(app):
        if rule.rule.startswith("/api/"):
            continue
        url = _url(rule, world)
        response = _send(reader, method, url, form=form if method == "POST" else None)
        assert response.status_code == 403, (method, url)
        checked.append(rule.endpoint)
    assert set(checked) == {e for e in KNOWN if e.startswith("moderation.")}
    assert _state() == before


@pytest.mark.parametrize("credentials", ["token", "session"])
def test_a_reader_gets_403_on_every_moderation_endpoint(app, make_user, make_article, token_for, credentials):
    world = _world(make_user, make_article)
    reader = make_user("reader")
    if credentials == "token":
        browser, headers = app.test_client(), token_for(reader)
    else:
        browser, headers = _browser(app, reader), SAME_ORIGIN
    before = _state()
    checked = []
    for rule, method in _moderation_routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        url = _url(rule, world)
        body = API_BODIES.get(rule.endpoint, {}) if method in {"POST", "PUT", "PATCH", "DELETE"} else None
        response = _send(browser, method, url, json=body, headers=headers)
        assert response.status_code == 403, (method, url, response.get_data(as_text=True))
        if method != "HEAD":
            assert response.get_json()["error"]["code"] == "forbidden"
        checked.append(rule.endpoint)
    assert set(checked) == {e for e in KNOWN if e.startswith("api_")}
    assert _state() == before


def test_visitors_are_sent_to_sign_in_on_pages_and_get_401_from_the_api(app, make_user, make_article):
    world = _world(make_user, make_article)
    visitor = app.test_client()
    before = _state()
    for rule, method in _moderation_routes(app):
        url = _url(rule, world)
        if rule.rule.startswith("/api/"):
            body = API_BODIES.get(rule.endpoint, {}) if method == "POST" else None
            response = _send(visitor, method, url, json=body)
            assert response.status_code == 401, (method, url)
            if method != "HEAD":
                assert response.get_json()["error"]["code"] == "unauthorized"
            bad_token = _send(visitor, method, url, json=body, headers={"Authorization": "Bearer not-a-token"})
            assert bad_token.status_code == 401, (method, url)
        else:
            response = _send(visitor, method, url, form=PAGE_FORM if method == "POST" else None)
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login?next="), (method, url)
    assert _state() == before


def test_readers_and_visitors_may_flag_but_see_no_moderation_link(app, make_user, make_article, token_for):
    world = _world(make_user, make_article)
    reader = make_user("reader")
    url = f"/api/v1/comments/{world['published'].id}/flags"
    assert app.test_client().post(url, json={"reason": "spam"}).status_code == 201
    assert app.test_client().post(url, json={"reason": "spam"}, headers=token_for(reader)).status_code == 201
    for browser in (app.test_client(), _browser(app, reader)):
        assert 'href="/moderation"' not in browser.get("/").get_data(as_text=True)


def test_the_api_refuses_readers_and_visitors_before_looking_at_their_input(app, make_user, make_article, token_for):
    world = _world(make_user, make_article)
    reader = token_for(make_user("reader"))
    visitor = app.test_client()
    cases = [
        ("GET", "/api/v1/moderation/comments?status=everything", None),
        ("POST", f"/api/v1/moderation/comments/{world['comment_id']}", {}),
        ("POST", "/api/v1/moderation/bans", {"reason": "R."}),
    ]
    statuses = [
        (
            _send(visitor, method, url, json=body).status_code,
            _send(visitor, method, url, json=body, headers=reader).status_code,
        )
        for method, url, body in cases
    ]
    assert statuses == [(401, 403)] * len(cases)


def test_a_demoted_moderator_loses_the_desk_at_once(app, make_user, make_article, token_for):
    world = _world(make_user, make_article)
    moderator = make_user("moderator")
    headers = token_for(moderator)
    assert app.test_client().get("/api/v1/moderation/comments", headers=headers).status_code == 200
    accounts.set_role(moderator, "reader")
    assert app.test_client().get("/api/v1/moderation/comments", headers=headers).status_code == 403
    response = app.test_client().post(
        f"/api/v1/moderation/comments/{world['comment_id']}", json={"action": "approve"}, headers=headers
    )
    assert response.status_code == 403 and _state()[0][0].status is P


# --- authors, moderators, admins -------------------------------------------------------------


def test_authors_moderate_comments_on_their_own_articles_only_on_the_desk(app, make_user, make_article):
    author = make_user("author", name="Ada Author")
    mine, theirs = make_article(author=author), make_article()
    own = post_comment(mine, Writer(name="Gail", email="gail@example.org"), "On mine.", HELD)
    other = post_comment(theirs, Writer(name="Gail", email="gail@example.org"), "On theirs.", HELD)
    public = post_comment(mine, Writer(name="Pia", email="pia@example.org"), "Published on mine.", CommentRules())
    moderator = make_user("moderator")
    spam = post_comment(mine, Writer(name="Sam", email="sam@example.org"), "Pills on mine.", CommentRules())
    moderation.apply(spam, "spam", moderator)
    spam_move = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    ban, _ = moderation.create_ban("email", "b@example.org", "R.", moderator)
    browser = _browser(app, author)

    desk = browser.get("/moderation").get_data(as_text=True)
    assert re.findall(r'id="item-(\d+)"', desk) == [str(own.id)] and 'href="/moderation/bans"' not in desk
    assert browser.get(f"/moderation/comments/{own.id}").status_code == 200
    before = _state()
    for method, url, form in (
        ("GET", f"/moderation/comments/{other.id}", None),
        ("POST", f"/moderation/comments/{other.id}/action", {"action": "approve"}),
        ("POST", f"/moderation/comments/{other.id}/edit", {"body": "Mine now."}),
        ("POST", f"/moderation/comments/{other.id}/reply", {"body": "Hello."}),
        ("GET", "/moderation/bans", None),
        ("GET", f"/moderation/bans?comment={own.id}", None),
        ("POST", "/moderation/bans", {"kind": "email", "value": "x@example.org", "reason": "R."}),
        ("POST", "/moderation/bans", {"kind": "network", "value": "10.0.0.0/8", "reason": "R.", "confirm_wide": "1"}),
        ("GET", "/moderation/spam/empty", None),
        ("POST", "/moderation/spam/empty", {"expected": "1"}),
        ("POST", f"/moderation/bans/{ban.id}/lift", None),
        ("POST", "/moderation/undo", {"event": str(spam_move.id)}),
        ("GET", "/moderation/settings", None),
        ("POST", "/moderation/settings", {"hold_all": "1"}),
        ("GET", "/moderation/people", None),
        (
            "POST",
            "/moderation/people",
            {"email": "gail@example.org", "do": "erase", "comments": "remove", "confirm": "1"},
        ),
    ):
        assert _send(browser, method, url, form=form).status_code == 403, (method, url)
    assert _state()[0] == before[0] and db.session.scalar(select(func.count()).select_from(Setting)) == 0

    response = browser.post("/moderation/bulk", data={"comment_ids": [own.id, other.id], "bulk_action": "approve"})
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved: 1 comment." in html and f"Comment {other.id}: not yours to moderate." in html
    db.session.expire_all()
    assert (db.session.get(Comment, own.id).status, db.session.get(Comment, other.id).status) == (A, P)

    response = browser.post(f"/moderation/comments/{public.id}/reply", data={"body": "Thanks, noted."})
    assert response.status_code == 302
    page = app.test_client().get(f"/articles/{mine.slug}").get_data(as_text=True)
    reply = db.session.scalar(select(Comment).where(Comment.user_id == author.id))
    assert f'<li class="comment comment--author" id="comment-{reply.id}">' in page


def test_authors_use_the_api_for_their_own_articles_only(app, make_user, make_article, token_for):
    author = make_user("author")
    mine, theirs = make_article(author=author), make_article()
    own = post_comment(mine, Writer(name="Gail", email="gail@example.org"), "On mine.", HELD)
    other = post_comment(theirs, Writer(name="Gail", email="gail@example.org"), "On theirs.", HELD)
    headers = token_for(author)
    client = app.test_client()

    listed = client.get("/api/v1/moderation/comments", headers=headers).get_json()["comments"]
    assert [c["id"] for c in listed] == [own.id]
    assert (
        client.get(f"/api/v1/moderation/comments?article={theirs.slug}", headers=headers).get_json()["comments"] == []
    )

    def error(response):
        assert response.status_code == 403
        return response.get_json()["error"]["message"]

    assert error(
        client.post(f"/api/v1/moderation/comments/{other.id}", json={"action": "approve"}, headers=headers)
    ) == ("You may moderate comments on your own articles only.")
    assert (
        error(client.get(f"/api/v1/moderation/events?comment={other.id}", headers=headers))
        == "You are not allowed to do that."
    )
    assert (
        error(client.get("/api/v1/moderation/events", headers=headers))
        == "Authors ask for the events of one comment at a time."
    )
    ban = client.post("/api/v1/moderation/bans", json={"email": "x@example.org", "reason": "R."}, headers=headers)
    assert error(ban) == "Only moderators and admins ban senders."
    assert db.session.scalar(select(func.count()).select_from(Ban)) == 0

    assert (
        client.post(f"/api/v1/moderation/comments/{own.id}", json={"action": "approve"}, headers=headers).status_code
        == 200
    )
    events = client.get(f"/api/v1/moderation/events?comment={own.id}", headers=headers).get_json()["events"]
    assert [e["action"] for e in events] == ["submit", "approve"]
    db.session.expire_all()
    assert (db.session.get(Comment, own.id).status, db.session.get(Comment, other.id).status) == (A, P)


def test_moderators_moderate_everything_but_only_admins_change_settings(app, make_user, make_article, token_for):
    world = _world(make_user, make_article)
    moderator, admin = make_user("moderator"), make_user("admin")
    mod_browser, admin_browser = _browser(app, moderator), _browser(app, admin)
    for browser in (mod_browser, admin_browser):
        assert browser.get("/moderation").status_code == 200
        assert browser.get(f"/moderation/comments/{world['comment_id']}").status_code == 200
        assert browser.get("/moderation/bans").status_code == 200
    assert mod_browser.get("/moderation/settings").status_code == 403
    assert mod_browser.post("/moderation/settings", data={"hold_all": "1", "flag_threshold": "1"}).status_code == 403
    assert 'href="/moderation/settings"' not in mod_browser.get("/moderation").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    assert admin_browser.get("/moderation/settings").status_code == 200
    assert 'href="/moderation/settings"' in admin_browser.get("/moderation").get_data(as_text=True)
    response = app.test_client().post(
        f"/api/v1/moderation/comments/{world['comment_id']}", json={"action": "approve"}, headers=token_for(moderator)
    )
    assert response.status_code == 200


def test_session_writes_to_the_api_must_come_from_this_site(app, make_user, make_article):
    world = _world(make_user, make_article)
    browser = _browser(app, make_user("moderator"))
    url = f"/api/v1/moderation/comments/{world['comment_id']}"
    assert browser.post(url, json={"action": "approve"}).status_code == 403
    assert browser.post(url, json={"action": "approve"}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert _state()[0][0].status is P
    assert browser.post(url, json={"action": "approve"}, headers=SAME_ORIGIN).status_code == 200
    assert _state()[0][0].status is A


def test_pins_refuse_readers_visitors_and_other_authors_and_change_nothing(app, make_user, make_article, token_for):
    world = _world(make_user, make_article)
    comment_id = world["published"].id
    other_author = make_user("author")
    before = _state()
    pinned = lambda: db.session.scalar(select(func.count()).select_from(Comment).where(Comment.pinned_by.is_not(None)))  # noqa: E731
    page, api = f"/comments/{comment_id}/pin", f"/api/v1/comments/{comment_id}/pin"
    visitor = app.test_client()
    assert visitor.post(page, data={"action": "pin"}).headers["Location"].startswith("/login?next=")
    for method in ("POST", "DELETE"):
        assert _send(visitor, method, api, json={} if method == "POST" else None).status_code == 401
    for user in (make_user("reader"), other_author):
        assert _browser(app, user).post(page, data={"action": "pin"}).status_code == 403
        for method in ("POST", "DELETE"):
            response = _send(
                app.test_client(), method, api, json={} if method == "POST" else None, headers=token_for(user)
            )
            assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden", (method, user)
    assert _state() == before and pinned() == 0
