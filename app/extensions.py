"""Flask extensions, created unbound and bound to an app in create_app()."""

import sqlite3
from typing import TYPE_CHECKING, Any, ClassVar

from apispec import BasePlugin
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase

from app.error_shape import ErrorSchema
from app.ratelimit import client_key


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints predictably."""

    if TYPE_CHECKING:
        # Every model maps a Table (none a join or a select), which SQLAlchemy types only as a FromClause.
        __table__: ClassVar[Table]

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

# Waiting for another process's write, a SQLite connection gives up after this long (a web request's patience).
SQLITE_BUSY_TIMEOUT_MS = 5000
# Prepared statements a SQLite connection keeps for reuse (Python's default is 128). A statement with a list of
# ids (`IN (?, ?, ...)`) is a new statement for every length, and SQLite's program for one with hundreds of ids
# takes tens of KiB, so 128 of them held some 7 MiB per worker. 32 still holds every statement a post and the
# reads after it repeat (about 20).
SQLITE_CACHED_STATEMENTS = 32


@event.listens_for(Engine, "do_connect")
def sqlite_statement_cache(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
    """Bound the prepared statements each SQLite connection keeps (see SQLITE_CACHED_STATEMENTS), unless the
    engine's options name their own number."""
    if dialect.name == "sqlite":
        cparams.setdefault("cached_statements", SQLITE_CACHED_STATEMENTS)


@event.listens_for(Engine, "connect")
def sqlite_pragmas(connection: Any, record: Any) -> None:
    """A SQLite file in write-ahead-log mode: readers never wait for a writer nor block one, and a commit
    appends to the log with one fsync (synchronous=FULL keeps every acknowledged write through a power cut)
    where the default rollback journal takes several. In-memory databases (the tests') stay as they are."""
    if not isinstance(connection, sqlite3.Connection):
        return
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in {"memory", "wal"}:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


# Flask-SQLAlchemy builds db.Model from Base at run time, which mypy cannot follow; the models subclass this name.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_key)


class SchemaRulesPlugin(BasePlugin):
    """Writes a schema's OPENAPI_RULES (anyOf, oneOf: rules between fields, which no single field can state) into
    its component of the OpenAPI document, beside the properties marshmallow describes."""

    def schema_helper(self, name, definition, **kwargs):
        rules = dict(getattr(kwargs.get("schema"), "OPENAPI_RULES", None) or {})
        properties = definition.get("properties")
        if properties:
            rules["properties"] = {key: _only_null_besides(value) for key, value in properties.items()}
        return rules


# apispec writes a nullable nested schema as "the schema, or any object that may be null" (OpenAPI 3.0 has no
# plain null type), which tells a client that any object will do; this says "the schema, or null".
_ANY_OBJECT_OR_NULL = {"type": "object", "nullable": True}


def _only_null_besides(prop: dict) -> dict:
    if _ANY_OBJECT_OR_NULL not in prop.get("anyOf", []):
        return prop
    choices = [{**choice, "enum": [None]} if choice == _ANY_OBJECT_OR_NULL else choice for choice in prop["anyOf"]]
    return {**prop, "anyOf": choices}


class AfterwordApi(Api):
    """flask-smorest's Api, documenting our error format instead of its own, and the rules between fields."""

    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, **kwargs):
        kwargs["extra_plugins"] = [*kwargs.get("extra_plugins", ()), SchemaRulesPlugin()]
        super()._init_spec(**kwargs)


api = AfterwordApi()
