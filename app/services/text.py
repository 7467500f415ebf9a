"""Plain-text hygiene for what people type (control characters, unpaired surrogates and direction overrides
out), and the checks every service applies to required text, to ids written as text and to web addresses."""

import re
import unicodedata
from urllib.parse import urlsplit

from markupsafe import Markup

from app.models.types import MAX_ID
from app.services.errors import ServiceError

# Embedding, override and isolate controls can make text display in an order other than the one typed.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# PostgreSQL cannot store NUL in text, and an unpaired surrogate (only JSON's "\ud800" escapes make one) cannot
# be written as UTF-8 at all: neither is a character anyone typed.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Characters that never belong in a web address: controls (NUL among them), invisible format characters and
# unpaired surrogates.
_NOT_IN_URLS = {"Cc", "Cf", "Cs"}
_BEYOND_PRINTABLE_ASCII = re.compile("[^\x20-\x7e]")
# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F) except tab and newline.
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def is_visible(ch: str) -> bool:
    """Whether a character shows something: not white space, a control, a format character or a surrogate. Text
    that must say something (a comment, a reason) needs at least one."""
    return not ch.isspace() and unicodedata.category(ch) not in {"Cc", "Cf", "Cs"}


def visible_pattern() -> str:
    """A regular expression (for the OpenAPI document) matched by text holding a visible character: a class of
    every character of the Basic Multilingual Plane that is_visible() refuses, negated. Surrogates stay out of
    it: no regular expression engine takes them, and the request guards refuse them anyway."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if not is_visible(chr(code)) and not 0xD800 <= code <= 0xDFFF:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    parts = (f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges)
    return "[^" + "".join(parts) + "]"


def storable(text: str) -> bool:
    """Whether every database and UTF-8 can hold the text as it is: no NUL and no unpaired surrogate."""
    return _UNSTORABLE.search(text) is None


def is_http_url(value: str) -> bool:
    """An absolute http or https address with a host, no spaces and no control or invisible characters."""
    if any(ch.isspace() or unicodedata.category(ch) in _NOT_IN_URLS for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1"
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def whole_number(value: object, *, limit: int = MAX_ID) -> int | None:
    """A count or an id sent as text (or as an int): 0 to `limit`, by default the largest id a database holds.

    None for anything else, so no caller meets int()'s surprises: signs, spaces, underscores, other scripts'
    digits ("²" passes str.isdigit() and fails int()), or thousands of digits.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= limit else None
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    digits = value.lstrip("0") or "0"
    if len(digits) > len(str(limit)):
        return None
    number = int(digits)
    return number if number <= limit else None


def _line_character(match: re.Match[str]) -> str:
    character = match.group()
    if character in "\t\n\r\v\f":
        return " "
    return "" if unicodedata.category(character) in {"Cc", "Cf", "Cs"} else character


def clean_line(text: str | None) -> str:
    """A single line such as a name: format and control characters and unpaired surrogates removed, spaces
    collapsed."""
    # Only characters outside printable ASCII are looked at one by one.
    kept = _BEYOND_PRINTABLE_ASCII.sub(_line_character, text or "")
    return " ".join(kept.split())


def clean_text(text: str | None) -> str:
    """Multi-line text such as a comment: Unix newlines, no control or direction-override characters, no
    unpaired surrogates."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI_CONTROLS.sub("", _UNSTORABLE.sub("", text))
    return _CONTROLS_BUT_LINES.sub("", text)


def required_text(
    value: str | None, *, field: str, missing: str, limit: int, too_long: str, multiline: bool = False
) -> str:
    """Cleaned text that shows something and fits in `limit` characters; otherwise a ServiceError about `field`.

    `too_long` may name {limit} and {length}; `multiline` keeps line breaks (a comment, a note), else the
    text is one line (a name, a reason).
    """
    text = clean_text(value).strip() if multiline else clean_line(value)
    if not clean_line(text):  # nothing visible: only spaces or zero-width characters
        raise ServiceError(missing, field=field)
    if len(text) > limit:
        raise ServiceError(too_long.format(limit=limit, length=len(text)), field=field)
    return text


def optional_http_url(value: str | None, *, field: str, invalid: str, limit: int, too_long: str) -> str | None:
    """An http(s) address of at most `limit` characters, or None when left empty; otherwise a ServiceError."""
    url = (value or "").strip()
    if not url:
        return None
    if not is_http_url(url):
        raise ServiceError(invalid, field=field)
    if len(url) > limit:
        raise ServiceError(too_long.format(limit=limit), field=field)
    return url


def excerpt(html: str, limit: int = 200) -> str:
    """The words of sanitised HTML as plain text, cut at the last word boundary within `limit` characters (with an
    ellipsis when cut): the index's summary of an article."""
    text = " ".join(Markup(html or "").striptags().split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    # A single word longer than the limit is cut inside it rather than left out.
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.-–—") + "…"
