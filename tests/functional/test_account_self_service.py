"""Account self-service through the real routes: forgot password, confirming an address, changing name, address
and password, deleting the account; each with its bad inputs (expired link, reused link, unknown email,
mismatched passwords, wrong password), which get a clear message and change nothing.

Links are read from the outbox, as the mail that carries them was written (test_account_mail.py follows one
through a real SMTP server)."""

import re
import time
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, ModerationEvent, OutboxMessage, SpamExample, User
from app.services import accounts, moderation, self_service
from app.services.comments import Writer, delete_comment, edit_comment
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import make_comment, run_tasks

NEW_PASSWORD = "a brand new passphrase"


def _flashes(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash flash--\w+">(.*?)</p>', html, re.S)]


def _mail(topic: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_email == to)
    return list(db.session.scalars(query))


def _link(message: OutboxMessage) -> str:
    """The one link to this site in a mail's text, as a path the test client can follow."""
    (url,) = set(re.findall(r"http://localhost(/(?:password|account)/\S+/\S+)", message.body))
    assert url in message.body_html
    return url


def _signed_in(client) -> bool:
    return 'class="nav__user"' in client.get("/").get_data(as_text=True)


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _can_sign_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def _token_works(headers: dict) -> bool:
    db.session.expire_all()
    return accounts.user_for_token(headers["Authorization"].removeprefix("Bearer ")) is not None


def _ask_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


# --- forgot password -----------------------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_through_the_mailed_link_and_ends_every_session(app, client, make_user, login):
    user = make_user(name="Rosa Diaz", email="rosa@example.org")
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": "rosa@example.org", "password": PASSWORD})
    assert _signed_in(elsewhere)

    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page
    answer = _ask_reset(client, "ROSA@example.org")
    assert answer.status_code == 200
    assert _flashes(answer.get_data(as_text=True)) == [
        "If an account uses that address, a link to choose a new password is on its way there. "
        "It works once, for 1 hour."
    ]
    (mail,) = _mail("password_reset")
    assert (mail.to_email, mail.to_name, mail.unsubscribe_url) == ("rosa@example.org", "Rosa Diaz", None)
    assert "The link works once, for 1 hour." in mail.body
    link = _link(mail)

    form = client.get(link)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer" and form.headers["Cache-Control"] == "no-store"
    assert "Choose a new password" in form.get_data(as_text=True)
    assert "rosa@example.org" not in form.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert _signed_in(client)
    assert not _signed_in(elsewhere)
    assert not _can_sign_in(app, "rosa@example.org", PASSWORD)
    assert _can_sign_in(app, "rosa@example.org", NEW_PASSWORD)
    (notice,) = _mail("password_changed")
    assert notice.to_email == "rosa@example.org" and "http://localhost/password/forgot" in notice.body
    assert _fresh(user).email_verified


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(app, make_user):
    make_user(email="known@example.org")
    answers = []
    for email in ("known@example.org", "nobody@example.org", "not an address"):
        response = app.test_client().post("/password/forgot", data={"email": email})
        answers.append((response.status_code, response.headers["Location"]))
        followed = app.test_client().get(response.headers["Location"])
        assert followed.status_code == 200
    assert answers == [(302, "/login")] * 3
    assert [m.to_email for m in _mail("password_reset")] == ["known@example.org"]


def test_an_empty_address_is_asked_for_again(client):
    response = client.post("/password/forgot", data={"email": ""})
    assert response.status_code == 200
    assert "Enter your email address." in response.get_data(as_text=True)
    assert _mail("password_reset") == []


def test_a_reset_link_works_once(app, client, make_user):
    make_user(email="rosa@example.org")
    _ask_reset(client, "rosa@example.org")
    link = _link(_mail("password_reset")[0])
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    again = app.test_client()
    for response in (
        again.get(link),
        again.post(link, data={"password": "another passphrase", "confirm": "another passphrase"}),
    ):
        assert response.status_code == 400
        assert "This password-reset link does not work: it was used already" in response.get_data(as_text=True)
    assert _can_sign_in(app, "rosa@example.org", NEW_PASSWORD)
    assert not _can_sign_in(app, "rosa@example.org", "another passphrase")


def test_a_reset_link_stops_working_once_the_password_changes_another_way(app, client, make_user, login):
    make_user(email="rosa@example.org")
    _ask_reset(app.test_client(), "rosa@example.org")
    link = _link(_mail("password_reset")[0])
    login("rosa@example.org")
    changed = client.post(
        "/account/password",
        data={
            "password-current_password": PASSWORD,
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert app.test_client().get(link).status_code == 400


def test_an_expired_reset_link_is_refused_and_changes_nothing(app, client, make_user, monkeypatch):
    make_user(email="rosa@example.org")
    _ask_reset(client, "rosa@example.org")
    link = _link(_mail("password_reset")[0])
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    for response in (client.get(link), client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})):
        assert response.status_code == 400
        assert "This password-reset link has expired. Ask for a new one below." in response.get_data(as_text=True)
        assert 'href="/password/forgot"' in response.get_data(as_text=True)
    monkeypatch.undo()
    assert _can_sign_in(app, "rosa@example.org", PASSWORD)


@pytest.mark.parametrize(
    "link",
    ["/password/reset/not-a-token", "/password/reset/eyJ1c2VyIjoxLCJzZWFsIjoieCJ9.AAAA.BBBB"],
)
def test_a_made_up_reset_link_is_refused(client, make_user, link):
    make_user(email="rosa@example.org")
    response = client.get(link)
    assert response.status_code == 400
    assert "This password-reset link does not work" in response.get_data(as_text=True)


def test_a_confirmation_link_does_not_reset_a_password(client):
    client.post(
        "/register", data={"name": "Rosa", "email": "rosa@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    token = _link(_mail("confirm_email")[0]).rsplit("/", 1)[1]
    assert client.get(f"/password/reset/{token}").status_code == 400


@pytest.mark.parametrize(
    "password, confirm, message",
    [
        (NEW_PASSWORD, "something else entirely", "The two passwords differ."),
        ("short", "short", "at least 10 characters"),
        ("", "", "Choose a password."),
    ],
)
def test_a_bad_new_password_is_refused_and_the_link_still_works(app, client, make_user, password, confirm, message):
    make_user(email="rosa@example.org")
    _ask_reset(client, "rosa@example.org")
    link = _link(_mail("password_reset")[0])
    response = client.post(link, data={"password": password, "confirm": confirm})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _can_sign_in(app, "rosa@example.org", PASSWORD)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_no_reset_mail_for_a_deactivated_or_deleted_account(client, make_user):
    user = make_user(email="gone@example.org")
    user.active = False
    db.session.commit()
    _ask_reset(client, "gone@example.org")
    assert _mail("password_reset") == []


def test_the_reset_link_leads_to_base_url_whatever_host_the_request_named(app, make_user):
    make_user(email="rosa@example.org")
    app.test_client().post("/password/forgot", data={"email": "rosa@example.org"}, headers={"Host": "evil.example"})
    (mail,) = _mail("password_reset")
    assert "evil.example" not in mail.body + mail.body_html
    assert "http://localhost/password/reset/" in mail.body


def test_reset_requests_are_throttled_per_address_and_per_network(app_with):
    with app_with(
        RATELIMIT_ENABLED=True,
        PASSWORD_RESET_LIMIT_PER_EMAIL="2 per hour",
        PASSWORD_RESET_LIMIT_PER_NETWORK="5 per hour",
    ) as app:
        accounts.create_user(
            "rosa@example.org", "Rosa", PASSWORD, "reader", hash_method="pbkdf2:sha256:1000", min_length=10
        )
        client = app.test_client()
        statuses = [client.post("/password/forgot", data={"email": "rosa@example.org"}).status_code for _ in range(3)]
        assert statuses == [302, 302, 429]
        refused = client.post("/password/forgot", data={"email": "ROSA@example.org"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "Too many attempts to reset a password. Try again in" in refused.get_data(as_text=True)
        assert len(_mail("password_reset")) == 2
        # An unknown address is answered the same way, and the network's limit catches many addresses.
        statuses = [client.post("/password/forgot", data={"email": f"n{n}@example.org"}).status_code for n in range(3)]
        assert statuses == [302, 429, 429]


# --- confirming an address -----------------------------------------------------------------------------------


def _register(client, email="rosa@example.org", name="Rosa Diaz"):
    response = client.post("/register", data={"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    return accounts.find_user_by_email(email)


def test_a_new_account_is_asked_to_confirm_its_address(client):
    user = _register(client)
    assert not user.email_verified
    (mail,) = _mail("confirm_email")
    assert mail.to_email == "rosa@example.org" and mail.unsubscribe_url is None
    assert "The link works for 3 days." in mail.body
    home = client.get("/").get_data(as_text=True)
    assert "Please confirm your email address" in home and "rosa@example.org" not in home
    page = client.get("/account").get_data(as_text=True)
    assert "Not confirmed yet." in page and "Please confirm your email address" not in page  # said once there

    confirmed = client.get(_link(mail), follow_redirects=True)
    assert confirmed.status_code == 200
    assert "Thank you: your email address is confirmed." in _flashes(confirmed.get_data(as_text=True))
    assert _fresh(user).email_verified
    assert "Please confirm your email address" not in client.get("/").get_data(as_text=True)
    # Following it again is harmless.
    assert client.get(_link(mail)).status_code == 302


def test_the_confirmation_link_works_without_being_signed_in(app, client):
    user = _register(client)
    response = app.test_client().get(_link(_mail("confirm_email")[0]))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _fresh(user).email_verified


def test_an_expired_or_damaged_confirmation_link_is_refused(client, monkeypatch):
    user = _register(client)
    link = _link(_mail("confirm_email")[0])
    assert client.get(link[:-3]).status_code == 400
    later = time.time() + 3 * 86400 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(link)
    monkeypatch.undo()
    assert response.status_code == 400
    assert "This confirmation link has expired." in response.get_data(as_text=True)
    assert not _fresh(user).email_verified


def test_a_confirmation_link_for_an_address_the_account_left_does_not_confirm_the_new_one(client):
    user = _register(client)
    link = _link(_mail("confirm_email")[0])
    client.post("/account/email", data={"email-email": "new@example.org", "email-current_password": PASSWORD})
    client.get(_link(_mail("email_change")[0]))
    user = _fresh(user)
    user.email_verified_at = None
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "your account no longer uses that address" in response.get_data(as_text=True)
    assert not _fresh(user).email_verified


def test_the_confirmation_is_sent_again_on_request_and_not_once_confirmed(client):
    _register(client)
    response = client.post("/account/confirm", follow_redirects=True)
    assert _flashes(response.get_data(as_text=True))[-1] == "We mailed a new confirmation link to rosa@example.org."
    first, second = _mail("confirm_email")
    client.get(_link(second))
    response = client.post("/account/confirm", follow_redirects=True)
    assert _flashes(response.get_data(as_text=True))[-1] == "Your address is confirmed already."
    assert len(_mail("confirm_email")) == 2


def test_asking_again_for_the_confirmation_is_throttled(app_with):
    with app_with(RATELIMIT_ENABLED=True, CONFIRMATION_LIMIT_PER_ACCOUNT="2 per hour") as app:
        client = app.test_client()
        _register(client)
        for _ in range(3):
            response = client.post("/account/confirm", follow_redirects=True)
        assert "Too many confirmation mails asked for. Try again in" in _flashes(response.get_data(as_text=True))[0]
        assert len(_mail("confirm_email")) == 3  # the registration's, and two asked for


def test_accounts_made_by_an_operator_count_as_confirmed(make_user):
    assert make_user().email_verified


# --- name ------------------------------------------------------------------------------------------------------


def test_a_reader_changes_their_name_for_what_they_write_next(client, make_user, make_article, login):
    user = make_user(name="Rosa Diaz")
    article = make_article()
    old = make_comment(article, "Before.", writer=Writer(user=user))
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert 'value="Rosa Diaz"' in page
    response = client.post("/account/name", data={"profile-name": "  Rosa   D. "}, follow_redirects=True)
    assert _flashes(response.get_data(as_text=True)) == ["Your name was changed."]
    assert _fresh(user).name == "Rosa D."
    assert db.session.get(Comment, old.id).writer_name == "Rosa Diaz"


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Enter a name."),
        ("x" * 81, "A name is at most 80 characters."),
        ("Dana Reyes (Moderator)", "That name belongs to a member of the site's staff; choose another."),
        ("Site admin", "Choose a name that does not claim a role on the site"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_changes(client, make_user, login, name, message):
    make_user("moderator", name="Dana Reyes")
    user = make_user(name="Rosa Diaz")
    login(user)
    response = client.post("/account/name", data={"profile-name": name})
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert _fresh(user).name == "Rosa Diaz"


def test_a_staff_members_new_name_is_protected_at_once(app, client, make_user, login):
    moderator = make_user("moderator", name="Dana Reyes")
    reader = make_user(name="Rosa Diaz")
    login(moderator)
    client.post("/account/name", data={"profile-name": "Priya Nair"})
    second = app.test_client()
    second.post("/login", data={"email": reader.email, "password": PASSWORD})
    response = second.post("/account/name", data={"profile-name": "Priya Nair"})
    assert response.status_code == 422
    assert second.post("/account/name", data={"profile-name": "Dana Reyes"}).status_code == 302


# --- email address ---------------------------------------------------------------------------------------------


def test_a_new_address_is_confirmed_there_before_the_account_moves(app, client, make_user, login):
    user = make_user(name="Rosa Diaz", email="rosa@example.org")
    login(user)
    response = client.post(
        "/account/email",
        data={"email-email": "Rosa@New.example", "email-current_password": PASSWORD},
        follow_redirects=True,
    )
    assert _flashes(response.get_data(as_text=True))[-1] == (
        "We mailed a link to rosa@new.example. Your address changes when you follow it (within 3 days)."
    )
    assert _fresh(user).email == "rosa@example.org"
    (confirm,) = _mail("email_change")
    (notice,) = _mail("email_change_notice")
    assert confirm.to_email == "rosa@new.example" and notice.to_email == "rosa@example.org"
    assert "rosa@new.example" in notice.body and "http://localhost/account" in notice.body
    assert "/account/email/confirm/" not in notice.body  # the old address cannot make the move

    moved = app.test_client().get(_link(confirm))
    assert moved.status_code == 302
    user = _fresh(user)
    assert user.email == "rosa@new.example" and user.email_verified
    assert _can_sign_in(app, "rosa@new.example", PASSWORD)
    assert not _can_sign_in(app, "rosa@example.org", PASSWORD)
    again = client.get(_link(confirm))
    assert again.status_code == 400
    assert "the change was made or replaced already" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "email, password, status, message",
    [
        ("new@example.org", "wrong password", 422, "That is not your password."),
        ("taken@example.org", PASSWORD, 409, "Another account uses this email address."),
        ("rosa@example.org", PASSWORD, 422, "That is the address your account uses already."),
        ("not an address", PASSWORD, 422, "not valid"),
        ("", PASSWORD, 422, "Enter the new address."),
    ],
)
def test_a_bad_address_change_is_refused_and_mails_nothing(client, make_user, login, email, password, status, message):
    make_user(email="taken@example.org")
    user = make_user(email="rosa@example.org")
    login(user)
    response = client.post("/account/email", data={"email-email": email, "email-current_password": password})
    assert response.status_code == status
    assert message in unescape(response.get_data(as_text=True))
    assert _fresh(user).email == "rosa@example.org"
    assert _mail("email_change") == [] and _mail("email_change_notice") == []


def test_an_address_taken_meanwhile_is_not_moved_to(app, client, make_user, login):
    user = make_user(email="rosa@example.org")
    login(user)
    client.post("/account/email", data={"email-email": "new@example.org", "email-current_password": PASSWORD})
    make_user(email="new@example.org")
    response = client.get(_link(_mail("email_change")[0]))
    assert response.status_code == 409
    assert "Another account uses this email address now; your address did not change." in response.get_data(
        as_text=True
    )
    assert _fresh(user).email == "rosa@example.org"


def test_an_unconfirmed_address_gets_no_notice_of_a_change(client):
    _register(client)
    client.post("/account/email", data={"email-email": "new@example.org", "email-current_password": PASSWORD})
    assert len(_mail("email_change")) == 1
    assert _mail("email_change_notice") == []


# --- password ----------------------------------------------------------------------------------------------------


def _change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None, **extra):
    data = {"password-current_password": current, "password-password": new, "password-confirm": confirm or new}
    return client.post("/account/password", data={**data, **extra})


def test_a_password_change_keeps_this_session_and_ends_the_others(app, client, make_user, login, token_for):
    user = make_user(email="rosa@example.org")
    headers = token_for(user)
    login(user)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": "rosa@example.org", "password": PASSWORD})
    old_token = user.session_token

    response = _change_password(client)
    assert response.status_code == 302
    assert _signed_in(client) and not _signed_in(elsewhere)
    assert _fresh(user).session_token != old_token
    assert _can_sign_in(app, "rosa@example.org", NEW_PASSWORD)
    assert not _can_sign_in(app, "rosa@example.org", PASSWORD)
    assert _token_works(headers)  # tokens kept unless asked
    (notice,) = _mail("password_changed")
    assert notice.to_email == "rosa@example.org"


def test_a_password_change_can_revoke_the_api_tokens(client, make_user, login, token_for):
    user = make_user()
    headers = token_for(user)
    login(user)
    assert _change_password(client, **{"password-revoke_tokens": "y"}).status_code == 302
    assert not _token_works(headers)


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        ("wrong password", NEW_PASSWORD, NEW_PASSWORD, "That is not your password."),
        (PASSWORD, NEW_PASSWORD, "not the same at all", "The two passwords differ."),
        (PASSWORD, "short", "short", "at least 10 characters"),
        ("", NEW_PASSWORD, NEW_PASSWORD, "Enter your current password."),
    ],
)
def test_a_bad_password_change_is_refused_and_nothing_changes(
    app, client, make_user, login, current, new, confirm, message
):
    user = make_user(email="rosa@example.org")
    login(user)
    token = user.session_token
    response = _change_password(client, current, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _fresh(user).session_token == token
    assert _can_sign_in(app, "rosa@example.org", PASSWORD)
    assert _mail("password_changed") == []


def test_guessing_the_current_password_from_a_session_is_throttled(app_with):
    with app_with(
        RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_EMAIL="3 per minute", LOGIN_LIMIT_PER_NETWORK="100 per minute"
    ) as app:
        accounts.create_user(
            "rosa@example.org", "Rosa", PASSWORD, "reader", hash_method="pbkdf2:sha256:1000", min_length=10
        )
        client = app.test_client()
        client.post("/login", data={"email": "rosa@example.org", "password": PASSWORD})
        statuses = [_change_password(client, f"guess {n}").status_code for n in range(3)]
        refused = _change_password(client)
        assert statuses == [422, 422, 422] and refused.status_code == 429
        assert "Too many attempts to enter your password." in refused.get_data(as_text=True)


# --- deleting the account ------------------------------------------------------------------------------------------


def _delete(client, comments="keep", password=PASSWORD):
    return client.post("/account/delete", data={"delete-comments": comments, "delete-password": password})


def test_deleting_the_account_keeps_comments_under_former_reader(
    app, client, make_user, make_article, login, token_for
):
    user = make_user(name="Rosa Diaz", email="rosa@example.org")
    headers = token_for(user)
    article = make_article()
    comment = make_comment(article, "I was here.", writer=Writer(user=user, website="https://rosa.example"))
    login(user)
    response = _delete(client, "keep")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not _signed_in(client)

    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "I was here." in page and "Former reader" in page
    assert "Rosa Diaz" not in page and "rosa.example" not in page
    stored = db.session.get(Comment, comment.id)
    assert (stored.writer_name, stored.writer_email, stored.writer_website) == ("Former reader", "", None)
    gone = _fresh(user)
    assert gone.deleted_at is not None and not gone.active and gone.name == "Former reader"
    assert "rosa" not in gone.email
    assert not _can_sign_in(app, "rosa@example.org", PASSWORD)
    assert not _token_works(headers)
    (event,) = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "account_deleted"))
    assert event.comment_id is None and event.remark == f"account {user.id} deleted by its owner; comments kept"
    # The address is free again.
    assert _register(app.test_client(), "rosa@example.org").id != user.id


def test_deleting_the_account_can_remove_its_comments_leaving_placeholders_where_replied_to(
    client, make_user, make_article, login
):
    user = make_user(name="Rosa Diaz")
    article = make_article()
    answered = make_comment(article, "Answered words.", writer=Writer(user=user))
    make_comment(article, "A reply from someone else.", parent=answered)
    lonely = make_comment(article, "Lonely words.", writer=Writer(user=user))
    edit_comment(lonely, "Edited lonely words.", CommentRules(), editor=user)
    assert len(lonely.revisions) == 1
    login(user)
    assert _delete(client, "remove").status_code == 302

    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "A reply from someone else." in page and "Comment removed." in page
    assert (
        "Answered words." not in page
        and "Lonely words." not in page
        and "Edited lonely words." not in page
        and f'id="comment-{lonely.id}"' not in page
    )
    for comment_id in (answered.id, lonely.id):
        stored = db.session.get(Comment, comment_id)
        assert stored.deleted_at is not None and stored.body == "" and stored.revisions == []
    db.session.refresh(article)
    assert article.comment_count == 1
    removals = db.session.scalar(
        select(func.count()).where(ModerationEvent.action == "delete", ModerationEvent.actor_id == user.id)
    )
    assert removals == 2


def test_a_comment_already_deleted_by_its_writer_is_erased_too(client, make_user, make_article, login):
    user = make_user()
    comment = make_comment(make_article(), "Deleted earlier.", writer=Writer(user=user))
    delete_comment(comment, by=user)
    login(user)
    _delete(client, "remove")
    assert db.session.get(Comment, comment.id).body == ""


@pytest.mark.parametrize(
    "comments, password, message",
    [
        ("keep", "wrong password", "That is not your password."),
        ("", PASSWORD, "Choose what happens to your comments."),
        ("burn", PASSWORD, "Not a valid choice"),
        ("keep", "", "Enter your password."),
    ],
)
def test_a_refused_deletion_changes_nothing(client, make_user, make_article, login, comments, password, message):
    user = make_user(name="Rosa Diaz")
    comment = make_comment(make_article(), "Still mine.", writer=Writer(user=user))
    login(user)
    response = _delete(client, comments, password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _signed_in(client)
    assert _fresh(user).deleted_at is None
    assert db.session.get(Comment, comment.id).writer_name == "Rosa Diaz"


def test_the_last_admin_cannot_delete_their_account(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    response = _delete(client)
    assert response.status_code == 409
    assert "You are the site's only admin; make someone else admin first." in unescape(response.get_data(as_text=True))
    assert _fresh(admin).deleted_at is None
    make_user("admin")
    assert _delete(client).status_code == 302
    assert _fresh(admin).role.value == "reader"


def test_an_account_that_signs_articles_is_not_deleted_here(client, make_user, make_article, login):
    author = make_user("author")
    make_article(author=author)
    login(author)
    response = _delete(client)
    assert response.status_code == 409
    assert "Your account signs articles or notes" in unescape(response.get_data(as_text=True))
    assert _fresh(author).deleted_at is None


def test_deleting_the_account_drops_its_mail_from_the_outbox(client):
    _register(client)
    assert len(_mail("confirm_email")) == 1
    _delete(client)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


# --- the page ------------------------------------------------------------------------------------------------------


def test_the_account_page_has_its_sections(client, make_user, login):
    login(make_user())
    page = client.get("/account").get_data(as_text=True)
    headings = re.findall(r'<h2 id="([a-z]+)-title">', page)
    assert headings == ["profile", "email", "password", "notifications", "tokens", "data", "delete"]
    assert len(set(re.findall(r' id="([^"]+)"', page))) == len(re.findall(r' id="([^"]+)"', page))


def test_every_account_route_needs_a_sign_in(client):
    for path in ("/account/name", "/account/email", "/account/password", "/account/delete", "/account/confirm"):
        response = client.post(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_self_service_links_carry_no_secret(app, make_user):
    user = make_user()
    self_service.request_password_reset(user.email)
    link = _link(_mail("password_reset")[0])
    assert user.password_hash not in link and user.session_token not in link


def test_the_spam_learners_copies_of_the_comments_forget_their_writer(client, make_user, make_article, login):
    user = make_user(name="Rosa Diaz")
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Buy my things.", writer=Writer(user=user, website="https://rosa.example"))
    moderation.apply(comment, "spam", moderator)
    run_tasks()
    (example,) = db.session.scalars(select(SpamExample).where(SpamExample.comment_id == comment.id))
    assert (example.name, example.website) == ("Rosa Diaz", "https://rosa.example")
    login(user)
    _delete(client, "keep")
    db.session.expire_all()
    assert (example.name, example.website) == ("Former reader", None)


def test_the_notifications_section_holds_reply_mail_for_everyone_and_staff_mail_for_staff(client, make_user, login):
    """Reply mail and staff mail bring their own parts of the account page, under Notifications."""
    login(make_user("moderator"))
    page = client.get("/account").get_data(as_text=True)
    section = page.split('id="notifications-title"', 1)[1].split('id="tokens-title"', 1)[0]
    assert '<h3 id="reply-mail-title">Mail about comments</h3>' in section
    assert '<h3 id="staff-mail-title">Mail for staff</h3>' in section
    client.post("/logout")
    login(make_user("reader"))
    page = client.get("/account").get_data(as_text=True)
    section = page.split('id="notifications-title"', 1)[1].split('id="tokens-title"', 1)[0]
    assert "Mail about comments" in section and "Mail for staff" not in section
