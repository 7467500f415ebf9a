"""Fair consequences for writers, through HTTP: the flood limits count accepted posts only, per writer and (more
loosely) per network; a writer's own caught comment can be changed like a held one; and only a person's
decision counts against a writer in the "often rejected" rule."""

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Comment, CommentStatus, CorrectionRequest
from app.models.types import utcnow

GUEST = {"name": "Guest Writer", "email": "guest@example.org"}
CAUGHT = "Visit the casino now."  # with SPAM_BLOCKED_WORDS="casino", the spam checks catch it
FLOOD = "You are posting faster than the site allows"


def _html(response) -> str:
    return unescape(response.get_data(as_text=True))


def _form_errors(html: str) -> list[str]:
    """The messages above every form of the page (the article page has the comment and the request forms)."""
    blocks = re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', html, re.S)
    assert blocks, "no form errors slot"
    return [message for block in blocks for message in re.findall(r'<p class="field__error">(.*?)</p>', block)]


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _comments() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def _newest() -> Comment:
    db.session.expire_all()
    return db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()


def _age(comment_id: int, minutes: int) -> None:
    """Pretend the comment was posted this many minutes ago."""
    db.session.execute(
        update(Comment).where(Comment.id == comment_id).values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def _api(article) -> str:
    return f"/api/v1/articles/{article.slug}/comments"


def _page(article) -> str:
    return f"/articles/{article.slug}/comments"


# --- flood limits ----------------------------------------------------------------------------


def test_a_refused_comment_costs_the_writer_nothing_on_the_page_and_in_the_api(app_with, make_article):
    with app_with(RATELIMIT_ENABLED=True) as app:  # the default limits: 1 comment every 15 seconds per writer
        article = make_article()
        browser = app.test_client()
        for _ in range(3):
            assert browser.post(_page(article), data={**GUEST, "body": "  "}).status_code == 422
        assert browser.post(_page(article), data={**GUEST, "body": "At last, a thought."}).status_code == 302
        refused = browser.post(_page(article), data={**GUEST, "body": "And another."})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert _form_errors(_html(refused)) == [
            f"{FLOOD} (1 comment every 15 seconds). Wait a little, then press the button again; your text is kept."
        ]

        client = app.test_client()
        writer = {"name": "Api Writer", "email": "api@example.org"}
        assert client.post(_api(article), json={**writer, "body": ""}).status_code == 422
        assert client.post(_api(article), json={**writer, "body": "From the API."}).status_code == 201
        limited = client.post(_api(article), json={**writer, "body": "Again from the API."})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert limited.get_json()["error"] == {
            "code": "rate_limited",
            "message": f"{FLOOD} (1 comment every 15 seconds). Wait a little and try again.",
            "fields": {},
        }
        assert _comments() == 2


def test_the_page_script_hears_the_limit_in_words(app_with, make_article):
    with app_with(
        RATELIMIT_ENABLED=True,
        COMMENT_LIMIT_PER_EMAIL="100 per minute;2 per hour",
        COMMENT_LIMIT_PER_NETWORK="5/minute",
    ) as app:
        article = make_article()
        script = app.test_client()
        headers = {"Accept": "application/json"}
        for n in range(2):
            posted = script.post(_page(article), data={**GUEST, "body": f"Number {n}."}, headers=headers)
            assert posted.status_code == 200
        limited = script.post(_page(article), data={**GUEST, "body": "Number 3."}, headers=headers)
        assert limited.status_code == 429
        assert limited.get_json()["error"]["message"] == (
            f"{FLOOD} (2 comments an hour). Wait a little, then press the button again; your text is kept."
        )
        # The network's limit names itself: it is not this writer's pace that was too fast.
        for n in range(3):
            other = {"name": f"W{n}", "email": f"w{n}@example.org", "body": f"From W{n}."}
            assert script.post(_page(article), data=other, headers=headers).status_code == 200
        crowded = script.post(
            _page(article), data={**GUEST, "email": "late@example.org", "body": "Late."}, headers=headers
        )
        assert crowded.status_code == 429
        assert crowded.get_json()["error"]["message"].startswith(f"{FLOOD} (5 comments a minute from one network).")


def test_two_writers_on_one_network_each_post_within_the_networks_allowance(app_with, make_article):
    with app_with(RATELIMIT_ENABLED=True) as app:  # the default limits
        article = make_article()
        office = app.test_client()  # one network for everyone: the test client's 127.0.0.1
        statuses = [
            office.post(_api(article), json={"name": f"W{n}", "email": f"w{n}@example.org", "body": f"Hi from {n}."})
            for n in range(10)
        ]
        assert [response.status_code for response in statuses] == [201] * 10
        eleventh = office.post(_api(article), json={"name": "W10", "email": "w10@example.org", "body": "Me too."})
        assert eleventh.status_code == 429
        assert eleventh.get_json()["error"]["message"] == (
            f"{FLOOD} (10 comments a minute from one network). Wait a little and try again."
        )
        # Each writer still has their own limit.
        again = office.post(_api(article), json={"name": "W0", "email": "w0@example.org", "body": "Once more."})
        assert again.status_code == 429


def test_api_clients_with_tokens_are_limited_as_their_own_accounts(app_with, make_user, make_article, token_for):
    with app_with(RATELIMIT_ENABLED=True) as app:
        article = make_article()
        client = app.test_client()
        first, second = token_for(make_user("reader")), token_for(make_user("reader"))
        assert client.post(_api(article), json={"body": "Mine."}, headers=first).status_code == 201
        assert client.post(_api(article), json={"body": "Mine too."}, headers=second).status_code == 201
        assert client.post(_api(article), json={"body": "Mine again."}, headers=first).status_code == 429


def test_correction_requests_count_only_accepted_requests_and_say_the_limit_in_words(app_with, make_article):
    with app_with(RATELIMIT_ENABLED=True) as app:
        article = make_article(body="A claim.\n\nAnother claim.")
        browser = app.test_client()
        url = f"/articles/{article.slug}/correction-requests"
        assert browser.post(url, data={**GUEST, "body": ""}).status_code == 422
        assert browser.post(url, data={**GUEST, "body": "The claim is wrong."}).status_code == 302
        refused = browser.post(url, data={**GUEST, "body": "So is the other."})
        assert refused.status_code == 429
        assert _form_errors(_html(refused)) == [
            "You are sending faster than the site allows (1 correction request every 15 seconds). "
            "Wait a little, then press the button again; your text is kept."
        ]

        client = app.test_client()
        api = f"/api/v1/articles/{article.slug}/correction-requests"
        writer = {"name": "Api Writer", "email": "api@example.org"}
        assert client.post(api, json={**writer, "body": ""}).status_code == 422
        assert client.post(api, json={**writer, "body": "Please check the date."}).status_code == 201
        limited = client.post(api, json={**writer, "body": "And the name."})
        assert limited.status_code == 429
        assert limited.get_json()["error"]["message"] == (
            "You are sending faster than the site allows (1 correction request every 15 seconds). "
            "Wait a little and try again."
        )
        assert db.session.scalar(select(func.count(CorrectionRequest.id))) == 2


# --- a writer's own caught comment -----------------------------------------------------------


def test_a_writer_edits_and_deletes_their_caught_comment_on_the_page_within_the_window(app, client, make_article):
    article = make_article()
    posted = client.post(_page(article), data={**GUEST, "homepage": "http://bot.example", "body": "Typo'd thuoght."})
    assert posted.status_code == 302
    caught = _newest()
    assert caught.status is CommentStatus.spam

    page = _html(client.get(f"/articles/{article.slug}"))
    assert "Awaiting moderation" in page and "Typo'd thuoght." in page
    assert f'href="/comments/{caught.id}/edit"' in page and f'href="/comments/{caught.id}/delete"' in page
    assert client.get(f"/comments/{caught.id}/edit").status_code == 200
    edited = client.post(f"/comments/{caught.id}/edit", data={"body": "Typo'd thought."})
    assert edited.status_code == 302
    stored = _stored(caught.id)
    # Edited, and still caught: an edit is not screened again, as for a held comment.
    assert (stored.body, stored.status) == ("Typo'd thought.", CommentStatus.spam)
    assert [revision.body for revision in stored.revisions] == ["Typo'd thuoght."]

    assert client.get(f"/comments/{caught.id}/delete").status_code == 200
    assert client.post(f"/comments/{caught.id}/delete").status_code == 302
    assert _stored(caught.id).deleted_at is not None


def test_after_the_window_a_caught_comment_is_closed_to_its_writer_on_the_page(app, client, make_article):
    article = make_article()
    client.post(_page(article), data={**GUEST, "homepage": "http://bot.example", "body": "Too late to change."})
    caught = _newest()
    _age(caught.id, 16)
    page = _html(client.get(f"/articles/{article.slug}"))
    assert "Too late to change." in page and f'href="/comments/{caught.id}/edit"' not in page
    assert client.get(f"/comments/{caught.id}/edit").status_code == 403
    assert client.post(f"/comments/{caught.id}/edit", data={"body": "Changed."}).status_code == 403
    assert client.post(f"/comments/{caught.id}/delete").status_code == 403
    stored = _stored(caught.id)
    assert (stored.body, stored.deleted_at) == ("Too late to change.", None)


def test_a_writer_edits_and_deletes_their_caught_comment_through_the_api(app, client, make_article):
    app.config["SPAM_BLOCKED_WORDS"] = "casino"
    article = make_article()
    posted = client.post(_api(article), json={**GUEST, "body": CAUGHT})
    assert posted.status_code == 202 and posted.get_json()["status"] == "pending"
    comment_id, token = posted.get_json()["comment"]["id"], posted.get_json()["edit_token"]
    assert _stored(comment_id).status is CommentStatus.spam

    elsewhere = app.test_client()  # the edit token works without the cookie
    edited = elsewhere.patch(
        f"/api/v1/comments/{comment_id}", json={"body": "A calmer thought."}, headers={"X-Edit-Token": token}
    )
    assert edited.status_code == 200 and edited.get_json()["comment"]["body_html"] == "<p>A calmer thought.</p>\n"
    assert (_stored(comment_id).body, _stored(comment_id).status) == ("A calmer thought.", CommentStatus.spam)
    assert client.delete(f"/api/v1/comments/{comment_id}").status_code == 204
    assert _stored(comment_id).deleted_at is not None

    late = client.post(_api(article), json={**GUEST, "body": "More casino deals."})
    late_id = late.get_json()["comment"]["id"]
    _age(late_id, 16)
    refused = client.patch(f"/api/v1/comments/{late_id}", json={"body": "Changed."})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "edit_window_closed"
    assert client.delete(f"/api/v1/comments/{late_id}").status_code == 403
    assert _stored(late_id).deleted_at is None


def test_a_trashed_comment_stays_closed_to_its_writer(app, client, make_user, make_article, token_for):
    moderator = token_for(make_user("moderator"))
    article = make_article()
    comment_id = client.post(_api(article), json={**GUEST, "body": "Rude words."}).get_json()["comment"]["id"]
    trashed = client.post(
        f"/api/v1/moderation/comments/{comment_id}", json={"action": "trash", "reason": "abusive"}, headers=moderator
    )
    assert trashed.status_code == 200
    refused = client.patch(f"/api/v1/comments/{comment_id}", json={"body": "Nice words."})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "This comment can no longer be changed."
    assert client.delete(f"/api/v1/comments/{comment_id}").status_code == 403


# --- only a person's decision counts ---------------------------------------------------------


def test_only_a_persons_decision_counts_against_a_writer(app, client, make_user, make_article, token_for):
    # The default rule: hold a writer once 30% of at least 2 decided comments in 7 days were rejected.
    app.config["SPAM_BLOCKED_WORDS"] = "casino"
    moderator = token_for(make_user("moderator"))
    article = make_article()

    def post(body: str):
        response = client.post(_api(article), json={**GUEST, "body": body})
        assert response.status_code in {201, 202}, response.get_json()
        return response.get_json()["comment"]["id"], response.status_code

    def moderate(comment_id: int, action: str, **fields):
        response = client.post(
            f"/api/v1/moderation/comments/{comment_id}", json={"action": action, **fields}, headers=moderator
        )
        assert response.status_code == 200, response.get_json()

    # Two comments the spam checks caught on their own: they decide nothing about the writer.
    post(f"{CAUGHT} One.")
    post(f"{CAUGHT} Two.")
    first, status = post("A fair point.")
    assert status == 201
    # A moderator marks it spam, then thinks better of it: approved again, it is not a rejection.
    moderate(first, "spam")
    moderate(first, "approve")
    second, status = post("Another fair point.")
    assert status == 201 and _stored(second).reasons == []
    # A moderator's trash counts: 1 of 2 decided comments (50%) reaches the 30% limit.
    moderate(second, "trash", reason="off_topic")
    held_id, status = post("A third point.")
    held = _stored(held_id)
    assert status == 202 and held.status is CommentStatus.pending
    assert held.reasons == [
        {
            "code": "often_rejected",
            "message": "1 of the commenter's 2 decided comments in the last 7 days were rejected (the limit is 30%).",
            "action": "hold",
            "score": 0.0,
        }
    ]


def test_a_moderators_spam_counts_against_a_writer(app, client, make_user, make_article, token_for):
    moderator = token_for(make_user("moderator"))
    article = make_article()
    ids = [
        client.post(_api(article), json={**GUEST, "body": f"Point {n}."}).get_json()["comment"]["id"] for n in range(2)
    ]
    response = client.post(f"/api/v1/moderation/comments/{ids[0]}", json={"action": "spam"}, headers=moderator)
    assert response.status_code == 200
    held = client.post(_api(article), json={**GUEST, "body": "Point 3."})
    assert held.status_code == 202
    assert [reason["code"] for reason in _newest().reasons] == ["often_rejected"]
