"""Where the site's model lives: versions in the `spam_models` table, the newest read by every server process.

Each process keeps the version it last read, and learns that a newer one exists from the site's versions
(models.site_state), which every request reads in one query; when another process has learned a lesson or
retrained, it reads the new weights. Until the site has a version of its own, the shipped model is used.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import SpamModel
from app.models.site_state import SPAM_MODEL
from app.services.site_versions import remembered
from app.services.spam.features import FEATURE_VERSION
from app.services.spam.model import SHIPPED_PATH, LinearModel

# Versions kept besides the newest, for looking back; older ones are deleted as new ones are added.
KEEP_VERSIONS = 20
# A version is written by one process at a time: if another took the next number first, try again.
WRITE_ATTEMPTS = 5


@dataclass
class _Cached:
    version: int
    model: LinearModel


CACHE_KEY = "afterword.spam_model"


@functools.lru_cache(maxsize=2)
def shipped_model(path: str = str(SHIPPED_PATH)) -> LinearModel:
    """The model shipped with Afterword, read once per process."""
    return LinearModel.load(Path(path))


def _cached() -> _Cached | None:
    # Per app (a process may hold several apps on different databases, as the tests do).
    found = current_app.extensions.get(CACHE_KEY)
    return found if isinstance(found, _Cached) else None


def _remember(version: int, model: LinearModel) -> None:
    current_app.extensions[CACHE_KEY] = _Cached(version, model)


def newest_version() -> int:
    """The newest version number (0 when the site has none yet)."""
    return db.session.scalar(select(func.max(SpamModel.id))) or 0


def _row_model(row: SpamModel) -> LinearModel:
    return LinearModel(
        LinearModel.unpack_weights(row.weights),
        row.intercept,
        row.scale,
        row.shift,
        row.decisions,
        row.examples_through,
        row.feature_version,
    )


def current_model(use_shipped: bool = True, fresh: bool = False) -> tuple[int, LinearModel]:
    """The newest version and its model, read again only when a newer one exists (do not change it in place).

    Which version is newest is known from the site's versions (services.site_versions: no query while no model
    was added); `fresh` asks the database itself, for a learner about to write the next version.
    With no version of the site's own: the shipped model, or (use_shipped False) an empty one.
    """
    version = newest_version() if fresh else remembered(SPAM_MODEL, newest_version)
    cached = _cached()
    if cached is not None and cached.version == version:
        return version, cached.model
    row = db.session.get(SpamModel, version) if version else None
    if row is not None and row.feature_version == FEATURE_VERSION:
        model = _row_model(row)
    elif row is not None:  # a version for other features: start again, keeping what it knew of the decisions
        model = shipped_model().copy() if use_shipped else LinearModel()
        model.decisions, model.examples_through = row.decisions, row.examples_through
    else:
        model = shipped_model() if use_shipped else LinearModel()
    _remember(version, model)
    return version, model


def save_version(model: LinearModel, kind: str, note: str = "", expected: int | None = None) -> int | None:
    """Add `model` as the next version, in the caller's transaction, and prune old versions; return its number.

    With `expected`, the model was made from version `expected`: if another process added a version since,
    nothing is written and None is returned, so the caller can learn again on top of the newer one.
    """
    newest = newest_version()
    if expected is not None and newest != expected:
        return None
    version = newest + 1
    row = SpamModel(
        id=version,
        kind=kind,
        feature_version=model.feature_version,
        weights=model.packed_weights(),
        intercept=model.intercept,
        scale=model.scale,
        shift=model.shift,
        decisions=model.decisions,
        examples_through=model.examples_through,
        note=note,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # another process added this version between our read and our write
        return None
    db.session.execute(delete(SpamModel).where(SpamModel.id <= version - KEEP_VERSIONS - 1))
    _remember(version, model)
    return version


def forget_cached() -> None:
    """Drop what this process read (after a rollback, or in tests)."""
    current_app.extensions.pop(CACHE_KEY, None)
