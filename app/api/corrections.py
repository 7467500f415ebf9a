"""/api/v1: an article's notes and correction requests, and the author's handling of requests."""

from flask import abort, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.auth import api_user, require_json_body
from app.api.errors import documented_errors
from app.api.schemas import (
    CorrectionRequestCreateSchema,
    CorrectionRequestDecisionSchema,
    CorrectionRequestDeskEnvelopeSchema,
    CorrectionRequestEnvelopeSchema,
    CorrectionRequestListSchema,
    NoteAmendSchema,
    NoteCreateSchema,
    NoteEnvelopeSchema,
    NoteListSchema,
    NoteRetractSchema,
)
from app.errors import http_error, json_error
from app.extensions import db
from app.ratelimit import client_key
from app.services import correction_requests, notes
from app.services.articles import visible_article
from app.services.permissions import can_add_note, can_handle_requests
from app.web import comment_limits, flood_limit, request_details, rules

blp = Blueprint("api_corrections", __name__, url_prefix="/api/v1", description="Notes and correction requests")
errors = documented_errors(blp)


@blp.before_request
def check_caller():
    """Who may call comes before what they sent: 401/403 before any 415 or 422 on the writers' endpoints."""
    writes_notes = "/notes" in request.path and request.method in {"POST", "PATCH"}
    decides = request.path.startswith("/api/v1/correction-requests/")
    if writes_notes or decides:
        user = _signed_in()
        slug = (request.view_args or {}).get("slug")
        article = visible_article(slug, user) if slug else None
        if writes_notes and article is not None and not can_add_note(user, article):
            verb = "change its notes" if "note_id" in request.view_args else "write notes on it"
            abort(403, description=f"Only the article's author, its host and admins {verb}.")
    require_json_body()


@blp.errorhandler(429)
def too_many_requests(error):
    """Flood limit on correction requests: the limit that was reached, in words (as for comments)."""
    if request.endpoint != "api_corrections.ArticleCorrectionRequests":
        return http_error(error)
    return json_error(
        429,
        "rate_limited",
        f"You are sending faster than the site allows ({flood_limit(error, 'correction request')}). "
        "Wait a little and try again.",
    )


def _published(slug: str, user):
    article = visible_article(slug, user)
    if article is None or not article.is_published:
        abort(404)
    return article


def _signed_in():
    user = api_user()
    if user is None:
        abort(401)
    return user


@blp.route("/articles/<slug>/notes")
class ArticleNotes(MethodView):
    @blp.response(200, NoteListSchema)
    @errors(404)
    def get(self, slug):
        """The article's notes, oldest first, retracted ones included."""
        article = _published(slug, api_user())
        return {"notes": notes.notes_for(article)}

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteEnvelopeSchema)
    @errors(400, 401, 403, 404, 415, 422)
    def post(self, data, slug):
        """Append a note (the article's author, its host, or an admin); `prompted_by` cites comments on this article."""
        user = _signed_in()
        article = _published(slug, user)
        if not can_add_note(user, article):
            abort(403, description="Only the article's author, its host and admins write notes on it.")
        note = notes.add_note(
            article,
            user,
            data["kind"],
            data["body"],
            paragraph=data["paragraph"],
            prompted_by=data["prompted_by"],
        )
        return {"note": note}


def _writable_note(slug: str, note_id: int):
    user = _signed_in()
    article = _published(slug, user)
    note = notes.find_note(article, note_id)
    if note is None:
        abort(404)
    if not can_add_note(user, article):
        abort(403, description="Only the article's author, its host and admins change its notes.")
    return note, user


@blp.route("/articles/<slug>/notes/<int:note_id>")
class ArticleNote(MethodView):
    @blp.response(200, NoteEnvelopeSchema)
    @errors(404)
    def get(self, slug, note_id):
        """One note."""
        note = notes.find_note(_published(slug, api_user()), note_id)
        if note is None:
            abort(404)
        return {"note": note}

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(NoteAmendSchema)
    @blp.response(200, NoteEnvelopeSchema)
    @errors(400, 401, 403, 404, 409, 415, 422)
    def patch(self, data, slug, note_id):
        """Amend a note's body or kind; the earlier version stays public in its history."""
        note, user = _writable_note(slug, note_id)
        notes.amend_note(note, user, body=data["body"], kind=data["kind"])
        return {"note": note}


@blp.route("/articles/<slug>/notes/<int:note_id>/retraction")
class NoteRetraction(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(NoteRetractSchema)
    @blp.response(200, NoteEnvelopeSchema)
    @errors(400, 401, 403, 404, 409, 415, 422)
    def post(self, data, slug, note_id):
        """Retract a note with a reason: it stays on the page, struck through."""
        note, user = _writable_note(slug, note_id)
        notes.retract_note(note, user, data["reason"])
        return {"note": note}


@blp.route("/articles/<slug>/correction-requests")
class ArticleCorrectionRequests(MethodView):
    decorators = [comment_limits]  # counts POSTs only

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.response(200, CorrectionRequestListSchema)
    @errors(401, 403, 404)
    def get(self, slug):
        """The article's correction requests, newest first (its author, its host and admins)."""
        user = _signed_in()
        article = _published(slug, user)
        if not can_handle_requests(user, article):
            abort(403, description="Correction requests are for the article's author, its host and admins.")
        return {
            "correction_requests": db.session.scalars(correction_requests.requests_query(user, article=article)).all()
        }

    @blp.arguments(CorrectionRequestCreateSchema)
    @blp.response(201, CorrectionRequestEnvelopeSchema)
    @errors(400, 403, 404, 409, 415, 422)
    def post(self, data, slug):
        """Ask the author for a correction: what is wrong, optionally a source link and the comment that shows it."""
        user = api_user()
        article = _published(slug, user)
        requester = correction_requests.Requester(
            user=user, name=data["name"], email=data["email"], ip_network=client_key(), **request_details()
        )
        created = correction_requests.request_correction(
            article, requester, data["body"], rules(), source_url=data["source_url"], comment_id=data["comment_id"]
        )
        return {"correction_request": created}


@blp.route("/correction-requests/<int:request_id>")
class CorrectionRequestItem(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(CorrectionRequestDecisionSchema)
    @blp.response(200, CorrectionRequestDeskEnvelopeSchema)
    @errors(400, 401, 403, 404, 409, 415, 422)
    def patch(self, data, request_id):
        """acknowledge, resolve (with `note_id`), decline (with a public `reason`), spam, not_spam, or reopen."""
        user = _signed_in()
        found = correction_requests.find_request(request_id)
        if found is None or visible_article(found.article.slug, user) is None:
            abort(404)
        if not can_handle_requests(user, found.article):
            abort(403, description="Correction requests are for the article's author, its host and admins.")
        correction_requests.decide_request(
            found,
            data["action"],
            user,
            note_id=data["note_id"],
            reason=data["reason"],
        )
        return {"correction_request": found}
