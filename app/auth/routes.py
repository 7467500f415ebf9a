"""Account views: thin wrappers around services.accounts."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from app.auth import bp, throttle
from app.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from app.ratelimit import client_key
from app.security import keep_opener, opened_from_frame
from app.services import accounts, self_service
from app.services.errors import ServiceError
from app.services.identity import email_key
from app.services.signed import TokenProblem
from app.urls import safe_next
from app.web import start_session

# The reset page's address holds the link's token: no other site learns it from a Referer, no cache keeps it.
PRIVATE_PAGE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


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


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; failures never say whether the email exists.

    Attempts are counted as they arrive, per network and per email (LOGIN_LIMIT_*); past a limit even the right
    password is turned away until the window ends, and a successful sign-in gives its attempt back."""
    form = LoginForm(next=request.args.get("next"))
    destination = safe_next(form.next.data, url_for("articles.index"))
    if opened_from_frame(destination):
        keep_opener()  # the window a framed discussion opened, on its way to handing the sign-in back
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
            start_session(user, remember=form.remember.data)
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
    if opened_from_frame(destination):
        keep_opener()  # "Create an account" from the sign-in window a framed discussion opened
    if current_user.is_authenticated:
        return redirect(destination)
    if form.validate_on_submit():
        attempt = _door("register", "REGISTER_LIMIT_PER_NETWORK", "REGISTER_LIMIT_PER_EMAIL", form.email.data)
        if attempt.refused:
            return _turned_away("auth/register.html", form, attempt, "create an account")
        try:
            user = self_service.register(form.email.data, form.name.data, form.password.data)
        except ServiceError as error:
            getattr(form, error.field, form.email).errors.append(error.message)
        else:
            start_session(user)
            # The banner on every page asks for the confirmation (templates/auth/_confirm_banner.html).
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


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password-reset link. The answer is the same whether or not the address has an account; requests
    count as they arrive, per network and per address (PASSWORD_RESET_LIMIT_*)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        attempt = _door(
            "password-reset", "PASSWORD_RESET_LIMIT_PER_NETWORK", "PASSWORD_RESET_LIMIT_PER_EMAIL", form.email.data
        )
        if attempt.refused:
            return _turned_away("auth/forgot_password.html", form, attempt, "reset a password")
        self_service.request_password_reset(form.email.data)
        flash(
            "If an account uses that address, a link to choose a new password is on its way there. "
            f"It works once, for {self_service.lifetime_of(self_service.RESET)}.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a mailed link; every session of the account ends and this one starts."""
    try:
        user = self_service.user_for_reset(token)
    except TokenProblem as problem:
        message = self_service.link_problem(self_service.RESET, problem.reason)
        return render_template("auth/link_problem.html", message=message, again=True), 400, PRIVATE_PAGE
    form = ResetPasswordForm()
    form.password.description = f"At least {current_app.config['PASSWORD_MIN_LENGTH']} characters."
    if form.validate_on_submit():
        try:
            user = self_service.reset_password(token, form.password.data, form.confirm.data)
        except TokenProblem as problem:  # used by another tab between the page and the post
            message = self_service.link_problem(self_service.RESET, problem.reason)
            return render_template("auth/link_problem.html", message=message, again=True), 400, PRIVATE_PAGE
        except ServiceError as error:
            getattr(form, error.field or "password", form.password).errors.append(error.message)
        else:
            start_session(user)
            flash("Your password was changed, and every other session of your account was signed out.", "success")
            return redirect(url_for("auth.account"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, name=user.name), status, PRIVATE_PAGE


@bp.route("/account/confirm/<token>")
def confirm_email(token: str):
    """Follow the link mailed to a new account's address (signed in or not, on any device)."""
    try:
        self_service.confirm_email(token)
    except TokenProblem as problem:
        message = self_service.link_problem(self_service.CONFIRM, problem.reason)
        return render_template("auth/link_problem.html", message=message, again=False), 400, PRIVATE_PAGE
    flash("Thank you: your email address is confirmed.", "success")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


@bp.route("/account/email/confirm/<token>")
def confirm_email_change(token: str):
    """Follow the link mailed to the new address an account moves to."""
    try:
        self_service.confirm_email_change(token)
    except TokenProblem as problem:
        message = self_service.link_problem(self_service.CHANGE, problem.reason)
        return render_template("auth/link_problem.html", message=message, again=False), 400, PRIVATE_PAGE
    except ServiceError as error:
        return render_template("auth/link_problem.html", message=error.message, again=False), error.status, PRIVATE_PAGE
    flash("Your account now uses its new email address.", "success")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))
