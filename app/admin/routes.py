"""Admins list accounts and change their roles, and register the sites whose pages embed discussions."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.extensions import db
from app.models import Role, Site, User
from app.services import accounts, sites
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


def _site_fields() -> sites.SiteFields:
    form = request.form
    return sites.SiteFields(
        name=form.get("name", ""),
        origins=form.get("origins", ""),
        allow_new_threads=form.get("allow_new_threads") == "on",
        hold_all=form.get("hold_all") == "on",
    )


@bp.route("/sites", methods=["GET", "POST"])
def site_list():
    """Registered sites, and the form that registers one (docs/embed.md)."""
    error = None
    if request.method == "POST":
        try:
            site = sites.register_site(current_user, _site_fields())
        except ServiceError as problem:
            error = problem
        else:
            current_app.logger.info("site %s registered by user %s", site.id, current_user.id)
            flash(f"{site.name} is registered: paste the snippet into its pages.", "success")
            return redirect(url_for("admin.site", site_id=site.id))
    return render_template(
        "admin/sites.html",
        sites=db.session.scalars(sites.all_sites()).all(),
        error=error,
        fields=request.form if error else {"allow_new_threads": True},
    ), (error.status if error else 200)


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
def site(site_id: int):
    """One site: its origins and rules, the snippet for its pages, and its threads."""
    record = db.session.get(Site, site_id) or abort(404)
    error = None
    if request.method == "POST":
        try:
            sites.update_site(record, _site_fields())
        except ServiceError as problem:
            error = problem
        else:
            flash(f"{record.name} is saved.", "success")
            return redirect(url_for("admin.site", site_id=record.id))
    return render_template(
        "admin/site.html",
        site=record,
        threads=db.session.scalars(sites.threads_of(record).limit(100)).all(),
        error=error,
        script_url=url_for("embed.script", _external=True),
    ), (error.status if error else 200)
