"""Word-level differences between two versions of a text, marked up with <ins> and <del>."""

import difflib
import re

from markupsafe import Markup, escape

# A word with the spaces after it: changed runs of words then read as one change, not word-space-word.
_TOKENS = re.compile(r"\s+|\S+\s*")


def word_diff(old: str, new: str) -> Markup:
    """The new text with removed words in <del> and added words in <ins>; everything else escaped."""
    before, after = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    parts = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(after[b1:b2])))
            continue
        if op in {"delete", "replace"}:
            parts.append(Markup("<del>{}</del>").format("".join(before[a1:a2])))
        if op in {"insert", "replace"}:
            parts.append(Markup("<ins>{}</ins>").format("".join(after[b1:b2])))
    return Markup("").join(parts)
