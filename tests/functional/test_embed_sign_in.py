"""Signing in inside a framed discussion (docs/embed.md, "Signing in in the frame"), over HTTP with two test
clients standing for the browser's two cookie jars under EMBED_CROSS_SITE: the frame's (partitioned, per
embedding site) and Afterword's own window's. The window hands a short-lived single-use token to the frame,
which trades it, with its CSRF token and the nonce its session holds, for a sign-in of its own."""

import re
import time
from html import unescape

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import SignInHandoff
from app.models.types import utcnow
from app.services import accounts, sign_in_handoff, sites
from app.services.signed import read_token
from tests.conftest import PASSWORD

BLOG = "https://blog.example"
PAGE = f"{BLOG}/posts/first-snow"
HTTPS = "https://localhost"
NONCE = "n" * 43
# Forms posted over HTTPS carry a Referer of this site (Flask-WTF checks it there), as the frame's and the window's do.
OURS = {"Referer": f"{HTTPS}/embed/thread"}
JSON = {"Accept": "application/json", **OURS}


@pytest.fixture
def cross_site(app_with, make_user):
    with app_with(EMBED_CROSS_SITE=True, WTF_CSRF_ENABLED=True) as app:
        sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        yield app


def frame_page(client):
    return client.get(
        "/embed/thread",
        query_string={"id": "first-snow", "url": PAGE, "title": "First snow"},
        headers={"Referer": PAGE},
        base_url=HTTPS,
    ).get_data(as_text=True)


def frame_csrf(html):
    return re.search(r'data-csrf="([^"]+)"', html).group(1)


def begin(frame, nonce=NONCE):
    """The frame opening the sign-in window: its nonce into its session."""
    html = frame_page(frame)
    csrf = frame_csrf(html)
    answer = frame.post("/embed/sign-in/begin", data={"nonce": nonce, "csrf_token": csrf}, headers=OURS, base_url=HTTPS)
    assert answer.status_code == 204, answer.get_data(as_text=True)
    return csrf


def sign_in_window(app, user, nonce=NONCE):
    """Afterword's own window: asked to sign in for a frame, it signs in and gives the page with the token."""
    window = app.test_client()
    first = window.get(f"/embed/sign-in?nonce={nonce}", base_url=HTTPS)
    assert first.status_code == 302 and "/login?next=" in first.headers["Location"]
    login = window.get(first.headers["Location"], base_url=HTTPS)
    assert login.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.get_data(as_text=True)).group(1)
    posted = window.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf, "next": f"/embed/sign-in?nonce={nonce}"},
        headers=OURS,
        base_url=HTTPS,
    )
    assert posted.status_code == 302 and posted.headers["Location"].endswith(f"/embed/sign-in?nonce={nonce}")
    return window.get(f"/embed/sign-in?nonce={nonce}", base_url=HTTPS)


def handoff_of(page):
    return re.search(r'data-handoff="([^"]+)"', page.get_data(as_text=True)).group(1)


def exchange(frame, csrf, token, nonce=NONCE):
    return frame.post(
        "/embed/sign-in/exchange",
        data={"csrf_token": csrf, "nonce": nonce, "token": token},
        headers=JSON,
        base_url=HTTPS,
    )


def test_a_moderator_signs_in_inside_the_frame_through_the_handoff(cross_site, make_user):
    moderator = make_user("moderator", name="Priya")
    frame = cross_site.test_client()
    csrf = begin(frame)
    page = sign_in_window(cross_site, moderator)
    assert page.status_code == 200
    # The window keeps its opener, for this flow only; nobody may frame it, no cache keeps it.
    assert page.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "js/embed-signed-in.js" in page.get_data(as_text=True)
    # The window's sign-in did not reach the frame's jar.
    assert "Signed in as" not in frame_page(frame)

    answer = exchange(frame, csrf, handoff_of(page))
    assert answer.status_code == 200 and answer.get_json() == {"signed_in": True, "name": "Priya"}
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie
    html = frame_page(frame)
    assert "Signed in as <strong>Priya</strong>" in html and "Moderating:" in html
    assert 'action="/embed/sign-out"' in html
    assert db.session.scalar(select(SignInHandoff.nonce)) == NONCE


def test_creating_an_account_from_the_sign_in_window_keeps_its_opener(client):
    answer = client.get(f"/register?next=/embed/sign-in?nonce={NONCE}")
    assert answer.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert f"/embed/sign-in?nonce={NONCE}" in answer.get_data(as_text=True)


def test_pages_outside_the_flow_keep_their_opener_policy(client):
    assert client.get("/login").headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert client.get("/login?next=/account").headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert client.get("/").headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert client.get("/register").headers["Cross-Origin-Opener-Policy"] == "same-origin"
    # Only a path of this site starting the handoff counts, not an address elsewhere that looks like one.
    away = client.get("/login?next=https://evil.example/embed/sign-in?nonce=x")
    assert away.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_token_signs_in_once_even_in_another_frame_claiming_its_nonce(cross_site, make_user):
    moderator = make_user("moderator")
    frame = cross_site.test_client()
    csrf = begin(frame)
    token = handoff_of(sign_in_window(cross_site, moderator))
    assert exchange(frame, csrf, token).status_code == 200
    other = cross_site.test_client()
    other_csrf = begin(other)
    replayed = exchange(other, other_csrf, token)
    assert replayed.status_code == 409 and replayed.get_json()["error"]["code"] == "handoff_used"
    assert "Signed in as" not in frame_page(other)


def test_an_expired_token_is_refused(cross_site, make_user, monkeypatch):
    moderator = make_user("moderator")
    frame = cross_site.test_client()
    csrf = begin(frame)
    token = handoff_of(sign_in_window(cross_site, moderator))
    later = time.time() + sign_in_handoff.HANDOFF_SECONDS + 5
    monkeypatch.setattr(time, "time", lambda: later)
    answer = exchange(frame, csrf, token)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "handoff_expired"
    assert "took too long" in answer.get_json()["error"]["message"]
    assert db.session.scalar(select(SignInHandoff)) is None


@pytest.mark.parametrize("case", ["token_for_another_nonce", "session_holds_another", "no_begin"])
def test_a_token_for_another_frame_is_refused(cross_site, make_user, case):
    moderator = make_user("moderator")
    frame = cross_site.test_client()
    other_nonce = "o" * 43
    if case == "no_begin":
        csrf = frame_csrf(frame_page(frame))
        token, nonce = handoff_of(sign_in_window(cross_site, moderator)), NONCE
    elif case == "token_for_another_nonce":
        csrf = begin(frame)
        token, nonce = handoff_of(sign_in_window(cross_site, moderator, other_nonce)), NONCE
    else:
        csrf = begin(frame, other_nonce)
        token, nonce = handoff_of(sign_in_window(cross_site, moderator)), NONCE
    answer = exchange(frame, csrf, token, nonce)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "handoff_nonce"
    assert "Signed in as" not in frame_page(frame)
    assert db.session.scalar(select(SignInHandoff)) is None


@pytest.mark.parametrize("change", ["deactivated", "deleted", "sessions_revoked"])
def test_a_token_for_an_account_that_changed_since_is_refused(cross_site, make_user, change):
    moderator = make_user("moderator")
    frame = cross_site.test_client()
    csrf = begin(frame)
    token = handoff_of(sign_in_window(cross_site, moderator))
    if change == "deactivated":
        moderator.active = False
    elif change == "deleted":
        moderator.deleted_at = utcnow()
    else:
        accounts.set_role(moderator, "author")  # a new role signs out every session of the account
    db.session.commit()
    answer = exchange(frame, csrf, token)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "account_inactive"
    assert "Signed in as" not in frame_page(frame)


def test_the_exchange_and_its_start_need_the_frames_csrf_token(cross_site, make_user):
    moderator = make_user("moderator")
    frame = cross_site.test_client()
    frame_page(frame)
    refused = frame.post("/embed/sign-in/begin", data={"nonce": NONCE}, headers=JSON, base_url=HTTPS)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    csrf = begin(frame)
    token = handoff_of(sign_in_window(cross_site, moderator))
    refused = frame.post("/embed/sign-in/exchange", data={"nonce": NONCE, "token": token}, headers=JSON, base_url=HTTPS)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    assert "Signed in as" not in frame_page(frame)
    assert exchange(frame, csrf, token).status_code == 200  # not used up by the refused attempt


@pytest.mark.parametrize("token", ["", "not-a-token", "eyJ1c2VyIjoxfQ.forged.signature"])
def test_a_damaged_or_forged_token_is_refused(cross_site, token):
    frame = cross_site.test_client()
    csrf = begin(frame)
    answer = exchange(frame, csrf, token)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "handoff_invalid"


@pytest.mark.parametrize("nonce", ["", "short", "x" * 65, "bad nonce with spaces and more than 32 characters"])
def test_a_bad_nonce_is_refused_at_every_step(cross_site, make_user, nonce):
    frame = cross_site.test_client()
    csrf = frame_csrf(frame_page(frame))
    begun = frame.post("/embed/sign-in/begin", data={"nonce": nonce, "csrf_token": csrf}, headers=JSON, base_url=HTTPS)
    assert begun.status_code == 400 and begun.get_json()["error"]["code"] == "handoff_invalid"
    window = cross_site.test_client()
    page = window.get("/embed/sign-in", query_string={"nonce": nonce}, base_url=HTTPS)
    assert page.status_code == 400 and "start again" in page.get_data(as_text=True)
    assert "data-handoff" not in page.get_data(as_text=True)


def test_signing_out_in_the_frame_leaves_the_window_signed_in(cross_site, make_user):
    moderator = make_user("moderator", name="Priya")
    frame = cross_site.test_client()
    csrf = begin(frame)
    window_page = sign_in_window(cross_site, moderator)
    assert exchange(frame, csrf, handoff_of(window_page)).status_code == 200
    html = frame_page(frame)
    back = unescape(re.search(r'name="next" value="([^"]+)"', html).group(1))
    out = frame.post(
        "/embed/sign-out",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1), "next": back},
        headers=OURS,
        base_url=HTTPS,
    )
    assert out.status_code == 302 and out.headers["Location"] == back
    assert "Signed in as" not in frame_page(frame)
    assert "You are signed in" in window_page.get_data(as_text=True)


def test_nothing_of_the_handoff_reaches_the_page_the_host_frames(cross_site, make_user):
    """The framed page holds no handoff token, and the token names no email or password."""
    moderator = make_user("moderator", email="priya@example.org")
    frame = cross_site.test_client()
    begin(frame)
    assert "data-handoff" not in frame_page(frame)
    token = handoff_of(sign_in_window(cross_site, moderator))
    data = read_token(sign_in_handoff.PURPOSE, token, None)
    assert set(data) == {"user", "nonce", "state"} and "priya" not in token
