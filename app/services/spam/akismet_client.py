"""The HTTP side of Akismet: the akismet package's client over httpx, sent to AKISMET_API_URL.

Only app.services.spam.akismet imports this module, and only when a site has a key: the akismet package,
httpx and what they import (anyio, certifi, rich when installed) would add about 5 MiB to every worker.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import akismet
import httpx
from flask import current_app

# Where the akismet package sends its requests; AKISMET_API_URL replaces this part of the URL.
DEFAULT_API_URL = "https://rest.akismet.com"
USER_AGENT = f"Afterword | {akismet.USER_AGENT}"


class _RebasedTransport(httpx.BaseTransport):
    """Send the package's requests to AKISMET_API_URL (a proxy, or the tests' fake) instead of Akismet's host.

    The package builds absolute URLs from a constant, so an httpx `base_url` would be ignored.
    """

    def __init__(self, api_url: str):
        self.base = httpx.URL(api_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.base.scheme,
            host=self.base.host,
            port=self.base.port,
            path=self.base.path.rstrip("/") + request.url.path,
        )
        request.headers["Host"] = self.base.netloc.decode("ascii")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@contextmanager
def client(blog: str) -> Iterator[akismet.SyncClient]:
    """A client for `blog` with this app's key, timeout and API URL, closed on leaving."""
    config = current_app.config
    with httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=float(config.get("AKISMET_TIMEOUT") or 3),
        transport=_RebasedTransport(config.get("AKISMET_API_URL") or DEFAULT_API_URL),
    ) as http_client:
        # The plain constructor, not the verifying one: verify-key first would double every request,
        # and a bad key shows anyway as the "invalid" answer, which the package raises as APIKeyError.
        yield akismet.SyncClient(
            config=akismet.Config(key=str(config["AKISMET_KEY"]), url=blog), http_client=http_client
        )
