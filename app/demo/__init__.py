"""The demo site: one account per role and a guest post in the shape of the story in PRODUCT.md."""

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.demo.corrections import seed_corrections
from app.demo.discussion import seed_discussion, seed_moderation, seed_spam
from app.demo.subscriptions import seed_reply_mail
from app.models import Role, User
from app.services import accounts, sites
from app.services.articles import GuestAuthor, create_article, find_article

ARTICLE_SLUG = "small-claims-court-a-plain-language-guide"
ARTICLE_TITLE = "Small claims court: a plain-language guide for first-timers"
GUEST = GuestAuthor(
    name="Marisol Vega",
    bio="Marisol Vega has worked as a civil court clerk and paralegal for fifteen years. "
    "She writes about the legal system for people who never expected to deal with it.",
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo login, printed by `flask seed-demo`."""

    role: Role
    name: str
    email: str
    password: str
    about: str


ACCOUNTS = [
    DemoAccount(Role.admin, "Dana Reyes", "dana@example.org", "demo-admin-pass", "site host; published the guest post"),
    DemoAccount(Role.author, "Sam Okafor", "sam@example.org", "demo-author-pass", "writes their own posts"),
    DemoAccount(Role.moderator, "Priya Nair", "priya@example.org", "demo-moderator-pass", "keeps the discussion clean"),
    DemoAccount(Role.reader, "Lee Morgan", "lee@example.org", "demo-reader-pass", "a registered reader"),
]


def _ensure_account(account: DemoAccount) -> tuple[User, bool]:
    user = accounts.find_user_by_email(account.email)
    if user is not None:
        return user, False
    user = accounts.create_user(
        account.email,
        account.name,
        account.password,
        account.role,
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
    return user, True


def seed() -> list[str]:
    """Create whatever part of the demo is missing and return what was created; a second run creates nothing."""
    created = []
    users = {}
    for account in ACCOUNTS:
        users[account.role], new = _ensure_account(account)
        if new:
            created.append(f"account {account.email}")
    article = find_article(ARTICLE_SLUG)
    if article is None:
        body = (Path(__file__).parent / "small-claims-court.md").read_text(encoding="utf-8")
        article = create_article(
            users[Role.admin], ARTICLE_TITLE, body, published=True, guest_author=GUEST, slug=ARTICLE_SLUG
        )
        created.append(f"article {ARTICLE_SLUG}")
    added = seed_discussion(article, users)
    if added:
        created.append(f"{added} comments")
    created.extend(seed_corrections(article, users))
    created.extend(seed_moderation(article, users))
    created.extend(seed_spam(article))
    created.extend(seed_reply_mail(article, users))
    created.extend(seed_site(users[Role.admin]))
    return created


def seed_site(owner: User) -> list[str]:
    """Register the example static site (examples/static-site, served by `make run`) unless its origin is."""
    origin = current_app.config["DEMO_SITE_ORIGIN"]
    if not origin or sites.site_for_origin(sites.normalise_origin(origin)) is not None:
        return []
    sites.register_site(owner, sites.SiteFields("Example static site", origin))
    return [f"site {origin}"]
