"""Helpers for URLs that come from the client."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site; anything else falls back to `default`."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\t\\"):
        return default
    return target
