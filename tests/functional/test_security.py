"""Security headers, cookies and private data on every kind of response."""
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
