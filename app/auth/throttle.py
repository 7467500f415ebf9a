"""Attempts at the site's doors (signing in, registering), counted as they arrive.

Flask-Limiter's decorators, told to count failures only, count a request after its response: guesses sent in
parallel all pass the check before any of them is counted. Here each attempt is counted on arrival against every
limit, before a password is looked at, in the limiter's storage (shared by every worker process: database:// or
redis://). A successful sign-in gives its attempt back, so only failures use the allowance.

Once a limit is reached, every attempt waits for the end of its window — the right password too — and is told so
in the same words, with the same wait: a guesser learns nothing from the answer.
"""

import math
import time
from dataclasses import dataclass, field

from flask import current_app
from limits import RateLimitItem, parse_many

from app.extensions import limiter


@dataclass
class Attempt:
    """One attempt at a door: the counters it was counted on, and how long to wait when one is over its limit."""

    counted: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)
    retry_after: int = 0  # seconds; 0 while every limit holds

    @property
    def refused(self) -> bool:
        return self.retry_after > 0

    def wait_in_words(self) -> str:
        """The wait as people say it: "42 seconds", "1 minute", "17 minutes"."""
        if self.retry_after < 60:
            return f"{self.retry_after} second{'' if self.retry_after == 1 else 's'}"
        minutes = math.ceil(self.retry_after / 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'}"

    def give_back(self) -> None:
        """Uncount this attempt (a successful sign-in), on every counter it was counted on."""
        for item, identifiers in self.counted:
            storage = limiter.limiter.storage
            key = item.key_for(*identifiers)
            if storage.get(key) > 0:
                storage.incr(key, item.get_expiry(), amount=-1)


def arrive(door: str, limits: list[tuple[str, str]]) -> Attempt:
    """Count an attempt at `door` ("login", "register") against each (limits, who) pair, e.g.
    ("5 per minute;20 per hour", "email:dana@example.org"); every counter counts it, even once one refuses."""
    attempt = Attempt()
    if not current_app.config["RATELIMIT_ENABLED"]:
        return attempt
    strategy = limiter.limiter
    now = time.time()
    for limit_value, who in limits:
        for item in parse_many(limit_value):
            identifiers = (door, who)
            attempt.counted.append((item, identifiers))
            if not strategy.hit(item, *identifiers):
                reset_at = strategy.get_window_stats(item, *identifiers).reset_time
                attempt.retry_after = max(attempt.retry_after, max(1, math.ceil(reset_at - now)))
    return attempt
