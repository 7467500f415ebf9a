"""Register, sign in, sign out: through the real routes."""

import re

import pytest

from app.services import accounts
from tests.conftest import PASSWORD


def _signed_in_name(client):
    return re.search(
        r'class="nav__user"><a href="/account"><span>([^<]+) <span', client.get("/").get_data(as_text=True)
    )


def test_register_creates_a_reader_and_signs_in(client):
    response = client.post(
        "/register",
        data={"name": "Rosa Diaz", "email": "rosa@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = accounts.find_user_by_email("rosa@example.org")
    assert user.role.value == "reader"
    assert _signed_in_name(client).group(1) == "Rosa Diaz"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "email": "a@example.org", "password": PASSWORD, "confirm": PASSWORD}, "Enter a name."),
        ({"name": "A", "email": "nope", "password": PASSWORD, "confirm": PASSWORD}, "not valid"),
        ({"name": "A", "email": "a@example.org", "password": "short", "confirm": "short"}, "at least 10 characters"),
        (
            {"name": "A", "email": "a@example.org", "password": PASSWORD, "confirm": "other password"},
            "The two passwords differ.",
        ),
    ],
)
def test_register_errors_are_shown_next_to_the_field_and_create_nothing(client, data, message):
    response = client.post("/register", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert 'aria-invalid="true"' in body
    assert accounts.find_user_by_email("a@example.org") is None


def test_register_with_a_taken_email_says_so(client, make_user):
    make_user(email="taken@example.org")
    response = client.post(
        "/register", data={"name": "B", "email": "TAKEN@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert "An account with this email address already exists." in response.get_data(as_text=True)


def test_login_and_logout(client, make_user, login):
    user = make_user(name="Ivy Chen")
    response = login(user)
    assert response.status_code == 302
    assert _signed_in_name(client).group(1) == "Ivy Chen"
    assert client.post("/logout").status_code == 302
    assert _signed_in_name(client) is None


def test_logout_needs_post(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405


def test_failed_login_does_not_reveal_whether_the_email_exists(client, make_user, login):
    user = make_user()
    wrong_password = login(user, "not the password").get_data(as_text=True)
    unknown_email = login("nobody@example.org", PASSWORD).get_data(as_text=True)
    message = "The email or the password is not right."
    assert message in wrong_password and message in unknown_email
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731  (the typed email is echoed back)
    assert strip(wrong_password) == strip(unknown_email)


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/articles/some-post", "/articles/some-post"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_next_redirects_stay_on_the_site(client, make_user, next_url, expected):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": next_url})
    assert response.headers["Location"] == expected


def test_login_page_carries_next_into_the_form(client):
    body = client.get("/login?next=/author/articles").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/author/articles"' in body


def test_protected_page_sends_visitors_to_login_with_next(client):
    response = client.get("/author/articles/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_session_is_renewed_on_login(client, make_user, login):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.session_token


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user, login):
    response = login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remember_me_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_role_change_signs_the_user_out(client, make_user, login):
    user = make_user()
    login(user)
    accounts.set_role(user, "author")
    assert _signed_in_name(client) is None


def test_login_attempts_are_throttled(app_with):
    with app_with(
        RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_EMAIL="3 per minute", LOGIN_LIMIT_PER_NETWORK="100 per minute"
    ) as app:
        client = app.test_client()
        statuses = [
            client.post("/login", data={"email": "victim@example.org", "password": f"guess {n}"}).status_code
            for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        blocked = client.post("/login", data={"email": "victim@example.org", "password": "guess"})
        assert "Too many attempts" in blocked.get_data(as_text=True)
        assert int(blocked.headers["Retry-After"]) > 0
        # Another email from the same network is not blocked by this email's limit.
        other = client.post("/login", data={"email": "other@example.org", "password": "guess"})
        assert other.status_code == 200


def test_forms_are_csrf_protected(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        response = client.post(
            "/register", data={"name": "X", "email": "x@example.org", "password": PASSWORD, "confirm": PASSWORD}
        )
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
        assert accounts.find_user_by_email("x@example.org") is None
        page = client.get("/register").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/register",
            data={
                "csrf_token": token,
                "name": "X",
                "email": "x@example.org",
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
        )
        assert response.status_code == 302
