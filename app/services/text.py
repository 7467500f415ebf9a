"""Plain-text hygiene for what people type: control characters and direction overrides out."""
import re
import unicodedata
from urllib.parse import urlsplit

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
