"""The Bayesian model: each token's spam and ham counts give it a smoothed spam probability (Robinson's
estimate, as in SpamBayes); a comment's score adds up the tokens' log-odds, trusting the generic features
more than single words, which say more about one site's topics than about spam. See docs/spam.md."""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from app.services.spam.counts import TokenCounts
from app.services.spam.tokens import tokenise

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


def weight(token: str) -> float:
    """How much a token's evidence counts (see WORD_WEIGHT)."""
    kind, colon, _ = token.partition(":")
    if not colon or kind == "name":
        return WORD_WEIGHT
    if kind in {"words", "long", "num"}:
        return SHAPE_WEIGHT
    return FEATURE_WEIGHT


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
        # (token, 0) counts its spam documents, (token, 1) its ham ones.
        merged: Counter[tuple[str, int]] = Counter()
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
