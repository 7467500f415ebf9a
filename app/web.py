"""Request-level helpers every page and API view shares: who is asking, the comment rules of this request,
what the spam checks may know of the request, and the flood limits on posting."""

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask_login import current_user

from app.extensions import limiter
from app.models import User
from app.ratelimit import comment_writer_key
from app.services.settings import CommentRules, comment_rules


def viewer() -> User | None:
    """The signed-in account, or None for a visitor."""
    return current_user if current_user.is_authenticated else None  # type: ignore[return-value]


def rules() -> CommentRules:
    """The comment settings in force, read once per request (they come from the database)."""
    if "comment_rules" not in g:
        g.comment_rules = comment_rules(current_app.config)
    return g.comment_rules  # type: ignore[no-any-return]


def request_details() -> dict[str, Any]:
    """What the spam checks may look at about the request itself (the full address is never stored)."""
    return {
        "ip_address": request.remote_addr,
        "user_agent": (request.user_agent.string or "")[:300],
        "referrer": (request.referrer or "")[:500],
    }


def comment_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """Flood limits on new comments, per network and per writer (429 with Retry-After when exceeded)."""
    view = limiter.limit(lambda: current_app.config["COMMENT_LIMIT_PER_NETWORK"], methods=["POST"])(view)
    return limiter.limit(
        lambda: current_app.config["COMMENT_LIMIT_PER_EMAIL"], methods=["POST"], key_func=comment_writer_key
    )(view)
