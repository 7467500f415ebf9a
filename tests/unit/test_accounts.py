"""Accounts: validation, hashing, authentication and API tokens."""

import hashlib

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, Role, User
from app.services import accounts
from app.services.errors import ServiceError
from tests.conftest import PASSWORD


def _create(app, email="a@example.org", name="Ann", password=PASSWORD, role="reader", method=None):
    return accounts.create_user(
        email, name, password, role, hash_method=method or app.config["PASSWORD_HASH_METHOD"], min_length=10
    )


def _user_count():
    return db.session.scalar(select(func.count(User.id)))


def test_email_is_normalised_and_password_hashed(app):
    user = _create(app, email="  Ann.Example@Example.ORG ")
    assert user.email == "ann.example@example.org"
    assert PASSWORD not in user.password_hash
    assert accounts.authenticate("ANN.example@example.org", PASSWORD, hash_method="pbkdf2:sha256:1000") == user


def test_default_hash_is_a_slow_one(app):
    user = _create(app, method="scrypt")
    assert user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "x" * 250 + "@example.org"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 81}, "name"),
        ({"password": "short"}, "password"),
        ({"role": "superuser"}, "role"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(app, kwargs, field):
    with pytest.raises(ServiceError) as raised:
        _create(app, **kwargs)
    assert raised.value.field == field
    assert raised.value.message
    assert _user_count() == 0


def test_unknown_role_lists_the_valid_ones(app):
    with pytest.raises(ServiceError, match="reader, author, moderator, admin"):
        _create(app, role="owner")


def test_duplicate_email_is_a_conflict_whatever_the_case(app):
    _create(app)
    with pytest.raises(ServiceError) as raised:
        _create(app, email="A@EXAMPLE.org")
    assert raised.value.status == 409 and raised.value.code == "email_taken"
    assert _user_count() == 1


def test_authenticate_refuses_wrong_password_unknown_email_and_inactive_accounts(app):
    user = _create(app)
    method = app.config["PASSWORD_HASH_METHOD"]
    assert accounts.authenticate(user.email, "wrong password", hash_method=method) is None
    assert accounts.authenticate("nobody@example.org", PASSWORD, hash_method=method) is None
    user.active = False
    db.session.commit()
    assert accounts.authenticate(user.email, PASSWORD, hash_method=method) is None


def test_only_the_token_digest_is_stored(app):
    user = _create(app)
    token = accounts.create_api_token(user, "ci")
    stored = db.session.scalar(select(ApiToken))
    assert token.startswith("aw_") and len(token) > 40
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    assert accounts.user_for_token(token) == user
    assert stored.last_used_at is not None


@pytest.mark.parametrize("bad", ["", "aw_wrong", "Bearer x", "not-a-token"])
def test_unknown_tokens_match_nobody(app, bad):
    _create(app)
    assert accounts.user_for_token(bad) is None


def test_changing_a_role_signs_out_existing_sessions(app):
    user = _create(app)
    before = user.session_token
    accounts.set_role(user, "author")
    assert user.role is Role.author
    assert user.session_token != before
    assert accounts.user_for_session(before) is None
