"""Security headers, cookies and private data on every kind of response."""

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/articles", "/api/v1/openapi.json", "/articles/missing"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_frame_ancestors_is_configurable(app, client):
    app.config["FRAME_ANCESTORS"] = "https://blog.example"
    headers = client.get("/").headers
    assert "frame-ancestors https://blog.example" in headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in headers


def test_pages_have_no_inline_scripts_or_styles(client, make_article):
    article = make_article()
    for path in ["/", f"/articles/{article.slug}", "/login", "/register"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html and " style=" not in html


def test_no_email_address_on_public_pages_or_api(client, make_user, make_article):
    author = make_user("author", email="private.person@example.org")
    article = make_article(author=author)
    for path in ["/", f"/articles/{article.slug}", "/api/v1/articles", f"/api/v1/articles/{article.slug}"]:
        assert "private.person@example.org" not in client.get(path).get_data(as_text=True)


def test_comment_form_checks_its_csrf_token(app_with, make_article):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        article = make_article()
        client = app.test_client()
        form = {"body": "Kept text.", "name": "Guest", "email": "guest@example.org"}
        refused = client.post(f"/articles/{article.slug}/comments", data=form)
        assert refused.status_code == 400
        html = refused.get_data(as_text=True)
        assert "Your session expired, so nothing was posted." in html and "Kept text." in html
        assert article.comment_count == 0
        from app.extensions import db
        from app.models import Comment

        assert db.session.query(Comment).count() == 0
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        accepted = client.post(f"/articles/{article.slug}/comments", data=form | {"csrf_token": token})
        assert accepted.status_code == 302
        assert db.session.query(Comment).count() == 1
