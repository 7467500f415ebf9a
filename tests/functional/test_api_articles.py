"""/api/v1/articles through HTTP: shapes, authentication, and every kind of bad input."""

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article

NEW = {
    "title": "From the API",
    "body": "One.\n\nTwo.",
    "published": True,
    "guest_author": {"name": "Guest", "bio": "Bio."},
}


def _count():
    return db.session.scalar(select(func.count(Article.id)))


def _error(response):
    payload = response.get_json()
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "fields"}
    return payload["error"]


def test_list_shape_and_order(client, make_user, make_article):
    host = make_user("admin", name="Dana Reyes")
    make_article(author=host, title="Older")
    make_article(title="Draft", published=False)
    make_article(author=host, title="Newer", guest=("Marisol Vega", "A paralegal."))
    payload = client.get("/api/v1/articles").get_json()
    assert [a["title"] for a in payload["articles"]] == ["Newer", "Older"]
    first = payload["articles"][0]
    assert {"slug", "title", "author", "guest_author", "published_at", "comment_count", "comments_open"} <= set(first)
    assert first["author"] == {"name": "Dana Reyes"}
    assert first["guest_author"] == {"name": "Marisol Vega", "bio": "A paralegal."}
    assert first["comment_count"] == 0 and first["comments_open"] is True
    assert first["published_at"].endswith("+00:00")
    assert payload["articles"][1]["guest_author"] is None
    assert payload["next_page"] is None
    assert host.email not in json.dumps(payload)


def test_list_pages(client, make_article):
    for n in range(3):
        make_article(title=f"P{n}")
    page1 = client.get("/api/v1/articles?per_page=2").get_json()
    page2 = client.get("/api/v1/articles?per_page=2&page=2").get_json()
    assert [a["title"] for a in page1["articles"]] == ["P2", "P1"] and page1["next_page"] == 2
    assert [a["title"] for a in page2["articles"]] == ["P0"] and page2["next_page"] is None


def test_list_refuses_a_silly_page_size(client):
    response = client.get("/api/v1/articles?per_page=100000")
    assert response.status_code == 422
    assert _error(response)["fields"] == {"per_page": "per_page is between 1 and 200."}


def test_detail_includes_body_html(client, make_article):
    article = make_article(body="Hello.\n\nWorld.")
    payload = client.get(f"/api/v1/articles/{article.slug}").get_json()
    assert payload["article"]["slug"] == article.slug
    assert '<p id="p-2">World.</p>' in payload["article"]["body_html"]


def test_drafts_are_404_except_to_their_author(client, make_user, make_article, token_for):
    owner = make_user("author")
    draft = make_article(author=owner, published=False)
    assert client.get(f"/api/v1/articles/{draft.slug}").status_code == 404
    assert client.get(f"/api/v1/articles/{draft.slug}", headers=token_for(make_user("author"))).status_code == 404
    assert (
        client.get(f"/api/v1/articles/{draft.slug}", headers=token_for(owner)).get_json()["article"]["status"]
        == "draft"
    )


def test_missing_article_is_a_json_404(client):
    response = client.get("/api/v1/articles/nope")
    assert response.status_code == 404 and _error(response)["code"] == "not_found"


def test_author_creates_an_article(client, make_user, token_for):
    response = client.post("/api/v1/articles", json=NEW, headers=token_for(make_user("author", name="Sam")))
    assert response.status_code == 201
    article = response.get_json()["article"]
    assert article["slug"] == "from-the-api"
    assert article["author"] == {"name": "Sam"}
    assert article["guest_author"] == {"name": "Guest", "bio": "Bio."}
    assert article["status"] == "published" and article["published_at"]
    assert '<p id="p-1">One.</p>' in article["body_html"]
    assert client.get("/api/v1/articles/from-the-api").status_code == 200


def test_a_draft_by_default(client, make_user, token_for):
    response = client.post(
        "/api/v1/articles", json={"title": "Quiet", "body": "x"}, headers=token_for(make_user("author"))
    )
    assert response.status_code == 201
    assert (
        response.get_json()["article"]["status"] == "draft" and response.get_json()["article"]["published_at"] is None
    )


def test_creating_needs_a_token(client):
    response = client.post("/api/v1/articles", json=NEW)
    assert response.status_code == 401 and _error(response)["code"] == "unauthorized"
    assert _count() == 0


@pytest.mark.parametrize(
    "header", ["Bearer aw_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "aw_token-without-scheme"]
)
def test_bad_credentials_are_401(client, header):
    response = client.post("/api/v1/articles", json=NEW, headers={"Authorization": header})
    assert response.status_code == 401 and _error(response)["code"] == "unauthorized"
    assert _count() == 0


@pytest.mark.parametrize("role", ["reader", "moderator"])
def test_readers_and_moderators_cannot_create(client, make_user, token_for, role):
    response = client.post("/api/v1/articles", json=NEW, headers=token_for(make_user(role)))
    assert response.status_code == 403 and _error(response)["code"] == "forbidden"
    assert _count() == 0


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"body": "x"}, "title", "Missing data for required field."),
        ({"title": "x" * 201}, "title", "A title is at most 200 characters."),
        ({"title": "   "}, "title", "Give the article a title."),
        ({"title": "T", "published": "maybe"}, "published", "Not a valid boolean."),
        ({"title": "T", "role": "admin"}, "role", "Unknown field."),
        ({"title": "T", "author_id": 1}, "author_id", "Unknown field."),
        ({"title": "T", "guest_author": {"bio": "no name"}}, "guest_author.name", "Missing data for required field."),
        (
            {"title": "T", "slug": "Bad Slug!"},
            "slug",
            "A slug is lowercase letters, digits and single hyphens, at most 120 characters.",
        ),
        ({"title": "T", "body": " ", "published": True}, "body", "Write the article before publishing it."),
    ],
)
def test_invalid_fields_are_422_with_the_field_named(client, make_user, token_for, body, field, message):
    response = client.post("/api/v1/articles", json=body, headers=token_for(make_user("author")))
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_failed"
    assert error["fields"] == {field: message}
    assert _count() == 0


def test_duplicate_slug_is_409(client, make_user, make_article, token_for):
    make_article(slug="taken")
    response = client.post(
        "/api/v1/articles", json={"title": "T", "slug": "taken"}, headers=token_for(make_user("author"))
    )
    assert response.status_code == 409
    assert _error(response)["code"] == "slug_taken" and "slug" in _error(response)["fields"]
    assert _count() == 1


def test_malformed_json_is_400(client, make_user, token_for):
    headers = token_for(make_user("author")) | {"Content-Type": "application/json"}
    response = client.post("/api/v1/articles", data='{"title": "T",', headers=headers)
    assert response.status_code == 400 and _error(response)["code"] == "invalid_json"
    assert _count() == 0


def test_non_json_bodies_are_415(client, make_user, token_for):
    response = client.post("/api/v1/articles", data={"title": "T"}, headers=token_for(make_user("author")))
    assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"
    assert _count() == 0


def test_oversized_requests_are_413(client, make_user, token_for):
    body = {"title": "T", "body": "x" * (1024 * 1024 + 10)}
    response = client.post("/api/v1/articles", json=body, headers=token_for(make_user("author")))
    assert response.status_code == 413 and _error(response)["code"] == "payload_too_large"
    assert _count() == 0


def test_patch_changes_only_the_given_fields(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author, title="Before", body="Body.", guest=("G", "B"))
    response = client.patch(f"/api/v1/articles/{article.slug}", json={"title": "After"}, headers=token_for(author))
    assert response.status_code == 200
    payload = response.get_json()["article"]
    assert payload["title"] == "After" and payload["guest_author"] == {"name": "G", "bio": "B"}
    assert "Body." in payload["body_html"]


def test_patch_can_unpublish_and_remove_the_guest(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author, guest=("G", "B"))
    payload = client.patch(
        f"/api/v1/articles/{article.slug}", json={"published": False, "guest_author": None}, headers=token_for(author)
    ).get_json()["article"]
    assert payload["status"] == "draft" and payload["guest_author"] is None


def test_patch_by_another_author_is_403_and_changes_nothing(client, make_user, make_article, token_for):
    article = make_article(title="Mine")
    response = client.patch(
        f"/api/v1/articles/{article.slug}", json={"title": "Yours"}, headers=token_for(make_user("author"))
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert article.title == "Mine"


def test_admins_patch_any_article(client, make_user, make_article, token_for):
    article = make_article(title="Typo")
    response = client.patch(
        f"/api/v1/articles/{article.slug}", json={"title": "Fixed"}, headers=token_for(make_user("admin"))
    )
    assert response.status_code == 200 and response.get_json()["article"]["title"] == "Fixed"


def test_patch_refuses_the_slug_and_bad_values(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author, title="Same")
    headers = token_for(author)
    assert (
        client.patch(f"/api/v1/articles/{article.slug}", json={"slug": "new-slug"}, headers=headers).status_code == 422
    )
    response = client.patch(f"/api/v1/articles/{article.slug}", json={"title": "x" * 300}, headers=headers)
    assert response.status_code == 422 and "title" in _error(response)["fields"]
    db.session.expire_all()
    assert article.title == "Same"


def test_patch_of_a_missing_article_is_404(client, make_user, token_for):
    assert (
        client.patch("/api/v1/articles/nope", json={"title": "x"}, headers=token_for(make_user("author"))).status_code
        == 404
    )


def test_session_cookie_writes_must_come_from_this_site(client, make_user, login):
    login(make_user("author"))
    cross = client.post("/api/v1/articles", json={"title": "CSRF"}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    no_origin = client.post("/api/v1/articles", json={"title": "CSRF"})
    assert no_origin.status_code == 403
    assert _count() == 0
    same = client.post("/api/v1/articles", json={"title": "Fine"}, headers={"Origin": "http://localhost"})
    assert same.status_code == 201


def test_unknown_api_route_and_method_are_json(client):
    assert _error(client.get("/api/v1/nothing"))["code"] == "not_found"
    response = client.delete("/api/v1/articles")
    assert response.status_code == 405 and _error(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_openapi_document_comes_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/articles", "/api/v1/articles/{slug}"} <= set(spec["paths"])
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/articles"])
    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/articles/{slug}"])
    schemas = spec["components"]["schemas"]
    write = schemas["ArticleWrite"]
    assert write["required"] == ["title"]
    assert write["properties"]["title"]["maxLength"] == 200
    assert set(schemas["Error"]["properties"]) == {"error"}
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_comments_open_follows_closing_and_auto_close(client, app, make_article):
    from datetime import timedelta

    from app.services.comments import close_comments

    article = make_article()
    assert client.get(f"/api/v1/articles/{article.slug}").get_json()["article"]["comments_open"] is True
    article.published_at = article.published_at - timedelta(days=31)
    db.session.commit()
    app.config["COMMENTS_AUTO_CLOSE_DAYS"] = 30
    payload = client.get(f"/api/v1/articles/{article.slug}").get_json()["article"]
    assert payload["comments_open"] is False
    assert payload["comments_closed_reason"] == "Comments close automatically 30 days after an article is published."
    app.config["COMMENTS_AUTO_CLOSE_DAYS"] = 0
    close_comments(article, "Thread closed after the follow-up post.")
    listed = client.get("/api/v1/articles").get_json()["articles"][0]
    assert (
        listed["comments_open"] is False
        and listed["comments_closed_reason"] == "Thread closed after the follow-up post."
    )
