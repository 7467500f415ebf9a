"""/api/v1 correction requests through HTTP: readers asking, the spam checks, and the author's desk."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CorrectionRequest, OutboxMessage, RequestStatus
from tests.factories import api_comment, make_note

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}
PUBLIC_KEYS = {
    "id",
    "article",
    "body",
    "source_url",
    "comment_id",
    "name",
    "status",
    "note_id",
    "decline_reason",
    "created_at",
    "decided_at",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ACTIONS = ["acknowledge", "resolve", "decline", "spam", "not_spam", "reopen"]
NOT_A_LINK = "A source is a link starting with http:// or https://."


def _requests_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/correction-requests"


def _ask(client, article, body: str = "The limit is $5,000, not $10,000.", headers=None, **fields):
    payload = {**({} if headers else GUEST), "body": body, **fields}
    return client.post(_requests_url(article), json=payload, headers=headers or {})


def _asked(response) -> dict:
    assert response.status_code == 201, response.get_json()
    payload = response.get_json()
    assert set(payload) == {"correction_request"}
    return payload["correction_request"]


def _desk(client, article, user, token_for) -> list[dict]:
    response = client.get(_requests_url(article), headers=token_for(user))
    assert response.status_code == 200, response.get_json()
    payload = response.get_json()
    assert set(payload) == {"correction_requests"}
    return payload["correction_requests"]


def _decide(client, request_id: int, headers, action: str, **fields):
    return client.patch(f"/api/v1/correction-requests/{request_id}", json={"action": action, **fields}, headers=headers)


def _decided(response) -> dict:
    assert response.status_code == 200, response.get_json()
    payload = response.get_json()
    assert set(payload) == {"correction_request"}
    return payload["correction_request"]


def _error(response) -> dict:
    payload = response.get_json()
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "fields"}
    return payload["error"]


def _stored(request_id: int) -> CorrectionRequest:
    db.session.expire_all()
    return db.session.get(CorrectionRequest, request_id)


def _request_rows() -> int:
    return db.session.scalar(select(func.count(CorrectionRequest.id)))


# --- asking ----------------------------------------------------------------------------------


def test_a_reader_with_a_token_asks_for_a_correction(client, make_user, make_article, token_for):
    reader = make_user("reader", name="Rae Reader", email="rae@example.org")
    article = make_article()
    cited = api_comment(client, article, "It is $5,000 since March.")
    created = _asked(
        _ask(
            client,
            article,
            "The *limit* changed.",
            token_for(reader),
            source_url="https://law.example/limit",
            comment_id=cited,
        )
    )
    assert set(created) == PUBLIC_KEYS
    assert created["article"] == article.slug
    assert (created["body"], created["source_url"], created["comment_id"]) == (
        "The *limit* changed.",
        "https://law.example/limit",
        cited,
    )
    assert (created["name"], created["status"]) == ("Rae Reader", "open")
    assert (created["note_id"], created["decline_reason"], created["decided_at"]) == (None, None, None)
    stored = _stored(created["id"])
    assert created["created_at"] == stored.created_at.isoformat() and created["created_at"].endswith("+00:00")
    assert (stored.user_id, stored.email, stored.status, stored.ip_network) == (
        reader.id,
        "rae@example.org",
        RequestStatus.open,
        "127.0.0.0/24",
    )


def test_a_guest_gives_a_name_and_an_email(client, make_article):
    article = make_article()
    created = _asked(_ask(client, article, "  Wrong date.  ", name="  Gail  Guest ", email="Gail@Example.ORG"))
    assert (created["name"], created["body"], created["status"]) == ("Gail Guest", "Wrong date.", "open")
    assert (created["source_url"], created["comment_id"]) == (None, None)
    stored = _stored(created["id"])
    assert (stored.user_id, stored.name, stored.email) == (None, "Gail Guest", "gail@example.org")


def test_an_account_asks_as_itself_whatever_name_it_sends(client, make_user, make_article, token_for):
    reader = make_user("reader", name="Rae Reader", email="rae@example.org")
    article = make_article()
    created = _asked(_ask(client, article, headers=token_for(reader), name="The Editor", email="editor@example.org"))
    assert created["name"] == "Rae Reader"
    assert (_stored(created["id"]).user_id, _stored(created["id"]).email) == (reader.id, "rae@example.org")


@pytest.mark.parametrize(
    "guest, fields",
    [
        ({"email": "gail@example.org"}, {"name": "Enter your name."}),
        ({"name": "  ", "email": "gail@example.org"}, {"name": "Enter your name."}),
        (
            {"name": "Gail"},
            {"email": "Enter your email address, so the author can tell you the outcome; it is never shown."},
        ),
        (
            {"name": "Gail", "email": "gail"},
            {"email": "That email address is not valid: An email address must have an @-sign."},
        ),
    ],
)
def test_a_guest_without_a_name_or_a_valid_email_is_422(client, make_article, guest, fields):
    response = client.post(_requests_url(make_article()), json={**guest, "body": "Wrong date."})
    assert response.status_code == 422
    error = _error(response)
    assert (error["code"], error["fields"]) == ("validation_failed", fields)
    assert _request_rows() == 0


def test_a_guest_without_a_name_and_an_email_is_told_about_both(client, make_article):
    response = client.post(_requests_url(make_article()), json={"body": "Wrong date."})
    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"name", "email"}


def test_a_guest_name_is_at_most_80_characters(client, make_article):
    article = make_article()
    response = client.post(_requests_url(article), json={**GUEST, "name": "G" * 81, "body": "Wrong date."})
    assert response.status_code == 422
    assert _error(response)["fields"] == {"name": "A name is at most 80 characters."}
    assert _request_rows() == 0
    assert _asked(_ask(client, article, name="G" * 80))["name"] == "G" * 80


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"body": None}, "body", "Field may not be null."),
        ({"body": " \n "}, "body", "Say what is wrong in the article."),
        ({"body": "x" * 2001}, "body", "A request is at most 2,000 characters (this one has 2,001)."),
        ({"source_url": "javascript:alert(1)"}, "source_url", NOT_A_LINK),
        ({"source_url": "ftp://files.example/a"}, "source_url", NOT_A_LINK),
        ({"source_url": "law.example/limit"}, "source_url", NOT_A_LINK),
        ({"source_url": "https://"}, "source_url", NOT_A_LINK),
        ({"source_url": "https://law.example/a b"}, "source_url", NOT_A_LINK),
        ({"source_url": "https://law.example/" + "a" * 481}, "source_url", "A source link is at most 500 characters."),
        ({"comment_id": "first"}, "comment_id", "Not a valid integer."),
        ({"status": "resolved"}, "status", "Unknown field."),
        ({"user_id": 1}, "user_id", "Unknown field."),
        ({"reasons": []}, "reasons", "Unknown field."),
        ({"note_id": 1}, "note_id", "Unknown field."),
    ],
)
def test_invalid_requests_are_422_naming_the_field(client, make_article, fields, field, message):
    response = client.post(_requests_url(make_article()), json={**GUEST, "body": "Wrong date.", **fields})
    assert response.status_code == 422
    error = _error(response)
    assert (error["code"], error["fields"]) == ("validation_failed", {field: message})
    assert _request_rows() == 0


def test_a_request_without_a_body_is_422(client, make_article):
    response = client.post(_requests_url(make_article()), json=GUEST)
    assert response.status_code == 422 and _error(response)["fields"] == {"body": "Missing data for required field."}


def test_the_comment_must_be_a_published_comment_on_this_article(app, client, make_article):
    article, other = make_article(), make_article()
    foreign = api_comment(client, other, "On the other article.")
    deleted = api_comment(client, article, "Soon gone.")
    assert client.delete(f"/api/v1/comments/{deleted}").status_code == 204
    app.config["MODERATION_HOLD_ALL"] = True
    held = client.post(f"/api/v1/articles/{article.slug}/comments", json={**GUEST, "body": "Held."}).get_json()
    app.config["MODERATION_HOLD_ALL"] = False
    for comment_id in (foreign, deleted, held["comment"]["id"], 99999):
        response = _ask(client, article, f"See comment {comment_id}.", comment_id=comment_id)
        assert response.status_code == 422
        assert _error(response)["fields"] == {
            "comment_id": f"Comment {comment_id} is not a published comment on this article."
        }
    assert _request_rows() == 0


def test_every_problem_with_a_request_is_named_at_once(client, make_article):
    response = _ask(client, make_article(), " ", source_url="mailto:x", comment_id=99999, name="")
    assert response.status_code == 422
    error = _error(response)
    assert error["message"] == "Some fields need attention."
    assert set(error["fields"]) == {"body", "source_url", "comment_id", "name"}


def test_the_same_request_twice_is_409(client, make_user, make_article, token_for):
    reader = make_user("reader")
    article, other = make_article(), make_article()
    _asked(_ask(client, article, "Wrong date.", token_for(reader)))
    again = _ask(client, article, "Wrong date.", token_for(reader))
    assert again.status_code == 409
    assert _error(again) == {
        "code": "duplicate",
        "message": "You have already sent this request.",
        "fields": {"body": "You have already sent this request."},
    }
    _asked(_ask(client, article, "Wrong date.", name="Gail", email="gail@example.org"))
    assert _ask(client, article, "Wrong date.", name="Gail G.", email="GAIL@example.org").status_code == 409
    # Another text, another reader or another article is a new request.
    _asked(_ask(client, article, "Wrong place.", token_for(reader)))
    _asked(_ask(client, article, "Wrong date.", token_for(make_user("reader"))))
    _asked(_ask(client, other, "Wrong date.", token_for(reader)))
    assert _request_rows() == 5


def test_the_same_words_about_another_comment_are_a_new_request(client, make_user, make_article, token_for):
    reader = make_user("reader")
    article = make_article()
    first, second = api_comment(client, article, "It is $5,000."), api_comment(client, article, "It is $7,500.")
    _asked(_ask(client, article, "This comment is right.", token_for(reader), comment_id=first))
    _asked(_ask(client, article, "This comment is right.", token_for(reader), comment_id=second))
    _asked(_ask(client, article, "This comment is right.", token_for(reader)))
    for comment_id in (first, second, None):
        again = _ask(client, article, "This comment is right.", token_for(reader), comment_id=comment_id)
        assert again.status_code == 409 and _error(again)["code"] == "duplicate"
    assert _request_rows() == 3


def test_a_request_caught_by_the_spam_checks_looks_open_to_its_sender(app, client, make_user, make_article, token_for):
    author = make_user("author")
    admin = make_user("admin")
    article = make_article(author=author)
    app.config["SPAM_BLOCKED_WORDS"] = "casino\ncheap pills"
    worded = _ask(client, article, "Great CASINO offers here.")
    banned_email = "banned@example.org"
    ban = client.post(
        "/api/v1/moderation/bans", json={"email": banned_email, "reason": "Spammer."}, headers=token_for(admin)
    )
    assert ban.status_code == 201
    banned = _ask(client, article, "The figure is wrong.", name="Ben", email=banned_email)
    clean = _ask(client, article, "The date is wrong.")
    shapes = [_asked(response) for response in (worded, banned, clean)]
    assert [s["status"] for s in shapes] == ["open", "open", "open"]
    assert all(set(s) == PUBLIC_KEYS for s in shapes)

    desk = {r["id"]: r for r in _desk(client, article, author, token_for)}
    assert [desk[s["id"]]["status"] for s in shapes] == ["spam", "spam", "open"]
    assert desk[shapes[0]["id"]]["reasons"] == [{"code": "blocked_words", "message": "Contains blocked words: casino."}]
    assert [r["code"] for r in desk[shapes[1]["id"]]["reasons"]] == ["banned_sender"]
    assert desk[shapes[2]["id"]]["reasons"] == []


def test_a_request_with_many_links_is_open_with_the_reason_shown_to_the_author(
    client, make_user, make_article, token_for
):
    author = make_user("author")
    article = make_article(author=author)
    links = "See [one](https://a.example/x), [two](https://b.example/y) and [three](https://a.example/z)."
    created = _asked(_ask(client, article, links))
    (listed,) = _desk(client, article, author, token_for)
    assert (created["status"], listed["status"]) == ("open", "open")
    assert listed["reasons"] == [
        {
            "code": "links",
            "message": "3 links, 5 words of its own (held: 3 or more links with fewer than 15 words each).",
        }
    ]


def test_requests_on_drafts_and_missing_articles_are_404_and_writes_take_json(
    client, make_user, make_article, token_for
):
    author = make_user("author")
    draft = make_article(author=author, published=False)
    for headers in ({}, token_for(make_user("reader")), token_for(author)):
        response = client.post(_requests_url(draft), json={**GUEST, "body": "Wrong."}, headers=headers)
        assert response.status_code == 404 and _error(response)["code"] == "not_found"
    assert client.get(_requests_url(draft), headers=token_for(author)).status_code == 404
    assert client.post("/api/v1/articles/nope/correction-requests", json={**GUEST, "body": "Wrong."}).status_code == 404
    article = make_article(author=author)
    for response in (
        client.post(_requests_url(article), data={**GUEST, "body": "Form."}),
        client.post(_requests_url(article), data="body=x", content_type="text/plain"),
    ):
        assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"
    broken = client.post(_requests_url(article), data="{not json", content_type="application/json")
    assert broken.status_code == 400 and _error(broken)["code"] == "invalid_json"
    assert _request_rows() == 0


# --- the desk --------------------------------------------------------------------------------


def test_the_author_lists_an_articles_requests_newest_first_with_the_real_status(
    client, make_user, make_article, token_for
):
    author = make_user("author")
    article, elsewhere = make_article(author=author), make_article(author=author)
    first = _asked(_ask(client, article, "First."))["id"]
    second = _asked(_ask(client, article, "Second.", token_for(make_user("reader", name="Rae Reader"))))["id"]
    _asked(_ask(client, elsewhere, "Elsewhere."))
    _decided(_decide(client, first, token_for(author), "spam"))
    listed = _desk(client, article, author, token_for)
    assert [(r["id"], r["status"], r["name"], r["article"]) for r in listed] == [
        (second, "open", "Rae Reader", article.slug),
        (first, "spam", "Gail Guest", article.slug),
    ]
    assert all(PUBLIC_KEYS | {"reasons"} <= set(r) for r in listed)


def test_the_desk_listing_never_shows_the_requesters_email(client, make_user, make_article, token_for):
    # Emails go only to moderators on their own desk; authors are told the outcome is sent, not the address.
    author = make_user("author")
    article = make_article(author=author)
    _asked(_ask(client, article, "Wrong date.", name="Gail", email="Gail@Example.org"))
    response = client.get(_requests_url(article), headers=token_for(author))
    (listed,) = response.get_json()["correction_requests"]
    assert "email" not in listed and "example.org" not in response.get_data(as_text=True).lower()


def test_the_host_and_admins_see_the_requests_and_nobody_else(client, make_user, make_article, token_for):
    host = make_user("author")
    article = make_article(author=host, guest=("Gus Guest", "A specialist."))
    created = _asked(_ask(client, article))["id"]
    for user in (host, make_user("admin")):
        assert [r["id"] for r in _desk(client, article, user, token_for)] == [created]
    for role in ("reader", "moderator", "author"):
        response = client.get(_requests_url(article), headers=token_for(make_user(role)))
        assert response.status_code == 403, role
        assert _error(response) == {
            "code": "forbidden",
            "message": "Correction requests are for the article's author, its host and admins.",
            "fields": {},
        }
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = client.get(_requests_url(article), headers=headers)
        assert response.status_code == 401 and _error(response)["code"] == "unauthorized"


def test_acknowledging_then_resolving_with_a_note_tells_the_requester(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article, "Wrong date.", name="Gail", email="gail@example.org"))
    acknowledged = _decided(_decide(client, created["id"], token_for(author), "acknowledge"))
    assert (acknowledged["status"], acknowledged["decided_at"], acknowledged["note_id"]) == ("acknowledged", None, None)
    assert _stored(created["id"]).acknowledged_at is not None

    note = make_note(article, author).id
    resolved = _decided(_decide(client, created["id"], token_for(author), "resolve", note_id=note))
    assert (resolved["status"], resolved["note_id"], resolved["decline_reason"]) == ("resolved", note, None)
    assert resolved["decided_at"] == _stored(created["id"]).decided_at.isoformat()
    assert _stored(created["id"]).decided_by_id == author.id
    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "request_decided")).all()
    assert (message.subject_id, message.to_name, message.to_email) == (created["id"], "Gail", "gail@example.org")
    assert f"/articles/{article.slug}#note-{note}" in message.body


def test_an_open_request_can_be_resolved_at_once_by_an_admin(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    note = make_note(article, author).id
    resolved = _decided(_decide(client, created, token_for(make_user("admin")), "resolve", note_id=note))
    assert (resolved["status"], resolved["note_id"]) == ("resolved", note)


@pytest.mark.parametrize("note_id", [None, "other", 99999])
def test_resolving_needs_a_note_on_that_article(client, make_user, make_article, token_for, note_id):
    author = make_user("author")
    article, other = make_article(author=author), make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    make_note(article, author)
    fields = {} if note_id is None else {"note_id": make_note(other, author).id if note_id == "other" else note_id}
    response = _decide(client, created, token_for(author), "resolve", **fields)
    assert response.status_code == 422
    assert _error(response)["fields"] == {"note_id": "Choose the note on this article that resolves the request."}
    assert (_stored(created).status, _stored(created).note_id) == (RequestStatus.open, None)


def test_declining_needs_a_public_reason(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article, name="Gail", email="gail@example.org"))["id"]
    for fields, message in [
        ({}, "Say why you decline the request; the requester and readers see it."),
        ({"reason": "  "}, "Say why you decline the request; the requester and readers see it."),
        ({"reason": "x" * 501}, "A reason is at most 500 characters."),
    ]:
        response = _decide(client, created, token_for(author), "decline", **fields)
        assert response.status_code == 422 and _error(response)["fields"] == {"reason": message}
    assert _stored(created).status is RequestStatus.open
    declined = _decided(_decide(client, created, token_for(author), "decline", reason=" The  figure is right. "))
    assert (declined["status"], declined["decline_reason"], declined["note_id"]) == (
        "declined",
        "The figure is right.",
        None,
    )
    assert declined["decided_at"] is not None
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert (message.topic, message.to_email) == ("request_decided", "gail@example.org")
    assert "It was declined: The figure is right." in message.body


def test_reopening_clears_the_outcome(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    _decided(_decide(client, created, token_for(author), "decline", reason="Right as it is."))
    reopened = _decided(_decide(client, created, token_for(author), "reopen"))
    assert (reopened["status"], reopened["decline_reason"], reopened["note_id"]) == ("acknowledged", None, None)
    note = make_note(article, author).id
    _decided(_decide(client, created, token_for(author), "resolve", note_id=note))
    reopened = _decided(_decide(client, created, token_for(author), "reopen"))
    assert (reopened["status"], reopened["note_id"]) == ("acknowledged", None)


def test_a_reopened_request_is_undecided(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    declined = _decided(_decide(client, created, token_for(author), "decline", reason="Right as it is."))
    assert declined["decided_at"] is not None and _stored(created).decided_by_id == author.id
    reopened = _decided(_decide(client, created, token_for(author), "reopen"))
    assert reopened["decided_at"] is None
    assert (_stored(created).decided_at, _stored(created).decided_by_id) == (None, None)


def test_spam_and_not_spam(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    assert _decided(_decide(client, created, token_for(author), "spam"))["status"] == "spam"
    assert [r["status"] for r in _desk(client, article, author, token_for)] == ["spam"]
    assert _decided(_decide(client, created, token_for(author), "not_spam"))["status"] == "open"
    assert _stored(created).status is RequestStatus.open


# Where each action may start from (every other start is a 409), and where it leads.
ALLOWED_FROM = {
    "acknowledge": {"open"},
    "resolve": {"open", "acknowledged"},
    "decline": {"open", "acknowledged"},
    "spam": {"open", "acknowledged"},
    "not_spam": {"spam"},
    "reopen": {"resolved", "declined"},
}
TARGET = {
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "decline": "declined",
    "spam": "spam",
    "not_spam": "open",
    "reopen": "acknowledged",
}
# How a new request reaches each state.
REACH = {
    "open": [],
    "acknowledged": ["acknowledge"],
    "resolved": ["resolve"],
    "declined": ["decline"],
    "spam": ["spam"],
}


@pytest.mark.parametrize(
    "start, action",
    [(start, action) for action in ACTIONS for start in REACH if start not in ALLOWED_FROM[action]],
)
def test_wrong_transitions_are_409(client, make_user, make_article, token_for, start, action):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    note = make_note(article, author).id
    fields = {"note_id": note, "reason": "Because."}
    for step in REACH[start]:
        _decided(_decide(client, created, token_for(author), step, **fields))
    assert _stored(created).status.value == start
    response = _decide(client, created, token_for(author), action, **fields)
    assert response.status_code == 409
    error = _error(response)
    assert error["code"] == "invalid_transition"
    assert error["message"] == f"A request that is {start} cannot be moved that way ({action})."
    assert _stored(created).status.value == start


@pytest.mark.parametrize(
    "start, action", [(start, action) for action in ACTIONS for start in sorted(ALLOWED_FROM[action])]
)
def test_allowed_transitions(client, make_user, make_article, token_for, start, action):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    fields = {"note_id": make_note(article, author).id, "reason": "Because."}
    for step in REACH[start]:
        _decided(_decide(client, created, token_for(author), step, **fields))
    assert _decided(_decide(client, created, token_for(author), action, **fields))["status"] == TARGET[action]
    assert _stored(created).status.value == TARGET[action]


def test_only_the_author_the_host_and_admins_decide(client, make_user, make_article, token_for):
    host = make_user("author")
    article = make_article(author=host, guest=("Gus Guest", ""))
    created = _asked(_ask(client, article))["id"]
    for role in ("reader", "moderator", "author"):
        response = _decide(client, created, token_for(make_user(role)), "acknowledge")
        assert response.status_code == 403, role
        assert _error(response)["message"] == "Correction requests are for the article's author, its host and admins."
    assert _decide(client, created, {}, "acknowledge").status_code == 401
    assert _decide(client, 99999, token_for(host), "acknowledge").status_code == 404
    assert _stored(created).status is RequestStatus.open
    assert _decided(_decide(client, created, token_for(host), "acknowledge"))["status"] == "acknowledged"
    assert _decided(_decide(client, created, token_for(make_user("admin")), "spam"))["status"] == "spam"


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({}, "action", "Missing data for required field."),
        ({"action": "delete"}, "action", f"Must be one of: {', '.join(ACTIONS)}."),
        ({"action": "resolve", "note_id": "first"}, "note_id", "Not a valid integer."),
        ({"action": "acknowledge", "status": "resolved"}, "status", "Unknown field."),
    ],
)
def test_invalid_decisions_are_422(client, make_user, make_article, token_for, payload, field, message):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    response = client.patch(f"/api/v1/correction-requests/{created}", json=payload, headers=token_for(author))
    assert response.status_code == 422 and _error(response)["fields"] == {field: message}
    assert _stored(created).status is RequestStatus.open


def test_decisions_take_json_only(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = _asked(_ask(client, article))["id"]
    response = client.patch(
        f"/api/v1/correction-requests/{created}", data={"action": "acknowledge"}, headers=token_for(author)
    )
    assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"
    assert _stored(created).status is RequestStatus.open


# --- nothing leaks ---------------------------------------------------------------------------


def test_no_requesters_response_reveals_an_email(app, client, make_user, make_article, token_for):
    author = make_user("author", email="author.secret@example.org")
    reader = make_user("reader", email="reader.secret@example.org")
    article = make_article(author=author)
    app.config["SPAM_BLOCKED_WORDS"] = "casino"
    responses = [
        _ask(client, article, "Wrong date.", name="Gail", email="gail.secret@example.org"),
        _ask(client, article, "Wrong date.", name="Gail", email="gail.secret@example.org"),
        _ask(client, article, "Casino time.", name="Sam", email="sam.secret@example.org"),
        _ask(client, article, "Wrong place.", token_for(reader)),
        _ask(client, article, "Wrong place.", token_for(reader)),
        _ask(client, article, "Bad link.", name="Pat", email="pat.secret@example.org", source_url="javascript:x"),
        _ask(client, article, "No name.", name="", email="nameless.secret@example.org"),
        client.get(_requests_url(article), headers=token_for(reader)),
        client.get(f"/api/v1/articles/{article.slug}/comments"),
        client.get(f"/api/v1/articles/{article.slug}/notes"),
    ]
    assert [r.status_code for r in responses] == [201, 409, 201, 201, 409, 422, 422, 403, 200, 200]
    for response in responses:
        text = response.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        assert EMAIL.findall(text) == [], response.request.path
    assert _request_rows() == 3
