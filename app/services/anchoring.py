"""Where notes sit in an article: the paragraph a note follows, how it follows that paragraph through edits,
and the article's HTML with the notes placed after their paragraphs."""

import difflib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.models import Article, Note
from app.services.errors import ServiceError
from app.services.markdown import Paragraph, render_article

# How alike an edited paragraph must stay (difflib ratio) for a note to keep following it: less where
# the paragraph kept its place, more where the note would move to another one (short paragraphs such
# as "Second point." and "First point." are alike without being the same).
FOLLOW_RATIO_SAME_PLACE = 0.6
FOLLOW_RATIO_MOVED = 0.75


def paragraphs_of(article: Article) -> list[Paragraph]:
    """The article's anchored paragraphs as they stand now."""
    return render_article(article.body).paragraphs


def find_paragraph(article: Article, paragraph: str | None) -> Paragraph | None:
    """The paragraph a writer chose by its anchor ("p-3", "#p-3"), or None for the end; an unknown one is refused."""
    paragraph = (paragraph or "").strip()
    if not paragraph or paragraph == "end":
        return None
    paragraph = paragraph.lstrip("#")
    for candidate in paragraphs_of(article):
        if candidate.anchor == paragraph:
            return candidate
    raise ServiceError(
        f"This article has no paragraph {paragraph!r}; choose one of its paragraphs (p-1, p-2, ...) or the end.",
        field="paragraph",
    )


def _follow(note: Note, paragraphs: list[Paragraph]) -> Paragraph | None:
    """The paragraph a note belongs to after an edit: the same text, else the most alike, else none."""
    same = [p for p in paragraphs if p.text == note.anchor_text]
    if same:
        return next((p for p in same if p.anchor == note.anchor), same[0])
    best, best_ratio = None, 0.0
    for candidate in paragraphs:
        needed = FOLLOW_RATIO_SAME_PLACE if candidate.anchor == note.anchor else FOLLOW_RATIO_MOVED
        matcher = difflib.SequenceMatcher(None, note.anchor_text or "", candidate.text, autojunk=False)
        if matcher.real_quick_ratio() < needed or matcher.quick_ratio() < needed:
            continue
        ratio = matcher.ratio()
        # Ties go to the paragraph that kept the note's anchor.
        if ratio >= needed and (ratio > best_ratio or (ratio == best_ratio and candidate.anchor == note.anchor)):
            best, best_ratio = candidate, ratio
    return best


def reanchor_notes(article: Article, paragraphs: list[Paragraph]) -> None:
    """After an edit, point each inline note at its paragraph again (in the caller's transaction)."""
    notes = db.session.scalars(select(Note).where(Note.article_id == article.id, Note.anchor.is_not(None))).all()
    for note in notes:
        found = _follow(note, paragraphs)
        if found is None:
            note.anchor, note.anchor_lost = None, True
        else:
            note.anchor, note.anchor_text = found.anchor, found.text


class _BlockEnds(HTMLParser):
    """Finds where the element carrying each wanted id ends, as offsets into the HTML."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "source", "area"}

    def __init__(self, html: str, wanted: set[str]):
        super().__init__(convert_charrefs=False)
        self.wanted = wanted
        self.ends: dict[str, int] = {}
        self._open: list[tuple[str, str | None]] = []
        # HTMLParser counts lines by "\n" only (str.splitlines would also split on U+2028 and others).
        self._line_offsets = [0] + [index + 1 for index, char in enumerate(html) if char == "\n"]
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_offsets[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        anchor = dict(attrs).get("id")
        self._open.append((tag, anchor if anchor in self.wanted else None))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, anchor = self._open.pop()
            if anchor is not None and open_tag == tag:
                # A list item keeps its note inside it; a paragraph's note follows it.
                end = self._offset()
                self.ends[anchor] = end if tag == "li" else end + len(f"</{tag}>")
            if open_tag == tag:
                break


def body_with_notes(html: str, fragments: dict[str, str]) -> Markup:
    """The article's clean HTML with each note fragment placed after its paragraph (inside a list item)."""
    if not fragments:
        return Markup(html)
    ends = _BlockEnds(html, set(fragments)).ends
    pieces, last = [], 0
    for anchor, offset in sorted(ends.items(), key=lambda item: item[1]):
        pieces += [html[last:offset], str(fragments[anchor])]
        last = offset
    pieces.append(html[last:])
    return Markup("".join(pieces))


@dataclass
class Placement:
    """Where each note goes on the page."""

    inline: dict[str, list[Note]] = field(default_factory=dict)
    end: list[Note] = field(default_factory=list)
    # Notes whose paragraph was removed by a later edit: shown at the end, marked as such.
    lost: list[Note] = field(default_factory=list)


_ANCHOR_ID = re.compile(r'\bid="(p-\d+)"')


def place_notes(article: Article, notes: list[Note]) -> Placement:
    """Sort the notes into inline (by paragraph anchor), at the end, and lost."""
    anchors = set(_ANCHOR_ID.findall(article.body_html))
    placement = Placement()
    for note in notes:
        if note.anchor and note.anchor in anchors:
            placement.inline.setdefault(note.anchor, []).append(note)
        elif note.anchor_lost or note.anchor:
            placement.lost.append(note)
        else:
            placement.end.append(note)
    return placement
