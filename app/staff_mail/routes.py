"""Staff mail views. The confirmation and unsubscribe pages need no sign-in: the signed token in their address is
the authority, so a moderator can act from a phone where they are not signed in."""

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import csrf
from app.services import moderation, staff_mail
from app.services.errors import ServiceError
from app.services.signed import TokenProblem
from app.staff_mail import bp


def _private(body: str, status: int = 200) -> Response:
    """A page whose address holds a token: kept out of caches, search engines and other sites' Referer."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/moderate/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    """A mailed Approve / Spam / Trash link: GET shows the comment and asks, POST acts as the mail's moderator.

    The form carries the usual CSRF token: the GET that shows it starts a session if there was none, so a
    moderator who is not signed in can still confirm. The signed link decides who acts, never the session.
    """
    try:
        if request.method == "POST":
            asked = staff_mail.act(token, request.form.get("reason"))
        else:
            asked = staff_mail.read_action(token)
    except staff_mail.LinkProblem as problem:
        return _private(render_template("staff_mail/problem.html", problem=problem), problem.status)
    return _private(
        render_template(
            "staff_mail/confirm.html",
            asked=asked,
            acted=request.method == "POST" and asked.done is None,
            label=staff_mail.LINK_LABELS[asked.action],
            flags=moderation.load_context([asked.comment])["flags"][asked.comment.id],
            trash_reasons=moderation.TRASH_REASONS,
        )
    )


# Exempt from the session's CSRF check: RFC 8058's one-click POST comes from the mail provider's servers, which
# hold no session of ours. The signed token in the address is the authorisation, and all it can do is turn one
# mail off for one person.
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> Response:
    """GET asks (link checkers and previews open links without meaning to); POST, from the page or one-click from
    the mail program (List-Unsubscribe-Post), turns that mail off."""
    try:
        if request.method == "POST":
            user, kind = staff_mail.unsubscribe(token)
        else:
            user, kind = staff_mail.read_unsubscribe(token)
    except TokenProblem:
        return _private(render_template("staff_mail/unsubscribe.html", problem=True), 400)
    return _private(
        render_template(
            "staff_mail/unsubscribe.html",
            problem=False,
            done=request.method == "POST",
            name=user.name,
            what=staff_mail.KINDS[kind],
        )
    )


@bp.route("/settings", methods=["POST"])
@login_required
def settings() -> Response:
    """Save the choices of the account page's "Mail for staff" section."""
    # The checkbox is absent when unticked: the hidden field says the form showed it.
    shown = bool(request.form.get("correction_requests_shown"))
    correction_requests = bool(request.form.get("correction_requests")) if shown else None
    try:
        staff_mail.choose(current_user, request.form.get("moderation"), correction_requests)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash("Your mail settings are saved.", "success")
    return redirect(url_for("auth.account") + "#staff-mail")


@bp.app_template_global("staff_mail_settings")
def settings_for_page() -> object:
    """For the account page's section (templates/auth/_staff_mail.html): the signed-in person's choices."""
    return staff_mail.settings_of(current_user)
