"""Sites: pages elsewhere (a blog, a docs site) whose discussions Afterword holds, keyed by the page's origin."""

import re
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

SITE_NAME_MAX = 120
ORIGIN_MAX = 255
PAGE_URL_MAX = 2000  # a page's address (Article.page_url)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | None) -> str | None:
    """The origin (`scheme://host[:port]`, lower-case, without a default port) of an http(s) address, or None."""
    if not url or len(url) > PAGE_URL_MAX or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


class Site(Model):
    """A registered site: the origins whose pages may embed discussions, and how their threads behave.

    Its threads are articles (`Article.site_id`) owned by `owner`, the account that registered the site, so
    the desk, the filters, the notifications and the API treat them as any other discussion."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SITE_NAME_MAX))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A page view may create its page's thread on first view; off, only threads that exist are shown.
    allow_new_threads: Mapped[bool] = mapped_column(default=True)
    # Every new comment on this site's threads waits for a moderator, whatever the site-wide settings say.
    hold_all: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship()
    origins: Mapped[list["SiteOrigin"]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="SiteOrigin.id", lazy="selectin"
    )

    @property
    def origin_list(self) -> list[str]:
        return [entry.origin for entry in self.origins]

    def registered(self, url: str | None) -> bool:
        """Whether an address is on one of this site's origins (so a link there leads where its owner said)."""
        return origin_of(url) in self.origin_list

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name!r}>"


class SiteOrigin(Model):
    """One origin (`https://blog.example`) of a site; an origin belongs to one site at most."""

    __tablename__ = "site_origins"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(ORIGIN_MAX), unique=True)

    site: Mapped[Site] = relationship(back_populates="origins")

    def __repr__(self) -> str:
        return f"<SiteOrigin {self.origin!r} site={self.site_id}>"
