"""A person's own account: registering with a confirmed address, forgetting the password, changing name, address
and password, and deleting the account.

Links mailed for these carry signed tokens (services.signed) with ids and a seal of the state they act on, never a
secret: a password-reset link seals the password hash and the session token, so once used (or once the password
changed some other way) it opens nothing; an address link names the address it was sent for, so it stops working
when the account's address is no longer that one. Every message is written to the outbox in the same transaction
as the change it tells about (services.outbox).

No mail goes to an address its owner has not confirmed except the confirmation itself and password resets
(`User.email_verified`).
"""

import hashlib
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import (
    Article,
    Note,
    Role,
    StaffMailSettings,
    User,
)
from app.models.site_state import STAFF, bump_site_versions
from app.models.types import utcnow
from app.models.user import new_session_token
from app.services import accounts, personal_data
from app.services.errors import ServiceError
from app.services.links import absolute_url
from app.services.outbox import queue_message
from app.services.signed import TokenProblem, make_token, read_token

# The name a deleted account's kept comments, requests and log entries show.
FORMER_READER = personal_data.FORMER_READER
# What a deleted account does with its comments: keep them under FORMER_READER, or remove them (placeholders
# stand where they have replies).
COMMENT_CHOICES = ("keep", "remove")

RESET = "password-reset"
CONFIRM = "confirm-email"
CHANGE = "change-email"
MY_DATA = "my-data"

# What a link that cannot be used says, by TokenProblem reason and flow.
_LINK_PROBLEMS = {
    (RESET, "expired"): "This password-reset link has expired. Ask for a new one below.",
    (RESET, "invalid"): "This password-reset link does not work: it was used already, a newer password replaced "
    "the one it was for, or it was copied incompletely. Ask for a new one below.",
    (CONFIRM, "expired"): "This confirmation link has expired. Sign in and ask for a new one from your account page.",
    (CONFIRM, "invalid"): "This confirmation link does not work: your account no longer uses that address, or the "
    "link was copied incompletely.",
    (CHANGE, "expired"): "This link has expired; your address did not change. Ask again from your account page.",
    (CHANGE, "invalid"): "This link does not work: the change was made or replaced already, or the link was copied "
    "incompletely. Your address did not change.",
    (MY_DATA, "expired"): "This link to your data has expired. Ask for a new one below.",
    (MY_DATA, "invalid"): "This link to your data does not work: it was copied incompletely or altered. Ask for a "
    "new one below.",
}


def link_problem(purpose: str, reason: str) -> str:
    """What to tell someone whose link for `purpose` is unusable for `reason` ("expired" or "invalid")."""
    return _LINK_PROBLEMS[(purpose, reason)]


def _config(name: str) -> Any:
    return current_app.config[name]


def _read(purpose: str, token: str, max_age_setting: str) -> dict[str, Any]:
    data = read_token(purpose, token, _config(max_age_setting))
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        raise TokenProblem("invalid")
    return data


def _live_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.deleted_at is not None:
        raise TokenProblem("invalid")
    return user


def _lifetime(seconds: int) -> str:
    """A link's lifetime as people say it: "1 hour", "3 days", "30 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


# --- confirming an address -----------------------------------------------------------------------------------


def register(email: str, name: str, password: str) -> User:
    """Create a reader account (accounts.create_user) and mail its address a confirmation link."""
    user = accounts.create_user(
        email,
        name,
        password,
        Role.reader,
        hash_method=_config("PASSWORD_HASH_METHOD"),
        min_length=_config("PASSWORD_MIN_LENGTH"),
        verified=False,
    )
    _queue_confirmation(user)
    db.session.commit()
    return user


def _queue_confirmation(user: User) -> None:
    token = make_token(CONFIRM, {"user": user.id, "email": user.email})
    queue_message(
        "confirm_email",
        user.id,
        user.name,
        user.email,
        f"Confirm your email address for {_config('SITE_NAME')}",
        {"confirm_url": absolute_url("auth.confirm_email", token=token), "lifetime": lifetime_of(CONFIRM)},
    )


def lifetime_of(purpose: str) -> str:
    """How long a link for `purpose` works, in words."""
    if purpose == MY_DATA:
        return _lifetime(_my_data_max_age())
    return _lifetime(_config("PASSWORD_RESET_MAX_AGE" if purpose == RESET else "EMAIL_CONFIRM_MAX_AGE"))


def _my_data_max_age() -> int:
    return int(_config("MY_DATA_LINK_HOURS")) * 3600


def request_my_data_link(email: str) -> None:
    """Mail a guest's address a link to what is stored under it, if anything is; nothing happens otherwise, and
    the caller answers the same either way. ServiceError about `email` when it is not an address."""
    person = personal_data.Person(email=accounts.normalise_email(email or ""))
    if not personal_data.holds_anything(person):
        return
    # The address travels in the signed token: it is the link holder's own, and the mail went only there.
    token = make_token(MY_DATA, {"email": person.email})
    queue_message(
        "my_data_link",
        None,
        "",
        person.email,
        f"Your data on {_config('SITE_NAME')}",
        {"my_data_url": absolute_url("auth.my_data_link", token=token), "lifetime": lifetime_of(MY_DATA)},
    )
    db.session.commit()


def person_for_my_data(token: str) -> personal_data.Person:
    """The guest address a mailed my-data link is for (never the account that may use it: accounts have their
    own page), or TokenProblem when the link is expired or not genuine."""
    data = read_token(MY_DATA, token, _my_data_max_age())
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(email, str) or not email:
        raise TokenProblem("invalid")
    return personal_data.Person(email=email)


def erase_my_data(person: personal_data.Person, choice: str) -> personal_data.Erased:
    """Erase what is stored under a guest's address at its holder's request; the event names no one. Commits."""
    erased = personal_data.erase(
        person,
        choice,
        None,
        remark=f"personal data erased on request by the guest through a mailed link; "
        f"{'removed' if choice == personal_data.REMOVE else 'anonymised'}",
    )
    db.session.commit()
    return erased


def send_confirmation(user: User) -> None:
    """Mail the account's address a new confirmation link (the views limit how often); refused once confirmed."""
    if user.email_verified:
        raise ServiceError("Your address is confirmed already.", code="already_confirmed", status=409)
    _queue_confirmation(user)
    db.session.commit()


def confirm_email(token: str) -> User:
    """Mark the address a confirmation link was sent to as confirmed; following it again changes nothing.
    Raises TokenProblem when the link is expired, damaged, or for an address the account no longer uses."""
    data = _read(CONFIRM, token, "EMAIL_CONFIRM_MAX_AGE")
    user = _live_user(data["user"])
    if data.get("email") != user.email:
        raise TokenProblem("invalid")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()
    return user


# --- forgetting the password ---------------------------------------------------------------------------------


def _seal(user: User) -> str:
    """A digest of what a password change replaces (the hash and the session token): a reset link made before
    the change no longer matches. Nothing about the password can be learned from it."""
    material = f"{user.id}\x00{user.password_hash}\x00{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def request_password_reset(email: str) -> None:
    """Mail a password-reset link to the account with this address, if there is one that can sign in; nothing
    happens otherwise, and the caller answers the same either way."""
    user = accounts.find_user_by_email(email or "")
    if user is None or not user.active or user.deleted_at is not None:
        return
    token = make_token(RESET, {"user": user.id, "seal": _seal(user)})
    queue_message(
        "password_reset",
        user.id,
        user.name,
        user.email,
        f"Reset your password on {_config('SITE_NAME')}",
        {"reset_url": absolute_url("auth.reset_password", token=token), "lifetime": lifetime_of(RESET)},
    )
    db.session.commit()


def user_for_reset(token: str) -> User:
    """The account a password-reset link is for, or TokenProblem when the link is expired, used or superseded."""
    data = _read(RESET, token, "PASSWORD_RESET_MAX_AGE")
    user = _live_user(data["user"])
    if not secrets.compare_digest(str(data.get("seal", "")), _seal(user)):
        raise TokenProblem("invalid")
    return user


def reset_password(token: str, password: str, confirm: str) -> User:
    """Set a new password through a reset link: every session ends, and the link with it. The mailbox that got the
    link belongs to the account's owner, so the address counts as confirmed."""
    user = user_for_reset(token)
    _set_password(user, password, confirm)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    _queue_password_notice(user)
    db.session.commit()
    return user


# --- changing name, address and password ---------------------------------------------------------------------


def _check_password(user: User, password: str, field: str = "current_password") -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError("That is not your password.", field=field, code="wrong_password")


def change_name(user: User, name: str) -> User:
    """Give the account a new display name for what it writes from now on; a reader's may not pass for a staff
    member's (accounts.refuse_lookalike_name). Comments keep the name they were written under."""
    name = accounts.clean_name(name)
    if user.role is Role.reader:
        accounts.refuse_lookalike_name(name)
    if name == user.name:
        return user
    user.name = name
    if user.role in accounts.STAFF_ROLES:
        # Readers' names are compared with the staff's; the remembered list must see the new one.
        bump_site_versions(db.session.connection(), {STAFF})
    db.session.commit()
    return user


def request_email_change(user: User, new_email: str, password: str) -> str:
    """Mail a link to `new_email` that moves the account there, and a notice to the current address; nothing
    changes until the link is followed. Returns the new address as it will be stored."""
    _check_password(user, password)
    address = accounts.normalise_email(new_email)
    if address == user.email:
        raise ServiceError("That is the address your account uses already.", field="email", code="unchanged")
    if accounts.find_user_by_email(address) is not None:
        raise ServiceError("Another account uses this email address.", field="email", code="email_taken", status=409)
    token = make_token(CHANGE, {"user": user.id, "from": user.email, "to": address})
    queue_message(
        "email_change",
        user.id,
        user.name,
        address,
        f"Confirm your new email address for {_config('SITE_NAME')}",
        {"confirm_url": absolute_url("auth.confirm_email_change", token=token), "lifetime": lifetime_of(CHANGE)},
    )
    if user.email_verified:
        queue_message(
            "email_change_notice",
            user.id,
            user.name,
            user.email,
            f"Your email address on {_config('SITE_NAME')} is about to change",
            {"new_email": address, "account_url": absolute_url("auth.account")},
        )
    db.session.commit()
    return address


def confirm_email_change(token: str) -> User:
    """Move the account to the address the link was mailed to, confirmed. Raises TokenProblem for a link that is
    expired, damaged or already used, ServiceError when another account took the address meanwhile."""
    data = _read(CHANGE, token, "EMAIL_CONFIRM_MAX_AGE")
    user = _live_user(data["user"])
    if data.get("from") != user.email or not isinstance(data.get("to"), str):
        raise TokenProblem("invalid")
    taken = ServiceError(
        "Another account uses this email address now; your address did not change.", code="email_taken", status=409
    )
    address = data["to"]
    if accounts.find_user_by_email(address) is not None:
        raise taken
    user.email = address
    user.email_verified_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # another account took it between the check and the write
        db.session.rollback()
        raise taken from None
    return user


def _set_password(user: User, password: str, confirm: str) -> None:
    if (password or "") != (confirm or ""):
        raise ServiceError("The two passwords differ.", field="confirm", code="passwords_differ")
    accounts.check_password_strength(password, _config("PASSWORD_MIN_LENGTH"))
    user.password_hash = generate_password_hash(password, method=_config("PASSWORD_HASH_METHOD"))
    user.session_token = new_session_token()  # every session signed in with the old password ends


def _queue_password_notice(user: User) -> None:
    if user.email_verified:
        queue_message(
            "password_changed",
            user.id,
            user.name,
            user.email,
            f"Your password on {_config('SITE_NAME')} was changed",
            {"forgot_url": absolute_url("auth.forgot_password")},
        )


def change_password(
    user: User, current_password: str, password: str, confirm: str, *, revoke_tokens: bool = False
) -> User:
    """Replace the password after checking the current one. Every session ends (the caller signs its own in
    again); API tokens keep working unless `revoke_tokens`. The address is told, when confirmed."""
    _check_password(user, current_password)
    _set_password(user, password, confirm)
    if revoke_tokens:
        user.tokens.clear()
    _queue_password_notice(user)
    db.session.commit()
    return user


# --- deleting the account ------------------------------------------------------------------------------------


def delete_account(user: User, password: str, comments: str) -> None:
    """Delete the account at its owner's request: the row stays without personal data, for the records that
    point at it, and can never sign in again. Its comments are kept under FORMER_READER, or removed (their text
    erased; a placeholder stands where replies need one). Refused for the last admin and for an account that
    signs articles or notes, which stay on the record."""
    _check_password(user, password, field="password")
    if comments not in COMMENT_CHOICES:
        raise ServiceError("Choose what happens to your comments.", field="comments", code="validation_failed")
    if user.role is Role.admin and accounts.admin_count() <= 1:
        raise ServiceError(
            "You are the site's only admin; make someone else admin first.", code="last_admin", status=409
        )
    signs = db.session.scalar(select(Article.id).where(Article.author_id == user.id).limit(1)) or db.session.scalar(
        select(Note.id).where(Note.author_id == user.id).limit(1)
    )
    if signs is not None:
        raise ServiceError(
            "Your account signs articles or notes, which stay on the record under its name; ask the site's admins "
            "to delete it.",
            code="signs_articles",
            status=409,
        )
    personal_data.erase(
        personal_data.Person(user=user),
        personal_data.REMOVE if comments == "remove" else personal_data.ANONYMISE,
        user,
        action="account_deleted",
        remark=f"account {user.id} deleted by its owner; comments {'removed' if comments == 'remove' else 'kept'}",
        comment_remark="removed with its writer's account",
    )
    db.session.execute(delete(StaffMailSettings).where(StaffMailSettings.user_id == user.id))
    user.name = FORMER_READER
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = generate_password_hash(secrets.token_hex(32), method=_config("PASSWORD_HASH_METHOD"))
    user.session_token = new_session_token()
    user.role = Role.reader
    user.active = False
    user.deleted_at = utcnow()
    user.email_verified_at = None
    user.tokens.clear()
    db.session.flush()  # the role change to reader tells the staff's remembered names (models.site_state)
    db.session.commit()
