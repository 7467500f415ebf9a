"""Comment views: thin wrappers that read the form, call services.comments, and render or redirect."""

from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.articles.page import change_check, comment_location, location_url, order, render_article_page
from app.comments import bp
from app.comments.forms import CloseCommentsForm, CommentEditForm, CommentForm, FlagForm, VoteForm
from app.errors import attach_errors, http_error, json_error, script_wants_json
from app.extensions import csrf, limiter
from app.guests import (
    guest_comment_ids,
    keep_guest_profile,
    keep_reader_cookie,
    known_reader_key,
    reader_key,
    remember_guest_comment,
    remember_guest_flag,
)
from app.models import Article, Comment
from app.ratelimit import client_key
from app.services import comments as comment_service
from app.services import moderation, subscriptions, threads, votes
from app.services.articles import visible_article
from app.services.comments import Writer
from app.services.errors import ServiceError
from app.services.markdown import render_comment
from app.services.permissions import can_add_note, can_close_comments, can_pin
from app.services.spam.checks import HONEYPOT_FIELD, TIMESTAMP_FIELD
from app.services.text import clean_text, whole_number
from app.urls import safe_next
from app.web import comment_limits, flood_limit, request_details, rules, rules_for, viewer, vote_limit


def _published_article(slug: str) -> Article:
    article = visible_article(slug, viewer())
    if article is None:
        abort(404)
    return article


def _parent_number(text: str | None) -> int | None:
    """The comment a form replies to: None for a new thread; 0, which names no comment, for anything unreadable
    (so the writer hears that the comment does not exist, rather than seeing a reply posted as a new thread)."""
    if not (text or "").strip():
        return None
    number = whole_number(text.strip())
    return 0 if number is None else number


def _comment_url(comment: Comment) -> str:
    """The page that shows the comment (a page of the discussion, or of its thread), scrolled to it."""
    where = comment_location(comment, guest_comment_ids(rules()) | {comment.id})
    return location_url(comment.article, where, f"#comment-{comment.id}")


@bp.route("/articles/<slug>/comments", methods=["POST"])
@csrf.exempt  # the form checks its CSRF token itself, so an expired session gets the text back, not a bare 400
@comment_limits
def create(slug: str):
    """Post a comment or a reply from the article page."""
    article = _published_article(slug)
    form = CommentForm()
    parent_id = _parent_number(form.parent_id.data)
    parent = comment_service.find_comment(parent_id) if parent_id else None
    # An error about a reply is shown in the reply form, on the page that shows the comment answered.
    error_page = (
        comment_location(parent, guest_comment_ids(rules()))
        if parent is not None and parent.article_id == article.id
        else None
    )
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            form.form_errors.append(
                "Your session expired, so nothing was posted. Your text is kept: press the button again."
            )
        if script_wants_json():
            # The page's script swaps the fresh token into its forms, so pressing the button again posts.
            message = " ".join(form.form_errors) or "The form could not be read."
            return json_error(400, "csrf", message, csrf_token=generate_csrf())
        return render_article_page(article, form, 400, where=error_page)
    writer = Writer(
        user=viewer(),
        name=form.name.data or "",
        email=form.email.data or "",
        website=form.website.data,
        ip_network=client_key(),
        **request_details(),
        form={
            HONEYPOT_FIELD: request.form.get(HONEYPOT_FIELD, ""),
            TIMESTAMP_FIELD: request.form.get(TIMESTAMP_FIELD, ""),
        },
        notify_replies=bool(form.notify_replies.data),
    )
    try:
        comment = comment_service.post_comment(
            article,
            writer,
            form.body.data or "",
            rules_for(article),
            parent_id=parent_id,
        )
    except ServiceError as error:
        if script_wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        if error.status == 403:
            flash(error.message, "error")
            return render_article_page(article, form, 403, where=error_page)
        attach_errors(form, error)
        return render_article_page(article, form, error.status, where=error_page)
    if comment.is_public:
        message = "Your comment is published."
    else:
        message = "Thank you. Your comment is awaiting moderation; only you can see it until then."
    mail = subscriptions.reply_mail_asked(comment)
    if mail.state != "none":
        message = f"{message} {mail.message}"
    if script_wants_json():
        response = jsonify(
            id=comment.id,
            parent_id=comment.parent_id,
            status="approved" if comment.is_public else "pending",
            message=message,
            html=_node_html(comment),
        )
    else:
        flash(message, "success" if comment.is_public else "info")
        response = make_response(redirect(_comment_url(comment)))
    if comment.user_id is None:
        remember_guest_comment(response, comment.id, rules())
        keep_guest_profile(
            response, form.remember.data, comment.writer_name, comment.writer_email, comment.writer_website
        )
    return response


def _node_html(comment) -> str:
    """One comment as the article page draws it, for the script to put in place."""
    guest_ids = guest_comment_ids(rules()) | ({comment.id} if comment.user_id is None else set())
    return render_template(
        "comments/_node.html",
        node=threads.node_for(comment),
        article=comment.article,
        can_change=change_check(guest_ids),
        closed_reason=None,
        led_to={},
        can_add_note=can_add_note(viewer(), comment.article),
    )


def _own_comment(comment_id: int):
    """The comment if the viewer may still change it: 404 when it is not there, 403 otherwise."""
    comment = comment_service.find_comment(comment_id)
    if comment is None or visible_article(comment.article.slug, viewer()) is None:
        abort(404)
    try:
        comment_service.check_can_change(comment, viewer(), guest_comment_ids(rules()), rules())
    except ServiceError as error:
        abort(403, description=error.message)
    return comment


@bp.route("/comments/preview", methods=["POST"])
@csrf.exempt  # the view checks the token itself and answers JSON the script can show
@limiter.limit(lambda: current_app.config.get("PREVIEW_LIMIT", "120 per minute"))
def preview():
    """The comment as it would be shown: the same Markdown subset and sanitiser as on posting (for the live preview)."""
    if not CommentEditForm().validate_on_submit():
        return json_error(400, "csrf", "Reload the page to preview.")
    body = clean_text(request.form.get("body", "")).strip()  # as posting counts it
    limit = rules().max_length
    if len(body) > limit:
        return jsonify(html="", message=f"A comment is at most {limit:,} characters (this one has {len(body):,}).")
    return jsonify(html=render_comment(body), message="")


@bp.route("/comments/<int:comment_id>")
def permalink(comment_id: int):
    """A comment's lasting address: the page of the discussion that shows it, scrolled to it. For the discussion
    of a page elsewhere, that page (its embed.js finds the comment), while it is on its site's origins."""
    comment = comment_service.find_comment(comment_id)
    if comment is None or visible_article(comment.article.slug, viewer()) is None:
        abort(404)
    if not comment.is_public and not comment_service.owns(comment, viewer(), guest_comment_ids(rules())):
        abort(404)
    page = comment.article.host_page
    if page is not None:
        return redirect(f"{page}#comment-{comment.id}")
    return redirect(_comment_url(comment))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    """Edit one's own comment within the edit window; the old text is kept as a revision."""
    comment = _own_comment(comment_id)
    if request.method == "GET" and script_wants_json():
        return jsonify(body=comment.body, editable_until=comment_service.edit_deadline(comment, rules()).isoformat())
    form = CommentEditForm(body=comment.body) if request.method == "GET" else CommentEditForm()
    if form.validate_on_submit():
        try:
            comment_service.edit_comment(comment, form.body.data or "", rules(), editor=viewer())
        except ServiceError as error:
            if script_wants_json():
                return json_error(error.status, error.code, error.message, error.fields)
            attach_errors(form, error)
        else:
            if script_wants_json():
                return jsonify(id=comment.id, message="Your comment is updated.", html=_node_html(comment))
            flash("Your comment is updated.", "success")
            return redirect(_comment_url(comment))
    elif script_wants_json():
        return json_error(400, "csrf", "Your session expired; reload the page (copy your text first).")
    deadline = comment_service.edit_deadline(comment, rules())
    return render_template(
        "comments/edit.html", comment=comment, form=form, deadline=deadline
    ), 422 if form.errors else 200


@bp.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
def delete(comment_id: int):
    """Delete one's own comment within the edit window (GET asks first); replies keep a placeholder."""
    comment = _own_comment(comment_id)
    if request.method == "GET":
        return render_template("comments/delete.html", comment=comment, form=CommentEditForm(formdata=None))
    if not CommentEditForm().validate_on_submit():
        abort(400)
    comment_service.delete_comment(comment, by=viewer())
    flash("Your comment is deleted.", "success")
    per_page = int(current_app.config["COMMENTS_PER_PAGE"])
    page = threads.page_of(comment, per_page, order(), viewer(), guest_comment_ids(rules()))
    return redirect(location_url(comment.article, threads.Location(page)))


def _closable_article(slug: str) -> Article:
    """The article, if the viewer may open and close its comments (404 when hidden, 403 otherwise)."""
    article = _published_article(slug)
    if not can_close_comments(current_user, article):
        abort(403)
    return article


@bp.route("/articles/<slug>/comments/close", methods=["POST"])
@login_required
def close(slug: str):
    """Close an article's comments (its author, moderators and admins)."""
    article = _closable_article(slug)
    form = CloseCommentsForm()
    if form.validate_on_submit():
        try:
            comment_service.close_comments(article, form.reason.data or "")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash("Comments are closed on this article.", "success")
    return _back_to_discussion(slug)


@bp.route("/articles/<slug>/comments/reopen", methods=["POST"])
@login_required
def reopen(slug: str):
    """Reopen an article's comments."""
    article = _closable_article(slug)
    if CloseCommentsForm().validate_on_submit():
        comment_service.reopen_comments(article)
        flash("Comments are open again.", "success")
    return _back_to_discussion(slug)


def _back_to_discussion(slug: str):
    """Back where the form was: the framed discussion names itself in `next`; the article page does not."""
    return redirect(safe_next(request.form.get("next"), url_for("articles.show", slug=slug) + "#comments"))


FLAG_REASONS = [
    ("spam", "Spam", "Advertising, scams or junk."),
    ("abusive", "Abusive", "Insults, threats or harassment."),
    ("off_topic", "Off-topic", "Not about the article or the discussion."),
    (
        "factual_error",
        "Factual error",
        "It points out something wrong in the article: the author is asked to correct it.",
    ),
    ("other", "Something else", "Say what in the remark."),
]


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
def flag(comment_id: int):
    """Flag a published comment for the moderators, once, with a reason and an optional remark."""
    comment = comment_service.find_comment(comment_id)
    if comment is None or not comment.is_public or visible_article(comment.article.slug, viewer()) is None:
        abort(404)
    error = None
    if request.method == "GET" and moderation.flagged_by(known_reader_key(viewer()), [comment.id]):
        # Said at once, rather than after the form is filled in and sent. A guest's flags cookie learns of it
        # too (a flag sent before the cookie existed), so the article shows "Flagged" from now on.
        response = make_response(render_template("comments/flag.html", comment=comment, already_flagged=True))
        if viewer() is None:
            remember_guest_flag(response, comment.id, None)
        return response
    if request.method == "POST":
        if not FlagForm().validate_on_submit():
            if script_wants_json():
                return json_error(400, "csrf", "Your session expired; reload the page and flag again.")
            abort(400)
        key, new_cookie = reader_key(viewer())
        try:
            moderation.flag_comment(
                comment,
                key,
                request.form.get("reason", ""),
                request.form.get("remark"),
                rules(),
                user=viewer(),
                ip_network=client_key(),
            )
        except ServiceError as problem:
            if script_wants_json():
                return json_error(problem.status, problem.code, problem.message, problem.fields)
            if problem.status == 409:
                flash(problem.message, "info")
                return redirect(url_for("articles.show", slug=comment.article.slug) + f"#comment-{comment.id}")
            error = problem.message
        else:
            if request.form.get("reason") == "factual_error":
                message = "Thank you. The article's author will see this as a correction request."
            else:
                message = "Thank you. A moderator will look at this comment."
            if script_wants_json():
                response = jsonify(message=message)
            else:
                flash(message, "success")
                response = make_response(
                    redirect(url_for("articles.show", slug=comment.article.slug) + f"#comment-{comment.id}")
                )
            if viewer() is None:
                remember_guest_flag(response, comment.id, new_cookie)
            return response
    return render_template("comments/flag.html", comment=comment, reasons=FLAG_REASONS, error=error, form=FlagForm()), (
        422 if error else 200
    )


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@vote_limit
def vote(comment_id: int):
    """The Helpful button: mark a published comment helpful, or (`take_back`) take the vote back; back to the
    comment, or JSON with the count for the page's script."""
    comment = comment_service.find_comment(comment_id)
    if comment is None or visible_article(comment.article.slug, viewer()) is None:
        abort(404)
    if not VoteForm().validate_on_submit():
        if script_wants_json():
            return json_error(400, "csrf", "Your session expired; reload the page and press Helpful again.")
        abort(400)
    take_back = request.form.get("take_back") == "1"
    key, new_cookie = reader_key(viewer())
    try:
        if take_back:
            votes.take_back(comment, key)
            message = "Your helpful vote is taken back."
        else:
            votes.vote(comment, key, user=viewer(), ip_network=client_key(), own_ids=guest_comment_ids(rules()))
            message = "Marked helpful. Thank you."
    except ServiceError as problem:
        if script_wants_json():
            return json_error(problem.status, problem.code, problem.message, problem.fields)
        flash(problem.message, "info")
        if not comment.is_public:
            return redirect(url_for("articles.show", slug=comment.article.slug) + "#comments")
        return redirect(_comment_url(comment))
    if script_wants_json():
        response = jsonify(votes=votes.shown_votes(comment), voted=not take_back, message=message)
    else:
        flash(message, "success")
        response = make_response(redirect(_comment_url(comment)))
    if new_cookie:
        keep_reader_cookie(response, new_cookie)
    return response


@bp.route("/comments/<int:comment_id>/pin", methods=["POST"])
@login_required
def pin(comment_id: int):
    """Pin a comment to the top of its discussion, or unpin it (the article's author and moderators)."""
    comment = comment_service.find_comment(comment_id)
    if comment is None or visible_article(comment.article.slug, viewer()) is None:
        abort(404)
    if not can_pin(viewer(), comment.article):
        abort(403)
    if not VoteForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("action") == "unpin":
            votes.unpin(comment, viewer())
            flash("The comment is no longer pinned.", "success")
        else:
            votes.pin(comment, viewer())
            flash("The comment is pinned to the top of the discussion.", "success")
    except ServiceError as problem:
        flash(problem.message, "error")
    fallback = url_for("articles.show", slug=comment.article.slug) + f"#comment-{comment.id}"
    return redirect(safe_next(request.args.get("next"), fallback))


def _too_fast(limit: str) -> str:
    """What a writer reads when a flood limit stops their comment: `limit` in words (web.flood_limit)."""
    return (
        f"You are posting faster than the site allows ({limit}). "
        "Wait a little, then press the button again; your text is kept."
    )


@bp.errorhandler(429)
def too_many_comments(error):
    """Flood limit on the page form: the article again, with the text kept and the wait explained."""
    if request.endpoint == "comments.preview":
        return json_error(
            429, "rate_limited", "Preview paused: you are typing faster than the site previews. It resumes shortly."
        )
    if request.endpoint == "comments.vote":
        if script_wants_json():
            return json_error(429, "rate_limited", "You are voting faster than the site allows. Wait a little.")
        return http_error(error)
    if request.endpoint != "comments.create":
        return http_error(error)
    if script_wants_json():
        return json_error(429, "rate_limited", _too_fast(flood_limit(error)))
    article = _published_article(request.view_args["slug"])
    form = CommentForm()
    form.form_errors.append(_too_fast(flood_limit(error)))
    return render_article_page(article, form, 429)
