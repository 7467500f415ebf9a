"""Lookalike identities through HTTP: an address in any spelling is one account; names that show nothing, pile up
marks or pass for a staff member's are refused on registration, on guest comments (page and API) and on
correction requests (page and API); and the migration that puts stored addresses in their canonical form."""

import html

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Comment, CorrectionRequest, User
from app.services import accounts
from tests.conftest import PASSWORD, make_app

ZWSP = "\u200b"
STAFF_MESSAGE = "That name belongs to a member of the site&#39;s staff; choose another."
LOOKALIKES = ["Dana Reyes", f"Dana Reyes{ZWSP}", "Priya Nair (Moderator)", "Ｓａｍ Ｏｋａｆｏｒ", "D\u0430na Reyes"]
SHOW_NOTHING = ["\u3164", f"{ZWSP}{ZWSP}", "\u2800 \u115f", "\u0301\u0301"]
ZALGO = "D" + "\u0301" * 76 + "ana"  # 80 characters: within the length limit


@pytest.fixture
def staff(make_user):
    make_user("admin", name="Dana Reyes", email="dana@example.org")
    make_user("moderator", name="Priya Nair", email="priya@example.org")
    make_user("author", name="Sam Okafor", email="sam@example.org")


def _text(response) -> str:
    return response.get_data(as_text=True)


def _register(client, name: str = "Rosa Diaz", email: str = "rosa@example.org"):
    return client.post("/register", data={"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD})


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- addresses ---------------------------------------------------------------------------------------------


def test_a_fullwidth_spelling_of_an_address_is_the_same_account(client, staff):
    before = _users()
    response = _register(client, email="ｄａｎａ@example.org")
    assert "An account with this email address already exists." in _text(response)
    assert _users() == before
    signed_in = client.post("/login", data={"email": "ｄａｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert "Dana Reyes" in _text(client.get("/"))


def test_an_address_is_stored_canonical(client):
    assert _register(client, email="Rosa@Bücher.Example").status_code == 302
    assert db.session.scalar(select(User.email).where(User.name == "Rosa Diaz")) == "rosa@xn--bcher-kva.example"


def test_an_address_mixing_alphabets_is_refused(client, staff):
    response = _register(client, email="d\u0430na@example.org")  # a Cyrillic а
    assert "mixes letters of different alphabets" in _text(response)


# --- names on registration ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LOOKALIKES)
def test_a_new_account_may_not_pass_for_staff(client, staff, name):
    before = _users()
    response = _register(client, name=name)
    assert response.status_code == 200
    assert STAFF_MESSAGE in _text(response)
    assert _users() == before


@pytest.mark.parametrize("name", SHOW_NOTHING)
def test_a_new_account_needs_a_name_that_shows(client, name):
    assert "Enter a name." in _text(_register(client, name=name))
    assert _users() == 0


def test_a_new_account_may_not_pile_marks_on_a_letter_or_claim_a_role(client):
    assert "accents or marks on one letter" in _text(_register(client, name=ZALGO))
    assert "does not claim a role" in _text(_register(client, name="Site Admin"))
    assert _users() == 0


# --- guest comments: the page and the API ---------------------------------------------------------------------


def _comment_page(client, article, name):
    return client.post(
        f"/articles/{article.slug}/comments", data={"name": name, "email": "gail@example.org", "body": "Hello there."}
    )


def _comment_api(client, article, name):
    return client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"name": name, "email": "gail@example.org", "body": "Hi."}
    )


def _comments() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


@pytest.mark.parametrize("name", LOOKALIKES)
def test_a_guest_comment_may_not_pass_for_staff(client, staff, make_article, name):
    article = make_article()
    page = _comment_page(client, article, name)
    assert page.status_code == 422 and STAFF_MESSAGE in _text(page)
    api = _comment_api(client, article, name)
    assert api.status_code == 422
    assert api.get_json()["error"]["fields"] == {"name": html.unescape(STAFF_MESSAGE)}
    assert _comments() == 0


@pytest.mark.parametrize("name", [*SHOW_NOTHING, ZALGO, "The Moderator"])
def test_a_guest_comment_needs_a_name_that_shows_and_claims_nothing(client, make_article, name):
    article = make_article()
    assert _comment_page(client, article, name).status_code == 422
    assert _comment_api(client, article, name).status_code == 422
    assert _comments() == 0


def test_a_guest_name_keeps_its_accents_and_loses_its_invisible_characters(client, staff, make_article):
    article = make_article()
    assert _comment_api(client, article, f"Zoë{ZWSP} Brontë\u3164").status_code == 201
    assert db.session.scalar(select(Comment.writer_name)) == "Zoë Brontë"


def test_staff_signed_in_comment_as_themselves(client, make_user, make_article, login):
    article = make_article()
    login(make_user("moderator", name="Priya Nair"))
    response = client.post(f"/articles/{article.slug}/comments", data={"body": "Moderating here."})
    assert response.status_code == 302
    assert db.session.scalar(select(Comment.writer_name)) == "Priya Nair"


# --- correction requests: the page and the API ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["Dana Reyes (Moderator)", "\u3164", ZALGO])
def test_a_correction_request_needs_an_honest_visible_name(client, staff, make_article, name):
    article = make_article()
    asked = {"name": name, "email": "gail@example.org", "body": "The limit is $5,000, not $10,000."}
    page = client.post(f"/articles/{article.slug}/correction-requests", data=asked)
    assert page.status_code == 422
    api = client.post(f"/api/v1/articles/{article.slug}/correction-requests", json=asked)
    assert api.status_code == 422 and "name" in api.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(CorrectionRequest.id))) == 0


def test_a_correction_request_from_a_fullwidth_address_is_stored_canonical(client, make_article):
    article = make_article()
    asked = {"name": "Gail Guest", "email": "ＧＡＩＬ@example.org", "body": "The limit is $5,000, not $10,000."}
    assert client.post(f"/api/v1/articles/{article.slug}/correction-requests", json=asked).status_code == 201
    assert db.session.scalar(select(CorrectionRequest.email)) == "gail@example.org"


# --- stored addresses ----------------------------------------------------------------------------------------


def test_the_migration_puts_stored_addresses_in_their_canonical_form(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=str(tmp_path))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "4c7d2b9e13a5"]).exit_code == 0
    insert_user = text(
        "INSERT INTO users (email, name, role, password_hash, active, session_token, created_at) "
        "VALUES (:email, :name, 'reader', 'x', 1, :token, '2026-01-01 00:00:00')"
    )
    with app.app_context():
        with db.engine.begin() as connection:
            for email, name in [
                ("reader@bücher.example", "Old Reader"),  # as the old code stored it: the domain as typed
                ("dana@example.org", "Dana Reyes"),
                ("ｄａｎａ@example.org", "Lookalike"),  # would become Dana's address: left alone
            ]:
                connection.execute(insert_user, {"email": email, "name": name, "token": name})
            connection.execute(
                text("INSERT INTO bans (kind, value, reason, created_at) VALUES ('email', :v, 'spam', '2026-01-01')"),
                {"v": "spammer@bücher.example"},
            )
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        emails = dict(db.session.execute(select(User.name, User.email)).all())
        assert emails == {
            "Old Reader": "reader@xn--bcher-kva.example",
            "Dana Reyes": "dana@example.org",
            "Lookalike": "ｄａｎａ@example.org",
        }
        assert accounts.find_user_by_email("reader@Bücher.example").name == "Old Reader"
        assert db.session.scalar(text("SELECT value FROM bans")) == "spammer@xn--bcher-kva.example"
        db.session.remove()
        db.engine.dispose()
