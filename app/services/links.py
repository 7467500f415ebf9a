"""Absolute links for what leaves the site (mail), built from BASE_URL rather than from a request's host, which
comes from the client and does not exist in a worker."""

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import current_app

from app.models import Article


def absolute_url(endpoint: str, anchor: str | None = None, **values: Any) -> str:
    """The full address of a route under BASE_URL (a path in it is kept), with an optional #anchor.

    While mail is off (no BASE_URL: app.config.mail_is_off) the site has no address to give, and the link is the
    route's path alone; such messages are kept and never sent."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc or "localhost", script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    url = adapter.build(endpoint, values, force_external=bool(base.netloc))
    return f"{url}#{anchor}" if anchor else url


def discussion_url(article: Article) -> str:
    """Where a link to a discussion leads from outside (mail, feeds): an embedded discussion's host page while it is
    on its site's registered origins (Article.host_page), else the discussion's page here."""
    return article.host_page or absolute_url("articles.show", slug=article.slug)


# A link in HTML this site rendered and sanitised: bleach writes every attribute in double quotes.
_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')


def absolute_links(html: str, page_url: str) -> str:
    """Make the links of sanitised HTML absolute, read as if on `page_url` ("#p-2" and "/articles/x" in a note
    lead where they lead on the page), for HTML that leaves the site."""
    return _HREF.sub(lambda found: found.group(1) + urljoin(page_url, found.group(2)) + found.group(3), html)
