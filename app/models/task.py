"""Work done after the answer: each task is written in the same transaction as the change that asks for it, so
it exists exactly when that change was committed, and stays until a runner has done it (app/services/tasks.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

KIND_MAX = 40
# The daily digest's kind (services.staff_mail.DIGEST_TASK), named here for the index below.
DIGEST_KIND = "staff_mail.digest"
# At most one daily digest waits for any one time: two runners that each saw none planned (a moment apart, in
# transactions of their own) would otherwise both plan it, and the moderators could get that day's digest twice.
ONE_DIGEST_A_TIME = f"kind = '{DIGEST_KIND}' AND done_at IS NULL AND failed_at IS NULL"


class Task(Model):
    """One piece of after-answer work, e.g. `spam.learn` for one comment.

    Pending while `done_at` and `failed_at` are empty. A runner claims it by setting `claimed_until`; if the
    runner dies, the claim runs out and another runner takes it again. `attempts` counts the claims.
    """

    __tablename__ = "tasks"
    # Runners look for the oldest due task among those neither done nor given up.
    __table_args__ = (
        Index("ix_tasks_done_at_failed_at_run_after", "done_at", "failed_at", "run_after"),
        Index(
            "uq_tasks_pending_digest_run_after",
            "kind",
            "run_after",
            unique=True,
            sqlite_where=text(ONE_DIGEST_A_TIME),
            postgresql_where=text(ONE_DIGEST_A_TIME),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(KIND_MAX))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Not run before this time: the creation time, or later after a failure (the backoff).
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the runners gave up after the last attempt allowed; `last_error` says why.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        state = "done" if self.done_at else "failed" if self.failed_at else "pending"
        return f"<Task {self.id} {self.kind} {state} attempts={self.attempts}>"
