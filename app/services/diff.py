"""Differences between two versions of an article, marked up with <ins> and <del>.

A title is compared word by word. A body is compared on its rendered structure: the blocks of each version
(headings, paragraphs, list items, quotes, code) are aligned first, then the words within a changed block, so
a heading stays a heading and a list a list, and a changed sentence never breaks its paragraph in two. Every
mark carries a visually hidden "Added:" or "Removed:" for screen readers, which announce neither element.
"""

import difflib
import re
from collections.abc import Sequence
from typing import Literal

from markupsafe import Markup, escape

from app.services.markdown import Block, article_blocks
from app.services.sanitize import clean_diff_html

# A word with the spaces after it: changed runs of words then read as one change, not word-space-word.
_TOKENS = re.compile(r"\s+|\S+\s*")

Mark = Literal["ins", "del"]
_LABELS: dict[Mark, str] = {"ins": "Added", "del": "Removed"}
# Blocks whose words are compared when they change; a table or a rule is replaced whole.
_WORDY = {"p", "li", "pre", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ul", "ol"}
# How alike two blocks of one kind must be to show as one changed block rather than one removed, one added.
_ALIKE = 0.3
# Past this many block pairs in one run of changes (a rewrite), the blocks show as removed, then added.
_MOST_PAIRS = 2500

Change = Literal["same", "changed", "added", "removed"]
# One step of a body's comparison: what happened, the block as it is now (or was, if removed), the earlier one.
Step = tuple[Change, Block, Block | None]


def _mark(mark: Mark, inner: str | Markup) -> Markup:
    """Words (escaped unless already Markup) in <ins> or <del>, labelled for screen readers."""
    return Markup('<{0}><span class="visually-hidden">{1}: </span>{2}</{0}>').format(Markup(mark), _LABELS[mark], inner)


def word_diff(old: str, new: str) -> Markup:
    """The new text with removed words in <del> and added words in <ins>; everything else escaped."""
    before, after = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    # Words are compared without the spaces after them, so the last word of a text matches the same word mid-text.
    matcher = difflib.SequenceMatcher(a=[t.strip() for t in before], b=[t.strip() for t in after], autojunk=False)
    parts = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(after[b1:b2])))
            continue
        if op in {"delete", "replace"}:
            parts.append(_mark("del", "".join(before[a1:a2])))
        if op in {"insert", "replace"}:
            parts.append(_mark("ins", "".join(after[b1:b2])))
    return Markup("").join(parts)


def _likeness(old: Block, new: Block) -> float | None:
    """How alike two blocks' words are (0-1), or None when they are not blocks of one kind in one place."""
    if old.tag != new.tag or old.containers != new.containers or old.tag not in _WORDY:
        return None
    return difflib.SequenceMatcher(a=old.text.split(), b=new.text.split(), autojunk=False).ratio()


def _pair(old: Sequence[Block], new: Sequence[Block]) -> list[Step]:
    """Within a run of changed blocks, pair each earlier block with the most alike later one, keeping the order."""
    alone = len(old) == len(new) == 1
    if len(old) * len(new) > _MOST_PAIRS:
        return [*(("removed", block, None) for block in old), *(("added", block, None) for block in new)]
    scores: dict[tuple[int, int], float] = {}
    for i, before in enumerate(old):
        for j, after in enumerate(new):
            score = _likeness(before, after)
            # One block replaced by one of its kind is that block changed, however much.
            if score is not None and (alone or score >= _ALIKE):
                scores[i, j] = max(score, 0.01)
    best = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in reversed(range(len(old))):
        for j in reversed(range(len(new))):
            paired = scores[i, j] + best[i + 1][j + 1] if (i, j) in scores else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], paired)
    steps: list[Step] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if (i, j) in scores and best[i][j] == scores[i, j] + best[i + 1][j + 1]:
            steps.append(("changed", new[j], old[i]))
            i, j = i + 1, j + 1
        elif i < len(old) and (j == len(new) or best[i][j] == best[i + 1][j]):
            steps.append(("removed", old[i], None))
            i += 1
        else:
            steps.append(("added", new[j], None))
            j += 1
    return steps


def compare_blocks(old: Sequence[Block], new: Sequence[Block]) -> list[Step]:
    """Align two versions' blocks: unchanged, changed in place, removed and added, in reading order."""
    matcher = difflib.SequenceMatcher(a=[b.key for b in old], b=[b.key for b in new], autojunk=False)
    steps: list[Step] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            steps.extend(("same", block, None) for block in new[b1:b2])
        else:
            steps.extend(_pair(old[a1:a2], new[b1:b2]))
    return steps


def _element(block: Block, inner: Markup) -> Markup:
    if block.tag == "pre":
        return Markup("<pre><code>{}</code></pre>").format(inner)
    return Markup("<{0}>{1}</{0}>").format(Markup(block.tag), inner)


def _shown(change: Change, block: Block, old: Block | None) -> Markup:
    """One block of the comparison, in its own element."""
    if change == "same":
        return Markup(block.html) if block.tag in {"pre", "table", "hr"} else _element(block, Markup(block.html))
    if change == "changed" and old is not None:
        return _element(block, word_diff(old.text, block.text))
    mark: Mark = "ins" if change == "added" else "del"
    if block.tag == "pre":
        return _element(block, _mark(mark, block.text))
    if block.tag in _WORDY:
        return _element(block, _mark(mark, Markup(block.html)))
    # A table or a rule: the whole element inside the mark.
    return Markup('<{0} class="diff__block"><span class="visually-hidden">{1}: </span>{2}</{0}>').format(
        Markup(mark), _LABELS[mark], Markup(block.html)
    )


def _item(opening: bool) -> Markup:
    # Anything but a list item inside a list (a nested list, a quote, a code block) goes in an item of its own.
    return Markup('<li class="diff__nest">') if opening else Markup("</li>")


def body_diff(old: str, new: str) -> Markup:
    """Two versions of an article body compared on their rendered blocks, as sanitised HTML."""
    parts: list[Markup] = []
    # The open lists and quotes, and whether each sits in an item of its own.
    open_: list[tuple[str, bool]] = []
    for change, block, earlier in compare_blocks(article_blocks(old), article_blocks(new)):
        shared = 0
        while shared < min(len(open_), len(block.containers)) and open_[shared][0] == block.containers[shared]:
            shared += 1
        while len(open_) > shared:
            tag, nested = open_.pop()
            parts.append(Markup("</{}>").format(Markup(tag)))
            if nested:
                parts.append(_item(False))
        for tag in block.containers[shared:]:
            nested = bool(open_) and open_[-1][0] in _LISTS
            if nested:
                parts.append(_item(True))
            parts.append(Markup("<{}>").format(Markup(tag)))
            open_.append((tag, nested))
        loose = block.tag != "li" and bool(open_) and open_[-1][0] in _LISTS
        shown = _shown(change, block, earlier)
        parts.append(_item(True) + shown + _item(False) if loose else shown)
    while open_:
        tag, nested = open_.pop()
        parts.append(Markup("</{}>").format(Markup(tag)))
        if nested:
            parts.append(_item(False))
    # The blocks' HTML comes straight from the renderer: one sanitiser pass over the whole diff makes it safe.
    return Markup(clean_diff_html("\n".join(parts)))
