"""Subscription views: the links mailed to readers (confirm an address, unsubscribe), following a discussion from
the article page, and the account page's reply-mail section. Thin: each reads its input and calls
services.subscriptions.

The links carry signed tokens (services.signed) with ids only: a page never shows more of an address than its
first letter and its domain. A bad link (forged, damaged, expired, used) gets a page that says so, never an error.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import csrf, limiter
from app.models import User
from app.ratelimit import client_key
from app.services import subscriptions
from app.services.articles import visible_article
from app.services.errors import ServiceError
from app.services.signed import TokenProblem
from app.services.text import whole_number
from app.subscriptions import bp
from app.web import viewer

LINK_PROBLEMS = {
    "expired": (
        410,
        "This link has expired",
        "Confirmation links work for a limited time. Tick “Email me when someone replies” again on your next "
        "comment, or follow the discussion again, and we will send you a new one.",
    ),
    "invalid": (
        400,
        "This link does not work",
        "The link is incomplete or was not made by this site. Copy the whole link from the email, or ask for "
        "mail again from the article page.",
    ),
}


def _link_problem(problem: TokenProblem):
    status, title, message = LINK_PROBLEMS[problem.reason]
    return render_template("subscriptions/link.html", title=title, message=message), status


@bp.route("/mail/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """A guest confirms their address: the page asks them to press a button (mail scanners follow links, but do
    not press buttons), and the button confirms."""
    try:
        recipient = subscriptions.read_confirmation(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    address = subscriptions.masked(recipient.address)
    if request.method == "POST":
        if subscriptions.confirm(recipient):
            return render_template(
                "subscriptions/link.html",
                title="Your address is confirmed",
                message=f"Mail about the discussions you asked for will come to {address}. Every mail has a link "
                "that stops it.",
            )
        return _already_confirmed(address)
    if recipient.confirmed_at is not None:
        return _already_confirmed(address)
    return render_template("subscriptions/confirm.html", address=address, token=token)


def _already_confirmed(address: str):
    return render_template(
        "subscriptions/link.html",
        title="This link was used already",
        message=f"The address {address} is confirmed: mail about the discussions you asked for comes to it.",
    )


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click unsubscribe (RFC 8058): mail programs POST here without a session; the token is the proof
def unsubscribe(token: str):
    """Stop mail about one discussion, or all mail: a page with both buttons; a POST without `scope=all` (what
    mail programs send for List-Unsubscribe-Post) stops the one discussion."""
    try:
        recipient, article = subscriptions.read_unsubscribe(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    title = article.title if article is not None else "this discussion"
    if request.method == "POST":
        everything = request.form.get("scope") == "all"
        ended = 0
        if recipient is not None:
            ended = subscriptions.stop(recipient, None if everything or article is None else article.id)
        if everything:
            message = "You will get no more mail about comments from this site."
        else:
            message = f"You will get no more mail about comments on “{title}”."
        if not ended:
            message += " (Nothing was on any more: the link had been used already.)"
        return render_template("subscriptions/link.html", title="Unsubscribed", message=message)
    address = subscriptions.masked(recipient.address) if recipient is not None else None
    return render_template("subscriptions/unsubscribe.html", title=title, address=address, token=token)


@bp.route("/articles/<slug>/subscribe", methods=["POST"])
@limiter.limit(lambda: current_app.config["SUBSCRIBE_LIMIT"], key_func=client_key)
def subscribe(slug: str):
    """Follow an article's discussion by mail without commenting."""
    article = visible_article(slug, viewer())
    if article is None or not article.is_published:
        abort(404)
    target = url_for("articles.show", slug=article.slug) + "#follow"
    try:
        outcome = subscriptions.subscribe(article, viewer(), request.form.get("email", ""))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(target)
    flash(
        "You follow this discussion: we will email you new comments." if outcome.state == "on" else outcome.message,
        "success" if outcome.state == "on" else "info",
    )
    return redirect(target)


@bp.app_template_global()
def reply_mail_overview(user: User) -> list[subscriptions.Followed]:
    """The discussions an account gets mail about, for the account page's section (auth/_reply_mail.html)."""
    return subscriptions.followed_by(user)


@bp.route("/account/reply-mail", methods=["POST"])
@login_required
def account_reply_mail():
    """Whether "email me when someone replies" is ticked for this account unless it says otherwise."""
    on = request.form.get("reply_mail") == "on"
    subscriptions.set_account_default(current_user, on)
    flash(
        "“Email me when someone replies” is now ticked for you."
        if on
        else "“Email me when someone replies” is no longer ticked for you.",
        "success",
    )
    return redirect(url_for("auth.account") + "#reply-mail")


@bp.route("/account/reply-mail/stop", methods=["POST"])
@login_required
def account_stop():
    """Stop the account's mail about one discussion (`article_id`), or about all of them."""
    article_id = None
    if request.form.get("scope") != "all":
        article_id = whole_number((request.form.get("article_id") or "").strip())
        if article_id is None:
            abort(400, description="Choose the discussion to stop mail about.")
    subscriptions.stop_for_account(current_user, article_id)
    flash(
        "You will get no more mail about that discussion."
        if article_id is not None
        else "You will get no more mail about comments.",
        "success",
    )
    return redirect(url_for("auth.account") + "#reply-mail")
