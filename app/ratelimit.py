"""Networks and rate-limit keys: clients are grouped by network, not by single address; and limits in words.

A leaf module: the limiter (in extensions), the spam checks and the moderation services all use it.
"""

import hashlib
import ipaddress
import unicodedata

from flask import request
from flask_login import current_user
from limits import RateLimitItem

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def anonymise_ip(address: str | None) -> str:
    """Return the client's network: IPv4 truncated to /24, IPv6 to /48."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network(value: str | None) -> IPNetwork | None:
    """An IP network from text, or None when the text is not one (e.g. 'unknown')."""
    try:
        return ipaddress.ip_network(value, strict=False) if value else None
    except ValueError:
        return None


def network_covers(outer: str | None, inner: str | None) -> bool:
    """Whether the network `inner` (a stored /24 or /48) lies inside the network `outer` (e.g. a ban's)."""
    banned, sender = network(outer), network(inner)
    if banned is None or sender is None or banned.version != sender.version:
        return False
    return sender.subnet_of(banned)  # type: ignore[arg-type]  # same version, checked above


def client_key() -> str:
    """Rate-limit key for the current request: the client's anonymised network."""
    return anonymise_ip(request.remote_addr)


def comment_writer_key() -> str:
    """Rate-limit key for one writer: their account (signed in, or by API token), or the email they typed."""
    if current_user.is_authenticated:
        return f"comment-user:{current_user.id}"
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        # An API client writes as the token's account; a digest keeps the token itself out of the limiter's storage.
        return "comment-token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    payload = request.form if request.form else (request.get_json(silent=True) or {})
    # NFKC and casefolded, so a fullwidth spelling of the address shares its counter.
    return "comment-email:" + unicodedata.normalize("NFKC", str(payload.get("email") or "").strip()).casefold()


def describe_limit(limit: RateLimitItem, noun: str) -> str:
    """A rate limit as people say it: "1 comment every 15 seconds", "10 comments an hour" (`noun` singular)."""
    things = f"{limit.amount} {noun}{'' if limit.amount == 1 else 's'}"
    unit = limit.GRANULARITY.name
    if limit.multiples == 1:
        return f"{things} {'an' if unit == 'hour' else 'a'} {unit}"
    return f"{things} every {limit.multiples} {unit}s"
