"""/api/v1 comments through HTTP: listing, posting, owning, closing, constant queries, and no leaks."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.api.comments import created_data, created_dump
from app.api.schemas import CommentCreatedSchema
from app.extensions import db
from app.models import Article, Comment, CommentRevision, CommentStatus
from app.models.types import utcnow
from app.services.comments import refresh_comment_count
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.unit.test_markdown import active_parts

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}
SAME_ORIGIN = {"Origin": "http://localhost"}
COMMENT_KEYS = {
    "id",
    "votes",
    "pinned",
    "pinned_by",
    "led_to",
    "parent_id",
    "in_reply_to",
    "author",
    "badge",
    "body_html",
    "created_at",
    "edited_at",
    "removed",
    "removed_by_author",
    "replies",
    "more_replies",
    "more_replies_url",
}


def _list(client, article, query: str = "") -> dict:
    response = client.get(f"/api/v1/articles/{article.slug}/comments{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _post(client, article, body: str = "Hello.", parent_id=None, headers=None, **fields):
    payload = {**GUEST, "body": body, "parent_id": parent_id, **fields}
    return client.post(f"/api/v1/articles/{article.slug}/comments", json=payload, headers=headers or {})


def _created(response) -> dict:
    assert response.status_code in {201, 202}, response.get_json()
    return response.get_json()


def _new_id(client, article, body: str = "Hello.", parent_id=None, **fields) -> int:
    return _created(_post(client, article, body, parent_id, **fields))["comment"]["id"]


def _error(response) -> dict:
    payload = response.get_json()
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "fields"}
    return payload["error"]


def _comment_rows() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _age(comment_id: int, minutes: int = 20) -> None:
    db.session.execute(
        update(Comment).where(Comment.id == comment_id).values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def _walk(comments):
    for comment in comments:
        yield comment
        yield from _walk(comment["replies"])


# --- listing ---------------------------------------------------------------------------------


def test_the_listing_nests_replies_under_their_threads(client, make_user, make_article, token_for):
    author = make_user("author", name="Ada Author")
    article = make_article(author=author)
    top = _new_id(client, article, "Top *level*.", website="https://gail.example/")
    reply = _new_id(client, article, "A reply.", parent_id=top, headers=token_for(author))
    payload = _list(client, article)

    assert set(payload) == {"count", "next_page", "comments", "thread", "earlier_replies_url", "later_replies_url"}
    assert (payload["count"], payload["next_page"]) == (2, None)
    (thread,) = payload["comments"]
    assert set(thread) == COMMENT_KEYS
    assert thread["id"] == top and thread["parent_id"] is None and thread["in_reply_to"] is None
    assert thread["author"].pop("avatar")["initials"] == "GG"
    assert thread["author"] == {"name": "Gail Guest", "website": "https://gail.example/", "badge": None}
    assert thread["body_html"] == "<p>Top <em>level</em>.</p>\n"
    assert thread["created_at"] == _stored(top).created_at.isoformat() and thread["created_at"].endswith("+00:00")
    assert (thread["edited_at"], thread["removed"]) == (None, False)
    (answer,) = thread["replies"]
    assert answer["id"] == reply and answer["parent_id"] == top and answer["replies"] == []
    assert answer["author"].pop("avatar")["initials"] == "AA"
    assert answer["author"] == {"name": "Ada Author", "website": None, "badge": "Author"}


def test_the_listing_pages_threads_and_keeps_replies_with_them(client, make_article):
    article = make_article()
    threads = []
    for n in range(3):
        top = _new_id(client, article, f"Thread {n}.")
        threads.append((top, _new_id(client, article, f"Reply {n}.", parent_id=top)))
    first = _list(client, article, "?per_page=2")
    second = _list(client, article, "?per_page=2&page=2")
    assert [(c["id"], [r["id"] for r in c["replies"]]) for c in first["comments"]] == [(t, [r]) for t, r in threads[:2]]
    assert [(c["id"], [r["id"] for r in c["replies"]]) for c in second["comments"]] == [
        (threads[2][0], [threads[2][1]])
    ]
    assert (first["next_page"], second["next_page"], first["count"], second["count"]) == (2, None, 6, 6)
    assert _list(client, article, "?per_page=2&page=3")["comments"] == []
    newest = _list(client, article, "?order=newest")
    assert [c["id"] for c in newest["comments"]] == [t for t, _ in reversed(threads)]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("?per_page=1001", "per_page", "per_page is between 1 and 1000."),
        ("?per_page=0", "per_page", "per_page is between 1 and 1000."),
        ("?page=0", "page", "page is between 1 and 2147483647."),
        ("?order=sideways", "order", None),
    ],
)
def test_the_listing_refuses_bad_paging(client, make_article, query, field, message):
    response = client.get(f"/api/v1/articles/{make_article().slug}/comments{query}")
    assert response.status_code == 422
    fields = _error(response)["fields"]
    assert set(fields) == {field} and (message is None or fields[field] == message)


def test_the_listing_accepts_a_thousand_per_page(client, make_article):
    assert _list(client, make_article(), "?per_page=1000")["comments"] == []


def test_missing_and_draft_articles_are_404(client, make_article):
    draft = make_article(published=False)
    for url in ("/api/v1/articles/nope/comments", f"/api/v1/articles/{draft.slug}/comments"):
        assert client.get(url).status_code == 404
        response = client.post(url, json={**GUEST, "body": "Hi."})
        assert response.status_code == 404 and _error(response)["code"] == "not_found"
    assert _comment_rows() == 0


# --- posting ---------------------------------------------------------------------------------


def test_a_guest_post_is_201_with_an_edit_token_and_an_owner_cookie(client, make_article):
    article = make_article()
    response = _post(client, article, "Hi **there**.", website="https://gail.example")
    assert response.status_code == 201
    payload = response.get_json()
    assert set(payload) == {"comment", "status", "edit_token", "editable_until"}
    assert payload["status"] == "approved" and isinstance(payload["edit_token"], str) and payload["edit_token"]
    comment = payload["comment"]
    assert set(comment) == COMMENT_KEYS and comment["body_html"] == "<p>Hi <strong>there</strong>.</p>\n"
    stored = _stored(comment["id"])
    assert payload["editable_until"] == (stored.created_at + timedelta(minutes=15)).isoformat()
    assert "aw_comments=" in " ".join(response.headers.getlist("Set-Cookie"))
    assert (stored.writer_email, stored.ip_network, stored.status) == (
        "gail@example.org",
        "127.0.0.0/24",
        CommentStatus.approved,
    )
    assert db.session.get(Article, article.id).comment_count == 1


def test_a_held_comment_is_202_pending_and_left_out_of_the_listing(app, client, make_article):
    app.config["MODERATION_HOLD_ALL"] = True
    article = make_article()
    response = _post(client, article, "Wait for me.")
    assert response.status_code == 202
    payload = response.get_json()
    assert payload["status"] == "pending" and payload["comment"]["body_html"] == "<p>Wait for me.</p>\n"
    assert _stored(payload["comment"]["id"]).status is CommentStatus.pending
    assert _list(app.test_client(), article) == {
        "count": 0,
        "next_page": None,
        "comments": [],
        "thread": None,
        "earlier_replies_url": None,
        "later_replies_url": None,
    }


def test_a_token_holder_posts_as_their_account_with_a_badge(client, make_user, make_article, token_for):
    article = make_article()
    moderator = make_user("moderator", name="Mo Moderator")
    reader = make_user("reader", name="Rae Reader")
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"body": "Staff here."}, headers=token_for(moderator)
    )
    payload = _created(response)
    assert response.status_code == 201 and payload["edit_token"] is None
    assert payload["comment"]["author"].pop("avatar")["initials"] == "MM"
    assert payload["comment"]["author"] == {"name": "Mo Moderator", "website": None, "badge": "Moderator"}
    spoof = _created(
        _post(client, article, "Me.", headers=token_for(reader), name="Mo Moderator", email="mo@example.org")
    )
    assert spoof["comment"]["author"].pop("avatar")["initials"] == "RR"
    assert spoof["comment"]["author"] == {"name": "Rae Reader", "website": None, "badge": None}
    assert _stored(spoof["comment"]["id"]).writer_email == reader.email


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({"name": "G", "email": "g@example.org"}, "body", "Missing data for required field."),
        ({**GUEST, "body": "   "}, "body", "Write something before posting."),
        ({**GUEST, "body": "x" * 5001}, "body", "A comment is at most 5,000 characters (this one has 5,001)."),
        ({"email": "g@example.org", "body": "Hi."}, "name", "Enter your name."),
        ({"name": "G", "body": "Hi."}, "email", "Enter your email address; it is never shown."),
        (
            {**GUEST, "body": "Hi.", "website": "javascript:alert(1)"},
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        (
            {**GUEST, "body": "Hi.", "website": "data:text/html,hi"},
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        ({**GUEST, "body": "Hi.", "parent_id": "first"}, "parent_id", "Not a valid integer."),
        ({**GUEST, "body": "Hi.", "status": "approved"}, "status", "Unknown field."),
        ({**GUEST, "body": "Hi.", "ip_network": "10.0.0.0/8"}, "ip_network", "Unknown field."),
        ({**GUEST, "body": "Hi.", "user_id": 1}, "user_id", "Unknown field."),
    ],
)
def test_invalid_posts_are_422_naming_the_field_and_store_nothing(client, make_article, payload, field, message):
    response = client.post(f"/api/v1/articles/{make_article().slug}/comments", json=payload)
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_failed" and error["fields"] == {field: message}
    assert _comment_rows() == 0


def test_a_reply_needs_a_visible_parent_on_the_same_article(app, client, make_article):
    article, other = make_article(), make_article()
    foreign = _new_id(client, other, "Elsewhere.")
    removed = _new_id(client, article, "Soon gone.")
    assert client.delete(f"/api/v1/comments/{removed}").status_code == 204
    app.config["MODERATION_HOLD_ALL"] = True
    held = _new_id(client, article, "Held.")
    app.config["MODERATION_HOLD_ALL"] = False
    before = _comment_rows()
    for parent_id, message in [
        (9999, "The comment you are replying to does not exist."),
        (foreign, "The comment you are replying to belongs to another article."),
        (held, "The comment you are replying to is not visible, so it cannot be answered."),
        (removed, "The comment you are replying to is not visible, so it cannot be answered."),
    ]:
        response = _post(client, article, "A reply.", parent_id=parent_id)
        assert response.status_code == 422
        assert _error(response)["fields"] == {"parent_id": message}
    assert _comment_rows() == before


def test_replies_below_the_depth_limit_list_whom_they_answer(client, make_article):
    article = make_article()
    chain = []
    for level in range(5):
        chain.append(
            _new_id(client, article, f"Level {level}.", parent_id=chain[-1] if chain else None, name=f"W{level}")
        )
    deep = _new_id(client, article, "Below the limit.", parent_id=chain[4], name="Deep")
    level3 = _list(client, article)["comments"][0]["replies"][0]["replies"][0]["replies"][0]
    assert level3["id"] == chain[3]
    assert [(c["id"], c["parent_id"], c["in_reply_to"]) for c in level3["replies"]] == [
        (chain[4], chain[3], None),
        (deep, chain[3], {"id": chain[4], "name": "W4"}),
    ]


def test_the_post_response_says_whom_a_deep_reply_answers(client, make_article):
    article = make_article()
    chain = []
    for level in range(5):
        chain.append(
            _new_id(client, article, f"Level {level}.", parent_id=chain[-1] if chain else None, name=f"W{level}")
        )
    comment = _created(_post(client, article, "Below the limit.", parent_id=chain[4]))["comment"]
    assert comment["parent_id"] == chain[3]
    assert comment["in_reply_to"] == {"id": chain[4], "name": "W4"}


def test_the_post_answer_is_what_the_documented_schema_dumps(app, client, make_user, make_article, token_for):
    """The answer to a post is built without marshmallow (api.comments.created_dump): it must be, field for field,
    what CommentCreatedSchema dumps, for every shape a new comment takes: a guest's, an account's with a badge, a
    deep reply that says whom it answers, a held one, an edited one."""
    author = make_user("author")
    article = make_article(author=author)
    chain = []
    for level in range(6):  # the last one past the depth limit, beside the comment it answers
        chain.append(_new_id(client, article, f"Level {level}.", parent_id=chain[-1] if chain else None))
    app.config["MODERATION_HOLD_ALL"] = True
    assert _post(client, article, "Held.", website="https://gail.example/").status_code == 202
    app.config["MODERATION_HOLD_ALL"] = False
    by_author = client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"body": "From the author."}, headers=token_for(author)
    )
    assert by_author.status_code == 201, by_author.get_json()
    posted = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    posted[0].edited_at = utcnow()
    db.session.commit()
    schema = CommentCreatedSchema()
    rules = CommentRules()
    with app.test_request_context():
        for comment in posted:
            data = created_data(comment, rules)
            assert created_dump(data) == schema.dump(data)
        assert any(created_data(comment, rules)["comment"]["in_reply_to"] for comment in posted)
        assert any(created_data(comment, rules)["comment"]["author"]["badge"] for comment in posted)
    assert {comment.status for comment in posted} == {CommentStatus.approved, CommentStatus.pending}


def test_writes_take_json_only(client, make_article):
    article = make_article()
    comment_id = _new_id(client, article)
    for response in (
        client.post(f"/api/v1/articles/{article.slug}/comments", data={**GUEST, "body": "Form post."}),
        client.post(f"/api/v1/articles/{article.slug}/comments", data="body=x", content_type="text/plain"),
        client.patch(f"/api/v1/comments/{comment_id}", data={"body": "Form edit."}),
    ):
        assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"
    broken = client.post(f"/api/v1/articles/{article.slug}/comments", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and _error(broken)["code"] == "invalid_json"
    assert _comment_rows() == 1 and _stored(comment_id).body == "Hello."


def test_session_cookie_writes_must_come_from_this_site(client, make_user, make_article, login):
    article = make_article()
    login(make_user("reader"))
    url = f"/api/v1/articles/{article.slug}/comments"
    for headers in (
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost:8000"},
        {"Referer": "https://evil.example/x"},
    ):
        response = client.post(url, json={"body": "Cross-site?"}, headers=headers)
        assert response.status_code == 403 and _error(response)["code"] == "forbidden"
    assert _comment_rows() == 0
    comment_id = _created(client.post(url, json={"body": "Same site."}, headers=SAME_ORIGIN))["comment"]["id"]
    assert client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Changed?"}).status_code == 403
    assert client.delete(f"/api/v1/comments/{comment_id}").status_code == 403
    assert _stored(comment_id).body == "Same site." and _stored(comment_id).deleted_at is None
    assert (
        client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Changed."}, headers=SAME_ORIGIN).status_code
        == 200
    )
    assert client.delete(f"/api/v1/comments/{comment_id}", headers=SAME_ORIGIN).status_code == 204
    assert _list(client, article)["count"] == 0


# --- owning ----------------------------------------------------------------------------------


def test_a_guest_edits_with_the_edit_token_from_anywhere(app, client, make_article):
    article = make_article()
    created = _created(_post(client, article, "Frist."))
    comment_id, token = created["comment"]["id"], created["edit_token"]
    elsewhere = app.test_client()
    response = elsewhere.patch(
        f"/api/v1/comments/{comment_id}", json={"body": "First."}, headers={"X-Edit-Token": token}
    )
    assert response.status_code == 200
    comment = response.get_json()["comment"]
    assert comment["body_html"] == "<p>First.</p>\n" and comment["edited_at"] is not None
    revisions = db.session.scalars(select(CommentRevision).where(CommentRevision.comment_id == comment_id)).all()
    assert [(r.body, r.body_html, r.replaced_by_id) for r in revisions] == [("Frist.", "<p>Frist.</p>\n", None)]
    assert _list(elsewhere, article)["comments"][0]["edited_at"] == comment["edited_at"]


def test_a_guest_edits_and_deletes_with_the_owner_cookie(client, make_article):
    article = make_article()
    comment_id = _new_id(client, article, "Mine.")
    assert client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Still mine."}).status_code == 200
    response = client.delete(f"/api/v1/comments/{comment_id}")
    assert response.status_code == 204 and response.get_data() == b""
    assert _stored(comment_id).deleted_at is not None and _comment_rows() == 1
    assert [r.body for r in _stored(comment_id).revisions] == ["Mine."]


def test_an_edit_token_opens_only_its_own_comment(app, client, make_article):
    article = make_article()
    first = _created(_post(client, article, "First."))
    second_id = _new_id(app.test_client(), article, "Second.")
    stranger = app.test_client()
    for headers in ({"X-Edit-Token": first["edit_token"]}, {"X-Edit-Token": "forged.token.value"}, {}):
        response = stranger.patch(f"/api/v1/comments/{second_id}", json={"body": "Hijack."}, headers=headers)
        assert response.status_code == 403
        assert _error(response) == {
            "code": "forbidden",
            "message": "Only the person who wrote this comment can change it.",
            "fields": {},
        }
        assert stranger.delete(f"/api/v1/comments/{second_id}", headers=headers).status_code == 403
    assert (_stored(second_id).body, _stored(second_id).deleted_at) == ("Second.", None)


def test_nobody_else_can_edit_or_delete_an_accounts_comment(client, make_user, make_article, token_for):
    article = make_article()
    owner = make_user("reader")
    comment_id = _created(_post(client, article, "Account words.", headers=token_for(owner)))["comment"]["id"]
    for role in ("reader", "moderator", "admin"):
        headers = token_for(make_user(role))
        assert (
            client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Mine now."}, headers=headers).status_code
            == 403
        )
        assert client.delete(f"/api/v1/comments/{comment_id}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Guest try."}).status_code == 403
    assert (_stored(comment_id).body, _stored(comment_id).deleted_at) == ("Account words.", None)
    response = client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Owner edit."}, headers=token_for(owner))
    assert response.status_code == 200 and response.get_json()["comment"]["body_html"] == "<p>Owner edit.</p>\n"
    assert [r.replaced_by_id for r in _stored(comment_id).revisions] == [owner.id]


def test_after_the_window_edits_and_deletes_are_403(client, make_article):
    article = make_article()
    created = _created(_post(client, article, "Old words."))
    comment_id = created["comment"]["id"]
    _age(comment_id)
    for response in (
        client.patch(
            f"/api/v1/comments/{comment_id}",
            json={"body": "New words."},
            headers={"X-Edit-Token": created["edit_token"]},
        ),
        client.delete(f"/api/v1/comments/{comment_id}"),
    ):
        assert response.status_code == 403
        assert _error(response)["code"] == "edit_window_closed"
        assert _error(response)["message"] == "Comments can be changed for 15 minutes after posting; that time is over."
    assert (_stored(comment_id).body, _stored(comment_id).deleted_at, _stored(comment_id).revisions) == (
        "Old words.",
        None,
        [],
    )


def test_an_invalid_edit_is_422_and_keeps_the_text(client, make_article):
    comment_id = _new_id(client, make_article(), "Keep me.")
    for body, message in [
        ("  ", "Write something before posting."),
        ("x" * 5001, "A comment is at most 5,000 characters (this one has 5,001)."),
    ]:
        response = client.patch(f"/api/v1/comments/{comment_id}", json={"body": body})
        assert response.status_code == 422 and _error(response)["fields"] == {"body": message}
    response = client.patch(f"/api/v1/comments/{comment_id}", json={"text": "Wrong field."})
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"body", "text"}
    assert (_stored(comment_id).body, _stored(comment_id).revisions) == ("Keep me.", [])
    assert client.patch("/api/v1/comments/9999", json={"body": "Nobody."}).status_code == 404


def test_deleting_a_comment_with_replies_leaves_a_placeholder(app, client, make_article):
    article = make_article()
    parent = _new_id(client, article, "Regrettable.", website="https://gail.example")
    other = app.test_client()
    reply = _new_id(other, article, "A fair reply.", parent_id=parent, name="Rory Replier", email="rory@example.org")
    assert client.delete(f"/api/v1/comments/{parent}").status_code == 204

    payload = _list(app.test_client(), article)
    (placeholder,) = payload["comments"]
    assert placeholder == {
        "id": parent,
        "parent_id": None,
        "in_reply_to": None,
        "author": None,
        "badge": None,
        "body_html": "",
        "created_at": placeholder["created_at"],
        "edited_at": None,
        "removed": True,
        "removed_by_author": False,
        "led_to": [],
        "votes": 0,
        "pinned": False,
        "pinned_by": None,
        "replies": placeholder["replies"],
        "more_replies": 0,
        "more_replies_url": None,
    }
    assert [(r["id"], r["removed"], r["author"]["name"]) for r in placeholder["replies"]] == [
        (reply, False, "Rory Replier")
    ]
    assert payload["count"] == 1 and "Regrettable" not in json.dumps(payload) and "Gail" not in json.dumps(payload)
    assert _comment_rows() == 2

    assert other.delete(f"/api/v1/comments/{reply}").status_code == 204
    assert _list(client, article) == {
        "count": 0,
        "next_page": None,
        "comments": [],
        "thread": None,
        "earlier_replies_url": None,
        "later_replies_url": None,
    }
    assert _comment_rows() == 2
    assert client.delete(f"/api/v1/comments/{parent}").status_code == 403


def test_a_removed_comment_is_never_named_as_in_reply_to(app, client, make_article):
    article = make_article()
    chain = []
    for level in range(5):
        chain.append(
            _new_id(
                app.test_client(), article, f"Level {level}.", parent_id=chain[-1] if chain else None, name=f"W{level}"
            )
        )
    answered = _new_id(client, article, "Answered.", parent_id=chain[4], name="Vanishing Writer")
    _new_id(app.test_client(), article, "The answer.", parent_id=answered, name="Answerer")
    assert client.delete(f"/api/v1/comments/{answered}").status_code == 204
    listed = list(_walk(_list(client, article)["comments"]))
    shown = {c["id"] for c in listed}
    assert all(c["in_reply_to"] is None or c["in_reply_to"]["id"] in shown for c in listed)
    assert "Vanishing Writer" not in json.dumps(listed)


# --- closing ---------------------------------------------------------------------------------


def test_a_closed_thread_refuses_posts_with_comments_closed(app, client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author)
    login(author)
    client.post(f"/articles/{article.slug}/comments/close", data={"reason": "Closed for the holidays."})
    guest = app.test_client()
    response = _post(guest, article, "Anyone?")
    assert response.status_code == 403
    assert _error(response) == {"code": "comments_closed", "message": "Closed for the holidays.", "fields": {}}
    assert _comment_rows() == 0
    client.post(f"/articles/{article.slug}/comments/reopen")
    assert _post(guest, article, "Open again.").status_code == 201


def test_an_auto_closed_thread_refuses_posts(app, client, make_article):
    article = make_article()
    article.published_at = utcnow() - timedelta(days=31)
    db.session.commit()
    app.config["COMMENTS_AUTO_CLOSE_DAYS"] = 30
    response = _post(client, article)
    assert response.status_code == 403
    assert _error(response)["code"] == "comments_closed"
    assert _error(response)["message"] == "Comments close automatically 30 days after an article is published."
    assert _comment_rows() == 0


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<a href='javascript:x' onclick='y'>unclosed <b>tags",
        "\u202eright-to-left\u202c and zero\u200bwidth and " + "L" * 4000,
    ],
)
def test_hostile_input_comes_back_inert(client, make_article, body):
    article = make_article()
    created = _created(_post(client, article, body, name="\u202eEve\u200b"))["comment"]
    listed = _list(client, article)["comments"][0]
    for comment in (created, listed):
        assert active_parts(comment["body_html"]) == []
        assert "\u202e" not in comment["body_html"] and comment["author"]["name"] == "Eve"
        assert all('rel="nofollow ugc noopener"' in link for link in re.findall(r"<a [^>]*>", comment["body_html"]))


# --- constant queries ------------------------------------------------------------------------


def _add_discussion(article, total: int, users) -> None:
    """Insert `total` comments straight into the database: threads five deep plus a reply hung beside,
    some by accounts (badges), some held, some deleted (placeholders)."""
    start = utcnow() - timedelta(days=1)
    threads = -(-total // 6)
    made = 0
    previous: list[Comment | None] = [None] * threads
    roots: list[Comment | None] = [None] * threads
    for layer in range(6):
        rows = []
        for thread in range(threads):
            if made == total:
                break
            made += 1
            parent = (
                previous[thread]
                if layer < 5
                else previous[thread] and db.session.get(Comment, previous[thread].parent_id)
            )
            answered = previous[thread]
            rows.append(
                Comment(
                    article_id=article.id,
                    parent_id=parent.id if parent else None,
                    in_reply_to_id=answered.id if answered else None,
                    root_id=roots[thread].id if roots[thread] else None,
                    depth=min(layer, 4),
                    user_id=users[made % len(users)].id if made % 4 == 0 else None,
                    writer_name=f"Writer {made}",
                    writer_email=f"writer{made}@example.org",
                    ip_network="127.0.0.0/24",
                    body=f"Comment {made}.",
                    body_html=f"<p>Comment {made}.</p>",
                    status=CommentStatus.pending if made % 11 == 0 else CommentStatus.approved,
                    deleted_at=start if made % 13 == 0 else None,
                    created_at=start + timedelta(seconds=made),
                )
            )
        db.session.add_all(rows)
        db.session.flush()
        for thread, row in enumerate(rows):
            previous[thread] = row
            roots[thread] = roots[thread] or row
    refresh_comment_count(article.id)
    db.session.commit()


def test_the_page_and_the_listing_take_the_same_queries_for_10_and_1000_comments(
    app, make_user, make_article, count_queries
):
    author = make_user("author")
    users = [author, make_user("moderator"), make_user("reader")]
    small, large = make_article(author=author), make_article(author=author)
    _add_discussion(small, 10, users)
    _add_discussion(large, 1000, users)
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.article_id == large.id)) == 1000
    client = app.test_client()

    def queries(url: str) -> int:
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200
        return counted.n

    # Warm up on a third article, so both pages below are prepared afresh (test_page_readings.py counts repeats).
    client.get(f"/articles/{make_article(author=author).slug}")
    counts = {}
    for article in (small, large):
        counts[article.slug] = (
            queries(f"/articles/{article.slug}"),
            queries(f"/api/v1/articles/{article.slug}/comments"),
            queries(f"/api/v1/articles/{article.slug}/comments?per_page=1000"),
        )
    assert counts[small.slug] == counts[large.slug]
    assert max(counts[large.slug]) <= 6

    listing = client.get(f"/api/v1/articles/{large.slug}/comments?per_page=1000").get_json()
    listed = list(_walk(listing["comments"]))
    assert len(listing["comments"]) == 167 and listing["count"] == db.session.get(Article, large.id).comment_count
    assert any(c["removed"] for c in listed) and any(c["in_reply_to"] for c in listed)
    assert {c["author"]["badge"] for c in listed if c["author"]} == {None, "Author", "Moderator"}
    page = client.get(f"/articles/{large.slug}").get_data(as_text=True)
    assert page.count('class="comment__permalink"') > 200 and "Page 1 of 4" in page


# --- nothing leaks ---------------------------------------------------------------------------


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def test_no_comment_endpoint_or_page_reveals_an_email_or_an_ip_address(app, client, make_user, make_article, token_for):
    author = make_user("author", email="author.secret@example.org")
    article = make_article(author=author)
    reader = make_user("reader", name="Rae Reader", email="token.reader@example.org")
    secrets = [
        "secret.writer@example.org",
        "page.writer@example.org",
        "held.writer@example.org",
        "token.reader@example.org",
        "author.secret@example.org",
    ]
    responses = []

    def keep(response):
        responses.append(response)
        return response

    writer = app.test_client()
    created = _created(
        keep(
            _post(
                writer,
                article,
                "From the API.",
                name="Sam Secret",
                email="secret.writer@example.org",
                website="https://sam.example",
            )
        )
    )
    top = created["comment"]["id"]
    from_page = keep(
        writer.post(
            f"/articles/{article.slug}/comments",
            data={"name": "Pat Page", "email": "page.writer@example.org", "body": "From the page.", "parent_id": top},
        )
    )
    page_comment = int(from_page.headers["Location"].rsplit("#comment-", 1)[1])
    from_token = keep(_post(client, article, "From a token.", parent_id=top, headers=token_for(reader)))
    reply = _created(from_token)["comment"]["id"]
    keep(_post(client, article, "By the author.", headers=token_for(author)))
    app.config["MODERATION_HOLD_ALL"] = True
    held_writer = app.test_client()
    keep(_post(held_writer, article, "Held.", name="Hal Held", email="held.writer@example.org"))
    app.config["MODERATION_HOLD_ALL"] = False
    doomed_post = keep(_post(writer, article, "Doomed.", parent_id=reply, email="secret.writer@example.org"))
    doomed = _created(doomed_post)["comment"]["id"]

    keep(writer.patch(f"/api/v1/comments/{top}", json={"body": "Edited from the API."}))
    keep(client.patch(f"/api/v1/comments/{top}", json={"body": "Not yours."}))
    keep(_post(client, article, "Bad parent.", parent_id=9999, email="secret.writer@example.org"))
    keep(writer.delete(f"/api/v1/comments/{doomed}"))
    keep(writer.delete(f"/api/v1/comments/{top}"))
    for browser in (app.test_client(), writer, held_writer):
        for url in (
            f"/api/v1/articles/{article.slug}/comments",
            f"/api/v1/articles/{article.slug}/comments?order=newest&per_page=1000",
            f"/articles/{article.slug}",
            f"/articles/{article.slug}?order=newest",
            f"/articles/{article.slug}?reply_to={reply}",
            "/",
            f"/api/v1/articles/{article.slug}",
            "/api/v1/articles",
        ):
            keep(browser.get(url))
    signed_in = app.test_client()
    keep(signed_in.post("/login", data={"email": reader.email, "password": PASSWORD}))
    keep(signed_in.get(f"/articles/{article.slug}?reply_to={reply}"))
    keep(writer.get(f"/comments/{page_comment}/edit"))
    keep(app.test_client().get(f"/comments/{reply}/flag"))
    held_page = keep(held_writer.get(f"/articles/{article.slug}")).get_data(as_text=True)
    stranger_page = keep(app.test_client().get(f"/articles/{article.slug}")).get_data(as_text=True)

    assert {r.status_code for r in responses} >= {200, 201, 202, 204, 302, 403, 422}
    # The walk did see the whole discussion: the placeholder, an account's reply, a guest's page reply, a held one.
    assert "Comment removed." in stranger_page and "Rae Reader" in stranger_page and "Pat Page" in stranger_page
    assert "Awaiting moderation" in held_page and "Hal Held" in held_page and "Hal Held" not in stranger_page
    for response in responses:
        text = response.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        assert not [s for s in secrets if s in text], response.request.path
        assert EMAIL.findall(text) == [], response.request.path
        assert "127.0.0" not in text, response.request.path
