"""services.self_service without HTTP: what its links carry and when they stop working."""

import pytest

from app.extensions import db
from app.services import self_service
from app.services.errors import ServiceError
from app.services.signed import TokenProblem, make_token, read_token
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "seconds, words",
    [(3600, "1 hour"), (7200, "2 hours"), (259200, "3 days"), (1800, "30 minutes"), (90, "90 seconds")],
)
def test_lifetimes_in_words(seconds, words):
    assert self_service._lifetime(seconds) == words


def _reset_token(user):
    return make_token(self_service.RESET, {"user": user.id, "seal": self_service._seal(user)})


def test_a_reset_token_opens_its_account_until_the_password_or_the_sessions_change(app, make_user):
    user = make_user()
    token = _reset_token(user)
    assert self_service.user_for_reset(token) is user
    user.session_token = "rotated"
    db.session.commit()
    with pytest.raises(TokenProblem) as problem:
        self_service.user_for_reset(token)
    assert problem.value.reason == "invalid"


@pytest.mark.parametrize(
    "data",
    [
        {"user": "1", "seal": "x"},
        {"seal": "x"},
        ["user", 1],
        {"user": 999999, "seal": "x"},
    ],
)
def test_a_reset_token_with_odd_data_is_invalid(app, make_user, data):
    make_user()
    with pytest.raises(TokenProblem):
        self_service.user_for_reset(make_token(self_service.RESET, data))


def test_the_seal_tells_nothing_about_the_password(app, make_user):
    user = make_user()
    data = read_token(self_service.RESET, _reset_token(user), None)
    assert set(data) == {"user", "seal"}
    assert data["seal"] not in user.password_hash and len(data["seal"]) == 32


def test_a_reset_with_a_token_made_before_a_deletion_is_refused(app, make_user):
    user = make_user()
    token = _reset_token(user)
    self_service.delete_account(user, PASSWORD, "keep")
    with pytest.raises(TokenProblem):
        self_service.reset_password(token, "a brand new passphrase", "a brand new passphrase")


def test_the_reset_checks_the_passwords_before_changing_anything(app, make_user):
    user = make_user()
    hashed, token = user.password_hash, _reset_token(user)
    with pytest.raises(ServiceError) as error:
        self_service.reset_password(token, "a brand new passphrase", "another passphrase")
    assert (error.value.field, error.value.code) == ("confirm", "passwords_differ")
    db.session.expire_all()
    assert user.password_hash == hashed


def test_an_email_change_link_is_for_one_move(app, make_user):
    user = make_user(email="rosa@example.org")
    token = make_token(self_service.CHANGE, {"user": user.id, "from": "rosa@example.org", "to": "new@example.org"})
    assert self_service.confirm_email_change(token).email == "new@example.org"
    with pytest.raises(TokenProblem):
        self_service.confirm_email_change(token)


def test_deleting_an_account_twice_is_impossible(app, make_user):
    user = make_user()
    self_service.delete_account(user, PASSWORD, "remove")
    with pytest.raises(ServiceError) as error:
        self_service.delete_account(user, PASSWORD, "remove")
    assert error.value.code == "wrong_password"


def test_an_unknown_comment_choice_is_refused(app, make_user):
    user = make_user()
    with pytest.raises(ServiceError) as error:
        self_service.delete_account(user, PASSWORD, "burn")
    assert error.value.field == "comments"
    assert user.deleted_at is None
