"""Markdown to safe HTML, with stable paragraph anchors (#p-1, #p-2, ...) for articles."""

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from app.services.formatting import COMMENT_FORMATTING, Construct, markdown_rules
from app.services.sanitize import clean_article_html, clean_comment_html


@dataclass
class Paragraph:
    """One anchored block of an article: its anchor and its plain text."""

    anchor: str
    text: str


@dataclass
class RenderedArticle:
    """The clean HTML of an article and the paragraphs it anchors."""

    html: str
    paragraphs: list[Paragraph] = field(default_factory=list)


def _article_parser() -> MarkdownIt:
    # Raw HTML in the source is shown as text, never passed through; the sanitiser runs anyway.
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": True})
    parser.enable(["table", "strikethrough", "linkify", "replacements", "smartquotes"])
    return parser


_parser = _article_parser()


def render_article(source: str) -> RenderedArticle:
    """Render an article's Markdown: headings start at h2, every paragraph and list item gets p-N."""
    tokens = _parser.parse(source)
    paragraphs: list[Paragraph] = []
    open_items: list[Token] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
        elif token.type == "heading_close":
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type == "list_item_open":
            open_items.append(token)
        elif token.type == "list_item_close":
            open_items.pop()
        elif token.type == "paragraph_open":
            # A tight list hides its <p>, so the anchor goes on the list item instead.
            target = open_items[-1] if token.hidden and open_items else token
            if target.attrGet("id") is None:
                anchor = f"p-{len(paragraphs) + 1}"
                target.attrSet("id", anchor)
                inline = tokens[index + 1]
                paragraphs.append(Paragraph(anchor, " ".join(inline.content.split())))
    html = _parser.renderer.render(tokens, _parser.options, {})
    return RenderedArticle(clean_article_html(html), paragraphs)


def _plain_image(image: Token, inside_link: bool) -> list[Token]:
    """An image in a comment: a link to the picture named by its description (just the words inside a link)."""
    words = image.children or []
    if inside_link:
        return words
    src = str(image.attrGet("src") or "")
    if not words:
        words = [_token("text", content=src)]
    link = _token("link_open", "a", 1)
    link.attrSet("href", src)
    return [link, *words, _token("link_close", "a", -1)]


def _token(kind: str, tag: str = "", nesting: Literal[-1, 0, 1] = 0, content: str = "", block: bool = False) -> Token:
    token = Token(kind, tag, nesting)
    token.content, token.block = content, block
    return token


def _plain_table(tokens: list[Token], start: int) -> tuple[list[Token], int]:
    """A table in a comment: one paragraph, a line per row, cells separated by " · ", header cells in bold."""
    children: list[Token] = []
    index, rows, cells = start + 1, 0, 0
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            if rows:
                children.append(_token("hardbreak", "br"))
            rows, cells = rows + 1, 0
        elif token.type == "inline":
            header = tokens[index - 1].type == "th_open"
            if cells:
                children.append(_token("text", content=" · "))
            cells += 1
            words = token.children or []
            if header and words:
                words = [_token("strong_open", "strong", 1), *words, _token("strong_close", "strong", -1)]
            children.extend(words)
        index += 1
    inline = _token("inline", block=True)
    inline.children = children
    block = [_token("paragraph_open", "p", 1, block=True), inline, _token("paragraph_close", "p", -1, block=True)]
    return block, index + 1


def _plain_text(state: StateCore) -> None:
    """Turn what comments parse but do not render (formatting.PLAIN_TEXT) into readable text, not syntax."""
    tokens: list[Token] = []
    index = 0
    while index < len(state.tokens):
        token = state.tokens[index]
        if token.type == "table_open":
            block, index = _plain_table(state.tokens, index)
            tokens.extend(block)
            continue
        if token.type in {"heading_open", "heading_close"}:
            # A heading: a paragraph in bold, so "## Tips" reads as "Tips", not as syntax.
            opening = token.nesting == 1
            paragraph = _token("paragraph_open" if opening else "paragraph_close", "p", token.nesting, block=True)
            tokens.append(paragraph)
            if opening:
                inline = state.tokens[index + 1]
                inline.children = [
                    _token("strong_open", "strong", 1),
                    *(inline.children or []),
                    _token("strong_close", "strong", -1),
                ]
        elif token.type == "inline" and token.children:
            children: list[Token] = []
            links = 0
            for child in token.children:
                links += 1 if child.type == "link_open" else -1 if child.type == "link_close" else 0
                children.extend(_plain_image(child, links > 0) if child.type == "image" else [child])
            token.children = children
            tokens.append(token)
        else:
            tokens.append(token)
        index += 1
    state.tokens = tokens


def _comment_parser() -> MarkdownIt:
    # Exactly the rules formatting.py lists: what comments support, and what they show as plain text.
    parser = MarkdownIt("zero", {"html": False, "linkify": True, "breaks": True})
    parser.enable(markdown_rules())
    parser.core.ruler.push("plain_text", _plain_text)
    return parser


_comment_md = _comment_parser()


def render_comment(source: str) -> str:
    """Render a comment's Markdown subset to clean HTML; other Markdown becomes plain readable text."""
    return clean_comment_html(_comment_md.render(source))


@dataclass(frozen=True)
class HelpEntry:
    """One line of "Formatting help": a construct comments support and its example as comments render it."""

    construct: Construct
    html: str


@cache
def formatting_help() -> tuple[HelpEntry, ...]:
    """What "Formatting help" lists, rendered by the comment renderer itself so the help cannot drift from it."""
    return tuple(HelpEntry(construct, render_comment(construct.example)) for construct in COMMENT_FORMATTING)


def render_note(source: str) -> str:
    """Render a note (or a correction request) with the same Markdown subset as comments."""
    return render_comment(source)
