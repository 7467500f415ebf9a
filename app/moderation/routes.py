"""Desk views: each reads the form, calls one services.moderation function, and redirects back."""

import json
from datetime import timedelta

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.errors import json_error, script_wants_json
from app.extensions import db
from app.models import Ban, Comment, CommentStatus
from app.models.types import utcnow
from app.moderation import bp
from app.services import moderation, outbox, personal_data
from app.services import overview as overview_service
from app.services.articles import find_article
from app.services.comments import Writer, find_comment, post_comment
from app.services.errors import ServiceError
from app.services.permissions import (
    STAFF_ROLES,
    can_edit_comment,
    can_manage_users,
    can_moderate,
    can_see_private,
    can_use_desk,
)
from app.services.settings import SPECS, current_settings, update_settings
from app.services.spam.learning import site_decisions
from app.urls import safe_next
from app.web import rules

PER_PAGE = 25
MAX_BAN_DAYS = 36_500  # a hundred years; beyond that, a date overflows, and "permanent" says it better
DONE = {
    "approve": "Comment {id} is approved.",
    "spam": "Comment {id} is marked as spam.",
    "not_spam": "Comment {id} is not spam; it is {status} now.",
    "trash": "Comment {id} is in the trash.",
    "restore": "Comment {id} is restored; it is {status} now.",
    "dismiss_flags": "Flags on comment {id} dismissed; it is {status}.",
}
BULK_DONE = {
    "approve": "Approved",
    "spam": "Marked as spam",
    "not_spam": "Marked as not spam",
    "trash": "Moved to the trash",
    "restore": "Restored",
}


# The session key holding what the desk's Undo button takes back after a page reload (no script): the events of the
# last action, and its message.
UNDO_KEY = "desk_undo"
DENSITY_COOKIE = "desk_density"
DENSITIES = ("comfortable", "compact")


@bp.before_request
@login_required
def require_desk():
    """Moderators, admins, and authors (for their own articles); readers get 403."""
    if not can_use_desk(current_user):
        abort(403)


def _is_staff() -> bool:
    """Moderators and admins: they ban senders and empty the spam; authors keep to their articles' comments."""
    return current_user.role in STAFF_ROLES


def _require_staff() -> None:
    if not _is_staff():
        abort(403)


def _back(default: str | None = None):
    return redirect(
        safe_next(request.form.get("next") or request.args.get("next"), default or url_for("moderation.desk"))
    )


def _moderated_comment(comment_id: int) -> Comment:
    comment = find_comment(comment_id)
    if comment is None:
        abort(404)
    if not can_moderate(current_user, comment):
        abort(403)
    return comment


@bp.route("")
def desk():
    """A queue of comments with their context, reasons, flags and history."""
    queue = request.args.get("queue", "pending")
    if queue not in moderation.QUEUES:
        abort(404)
    slug = request.args.get("article") or None
    article = find_article(slug) if slug else None
    if slug and article is None:
        flash(f"No article has the address {slug!r}; showing all articles.", "error")
    search = (request.args.get("q") or "").strip()[:100]
    page = db.paginate(
        moderation.queue_query(queue, current_user, article, search or None), per_page=PER_PAGE, error_out=False
    )
    if not page.items and page.page > 1 and page.pages:
        # Acting on the last item of the last page would leave an empty page: go to the last one left.
        return redirect(url_for("moderation.desk", queue=queue, article=slug, q=search or None, page=page.pages))
    return render_template(
        "moderation/desk.html",
        queue=queue,
        page=page,
        # Searched, only the queue shown is counted: its page already did (reading the others' text would cost
        # a window of comments each).
        counts={**dict.fromkeys(moderation.QUEUES), queue: page.total}
        if search
        else moderation.queue_counts(current_user, article),
        context=moderation.load_context(page.items),
        article=article,
        search=search,
        search_window=moderation.SEARCH_WINDOW,
        trash_reasons=moderation.TRASH_REASONS,
        staff=_is_staff(),
        show_private=can_see_private(current_user),
        undo=session.pop(UNDO_KEY, None),
        density=_density(),
    )


def _density() -> str:
    """The desk's density, remembered per browser in a cookie: comfortable (the default) or compact."""
    chosen = request.cookies.get(DENSITY_COOKIE)
    return chosen if chosen in DENSITIES else DENSITIES[0]


@bp.route("/density", methods=["POST"])
def density():
    """Choose the desk's density (a cookie for a year); back to the desk."""
    chosen = request.form.get("density", "")
    if chosen not in DENSITIES:
        flash(f"Choose a density: {' or '.join(DENSITIES)}.", "error")
        return _back()
    response = _back()
    response.set_cookie(
        DENSITY_COOKIE,
        chosen,
        max_age=365 * 24 * 3600,
        path=url_for("moderation.desk"),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/overview")
def overview():
    """Comments per day over the last 30 days, by outcome, drawn as SVG on the server."""
    days = overview_service.daily_outcomes(current_user, 30)
    totals = {status.value: sum(day.counts[status.value] for day in days) for status, _ in overview_service.OUTCOMES}
    return render_template(
        "moderation/overview.html",
        days=days,
        chart=overview_service.chart(days),
        outcomes=overview_service.OUTCOMES,
        totals=totals,
        counts=moderation.queue_counts(current_user),
        undelivered=outbox.given_up_count() if _is_staff() else 0,
    )


@bp.route("/comments/<int:comment_id>", methods=["GET"])
def comment(comment_id: int):
    """One comment in full: its thread context, history, revisions, and forms to edit or reply."""
    item = _moderated_comment(comment_id)
    return render_template(
        "moderation/comment.html",
        item=item,
        context=moderation.load_context([item]),
        trash_reasons=moderation.TRASH_REASONS,
        staff=_is_staff(),
        show_private=can_see_private(current_user),
    )


@bp.route("/comments/<int:comment_id>/action", methods=["POST"])
def act(comment_id: int):
    """Approve, spam, not spam, trash or restore one comment."""
    item = _moderated_comment(comment_id)
    action = request.form.get("action", "")
    try:
        if action == "dismiss_flags":
            moderation.dismiss_flags(item, current_user, request.form.get("remark"))
        else:
            # The trash-reason menus always submit a value; it belongs only to the trash action.
            reason = (
                (request.form.get(f"reason-{item.id}") or request.form.get("reason")) if action == "trash" else None
            )
            moderation.apply(item, action, current_user, reason or None, request.form.get("remark"))
    except ServiceError as error:
        if script_wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        flash(error.message, "error")
    else:
        message = DONE.get(action, "Comment {id} is now {status}.").format(id=item.id, status=item.status.value)
        if item.removed_by_author:
            message += " Readers see “Comment removed by the article's author” in its place."
        undo = _offer_undo([item], message) if action in moderation.ACTIONS else None
        if script_wants_json():
            return jsonify(id=item.id, status=item.status.value, message=message, undo=undo, **_desk_counts())
        flash(message, "success")
    return _back()


def _offer_undo(comments: list[Comment], message: str) -> dict | None:
    """What the Undo button after an action sends (the events it wrote); kept in the session for the page a form
    post reloads (a script shows it in place)."""
    events = moderation.last_moves(comments, current_user)
    if not events:
        return None
    back_to = safe_next(request.form.get("next") or request.args.get("next"), url_for("moderation.desk"))
    if not script_wants_json() and back_to.split("?")[0] == url_for("moderation.desk"):
        # Only for the desk's own page: an action taken beside a discussion goes back to the article.
        session[UNDO_KEY] = {"events": events, "message": message}
    return {"url": url_for("moderation.undo"), "events": events}


def _desk_counts() -> dict:
    """The queues' counts (for the article the desk filters on, sent as `article`) and the navigation's count of
    comments waiting: what a script acting in place shows without a reload."""
    slug = request.form.get("article") or None
    article = find_article(slug, with_author=False) if slug else None
    return {"counts": moderation.queue_counts(current_user, article), "waiting": moderation.pending_count(current_user)}


@bp.route("/undo", methods=["POST"])
def undo():
    """Take back the last action (one comment's, or a bulk action's): the Undo button after it."""
    ids = [n for n in map(_whole_number, request.form.getlist("event")) if n is not None]
    try:
        if not ids:
            raise ServiceError("There is nothing to undo.", field="event")
        if len(ids) == 1:
            results, problems = [moderation.undo(ids[0], current_user)], []
        else:
            results, problems = moderation.undo_many(ids, current_user)
    except ServiceError as error:
        if script_wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        if error.status == 403:
            abort(403, description=error.message)
        flash(error.message, "error")
        return _back()
    session.pop(UNDO_KEY, None)
    message = _undone_message(results)
    if script_wants_json():
        comments = [{"id": result.comment.id, "status": result.comment.status.value} for result in results]
        return jsonify(message=message, problems=problems, comments=comments, **_desk_counts())
    if message:
        flash(message, "success")
    for problem in problems:
        flash(problem, "error")
    return _back()


def _undone_message(results: list[moderation.Undone]) -> str:
    if not results:
        return ""
    if len(results) == 1:
        comment = results[0].comment
        if results[0].already:
            return f"Already undone: comment {comment.id} is {comment.status.value}."
        return f"Undone: comment {comment.id} is {comment.status.value} again."
    undone = [result for result in results if not result.already]
    if not undone:
        return f"Already undone: {_comments(len(results))} are back where they were."
    return f"Undone: {_comments(len(undone))} back where they were."


@bp.route("/bulk", methods=["POST"])
def bulk():
    """One action on every selected comment, or on every comment the page showed ("Apply to all N on this page")."""
    whole_page = request.form.get("scope") == "page"
    field = "page_comment_ids" if whole_page else "comment_ids"
    ids = [n for n in map(_whole_number, request.form.getlist(field)) if n is not None]
    action = request.form.get("bulk_action", "")
    if not ids:
        flash(
            "There are no comments on this page to act on." if whole_page else "Select at least one comment.", "error"
        )
        return _back()
    try:
        reason = request.form.get("bulk_reason") if action == "trash" else None
        moved, problems = moderation.apply_many(ids, action, current_user, reason or None)
    except ServiceError as error:
        flash(error.message, "error")
        return _back()
    if moved:
        message = f"{BULK_DONE.get(action, action)}: {len(moved)} comment{'s' if len(moved) != 1 else ''}."
        flash(message, "success")
        _offer_undo(moved, message)
    for problem in problems:
        flash(problem, "error")
    return _back()


@bp.route("/comments/<int:comment_id>/edit", methods=["POST"])
def edit(comment_id: int):
    """A moderator's edit; the previous text is kept and readers see 'edited by a moderator'. Not for authors.
    From the desk's comment page, or beside the discussion (the article page, the embed's frame), coming back there."""
    item = _moderated_comment(comment_id)
    if not can_edit_comment(current_user, item):
        abort(403)
    try:
        moderation.moderator_edit(item, request.form.get("body", ""), current_user, rules())
    except ServiceError as error:
        if script_wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        flash(error.message, "error")
    else:
        message = "Comment edited; the previous text is kept in its history."
        if script_wants_json():
            return jsonify(id=item.id, status=item.status.value, message=message)
        flash(message, "success")
    # Back where the edit was made: the comment's desk page, or (`next`) the discussion or its frame.
    return _back(url_for("moderation.comment", comment_id=item.id))


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
def reply(comment_id: int):
    """Reply in the thread as a moderator (or as the article's author)."""
    item = _moderated_comment(comment_id)
    try:
        answer = post_comment(
            item.article, Writer(user=current_user), request.form.get("body", ""), rules(), parent_id=item.id
        )
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("moderation.comment", comment_id=item.id))
    flash("Reply posted.", "success")
    return redirect(url_for("articles.show", slug=item.article.slug) + f"#comment-{answer.id}")


def _ban_prefill() -> tuple[Comment | None, dict[str, moderation.BanTarget], dict[str, str]]:
    """For "Ban this sender": the comment named by ?comment=<id>, the ways to ban its sender, and the form's
    values for the one chosen by ?by= (their account or email by default, or their network)."""
    asked = request.args.get("comment")
    if asked is None:
        return None, {}, {}
    comment_id = _whole_number(asked)
    found = find_comment(comment_id) if comment_id is not None else None
    if found is None:
        abort(404, description=f"There is no comment {asked!r} whose sender could be banned.")
    targets = moderation.ban_targets(found)
    target = targets.get(request.args.get("by", "sender")) or targets["sender"]
    return found, targets, {"kind": target.kind.value, "value": target.value}


@bp.route("/bans", methods=["GET", "POST"])
def bans():
    """Bans in force, and a form to add one (moderators and admins), prefilled from a comment with ?comment=<id>."""
    _require_staff()
    sender_of, targets, form = _ban_prefill()
    errors = {}
    wide = False
    if request.method == "POST":
        form = request.form
        kind = request.form.get("kind", "")
        days = request.form.get("days", "").strip()
        expires = None
        if days:
            number = _whole_number(days)
            if number is None or number < 1:
                errors["days"] = "Give a whole number of days, or leave it empty for a permanent ban."
            elif number > MAX_BAN_DAYS:
                errors["days"] = f"A ban lasts at most {MAX_BAN_DAYS:,} days; leave it empty for a permanent ban."
            else:
                expires = utcnow() + timedelta(days=number)
        if not errors:
            try:
                ban, moved = moderation.create_ban(
                    kind,
                    request.form.get("value", ""),
                    request.form.get("reason", ""),
                    current_user,
                    expires_at=expires,
                    spam_existing=bool(request.form.get("spam_existing")),
                    confirm_wide=bool(request.form.get("confirm_wide")),
                )
            except ServiceError as error:
                errors[error.field or "value"] = error.message
                wide = error.code == "wide_network"
            else:
                flash(
                    f"Ban #{ban.id} added; {moved} existing comment{'s' if moved != 1 else ''} moved to spam.",
                    "success",
                )
                return redirect(url_for("moderation.bans"))
    status = 422 if errors else 200
    return render_template(
        "moderation/bans.html",
        bans=moderation.active_bans(),
        errors=errors,
        form=form,
        wide=wide,
        sender_of=sender_of,
        targets=targets,
    ), status


@bp.route("/bans/<int:ban_id>/lift", methods=["POST"])
def lift(ban_id: int):
    """Lift a ban now."""
    _require_staff()
    ban = db.session.get(Ban, ban_id) or abort(404)
    try:
        moderation.lift_ban(ban, current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"Ban #{ban.id} lifted.", "success")
    return redirect(url_for("moderation.bans"))


@bp.route("/spam/empty", methods=["GET", "POST"])
def empty_spam():
    """Delete every spam comment for good, after a confirmation page saying how many (moderators and admins)."""
    _require_staff()
    preview = moderation.purge_preview(CommentStatus.spam, timedelta(0))
    problem, status = None, 200
    if request.method == "POST":
        # The number the confirmation showed; a form from this page always sends it.
        expected = _whole_number(request.form.get("expected", "").strip())
        if request.form.get("expected", "").strip() and expected is None:
            problem, status = "The confirmation did not say how many comments it was for. Check the number again.", 422
        elif expected is not None and preview.deleted > expected:
            # Spam caught after the page was shown was never counted: show the new number rather than delete it.
            problem, status = (
                f"More spam arrived since this page was shown: {_comments(preview.deleted)} would now be deleted, "
                f"not {expected}. Check the number and confirm again.",
                409,
            )
        else:
            label = f"{current_user.name} (account {current_user.id}) on the desk"
            result = moderation.purge(CommentStatus.spam, timedelta(0), label, actor=current_user)
            kept = result.kept_with_replies
            flash(
                f"Deleted {_comments(result.deleted)} from spam for good; "
                f"kept {_comments(kept)} that {'has' if kept == 1 else 'have'} replies.",
                "success",
            )
            return redirect(url_for("moderation.desk", queue="spam"))
    return render_template("moderation/empty_spam.html", preview=preview, problem=problem), status


@bp.route("/people", methods=["GET", "POST"])
def people():
    """Find every comment by an email address, and export or erase what is stored about its writer, for a request
    made by other means (moderators and admins). Addresses travel in POST bodies, never in URLs or logs."""
    _require_staff()
    if request.method == "GET":
        return render_template("moderation/people.html", email="", comments=None, problem=None)
    email, step = request.form.get("email", ""), request.form.get("do", "find")
    try:
        person = personal_data.Person.by_email(email)
    except ServiceError as error:
        return render_template("moderation/people.html", email=email, comments=None, problem=error.message), 422
    comments = personal_data.comments_of(person)
    problem = None
    if step == "export":
        data = json.dumps(personal_data.export(person), indent=2, ensure_ascii=False)
        return Response(
            data,
            mimetype="application/json",
            headers={"Content-Disposition": 'attachment; filename="personal-data.json"', "Cache-Control": "no-store"},
        )
    if step == "erase":
        choice = request.form.get("comments", "")
        if request.form.get("confirm") != "1":
            problem = "Tick the box to confirm the erasure; nothing was erased."
        else:
            try:
                erased = personal_data.erase(
                    person,
                    choice,
                    current_user,
                    remark=f"personal data erased on request by {current_user.name} (account {current_user.id}); "
                    f"{_comments(len(comments))} {'removed' if choice == personal_data.REMOVE else 'anonymised'}",
                )
            except ServiceError as error:
                problem = error.message
            else:
                db.session.commit()
                flash(
                    f"Erased: {_comments(erased.comments)} {'removed' if erased.removed else 'anonymised'}, "
                    f"{erased.correction_requests} correction request(s) anonymised, mail settings dropped.",
                    "success",
                )
                return redirect(url_for("moderation.people"))
    status = 422 if problem else 200
    return render_template("moderation/people.html", email=person.email, comments=comments, problem=problem), status


def _comments(n: int) -> str:
    return f"{n} comment{'' if n == 1 else 's'}"


def _whole_number(text: str) -> int | None:
    """A database id or a count typed in a form or a query; None for anything else (also for absurdly long ones)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Pre-moderation rules and comment settings (admins)."""
    if not can_manage_users(current_user):
        abort(403)
    errors = {}
    if request.method == "POST":
        # Fields missing from the form are left as they are; an unticked checkbox is simply absent, so it means off.
        values = {
            spec.key: request.form[spec.key] for spec in SPECS if spec.kind is not bool and spec.key in request.form
        }
        values.update({spec.key: bool(request.form.get(spec.key)) for spec in SPECS if spec.kind is bool})
        try:
            update_settings(values, current_user)
        except ServiceError as error:
            errors[error.field] = error.message
        else:
            flash("Settings saved; they apply to the next comment.", "success")
            return redirect(url_for("moderation.settings"))
    values = current_settings(current_app.config)
    if errors:
        values.update({key: request.form.get(key, "") for key in values})
    return render_template(
        "moderation/settings.html", specs=SPECS, values=values, errors=errors, decisions=site_decisions()
    ), 422 if errors else 200
