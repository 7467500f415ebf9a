"""Admins list accounts and change their roles, and register the sites whose pages embed discussions."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import bp
from app.extensions import db
from app.models import Article, Role, Site, User
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
    """One site: its origins and rules, the snippet for its pages, and its threads (50 a page)."""
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
    return _site_page(record, error=error)


def _site_page(record: Site, error: ServiceError | None = None, removal: ServiceError | None = None):
    problem = error or removal
    return render_template(
        "admin/site.html",
        site=record,
        threads=db.paginate(sites.threads_of(record), per_page=50, error_out=False),
        error=error,
        removal=removal,
        script_url=url_for("embed.script", _external=True),
    ), (problem.status if problem else 200)


@bp.route("/sites/<int:site_id>/delete", methods=["POST"])
def delete_site(site_id: int):
    """Remove a site registered by mistake (only while its discussions hold no comment), once confirmed."""
    record = db.session.get(Site, site_id) or abort(404)
    if request.form.get("confirm") != "on":
        return _site_page(record, removal=ServiceError("Tick the box to confirm the removal.", field="confirm"))
    name = record.name
    try:
        threads = sites.delete_site(record)
    except ServiceError as problem:
        return _site_page(record, removal=problem)
    current_app.logger.info("site %s removed by user %s with %s empty threads", site_id, current_user.id, threads)
    flash(f"{name} is removed, with {threads} empty discussion{'' if threads == 1 else 's'}.", "success")
    return redirect(url_for("admin.site_list"))


@bp.route("/sites/<int:site_id>/threads/<int:thread_id>", methods=["GET", "POST"])
def thread(site_id: int, thread_id: int):
    """Retitle one of a site's discussions, or move it with its page to a new address or identifier."""
    record = db.session.get(Site, site_id) or abort(404)
    found = db.session.get(Article, thread_id)
    if found is None or found.site_id != record.id:
        abort(404)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            sites.update_thread(
                found,
                sites.ThreadFields(
                    title=form.get("title", ""), page_url=form.get("page_url", ""), key=form.get("key", "")
                ),
            )
        except ServiceError as problem:
            error = problem
        else:
            flash(f"“{found.title}” is saved.", "success")
            return redirect(url_for("admin.site", site_id=record.id))
    values = (
        request.form
        if error
        # A key that is the page's address shows empty: "the page's address", which follows a move.
        else {
            "title": found.title,
            "page_url": found.page_url or "",
            "key": "" if found.thread_key == found.page_url else found.thread_key or "",
        }
    )
    return render_template("admin/thread.html", site=record, thread=found, values=values, error=error), (
        error.status if error else 200
    )
