"""What the classifier reads of a comment: its text without markup, and the links the markup held.

Writers type Markdown, robots often paste HTML, and imported comments come as either. Both are read
the same way here (`[text](url)` and `<a href="url">text</a>` become the text, the URL goes to the
links), so the model learns what a comment says, never how it was formatted.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field

# Invisible format characters (soft hyphen, zero-width spaces and joiners, direction marks, BOM).
_FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_HTML_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)["']?[^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,500}>")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]{0,500})\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# Reference-style links: `[text][1]` in the text, `[1]: https://…` on a line of its own.
_REFERENCE_DEFINITION = re.compile(r"(?m)^\s{0,3}\[[^\]]{1,100}\]:\s*<?(\S+?)>?(?:\s+[\"'(].*)?$")
_REFERENCE_LINK = re.compile(r"!?\[([^\]]{0,500})\]\s?\[[^\]]{0,100}\]")
# Headings, quotes, list markers at the start of a line; emphasis, code and strike marks anywhere.
_MARKDOWN_MARKS = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~]{1,3}")


@dataclass(frozen=True)
class Plain:
    """A comment as the classifier reads it: `text` without markup, `links` the targets its markup held."""

    text: str
    links: tuple[str, ...] = field(default_factory=tuple)


def readable_text(text: str | None) -> str:
    """HTML entities decoded, NFKC, invisible format characters removed."""
    text = unicodedata.normalize("NFKC", html.unescape(text or ""))
    return _FORMAT_CHARS.sub("", text)


def markup_free(text: str | None) -> Plain:
    """The comment's text with HTML tags and Markdown marks removed; link targets kept apart."""
    links: list[str] = []

    def html_link(match: re.Match[str]) -> str:
        links.append(match.group(1))
        return f" {match.group(2)} "

    def markdown_link(match: re.Match[str]) -> str:
        links.append(match.group(2))
        return f" {match.group(1)} "

    def reference_definition(match: re.Match[str]) -> str:
        links.append(match.group(1))
        return " "

    plain = _HTML_LINK.sub(html_link, readable_text(text))
    plain = _TAG.sub(" ", plain)
    plain = _MARKDOWN_LINK.sub(markdown_link, plain)
    plain = _REFERENCE_DEFINITION.sub(reference_definition, plain)
    plain = _REFERENCE_LINK.sub(r" \1 ", plain)
    plain = _MARKDOWN_MARKS.sub(" ", plain)
    return Plain(plain, tuple(links))
