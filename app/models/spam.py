"""What the spam classifier learned on this site: the examples it learned from and each version of its model."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.comment import WEBSITE_MAX
from app.models.types import UTCDateTime, utcnow
from app.models.user import NAME_MAX

ORIGIN_MAX = 120


class SpamExample(Model):
    """One labelled comment the classifier learned from: a moderator's verdict, or a line of a training file.

    A reversed verdict adds a new example and marks the old one superseded, so the examples are a log
    and `flask spam retrain` learns each comment's latest label only.
    """

    __tablename__ = "spam_examples"
    __table_args__ = (Index("ix_spam_examples_superseded_at_id", "superseded_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The comment it came from (None for a training file's line, or once the comment is purged).
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), index=True)
    # "moderator" for a moderator's verdict; "file:<name>" for `flask spam train`.
    origin: Mapped[str] = mapped_column(String(ORIGIN_MAX))
    is_spam: Mapped[bool] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    website: Mapped[str | None] = mapped_column(String(WEBSITE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SpamExample {self.id} {'spam' if self.is_spam else 'ham'} {self.origin}>"


class SpamModel(Model):
    """One version of the site's classifier: its weights and how far its probabilities are stretched.

    Each lesson and each retraining adds a version; every server process scores with the newest one it
    has read and reads again when a newer one appears. Old versions are pruned (storage.KEEP_VERSIONS).
    """

    __tablename__ = "spam_models"

    # The version: each new model takes the next id, so two writers never both add the same version.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "shipped" (the bootstrap model as installed), "lesson" (one verdict learned), "retrain" or "file".
    kind: Mapped[str] = mapped_column(String(16))
    feature_version: Mapped[int] = mapped_column()
    # The float32 weights, little-endian (features.SIZE of them: 1 MiB).
    weights: Mapped[bytes] = mapped_column(LargeBinary)
    intercept: Mapped[float] = mapped_column(Float)
    # Platt scaling: probability = sigmoid(scale * (weights·x + intercept) + shift).
    scale: Mapped[float] = mapped_column(Float, default=1.0)
    shift: Mapped[float] = mapped_column(Float, default=0.0)
    # How many of this site's moderator verdicts the model has learned (the learning minimum counts these).
    decisions: Mapped[int] = mapped_column(default=0)
    # The newest example it has learned, so a retraining can replay what came in while it ran.
    examples_through: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<SpamModel v{self.id} {self.kind} decisions={self.decisions}>"
