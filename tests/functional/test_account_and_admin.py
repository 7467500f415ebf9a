"""The account page (API tokens) and the admins' account list (roles)."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, Role


def test_account_page_shows_the_users_own_details(client, make_user, login):
    user = make_user(name="Ola", email="ola@example.org")
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "ola@example.org" in page and "Ola" in page and "reader" in page


def test_account_page_needs_a_sign_in(client):
    assert client.get("/account").status_code == 302


def test_a_token_created_on_the_page_is_shown_once_and_works(client, make_user, login):
    user = make_user("author")
    login(user)
    response = client.post("/account/tokens", data={"label": "my script"})
    assert response.status_code == 201
    token = re.search(r'<code class="token">(aw_[^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert token not in client.get("/account").get_data(as_text=True)
    assert "my script" in client.get("/account").get_data(as_text=True)
    with client.session_transaction() as session:
        assert token not in str(dict(session))
    api = client.application.test_client()
    created = api.post("/api/v1/articles", json={"title": "Scripted"}, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201


def test_revoking_a_token_stops_it_working(client, make_user, login, token_for):
    user = make_user("author")
    header = token_for(user)
    login(user)
    token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    api = client.application.test_client()
    assert api.post("/api/v1/articles", json={"title": "x"}, headers=header).status_code == 401


def test_nobody_revokes_another_users_token(client, make_user, login, token_for):
    header = token_for(make_user("author"))
    login(make_user("author"))
    token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "No such token." in response.get_data(as_text=True)
    api = client.application.test_client()
    assert api.post("/api/v1/articles", json={"title": "x"}, headers=header).status_code == 201


@pytest.mark.parametrize("role", ["reader", "author", "moderator"])
def test_only_admins_manage_accounts(client, make_user, login, role):
    target = make_user("reader")
    login(make_user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 403
    db.session.expire_all()
    assert target.role is Role.reader


def test_visitors_are_sent_to_sign_in(client, make_user):
    target = make_user("reader")
    assert client.get("/admin/users").status_code == 302
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 302


def test_admin_promotes_a_reader_to_author(client, make_user, login):
    target = make_user("reader", name="Promoted Person", email="promote@example.org")
    login(make_user("admin"))
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Promoted Person" in listing and "promote@example.org" in listing
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "author"}, follow_redirects=True)
    assert "Promoted Person is now author." in response.get_data(as_text=True)
    db.session.expire_all()
    assert target.role is Role.author


def test_unknown_role_and_last_admin_are_refused(client, make_user, login):
    admin = make_user("admin")
    target = make_user("reader")
    login(admin)
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "overlord"}, follow_redirects=True)
    assert "Unknown role" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "reader"}, follow_redirects=True)
    assert "at least one admin" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.role is Role.admin and target.role is Role.reader


def test_missing_account_is_404(client, make_user, login):
    login(make_user("admin"))
    assert client.post("/admin/users/9999/role", data={"role": "author"}).status_code == 404
