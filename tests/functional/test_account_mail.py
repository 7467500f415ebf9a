"""The account mails through a real SMTP server: a password reset asked for over HTTP arrives in plain text and
HTML, with a link under BASE_URL (its path kept) that works; and every account mail renders from its templates."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.services import accounts, self_service
from tests.conftest import MAIL_BASE as BASE
from tests.conftest import PASSWORD


@pytest.fixture
def mail_app(app_with, smtp):
    with app_with(BASE_URL=BASE, **smtp.settings()) as application:
        yield application


def _parts(message) -> tuple[str, str]:
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def test_a_reset_asked_for_over_http_arrives_by_smtp_with_a_working_link(mail_app, smtp):
    accounts.create_user(
        "rosa@example.org", "Rosa Diaz", PASSWORD, "reader", hash_method="pbkdf2:sha256:1000", min_length=10
    )
    client = mail_app.test_client()
    assert client.post("/password/forgot", data={"email": "rosa@example.org"}).status_code == 302

    (arrived,) = smtp.inbox.messages  # sent after the answer, by the worker that answered
    assert smtp.inbox.envelopes == [("noreply@comments.example.org", ["rosa@example.org"])]
    assert arrived["To"] == "Rosa Diaz <rosa@example.org>"
    assert arrived["Subject"] == "Reset your password on Afterword"
    assert arrived["List-Unsubscribe"] is None  # not a notification: nothing to stop
    text, html = _parts(arrived)
    (link,) = re.findall(rf"{re.escape(BASE)}/password/reset/\S+", text)
    assert "Hello Rosa Diaz," in text and "The link works once, for 1 hour." in text
    assert f'<a href="{link}">Choose a new password</a>' in html

    path = link.removeprefix(BASE)
    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert done.status_code == 302
    assert accounts.authenticate("rosa@example.org", "a brand new passphrase", hash_method="pbkdf2:sha256:1000")


@pytest.mark.parametrize(
    "topic", ["confirm_email", "password_reset", "email_change", "email_change_notice", "password_changed"]
)
def test_every_account_mail_has_a_text_and_an_html_template(app, topic):
    values = {
        "to_name": "Rosa <Diaz>",
        "site_name": "Afterword",
        "site_url": "http://localhost/",
        "unsubscribe_url": None,
        "confirm_url": "http://localhost/x?a=1&b=2",
        "reset_url": "http://localhost/x?a=1&b=2",
        "account_url": "http://localhost/account",
        "forgot_url": "http://localhost/password/forgot",
        "new_email": "new@example.org",
        "lifetime": "1 hour",
    }
    text = app.jinja_env.get_template(f"mail/{topic}.txt").render(values)
    html = app.jinja_env.get_template(f"mail/{topic}.html").render(values)
    assert text.startswith("Hello Rosa <Diaz>,") and "Rosa &lt;Diaz&gt;" in html
    assert "{{" not in text + html and "Stop these emails" not in text + html


def test_mail_to_an_unconfirmed_address_is_only_its_confirmation_and_resets(app, client):
    client.post(
        "/register", data={"name": "Rosa", "email": "rosa@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    client.post(
        "/account/password",
        data={
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    client.post(
        "/account/email", data={"email-email": "new@example.org", "email-current_password": "a brand new passphrase"}
    )
    self_service.request_password_reset("rosa@example.org")
    sent = [(m.topic, m.to_email) for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert sent == [
        ("confirm_email", "rosa@example.org"),
        ("email_change", "new@example.org"),
        ("password_reset", "rosa@example.org"),
    ]
