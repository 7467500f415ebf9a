"""The whole site in one file (`flask export FILE.json`), and that file read back into an empty site
(`flask import afterword FILE.json`): the format is documented in docs/import-export.md, "Taking everything out".

The file is one JSON object, written as it is read from the database, one row to a line:

    {"format": "afterword-export", "version": 1, "exported_at": "...",
     "tables": {"users": [{...}, ...], "articles": [...], ...}}

Each table is the list of its rows in the order of their key, each row an object of column: value (times in ISO
8601 UTC, states by their name). Ids are kept, so an import into an empty site puts every row back as it was.
`TABLES` is the site, in an order where each row's references come before it; `LEFT_OUT` is what a site rebuilds
or never moves. A new table goes in one of the two (tests/functional/test_site_export.py checks every table is in one).
"""

import enum
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import ijson
from sqlalchemy import Column, Enum, Table, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError

from app.extensions import db
from app.models import (
    Article,
    ArticleRevision,
    Ban,
    Comment,
    CommentRevision,
    CorrectionRequest,
    Flag,
    ModerationEvent,
    Note,
    NoteCitation,
    NoteRevision,
    Notification,
    Recipient,
    Setting,
    Site,
    SiteOrigin,
    SpamExample,
    StaffMailSettings,
    Subscription,
    User,
    Vote,
)
from app.models.site_state import AREAS, bump_site_versions
from app.models.types import UTCDateTime, utcnow
from app.services.errors import ServiceError

FORMAT = "afterword-export"
VERSION = 1
# Rows written to the database at a time by an import (and read from it at a time by an export).
BATCH = 500


def _unusable_password() -> str:
    # No "$" in it, so no password ever matches (werkzeug's check_password_hash): the account's owner sets one
    # through "Forgot your password?". Distinct per account, as the reset links are signed with it.
    return "!imported-" + secrets.token_hex(16)


@dataclass(frozen=True)
class Part:
    """One table of the site as the file holds it: the columns it never carries, and what an import puts there."""

    table: Table
    left_out: frozenset[str] = frozenset()
    # Values for left-out columns that have no default of their own, made once per row.
    fill: dict[str, Callable[[], Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.table.name

    def columns(self) -> list[Column[Any]]:
        return [column for column in self.table.columns if column.name not in self.left_out]


def _part(model: Any, left_out: tuple[str, ...] = (), **fill: Callable[[], Any]) -> Part:
    return Part(model.__table__, frozenset(left_out), fill)


# The site, parents before children. Users without their password hash and session key (an imported account
# sets a new password); everything else whole, emails and networks included: it is the operator's own file.
TABLES: tuple[Part, ...] = (
    _part(User, ("password_hash", "session_token"), password_hash=_unusable_password),
    _part(Site),
    _part(SiteOrigin),
    _part(Article),
    _part(ArticleRevision),
    _part(Comment),
    _part(CommentRevision),
    _part(Flag),
    _part(Vote),
    _part(Note),
    _part(NoteRevision),
    _part(NoteCitation),
    _part(CorrectionRequest),
    _part(ModerationEvent),
    _part(Ban),
    _part(Setting),
    _part(Recipient),
    _part(Subscription),
    _part(Notification),
    _part(StaffMailSettings),
    _part(SpamExample),
)

# Not the site: rebuilt, retrained or only meaningful to the running process. Each with the reason, for the docs.
LEFT_OUT: dict[str, str] = {
    "api_tokens": "API tokens are secrets; their owners make new ones",
    "tasks": "the work queue of the processes that ran the old site",
    "outbox": "mail already written (sent, or to be sent by the old site)",
    "rate_limit_counters": "short-lived counters",
    "sign_in_handoffs": "single-use sign-in tokens for framed discussions, valid for a minute",
    "site_versions": "cache versions, raised by the import",
    "spam_models": "the trained spam filter: `flask spam retrain` rebuilds it from the exported examples",
    "alembic_version": "the schema's version, set by `flask db upgrade`",
}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return lambda value: None if value is None else datetime.fromisoformat(value)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        states = kind.enum_class
        return lambda value: None if value is None else states(value)
    return lambda value: value


def export_site(out: IO[str]) -> dict[str, int]:
    """Write the whole site to `out` as the format above, a row at a time; returns the count of rows per table."""
    engine = db.engine
    # Every table read from one snapshot on PostgreSQL, so a comment written during the export cannot lose its
    # article. SQLite's driver reads each statement on its own: the docs say to export a SQLite site while it rests.
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        return _write(connection, out)


def _write(connection: Connection, out: IO[str]) -> dict[str, int]:
    header = {"format": FORMAT, "version": VERSION, "exported_at": utcnow().isoformat()}
    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ',\n "tables": {')
    counts: dict[str, int] = {}
    for index, part in enumerate(TABLES):
        out.write(("," if index else "") + f"\n  {json.dumps(part.name)}: [")
        columns = part.columns()
        statement = select(*columns).order_by(*part.table.primary_key.columns)
        written = 0
        for row in connection.execution_options(yield_per=BATCH).execute(statement):
            record = {column.name: _encode(value) for column, value in zip(columns, row, strict=True)}
            out.write(("," if written else "") + "\n   " + json.dumps(record, ensure_ascii=False, sort_keys=True))
            written += 1
        out.write("\n  ]" if written else "]")
        counts[part.name] = written
    out.write("\n }\n}\n")
    return counts


def site_contents() -> dict[str, int]:
    """The rows each of the site's tables holds now (those that hold any)."""
    found = {}
    for part in TABLES:
        count = db.session.scalar(select(func.count()).select_from(part.table)) or 0
        if count:
            found[part.name] = count
    return found


def _refuse(message: str) -> ServiceError:
    return ServiceError(message, code="not_importable")


def _records(raw: IO[bytes]) -> Iterator[tuple[str, dict[str, Any]]]:
    """("header", {format, version, ...}) when "tables" begins, ("table", {name}) as each table begins, then
    (table, row) for each of its rows: one row in memory at a time."""
    header: dict[str, Any] = {}
    builder: Any = None
    table = ""
    try:
        for prefix, event, value in ijson.parse(raw, use_float=True):
            if builder is not None:
                builder.event(event, value)
                if prefix == f"tables.{table}.item" and event == "end_map":
                    yield table, builder.value
                    builder = None
            elif prefix == "" and event == "map_key" and value == "tables":
                yield "header", header
            elif prefix in {"format", "version"} and event in {"string", "number"}:
                header[prefix] = value
            elif prefix == "tables" and event == "map_key":
                table = value
                yield "table", {"name": table}
            elif prefix == f"tables.{table}.item" and event == "start_map":
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
            elif prefix == f"tables.{table}.item":
                raise _refuse(f"The table {table!r} holds something other than rows ({event}).")
    except ijson.JSONError as error:
        raise _refuse(f"The file is not valid JSON (or ends too early): {error}") from error


@dataclass
class Loaded:
    """What an import wrote: rows per table, in the file's order."""

    counts: dict[str, int] = field(default_factory=dict)


class _Table:
    """Rows of one table on their way into the database, in batches.

    A row that refers to a row of its own table further on in the file (a reply filed before the comment it
    answers, as an import from another platform can leave it) is written without that reference, which is set
    once the whole table is in: PostgreSQL checks every reference as the row is written."""

    def __init__(self, part: Part, connection: Connection) -> None:
        self.part = part
        self.connection = connection
        self.decoders = {column.name: _decoder(column) for column in part.columns()}
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        keys = list(part.table.primary_key.columns)
        self.key = keys[0].name if len(keys) == 1 else ""
        self.own_references = [
            column.name
            for column in part.columns()
            if self.key and any(key.column.table is part.table for key in column.foreign_keys)
        ]
        self.seen: set[Any] = set()
        self.later: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        unknown = set(row) - set(self.decoders)
        if unknown:
            where = f"{self.part.name} row {self.count + 1}"
            raise _refuse(f"{where} has columns this site does not know: {', '.join(sorted(unknown))}.")
        try:
            record = {name: decode(row.get(name)) for name, decode in self.decoders.items() if name in row}
        except (TypeError, ValueError) as error:
            raise _refuse(
                f"{self.part.name} row {self.count + 1} has a value this site cannot read: {error}."
            ) from error
        for name, make in self.part.fill.items():
            record[name] = make()
        if self.own_references:
            references = ((name, record.get(name)) for name in self.own_references)
            ahead = {name: value for name, value in references if value is not None and value not in self.seen}
            if ahead:
                self.later.append({"_key": record[self.key], **ahead})
                record.update(dict.fromkeys(ahead))
            self.seen.add(record.get(self.key))
        self.rows.append(record)
        self.count += 1
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        # Every row of a batch is written with the same columns (the union of theirs; one without a column gets None).
        if self.rows:
            names = set().union(*self.rows)
            self.connection.execute(insert(self.part.table), [{n: r.get(n) for n in names} for r in self.rows])
            self.rows = []

    def finish(self) -> None:
        """Write what is left, then the references that pointed further on."""
        self.flush()
        table, key = self.part.table, self.key
        for fix in self.later:
            values = {name: value for name, value in fix.items() if name != "_key"}
            self.connection.execute(update(table).where(table.c[key] == fix["_key"]).values(**values))
        self.later = []


def import_site(raw: IO[bytes], *, dry_run: bool = False) -> Loaded:
    """Read an export into this site, which must be empty; every row keeps its id. All or nothing: any problem
    in the file leaves the site as it was (ServiceError with the reason)."""
    found = site_contents()
    if found:
        held = ", ".join(f"{count} {name}" for name, count in found.items())
        raise _refuse(f"This site is not empty ({held}): an Afterword export is imported into an empty site only.")
    parts = {part.name: index for index, part in enumerate(TABLES)}
    connection = db.session.connection()
    loaded = Loaded()
    header_read = False
    current: _Table | None = None
    try:
        for kind, record in _records(raw):
            if kind == "header":
                _check_header(record)
                header_read = True
            elif kind == "table":
                name = record["name"]
                if name not in parts:
                    raise _refuse(f"The file has a table this site does not know: {name!r}.")
                if current is not None:
                    current.finish()
                    if parts[name] <= parts[current.part.name]:
                        raise _refuse(f"The table {name!r} comes too late in the file (after {current.part.name!r}).")
                current = _Table(TABLES[parts[name]], connection)
                loaded.counts[name] = 0
            elif current is not None:
                current.add(record)
                loaded.counts[current.part.name] = current.count
        if not header_read:
            raise _refuse("The file has no tables: is it an Afterword export?")
        if current is not None:
            current.finish()
        _restart_sequences(connection)
        bump_site_versions(connection, set(AREAS))
    except (IntegrityError, DataError) as error:
        db.session.rollback()
        reason = str(error.orig).splitlines()[0] if error.orig else str(error)
        raise _refuse(f"The database refused the file's rows ({reason}).") from error
    except Exception:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return loaded


def _check_header(header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise _refuse(f"This is not an Afterword export (its format is {header.get('format')!r}).")
    version = header.get("version")
    if not isinstance(version, int) or not 1 <= version <= VERSION:
        raise _refuse(
            f"This export is of version {version!r}; this site reads version {VERSION}. "
            "Upgrade Afterword here to the version that wrote it (or a later one) first."
        )


def _restart_sequences(connection: Connection) -> None:
    """On PostgreSQL, point each id sequence past the ids the import wrote (SQLite follows the largest id itself)."""
    if connection.dialect.name != "postgresql":
        return
    for part in TABLES:
        keys = list(part.table.primary_key.columns)
        if len(keys) != 1 or keys[0].foreign_keys or keys[0].type.python_type is not int:
            continue
        # pg_get_serial_sequence gives NULL for a column without a sequence, and setval(NULL, ...) does nothing.
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{keys[0].name}") FROM "{part.name}"), 0) + 1, false)'
            ),
            {"table": part.name, "column": keys[0].name},
        )
