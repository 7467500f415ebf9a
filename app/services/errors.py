"""The error every service raises for input it refuses: a code, a message, and the field concerned."""

from collections.abc import Callable, Iterable
from typing import Any


class ServiceError(Exception):
    """Bad input or a conflict, explained. Views turn it into a form error or a JSON error."""

    status = 422

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "validation_failed",
        status: int | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field or (next(iter(fields)) if fields else None)
        self.code = code
        self._fields = fields
        if status is not None:
            self.status = status

    @property
    def fields(self) -> dict[str, str]:
        """Every field concerned and its message (several when a form had several problems)."""
        if self._fields:
            return dict(self._fields)
        return {self.field: self.message} if self.field else {}

    def renamed(self, names: dict[str, str]) -> "ServiceError":
        """The same error with its fields named otherwise (e.g. as an API promised them before a rename)."""
        fields = {names.get(name, name): message for name, message in self.fields.items()}
        return ServiceError(self.message, code=self.code, status=self.status, fields=fields or None)

    @classmethod
    def collect(cls, checks: Iterable[tuple[str, Callable[[], Any]]]) -> list[Any]:
        """Run (field, check) pairs; return their results, or raise one error naming every field that failed."""
        results: list[Any] = []
        problems: dict[str, str] = {}
        for field, check in checks:
            try:
                results.append(check())
            except cls as error:
                problems.update(error.fields or {field: error.message})
                results.append(None)
        if len(problems) == 1:
            field, message = next(iter(problems.items()))
            raise cls(message, field=field)
        if problems:
            raise cls("Some fields need attention.", fields=problems)
        return results
