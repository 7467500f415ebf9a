"""The content classifier: a Bayesian filter over tokens whose counts live in the database.

A comment becomes a set of tokens: its words, the domains it links to, and features that mark
comment spam on any site (`has:url`, `cta:subscribe`, `cta:imperative`, ...). Each token's spam
and ham counts give it a smoothed spam probability (Robinson's estimate, as in SpamBayes); the
comment's score adds up the tokens' log-odds, trusting the generic features more than single
words, which say more about one site's topics than about spam. The counts are the shipped
bootstrap model plus what this site learned from its moderators (`spam_tokens`, `spam_stats`),
so every server process scores with the same model. See docs/spam.md.
"""
import functools
import gzip
import hashlib
import html
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Protocol
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Comment, SpamStats, SpamToken
from app.models.spam import TOKEN_MAX
from app.models.types import utcnow
from app.services.moderation import spam_decision
from app.services.screening import Submission, Verdict

BOOTSTRAP_PATH = Path(__file__).with_name("bootstrap_model.json.gz")
MODEL_FORMAT = 1

# Robinson's smoothing: a token seen n times weighs as n observations plus STRENGTH imaginary
# ones at UNKNOWN, so a token seen once or twice stays close to neutral. The calls to action
# (`cta:` tokens) were written as signs of spam, so their imaginary observations lean that way.
UNKNOWN = 0.5
CALL_PRIOR = 0.9
STRENGTH = 2.0
# Tokens closer to neutral than this are left out; at most MAX_CLUES of the strongest are used.
MIN_STRENGTH = 0.1
MAX_CLUES = 150
# How much a token's log-odds count. Words are often about the site's subject (a song, a
# product) rather than about spam, so they move the score less than the generic features;
# length buckets sit in between. Chosen on held-out videos (bench/spam_eval.py).
WORD_WEIGHT = 0.2
SHAPE_WEIGHT = 0.5
FEATURE_WEIGHT = 1.0
# Beyond this the probability is 0 or 1 as far as anyone can tell; keeps exp() in range.
MAX_LOG_ODDS = 30.0
# Tokens per SQL statement, well under the databases' limits on bound parameters.
BATCH = 500

# --- tokens ----------------------------------------------------------------------------------

_FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_TAG = re.compile(r"<[^>]{0,200}>")
# Common top-level domains, so "cheap-deals.com" is a link but "song.Love" is not.
_TLDS = (
    "com|net|org|info|biz|io|co|me|tv|ly|gl|be|us|uk|ca|au|ru|de|fr|es|it|nl|pl|br|in|eu|cc|ws|to|"
    "xyz|site|online|club|top|link|click|shop|store|live|app|blog|news|win|vip|pro|mobi|tk|ml|ga|cf|gq"
)
_URL = re.compile(
    rf"(?:https?://|www\.)[^\s<>\"'()\[\]{{}}]+|(?<![\w@.-])(?:[a-z0-9][a-z0-9-]*\.)+(?:{_TLDS})\b(?:/[^\s<>\"'()]*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_.]{3,}", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
# Links to these (and to .gov, .edu, .ac.uk hosts) cite a source; they are not evidence of spam.
_REFERENCE_HOSTS = (
    "wikipedia.org", "wikimedia.org", "wiktionary.org", "github.com", "gitlab.com", "arxiv.org", "doi.org",
    "archive.org", "stackoverflow.com", "w3.org", "ietf.org", "europa.eu",
)
_REFERENCE_SUFFIXES = (".gov", ".edu", ".ac.uk", ".gov.uk")
# Link shorteners hide where a link goes (youtu.be is not one: it is YouTube's own share link).
_SHORTENERS = frozenset(
    "bit.ly goo.gl tinyurl.com t.co ow.ly is.gd buff.ly adf.ly shorte.st cutt.ly rb.gy tiny.cc "
    "lnkd.in rebrand.ly bl.ink t.ly s.id".split()
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


def normalise(text: str) -> str:
    """Text as the tokeniser reads it: HTML entities decoded, NFKC, invisible format characters removed."""
    text = unicodedata.normalize("NFKC", html.unescape(text or ""))
    return _FORMAT_CHARS.sub("", text)


def _split(url: str):
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
    if host.endswith(_REFERENCE_SUFFIXES) or any(host == ref or host.endswith("." + ref) for ref in _REFERENCE_HOSTS):
        return {f"domain:{host}", "link:reference"}
    labels = host.split(".")
    found = {"has:url", f"domain:{host}", f"tld:{labels[-1]}"}
    if len(labels) > 2:
        found.add("domain:" + ".".join(labels[-2:]))
    if host in _SHORTENERS:
        found.add("has:shortener")
    found.update(f"url:{piece}" for piece in islice(re.findall(r"[a-z]{3,20}", path.casefold()), 4))
    return found


def _word_tokens(words: list[str]) -> set[str]:
    found = set()
    for word in words:
        if len(word) > 30:
            found.add(f"long:{min(len(word) // 10 * 10, 60)}")
        elif word.isdigit():
            found.add(word if len(word) <= 4 else "num:long")
        elif len(word) > 1:
            found.add(word)
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
    if _STRETCH.search(plain.casefold()):
        found.add("has:stretched")
    if re.search(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])", plain):
        found.add("has:timestamp")
    return found


def tokenise(text: str, name: str = "", website: str | None = None) -> set[str]:
    """The distinct tokens of a comment: its text, and its writer's name and website when given."""
    original = normalise(text)
    found: set[str] = set()
    urls = _URL.findall(original)
    for url in urls:
        found |= _link_tokens(url)
    if _EMAIL.search(original):
        found.add("has:email")
    if _HANDLE.search(original):
        found.add("has:handle")
    # Links, addresses and tags are spent; what remains is read as words, stretches shortened.
    plain = _TAG.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", original)))
    folded = _STRETCH.sub(r"\1\1", plain.casefold())
    words = [word.replace("’", "'") for word in _WORD.findall(folded)]
    found |= _word_tokens(words)
    found |= _shape_tokens(plain)
    if "has:url" in found:
        if len(urls) > 1:
            found.add("has:urls")
        if len(words) <= 3:
            found.add("has:link-only")
    spaced = " ".join(words)
    found.update(feature for feature, pattern in _CALL_PATTERNS if pattern.search(spaced))
    if _IMPERATIVE.search(plain.strip()):
        found.add("cta:imperative")
    if words:
        # The same text posted again and again: a moderator's verdict on one copy carries to the next.
        found.add("text:" + hashlib.blake2b(spaced.encode(), digest_size=8).hexdigest())
    if name:
        found.update(f"name:{word}" for word in _WORD.findall(normalise(name).casefold()) if len(word) > 1)
    if website:
        found.add("has:website")
        site = _link_tokens(normalise(website).strip())
        found.update(f"website:{token}" for token in site if token.startswith("domain:"))
    return {token[:TOKEN_MAX] for token in found}


def comment_tokens(comment: Comment) -> set[str]:
    """What the classifier learns from a stored comment: its text, its writer's name and website."""
    return tokenise(comment.body, comment.author_name, comment.author_website)


def weight(token: str) -> float:
    """How much a token's evidence counts (see WORD_WEIGHT)."""
    kind, colon, _ = token.partition(":")
    if not colon or kind == "name":
        return WORD_WEIGHT
    if kind in {"words", "long", "num"}:
        return SHAPE_WEIGHT
    return FEATURE_WEIGHT


# --- counts ----------------------------------------------------------------------------------


class TokenCounts(Protocol):
    """Where token counts come from: the shipped model, the database, or a model built in memory."""

    def documents(self) -> tuple[int, int]:
        """How many spam and ham comments were learned."""

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(spam, ham) comment counts of each known token among `tokens`."""


@dataclass
class MemoryCounts:
    """Token counts held in memory: the bootstrap model, and the models the benchmark trains."""

    spam: int = 0
    ham: int = 0
    tokens: dict[str, list[int]] = field(default_factory=dict)

    def documents(self) -> tuple[int, int]:
        """How many spam and ham comments were learned."""
        return self.spam, self.ham

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(spam, ham) comment counts of each known token among `tokens`."""
        known = self.tokens
        return {token: (known[token][0], known[token][1]) for token in tokens if token in known}

    def learn(self, tokens: Iterable[str], is_spam: bool) -> None:
        """Count one comment's tokens as spam or ham."""
        column = 0 if is_spam else 1
        for token in tokens:
            self.tokens.setdefault(token, [0, 0])[column] += 1
        if is_spam:
            self.spam += 1
        else:
            self.ham += 1

    def pruned(self, min_count: int, drop_prefixes: tuple[str, ...] = ()) -> "MemoryCounts":
        """A copy without tokens seen in fewer than `min_count` comments, or starting with one of `drop_prefixes`."""
        kept = {
            token: list(pair)
            for token, pair in self.tokens.items()
            if sum(pair) >= min_count and not token.startswith(drop_prefixes)
        }
        return MemoryCounts(self.spam, self.ham, kept)

    def save(self, path: Path, source: str) -> None:
        """Write the model as gzipped JSON, byte for byte the same for the same counts."""
        data = {
            "format": MODEL_FORMAT,
            "source": source,
            "documents": {"spam": self.spam, "ham": self.ham},
            "tokens": {token: self.tokens[token] for token in sorted(self.tokens)},
        }
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
            handle.write(payload)

    @classmethod
    def load(cls, path: Path) -> "MemoryCounts":
        """Read a model written by `save`."""
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path}: unknown model format {data.get('format')!r}")
        tokens = {token: [int(spam), int(ham)] for token, (spam, ham) in data["tokens"].items()}
        return cls(int(data["documents"]["spam"]), int(data["documents"]["ham"]), tokens)


class DatabaseCounts:
    """What this site learned, read from `spam_tokens` and `spam_stats`."""

    def documents(self) -> tuple[int, int]:
        """How many spam and ham comments the site learned (one query)."""
        row = db.session.execute(
            select(SpamStats.spam_documents, SpamStats.ham_documents).where(SpamStats.id == SpamStats.ROW_ID)
        ).first()
        return (row.spam_documents, row.ham_documents) if row is not None else (0, 0)

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """The site's counts of those tokens it has seen (one query per BATCH tokens)."""
        tokens = sorted(set(tokens))
        found = {}
        for start in range(0, len(tokens), BATCH):
            rows = db.session.execute(
                select(SpamToken.token, SpamToken.spam_count, SpamToken.ham_count).where(
                    SpamToken.token.in_(tokens[start : start + BATCH])
                )
            )
            found.update({token: (spam, ham) for token, spam, ham in rows})
        return found


# --- scoring ---------------------------------------------------------------------------------


@dataclass
class Clue:
    """One token's evidence: its smoothed spam probability, the counts behind it, and its weighted log-odds."""

    token: str
    probability: float
    spam: int
    ham: int
    evidence: float


@dataclass
class Score:
    """A comment's spam probability and the clues that decided it, strongest first."""

    probability: float
    clues: list[Clue]

    def top(self, spammy: bool = True, limit: int = 5) -> list[Clue]:
        """The strongest clues for spam (or, with spammy=False, for ham)."""
        return [clue for clue in self.clues if (clue.evidence > 0) == spammy][:limit]


class Classifier:
    """Scores comments against the summed counts of one or more sources."""

    def __init__(self, sources: list[TokenCounts]):
        self.sources = sources

    @staticmethod
    def clue(token: str, spam: int, ham: int, spam_documents: int, ham_documents: int) -> Clue:
        """Robinson's estimate: the share of spam among comments with the token, pulled towards neutral when rare."""
        spam_ratio = spam / spam_documents if spam_documents else 0.0
        ham_ratio = ham / ham_documents if ham_documents else 0.0
        raw = spam_ratio / (spam_ratio + ham_ratio) if spam_ratio + ham_ratio else UNKNOWN
        seen = spam + ham
        prior = CALL_PRIOR if token.startswith("cta:") else UNKNOWN
        probability = (STRENGTH * prior + seen * raw) / (STRENGTH + seen)
        return Clue(token, probability, spam, ham, weight(token) * math.log(probability / (1.0 - probability)))

    def score_tokens(self, tokens: Iterable[str]) -> Score:
        """Add up the weighted log-odds of the informative tokens (a naive Bayes with tempered words)."""
        tokens = set(tokens)
        spam_documents = ham_documents = 0
        merged: Counter = Counter()
        for source in self.sources:
            spam, ham = source.documents()
            spam_documents, ham_documents = spam_documents + spam, ham_documents + ham
            for token, (spam, ham) in source.counts(tokens).items():
                merged[token, 0] += spam
                merged[token, 1] += ham
        known = {token for token, _ in merged}
        clues = [self.clue(t, merged[t, 0], merged[t, 1], spam_documents, ham_documents) for t in known]
        clues = [clue for clue in clues if abs(clue.probability - UNKNOWN) >= MIN_STRENGTH]
        clues.sort(key=lambda clue: (-abs(clue.evidence), clue.token))
        clues = clues[:MAX_CLUES]
        log_odds = max(-MAX_LOG_ODDS, min(MAX_LOG_ODDS, sum(clue.evidence for clue in clues)))
        return Score(1.0 / (1.0 + math.exp(-log_odds)), clues)

    def score(self, text: str, name: str = "", website: str | None = None) -> Score:
        """The spam probability of a comment."""
        return self.score_tokens(tokenise(text, name, website))


@functools.lru_cache(maxsize=4)
def load_bootstrap(path: str) -> MemoryCounts:
    """The shipped model, read once per process (and per path)."""
    return MemoryCounts.load(Path(path))


def site_classifier() -> Classifier:
    """The classifier this site uses: the bootstrap model (unless switched off) plus what the site learned."""
    sources: list[TokenCounts] = [DatabaseCounts()]
    if current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True):
        sources.insert(0, load_bootstrap(str(BOOTSTRAP_PATH)))
    return Classifier(sources)


def classify(text: str, name: str = "", website: str | None = None) -> Score:
    """Score a comment with this site's model."""
    return site_classifier().score(text, name, website)


# --- learning --------------------------------------------------------------------------------


def _upsert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def add_counts(tokens: dict[str, tuple[int, int]], spam_documents: int, ham_documents: int) -> None:
    """Add to the site's counts in the caller's transaction, one statement per batch of tokens.

    INSERT ... ON CONFLICT adds to the stored values in the database itself, so two processes
    learning at once both count, and no row has to be read first.
    """
    insert = _upsert(db.session.get_bind().dialect.name)
    # Sorted, so that concurrent learners lock the rows they share in the same order (no deadlock).
    rows = [{"token": token, "spam_count": spam, "ham_count": ham} for token, (spam, ham) in sorted(tokens.items())]
    for start in range(0, len(rows), BATCH):
        statement = insert(SpamToken).values(rows[start : start + BATCH])
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SpamToken.token],
                set_={
                    "spam_count": SpamToken.spam_count + statement.excluded.spam_count,
                    "ham_count": SpamToken.ham_count + statement.excluded.ham_count,
                },
            )
        )
    statement = insert(SpamStats).values(
        id=SpamStats.ROW_ID, spam_documents=spam_documents, ham_documents=ham_documents, updated_at=utcnow()
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[SpamStats.id],
            set_={
                "spam_documents": SpamStats.spam_documents + statement.excluded.spam_documents,
                "ham_documents": SpamStats.ham_documents + statement.excluded.ham_documents,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


def _decrement(column):
    # Never below zero: unlearning what the counts no longer hold (e.g. after a reset) is a no-op.
    return case((column > 0, column - 1), else_=0)


def learn_tokens(tokens: Iterable[str], is_spam: bool) -> None:
    """Count one comment's tokens as spam or ham, in the caller's transaction."""
    pair = (1, 0) if is_spam else (0, 1)
    add_counts({token: pair for token in set(tokens)}, *pair)


def unlearn_tokens(tokens: Iterable[str], is_spam: bool) -> None:
    """Take back an earlier `learn_tokens` of the same tokens, in the caller's transaction."""
    tokens = sorted(set(tokens))
    column = SpamToken.spam_count if is_spam else SpamToken.ham_count
    for start in range(0, len(tokens), BATCH):
        batch = tokens[start : start + BATCH]
        db.session.execute(update(SpamToken).where(SpamToken.token.in_(batch)).values({column.key: _decrement(column)}))
        # Rows that fall back to nothing go, so learning then unlearning leaves the table as it was.
        db.session.execute(
            delete(SpamToken).where(SpamToken.token.in_(batch), SpamToken.spam_count == 0, SpamToken.ham_count == 0)
        )
    documents = SpamStats.spam_documents if is_spam else SpamStats.ham_documents
    db.session.execute(
        update(SpamStats)
        .where(SpamStats.id == SpamStats.ROW_ID)
        .values({documents.key: _decrement(documents), "updated_at": utcnow()})
    )


def learn(text: str, is_spam: bool, name: str = "", website: str | None = None) -> None:
    """Learn one comment as spam or ham (the caller commits)."""
    learn_tokens(tokenise(text, name, website), is_spam)


def unlearn(text: str, is_spam: bool, name: str = "", website: str | None = None) -> None:
    """Forget an earlier lesson about this exact comment (the caller commits)."""
    unlearn_tokens(tokenise(text, name, website), is_spam)


def on_spam_decision(comment: Comment, is_spam: bool, previous=None, **_) -> None:
    """Learn from a moderator's verdict, taking back an opposite earlier lesson about the same comment.

    `apply()` commits the move before it sends the signal, so the lesson is committed here, with
    the comment's `trained_as` in the same transaction; a verdict repeated is not learned twice.
    """
    lesson = "spam" if is_spam else "ham"
    if comment.trained_as == lesson:
        return
    tokens = comment_tokens(comment)
    if comment.trained_as is not None:
        unlearn_tokens(tokens, comment.trained_as == "spam")
    learn_tokens(tokens, is_spam)
    comment.trained_as = lesson
    db.session.commit()


# The signal is process-wide, so one connection serves every app (app.register_spam_learning imports this).
spam_decision.connect(on_spam_decision, weak=False)


# --- screening -------------------------------------------------------------------------------


def check_classifier(submission: Submission, rules) -> Verdict:
    """The content classifier: spam at SPAM_CLASSIFIER_SPAM_AT or above, held at SPAM_CLASSIFIER_HOLD_AT or above."""
    config = current_app.config
    if not config.get("SPAM_CLASSIFIER_ENABLED", True):
        return Verdict("pass", "classifier", "The content classifier is switched off.")
    score = classify(submission.body, submission.name, submission.website)
    probability = score.probability
    signs = ", ".join(clue.token for clue in score.top()) or "none"
    message = f"Spam probability {probability:.1%} (strongest signs of spam: {signs})."
    if probability >= config["SPAM_CLASSIFIER_SPAM_AT"]:
        return Verdict("spam", "classifier", message, probability)
    if probability >= config["SPAM_CLASSIFIER_HOLD_AT"]:
        return Verdict("hold", "classifier", message, probability)
    return Verdict("pass", "classifier", message, probability)
