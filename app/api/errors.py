"""Documenting the JSON error responses of API views in the OpenAPI document."""
from app.error_shape import ErrorSchema

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
