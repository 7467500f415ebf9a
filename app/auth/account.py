"""The signed-in user's own page: who they are, and their API tokens."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth import bp
from app.services import accounts
from app.services.errors import ServiceError


@bp.route("/account")
@login_required
def account():
    """Profile and API tokens."""
    return render_template("auth/account.html", tokens=accounts.tokens_of(current_user), new_token=None)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    """Create a token and show it once, in this response only (never in a redirect or the session)."""
    label = " ".join((request.form.get("label") or "").split())[:80]
    token = accounts.create_api_token(current_user, label)
    return render_template("auth/account.html", tokens=accounts.tokens_of(current_user), new_token=token), 201


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
