"""Odd input through HTTP: ids no database holds, NUL and unpaired surrogates, JSON nested without end, numbers
of thousands of digits and chunked bodies over the limit. Each is a clear 4xx that changes nothing, the same on
SQLite and PostgreSQL (run with TEST_DATABASE_URL to check the second), never a 500 and never stored raw."""

import io
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, Ban, Comment, Flag, ModerationEvent
from tests.factories import make_comment

HUGE = "9223372036854775808"  # 2**63: past every database integer
PAST_POSTGRES = "2147483648"  # 2**31: SQLite holds it, PostgreSQL's integer columns do not
DIGITS_5001 = "1" * 5001
NUL = "\x00"


def _error(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


def _rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _json(client, method: str, path: str, text: str, headers: dict | None = None):
    """Send JSON text exactly as written (escapes such as \\ud800 and \\u0000 included)."""
    return client.open(
        path, method=method, data=text.encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


@pytest.fixture
def moderator(make_user, token_for):
    return token_for(make_user("moderator"))


@pytest.fixture
def published(make_article):
    article = make_article()
    return article, make_comment(article)


# Ids a database cannot hold: 404 in a path, page by page and role by role.


@pytest.mark.parametrize("number", [HUGE, PAST_POSTGRES, DIGITS_5001])
def test_impossible_comment_ids_in_page_paths_are_404(client, number):
    assert client.get(f"/comments/{number}").status_code == 404
    assert client.get(f"/comments/{number}/edit").status_code == 404


@pytest.mark.parametrize("number", [HUGE, PAST_POSTGRES, DIGITS_5001])
def test_impossible_ids_in_api_paths_are_json_404s(client, moderator, number):
    responses = [
        client.post(f"/api/v1/moderation/comments/{number}", json={"action": "approve"}, headers=moderator),
        client.patch(f"/api/v1/comments/{number}", json={"body": "x"}, headers=moderator),
        client.delete(f"/api/v1/comments/{number}", headers=moderator),
        client.post(f"/api/v1/comments/{number}/flags", json={"reason": "spam"}),
        client.patch(f"/api/v1/correction-requests/{number}", json={"action": "resolve"}, headers=moderator),
    ]
    for response in responses:
        assert response.status_code == 404, response.request.path
        assert _error(response)["code"] == "not_found"


@pytest.mark.parametrize("number", [HUGE, DIGITS_5001])
def test_impossible_ids_in_desk_paths_are_404(client, login, make_user, number):
    login(make_user("moderator"))
    assert client.get(f"/moderation/comments/{number}").status_code == 404
    assert client.post(f"/moderation/comments/{number}/action", data={"action": "approve"}).status_code == 404


@pytest.mark.parametrize("number", [HUGE, PAST_POSTGRES, DIGITS_5001])
def test_a_page_past_any_database_is_422_in_the_api(client, moderator, published, number):
    article, _ = published
    for path in (
        f"/api/v1/articles?page={number}",
        f"/api/v1/articles/{article.slug}/comments?page={number}",
        f"/api/v1/moderation/comments?page={number}",
    ):
        response = client.get(path, headers=moderator)
        assert response.status_code == 422, path
        assert _error(response)["code"] == "validation_failed" and "page" in _error(response)["fields"]


def test_a_comment_id_past_any_database_in_the_event_query_is_422(client, moderator):
    response = client.get(f"/api/v1/moderation/events?comment={HUGE}", headers=moderator)
    assert response.status_code == 422 and "comment" in _error(response)["fields"]


@pytest.mark.parametrize("number", [HUGE, DIGITS_5001])
def test_a_page_or_id_past_any_database_in_a_page_query_is_404(client, published, number):
    article, _ = published
    assert client.get(f"/?page={number}").status_code == 404
    assert client.get(f"/articles/{article.slug}?page={number}").status_code == 404
    assert client.get(f"/articles/{article.slug}?reply_to={number}").status_code == 404


# JSON a parser cannot be trusted with.


def test_json_nested_100000_deep_is_400_invalid_json(client, make_user, token_for, published):
    article, _ = published
    deep = "[" * 100_000 + "]" * 100_000
    for path, headers in (
        ("/api/v1/articles", token_for(make_user("author"))),
        (f"/api/v1/articles/{article.slug}/comments", {}),
    ):
        response = _json(client, "POST", path, '{"title": "T", "body": "b", "x": ' + deep + "}", headers)
        assert response.status_code == 400, path
        assert _error(response)["code"] == "invalid_json"
    assert _rows(Article) == 1 and _rows(Comment) == 1


def test_json_nested_a_little_is_read_as_usual(client, make_user, token_for):
    body = {"title": "Guest piece", "body": "Text.", "guest_author": {"name": "Gus", "bio": "Writes."}}
    response = client.post("/api/v1/articles", json=body, headers=token_for(make_user("author")))
    assert response.status_code == 201


def test_a_lone_surrogate_is_422_and_names_the_field(client, published):
    article, _ = published
    text = '{"body": "Hello \\ud800", "name": "Gail", "email": "gail@example.org"}'
    response = _json(client, "POST", f"/api/v1/articles/{article.slug}/comments", text)
    assert response.status_code == 422
    assert _error(response)["code"] == "validation_failed" and set(_error(response)["fields"]) == {"body"}
    assert _rows(Comment) == 1


def test_a_lone_surrogate_in_a_key_is_422(client, published):
    article, _ = published
    text = '{"body": "Hello", "name": "Gail", "email": "gail@example.org", "\\udfff": 1}'
    response = _json(client, "POST", f"/api/v1/articles/{article.slug}/comments", text)
    assert response.status_code == 422 and _rows(Comment) == 1


def test_a_5001_digit_parent_id_is_422_in_the_api(client, published):
    article, _ = published
    text = '{"body": "Hello", "name": "Gail", "email": "gail@example.org", "parent_id": ' + DIGITS_5001 + "}"
    response = _json(client, "POST", f"/api/v1/articles/{article.slug}/comments", text)
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"parent_id"}
    assert _rows(Comment) == 1


@pytest.mark.parametrize("number", [HUGE, PAST_POSTGRES])
def test_a_parent_id_past_any_database_is_422_in_the_api(client, published, number):
    article, _ = published
    body = {"body": "Hello", "name": "Gail", "email": "gail@example.org", "parent_id": int(number)}
    response = client.post(f"/api/v1/articles/{article.slug}/comments", json=body)
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"parent_id"}
    assert _rows(Comment) == 1


@pytest.mark.parametrize("number", [DIGITS_5001, HUGE, "²"])
def test_an_unreadable_parent_id_in_the_comment_form_is_a_form_error(client, published, number):
    article, _ = published
    form = {"body": "Hello", "name": "Gail", "email": "gail@example.org", "parent_id": number}
    response = client.post(f"/articles/{article.slug}/comments", data=form)
    assert response.status_code == 422
    assert "The comment you are replying to does not exist." in response.get_data(as_text=True)
    assert _rows(Comment) == 1


# NUL: PostgreSQL cannot store it, so no database may; refused before anything reads it.


def test_nul_in_a_slug_is_404(client, published):
    article, _ = published
    assert client.get(f"/articles/{article.slug}%00").status_code == 404
    response = client.get(f"/api/v1/articles/{article.slug}%00")
    assert response.status_code == 404 and _error(response)["code"] == "not_found"
    assert client.get(f"/api/v1/articles/{article.slug}%00/comments").status_code == 404


@pytest.mark.parametrize(
    "website", ["https://ex\u0000ample.com", "https://ex\u0001ample.com", "https://ex\u200bample.com"]
)
def test_a_website_with_control_characters_is_refused_in_the_api(client, published, website):
    article, _ = published
    body = {"body": "Hello", "name": "Gail", "email": "gail@example.org", "website": website}
    response = client.post(f"/api/v1/articles/{article.slug}/comments", json=body)
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"website"}
    assert _rows(Comment) == 1


def test_a_website_with_nul_is_refused_by_the_comment_form(client, published):
    article, _ = published
    form = {"body": "Hello", "name": "Gail", "email": "gail@example.org", "website": "https://ex\x00ample.com"}
    response = client.post(f"/articles/{article.slug}/comments", data=form)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert _rows(Comment) == 1


def test_nul_in_a_flag_note_is_422(client, published):
    _, comment = published
    response = client.post(f"/api/v1/comments/{comment.id}/flags", json={"reason": "spam", "note": "bad" + NUL})
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"note"}
    assert _rows(Flag) == 0


def test_nul_in_the_flag_form_is_400(client, published):
    _, comment = published
    response = client.post(f"/comments/{comment.id}/flag", data={"reason": "spam", "remark": "bad" + NUL})
    assert response.status_code == 400
    assert _rows(Flag) == 0


def test_nul_in_a_ban_reason_is_422(client, moderator):
    response = client.post(
        "/api/v1/moderation/bans", json={"email": "spam@example.org", "reason": "spam" + NUL}, headers=moderator
    )
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"reason"}
    assert _rows(Ban) == 0


def test_nul_in_the_ban_form_is_400(client, login, make_user):
    login(make_user("moderator"))
    form = {"kind": "email", "value": "spam@example.org", "reason": "spam" + NUL}
    assert client.post("/moderation/bans", data=form).status_code == 400
    assert _rows(Ban) == 0


def test_nul_in_an_article_title_is_422(client, make_user, token_for):
    response = client.post(
        "/api/v1/articles", json={"title": "T" + NUL, "body": "b"}, headers=token_for(make_user("author"))
    )
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"title"}
    assert _rows(Article) == 0


def test_nul_in_the_article_form_is_400(client, login, make_user):
    login(make_user("author"))
    assert client.post("/author/articles/new", data={"title": "T" + NUL, "body": "b"}).status_code == 400
    assert _rows(Article) == 0


def test_nul_in_a_moderation_note_is_422(client, moderator, make_article):
    comment = make_comment(make_article())
    events = _rows(ModerationEvent)
    response = client.post(
        f"/api/v1/moderation/comments/{comment.id}",
        json={"action": "trash", "reason": "spam", "note": NUL},
        headers=moderator,
    )
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"note"}
    assert _rows(ModerationEvent) == events


def test_nul_in_the_desk_search_and_article_filter_is_refused(client, login, make_user, moderator, published):
    article, _ = published
    response = client.get("/api/v1/moderation/comments?article=" + article.slug + "%00", headers=moderator)
    assert response.status_code == 422 and set(_error(response)["fields"]) == {"article"}
    login(make_user("moderator"))
    assert client.get("/moderation?q=spam%00").status_code == 400
    assert client.get(f"/moderation?article={article.slug}%00").status_code == 400


def test_nul_in_a_desk_action_note_is_400(client, login, make_user, published):
    _, comment = published
    login(make_user("moderator"))
    events = _rows(ModerationEvent)
    response = client.post(f"/moderation/comments/{comment.id}/action", data={"action": "trash", "remark": "x" + NUL})
    assert response.status_code == 400
    assert _rows(ModerationEvent) == events


# Size: a chunked body carries no length, and must meet the same limit as one that does.


def _chunked(client, path: str, body: bytes, headers: dict):
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked", **headers},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413(client, make_user, token_for):
    body = json.dumps({"title": "T", "body": "x" * (1024 * 1024 + 10)}).encode()
    response = _chunked(client, "/api/v1/articles", body, token_for(make_user("author")))
    assert response.status_code == 413 and _error(response)["code"] == "payload_too_large"
    assert _rows(Article) == 0


def test_a_chunked_body_within_the_limit_is_read(client, make_user, token_for):
    body = json.dumps({"title": "Chunked", "body": "x" * 1000}).encode()
    response = _chunked(client, "/api/v1/articles", body, token_for(make_user("author")))
    assert response.status_code == 201 and _rows(Article) == 1


# Ids typed into the site's forms: thousands of digits, past any database, or digits int() cannot read.


@pytest.mark.parametrize("number", [HUGE, DIGITS_5001])
def test_an_impossible_comment_cited_by_the_note_form_is_a_form_error(client, login, make_user, published, number):
    article, _ = published
    login(article.author)
    form = {"kind": "correction", "body": "Fixed the date.", "paragraph": "", "prompted_by": number}
    response = client.post(f"/articles/{article.slug}/notes/new", data=form)
    assert response.status_code == 422
    assert "not a comment" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", [HUGE, PAST_POSTGRES, DIGITS_5001, "²"])
def test_an_impossible_comment_in_the_correction_request_form_is_a_form_error(client, published, number):
    article, _ = published
    form = {"body": "The date is wrong.", "name": "Rita", "email": "rita@example.org", "comment_id": number}
    response = client.post(f"/articles/{article.slug}/correction-requests", data=form)
    assert response.status_code == 422
    assert "comment" in response.get_data(as_text=True)


def test_unreadable_ids_on_the_requests_desk_are_skipped(client, login, published):
    article, _ = published
    login(article.author)
    form = {"bulk_action": "acknowledge", "request_ids": ["²", HUGE, DIGITS_5001]}
    response = client.post("/author/requests/bulk", data=form)
    assert response.status_code == 302
    response = client.post("/author/requests/1", data={"action": "resolve", "note_id": "²"})
    assert response.status_code in {302, 404}
