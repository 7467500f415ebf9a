"""Corrections pages: writing, amending and retracting notes, requesting corrections, the author's
desk for requests, the site-wide list of recent notes, and the Atom feeds."""

import re
from collections.abc import Callable

from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.atom import AtomEntry, atom_response
from app.corrections import bp
from app.corrections.forms import CorrectionRequestForm, NoteAmendForm, NoteForm, RequestDecisionForm, RetractForm
from app.errors import attach_errors, http_error, json_error, script_wants_json
from app.extensions import csrf, db
from app.guests import guest_profile, remember_guest_request
from app.models import Comment, RequestStatus
from app.ratelimit import client_key
from app.services import anchoring, correction_requests, notes
from app.services.articles import visible_article
from app.services.errors import ServiceError
from app.services.permissions import can_add_note, can_handle_requests, can_write_articles
from app.services.spam.checks import HONEYPOT_FIELD, TIMESTAMP_FIELD, form_timestamp
from app.services.text import whole_number
from app.web import comment_limits, flood_limit, request_details, rules, viewer

FEED_ENTRIES = 50
DESK_TABS = [
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("resolved", "Resolved"),
    ("declined", "Declined"),
    ("spam", "Caught as spam"),
]


def _published(slug: str):
    article = visible_article(slug, viewer())
    if article is None or not article.is_published:
        abort(404)
    return article


def _writable(slug: str):
    """The article, if the viewer may write notes on it (404 when hidden, 403 otherwise)."""
    article = _published(slug)
    if not can_add_note(viewer(), article):
        abort(403, description="Only the article's author, its host and admins write notes on it.")
    return article


def _note_url(note) -> str:
    return url_for("articles.show", slug=note.article.slug) + f"#note-{note.id}"


def _comment_numbers(text: str) -> list[str]:
    """ "12, #14 15" → ["12", "14", "15"]; anything else is kept for the service to refuse by name."""
    return [part.lstrip("#") for part in re.split(r"[\s,;]+", text or "") if part.strip()]


# --- notes -----------------------------------------------------------------------------------


def _paragraph_choices(article) -> list[SelectChoice]:
    choices = [SelectChoice("", "At the end of the article")]
    for number, paragraph in enumerate(anchoring.paragraphs_of(article), start=1):
        text = notes.plain_text(paragraph.text)
        excerpt = text if len(text) <= 80 else text[:79] + "…"
        choices.append(SelectChoice(paragraph.anchor, f"After paragraph {number}: {excerpt}"))
    return choices


@bp.route("/articles/<slug>/notes/new", methods=["GET", "POST"])
@login_required
def new_note(slug: str):
    """Append a signed note: a kind, where it goes, the text, and the comments that prompted it."""
    article = _writable(slug)
    request_id = request.values.get("request", type=int)
    pending_request = correction_requests.find_request(request_id) if request_id else None
    if pending_request is not None and pending_request.article_id != article.id:
        pending_request = None
    form = NoteForm()
    form.paragraph.choices = _paragraph_choices(article)
    if request.method == "GET":
        form.prompted_by.data = request.args.get("prompted_by", "")
        form.paragraph.data = request.args.get("paragraph", "")
    if form.validate_on_submit():
        try:
            note = notes.add_note(
                article,
                current_user,
                form.kind.data,
                form.body.data,
                paragraph=form.paragraph.data,
                prompted_by=_comment_numbers(form.prompted_by.data),
            )
        except ServiceError as error:
            attach_errors(form, error)
        else:
            if pending_request is not None and pending_request.status in {
                RequestStatus.open,
                RequestStatus.acknowledged,
            }:
                correction_requests.decide_request(pending_request, "resolve", current_user, note_id=note.id)
            flash(f"{note.kind.label} added.", "success")
            return redirect(_note_url(note))
    cited = _cited_preview(article, form.prompted_by.data)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "corrections/note_form.html", article=article, form=form, cited=cited, pending_request=pending_request
    ), status


def _cited_preview(article, text: str) -> list[Comment]:
    """The published comments of this article the form currently cites, to show what is being cited."""
    ids = [number for number in map(whole_number, _comment_numbers(text)) if number]
    if not ids:
        return []
    found = db.session.scalars(db.select(Comment).where(Comment.id.in_(ids[: notes.MAX_CITED]))).all()
    return [comment for comment in found if comment.article_id == article.id and comment.is_public]


def _writable_note(slug: str, note_id: int):
    article = _writable(slug)
    note = notes.find_note(article, note_id)
    if note is None:
        abort(404)
    return article, note


def _change_note(article, note, form, change: Callable[[], object], done: str, template: str):
    """Apply a writer's change to a note from its form: back to the note when it worked, the form with errors if not."""
    if form.validate_on_submit():
        try:
            change()
        except ServiceError as error:
            attach_errors(form, error)
        else:
            flash(done, "success")
            return redirect(_note_url(note))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, article=article, note=note, form=form), status


@bp.route("/articles/<slug>/notes/<int:note_id>/amend", methods=["GET", "POST"])
@login_required
def amend_note(slug: str, note_id: int):
    """Change a note's text or kind; the earlier version stays public."""
    article, note = _writable_note(slug, note_id)
    if note.retracted:
        abort(409, description="A retracted note cannot be amended.")
    form = NoteAmendForm(data={"kind": note.kind.value, "body": note.body} if request.method == "GET" else None)
    return _change_note(
        article,
        note,
        form,
        lambda: notes.amend_note(note, current_user, body=form.body.data, kind=form.kind.data),
        "Note amended; its earlier text is in its history.",
        "corrections/note_amend.html",
    )


@bp.route("/articles/<slug>/notes/<int:note_id>/retract", methods=["GET", "POST"])
@login_required
def retract_note(slug: str, note_id: int):
    """Withdraw a note: it stays visible, struck through, with the reason."""
    article, note = _writable_note(slug, note_id)
    form = RetractForm()
    return _change_note(
        article,
        note,
        form,
        lambda: notes.retract_note(note, current_user, form.reason.data),
        "Note retracted. It stays on the page, struck through, with your reason.",
        "corrections/note_retract.html",
    )


# --- correction requests ---------------------------------------------------------------------


def _request_form_page(article, form, status: int = 200):
    comment = None
    number = whole_number(form.comment_id.data)
    if number:
        comment = db.session.get(Comment, number)
        if comment is None or comment.article_id != article.id or not comment.is_public:
            comment = None
    return render_template(
        "corrections/request_form.html",
        article=article,
        form=form,
        comment=comment,
        form_timestamp=form_timestamp(),
        honeypot_field=HONEYPOT_FIELD,
        timestamp_field=TIMESTAMP_FIELD,
    ), status


@bp.route("/articles/<slug>/correction-requests", methods=["GET", "POST"])
@csrf.exempt  # the form checks its CSRF token itself, so an expired session gets the text back, not a bare 400
@comment_limits
def request_correction(slug: str):
    """Suggest a correction to the article's author and host (GET shows the form, e.g. for one comment)."""
    article = _published(slug)
    if request.method == "GET":
        profile = guest_profile() if not current_user.is_authenticated else {}
        form = CorrectionRequestForm(formdata=None, comment_id=request.args.get("comment", ""), **profile)
        return _request_form_page(article, form)
    form = CorrectionRequestForm()
    if not form.validate_on_submit():
        form.form_errors.append(
            "Your session expired; press the button again to send your request (your text is kept)."
        )
        return _request_form_page(article, form, 400)
    requester = correction_requests.Requester(
        user=viewer(),
        name=form.name.data or "",
        email=form.email.data or "",
        ip_network=client_key(),
        form=request.form.to_dict(),
        **request_details(),
    )
    try:
        created = correction_requests.request_correction(
            article,
            requester,
            form.body.data,
            rules(),
            source_url=form.source_url.data,
            comment_id=form.comment_id.data,
        )
    except ServiceError as error:
        attach_errors(form, error)
        return _request_form_page(article, form, error.status if error.status != 403 else 422)
    flash("Thank you. Your request went to the article's author; you will see the outcome here.", "success")
    response = make_response(redirect(url_for("articles.show", slug=article.slug) + "#your-requests"))
    if created.user_id is None:
        remember_guest_request(response, created.id)
    return response


@bp.route("/author/requests")
@login_required
def desk():
    """The author's desk: correction requests on one's own articles (admins: every article), by state."""
    if not can_write_articles(current_user):
        abort(403, description="Correction requests are for authors, hosts and admins.")
    status = request.args.get("status", "open")
    if status not in {value for value, _ in DESK_TABS}:
        abort(404)
    page = db.paginate(
        correction_requests.requests_query(current_user, RequestStatus(status)),
        per_page=int(current_app.config.get("DESK_PER_PAGE", 50)),
        error_out=False,
    )
    notes_by_article = notes.notes_on(item.article_id for item in page.items)
    return render_template(
        "corrections/desk.html",
        page=page,
        status=status,
        tabs=DESK_TABS,
        counts=correction_requests.request_counts(current_user),
        notes_by_article=notes_by_article,
        form=RequestDecisionForm(formdata=None),
    )


def _field(name: str, request_id: int) -> str | None:
    """A field of one request's controls: named per request inside the desk's form, plainly on its own."""
    return request.form.get(f"{name}-{request_id}") or request.form.get(name)


@bp.route("/author/requests/<int:request_id>", methods=["POST"])
@login_required
def decide(request_id: int):
    """Acknowledge, resolve by a note, decline with a public reason, or sort spam."""
    found = correction_requests.find_request(request_id)
    if found is None or visible_article(found.article.slug, current_user) is None:
        abort(404)
    if not can_handle_requests(current_user, found.article):
        abort(403, description="Only the article's author, its host and admins handle its requests.")
    form = RequestDecisionForm()
    if not form.validate_on_submit():
        if script_wants_json():
            return json_error(400, "csrf", "Your session expired; reload the page.")
        abort(400)
    note_id = _field("note_id", found.id)
    try:
        correction_requests.decide_request(
            found,
            form.action.data,
            current_user,
            note_id=whole_number(note_id),
            reason=_field("reason", found.id),
        )
    except ServiceError as error:
        if script_wants_json():
            return json_error(error.status, error.code, f"Request {found.id}: {error.message}", error.fields)
        flash(f"Request {found.id}: {error.message}", "error")
    else:
        message = f"Request {found.id} is now {found.status.value}."
        if script_wants_json():
            return jsonify(id=found.id, status=found.status.value, message=message)
        flash(message, "success")
    return redirect(url_for("corrections.desk", status=request.args.get("status", "open")) + f"#request-{found.id}")


BULK_ACTIONS = {"acknowledge", "spam", "not_spam"}


@bp.route("/author/requests/bulk", methods=["POST"])
@login_required
def bulk():
    """One action (acknowledge, spam, not spam) on every selected request."""
    status = request.args.get("status", "open")
    back = redirect(url_for("corrections.desk", status=status))
    if not RequestDecisionForm().validate_on_submit():
        abort(400)
    action = request.form.get("bulk_action", "")
    ids = [number for number in map(whole_number, request.form.getlist("request_ids")) if number is not None]
    if action not in BULK_ACTIONS:
        flash("Choose acknowledge, spam or not spam for the selected requests.", "error")
        return back
    if not ids:
        flash("Select at least one request.", "error")
        return back
    moved = 0
    for request_id in ids:
        found = correction_requests.find_request(request_id)
        if found is None or not can_handle_requests(current_user, found.article):
            flash(f"Request {request_id}: not one of yours.", "error")
            continue
        try:
            correction_requests.decide_request(found, action, current_user)
        except ServiceError as error:
            flash(f"Request {request_id}: {error.message}", "error")
        else:
            moved += 1
    if moved:
        done = {"acknowledge": "Acknowledged", "spam": "Filed as spam", "not_spam": "Opened again"}[action]
        flash(f"{done}: {moved} request{'s' if moved != 1 else ''}.", "success")
    return back


# --- recent notes and feeds ------------------------------------------------------------------


@bp.route("/corrections")
def recent():
    """Recent notes on every published article: corrections, updates, clarifications, editor's notes."""
    entries = db.session.scalars(notes.recent_notes(FEED_ENTRIES)).all()
    return render_template("corrections/recent.html", notes=entries)


def _feed(entries, title: str, page_url: str, feed_url: str):
    items = []
    for note in entries:
        text = notes.plain_text(note.body)
        if note.retracted:
            text = f"Retracted: {note.retracted_reason}. The note said: {text}"
        items.append(
            AtomEntry(
                link=url_for("articles.show", slug=note.article.slug, _external=True) + f"#note-{note.id}",
                title=f"{note.kind.label}{' (retracted)' if note.retracted else ''}: {note.article.title}",
                author=note.author.name,
                published=note.created_at,
                updated=note.retracted_at or note.amended_at or note.created_at,
                summary=f"{text} — {note.signature}",
                content_html=render_template("corrections/_feed_entry.html", note=note),
            )
        )
    subtitle = "Signed notes appended to articles: corrections, updates, clarifications and editor's notes."
    return atom_response(title, subtitle, page_url, feed_url, items)


@bp.route("/corrections.atom")
def feed():
    """Atom feed of recent notes on every article."""
    entries = db.session.scalars(notes.recent_notes(FEED_ENTRIES)).all()
    site = current_app.config["SITE_NAME"]
    return _feed(
        entries,
        f"Corrections — {site}",
        url_for("corrections.recent", _external=True),
        url_for("corrections.feed", _external=True),
    )


@bp.route("/articles/<slug>/corrections.atom")
def article_feed(slug: str):
    """Atom feed of one article's notes."""
    article = _published(slug)
    entries = db.session.scalars(notes.recent_notes(FEED_ENTRIES, article)).all()
    return _feed(
        entries,
        f"Corrections to “{article.title}”",
        url_for("articles.show", slug=article.slug, _external=True),
        url_for("corrections.article_feed", slug=article.slug, _external=True),
    )


@bp.errorhandler(429)
def too_many_requests(error):
    """Flood limit on the request form: the form again, with the text kept and the wait explained."""
    if request.endpoint != "corrections.request_correction":
        return http_error(error)
    form = CorrectionRequestForm()
    form.form_errors.append(
        f"You are sending faster than the site allows ({flood_limit(error, 'correction request')}). Wait a little, "
        "then press the button again; your text is kept."
    )
    return _request_form_page(_published(request.view_args["slug"]), form, 429)
