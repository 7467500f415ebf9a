"""What a process builds from rarely changed data (the rules from the settings, the staff's names, the bans, the
spam model) kept in memory and built again only when the database says that data changed (models.site_state).

A request reads all the versions with one query, the first time it needs one; a change the request makes itself
drops what it read, so it never builds from data older than its own, and what it builds before committing that
change is not kept (the change may yet be rolled back).
"""

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import SiteVersion
from app.models.site_state import CHANGING_KEY, SESSION_KEY

T = TypeVar("T")
EXTENSION = "afterword.site_memory"
# Built once, on the table: the session runs it without the ORM's work on each execution (it loads no objects).
_VERSIONS = select(SiteVersion.__table__.c.name, SiteVersion.__table__.c.version)


def current_versions() -> dict[str, int]:
    """Every area's version, read once per transaction of the session."""
    info = db.session.info
    versions = info.get(SESSION_KEY)
    if versions is None:
        versions = {name: version for name, version in db.session.execute(_VERSIONS)}
        info[SESSION_KEY] = versions
    return cast(dict[str, int], versions)


def remembered(area: str, build: Callable[[], T], inputs: Hashable = None) -> T:
    """What `build` makes from `area`'s data (and `inputs`, anything else it reads, such as configuration), made
    again only when the area's version or the inputs have changed since.

    Kept per app (a process may hold apps on different databases, as the tests do). Without a version for the
    area (a database missing the row), it is built every time.
    """
    version = current_versions().get(area)
    memory: dict[str, tuple[int, Hashable, object]] = current_app.extensions.setdefault(EXTENSION, {})
    kept = memory.get(area)
    if version is not None and kept is not None and kept[0] == version and kept[1] == inputs:
        return cast(T, kept[2])
    value = build()
    if version is not None and not db.session.info.get(CHANGING_KEY):
        memory[area] = (version, inputs, value)
    return value
