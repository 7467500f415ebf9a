"""What the spam checks exchange: the submission they look at, each check's verdict, and the combined screening.

A leaf module: it imports only models, so every check, the pipeline and the services that post
comments and requests can share these types without importing each other.
"""

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.models import Article, CommentStatus, RequestStatus, User

# A screening decides a comment's status or a correction request's, never a mix of the two.
StatusT = TypeVar("StatusT", CommentStatus, RequestStatus)


@dataclass
class Verdict:
    """One check's decision — pass, hold, spam, or reject (refused with `message` to the writer) — with why.

    `score` is the check's spam score from 0 to 1 (the classifier's probability; 1 for a certain rule).
    """

    action: str
    code: str
    message: str
    score: float = 0.0

    def as_reason(self) -> dict[str, str | float]:
        return {"code": self.code, "message": self.message, "action": self.action, "score": self.score}


@dataclass
class Screening(Generic[StatusT]):
    """The combined decision for a new comment."""

    status: StatusT
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def rule(self) -> str | None:
        """The code of the check that decided, for the moderation log."""
        deciding = [v for v in self.verdicts if v.action in {"spam", "hold"}]
        return deciding[0].code if deciding else None

    @property
    def reasons(self) -> list[dict[str, str | float]]:
        return [verdict.as_reason() for verdict in self.verdicts if verdict.action != "pass"]


@dataclass
class Submission:
    """What the checks look at: who writes, from where, on which article, and what they sent."""

    article: Article
    user: User | None
    email: str
    ip_network: str | None
    body: str
    # The comment as it will be shown (rendered and sanitised), for checks that count links.
    html: str = ""
    name: str = ""
    website: str | None = None
    # The request's details, for checks that need them (e.g. Akismet); never stored in full.
    ip_address: str | None = None
    user_agent: str = ""
    referrer: str = ""
    # Extra fields of the page form (honeypot, signed timestamp); None for API submissions.
    form: dict[str, str] | None = None
    # The comment answered, if this is a reply (Akismet tells comments and replies apart).
    parent_id: int | None = None
    # What a check worked out from the text and that later checks read too (spam.checks), worked out once.
    worked_out: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
