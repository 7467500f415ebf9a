"""A person's public page: their avatar, role, when they joined, their public comments and the notes they signed."""

from flask import abort, current_app, render_template, request

from app.extensions import db
from app.people import bp
from app.services import profiles
from app.services.text import whole_number
from app.web import account_avatar


@bp.route("/people/<int:user_id>")
def profile(user_id: int):
    """An account's public page; 404 for an account that is deactivated, deleted or was never there."""
    user = profiles.public_account(user_id)
    if user is None:
        abort(404)
    number = whole_number(request.args.get("page", "1"), limit=1_000_000) or 1
    page = db.paginate(
        profiles.comments_by(user),
        page=number,
        per_page=current_app.config["PROFILE_COMMENTS_PER_PAGE"],
        error_out=False,
        max_per_page=None,
    )
    return render_template(
        "people/profile.html",
        person=user,
        shown=account_avatar(user),
        badge=profiles.role_badge(user),
        page=page,
        signed=profiles.notes_by(user) if page.page == 1 else None,
    )
