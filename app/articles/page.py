"""The article page: the article with its notes, a page of its discussion, and the comment forms.

The comment views draw it again, with their form and its errors, when a post is refused.
"""

from collections.abc import Callable
from collections.abc import Set as AbstractSet

from flask import abort, current_app, render_template, request, url_for

from app.comments.forms import CloseCommentsForm, CommentForm
from app.corrections.forms import CorrectionRequestForm
from app.corrections.page import article_context
from app.guests import guest_comment_ids, guest_profile
from app.models import Article, Comment
from app.models.types import utcnow
from app.services import threads
from app.services.comments import check_can_change, closed_reason
from app.services.errors import ServiceError
from app.services.permissions import can_close_comments
from app.services.spam.checks import HONEYPOT_FIELD, TIMESTAMP_FIELD, form_timestamp
from app.services.text import whole_number
from app.web import discussion_bounds, rules, viewer

ORDERS = {"oldest", "newest"}


def order() -> str:
    """The discussion's order this request asks for: oldest first unless `?order=newest`."""
    asked = request.args.get("order", "oldest")
    return asked if asked in ORDERS else "oldest"


def _id_arg(name: str) -> int | None:
    """A comment id from the query string; None when absent or not one (app.guards answers 404 to ids no
    database holds)."""
    return whole_number(request.args.get(name, "")) or None


def asked_location() -> threads.Location:
    """The part of the discussion this request asks for: a page of threads, or a page of one thread
    (`?thread=<id>`, with `after=<id>` or `before=<id>`)."""
    page = request.args.get("page", 1, type=int)
    thread = _id_arg("thread")
    if thread is None:
        if "thread" in request.args:
            abort(404)
        return threads.Location(page)
    return threads.Location(page, thread, _id_arg("after"), _id_arg("before"))


def location_args(where: threads.Location) -> dict[str, int | str]:
    """The query arguments that show `where` again (with this request's order): for links and redirects."""
    args: dict[str, int | str] = {"thread": where.thread} if where.thread else {}
    if where.thread is None and where.page > 1:
        args["page"] = where.page
    if where.thread and where.after is not None:
        args["after"] = where.after
    if where.thread and where.before is not None:
        args["before"] = where.before
    if order() != "oldest":
        args["order"] = order()
    return args


def location_url(article: Article, where: threads.Location, anchor: str = "#comments") -> str:
    """The address of the article page showing `where` (with this request's order), scrolled to `anchor`."""
    return url_for("articles.show", slug=article.slug, **location_args(where)) + anchor


def comment_location(comment: Comment, guest_ids: AbstractSet[int] = frozenset()) -> threads.Location:
    """Where the viewer finds this comment: its thread's page of the discussion, or a page of its thread."""
    bounds = discussion_bounds()
    return threads.locate(
        comment,
        int(current_app.config["COMMENTS_PER_PAGE"]),
        order(),
        viewer(),
        guest_ids,
        replies=bounds["replies"],
        limit=bounds["limit"],
    )


def _new_form(parent_id: int | None = None) -> CommentForm:
    """A blank comment form, prefilled with the details a guest asked us to remember."""
    profile = guest_profile() if viewer() is None else {}
    return CommentForm(formdata=None, parent_id=parent_id or "", remember=bool(profile), **profile)


def _shown_ids(nodes: list[threads.CommentNode]) -> set[int]:
    ids: set[int] = set()
    for node in nodes:
        if not node.removed and not node.pending:
            ids.add(node.id)
        ids |= _shown_ids(node.replies)
    return ids


def change_check(guest_ids: set[int]) -> Callable[[Comment], bool]:
    """For the templates: may the viewer still edit or delete this comment (one clock for the whole page)?"""
    now = utcnow()

    def can_change(comment: Comment) -> bool:
        try:
            check_can_change(comment, viewer(), guest_ids, rules(), now)
        except ServiceError:
            return False
        return True

    return can_change


def render_article_page(
    article: Article, form: CommentForm | None = None, status: int = 200, where: threads.Location | None = None
):
    """The article with a page of its discussion (or of one of its threads) and the comment form (or the form
    with errors). `where` defaults to what the request asks for."""
    current = rules()
    guest_ids = guest_comment_ids(current)
    where = where or asked_location()
    per_page = int(current_app.config["COMMENTS_PER_PAGE"])
    bounds = discussion_bounds()
    if where.thread is not None:
        window = threads.thread_window(
            article,
            where.thread,
            where.after,
            where.before,
            per_page=per_page,
            order=order(),
            viewer=viewer(),
            guest_ids=guest_ids,
            replies=bounds["replies"],
        )
        if window is None:
            abort(404)
        shown = window
    else:
        shown = threads.thread_page(
            article,
            where.page,
            per_page,
            order(),
            viewer(),
            guest_ids,
            replies=bounds["replies"],
            limit=bounds["limit"],
        )
    closed = closed_reason(article, current)
    reply_to = request.args.get("reply_to", type=int)
    if form is not None:
        reply_to = whole_number(form.parent_id.data)
    # A reply form only makes sense under a comment this page shows, in a thread that is open;
    # otherwise the form (and any error about its parent) is shown at the bottom.
    if closed or (reply_to is not None and reply_to not in _shown_ids(shown.threads)):
        reply_to = None
    top_form = form if form is not None and not reply_to else _new_form()
    reply_form = (form if form is not None else _new_form(reply_to)) if reply_to else None
    body = render_template(
        "articles/show.html",
        article=article,
        threads=shown,
        form=top_form,
        reply_form=reply_form,
        reply_to=reply_to,
        view_args=location_args(where),
        closed_reason=closed,
        can_change=change_check(guest_ids),
        can_close=can_close_comments(viewer(), article),
        close_form=CloseCommentsForm(formdata=None),
        page_has_errors=status >= 400,
        form_timestamp=form_timestamp(),
        honeypot_field=HONEYPOT_FIELD,
        timestamp_field=TIMESTAMP_FIELD,
        request_form=CorrectionRequestForm(formdata=None, **(guest_profile() if viewer() is None else {})),
        **article_context(article, threads.node_ids(shown.threads)),
    )
    return body, status
