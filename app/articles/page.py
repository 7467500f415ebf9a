"""The article page: the article with its notes, a page of its discussion, and the comment forms.

The comment views draw it again, with their form and its errors, when a post is refused.
"""

import hashlib
import secrets
import time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, current_app, make_response, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.caching import prepared_text
from app.comments.forms import CloseCommentsForm, CommentForm
from app.corrections.forms import CorrectionRequestForm
from app.corrections.page import article_context
from app.guests import guest_comment_ids, guest_flag_ids, guest_profile, known_reader_key
from app.models import Article, Comment, User
from app.models.types import utcnow
from app.services import moderation, threads, votes
from app.services.comments import check_can_change, closed_reason
from app.services.errors import ServiceError
from app.services.notes import led_to
from app.services.permissions import can_close_comments, can_moderate_discussion, is_staff
from app.services.spam.checks import HONEYPOT_FIELD, TIMESTAMP_FIELD, form_timestamp
from app.services.text import whole_number
from app.web import discussion_bounds, rules, viewer

ORDERS = set(threads.ORDERS)


def order() -> str:
    """The discussion's order this request asks for: oldest first unless `?order=newest` or `?order=best`."""
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
        moderator=can_moderate_discussion(viewer(), comment.article),
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


def _shown(
    article: Article,
    where: threads.Location,
    reader: User | None,
    guest_ids: AbstractSet[int],
    moderator: bool = False,
) -> threads.ThreadPage:
    """The page of threads (or of one thread) `where` names, as `reader` (with these guest comments) sees it;
    with the held comments too when `moderator`."""
    per_page = int(current_app.config["COMMENTS_PER_PAGE"])
    bounds = discussion_bounds()
    if where.thread is None:
        return threads.thread_page(
            article,
            where.page,
            per_page,
            order(),
            reader,
            guest_ids,
            replies=bounds["replies"],
            limit=bounds["limit"],
            moderator=moderator,
        )
    window = threads.thread_window(
        article,
        where.thread,
        where.after,
        where.before,
        per_page=per_page,
        order=order(),
        viewer=reader,
        guest_ids=guest_ids,
        replies=bounds["replies"],
        moderator=moderator,
    )
    if window is None:
        abort(404)
    return window


def _discussion(article: Article, shown: threads.ThreadPage, cites: bool, **viewer_parts: Any) -> str:
    """The discussion part of the page (templates/articles/_discussion.html); `cites`: the article has notes, so
    the comments they cite are looked up."""
    return render_template(
        "articles/_discussion.html",
        article=article,
        threads=shown,
        led_to=led_to(threads.node_ids(shown.threads)) if cites else {},
        **viewer_parts,
    )


@dataclass
class ModeratorTools:
    """What a moderator of the discussion gets beside each comment (templates/comments/_macros.html
    moderator_tools): the desk's actions, posted to the desk's own route, which comes back to `back`."""

    staff: bool
    flagged: set[int]
    back: str
    csrf: str
    trash_reasons: dict[str, str]


def _moderator_tools(shown: threads.ThreadPage, back: str, csrf: str) -> ModeratorTools:
    """The tools for a viewer who moderates this discussion (`back`: the page the actions return to)."""
    flagged = moderation.flagged_among(threads.node_ids(shown.threads))
    return ModeratorTools(is_staff(viewer()), flagged, back, csrf, moderation.TRASH_REASONS)


def _shared(article: Article, guest_ids: AbstractSet[int], voter: str | None) -> bool:
    """Whether the discussion this request asks for is the one every visitor sees: nothing on it is the viewer's
    own (no account; no comment of theirs on this article, pending or still theirs to edit, and none they flagged,
    which shows "Flagged"; no helpful vote on it, looked up only for a browser with a reader cookie) and the order
    asked for is one the page knows (the pager repeats it as given)."""
    if viewer() is not None or request.args.get("order", "oldest") not in ORDERS:
        return False
    if threads.names_comment_on(article, set(guest_ids) | guest_flag_ids()):
        return False
    return voter is None or not votes.voted_on_article(voter, article)


# Where the discussion goes in the rendered page: a comment no text of the site's can contain by chance.
_MARKER = f"<!-- discussion {secrets.token_hex(12)} -->"
# The stand-in for the viewer's CSRF token in the discussion's Helpful forms, swapped in as the page is served.
_TOKEN_MARKER = f"csrf-{secrets.token_hex(12)}"


@dataclass
class _Page:
    """A rendered article page: the page around its discussion (`shell`, with a marker where the discussion goes),
    the discussion and its digest, and the strings in the shell made for this request alone (form tokens)."""

    shell: str
    discussion: str
    digest: str
    tokens: tuple[str, ...]
    csrf: str = ""

    @property
    def html(self) -> str:
        return self.shell.replace(_MARKER, self.discussion.replace(_TOKEN_MARKER, self.csrf), 1)


def _render(
    article: Article,
    form: CommentForm | None,
    status: int,
    where: threads.Location | None,
    template: str = "articles/show.html",
    extra: dict[str, Any] | None = None,
    back: str | None = None,
) -> _Page:
    current = rules()
    guest_ids = guest_comment_ids(current)
    where = where or asked_location()
    closed = closed_reason(article, current)
    context = article_context(article)
    cites = bool(context["notes"])
    common = {"view_args": location_args(where), "closed_reason": closed}
    reply_to = request.args.get("reply_to", type=int)
    if form is not None:
        reply_to = whole_number(form.parent_id.data)
    if closed:
        reply_to = None
    stamp = form_timestamp()
    csrf = generate_csrf() if current_app.config.get("WTF_CSRF_ENABLED", True) else ""
    tokens = tuple(token for token in (csrf, stamp) if token)
    voter = known_reader_key(viewer())
    if reply_to is None and _shared(article, guest_ids, voter):
        # The same for every visitor until the discussion changes: rendered once per worker and version. The
        # key holds everything else it depends on (the page asked for, the order as given, why it is closed).
        key = ("page-discussion", article.id, where, request.args.get("order"), closed)
        discussion, digest = prepared_text(
            key,
            article.discussion_version,
            lambda: _discussion(
                article,
                _shown(article, where, None, frozenset()),
                cites,
                reply_to=None,
                reply_form=None,
                can_change=lambda comment: False,
                can_add_note=False,
                tools=None,
                voted=frozenset(),
                vote_token=_TOKEN_MARKER,
                **common,
            ),
        )
        reply_form = None
    else:
        moderator = can_moderate_discussion(viewer(), article)
        shown = _shown(article, where, viewer(), guest_ids, moderator)
        # A reply form only makes sense under a comment this page shows, in a thread that is open;
        # otherwise the form (and any error about its parent) is shown at the bottom.
        if reply_to is not None and reply_to not in _shown_ids(shown.threads):
            reply_to = None
        reply_form = (form if form is not None else _new_form(reply_to)) if reply_to else None
        discussion = _discussion(
            article,
            shown,
            cites,
            reply_to=reply_to,
            reply_form=reply_form,
            can_change=change_check(guest_ids),
            can_add_note=context.get("can_add_note", False),
            reader_flagged=moderation.flagged_by(known_reader_key(viewer()), threads.node_ids(shown.threads)),
            tools=_moderator_tools(
                shown, back or url_for("articles.show", slug=article.slug, **location_args(where)), csrf
            )
            if moderator
            else None,
            form_timestamp=stamp,
            honeypot_field=HONEYPOT_FIELD,
            timestamp_field=TIMESTAMP_FIELD,
            voted=votes.voted_among(voter, threads.node_ids(shown.threads)) if voter else frozenset(),
            vote_token=_TOKEN_MARKER,
            **common,
        )
        digest = hashlib.blake2b(_without(discussion, tokens).encode(), digest_size=12).hexdigest()
    top_form = form if form is not None and not reply_to else _new_form()
    # The page is rendered around a marker, and the discussion put in its place: the tag is then a digest of the
    # page's own few kilobytes and of the discussion's digest, not of every byte of a long discussion again.
    shell = render_template(
        template,
        article=article,
        discussion=Markup(_MARKER),  # noqa: S704 (a constant comment)
        form=top_form,
        reply_form=reply_form,
        can_close=can_close_comments(viewer(), article),
        close_form=CloseCommentsForm(formdata=None),
        page_has_errors=status >= 400,
        form_timestamp=stamp,
        honeypot_field=HONEYPOT_FIELD,
        timestamp_field=TIMESTAMP_FIELD,
        request_form=CorrectionRequestForm(formdata=None, **(guest_profile() if viewer() is None else {})),
        **common,
        **context,
        **(extra or {}),
    )
    return _Page(shell, discussion, digest, tokens, csrf)


def render_article_page(
    article: Article, form: CommentForm | None = None, status: int = 200, where: threads.Location | None = None
):
    """The article with a page of its discussion (or of one of its threads) and the comment form (or the form
    with errors). `where` defaults to what the request asks for."""
    return _render(article, form, status, where).html, status


def render_embed_page(article: Article, where: threads.Location | None = None, **extra: Any) -> str:
    """The discussion and the comment form in the embed's own small page (templates/embed/thread.html): the same
    parts, from the same prepared discussion, as the article page. A moderator's actions come back to the frame."""
    back = request.full_path.rstrip("?")
    return _render(article, None, 200, where, "embed/thread.html", {"back": back, **extra}, back=back).html


def _without(text: str, tokens: tuple[str, ...]) -> str:
    for token in tokens:
        text = text.replace(token, "")
    return text


def _token_lifetime() -> int:
    """Seconds the page's forms stay usable: the signed form time's age limit, or the CSRF token's if shorter."""
    lifetimes = [rules().form_max_age_hours * 3600]
    csrf_limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if csrf_limit:
        lifetimes.append(int(csrf_limit))
    return min(lifetimes)


def page_tag(page: _Page) -> str:
    """A weak ETag for the page as this viewer was served it: a digest of the page without this request's form
    tokens (of the page around the discussion, and of the discussion's own digest), of the session's CSRF secret
    those tokens are signed for, and of the quarter of the tokens' lifetime we are in.

    Two pages with the same tag differ only in when their tokens were signed, and the copy the viewer holds was
    made in this quarter with this session's secret, so its forms still work for three quarters of their lifetime
    at least: it may be answered 304. Anything else on the page (a flashed message, the viewer's own comment,
    a new reply, the account header) changes the bytes, and so the tag."""
    shell = _without(page.shell, page.tokens)
    secret = str(session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    quarter = int(time.time()) // max(60, _token_lifetime() // 4)
    digest = hashlib.blake2b(digest_size=12)
    for part in (shell, page.digest, secret, str(quarter)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def article_page_response(article: Article) -> Response:
    """The article page for a GET, with a weak ETag and `Cache-Control: private, no-cache`: 304 without a body
    when the viewer's copy is still this page (see `page_tag`). Private, because its forms carry the viewer's
    CSRF token: no shared cache may keep it."""
    page = _render(article, None, 200, None)
    response = make_response(page.html)
    response.set_etag(page_tag(page), weak=True)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)
