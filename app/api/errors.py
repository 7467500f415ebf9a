"""Documenting the JSON error responses of API views in the OpenAPI document, and naming fields as the API does."""

from collections.abc import Iterator
from contextlib import contextmanager

from app.error_shape import ErrorSchema
from app.services.errors import ServiceError

# Fields the API promised under another name before the code renamed them: the API keeps its names.
API_FIELD_NAMES = {"remark": "note"}

DESCRIPTIONS = {
    400: "Malformed JSON body",
    401: "Missing or invalid bearer token",
    403: "Not allowed for this account, or the thread is closed",
    404: "No such resource, or one you cannot see",
    409: "Conflict with the current state (e.g. the slug is taken)",
    413: "Request body too large",
    415: "Body is not JSON",
    422: "A field is not valid",
}


def documented_errors(blueprint):
    """A decorator factory: @errors(401, 404) adds those error responses to a view's documentation."""

    def errors(*statuses):
        def decorate(view):
            for status in statuses:
                view = blueprint.alt_response(status, schema=ErrorSchema, description=DESCRIPTIONS[status])(view)
            return view

        return decorate

    return errors


@contextmanager
def api_field_names() -> Iterator[None]:
    """Re-raise a service error with its fields named as the API names them (`remark` is the API's `note`)."""
    try:
        yield
    except ServiceError as error:
        raise error.renamed(API_FIELD_NAMES) from None
