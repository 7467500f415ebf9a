"""Text as the spam checks compare it: what makes two spellings of the same words equal.

A leaf module, so the models can key comments by their folded text (`Comment.body_key`) and the checks can fold
what they compare, in the same way.
"""

import hashlib
import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def fold_for_matching(text: str | None) -> str:
    """Text as word lists see it: NFKC, case-folded, zero-width characters removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _ZERO_WIDTH.sub("", text).casefold()
    return " ".join(text.split())


def matching_key(text: str | None) -> str:
    """A short digest of the folded text: two texts the duplicate check calls the same share it."""
    return hashlib.blake2b(fold_for_matching(text).encode(), digest_size=16).hexdigest()
