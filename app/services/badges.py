"""What a commenter is to the article they comment on: the badge beside their name on the page, in the frame and
in the API.

Only an account is ever badged: a guest who types the byline's name is a guest. The article's relation comes
before the staff role, since it says more about this discussion: the account the byline names is its
"Author"; the account that published an article whose byline names a guest is its "Site host" (the word the
notes' signatures use); moderators and admins are "Moderator" on every other article.
"""

import enum

from app.models import Article, User
from app.services.permissions import STAFF_ROLES


class Badge(str, enum.Enum):
    """A commenter's badge; the value is what the API sends, `label` what readers see."""

    author = "author"
    host = "host"
    moderator = "moderator"

    @property
    def word(self) -> str:
        """The badge in running text, as a note's signature says it: "site host"."""
        return _WORDS[self]

    @property
    def label(self) -> str:
        """The badge as it is shown: "Site host"."""
        return self.word.capitalize()


_WORDS = {Badge.author: "author", Badge.host: "site host", Badge.moderator: "moderator"}


def standing(user: User, article: Article) -> Badge | None:
    """The account's relation to the article itself: its byline's author, or the site host publishing a guest's
    byline; None for everyone else."""
    if user.id != article.author_id:
        return None
    return Badge.host if article.guest_author_name else Badge.author


def badge_for(user: User | None, article: Article) -> Badge | None:
    """The badge of a comment written by `user` (None: a guest) on `article`: their standing on the article, else
    Moderator for staff, else none."""
    if user is None:
        return None
    return standing(user, article) or (Badge.moderator if user.role in STAFF_ROLES else None)
