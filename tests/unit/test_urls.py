"""`next` redirects stay on the site."""

import pytest

from app.urls import safe_next


@pytest.mark.parametrize("target", ["/", "/articles/x", "/author/articles?page=2", "/a#b"])
def test_local_paths_are_followed(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "http:/evil.example",
        "/ok\r\nSet-Cookie: x=1",
        "",
        None,
    ],
)
def test_anything_else_falls_back(target):
    assert safe_next(target, "/home") == "/home"
