"""Versions of what every request reads and few requests change: the settings, the staff's names, the bans and
the spam model. Each server process keeps what it built from them (services.site_versions) and builds it again
only when the version it was built at is no longer the database's.

One listener on every ORM flush raises the versions of the areas the flush touched, in the same transaction, with
`version = version + 1` (so two processes writing at once both count). Writes that bypass the session's objects
must call `bump_site_versions` themselves; none does today.
"""

from sqlalchemy import Connection, String, Table, event, insert, inspect, update
from sqlalchemy.orm import InstanceState, Mapped, Session, UOWTransaction, mapped_column

from app.extensions import Model
from app.models.moderation import Ban, Setting
from app.models.spam import SpamModel
from app.models.user import User

SETTINGS = "settings"
STAFF = "staff"
BANS = "bans"
SPAM_MODEL = "spam_model"
AREAS = (SETTINGS, STAFF, BANS, SPAM_MODEL)
# Session.info key under which a session keeps the versions it read (services.site_versions); dropped whenever they
# may have changed: a bump, a commit, a rollback.
SESSION_KEY = "afterword.site_versions"
# Set while the session's transaction holds a bump not yet committed: what it reads then may yet be rolled back.
CHANGING_KEY = "afterword.site_versions_changing"
# The attributes of a user that the staff's names depend on.
_USER_FIELDS = ("name", "role")


class SiteVersion(Model):
    """One area's version; the rows are made with the table (see `_seed`)."""

    __tablename__ = "site_versions"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)


def seed_site_versions(connection: Connection) -> None:
    """The table's rows, one per area (the migration writes them; so does a table made by create_all)."""
    connection.execute(insert(SiteVersion.__table__), [{"name": area, "version": 1} for area in AREAS])


@event.listens_for(SiteVersion.__table__, "after_create")
def _seed(table: Table, connection: Connection, **_: object) -> None:
    seed_site_versions(connection)


def bump_site_versions(connection: Connection, areas: set[str]) -> None:
    """Raise the versions of these areas."""
    if areas:
        table = SiteVersion.__table__
        connection.execute(update(table).where(table.c.name.in_(sorted(areas))).values(version=table.c.version + 1))


def _touched(session: Session) -> set[str]:
    areas: set[str] = set()
    for target in (*session.new, *session.deleted):
        if isinstance(target, Setting):
            areas.add(SETTINGS)
        elif isinstance(target, Ban):
            areas.add(BANS)
        elif isinstance(target, SpamModel):
            areas.add(SPAM_MODEL)
        elif isinstance(target, User):
            areas.add(STAFF)
    for target in session.dirty:
        if isinstance(target, Setting) and session.is_modified(target):
            areas.add(SETTINGS)
        elif isinstance(target, Ban) and session.is_modified(target):
            areas.add(BANS)
        elif isinstance(target, SpamModel) and session.is_modified(target):
            areas.add(SPAM_MODEL)
        elif isinstance(target, User):
            state: InstanceState[User] = inspect(target)  # the attributes' history, without a query
            if any(state.attrs[name].history.has_changes() for name in _USER_FIELDS):
                areas.add(STAFF)
    return areas


@event.listens_for(Session, "after_flush")
def _raise_site_versions(session: Session, flush_context: UOWTransaction) -> None:
    areas = _touched(session)
    if areas:
        bump_site_versions(session.connection(), areas)
        session.info.pop(SESSION_KEY, None)
        session.info[CHANGING_KEY] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_versions(session: Session, *_: object) -> None:
    session.info.pop(SESSION_KEY, None)
    session.info.pop(CHANGING_KEY, None)
