"""Plain-text hygiene for what people type (control characters and direction overrides out), and the checks
every service applies to required text and to web addresses."""

import re
import unicodedata
from urllib.parse import urlsplit

from app.services.errors import ServiceError

# Embedding, override and isolate controls can make text display in an order other than the one typed.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def is_http_url(value: str) -> bool:
    """An absolute http or https address with a host and no spaces (websites, sources)."""
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and not any(ch.isspace() for ch in value)


def clean_line(text: str | None) -> str:
    """A single line such as a name: format and control characters removed, spaces collapsed."""
    spaced = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in (text or ""))
    kept = "".join(ch for ch in spaced if unicodedata.category(ch) not in {"Cc", "Cf"})
    return " ".join(kept.split())


def clean_text(text: str | None) -> str:
    """Multi-line text such as a comment: Unix newlines, no control or direction-override characters."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI_CONTROLS.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


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
