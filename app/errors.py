"""Error responses: JSON `{"error": {code, message, fields}}` for the API, a page for everything else."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from app.services.errors import ServiceError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
}

MESSAGES = {
    400: "The request could not be understood.",
    401: "Sign in, or send a valid API token as `Authorization: Bearer <token>`.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    413: "The request is too large.",
    415: "Send the request body as JSON (Content-Type: application/json).",
    422: "Some fields are not valid.",
    429: "Too many requests; wait a little and try again.",
    500: "Something went wrong on our side; nothing you sent was kept.",
}


def wants_json() -> bool:
    """API paths always answer in JSON."""
    return request.path.startswith("/api/")


def flatten_messages(messages, prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested {field: [messages]} into {"a.b": "message; message"}."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(flatten_messages(value, name))
            else:
                items = value if isinstance(value, list) else [value]
                flat[name] = "; ".join(str(item) for item in items)
    elif messages:
        items = messages if isinstance(messages, list) else [messages]
        flat[prefix or "_schema"] = "; ".join(str(item) for item in items)
    return flat


def script_wants_json() -> bool:
    """A page's script acting in place asks for JSON; a plain form post gets a page or a redirect."""
    return request.accept_mimetypes.best == "application/json"


def attach_errors(form, error: ServiceError) -> None:
    """Put each message of a service error next to its field; messages about hidden or unknown fields
    go above the form."""
    for field, message in (error.fields or {None: error.message}).items():
        target = getattr(form, field or "", None)
        if target is None or target.type == "HiddenField":
            form.form_errors.append(message)
        else:
            target.errors.append(message)


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers=None, **extra):
    """The one shape every API error takes (`extra`: more top-level keys, e.g. a fresh CSRF token)."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}, **extra})
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


def http_error(error: HTTPException):
    status = error.code or 500
    if wants_json():
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or {}
        # webargs nests messages under the location ("json", "query"); the location is noise to a client.
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in {"json", "query", "form"}:
            messages = next(iter(messages.values()))
        fields = flatten_messages(messages) if messages else {}
        code = data.get("code") or CODES.get(status, "error")
        message = data.get("message") or _description(error)
        if status == 400 and "_schema" in fields and "Invalid JSON" in fields["_schema"]:
            code, message, fields = "invalid_json", "The request body is not valid JSON.", {}
        if status == 429:
            message = f"Too many requests ({error.description}); wait a little and try again."
        return json_error(status, code, message, fields, headers=_passed_headers(error))
    description = (
        _description(error)
        if status != 429
        else f"Too many attempts ({error.description}). Wait a little and try again."
    )
    response = render_template("errors/error.html", status=status, title=error.name, description=description)
    return response, status, _passed_headers(error)


def _description(error: HTTPException) -> str:
    """A description given to abort() wins; otherwise our own wording for the status."""
    if error.description and error.description != type(error).description:
        return error.description
    return MESSAGES.get(error.code or 500, error.description)


def _passed_headers(error: HTTPException) -> list:
    # Keep headers the exception carries, such as Allow on a 405; drop the HTML content type.
    response = getattr(error, "response", None)
    if response is not None:
        return [(k, v) for k, v in response.headers.items() if k.lower() != "content-type"]
    headers = error.get_headers() if hasattr(error, "get_headers") else []
    return [(k, v) for k, v in headers if k.lower() != "content-type"]


def _service_error(error: ServiceError):
    if wants_json():
        return json_error(error.status, error.code, error.message, error.fields)
    description = error.message
    return render_template(
        "errors/error.html", status=error.status, title="That did not work", description=description
    ), error.status


def _server_error(error: InternalServerError):
    if wants_json():
        return json_error(500, "server_error", MESSAGES[500])
    return render_template("errors/error.html", status=500, title="Server error", description=MESSAGES[500]), 500


def register(app: Flask) -> None:
    """Install the handlers; registered after flask-smorest's, so they replace its JSON format."""
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(InternalServerError, _server_error)
