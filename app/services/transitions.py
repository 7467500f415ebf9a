"""State machines as data: a table of {action: (the states it may start from, the state it leads to)}, and the
one check every move passes (comments in moderation, correction requests on the author's desk)."""

from collections.abc import Collection, Mapping
from typing import TypeVar

from app.services.errors import ServiceError

State = TypeVar("State")
Target = TypeVar("Target")


def next_state(
    table: Mapping[str, tuple[Collection[State], Target]], action: str, current: State, *, unknown: str, refused: str
) -> Target:
    """Where `action` leads from `current`; `unknown` (422, field "action") or `refused` (409) otherwise."""
    if action not in table:
        raise ServiceError(unknown, field="action")
    sources, target = table[action]
    if current not in sources:
        raise ServiceError(refused, code="invalid_transition", status=409)
    return target
