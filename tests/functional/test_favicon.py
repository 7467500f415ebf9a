"""The site's icon (issue 18): /favicon.ico answers with the icon, cached long, and every page links it, the
framed discussion included."""

import importlib.util
import struct
from pathlib import Path

import pytest

from app.services import sites

ROOT = Path(__file__).resolve().parents[2]
BLOG = "https://blog.example"
ICON_LINKS = (
    '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">',
    '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
)


def _sizes(ico: bytes) -> list[int]:
    """The square sizes an ICO file holds, read from its directory (a width of 0 means 256)."""
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1), "not an icon file"
    sizes = []
    for index in range(count):
        width, height, _, _, _, bits, length, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * index)
        assert width == height and bits == 32 and offset + length <= len(ico)
        sizes.append(width or 256)
    return sizes


def test_favicon_ico_is_the_icon_with_long_caching(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data == (ROOT / "static" / "favicon.ico").read_bytes()
    assert _sizes(response.data) == [16, 32, 48]
    assert response.cache_control.public and response.cache_control.max_age == 7 * 86400
    again = client.get("/favicon.ico", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_svg_icon_is_served_as_svg(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">')


@pytest.mark.parametrize("path", ["/", "/login", "/corrections", "/articles/no-such-article", "/embed/signed-in"])
def test_pages_link_the_icon(client, path):
    html = client.get(path).get_data(as_text=True)
    for link in ICON_LINKS:
        assert link in html, f"{path} does not link the icon: {link}"


def test_the_framed_discussion_and_its_nothing_page_link_the_icon(client, make_user):
    sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
    page = f"{BLOG}/posts/first-snow"
    framed = client.get("/embed/thread", query_string={"id": "snow", "url": page}, headers={"Referer": page})
    nothing = client.get("/embed/thread", query_string={"url": "https://elsewhere.example/"})
    assert (framed.status_code, nothing.status_code) == (200, 404)
    for response in (framed, nothing):
        for link in ICON_LINKS:
            assert link in response.get_data(as_text=True)


def test_the_committed_icons_are_what_the_drawing_script_makes():
    spec = importlib.util.spec_from_file_location("make_favicon", ROOT / "tools" / "make_favicon.py")
    assert spec is not None and spec.loader is not None
    drawing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drawing)
    assert drawing.ico() == (ROOT / "static" / "favicon.ico").read_bytes()
    assert drawing.svg() == (ROOT / "static" / "favicon.svg").read_text(encoding="utf-8")
