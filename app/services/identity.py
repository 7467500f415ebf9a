"""Who someone says they are: an email address in one canonical form, and a display name that shows something,
stays on its line and can be compared with another name the way a reader's eye compares them.

Lookalikes are the concern. `ｄａｎａ@example.org` (fullwidth letters) is dana@example.org; `Dana Reyes` followed
by a zero-width space, in fullwidth letters, with a Cyrillic `а`, with accents, or as `Dana Reyes (Moderator)`
all read as Dana Reyes (`name_key`); a name of Hangul fillers or braille blanks shows nothing; a letter under
79 combining marks spills over the lines around it.

Pure functions, no database: services.accounts compares names with the staff's.
"""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from app.services.errors import ServiceError
from app.services.text import clean_line

# Letters that show nothing although they are not format characters (Cf, which clean_line removes already):
# the Hangul fillers, the braille pattern blank. Unassigned code points (Cn) render as nothing or as a box.
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Combining marks (Mn, Me) one letter may carry. Vietnamese (in NFC), pointed Hebrew and Tibetan stacks need up
# to three; a "Zalgo" name piles dozens on one letter and covers the lines above and below it.
MARKS_PER_LETTER = 3
# Words a reader's or guest's name may not use: they claim a role on the site.
ROLE_WORDS = frozenset(
    {"moderator", "moderators", "moderation", "mod", "admin", "admins", "administrator", "administrators", "staff"}
)
# Words and bracketed asides left out when names are compared: "Priya Nair (Moderator)", "Sam Okafor, author"
# and "Dana Reyes - site host" are Priya Nair, Sam Okafor and Dana Reyes.
DECORATION_WORDS = ROLE_WORDS | {"author", "editor", "host", "site", "official", "team", "the"}
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}|<[^>]*>")
# Scripts whose letters pass for each other (Latin a, Cyrillic а, Greek α): a word mixing them is a disguise.
_CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
# Cyrillic and Greek letters (after casefolding) that look like Latin ones, and digits that look like letters.
_LOOKALIKES = str.maketrans(
    {
        **dict(zip("авеіјкмнорстухѕԁԛԝһӏ", "abeijkmhopctyxsdqwhl", strict=True)),
        **dict(zip("αβεηικνορτυχγω", "abenikvoptuxyw", strict=True)),
        "ı": "i",
        "ȷ": "j",
        "0": "o",
        "1": "l",
    }
)


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return not (ch.isspace() or ch in INVISIBLE or category[0] == "M" or category in {"Cc", "Cf", "Cn"})


def _marks_run(text: str) -> int:
    """The most combining marks (Mn, Me) that follow one character."""
    longest = run = 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch) in {"Mn", "Me"} else 0
        longest = max(longest, run)
    return longest


def display_name(value: str | None, *, missing: str, limit: int, too_long: str, field: str = "name") -> str:
    """A name as shown: one line in NFC, without format characters, fillers or blanks, showing at least one
    character besides combining marks, at most MARKS_PER_LETTER marks on a letter and `limit` characters
    (`too_long` may name {limit}); otherwise a ServiceError about `field`."""
    name = unicodedata.normalize("NFC", clean_line(value))
    name = " ".join("".join(ch for ch in name if ch not in INVISIBLE and unicodedata.category(ch) != "Cn").split())
    if not any(_visible(ch) for ch in name):
        raise ServiceError(missing, field=field)
    if _marks_run(name) > MARKS_PER_LETTER:
        raise ServiceError(f"A name may carry at most {MARKS_PER_LETTER} accents or marks on one letter.", field=field)
    if len(name) > limit:
        raise ServiceError(too_long.format(limit=limit), field=field)
    return name


def _words(name: str) -> list[str]:
    """The name as a reader's eye takes it: compatibility forms folded (fullwidth, bold, ligatures), case,
    accents, invisible characters and lookalike letters gone; words of letters and digits."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name or "").casefold())
    text = "".join(ch for ch in text if _visible(ch) or ch.isspace())
    text = _BRACKETED.sub(" ", text.translate(_LOOKALIKES))
    return re.findall(r"\w+", text)


def name_key(name: str) -> str:
    """What two names must share to pass for each other: `Dana Reyes`, `DANA  REYES`, `Dána Reyes`, `Dana Reyes`
    with a zero-width space or a Cyrillic `а`, `Dana-Reyes` and `Dana Reyes (Moderator)` share `danareyes`.
    Empty when nothing but decoration is left."""
    return "".join(word for word in _words(name) if word not in DECORATION_WORDS)


def claims_role(name: str) -> bool:
    """Whether a name says its writer is a moderator, an admin or staff ("Site Admin", "Sam (mod)")."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name or "").casefold())
    text = "".join(ch for ch in text if _visible(ch) or ch.isspace()).translate(_LOOKALIKES)
    return any(word in ROLE_WORDS for word in re.findall(r"\w+", text))


def _scripts(word: str) -> set[str]:
    return {
        unicodedata.name(ch, "").partition(" ")[0] for ch in word if unicodedata.category(ch).startswith("L")
    } & _CONFUSABLE_SCRIPTS


def canonical_email(value: str | None) -> str:
    """An address in the one form it is stored and looked up in: NFKC (fullwidth `ｄａｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ`
    is dana@example.org), the domain IDNA-encoded (`bücher.example` is `xn--bcher-kva.example`), all lowercase.
    A local part mixing Latin, Cyrillic or Greek letters (a Cyrillic `а` in `dаna`) is refused; ServiceError
    about `email` when the address is not one."""
    email = unicodedata.normalize("NFKC", (value or "").strip())
    if not email:
        raise ServiceError("Enter an email address.", field="email")
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(f"That email address is not valid: {exc}", field="email") from exc
    local = checked.local_part.lower()
    if len(_scripts(local)) > 1:
        raise ServiceError(
            "That email address mixes letters of different alphabets (Latin, Cyrillic, Greek); type it in one.",
            field="email",
        )
    return f"{local}@{checked.ascii_domain.lower()}"


def email_key(value: str | None) -> str:
    """An address as a key for counting attempts: canonical when it is a valid one, else NFKC and casefolded,
    so that no spelling of one address gets a counter of its own."""
    try:
        return canonical_email(value)
    except ServiceError:
        return unicodedata.normalize("NFKC", (value or "").strip()).casefold()
