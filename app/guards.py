"""What every request must pass before a view reads it, the same on SQLite and PostgreSQL.

- Ids: `<int:…>` in any route is a whole number from 1 to MAX_ID; a larger one names nothing (404), and so does
  a page or an id in a query string that no database integer can hold.
- Text: no NUL character and no unpaired surrogate in the path, the query, a form or a JSON body. PostgreSQL
  cannot store the first and UTF-8 cannot encode the second; they are refused (422 from the API, 400 from a
  page), never stored on one database and a crash on the other, and never silently removed.
- JSON: nested at most MAX_JSON_DEPTH levels, numbers of at most as many digits as Python reads (400 or 422
  rather than a RecursionError or a ValueError deep in a parser).
- Size: a body sent in chunks (no Content-Length) over MAX_CONTENT_LENGTH is a 413, as a declared one is.
"""

import json
import re
import sys
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map, ValidationError

from app.errors import wants_json
from app.models.types import MAX_ID
from app.services.errors import ServiceError
from app.services.text import storable, whole_number

# Far deeper than any request body of ours (an article with its guest byline is two levels), far shallower than
# the parser's recursion limit.
MAX_JSON_DEPTH = 32
# Query arguments that carry a page number or an id on the site's pages (the API's schemas bound their own; the
# desk's ?comment= answers a missing comment itself, naming what was asked).
QUERY_NUMBERS = ("page", "request", "from", "reply_to", "thread", "after", "before")
UNSTORABLE_TEXT = "Text may not contain NUL characters (U+0000) or unpaired surrogates (U+D800 to U+DFFF)."
NUMBER_TOO_LONG = "A number of more than {digits:,} digits cannot be read."

# A JSON string (escapes included) or a bracket: enough to measure nesting without parsing.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a whole number from 1 to MAX_ID, or no match at all (404). The OpenAPI document
    shows the bounds (flask-smorest reads min and max from integer converters)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)

    def to_python(self, value: str) -> Any:
        # int() refuses thousands of digits with a ValueError (a 500 here); more digits than MAX_ID has is no id.
        if len(value.lstrip("0")) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


class _Overlong:
    """Stands in for a JSON number too long to read, so the field holding it can be named."""


OVERLONG = _Overlong()


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text opens more than `limit` arrays or objects inside one another (strings skipped)."""
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > limit:
                return True
        elif token == "]" or token == "}":
            depth -= 1
    return False


def _int_or_overlong(digits: str) -> int | _Overlong:
    if len(digits.lstrip("-")) > sys.get_int_max_str_digits():
        return OVERLONG
    return int(digits)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (ValueError, so request.get_json() answers 400) what nests too deep."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8") if isinstance(s, bytes) else s
        if json_too_deep(text):
            raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
        return super().loads(text, **kwargs)


def _name(path: str, key: str) -> str:
    shown = key if storable(key) else re.sub("[\x00\ud800-\udfff]", "\ufffd", key)
    return f"{path}.{shown}" if path else shown


def unreadable_fields(data: Any) -> dict[str, str]:
    """Every place in parsed JSON holding unstorable text or a number too long to read, named as the API's
    validation errors name fields ("guest_author.name", "prompted_by.0"; "_schema" for the whole body)."""
    problems: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                name = _name(path, key)
                if not storable(key):
                    problems[name] = UNSTORABLE_TEXT
                stack.append((name, child))
        elif isinstance(value, list):
            stack.extend((_name(path, str(index)), child) for index, child in enumerate(value))
        elif isinstance(value, str) and not storable(value):
            problems[path or "_schema"] = UNSTORABLE_TEXT
        elif value is OVERLONG:
            problems[path or "_schema"] = NUMBER_TOO_LONG.format(digits=sys.get_int_max_str_digits())
    return problems


def _check_streamed_size() -> None:
    """A chunked body carries no Content-Length, and Werkzeug quietly cuts it at the limit: refuse it instead."""
    limit = request.max_content_length
    if limit is None or request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
        return
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def _check_path_and_query() -> dict[str, str]:
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and not storable(value):
            abort(404)  # no slug or name holds such a character, so nothing is there
    problems = {
        _name("", key): UNSTORABLE_TEXT
        for key, value in request.args.items(multi=True)
        if not (storable(key) and storable(value))
    }
    if not wants_json():
        for key in QUERY_NUMBERS:
            # Digits beyond the largest id name no page and no row (int() would refuse thousands of them); what
            # is not a number at all the view reads as absent.
            digits = request.args.get(key, "").strip().lstrip("+-")
            if digits.isascii() and digits.isdigit() and whole_number(digits) is None:
                abort(404)
    return problems


def _check_form() -> dict[str, str]:
    return {
        _name("", key): UNSTORABLE_TEXT
        for key, value in request.form.items(multi=True)
        if not (storable(key) and storable(value))
    }


def _invalid_json(why: str) -> ServiceError:
    return ServiceError(f"The request body is not valid JSON: {why}.", code="invalid_json", status=400)


def _check_json() -> dict[str, str]:
    if not request.is_json:
        return {}
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid_json("it is not UTF-8") from None
    if json_too_deep(text):
        raise _invalid_json(f"it is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        data = json.loads(text, parse_int=_int_or_overlong)
    except ValueError:
        return {}  # malformed: whoever reads it answers 400 invalid_json
    return unreadable_fields(data)


def check_request() -> None:
    """Refuse, before any view or extension reads it, a request that no database could store the same way."""
    _check_streamed_size()
    problems = _check_path_and_query() | _check_form() | _check_json()
    if problems:
        if wants_json():
            raise ServiceError("Some fields are not valid.", fields=problems)
        raise ServiceError(" ".join(sorted(set(problems.values()))), fields=problems, status=400)


def register(app: Flask) -> None:
    """Bounded ids in every route (before any blueprint adds one), the JSON reader, and the request checks
    (first of all before_request functions, so the rate limiter's keys never read an unchecked body)."""
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(check_request)
