"""Signs of spam that carry from site to site: the domains a comment links to and how, calls to action
(`cta:subscribe`, `cta:imperative`, ...), money, shouting, and the shape of the text and of the writer's
name and website. The classifier weighs them beside the comment's words (spam.features); the structural
checks (spam.checks) read the links."""

import re
from itertools import islice
from urllib.parse import urlsplit

from app.services.spam.markup import Plain, readable_text

# Common top-level domains, so "cheap-deals.com" is a link but "song.Love" is not.
_TLDS = (
    "com|net|org|info|biz|io|co|me|tv|ly|gl|be|us|uk|ca|au|ru|de|fr|es|it|nl|pl|br|in|eu|cc|ws|to|"
    "xyz|site|online|club|top|link|click|shop|store|live|app|blog|news|win|vip|pro|mobi|tk|ml|ga|cf|gq"
)
URL = re.compile(
    rf"(?:https?://|www\.)[^\s<>\"'()\[\]{{}}]+|(?<![\w@.-])(?:[a-z0-9][a-z0-9-]*\.)+(?:{_TLDS})\b(?:/[^\s<>\"'()]*)?",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_.]{3,}", re.IGNORECASE)
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
STRETCH = re.compile(r"([^\W\d_])\1{2,}")
# Links to these (and to .gov, .edu, .ac.uk hosts) cite a source; they are not evidence of spam.
_REFERENCE_HOSTS = (
    "wikipedia.org",
    "wikimedia.org",
    "wiktionary.org",
    "github.com",
    "gitlab.com",
    "arxiv.org",
    "doi.org",
    "archive.org",
    "stackoverflow.com",
    "w3.org",
    "ietf.org",
    "europa.eu",
)
_REFERENCE_SUFFIXES = (".gov", ".edu", ".ac.uk", ".gov.uk")
# Link shorteners hide where a link goes (youtu.be is not one: it is YouTube's own share link).
SHORTENERS = frozenset(
    [
        "bit.ly",
        "goo.gl",
        "tinyurl.com",
        "t.co",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "adf.ly",
        "shorte.st",
        "cutt.ly",
        "rb.gy",
        "tiny.cc",
        "lnkd.in",
        "rebrand.ly",
        "bl.ink",
        "t.ly",
        "s.id",
    ]
)
# Phrases that ask readers to do something for the writer (visit, subscribe, like, pay): the core
# of comment spam anywhere, whatever the site is about. Matched on the lowercased words, spaced.
_CALLS = {
    "cta:check-out": r"\bch[ae]ck(?:s|ed|ing)? (?:(?:it|this|my|me|us|them|these|our|em|'em) )?out\b(?! the\b)|"
    r"\bcheck (?:my|this|me|us|our|it)\b|\b(?:take|have) a (?:quick )?look (?:at )?(?:my|our|this|it)\b",
    "cta:subscribe": r"\bsu[bcs]{1,3}c?ri(?:b|be|bes|bing|ber|bers|birse|bete|ve|vete)\b|\bsub ?(?:4|for|2) ?sub\b|"
    r"\bsubs? (?:to|2) (?:me|my|us|our)\b",
    "cta:my-channel": r"\b(?:my|our|mi|meu|ma) (?:(?:new|latest|first|own|little|gaming|music|youtube|official) )?"
    r"(?:channel|canal|chaine|videos?|vids?|music|songs?|tracks?|mixtape|covers?|playlist|band|album|raps?|"
    r"remix(?:es)?|beats?|podcast|stream|youtube|game)\b",
    "cta:my-site": r"\b(?:my|our) (?:(?:new|latest|own|official) )?(?:page|site|website|profile|shop|store|business|"
    r"company|agency|services?|products?)\b",
    "cta:visit": r"\b(?:visit|click|add me|join (?:us|me|my|our|now)|sign up|register|search(?: for)?|look (?:\w+ )?up|"
    r"go to (?:my|our|this|the link|www|http))\b",
    "cta:follow": r"\bfollow (?:me|us|my|our)\b|\b(?:follow|like|sub|f|l) ?(?:4|for) ?(?:follow|like|sub|f|l)\b",
    "cta:like-bait": r"\blike (?:this|my) (?:comment|post)\b|\blike (?:if|4 like|for like)\b|"
    r"\bgive (?:it|this|me|us) a like\b|\blike (?:and|&|n) (?:share|subscribe|comment)\b",
    "cta:ask": r"\b(?:please|pls|plz|plese|pleas) (?:\w+ ){0,3}(?:like|share|sub\w*|check|visit|follow|watch|help|"
    r"support|view|comment|give|add|click|vote|donate|look|search|listen|read|join)\b",
    "cta:watch": r"\b(?:watch|listen to|look at) (?:my|our)\b",
    "cta:help-me": r"\bhelp (?:me|us|my|our) (?:\w+ )?(?:reach|get|grow|hit|gain|make|win|out|by|to|with my|with our)"
    r"\b|\b(?:reach|get|hit|gain|make it to) (?:\d+[km]?|my first|\w+ more) "
    r"(?:subscribers?|subs|followers|fans|likes|views)\b|\bfirst (?:subscriber|follower|fan)s?\b",
    "cta:contact": r"\b(?:whats ?app|telegram|kik|skype|dm me|text me|email me|message me|contact me|inbox me|"
    r"hit me up|call me)\b",
    "has:social": r"\b(?:facebook|fb|instagram|insta|twitter|tumblr|snapchat|tiktok|soundcloud|reverbnation|"
    r"bandcamp|twitch|discord|reddit|pinterest|linkedin)\b",
    "has:money": r"[$€£]\s?\d|\b\d+\s?(?:\$|usd|dollars?|euros?|bucks)\b|\b(?:cash|earn\w*|income|profit\w*|"
    r"pay ?pal|bitcoins?|btc|crypto\w*|invest\w*|gift ?cards?|prizes?|giveaway|discount|cheap|loans?|casino|forex|"
    r"salary|donat\w*|bonus|(?:make|free|easy|real|extra) money|free (?:gift|stuff|cards?|downloads?|coins?|trial))\b",
    "has:self-promotion": r"\b(?:i|we) (?:make|made|do|did|upload\w*|post|have|created?|started) (?:\w+ ){0,3}"
    r"(?:videos?|vids|music|songs?|covers?|channel|beats|raps?|remix(?:es)?|chiptunes|playlist|games?)\b|"
    r"\b(?:i'?m|i am|we'?re|we are) (?:a|an) (?:\w+ ){0,3}(?:rapper|singer|artist|youtuber|producer|musician|band|"
    r"gamer|vlogger|blogger|dj)\b",
}
# A sentence that opens by telling the reader to do something for the writer.
_IMPERATIVE = re.compile(
    r"(?:^|[.!?:;\n]\s*)(?:please |pls |plz |guys |everyone |hey guys |hey )?(?:subscribe|sub to|visit|follow|click|"
    r"join|vote|donate|buy|order|register|sign up|earn|make money|add me|share this|search|download|"
    r"(?:contact|call|text|message) (?:me|us)|check (?:out (?!the\b)|my|this|it)|go to (?:my|our|this|www|http)|"
    r"(?:watch|listen to|look at) (?:my|our)|like (?:this|my) (?:comment|post)|like (?:if|and|&|4)|"
    r"give (?:it|this|me|us) a like|support (?:me|us|my|our))",
    re.IGNORECASE,
)
_CALL_PATTERNS = [(name, re.compile(pattern)) for name, pattern in _CALLS.items()]


def _split(url: str) -> tuple[str, str] | None:
    """The host (without www.) and the path and query of a link, or None when it does not parse."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").rstrip(".")
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    host = host.removeprefix("www.")
    return (host, f"{parts.path}?{parts.query}") if host else None


def _link_tokens(url: str) -> set[str]:
    split = _split(url)
    if split is None:
        return set()
    host, path = split
    if is_reference(host):
        return {f"domain:{host}", "link:reference"}
    labels = host.split(".")
    found = {"has:url", f"domain:{host}", f"tld:{labels[-1]}"}
    if len(labels) > 2:
        found.add("domain:" + ".".join(labels[-2:]))
    if is_shortener(host):
        found.add("has:shortener")
    found.update(f"url:{piece}" for piece in islice(re.findall(r"[a-z]{3,20}", path.casefold()), 4))
    return found


def _length_signs(words: list[str]) -> set[str]:
    found = {f"long:{min(len(word) // 10 * 10, 60)}" for word in words if len(word) > 30}
    if any(word.isdigit() and len(word) > 4 for word in words):
        found.add("num:long")
    count = len(words)
    found.add("words:" + ("1-3" if count <= 3 else "4-10" if count <= 10 else "11-30" if count <= 30 else "31+"))
    return found


def _shape_tokens(plain: str) -> set[str]:
    found = set()
    letters = [ch for ch in plain if ch.isalpha()]
    if len(letters) >= 8 and sum(ch.isupper() for ch in letters) >= 0.7 * len(letters):
        found.add("has:shouting")
    if re.search(r"[!?]{3,}", plain):
        found.add("has:exclamations")
    if STRETCH.search(plain.casefold()):
        found.add("has:stretched")
    if re.search(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])", plain):
        found.add("has:timestamp")
    return found


def host_of(url: str) -> str | None:
    """A link's host, without www., or None when it is not a link."""
    split = _split(url.strip())
    return split[0] if split is not None else None


def site_of(host: str) -> str:
    """The part of a host that names the site (its last two labels): shop.example.com → example.com."""
    return ".".join(host.split(".")[-2:])


def is_reference(host: str) -> bool:
    """A link that cites a source (an encyclopedia, a standard, a government or university site)."""
    suffixes = _REFERENCE_SUFFIXES + tuple("." + ref for ref in _REFERENCE_HOSTS)
    return host in _REFERENCE_HOSTS or host.endswith(suffixes)


def is_shortener(host: str) -> bool:
    """A link shortener, which hides where a link goes."""
    return host in SHORTENERS


def words_of(text: str) -> list[str]:
    """The words of a text as the classifier counts them: case-folded, stretches shortened, no links or addresses."""
    folded = STRETCH.sub(r"\1\1", URL.sub(" ", EMAIL.sub(" ", text)).casefold())
    return [word.replace("’", "'") for word in WORD.findall(folded)]


def signs(plain: Plain, name: str = "", website: str | None = None, words: list[str] | None = None) -> set[str]:
    """The signs of spam in a comment (see the module's docstring), and in its writer's name and website (`words`:
    `words_of(plain.text)`, when the caller has them already)."""
    text = plain.text
    urls = [*plain.links, *URL.findall(text)]
    found: set[str] = set()
    for url in urls:
        found |= _link_tokens(url)
    if EMAIL.search(text):
        found.add("has:email")
    if _HANDLE.search(text):
        found.add("has:handle")
    if words is None:
        words = words_of(text)
    found |= _length_signs(words)
    found |= _shape_tokens(URL.sub(" ", text))
    if "has:url" in found:
        if len(urls) > 1:
            found.add("has:urls")
        if len(words) <= 3:
            found.add("has:link-only")
    spaced = " ".join(words)
    found.update(feature for feature, pattern in _CALL_PATTERNS if pattern.search(spaced))
    if _IMPERATIVE.search(text.strip()):
        found.add("cta:imperative")
    if name:
        found.update(f"name:{word}" for word in WORD.findall(readable_text(name).casefold()) if len(word) > 1)
    if website:
        found.add("has:website")
        site = _link_tokens(readable_text(website).strip())
        found.update(f"website:{token}" for token in site if token.startswith("domain:"))
    return found
