"""Account views: thin wrappers around services.accounts."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, RegisterForm
from app.extensions import limiter
from app.services import accounts
from app.services.errors import ServiceError
from app.urls import safe_next


def _failed(response) -> bool:
    # Only failed sign-ins count against the limits; a success redirects.
    return response.status_code != 302


def _email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()


def _start_session(user, remember: bool = False) -> None:
    """Renew the session on sign-in so an identifier planted before it is worthless."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = remember


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_NETWORK"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_EMAIL"], methods=["POST"], key_func=_email_key, deduct_when=_failed
)
def login():
    """Sign in with email and password; failures never say whether the email exists."""
    form = LoginForm(next=request.args.get("next"))
    destination = safe_next(form.next.data, url_for("articles.index"))
    if current_user.is_authenticated:
        return redirect(destination)
    if form.validate_on_submit():
        user = accounts.authenticate(
            form.email.data, form.password.data, hash_method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        if user is not None:
            _start_session(user, remember=form.remember.data)
            flash(f"Signed in as {user.name}.", "success")
            return redirect(destination)
        form.form_errors.append("The email or the password is not right.")
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REGISTER_LIMIT_PER_NETWORK"],
    methods=["POST"],
    deduct_when=lambda r: r.status_code == 302,
)
def register():
    """Create a reader account and sign it in."""
    form = RegisterForm(next=request.args.get("next"))
    form.password.description = f"At least {current_app.config['PASSWORD_MIN_LENGTH']} characters."
    destination = safe_next(form.next.data, url_for("articles.index"))
    if current_user.is_authenticated:
        return redirect(destination)
    if form.validate_on_submit():
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
