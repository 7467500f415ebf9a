"""A writer's avatar without asking anyone: initials from the display name on a colour from a keyed hash of the
email address, the same for every viewer and every page.

The colour comes from HMAC-SHA-256 under a key only the server holds (the app's SECRET_KEY), so nobody can test
"is this the colour of alice@example.org?" by hashing addresses of their own; with ten colours it tells nothing
anyway. A Gravatar picture is different: its address carries an unkeyed SHA-256 of the email that anyone can
compare with the digest of an address they know, and each page view reaches Gravatar's servers. It is offered
only when an admin turns it on (the `gravatar` setting, docs/configuration.md).

Pure functions, no database and no request.
"""

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from app.services.identity import email_key

# (light theme, dark theme) background pairs, one hue per entry: white initials on the first, near-black on the
# second, each at a WCAG AA contrast ratio of at least 4.5 (tests/unit/test_avatars.py measures them). The CSS
# (static/css/site.css, "Avatars and profiles") holds the same colours as classes avatar--0 ... avatar--9.
PALETTE = (
    ("#b3261e", "#f28b82"),
    ("#a23d0b", "#f6ae7c"),
    ("#7a5900", "#e3c565"),
    ("#2e7d32", "#81c995"),
    ("#00695c", "#6fcfc0"),
    ("#1565c0", "#8ab4f8"),
    ("#4527a0", "#b39ddb"),
    ("#8e24aa", "#d7a3e8"),
    ("#ad1457", "#f48fb1"),
    ("#37474f", "#a7b8c2"),
)
# For a writer without an address (an erased or imported comment): no colour to tell them apart by.
NEUTRAL = ("#5c5c5c", "#bdbdbd")
INITIALS_COLOUR = ("#ffffff", "#171614")
# Shown for a name without a letter (emoji only, punctuation).
GLYPH = "•"
GRAVATAR_HOST = "https://www.gravatar.com"
# Pixels asked of Gravatar: twice the avatar's 2rem for sharp pictures on dense screens.
GRAVATAR_SIZE = 80
# Keeps this use of the secret apart from any other HMAC made with it.
_PURPOSE = b"afterword avatar colour\x00"


@dataclass(frozen=True)
class Avatar:
    """What a writer's avatar shows: `initials` on colour `tone` (an index into PALETTE, None for NEUTRAL), and a
    Gravatar picture's address over them when that is turned on."""

    initials: str
    tone: int | None
    url: str | None = None

    @property
    def colour(self) -> str:
        """The background in the light theme (what the API gives)."""
        return (PALETTE[self.tone] if self.tone is not None else NEUTRAL)[0]

    @property
    def colour_dark(self) -> str:
        """The background in the dark theme."""
        return (PALETTE[self.tone] if self.tone is not None else NEUTRAL)[1]

    @property
    def css_class(self) -> str:
        return f"avatar--{self.tone if self.tone is not None else 'neutral'}"


def _first_letter(word: str) -> str:
    """The word's first letter with the marks it carries, upper-cased where one letter has one upper case."""
    for index, ch in enumerate(word):
        if unicodedata.category(ch).startswith("L"):
            marks = ""
            for mark in word[index + 1 :]:
                if unicodedata.category(mark) not in {"Mn", "Mc", "Me"}:
                    break
                marks += mark
            upper = ch.upper()
            return unicodedata.normalize("NFC", (upper if len(upper) == 1 else ch) + marks)
    return ""


def initials(name: str | None) -> str:
    """One or two letters for a name: the first letters of its first and last words ("Ana María" gives "AM"),
    one for a single word ("李小龙" gives "李"); words without a letter are skipped, and a name without any gives
    GLYPH."""
    letters = [letter for word in unicodedata.normalize("NFC", name or "").split() if (letter := _first_letter(word))]
    if not letters:
        return GLYPH
    return letters[0] + letters[-1] if len(letters) > 1 else letters[0]


def colour_digest(email: str | None, key: str | bytes) -> str | None:
    """The keyed digest an address's colour is taken from (HMAC-SHA-256 of its canonical form); None without an
    address."""
    address = email_key(email) if (email or "").strip() else ""
    if not address:
        return None
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(secret, _PURPOSE + address.encode(), hashlib.sha256).hexdigest()


def gravatar_url(email: str) -> str:
    """Gravatar's address for an email: its SHA-256 in the path, a transparent picture (`d=blank`) when the address
    has none, so the initials below show through."""
    digest = hashlib.sha256(email_key(email).encode()).hexdigest()
    return f"{GRAVATAR_HOST}/avatar/{digest}?d=blank&s={GRAVATAR_SIZE}"


def avatar(name: str | None, email: str | None, key: str | bytes, *, gravatar: bool = False) -> Avatar:
    """The avatar of a writer called `name` with this address (empty for none), coloured under `key`; with a
    Gravatar picture when `gravatar` is on and there is an address."""
    digest = colour_digest(email, key)
    tone = None if digest is None else int(digest[:16], 16) % len(PALETTE)
    url = gravatar_url(email or "") if gravatar and digest is not None else None
    return Avatar(initials(name), tone, url)
