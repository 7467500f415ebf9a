"""Account views: thin wrappers around services.accounts."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, throttle
from app.auth.forms import LoginForm, RegisterForm
from app.ratelimit import client_key
from app.services import accounts
from app.services.errors import ServiceError
from app.services.identity import email_key
from app.urls import safe_next


def _door(name: str, per_network: str, per_email: str, email: str | None) -> throttle.Attempt:
    """Count this attempt at the door per network and per email address (in any spelling of it)."""
    config = current_app.config
    return throttle.arrive(
        name, [(config[per_network], "network:" + client_key()), (config[per_email], "email:" + email_key(email))]
    )


def _turned_away(template: str, form, attempt: throttle.Attempt, what: str):
    """The form again, saying how long to wait (429 with Retry-After); the same whatever was typed."""
    form.form_errors.append(f"Too many attempts to {what}. Try again in {attempt.wait_in_words()}.")
    return render_template(template, form=form), 429, {"Retry-After": str(attempt.retry_after)}


def _start_session(user, remember: bool = False) -> None:
    """Renew the session on sign-in so an identifier planted before it is worthless."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = remember


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; failures never say whether the email exists.

    Attempts are counted as they arrive, per network and per email (LOGIN_LIMIT_*); past a limit even the right
    password is turned away until the window ends, and a successful sign-in gives its attempt back."""
    form = LoginForm(next=request.args.get("next"))
    destination = safe_next(form.next.data, url_for("articles.index"))
    if current_user.is_authenticated:
        return redirect(destination)
    if form.validate_on_submit():
        attempt = _door("login", "LOGIN_LIMIT_PER_NETWORK", "LOGIN_LIMIT_PER_EMAIL", form.email.data)
        if attempt.refused:
            return _turned_away("auth/login.html", form, attempt, "sign in")
        user = accounts.authenticate(
            form.email.data, form.password.data, hash_method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        if user is not None:
            attempt.give_back()
            _start_session(user, remember=form.remember.data)
            flash(f"Signed in as {user.name}.", "success")
            return redirect(destination)
        form.form_errors.append("The email or the password is not right.")
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a reader account and sign it in.

    "An account with this email address already exists" tells whoever asks that the address has an account, so
    every registration counts, made or refused, per network and per email (REGISTER_LIMIT_*)."""
    form = RegisterForm(next=request.args.get("next"))
    form.password.description = f"At least {current_app.config['PASSWORD_MIN_LENGTH']} characters."
    destination = safe_next(form.next.data, url_for("articles.index"))
    if current_user.is_authenticated:
        return redirect(destination)
    if form.validate_on_submit():
        attempt = _door("register", "REGISTER_LIMIT_PER_NETWORK", "REGISTER_LIMIT_PER_EMAIL", form.email.data)
        if attempt.refused:
            return _turned_away("auth/register.html", form, attempt, "create an account")
        try:
            user = accounts.create_user(
                form.email.data,
                form.name.data,
                form.password.data,
                "reader",
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except ServiceError as error:
            getattr(form, error.field, form.email).errors.append(error.message)
        else:
            _start_session(user)
            flash(f"Welcome, {user.name}. Your account is ready.", "success")
            return redirect(destination)
    return render_template("auth/register.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out and drop everything the session held."""
    logout_user()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("articles.index"))
