"""/api/v1/moderation through HTTP: queues, actions, the log, reader flags, bans, the spam signal, private data."""

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Ban, Comment, CommentStatus, Flag, ModerationEvent
from app.models.types import utcnow
from app.services import moderation
from app.services.comments import Writer, delete_comment
from app.services.settings import CommentRules
from tests.factories import make_comment, make_guest

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
HELD = CommentRules(hold_all=True)
OPEN = CommentRules()
PUBLIC_KEYS = {
    "id",
    "parent_id",
    "in_reply_to",
    "author",
    "badge",
    "body_html",
    "created_at",
    "edited_at",
    "removed",
    "removed_by_author",
    "led_to",
    "votes",
    "pinned",
    "pinned_by",
    "replies",
    "more_replies",
    "more_replies_url",
}
MODERATION_KEYS = PUBLIC_KEYS | {
    "article",
    "status",
    "email",
    "ip_network",
    "reasons",
    "spam_score",
    "flags",
    "deleted",
}
FLAG_REASONS = "Choose a reason: spam, abusive, off_topic, factual_error, other."


def _queue(client, headers, query: str = "") -> dict:
    response = client.get(f"/api/v1/moderation/comments{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _act(client, headers, comment_id: int, **body):
    return client.post(f"/api/v1/moderation/comments/{comment_id}", json=body, headers=headers)


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    payload = response.get_json()
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "fields"}
    return payload["error"]


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _event_rows(comment_id: int) -> list[tuple]:
    return [
        (e.actor_id, e.action, e.from_status, e.to_status, e.reason, e.remark)
        for e in db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.comment_id == comment_id).order_by(ModerationEvent.id)
        )
    ]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- queues ----------------------------------------------------------------------------------


def test_the_queue_gives_the_public_fields_and_what_only_moderators_see(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    article = make_article()
    parent = make_comment(article, "The moon does it.", make_guest("Pam Parent", "pam@example.org", "203.0.113.0/24"))
    held = make_comment(article, "Held *reply*.", rules=HELD, parent=parent)
    payload = _queue(client, token_for(moderator))
    assert set(payload) == {"comments", "next_page"} and payload["next_page"] is None
    (item,) = payload["comments"]
    assert set(item) == MODERATION_KEYS
    assert (item["id"], item["parent_id"], item["article"], item["status"]) == (
        held.id,
        parent.id,
        article.slug,
        "pending",
    )
    assert item["author"].pop("avatar")["initials"] == "GG"
    assert item["author"] == {"name": "Gail Guest", "website": None, "badge": None}
    assert item["body_html"] == "<p>Held <em>reply</em>.</p>\n"
    assert (item["email"], item["ip_network"], item["spam_score"], item["deleted"]) == (
        "gail@example.org",
        "198.51.100.0/24",
        0.0,
        False,
    )
    assert item["reasons"] == [{"code": "hold_all", "message": "The site holds every comment for moderation."}]
    assert item["flags"] == [] and item["created_at"] == _stored(held.id).created_at.isoformat()

    moderation.flag_comment(parent, "user:98", "other", "The sun helps too.", OPEN)
    (flagged,) = _queue(client, token_for(moderator), "?status=flagged")["comments"]
    assert (flagged["id"], flagged["status"], flagged["email"], flagged["reasons"]) == (
        parent.id,
        "approved",
        "pam@example.org",
        [],
    )
    (flag,) = flagged["flags"]
    assert set(flag) == {"id", "reason", "note", "created_at", "resolved"}
    assert (flag["reason"], flag["note"], flag["resolved"]) == ("other", "The sun helps too.", False)


def test_the_queue_filters_by_status_and_article(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    tides, birds = make_article(), make_article()
    held = make_comment(tides, "Held.", rules=HELD)
    held_birds = make_comment(birds, "Held too.", rules=HELD)
    spam = moderation.apply(make_comment(tides, "Pills."), "spam", moderator)
    trash = moderation.apply(make_comment(birds, "Rude."), "trash", moderator, "abusive")
    approved = make_comment(tides, "Fine.")
    headers = token_for(moderator)

    def ids(query):
        return [c["id"] for c in _queue(client, headers, query)["comments"]]

    assert ids("") == ids("?status=pending") == [held_birds.id, held.id]
    assert ids(f"?status=pending&article={tides.slug}") == [held.id]
    assert (ids("?status=spam"), ids("?status=trash"), ids("?status=approved")) == (
        [spam.id],
        [trash.id],
        [approved.id],
    )
    assert ids("?status=flagged") == []
    missing = _error(client.get("/api/v1/moderation/comments?article=nope", headers=headers), 404)
    assert (missing["code"], missing["message"]) == ("not_found", "No article has that slug.")
    bad = _error(client.get("/api/v1/moderation/comments?status=everything", headers=headers), 422)
    assert bad["fields"] == {"status": "Must be one of: pending, approved, spam, trash, flagged."}


def test_the_queue_pages_up_to_500_in_constant_queries(client, make_user, make_article, token_for, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    start = utcnow() - timedelta(hours=1)
    rows = [
        {
            "article_id": article.id,
            "writer_name": f"Writer {n}",
            "writer_email": f"writer{n}@example.org",
            "ip_network": "198.51.100.0/24",
            "body": f"Held {n}.",
            "body_html": f"<p>Held {n}.</p>",
            "status": P,
            "reasons": [{"code": "hold_all", "message": "Held."}],
            "depth": 0,
            "edited_by_moderator": False,
            "created_at": start + timedelta(seconds=n),
        }
        for n in range(501)
    ]
    db.session.execute(insert(Comment), rows)
    db.session.commit()
    headers = token_for(moderator)
    _queue(client, headers, "?per_page=1")  # the token's first use is recorded once

    def fetch(query):
        with count_queries() as counted:
            payload = _queue(client, headers, query)
        return payload, counted.n

    first, many = fetch("?per_page=500")
    assert len(first["comments"]) == 500 and first["next_page"] == 2
    assert first["comments"][0]["body_html"] == "<p>Held 500.</p>"
    second, _ = fetch("?per_page=500&page=2")
    assert [c["body_html"] for c in second["comments"]] == ["<p>Held 0.</p>"] and second["next_page"] is None
    _, few = fetch("?per_page=5")
    assert many == few
    for query, field, message in (
        ("?per_page=501", "per_page", "per_page is between 1 and 500."),
        ("?per_page=0", "per_page", "per_page is between 1 and 500."),
        ("?page=0", "page", "page is between 1 and 2147483647."),
    ):
        assert _error(client.get(f"/api/v1/moderation/comments{query}", headers=headers), 422)["fields"] == {
            field: message
        }


def test_a_comment_its_writer_deleted_stays_on_the_desk_marked_deleted(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    article = make_article()
    comment = delete_comment(make_comment(article, "Regretted."))
    (item,) = _queue(client, token_for(moderator), "?status=approved")["comments"]
    assert (item["id"], item["status"], item["deleted"]) == (comment.id, "approved", True)
    assert _stored(comment.id) is not None
    assert client.get(f"/api/v1/articles/{article.slug}/comments").get_json()["comments"] == []
    assert _act(client, token_for(moderator), comment.id, action="trash", reason="other").status_code == 200


# --- actions ---------------------------------------------------------------------------------


def test_actions_move_the_comment_and_return_it(client, make_user, make_article, token_for):
    moderator = make_user("moderator", name="Mo Moderator")
    comment = make_comment(make_article(), rules=HELD)
    headers = token_for(moderator)
    steps = [
        ({"action": "approve"}, "approved", None, None),
        ({"action": "spam", "note": "Link farm."}, "spam", None, "Link farm."),
        ({"action": "not_spam"}, "approved", None, None),
        (
            {"action": "trash", "reason": "misinformation", "note": "Fabricated quote."},
            "trash",
            "misinformation",
            "Fabricated quote.",
        ),
        ({"action": "restore"}, "approved", None, None),
    ]
    for body, status, reason, note in steps:
        response = _act(client, headers, comment.id, **body)
        assert response.status_code == 200, response.get_json()
        payload = response.get_json()
        assert set(payload) == {"comment"} and set(payload["comment"]) == MODERATION_KEYS
        assert (payload["comment"]["id"], payload["comment"]["status"]) == (comment.id, status)
        assert _stored(comment.id).status.value == status
        assert _event_rows(comment.id)[-1][0:2] == (moderator.id, body["action"])
        assert _event_rows(comment.id)[-1][3:] == (status, reason, note)
    assert len(_event_rows(comment.id)) == 6


def test_impossible_transitions_are_409_and_bad_input_422(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    headers = token_for(moderator)
    for action in ("approve", "not_spam", "restore"):
        error = _error(_act(client, headers, comment.id, action=action), 409)
        assert error == {
            "code": "invalid_transition",
            "message": f"A comment that is approved cannot be moved by '{action}'.",
            "fields": {},
        }
    error = _error(_act(client, headers, comment.id, action="dismiss_flags"), 409)
    assert (error["code"], error["message"]) == ("invalid_transition", "This comment has no open flags.")
    cases = [
        (
            {"action": "trash", "reason": "boring"},
            {"reason": "Choose a reason: spam, abusive, off_topic, harassment, misinformation, other."},
        ),
        ({"action": "delete"}, {"action": "Must be one of: approve, spam, not_spam, trash, restore, dismiss_flags."}),
        ({}, {"action": "Missing data for required field."}),
        ({"action": "spam", "status": "approved"}, {"status": "Unknown field."}),
        ({"action": "spam", "note": "n" * 501}, {"note": "A remark is at most 500 characters."}),
    ]
    for body, fields in cases:
        assert _error(_act(client, headers, comment.id, **body), 422)["fields"] == fields
    assert _error(client.post(f"/api/v1/moderation/comments/{comment.id}", data="action=spam", headers=headers), 415)
    assert _error(_act(client, headers, 9999, action="spam"), 404)["code"] == "not_found"
    assert _stored(comment.id).status is A and len(_event_rows(comment.id)) == 1


def test_dismissing_flags_through_the_api_publishes_the_comment_again(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    moderation.flag_comment(comment, "user:1", "abusive", None, CommentRules(flag_threshold=1))
    response = _act(client, token_for(moderator), comment.id, action="dismiss_flags", note="Not abusive.")
    assert response.status_code == 200
    payload = response.get_json()["comment"]
    assert payload["status"] == "approved" and [f["resolved"] for f in payload["flags"]] == [True]
    assert _event_rows(comment.id)[-1] == (moderator.id, "dismiss_flags", "pending", "approved", None, "Not abusive.")


def test_the_log_lists_who_did_what_to_a_comment(client, make_user, make_article, token_for):
    moderator = make_user("moderator", name="Mo Moderator")
    reader = make_user("reader", name="Rae Reader")
    article = make_article()
    held = make_comment(article, rules=HELD)
    moderation.apply(held, "trash", moderator, "abusive", "Insults.")
    own = make_comment(article, "Mine.", Writer(user=reader))
    guest = make_comment(article, "A guest's.")
    headers = token_for(moderator)

    response = client.get(f"/api/v1/moderation/events?comment={held.id}", headers=headers)
    assert response.status_code == 200
    events = response.get_json()["events"]
    assert [{k: e[k] for k in ("actor", "action", "from", "to", "reason", "note")} for e in events] == [
        {"actor": "rule: hold_all", "action": "submit", "from": None, "to": "pending", "reason": None, "note": None},
        {
            "actor": "Mo Moderator",
            "action": "trash",
            "from": "pending",
            "to": "trash",
            "reason": "abusive",
            "note": "Insults.",
        },
    ]
    stored = db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.comment_id == held.id).order_by(ModerationEvent.id)
    ).all()
    assert [e["at"] for e in events] == [e.created_at.isoformat() for e in stored]
    assert all(e["comment_id"] == held.id and e["at"].endswith("+00:00") for e in events)

    def actors(comment):
        return [
            e["actor"]
            for e in client.get(f"/api/v1/moderation/events?comment={comment.id}", headers=headers).get_json()["events"]
        ]

    assert (actors(own), actors(guest)) == (["Rae Reader"], ["the writer"])
    latest = client.get("/api/v1/moderation/events", headers=headers).get_json()["events"]
    assert [(e["comment_id"], e["action"]) for e in latest] == [
        (held.id, "submit"),
        (held.id, "trash"),
        (own.id, "submit"),
        (guest.id, "submit"),
    ]
    assert client.get("/api/v1/moderation/events?comment=9999", headers=headers).get_json() == {"events": []}


# --- reader flags ----------------------------------------------------------------------------


def test_a_reader_flags_once_through_the_api(client, make_user, make_article, token_for):
    reader = make_user("reader")
    comment = make_comment(make_article())
    url = f"/api/v1/comments/{comment.id}/flags"
    response = client.post(url, json={"reason": "spam", "note": "Link farm."}, headers=token_for(reader))
    assert response.status_code == 201
    flag = response.get_json()["flag"]
    assert set(flag) == {"id", "reason", "note", "created_at", "resolved"}
    assert (flag["reason"], flag["note"], flag["resolved"]) == ("spam", "Link farm.", False)
    stored = db.session.get(Flag, flag["id"])
    assert (stored.reporter_key, stored.user_id, stored.ip_network) == (f"user:{reader.id}", reader.id, "127.0.0.0/24")
    again = _error(client.post(url, json={"reason": "abusive"}, headers=token_for(reader)), 409)
    assert again == {"code": "already_flagged", "message": "You have already flagged this comment.", "fields": {}}
    assert _count(Flag) == 1


def test_guests_flag_by_cookie_and_three_readers_hide_the_comment(app, make_user, make_article, token_for):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Controversial.")
    url = f"/api/v1/comments/{comment.id}/flags"
    first = app.test_client()
    response = first.post(url, json={"reason": "abusive"})
    assert response.status_code == 201
    cookie = first.get_cookie("aw_reader")
    assert cookie is not None and len(cookie.value) == 32
    assert _error(first.post(url, json={"reason": "other"}), 409)["code"] == "already_flagged"
    # Guests without a cookie from one network count once, however many cookies they collect.
    assert app.test_client().post(url, json={"reason": "spam"}).status_code == 201
    assert (
        app.test_client().post(url, json={"reason": "off_topic"}, environ_base={"REMOTE_ADDR": "10.1.0.9"}).status_code
        == 201
    )
    assert _stored(comment.id).status is A
    other_network = {"REMOTE_ADDR": "10.2.0.9"}
    assert (
        app.test_client().post(url, json={"reason": "other", "note": "Hm."}, environ_base=other_network).status_code
        == 201
    )
    assert _stored(comment.id).status is P
    hide = _event_rows(comment.id)[-1]
    assert hide == (None, "hide", "approved", "pending", "flagged", "3 readers flagged it")
    (item,) = _queue(app.test_client(), token_for(moderator), "?status=flagged")["comments"]
    assert item["id"] == comment.id and item["status"] == "pending"
    assert sorted(f["reason"] for f in item["flags"]) == ["abusive", "off_topic", "other", "spam"]
    # Hidden now, so there is nothing to flag.
    assert _error(app.test_client().post(url, json={"reason": "spam"}), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"reason": "rude"}, {"reason": FLAG_REASONS}),
        ({}, {"reason": "Missing data for required field."}),
        ({"reason": "spam", "note": "n" * 501}, {"note": "A remark is at most 500 characters."}),
        ({"reason": "spam", "user_id": 1}, {"user_id": "Unknown field."}),
    ],
)
def test_bad_flags_are_422(client, make_article, body, fields):
    comment = make_comment(make_article())
    assert _error(client.post(f"/api/v1/comments/{comment.id}/flags", json=body), 422)["fields"] == fields
    assert _count(Flag) == 0


def test_held_and_missing_comments_cannot_be_flagged(client, make_article):
    held = make_comment(make_article(), rules=HELD)
    for comment_id in (held.id, 9999):
        assert (
            _error(client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}), 404)["code"]
            == "not_found"
        )
    assert _count(Flag) == 0


# --- bans ------------------------------------------------------------------------------------


def test_bans_by_email_account_and_network_are_201(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    reader = make_user("reader")
    article = make_article()
    theirs = make_comment(article, "Mine.", Writer(user=reader))
    headers = token_for(moderator)
    expires = (utcnow() + timedelta(days=3)).replace(microsecond=0)

    response = client.post(
        "/api/v1/moderation/bans", json={"email": "Troll@Example.org", "reason": "Trolling."}, headers=headers
    )
    assert response.status_code == 201
    payload = response.get_json()
    assert set(payload) == {"ban", "moved_to_spam"} and payload["moved_to_spam"] == 0
    ban = payload["ban"]
    assert set(ban) == {"id", "kind", "value", "reason", "created_at", "expires_at"}
    assert (ban["kind"], ban["value"], ban["reason"], ban["expires_at"]) == (
        "email",
        "troll@example.org",
        "Trolling.",
        None,
    )

    response = client.post(
        "/api/v1/moderation/bans",
        json={"user_id": reader.id, "reason": "Sock puppet.", "spam_existing": True},
        headers=headers,
    )
    assert response.status_code == 201 and response.get_json()["moved_to_spam"] == 1
    assert _stored(theirs.id).status is S
    assert _event_rows(theirs.id)[-1][:5] == (moderator.id, "spam", "approved", "spam", "banned_sender")

    response = client.post(
        "/api/v1/moderation/bans",
        json={"ip": "203.0.113.9", "reason": "Bots.", "expires_at": expires.isoformat()},
        headers=headers,
    )
    assert response.status_code == 201
    ban = response.get_json()["ban"]
    assert (ban["kind"], ban["value"], ban["expires_at"]) == ("network", "203.0.113.0/24", expires.isoformat())
    assert db.session.get(Ban, ban["id"]).created_by_id == moderator.id


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"reason": "R."}, {"_schema": "Give exactly one of email, user_id or ip."}),
        (
            {"email": "a@example.org", "ip": "203.0.113.9", "reason": "R."},
            {"_schema": "Give exactly one of email, user_id or ip."},
        ),
        ({"email": "a@example.org"}, {"reason": "Missing data for required field."}),
        ({"email": "a@example.org", "reason": " "}, {"reason": "Say why the sender is banned."}),
        ({"ip": "300.1.1.1", "reason": "R."}, {"ip": "Give an IP address or a network such as 203.0.113.0/24."}),
        ({"user_id": 9999, "reason": "R."}, {"user_id": "No account has that id."}),
        (
            {"email": "a@example.org", "reason": "R.", "expires_at": "2020-01-01T00:00:00+00:00"},
            {"expires_at": "The expiry must be in the future."},
        ),
        (
            {"email": "a@example.org", "reason": "R.", "expires_at": "2999-01-01T00:00:00"},
            {"expires_at": "Not a valid aware datetime."},
        ),
    ],
)
def test_bad_bans_are_422_and_store_nothing(client, make_user, token_for, body, fields):
    response = client.post("/api/v1/moderation/bans", json=body, headers=token_for(make_user("moderator")))
    assert _error(response, 422)["fields"] == fields
    assert _count(Ban) == 0


def test_a_banned_sender_posting_through_the_api_only_learns_the_comment_awaits_moderation(
    client, make_user, make_article, token_for
):
    moderator = make_user("moderator")
    article = make_article()
    client.post(
        "/api/v1/moderation/bans",
        json={"email": "troll@example.org", "reason": "Trolling."},
        headers=token_for(moderator),
    )
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"name": "Troll", "email": "troll@example.org", "body": "Back."},
    )
    assert response.status_code == 202 and response.get_json()["status"] == "pending"
    assert "spam" not in response.get_data(as_text=True) and "banned" not in response.get_data(as_text=True)
    (item,) = _queue(client, token_for(moderator), "?status=spam")["comments"]
    assert (item["status"], [r["code"] for r in item["reasons"]], item["spam_score"]) == (
        "spam",
        ["banned_sender"],
        1.0,
    )


# --- the spam signal -------------------------------------------------------------------------


def test_api_spam_decisions_reach_the_filter(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), rules=HELD)
    headers = token_for(moderator)
    seen = []

    def receiver(sender, is_spam, previous):
        seen.append((sender.id, is_spam, previous))

    moderation.spam_decision.connect(receiver)
    try:
        for action in ("approve", "spam", "approve", "spam", "not_spam"):
            assert _act(client, headers, comment.id, action=action).status_code == 200
    finally:
        moderation.spam_decision.disconnect(receiver)
    assert seen == [
        (comment.id, False, P),  # approving what the checks held
        (comment.id, True, A),
        (comment.id, False, S),
        (comment.id, True, A),
        (comment.id, False, S),
    ]
    assert _act(client, headers, comment.id, action="spam").status_code == 200
    assert len(seen) == 5  # disconnected


# --- private data ----------------------------------------------------------------------------


def test_emails_and_networks_are_in_the_moderation_api_only(client, make_user, make_article, token_for):
    moderator = make_user("moderator")
    article = make_article()
    make_comment(article, "Public.", make_guest("Pia", "pia.secret@example.org", "203.0.113.0/24"))
    headers = token_for(moderator)
    queue = client.get("/api/v1/moderation/comments?status=approved", headers=headers).get_data(as_text=True)
    assert "pia.secret@example.org" in queue and "203.0.113.0/24" in queue
    for url in (f"/api/v1/articles/{article.slug}/comments", f"/api/v1/articles/{article.slug}", "/api/v1/articles"):
        for who in ({}, headers):
            body = client.get(url, headers=who).get_data(as_text=True)
            assert client.get(url, headers=who).status_code == 200
            assert "pia.secret" not in body and "203.0.113" not in body
