"""Keys for rate limits: clients are grouped by network, not by single address."""
import ipaddress

from flask import request


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


def client_key() -> str:
    """Rate-limit key for the current request: the client's anonymised network."""
    return anonymise_ip(request.remote_addr)
