"""Request-level helpers every page and API view shares: who is asking, the comment rules of this request,
what the spam checks may know of the request, and the flood limits on posting."""

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, request, session
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user
from werkzeug.exceptions import HTTPException

from app.extensions import limiter
from app.models import Article, Comment, User
from app.models.site_state import SETTINGS
from app.ratelimit import client_key, comment_writer_key, describe_limit
from app.services.avatars import GRAVATAR_HOST, Avatar, avatar
from app.services.settings import RULES_CONFIG, CommentRules, comment_rules
from app.services.site_versions import remembered


def viewer() -> User | None:
    """The signed-in account, or None for a visitor."""
    return current_user if current_user.is_authenticated else None  # type: ignore[return-value]


def start_session(user: User, remember: bool = False) -> None:
    """Renew the session on sign-in so an identifier planted before it is worthless."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = remember


def rules() -> CommentRules:
    """The comment settings in force, built from the database's settings when they last changed."""
    if "comment_rules" not in g:
        config = current_app.config
        # The configuration gives the defaults of settings an admin has not set, and two rules of its own.
        inputs = tuple(config[key] for key in RULES_CONFIG)
        g.comment_rules = remembered(SETTINGS, lambda: comment_rules(config), inputs)
    return g.comment_rules  # type: ignore[no-any-return]


def account_avatar(user: User, name: str | None = None) -> Avatar:
    """An account's avatar: initials of `name` (the name shown beside it; the account's own by default) on the
    colour of its address, the same for every viewer. A deleted account has no address left: the neutral colour."""
    email = "" if user.deleted_at is not None else user.email
    return avatar(name or user.name, email, current_app.config["SECRET_KEY"], gravatar=rules().gravatar)


def comment_avatar(comment: Comment) -> Avatar:
    """The avatar beside a comment: its account's (by the account's current address, so every comment of one
    account looks alike), or the guest's by the address given with the comment. Threads load the accounts with
    the comments (services.threads), so this costs no query."""
    if comment.user_id is not None and comment.user is not None:
        return account_avatar(comment.user, comment.writer_name)
    return avatar(
        comment.writer_name, comment.writer_email, current_app.config["SECRET_KEY"], gravatar=rules().gravatar
    )


def image_sources() -> tuple[str, ...]:
    """Hosts this response's pictures may come from besides the site's policy (app/security.py): Gravatar's, when
    the request read rules that turn its pictures on (every page showing avatars reads them)."""
    current = g.get("comment_rules")
    return (GRAVATAR_HOST,) if current is not None and current.gravatar else ()


def rules_for(article: Article) -> CommentRules:
    """The rules a new comment on this article follows: the site's, plus its own hold for an embedded thread whose
    site holds every comment (docs/embed.md)."""
    current = rules()
    if article.site_id is not None and article.site is not None and article.site.hold_all and not current.hold_all:
        return dataclasses.replace(current, hold_all=True)
    return current


def discussion_bounds(api: bool = False) -> dict[str, int]:
    """How much of a discussion one page (or one API answer) shows besides its threads: replies of one thread,
    and comments in all. Keyword arguments for services.threads."""
    config = current_app.config
    return {
        "replies": int(config["COMMENT_REPLIES_PER_PAGE"]),
        "limit": int(config["API_COMMENTS_LIMIT" if api else "COMMENTS_PAGE_LIMIT"]),
    }


def request_details() -> dict[str, Any]:
    """What the spam checks may look at about the request itself (the full address is never stored)."""
    return {
        "ip_address": request.remote_addr,
        "user_agent": (request.user_agent.string or "")[:300],
        "referrer": (request.referrer or "")[:500],
    }


def accepted(response: Response) -> bool:
    """Whether a post was taken (a redirect or a 2xx): only those count against the flood limits, so a
    refused post (4xx: an empty body, an expired form, a duplicate) costs its writer nothing."""
    return response.status_code < 400


def comment_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """Flood limits on new comments and correction requests: per writer, and per network with a higher
    allowance, since one office or mobile network carries many readers. Only accepted posts count
    (429 with Retry-After once a limit is reached)."""
    view = limiter.limit(
        lambda: current_app.config["COMMENT_LIMIT_PER_NETWORK"],
        methods=["POST"],
        key_func=client_key,
        deduct_when=accepted,
    )(view)
    return limiter.limit(
        lambda: current_app.config["COMMENT_LIMIT_PER_EMAIL"],
        methods=["POST"],
        key_func=comment_writer_key,
        deduct_when=accepted,
    )(view)


# Helpful votes given or taken back, on the page and through the API alike: one allowance per network.
vote_limit = limiter.shared_limit(lambda: current_app.config["VOTE_LIMIT"], scope="votes", key_func=client_key)


def flood_limit(error: HTTPException, noun: str = "comment") -> str:
    """The flood limit a 429 reports, in words: "1 comment every 15 seconds", "10 comments a minute from one
    network" (`noun` singular)."""
    if not isinstance(error, RateLimitExceeded):
        return error.description or ""
    words = describe_limit(error.limit.limit, noun)
    return f"{words} from one network" if error.limit.key_func is client_key else words
