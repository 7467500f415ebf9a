"""Where the classifier's token counts live: the shipped bootstrap model (a gzipped JSON file, read into
memory) and what this site learned from its moderators (`spam_tokens`, `spam_stats`, shared by every
server process)."""

import functools
import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Case, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import SpamStats, SpamToken
from app.models.types import utcnow

BOOTSTRAP_PATH = Path(__file__).with_name("bootstrap_model.json.gz")
MODEL_FORMAT = 1
# Tokens per SQL statement, well under the databases' limits on bound parameters.
BATCH = 500


class TokenCounts(Protocol):
    """Where token counts come from: the shipped model, the database, or a model built in memory."""

    def documents(self) -> tuple[int, int]:
        """How many spam and ham comments were learned."""

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(spam, ham) comment counts of each known token among `tokens`."""


@dataclass
class MemoryCounts:
    """Token counts held in memory: the bootstrap model, and the models the benchmark trains."""

    spam: int = 0
    ham: int = 0
    tokens: dict[str, list[int]] = field(default_factory=dict)

    def documents(self) -> tuple[int, int]:
        """How many spam and ham comments were learned."""
        return self.spam, self.ham

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(spam, ham) comment counts of each known token among `tokens`."""
        known = self.tokens
        return {token: (known[token][0], known[token][1]) for token in tokens if token in known}

    def learn(self, tokens: Iterable[str], is_spam: bool) -> None:
        """Count one comment's tokens as spam or ham."""
        column = 0 if is_spam else 1
        for token in tokens:
            self.tokens.setdefault(token, [0, 0])[column] += 1
        if is_spam:
            self.spam += 1
        else:
            self.ham += 1

    def pruned(self, min_count: int, drop_prefixes: tuple[str, ...] = ()) -> "MemoryCounts":
        """A copy without tokens seen in fewer than `min_count` comments, or starting with one of `drop_prefixes`."""
        kept = {
            token: list(pair)
            for token, pair in self.tokens.items()
            if sum(pair) >= min_count and not token.startswith(drop_prefixes)
        }
        return MemoryCounts(self.spam, self.ham, kept)

    def save(self, path: Path, source: str) -> None:
        """Write the model as gzipped JSON, byte for byte the same for the same counts."""
        data = {
            "format": MODEL_FORMAT,
            "source": source,
            "documents": {"spam": self.spam, "ham": self.ham},
            "tokens": {token: self.tokens[token] for token in sorted(self.tokens)},
        }
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
            handle.write(payload)

    @classmethod
    def load(cls, path: Path) -> "MemoryCounts":
        """Read a model written by `save`."""
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path}: unknown model format {data.get('format')!r}")
        tokens = {token: [int(spam), int(ham)] for token, (spam, ham) in data["tokens"].items()}
        return cls(int(data["documents"]["spam"]), int(data["documents"]["ham"]), tokens)


class DatabaseCounts:
    """What this site learned, read from `spam_tokens` and `spam_stats`."""

    def documents(self) -> tuple[int, int]:
        """How many spam and ham comments the site learned (one query)."""
        row = db.session.execute(
            select(SpamStats.spam_documents, SpamStats.ham_documents).where(SpamStats.id == SpamStats.ROW_ID)
        ).first()
        return (row.spam_documents, row.ham_documents) if row is not None else (0, 0)

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """The site's counts of those tokens it has seen (one query per BATCH tokens)."""
        tokens = sorted(set(tokens))
        found = {}
        for start in range(0, len(tokens), BATCH):
            rows = db.session.execute(
                select(SpamToken.token, SpamToken.spam_count, SpamToken.ham_count).where(
                    SpamToken.token.in_(tokens[start : start + BATCH])
                )
            )
            found.update({token: (spam, ham) for token, spam, ham in rows})
        return found


@functools.lru_cache(maxsize=4)
def load_bootstrap(path: str) -> MemoryCounts:
    """The shipped model, read once per process (and per path)."""
    return MemoryCounts.load(Path(path))


def _upsert(dialect: str) -> Callable[[type[Any]], postgresql.Insert | sqlite.Insert]:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def add_counts(tokens: dict[str, tuple[int, int]], spam_documents: int, ham_documents: int) -> None:
    """Add to the site's counts in the caller's transaction, one statement per batch of tokens.

    INSERT ... ON CONFLICT adds to the stored values in the database itself, so two processes
    learning at once both count, and no row has to be read first.
    """
    insert = _upsert(db.session.get_bind().dialect.name)
    # Sorted, so that concurrent learners lock the rows they share in the same order (no deadlock).
    rows = [{"token": token, "spam_count": spam, "ham_count": ham} for token, (spam, ham) in sorted(tokens.items())]
    for start in range(0, len(rows), BATCH):
        statement = insert(SpamToken).values(rows[start : start + BATCH])
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SpamToken.token],
                set_={
                    "spam_count": SpamToken.spam_count + statement.excluded.spam_count,
                    "ham_count": SpamToken.ham_count + statement.excluded.ham_count,
                },
            )
        )
    statement = insert(SpamStats).values(
        id=SpamStats.ROW_ID, spam_documents=spam_documents, ham_documents=ham_documents, updated_at=utcnow()
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[SpamStats.id],
            set_={
                "spam_documents": SpamStats.spam_documents + statement.excluded.spam_documents,
                "ham_documents": SpamStats.ham_documents + statement.excluded.ham_documents,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


def _decrement(column: InstrumentedAttribute[int]) -> Case[int]:
    # Never below zero: unlearning what the counts no longer hold (e.g. after a reset) is a no-op.
    return case((column > 0, column - 1), else_=0)


def subtract_counts(tokens: Iterable[str], is_spam: bool) -> None:
    """Take one comment's tokens back out of the spam or ham counts, in the caller's transaction."""
    ordered = sorted(set(tokens))
    column = SpamToken.spam_count if is_spam else SpamToken.ham_count
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        db.session.execute(update(SpamToken).where(SpamToken.token.in_(batch)).values({column.key: _decrement(column)}))
        # Rows that fall back to nothing go, so learning then unlearning leaves the table as it was.
        db.session.execute(
            delete(SpamToken).where(SpamToken.token.in_(batch), SpamToken.spam_count == 0, SpamToken.ham_count == 0)
        )
    documents = SpamStats.spam_documents if is_spam else SpamStats.ham_documents
    db.session.execute(
        update(SpamStats)
        .where(SpamStats.id == SpamStats.ROW_ID)
        .values({documents.key: _decrement(documents), "updated_at": utcnow()})
    )
