"""The embed: /embed.js for host pages, the framed discussion it loads, and the link shown without JavaScript.

The host page only ever holds an iframe of ours and exchanges height and theme messages with it: no comment
data, email, address or edit token reaches the host page's scripts. Only a registered site's origins may frame
the discussion (CSP frame-ancestors), and only pages on them get a thread.
"""

import hashlib
from functools import cache
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from limits import parse_many

from app.articles.page import comment_location, render_embed_page
from app.embed import bp
from app.errors import json_error
from app.extensions import csrf, limiter
from app.guests import guest_comment_ids
from app.models import Article, Site
from app.ratelimit import client_key
from app.security import allow_framing_by, keep_opener
from app.services import moderation, sign_in_handoff, sites, threads
from app.services.comments import find_comment, owns
from app.services.errors import ServiceError
from app.services.permissions import can_close_comments, can_moderate_discussion
from app.services.text import whole_number
from app.urls import safe_next
from app.web import rules, start_session, viewer

THEMES = {"light", "dark"}
# The session key holding the nonce of the sign-in this frame asked for (see app/services/sign_in_handoff.py).
HANDOFF_NONCE = "embed_sign_in"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "embed.js"
YEAR = 365 * 86400


@cache
def _script() -> tuple[bytes, str]:
    """The embed script and the digest of its bytes (read once per process)."""
    body = SCRIPT.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:16]


def script_digest() -> str:
    """The content hash in the pinned address of the embed script, /embed.<digest>.js."""
    return _script()[1]


def _script_response(max_age: int, immutable: bool = False) -> Response:
    body, digest = _script()
    response = Response(body, mimetype="text/javascript")
    response.set_etag(digest)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if immutable:
        response.cache_control.immutable = True
    else:
        response.cache_control.stale_while_revalidate = 7 * 86400
    # Loaded by other sites' pages, some of which isolate themselves (Cross-Origin-Embedder-Policy).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.route("/embed.js")
def script():
    """The snippet's script: a day's caching at its lasting address (revalidated by its content hash after)."""
    return _script_response(86400)


@bp.route("/embed.<digest>.js")
def pinned_script(digest: str):
    """The same script at an address naming its content hash: cached for a year, never changed."""
    if digest != script_digest():
        abort(404)
    return _script_response(YEAR, immutable=True)


def _nothing(message: str, status: int) -> Response:
    """What a page gets when it may have no thread here: a short page nobody else may frame."""
    return make_response(render_template("embed/nothing.html", message=message), status)


def _may_start_thread() -> bool:
    """Count a new thread against this network's allowance (EMBED_NEW_THREADS_PER_NETWORK); False when spent."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    allowed = True
    for item in parse_many(current_app.config["EMBED_NEW_THREADS_PER_NETWORK"]):
        allowed = limiter.limiter.hit(item, "embed-new-thread", client_key()) and allowed
    return allowed


def _page_thread() -> tuple[Site, Article | None]:
    """The registered site of the page named by `url`, and its thread: found, or made now when the request comes
    from one of the site's pages (its Referer), the site allows new threads, and the network's allowance holds.

    Aborts with a page of its own: 404 for a page on no registered origin, 403 for a request from elsewhere."""
    page_url = request.args.get("url", "")
    site = sites.site_for_origin(sites.origin_of(page_url))
    if site is None:
        abort(_nothing("This page's site is not registered for discussions here.", 404))
    referrer = sites.origin_of(request.referrer)
    if referrer == sites.origin_of(request.host_url):
        referrer = None  # the frame reloading itself: shows the thread, starts none
    elif request.referrer and referrer not in site.origin_list:
        abort(_nothing("Discussions of this site's pages are shown on its own pages only.", 403))
    try:
        thread = sites.thread_for_page(site, request.args.get("id"), page_url, request.args.get("title"), create=False)
        if thread is None and site.allow_new_threads and referrer is not None and _may_start_thread():
            thread = sites.thread_for_page(site, request.args.get("id"), page_url, request.args.get("title"))
    except ServiceError as error:
        abort(_nothing(error.message, error.status))
    return site, thread


def _asked_comment_location(article: Article) -> threads.Location | None:
    """Where the comment the host page's address names (`#comment-<id>`, passed by embed.js as `comment`) is shown,
    when it is one of this discussion's that the viewer may read; None (the first page) otherwise."""
    comment_id = whole_number(request.args.get("comment", ""))
    comment = find_comment(comment_id) if comment_id else None
    if comment is None or comment.article_id != article.id:
        return None
    moderates = can_moderate_discussion(viewer(), article)
    if not (comment.is_public or moderates or owns(comment, viewer(), guest_comment_ids(rules()))):
        return None
    return comment_location(comment, guest_comment_ids(rules()))


@bp.route("/embed/thread")
def thread():
    """The discussion of one page of a registered site, framed by that page (only its site's origins may)."""
    page_url = request.args.get("url", "")
    site, article = _page_thread()
    allow_framing_by(site.origin_list)
    theme = request.args.get("theme")
    if article is None or not article.is_published:
        return render_template("embed/nothing.html", message="There is no discussion of this page.", framed=True)
    reader = viewer()
    # Moderators, admins and the site's owner: what waits on the desk for this discussion.
    waiting = moderation.queue_counts(reader, article) if reader and can_close_comments(reader, article) else None
    response = Response(
        render_embed_page(
            article,
            _asked_comment_location(article),
            parent_origin=sites.origin_of(page_url),
            theme=theme if theme in THEMES else None,
            waiting=waiting,
        )
    )
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.route("/embed/open")
def open_discussion():
    """Where the snippet's link leads without JavaScript: the page's discussion here, on its own page."""
    _, article = _page_thread()
    if article is None or not article.is_published:
        return _nothing("No one has started a discussion of this page yet.", 404)
    return redirect(url_for("articles.show", slug=article.slug) + "#comments")


@bp.route("/embed/signed-in")
def signed_in():
    """Where the frame's Sign in link leads without JavaScript: signed in here, go back to the page."""
    return render_template("embed/signed_in.html")


def _csrf_refused() -> Response | None:
    """The JSON error for a script's post without this session's CSRF token (the global check would answer a page),
    or None when the token is good."""
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return None
    try:
        csrf.protect()
    except CSRFError as error:
        return json_error(400, "csrf", f"{error.description} Reload the discussion and sign in again.")
    return None


@bp.route("/embed/sign-in/begin", methods=["POST"])
@csrf.exempt  # checked by _csrf_refused, to answer the frame's script in JSON
def begin_sign_in():
    """The frame, opening the sign-in window: keep the nonce it chose in the frame's own session (CSRF-checked),
    so only this frame can trade the sign-in that comes back for it."""
    refused = _csrf_refused()
    if refused is not None:
        return refused
    nonce = request.form.get("nonce", "")
    problem = sign_in_handoff.nonce_problem(nonce)
    if problem:
        return json_error(400, "handoff_invalid", problem, {"nonce": problem})
    session[HANDOFF_NONCE] = nonce
    return "", 204


@bp.route("/embed/sign-in")
def sign_in():
    """The window a framed discussion opened to sign in: the sign-in form first if needed, then a page handing a
    short-lived single-use token for the account to the frame, by `window.opener.postMessage` to this site's own
    origin only (static/js/embed-signed-in.js). Keeps its opener (COOP unsafe-none) for that; nobody may frame it."""
    keep_opener()
    nonce = request.args.get("nonce", "")
    problem = sign_in_handoff.nonce_problem(nonce)
    if problem:
        return render_template("embed/signed_in.html", problem=problem), 400, PRIVATE
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("embed.sign_in", nonce=nonce)))
    try:
        handoff = sign_in_handoff.make_handoff(current_user, nonce)
    except ServiceError as error:
        return render_template("embed/signed_in.html", problem=error.message), error.status, PRIVATE
    return render_template("embed/signed_in.html", handoff=handoff), 200, PRIVATE


@bp.route("/embed/sign-in/exchange", methods=["POST"])
@csrf.exempt  # checked by _csrf_refused, to answer the frame's script in JSON
def exchange_sign_in():
    """The frame trading the handoff token for a sign-in in its own (under EMBED_CROSS_SITE, partitioned) session;
    CSRF-checked like every form. JSON either way: the frame reloads or says what went wrong."""
    refused = _csrf_refused()
    if refused is not None:
        return refused
    try:
        user = sign_in_handoff.redeem_handoff(
            request.form.get("token", ""), request.form.get("nonce", ""), session.get(HANDOFF_NONCE)
        )
    except ServiceError as error:
        return json_error(error.status, error.code, error.message, error.fields)
    start_session(user)
    return jsonify(signed_in=True, name=user.name)


@bp.route("/embed/sign-out", methods=["POST"])
def sign_out():
    """Sign out of the frame's session (only this frame's jar under EMBED_CROSS_SITE) and show the frame again."""
    logout_user()
    session.clear()
    return redirect(safe_next(request.form.get("next"), url_for("articles.index")))
