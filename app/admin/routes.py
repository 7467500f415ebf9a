"""Admins list accounts and change their roles."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.extensions import db
from app.models import Role, User
from app.services import accounts
from app.services.errors import ServiceError
from app.services.permissions import can_manage_users


@bp.before_request
@login_required
def require_admin():
    """Every admin page is for admins only."""
    if not can_manage_users(current_user):
        abort(403)


@bp.route("/users")
def users():
    """Accounts, newest first, with their roles."""
    page = db.paginate(accounts.all_users(), per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, roles=list(Role))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    """Give an account another role."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        accounts.set_role(user, request.form.get("role", ""))
    except ServiceError as error:
        flash(error.message, "error")
    else:
        current_app.logger.info("role of user %s set to %s by user %s", user.id, user.role.value, current_user.id)
        flash(f"{user.name} is now {user.role.value}.", "success")
    return redirect(url_for("admin.users", page=request.args.get("page", type=int)))
