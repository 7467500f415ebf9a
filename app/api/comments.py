"""/api/v1: an article's comments, posting, and a writer's own edits and deletes."""

from flask import abort, current_app, make_response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.auth import api_user, require_json_body
from app.api.errors import documented_errors
from app.api.schemas import (
    CommentCreatedSchema,
    CommentCreateSchema,
    CommentEditSchema,
    CommentEnvelopeSchema,
    CommentListSchema,
    CommentQuerySchema,
    EmptyBodySchema,
    PinResultSchema,
    VoteResultSchema,
)
from app.caching import public_reading
from app.errors import http_error, json_error
from app.guests import edit_token, guest_comment_ids, keep_reader_cookie, reader_key, remember_guest_comment
from app.ratelimit import client_key
from app.services import comments as comment_service
from app.services import notes, subscriptions, threads, votes
from app.services.articles import visible_article
from app.services.avatars import Avatar
from app.services.comments import Writer
from app.services.threads import CommentNode
from app.web import (
    comment_avatar,
    comment_limits,
    discussion_bounds,
    flood_limit,
    request_details,
    rules,
    rules_for,
    vote_limit,
)

blp = Blueprint("api_comments", __name__, url_prefix="/api/v1", description="Comments")
blp.before_request(require_json_body)
errors = documented_errors(blp)


@blp.errorhandler(429)
def too_many_comments(error):
    """Flood limit on posting: the limit that was reached, in words, and Retry-After (added by the limiter)."""
    if request.endpoint == "api_comments.CommentVotes":
        return json_error(
            429, "rate_limited", "You are voting faster than the site allows. Wait a little and try again."
        )
    if request.endpoint != "api_comments.ArticleComments":
        return http_error(error)
    return json_error(
        429,
        "rate_limited",
        f"You are posting faster than the site allows ({flood_limit(error)}). Wait a little and try again.",
    )


def comments_data(nodes) -> list[dict]:
    """Comments with their replies, and the notes each one led to (one query for the lot)."""
    led = notes.led_to(threads.node_ids(nodes))
    return [comment_data(node, led) for node in nodes]


def comment_data(node: CommentNode, led: dict | None = None) -> dict:
    """The public shape of a comment (see CommentSchema); placeholders carry no author and no text.

    `led` maps comment ids to the notes citing them; without it this comment's are looked up.
    """
    if led is None:
        led = notes.led_to(threads.node_ids([node]))
    comment = node.comment
    in_reply_to = node.in_reply_to
    pinned = comment.pinned_by is not None and comment.is_public
    badge = None if node.removed else node.badge
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "in_reply_to": None
        if in_reply_to is None or node.removed
        else {"id": in_reply_to.id, "name": None if node.in_reply_to_removed else in_reply_to.writer_name},
        "author": None
        if node.removed
        else {
            "name": comment.writer_name,
            "website": comment.writer_website,
            "badge": badge.label if badge else None,
            "avatar": avatar_data(comment_avatar(comment)),
        },
        "badge": badge.value if badge else None,
        "body_html": "" if node.removed else comment.body_html,
        "created_at": comment.created_at,
        "edited_at": None if node.removed else comment.edited_at,
        "removed": node.removed,
        "removed_by_author": node.removed and node.removed_by == "author",
        "led_to": [] if node.removed else [note.id for note in led.get(comment.id, [])],
        "votes": 0 if node.removed else votes.shown_votes(comment),
        "pinned": pinned,
        "pinned_by": comment.pinned_by if pinned else None,
        "replies": [comment_data(reply, led) for reply in node.replies],
        "more_replies": node.hidden_replies,
        "more_replies_url": _thread_url(comment, after=node.continue_after) if node.continues else None,
    }


def avatar_data(shown: Avatar) -> dict:
    """The public shape of an avatar (see AvatarSchema): `url` only while Gravatar pictures are on."""
    data = {"initials": shown.initials, "colour": shown.colour, "colour_dark": shown.colour_dark}
    if shown.url is not None:
        data["url"] = shown.url
    return data


def created_data(comment, current) -> dict:
    """What `POST /articles/<slug>/comments` answers (see CommentCreatedSchema), before it is dumped."""
    return {
        "comment": comment_data(threads.node_for(comment), {}),  # nothing cites a comment just posted
        "status": "approved" if comment.is_public else "pending",
        "edit_token": edit_token(comment.id) if comment.user_id is None else None,
        "editable_until": comment_service.edit_deadline(comment, current),
    }


def created_dump(data: dict) -> dict:
    """`CommentCreatedSchema().dump(data)` without marshmallow's work on every field: `created_data` already gives
    each field its type, so only the times become text (tests/functional/test_comment_api.py checks the two agree)."""
    return {**data, "comment": _comment_dump(data["comment"]), "editable_until": data["editable_until"].isoformat()}


def _comment_dump(data: dict) -> dict:
    edited_at = data["edited_at"]
    return {
        **data,
        "created_at": data["created_at"].isoformat(),
        "edited_at": None if edited_at is None else edited_at.isoformat(),
        "replies": [_comment_dump(reply) for reply in data["replies"]],
    }


def _thread_url(comment, **cursor) -> str:
    """The API address of a thread's replies, from its start or after/before a reply."""
    return url_for(
        "api_comments.ArticleComments",
        slug=comment.article.slug,
        thread=comment.id,
        **{key: value for key, value in cursor.items() if value is not None},
    )


def _article(slug: str, user, with_author: bool = True):
    article = visible_article(slug, user, with_author)
    if article is None or not article.is_published:
        abort(404)
    return article


def _listing(article, query: dict) -> dict:
    """What `GET /articles/<slug>/comments` answers for this query (see CommentListSchema)."""
    bounds = discussion_bounds(api=True)
    if "thread" in query:
        window = threads.thread_window(
            article, query["thread"], query.get("after"), query.get("before"), replies=bounds["replies"]
        )
        if window is None:
            abort(404, description="No such thread on this article.")
        root = window.threads[0].comment
        return {
            "count": window.count,
            "next_page": None,
            "comments": comments_data(window.threads),
            "thread": window.thread,
            "earlier_replies_url": _thread_url(root, before=window.earlier) if window.earlier else None,
            "later_replies_url": _thread_url(root, after=window.later) if window.later else None,
        }
    page = threads.thread_page(
        article,
        page=query["page"],
        per_page=query["per_page"],
        order=query["order"],
        replies=bounds["replies"],
        limit=bounds["limit"],
    )
    return {
        "count": page.count,
        "next_page": page.next_page,
        "comments": comments_data(page.threads),
        "thread": None,
        "earlier_replies_url": None,
        "later_replies_url": None,
    }


@blp.route("/articles/<slug>/comments")
class ArticleComments(MethodView):
    decorators = [comment_limits]  # counts POSTs only

    @blp.arguments(CommentQuerySchema, location="query")
    @blp.response(200, CommentListSchema)
    @errors(404, 422)
    def get(self, query, slug):
        """Published comments and placeholders, as threads: top-level comments paginated, each with its first
        replies nested; or, with `thread`, one thread's replies a page at a time."""
        article = _article(slug, None)
        # The same bytes for every reader until the discussion changes: prepared once per worker and version.
        key = ("comments", article.id, tuple(sorted(query.items())))
        return public_reading(
            key,
            article.discussion_version,
            lambda: current_app.json.response(CommentListSchema().dump(_listing(article, query))),
        )

    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentCreatedSchema)
    @blp.alt_response(202, schema=CommentCreatedSchema, description="Held for moderation")
    @errors(400, 401, 403, 404, 413, 415, 422)
    def post(self, data, slug):
        """Post a comment or a reply; 201 when published at once, 202 when held for moderation."""
        user = api_user()
        article = _article(slug, user, with_author=False)
        current = rules_for(article)
        asked = data["notify_replies"]
        writer = Writer(
            user=user,
            name=data["name"],
            email=data["email"],
            website=data["website"],
            ip_network=client_key(),
            **request_details(),
            # Unsaid, an account's choice on its account page; a guest says it each time.
            notify_replies=bool(user.reply_mail) if asked is None and user is not None else bool(asked),
        )
        comment = comment_service.post_comment(article, writer, data["body"], current, parent_id=data["parent_id"])
        response = make_response(created_dump(created_data(comment, current)), 201 if comment.is_public else 202)
        subscriptions.reply_mail_asked(comment)  # a guest's confirmation mail, when they asked for reply mail
        if comment.user_id is None:
            remember_guest_comment(response, comment.id, current)
        return response


def _own_comment(comment_id: int):
    """The comment, if the caller wrote it and may still change it (404 if hidden from them, 403 otherwise)."""
    user = api_user()
    comment = _visible_comment(comment_id, user)
    comment_service.check_can_change(comment, user, guest_comment_ids(rules()), rules())
    return comment, user


def _visible_comment(comment_id: int, user):
    """The comment, on an article this caller can see (404 otherwise)."""
    comment = comment_service.find_comment(comment_id)
    if comment is None or visible_article(comment.article.slug, user) is None:
        abort(404)
    return comment


@blp.route("/comments/<int:comment_id>")
class CommentItem(MethodView):
    @blp.arguments(CommentEditSchema)
    @blp.response(200, CommentEnvelopeSchema)
    @errors(400, 401, 403, 404, 415, 422)
    def patch(self, data, comment_id):
        """Edit one's own comment within the edit window (account token, or a guest's X-Edit-Token)."""
        comment, user = _own_comment(comment_id)
        comment_service.edit_comment(comment, data["body"], rules(), editor=user)
        node = threads.node_for(comment)
        return {"comment": comment_data(node)}

    @blp.response(204)
    @errors(401, 403, 404)
    def delete(self, comment_id):
        """Delete one's own comment within the edit window; it stays as a placeholder while it has replies."""
        comment, user = _own_comment(comment_id)
        comment_service.delete_comment(comment, by=user)
        return None


def _published_comment(comment_id: int, user):
    """A published comment the caller can read (404 otherwise)."""
    comment = _visible_comment(comment_id, user)
    if not comment.is_public:
        abort(404)
    return comment


@blp.route("/comments/<int:comment_id>/votes")
class CommentVotes(MethodView):
    decorators = [vote_limit]

    @blp.arguments(EmptyBodySchema)
    @blp.response(201, VoteResultSchema)
    @errors(403, 404, 409, 415, 422)
    def post(self, data, comment_id):
        """Mark a published comment helpful: once per reader (409 `already_voted` after), never one's own (403
        `own_comment`). Votes from one network count once: the answer's `votes` is the count readers see."""
        user = api_user()
        comment = _published_comment(comment_id, user)
        key, new_cookie = reader_key(user)
        votes.vote(comment, key, user=user, ip_network=client_key(), own_ids=guest_comment_ids(rules()))
        response = make_response(VoteResultSchema().dump(_vote_result(comment, True)), 201)
        if new_cookie:
            keep_reader_cookie(response, new_cookie)
        return response

    @blp.response(200, VoteResultSchema)
    @errors(404)
    def delete(self, comment_id):
        """Take back one's helpful vote (404 `no_vote` when there is none)."""
        user = api_user()
        comment = _visible_comment(comment_id, user)
        key, _ = reader_key(user)
        votes.take_back(comment, key)
        return _vote_result(comment, False)


def _vote_result(comment, voted: bool) -> dict:
    return {"comment_id": comment.id, "votes": votes.shown_votes(comment), "voted": voted}


@blp.route("/comments/<int:comment_id>/pin")
class CommentPin(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(EmptyBodySchema)
    @blp.response(200, PinResultSchema)
    @errors(401, 403, 404, 409, 415, 422)
    def post(self, data, comment_id):
        """Pin a published top-level comment to the top of its discussion (the article's author and moderators);
        it replaces any other pinned comment there."""
        comment = _pinnable(comment_id)
        votes.pin(comment, viewer_or_token())
        return {"pinned_comment_id": comment.id, "comment": comment_data(threads.node_for(comment))}

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.response(200, PinResultSchema)
    @errors(401, 403, 404)
    def delete(self, comment_id):
        """Unpin the comment (404 `not_pinned` when it is not pinned)."""
        comment = _pinnable(comment_id)
        votes.unpin(comment, viewer_or_token())
        return {"pinned_comment_id": None, "comment": comment_data(threads.node_for(comment))}


def viewer_or_token():
    """The caller, who must be signed in or send a token (401 otherwise)."""
    user = api_user()
    if user is None:
        abort(401)
    return user


def _pinnable(comment_id: int):
    return _visible_comment(comment_id, viewer_or_token())
