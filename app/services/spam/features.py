"""A comment as numbers: hashed word and character n-grams and signs of spam, for the linear model.

Three groups of features, each scaled to unit length so a long comment weighs no more than a short one:
words (single words and pairs), character n-grams of 3 to 5 (misspellings, obfuscation, punctuation
runs, phone numbers, the shape of links) and the signs of spam from spam.signs. Each feature is hashed
into one of SIZE buckets, so the model needs no vocabulary and learns words it has never seen.
Hashing is zlib's CRC-32: stable across processes and Python versions (unlike hash()).
"""

import functools
import math
import zlib
from collections import Counter
from dataclasses import dataclass

from app.services.spam.markup import Plain, markup_free
from app.services.spam.signs import STRETCH, WORD, signs

# Bump when features change: a model trained on other features is refused (see model.LinearModel).
FEATURE_VERSION = 1
BITS = 18
SIZE = 1 << BITS
CHAR_SIZES = (3, 4, 5)
# How much each group counts; signs are few and strong, so they get less room than the words.
WORD_SCALE = 1.0
CHAR_SCALE = 1.0
SIGN_SCALE = 0.5


@dataclass(frozen=True)
class Vector:
    """Feature bucket → value; `labels` names the buckets of words and signs, for explaining a score."""

    values: dict[int, float]
    labels: dict[int, str]


def bucket(group: str, feature: str) -> int:
    """The bucket a feature of a group hashes to: the CRC-32 of "group<US>feature"."""
    return zlib.crc32(f"{group}\x1f{feature}".encode()) & (SIZE - 1)


@functools.cache
def _prefix(group: str) -> int:
    # CRC-32 runs on from a previous value, so the group's prefix is hashed once: crc32(b, crc32(a)) == crc32(a + b).
    return zlib.crc32(f"{group}\x1f".encode())


def _add(
    values: dict[int, float], labels: dict[int, str] | None, group: str, counts: Counter[str], scale: float
) -> None:
    """Add a group's features with sublinear counts (1 + ln n), scaled to length `scale`."""
    weights: dict[int, float] = {}
    start, mask, crc32, log = _prefix(group), SIZE - 1, zlib.crc32, math.log
    for feature, count in counts.items():
        index = crc32(feature.encode(), start) & mask
        weights[index] = weights.get(index, 0.0) + (1.0 if count == 1 else 1.0 + log(count))
        if labels is not None:
            labels.setdefault(index, feature)
    length = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
    for index, weight in weights.items():
        values[index] = values.get(index, 0.0) + scale * weight / length


def vectorise(
    text: str, name: str = "", website: str | None = None, prepared: tuple[Plain, list[str]] | None = None
) -> Vector:
    """The features of a comment's text, with its writer's name and website among the signs.

    `prepared`: the text without markup and its words (`markup_free(text)`, `words_of` its text), when the caller
    has them already (the checks of one comment share them: spam.checks.plain_words)."""
    plain, plain_words = prepared if prepared is not None else (markup_free(text), None)
    # Words and n-grams read the links too (their hosts and paths say a lot), stretches shortened.
    readable = STRETCH.sub(r"\1\1", " ".join([plain.text, *plain.links]).casefold())
    words = [word.replace("’", "'") for word in WORD.findall(readable)]
    word_counts: Counter[str] = Counter(words)
    word_counts.update(f"{first} {second}" for first, second in zip(words, words[1:], strict=False))
    char_counts = Counter(
        padded[start : start + size]
        for padded in (f" {chunk} " for chunk in readable.split())
        for size in CHAR_SIZES
        for start in range(len(padded) - size + 1)
    )
    values: dict[int, float] = {}
    labels: dict[int, str] = {}
    _add(values, labels, "w", word_counts, WORD_SCALE)
    _add(values, None, "c", char_counts, CHAR_SCALE)
    _add(values, labels, "s", Counter(signs(plain, name, website, plain_words)), SIGN_SCALE)
    return Vector(values, labels)
