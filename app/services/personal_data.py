"""A commenter's own data: what is stored about them, and how long the networks they wrote from are kept.

Networks (`ip_network`, a /24 or /56 prefix, never a full address) sit on comments, flags and correction requests.
They serve the rate limits' and spam checks' look back over recent activity and let a moderator ban a network
from a comment; after PRIVACY_NETWORK_DAYS they are dropped (`flask privacy purge`, docs/operations.md). Bans are
the site's own safety record and keep the network they name.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import Comment, CorrectionRequest, Flag
from app.models.types import utcnow


@dataclass(frozen=True)
class NetworksPurged:
    """How many rows lost their stored network, per kind of row."""

    comments: int
    flags: int
    correction_requests: int

    @property
    def total(self) -> int:
        return self.comments + self.flags + self.correction_requests


def purge_networks(days: int) -> NetworksPurged:
    """Drop the networks stored with comments, flags and correction requests made more than `days` days ago; rows
    that have none already are not counted, so running it again clears nothing more. Commits."""
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = utcnow() - timedelta(days=days)
    counts = []
    for model in (Comment, Flag, CorrectionRequest):
        result = db.session.execute(
            update(model)
            .where(model.created_at < cutoff, model.ip_network.is_not(None))
            .values(ip_network=None)
            .execution_options(synchronize_session=False)
        )
        counts.append(result.rowcount)  # type: ignore[attr-defined]
    db.session.commit()
    db.session.expire_all()
    return NetworksPurged(*counts)
