"""The error every service raises for input it refuses: a code, a message, and the field concerned."""


class ServiceError(Exception):
    """Bad input or a conflict, explained. Views turn it into a form error or a JSON error."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str = "validation_failed", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        if status is not None:
            self.status = status

    @property
    def fields(self) -> dict[str, str]:
        return {self.field: self.message} if self.field else {}
