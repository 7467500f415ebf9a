"""Accounts: registration, authentication, roles and API tokens."""

import hashlib
import secrets
from functools import lru_cache

from sqlalchemy import Select, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import ApiToken, Role, User
from app.models.site_state import STAFF
from app.models.types import utcnow
from app.models.user import EMAIL_MAX, NAME_MAX, new_session_token
from app.services.errors import ServiceError
from app.services.identity import canonical_email, claims_role, display_name, name_key
from app.services.site_versions import remembered

TOKEN_PREFIX = "aw_"


def normalise_email(email: str) -> str:
    """Validate an address's syntax and return it in the form we store and look up: NFKC, the domain
    IDNA-encoded, all lowercase (identity.canonical_email), so a fullwidth spelling is the same address."""
    if len((email or "").strip()) > EMAIL_MAX:
        raise ServiceError(f"An email address is at most {EMAIL_MAX} characters.", field="email")
    email = canonical_email(email)
    if len(email) > EMAIL_MAX:
        raise ServiceError(f"An email address is at most {EMAIL_MAX} characters.", field="email")
    return email


def clean_name(name: str) -> str:
    """A display name: one line, something visible, few marks per letter, within the length limit."""
    return display_name(name, missing="Enter a name.", limit=NAME_MAX, too_long="A name is at most {limit} characters.")


STAFF_ROLES = (Role.author, Role.moderator, Role.admin)


def _staff_name_keys() -> frozenset[str]:
    return frozenset(name_key(name) for name in db.session.scalars(select(User.name).where(User.role.in_(STAFF_ROLES))))


def refuse_lookalike_name(name: str) -> None:
    """Refuse a reader's or guest's name that passes for a staff member's (an author, a moderator, an admin:
    the same letters once case, accents, invisible characters, lookalike letters and asides such as
    "(Moderator)" are set aside), or that claims a role ("Site admin"). Staff accounts are made by an admin,
    who may give two people the same name."""
    key = name_key(name)
    if key and key in remembered(STAFF, _staff_name_keys):
        raise ServiceError("That name belongs to a member of the site's staff; choose another.", field="name")
    if claims_role(name):
        raise ServiceError(
            "Choose a name that does not claim a role on the site (moderator, admin, staff).", field="name"
        )


def parse_role(value: str | Role) -> Role:
    """Turn a role name into a Role, refusing unknown ones with the list of valid names."""
    if isinstance(value, Role):
        return value
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise ServiceError(f"Unknown role {value!r}; choose one of {names}.", field="role") from None


def check_password_strength(password: str, min_length: int) -> None:
    """Refuse passwords too short to be worth hashing."""
    if len(password or "") < min_length:
        raise ServiceError(f"Use a password of at least {min_length} characters.", field="password")


def find_user_by_email(email: str) -> User | None:
    """The account with this address in any spelling (canonical_email); an address that is not valid is
    compared as typed, case-insensitively."""
    try:
        address = canonical_email(email)
    except ServiceError:
        address = (email or "").strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def create_user(
    email: str,
    name: str,
    password: str,
    role: str | Role,
    *,
    hash_method: str,
    min_length: int,
    verified: bool = True,
) -> User:
    """Create and commit an account, or raise ServiceError saying which field is wrong. An account an operator
    makes (the CLI, the demo) has its address counted as confirmed; a reader registering (services.self_service)
    passes `verified=False` and confirms it by mail."""
    role = parse_role(role)
    email = normalise_email(email)
    name = clean_name(name)
    if role is Role.reader:
        refuse_lookalike_name(name)
    check_password_strength(password, min_length)
    if find_user_by_email(email) is not None:
        raise ServiceError(
            "An account with this email address already exists.", field="email", code="email_taken", status=409
        )
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=generate_password_hash(password, method=hash_method),
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(email: str, password: str, *, hash_method: str) -> User | None:
    """The active account matching these credentials, or None. Takes as long for an unknown email."""
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def set_role(user: User, role: str | Role) -> User:
    """Change an account's role and sign out its sessions, so the new rights apply at once."""
    role = parse_role(role)
    if role is user.role:
        return user
    if user.role is Role.admin and admin_count() <= 1:
        raise ServiceError(
            "The site needs at least one admin; make someone else admin first.",
            field="role",
            code="last_admin",
            status=409,
        )
    user.role = role
    user.session_token = new_session_token()
    db.session.commit()
    return user


def admin_count() -> int:
    # A count query always returns a row; `or 0` only satisfies scalar()'s Optional type.
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.admin, User.active.is_(True))) or 0


def all_users() -> Select[User]:
    """Every account, newest first, for the admins' list."""
    return select(User).order_by(User.created_at.desc(), User.id.desc())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, label: str = "") -> str:
    """Create an API token for the user and return it; only its digest is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_digest(token), label=label[:80]))
    db.session.commit()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """A user's API tokens, newest first (their digests only; tokens are shown once, at creation)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> None:
    """Delete one of the user's own tokens; another user's token is as good as missing."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise ServiceError("No such token.", code="not_found", status=404)
    db.session.delete(token)
    db.session.commit()


def user_for_token(token: str) -> User | None:
    """The active account a bearer token belongs to, recording when the token was last used."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if api_token is None or not api_token.user.active:
        return None
    now = utcnow()
    # Record use at most once a minute so a busy client does not write on every request.
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        api_token.last_used_at = now
        db.session.commit()
    return api_token.user


def user_for_session(session_token: str) -> User | None:
    """The account behind a Flask-Login session id."""
    if not session_token:
        return None
    return db.session.scalar(select(User).where(User.session_token == session_token))
