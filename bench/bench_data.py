"""What several bench scripts set up the same way, inside an app context on a throwaway database."""

from app.models import Article
from app.services import accounts
from app.services.articles import create_article


def author_with_article(body: str) -> Article:
    """An author (cheap password hashing: the benches time reading and posting, not signing in) and a
    published article of theirs with `body`."""
    author = accounts.create_user(
        "author@example.org", "Author", "bench password", "author", hash_method="pbkdf2:sha256:1000", min_length=10
    )
    return create_article(author, "Bench", body, published=True)
