"""How guests are recognised without an account: signed tokens proving they wrote a comment (a cookie for the
site, a header for the API) or sent a correction request, the details they asked us to remember, the
browser id that lets a guest flag a comment once, and the comments they flagged (so the page shows "Flagged").

Signed-in writers are recognised by their account; these tokens are only for guests.
"""

import secrets
from contextlib import suppress

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.models import User
from app.services.moderation import guest_reporter_key
from app.services.settings import CommentRules
from app.services.votes import user_voter_key

OWNER_COOKIE = "aw_comments"
REQUEST_COOKIE = "aw_requests"
PROFILE_COOKIE = "aw_guest"
READER_COOKIE = "aw_reader"
FLAGS_COOKIE = "aw_flags"
EDIT_TOKEN_HEADER = "X-Edit-Token"
KEEP_IDS = 20
PROFILE_DAYS = 365


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"afterword.{purpose}")


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    """Every cookie here: HttpOnly, SameSite=Lax, Secure when the session cookie is; under EMBED_CROSS_SITE,
    SameSite=None; Secure; Partitioned like the session's, so a discussion framed by another site keeps them."""
    config = current_app.config
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite=config["SESSION_COOKIE_SAMESITE"] if config["EMBED_CROSS_SITE"] else "Lax",
        secure=config["SESSION_COOKIE_SECURE"],
        partitioned=bool(config["EMBED_CROSS_SITE"]),
    )


def edit_token(comment_id: int) -> str:
    """A token that lets its holder edit or delete this one comment during the edit window."""
    return _signer("comment-edit").dumps(comment_id)


def guest_comment_ids(rules: CommentRules) -> set[int]:
    """Ids of the comments this request proves it wrote: the owner cookie and any edit-token header."""
    max_age = int(rules.edit_window.total_seconds()) + 60
    ids: set[int] = set()
    cookie = request.cookies.get(OWNER_COOKIE)
    if cookie:
        with suppress(BadSignature, TypeError, ValueError):  # a forged or stale cookie proves nothing
            ids.update(int(i) for i in _signer("comment-owner").loads(cookie, max_age=max_age))
    header = request.headers.get(EDIT_TOKEN_HEADER)
    if header:
        with suppress(BadSignature, TypeError, ValueError):
            ids.add(int(_signer("comment-edit").loads(header, max_age=max_age)))
    return ids


def remember_guest_comment(response: Response, comment_id: int, rules: CommentRules) -> None:
    """Add a guest's new comment to their owner cookie, which lives as long as the edit window."""
    ids = sorted(guest_comment_ids(rules) | {comment_id})[-KEEP_IDS:]
    _set_cookie(
        response, OWNER_COOKIE, _signer("comment-owner").dumps(ids), int(rules.edit_window.total_seconds()) + 60
    )


def guest_profile() -> dict:
    """The name, email and website a guest asked us to remember, or an empty dict."""
    cookie = request.cookies.get(PROFILE_COOKIE)
    if not cookie:
        return {}
    try:
        data = _signer("guest-profile").loads(cookie, max_age=PROFILE_DAYS * 86400)
    except BadSignature:
        return {}
    return {key: str(data.get(key) or "") for key in ("name", "email", "website")} if isinstance(data, dict) else {}


def keep_guest_profile(response: Response, remember: bool, name: str, email: str, website: str | None) -> None:
    """Remember the guest's details when they opt in; forget them when they opt out."""
    if not remember:
        response.delete_cookie(PROFILE_COOKIE, samesite="Lax", httponly=True)
        return
    value = _signer("guest-profile").dumps({"name": name, "email": email, "website": website or ""})
    _set_cookie(response, PROFILE_COOKIE, value, PROFILE_DAYS * 86400)


def reader_cookie_id() -> tuple[str, bool]:
    """A random id for this browser (kept a year), so a guest flags a comment once; returns (id, is_new)."""
    value = request.cookies.get(READER_COOKIE, "")
    if len(value) == 32 and value.isalnum():
        return value, False
    return secrets.token_hex(16), True


def keep_reader_cookie(response: Response, cookie_id: str) -> None:
    """Keep the browser's reader id for a year."""
    _set_cookie(response, READER_COOKIE, cookie_id, PROFILE_DAYS * 86400)


def _signed_ids(cookie_name: str, purpose: str) -> set[int]:
    """The ids a signed cookie of ours lists (kept a year); none when it is missing, forged or too old."""
    cookie = request.cookies.get(cookie_name)
    if not cookie:
        return set()
    try:
        return {int(i) for i in _signer(purpose).loads(cookie, max_age=PROFILE_DAYS * 86400)}
    except (BadSignature, TypeError, ValueError):
        return set()


def reader_key(user: User | None) -> tuple[str, str | None]:
    """Who is flagging or voting: an account (whichever network it comes from), or this browser's reader id on
    this network. Returns (key, the reader id to keep in a new cookie, or None when the browser has one)."""
    if user is not None:
        return user_voter_key(user), None
    cookie_id, new = reader_cookie_id()
    return guest_reporter_key(request.remote_addr, cookie_id), cookie_id if new else None


def known_reader_key(user: User | None) -> str | None:
    """The key this reader's flags and votes are kept under, when they can have any: None for a guest without a
    reader id (whose key would be new)."""
    key, new_cookie = reader_key(user)
    return None if new_cookie else key


def guest_flag_ids() -> set[int]:
    """Ids of the comments this browser flagged as a guest: the article page is drawn for them alone (with
    "Flagged") when one is on it; whether they flagged it is still asked of the flags themselves."""
    return _signed_ids(FLAGS_COOKIE, "comment-flags")


def remember_guest_flag(response: Response, comment_id: int, new_reader: str | None) -> None:
    """After a guest's flag: keep the new reader id (if one was made) and add the comment to the flags cookie."""
    if new_reader:
        keep_reader_cookie(response, new_reader)
    ids = sorted(guest_flag_ids() | {comment_id})[-KEEP_IDS:]
    _set_cookie(response, FLAGS_COOKIE, _signer("comment-flags").dumps(ids), PROFILE_DAYS * 86400)


def guest_request_ids() -> set[int]:
    """Ids of the correction requests this browser sent as a guest, so the article shows their outcome."""
    return _signed_ids(REQUEST_COOKIE, "correction-requests")


def remember_guest_request(response: Response, request_id: int) -> None:
    """Add a guest's correction request to their cookie (kept a year, like the guest's profile)."""
    ids = sorted(guest_request_ids() | {request_id})[-KEEP_IDS:]
    _set_cookie(response, REQUEST_COOKIE, _signer("correction-requests").dumps(ids), PROFILE_DAYS * 86400)
