"""Absolute links for what leaves the site (mail), built from BASE_URL rather than from a request's host, which
comes from the client and does not exist in a worker."""

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, anchor: str | None = None, **values: Any) -> str:
    """The full address of a route under BASE_URL (a path in it is kept), with an optional #anchor."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
