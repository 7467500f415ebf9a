"""Who is calling the API: a bearer token, or the site's own session from the same origin."""

from urllib.parse import urlsplit

from flask import abort, g, request
from flask_login import current_user

from app.services.accounts import user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def api_user():
    """The calling user or None. A bad token is a 401; a cookie-authenticated write must come from this site."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, description="Use `Authorization: Bearer <token>`.")
        user = user_for_token(token.strip())
        if user is None:
            abort(401)
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS and not _same_origin():
            abort(403)
        user = current_user._get_current_object()
    g.api_user = user
    return user


def require_json_body() -> None:
    """Writes accept JSON only, so a cross-site HTML form cannot post to the API."""
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype != "application/json":
        abort(415)
