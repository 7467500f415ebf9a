"""Signing in inside a discussion framed by another site's page (docs/embed.md, "Signing in in the frame").

A frame of another site keeps its cookies in a jar of its own (partitioned), so a sign-in in Afterword's own
window never reaches it. The frame picks a random nonce and keeps it in its session; Afterword's window, once
signed in, makes a handoff token naming the account and that nonce, good for HANDOFF_SECONDS, and gives it to
the frame alone (window.opener.postMessage to Afterword's own origin); the frame trades it, with its CSRF token,
for a sign-in of its own. A token signs in once: its nonce is recorded when used.
"""

import hashlib
import re
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import SignInHandoff, User
from app.models.types import utcnow
from app.services.errors import ServiceError
from app.services.signed import TokenProblem, make_token, read_token

PURPOSE = "embed-sign-in"
HANDOFF_SECONDS = 60
# What a frame may choose as its nonce: 32 to 64 URL-safe characters (it makes 43, from 32 random bytes).
_NONCE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def nonce_problem(nonce: str | None) -> str | None:
    """Why a frame's nonce cannot be used, or None when it can."""
    if not nonce or not _NONCE.fullmatch(nonce):
        return "The sign-in request is not valid: start again from the discussion's Sign in link."
    return None


def _account_state(user: User) -> str:
    # Changes when the account's sessions are revoked (a new password, a new role): a token made before then fails.
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:16]


def make_handoff(user: User, nonce: str) -> str:
    """A token handing this signed-in account to the frame that chose `nonce`."""
    problem = nonce_problem(nonce)
    if problem:
        raise ServiceError(problem, field="nonce", code="handoff_invalid", status=400)
    if not user.is_active:
        raise ServiceError("This account cannot sign in.", code="account_inactive", status=403)
    return make_token(PURPOSE, {"user": user.id, "nonce": nonce, "state": _account_state(user)})


def redeem_handoff(token: str, nonce: str, expected_nonce: str | None) -> User:
    """The account a handoff token names, once: for the frame whose session holds `expected_nonce` and which sends
    the same `nonce`. Raises ServiceError (400, 403 or 409, with a code) for anything else, changing nothing."""
    try:
        data = read_token(PURPOSE, token or "", HANDOFF_SECONDS)
    except TokenProblem as problem:
        if problem.reason == "expired":
            raise ServiceError(
                "The sign-in took too long to reach the discussion: sign in again.",
                code="handoff_expired",
                status=400,
            ) from problem
        raise ServiceError(
            "The sign-in could not be read: sign in again.", code="handoff_invalid", status=400
        ) from problem
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) or not isinstance(data.get("nonce"), str):
        raise ServiceError("The sign-in could not be read: sign in again.", code="handoff_invalid", status=400)
    if nonce_problem(nonce) or not expected_nonce or not (data["nonce"] == nonce == expected_nonce):
        raise ServiceError(
            "This sign-in was meant for another window: sign in again from this discussion.",
            code="handoff_nonce",
            status=400,
        )
    user = db.session.get(User, data["user"])
    if user is None or not user.is_active or data.get("state") != _account_state(user):
        raise ServiceError("This account cannot sign in here.", code="account_inactive", status=403)
    _use(nonce)
    return user


def _use(nonce: str) -> None:
    """Record the nonce as used (a second use is refused), sweeping records older than any token still valid."""
    now = utcnow()
    stale = now - timedelta(seconds=HANDOFF_SECONDS * 2)
    db.session.execute(delete(SignInHandoff).where(SignInHandoff.used_at < stale))
    db.session.add(SignInHandoff(nonce=nonce, used_at=now))
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ServiceError(
            "This sign-in has been used already: sign in again.", code="handoff_used", status=409
        ) from error
