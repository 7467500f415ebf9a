"""/api/v1/moderation: queues, actions and their undo, the audit log, bans; /api/v1/comments/<id>/flags for readers."""

from flask import abort, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.auth import api_user, require_json_body
from app.api.comments import comment_data
from app.api.errors import api_field_names, documented_errors
from app.api.schemas import (
    BanCreatedSchema,
    BanCreateSchema,
    EventListSchema,
    EventQuerySchema,
    FlagCreateSchema,
    FlagEnvelopeSchema,
    ModerationActionSchema,
    ModerationEnvelopeSchema,
    ModerationListSchema,
    ModerationQuerySchema,
    UndoEnvelopeSchema,
    UndoSchema,
)
from app.extensions import db
from app.guests import reader_key, remember_guest_flag
from app.ratelimit import client_key
from app.services import moderation, notes
from app.services.articles import find_article, visible_article
from app.services.comments import find_comment
from app.services.permissions import STAFF_ROLES, can_moderate, can_see_private, can_use_desk
from app.services.threads import node_for
from app.web import rules

blp = Blueprint("api_moderation", __name__, url_prefix="/api/v1", description="Moderation")
errors = documented_errors(blp)


@blp.before_request
def check_caller():
    """Who may call comes before what they sent: 401/403 before any 415 or 422."""
    if request.path.startswith("/api/v1/moderation/"):
        _desk_user()
    require_json_body()


def _desk_user():
    """The caller, if they may use the moderation API at all (401 without credentials, 403 for readers)."""
    user = api_user()
    if user is None:
        abort(401)
    if not can_use_desk(user):
        abort(403, description="Moderation is for moderators, admins, and authors on their own articles.")
    return user


def moderation_data(comment, flags, private: bool, led: dict | None = None) -> dict:
    """A comment with what the desk sees (`led`: the notes citing comments, looked up once per page).

    The writer's email and network are filled in only when `private` (moderators and admins); for authors
    they are null.
    """
    data = comment_data(node_for(comment), led)
    data.update(
        article=comment.article.slug,
        status=comment.status.value,
        email=comment.writer_email if private else None,
        ip_network=comment.ip_network if private else None,
        removed_by_author=comment.removed_by_author,
        reasons=[{"code": r.get("code"), "message": r.get("message")} for r in comment.reasons or []],
        spam_score=comment.spam_score,
        flags=flags,
        deleted=comment.deleted_at is not None,
    )
    return data


def _moderated(comment_id: int, user):
    comment = find_comment(comment_id)
    if comment is None:
        abort(404)
    if not can_moderate(user, comment):
        abort(403, description="You may moderate comments on your own articles only.")
    return comment


@blp.route("/moderation/comments")
class ModerationQueue(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(ModerationQuerySchema, location="query")
    @blp.response(200, ModerationListSchema)
    @errors(401, 403, 404, 422)
    def get(self, query):
        """A queue: pending, approved, spam, trash, or flagged (comments with open flags), optionally searched."""
        user = _desk_user()
        article = None
        if query["article"]:
            article = find_article(query["article"])
            if article is None:
                abort(404, description="No article has that slug.")
        page = db.paginate(
            moderation.queue_query(query["status"], user, article, (query["q"] or "").strip() or None),
            page=query["page"],
            per_page=query["per_page"],
            error_out=False,
        )
        context = moderation.load_context(page.items)
        led = notes.led_to([c.id for c in page.items])
        return {
            "comments": [moderation_data(c, context["flags"][c.id], can_see_private(user), led) for c in page.items],
            "next_page": page.next_num if page.has_next else None,
        }


@blp.route("/moderation/comments/<int:comment_id>")
class ModerationItem(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(ModerationActionSchema)
    @blp.response(200, ModerationEnvelopeSchema)
    @errors(400, 401, 403, 404, 409, 415, 422)
    def post(self, data, comment_id):
        """Approve, spam, not_spam, trash (with a reason code), restore or dismiss_flags; 409 if the state forbids."""
        user = _desk_user()
        comment = _moderated(comment_id, user)
        with api_field_names():
            if data["action"] == "dismiss_flags":
                moderation.dismiss_flags(comment, user, data["remark"])
            else:
                moderation.apply(comment, data["action"], user, data["reason"], data["remark"])
        flags = moderation.load_context([comment])["flags"][comment.id]
        return {"comment": moderation_data(comment, flags, can_see_private(user))}


@blp.route("/moderation/events/<int:event_id>/undo")
class ModerationUndo(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(UndoSchema)
    @blp.response(200, UndoEnvelopeSchema)
    @errors(401, 403, 404, 409, 415, 422)
    def post(self, _data, event_id):
        """Undo one move (approve, spam, not_spam, trash, restore; the event's id from /moderation/events): the
        comment returns to where it was. Only its actor or an admin, only while it is the comment's last move and
        within ten minutes (409 `moved_since`, `too_late`); a second call changes nothing (`already_undone`)."""
        user = _desk_user()
        with api_field_names():
            result = moderation.undo(event_id, user)
        flags = moderation.load_context([result.comment])["flags"][result.comment.id]
        return {
            "comment": moderation_data(result.comment, flags, can_see_private(user)),
            "already_undone": result.already,
        }


@blp.route("/moderation/events")
class ModerationEvents(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(EventQuerySchema, location="query")
    @blp.response(200, EventListSchema)
    @errors(401, 403, 404)
    def get(self, query):
        """The audit log, oldest first: for one comment, or (moderators and admins) the latest 500 events."""
        user = _desk_user()
        if query["comment"] is not None:
            comment = find_comment(query["comment"])
            if comment is not None and not can_moderate(user, comment):
                abort(403)
            events = db.session.scalars(moderation.events_for(query["comment"])).all()
        else:
            if user.role not in STAFF_ROLES:
                abort(403, description="Authors ask for the events of one comment at a time.")
            events = list(reversed(db.session.scalars(moderation.latest_events(500)).all()))
        return {"events": events}


@blp.route("/comments/<int:comment_id>/flags")
class CommentFlags(MethodView):
    @blp.arguments(FlagCreateSchema)
    @blp.response(201, FlagEnvelopeSchema)
    @errors(400, 404, 409, 415, 422)
    def post(self, data, comment_id):
        """Flag a published comment: spam, abusive, off_topic, factual_error or other; once per reader (409 after)."""
        user = api_user()
        comment = find_comment(comment_id)
        if comment is None or not comment.is_public or visible_article(comment.article.slug, user) is None:
            abort(404)
        key, new_cookie = reader_key(user)
        with api_field_names():
            flag = moderation.flag_comment(
                comment, key, data["reason"], data["remark"], rules(), user=user, ip_network=client_key()
            )
        response = make_response(FlagEnvelopeSchema().dump({"flag": flag}), 201)
        if user is None:
            remember_guest_flag(response, comment.id, new_cookie)
        return response


@blp.route("/moderation/bans")
class Bans(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(BanCreateSchema)
    @blp.response(201, BanCreatedSchema)
    @errors(400, 401, 403, 415, 422)
    def post(self, data):
        """Ban an email, an account or a network; `spam_existing` also moves their comments to spam.

        A network wider than /16 (IPv4) or /32 (IPv6) is refused (422, `wide_network`) unless `confirm_wide` is true.
        """
        user = _desk_user()
        if user.role not in STAFF_ROLES:
            abort(403, description="Only moderators and admins ban senders.")
        kind, value = next((k, data[k]) for k in ("email", "user_id", "ip") if k in data)
        kind = {"email": "email", "user_id": "user", "ip": "network"}[kind]
        ban, moved = moderation.create_ban(
            kind,
            value,
            data["reason"],
            user,
            expires_at=data["expires_at"],
            spam_existing=data["spam_existing"],
            confirm_wide=data["confirm_wide"],
        )
        return {"ban": ban, "moved_to_spam": moved}
