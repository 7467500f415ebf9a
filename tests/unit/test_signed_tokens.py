"""Signed mail-link tokens: read back only for their purpose, refused when forged or too old."""

import time

import pytest

from app.services.signed import TokenProblem, make_token, read_token


def test_token_reads_back_its_data(app):
    with app.app_context():
        token = make_token("unsubscribe", {"subscription": 7, "state": "ab"})
        assert read_token("unsubscribe", token, 60) == {"subscription": 7, "state": "ab"}


def test_token_for_one_purpose_does_not_open_another(app):
    with app.app_context():
        token = make_token("unsubscribe", 7)
        with pytest.raises(TokenProblem) as problem:
            read_token("password-reset", token, 60)
        assert problem.value.reason == "invalid"


@pytest.mark.parametrize("token", ["", "not-a-token", "eyJhIjoxfQ.AAAA.BBBB", "é" * 20])
def test_damaged_tokens_are_invalid(app, token):
    with app.app_context():
        with pytest.raises(TokenProblem) as problem:
            read_token("unsubscribe", token, 60)
        assert problem.value.reason == "invalid"


def test_old_token_is_expired(app, monkeypatch):
    with app.app_context():
        token = make_token("password-reset", 1)
        later = time.time() + 120
        monkeypatch.setattr(time, "time", lambda: later)
        with pytest.raises(TokenProblem) as problem:
            read_token("password-reset", token, 60)
        assert problem.value.reason == "expired"
        assert read_token("password-reset", token, None) == 1
