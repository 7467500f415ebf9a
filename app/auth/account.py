"""The signed-in user's own page: profile, email address, password, notifications, API tokens, deleting the account.

Each section posts to its own route; a refused post shows the whole page again with that section's form and its
errors (422), and changes nothing.
"""

import json

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from app.auth import bp, throttle
from app.auth.forms import DeleteAccountForm, EmailChangeForm, NameForm, PasswordChangeForm
from app.services import accounts, personal_data, self_service
from app.services.errors import ServiceError
from app.web import start_session

FORMS = {"profile": NameForm, "email": EmailChangeForm, "password": PasswordChangeForm, "delete": DeleteAccountForm}


def _forms(**bound):
    """Every form of the page, under its prefix: the ones given (bound to the post), the others empty."""
    forms = {}
    for prefix, form_class in FORMS.items():
        forms[prefix] = bound.get(prefix) or form_class(formdata=None, prefix=prefix)
    forms["profile"].name.data = forms["profile"].name.data or current_user.name
    forms["password"].password.description = f"At least {current_app.config['PASSWORD_MIN_LENGTH']} characters."
    return forms


def _page(status: int = 200, new_token: str | None = None, **bound):
    return (
        render_template(
            "auth/account.html",
            tokens=accounts.tokens_of(current_user),
            new_token=new_token,
            forms=_forms(**bound),
        ),
        status,
    )


def _refused(prefix: str, form, error: ServiceError):
    """The page again with the error next to its field (or above the form), and the error's status."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    return _page(error.status, **{prefix: form})


def _me():
    """The signed-in account itself, not the proxy: services change it, and the session signs it in again."""
    return current_user._get_current_object()


def _password_attempt() -> throttle.Attempt:
    """Count a check of the account's password (changing address or password, deleting) like a sign-in attempt on
    the account's address, so a borrowed session cannot guess it faster than the sign-in form could."""
    return throttle.arrive("login", [(current_app.config["LOGIN_LIMIT_PER_EMAIL"], "account:" + str(current_user.id))])


def _too_many(attempt: throttle.Attempt, what: str) -> ServiceError:
    return ServiceError(f"Too many attempts to {what}. Try again in {attempt.wait_in_words()}.", status=429)


@bp.route("/account")
@login_required
def account():
    """The account page."""
    return _page()


@bp.route("/account/data")
@login_required
def download_data():
    """Everything stored about the signed-in person, as a JSON file (docs/accounts.md#your-data)."""
    data = personal_data.export(personal_data.Person.for_account(current_user))
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="personal-data.json"', "Cache-Control": "no-store"},
    )


@bp.route("/account/name", methods=["POST"])
@login_required
def change_name():
    """Give the account a new display name."""
    form = NameForm(prefix="profile")
    if not form.validate_on_submit():
        return _page(422, profile=form)
    try:
        self_service.change_name(_me(), form.name.data)
    except ServiceError as error:
        return _refused("profile", form, error)
    flash("Your name was changed.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/email", methods=["POST"])
@login_required
def change_email():
    """Ask to move the account to a new address: a link goes there, a notice to the current one."""
    form = EmailChangeForm(prefix="email")
    if not form.validate_on_submit():
        return _page(422, email=form)
    attempt = _password_attempt()
    if attempt.refused:
        return _refused("email", form, _too_many(attempt, "enter your password"))
    mailing = _confirmation_attempt()
    if mailing.refused:
        return _refused("email", form, _too_many(mailing, "send a confirmation"))
    try:
        address = self_service.request_email_change(_me(), form.email.data, form.current_password.data)
    except ServiceError as error:
        return _refused("email", form, error)
    attempt.give_back()
    flash(
        f"We mailed a link to {address}. Your address changes when you follow it "
        f"(within {self_service.lifetime_of(self_service.CHANGE)}).",
        "info",
    )
    return redirect(url_for("auth.account"))


def _confirmation_attempt() -> throttle.Attempt:
    return throttle.arrive(
        "confirmation",
        [(current_app.config["CONFIRMATION_LIMIT_PER_ACCOUNT"], "account:" + str(current_user.id))],
    )


@bp.route("/account/confirm", methods=["POST"])
@login_required
def resend_confirmation():
    """Mail the account's address a new confirmation link (CONFIRMATION_LIMIT_PER_ACCOUNT)."""
    attempt = _confirmation_attempt()
    if attempt.refused:
        flash(f"Too many confirmation mails asked for. Try again in {attempt.wait_in_words()}.", "error")
        return redirect(url_for("auth.account"))
    try:
        self_service.send_confirmation(_me())
    except ServiceError as error:
        flash(error.message, "info")
    else:
        flash(f"We mailed a new confirmation link to {current_user.email}.", "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Replace the password; every other session ends, this one stays signed in."""
    form = PasswordChangeForm(prefix="password")
    if not form.validate_on_submit():
        return _page(422, password=form)
    attempt = _password_attempt()
    if attempt.refused:
        return _refused("password", form, _too_many(attempt, "enter your password"))
    try:
        user = self_service.change_password(
            _me(),
            form.current_password.data,
            form.password.data,
            form.confirm.data,
            revoke_tokens=form.revoke_tokens.data,
        )
    except ServiceError as error:
        return _refused("password", form, error)
    attempt.give_back()
    # The session token changed with the password: this session signs in again under the new one.
    start_session(user, remember=bool(session.permanent))
    flash("Your password was changed; every other session of your account was signed out.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete_account():
    """Delete the account, keeping or removing its comments as its owner chooses."""
    form = DeleteAccountForm(prefix="delete")
    if not form.validate_on_submit():
        return _page(422, delete=form)
    attempt = _password_attempt()
    if attempt.refused:
        return _refused("delete", form, _too_many(attempt, "enter your password"))
    try:
        self_service.delete_account(_me(), form.password.data, form.comments.data)
    except ServiceError as error:
        return _refused("delete", form, error)
    attempt.give_back()
    logout_user()
    session.clear()
    flash("Your account was deleted. Thank you for reading with us.", "info")
    return redirect(url_for("articles.index"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    """Create a token and show it once, in this response only (never in a redirect or the session)."""
    label = " ".join((request.form.get("label") or "").split())[:80]
    token = accounts.create_api_token(current_user, label)
    return _page(201, new_token=token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of the current user's tokens."""
    try:
        accounts.revoke_token(current_user, token_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash("Token revoked; programs using it can no longer sign in.", "success")
    return redirect(url_for("auth.account"))
