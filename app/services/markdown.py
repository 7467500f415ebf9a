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


def _heading_levels(state: StateCore) -> None:
    """Headings start at h2: the page's title is the article's one h1."""
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _article_parser() -> MarkdownIt:
    # Raw HTML in the source is shown as text, never passed through; the sanitiser runs anyway.
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": True})
    parser.enable(["table", "strikethrough", "linkify", "replacements", "smartquotes"])
    parser.core.ruler.push("heading_levels", _heading_levels)
    return parser


_parser = _article_parser()


def render_article(source: str) -> RenderedArticle:
    """Render an article's Markdown: headings start at h2, every paragraph and list item gets p-N."""
    tokens = _parser.parse(source)
    paragraphs: list[Paragraph] = []
    open_items: list[Token] = []
    for index, token in enumerate(tokens):
        if token.type == "list_item_open":
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


@dataclass(frozen=True)
class Block:
    """One block of a rendered article, as the history diff compares them: a heading, a paragraph, a list item..."""

    # h2-h6, p, li, pre, table or hr.
    tag: str
    # The lists and quotes around it, outermost first: ("ul",), ("blockquote",), ("ol", "ul") for a nested list.
    containers: tuple[str, ...]
    # Its words as readers read them (no Markdown syntax); a code block's text as written.
    text: str
    # HTML as the renderer makes it (raw HTML in the source comes out as text), not yet sanitised: the
    # inside of its element for a heading, paragraph or list item, the whole element otherwise. Whatever
    # shows it sanitises it (the history diff cleans its whole output once).
    html: str

    @property
    def key(self) -> tuple[tuple[str, ...], str, str]:
        """What makes two blocks the same block."""
        return self.containers, self.tag, self.text


_LISTS = {"ul", "ol"}
_CONTAINERS = {"bullet_list_open", "ordered_list_open", "blockquote_open"}
_CONTAINERS_CLOSE = {"bullet_list_close", "ordered_list_close", "blockquote_close"}


def _words(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in {"text", "code_inline", "image"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return " ".join("".join(parts).split())


def _inline_html(inline: Token) -> str:
    return str(_parser.renderer.render([inline], _parser.options, {}))


def _list_item(containers: list[str], inlines: list[Token]) -> Block:
    text = " ".join(filter(None, (_words(inline) for inline in inlines)))
    parts = [_inline_html(inline) for inline in inlines]
    html = parts[0] if len(parts) == 1 else "".join(f"<p>{part}</p>" for part in parts)
    return Block("li", tuple(containers), text, html)


def article_blocks(source: str) -> list[Block]:
    """An article's rendered blocks in reading order, as render_article renders them (headings from h2)."""
    tokens = _parser.parse(source)
    blocks: list[Block] = []
    containers: list[str] = []
    # The open list items, innermost last: where each one's block goes, and the inline text of its paragraphs.
    items: list[tuple[int, list[Token]]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        where = tuple(containers)
        if token.type in _CONTAINERS:
            containers.append(token.tag)
        elif token.type in _CONTAINERS_CLOSE:
            containers.pop()
        elif token.type == "list_item_open":
            # The item's block takes its place before any list nested in it; its words are filled in at the end.
            items.append((len(blocks), []))
            blocks.append(Block("li", where, "", ""))
        elif token.type == "list_item_close":
            at, inlines = items.pop()
            blocks[at] = _list_item(list(blocks[at].containers), inlines)
        elif token.type in {"paragraph_open", "heading_open"}:
            inline = tokens[index + 1]
            if token.type == "paragraph_open" and items and containers and containers[-1] in _LISTS:
                items[-1][1].append(inline)
            else:
                tag = "p" if token.type == "paragraph_open" else token.tag
                blocks.append(Block(tag, where, _words(inline), _inline_html(inline)))
            index += 3
            continue
        elif token.type in {"fence", "code_block"}:
            blocks.append(Block("pre", where, token.content, _render([token])))
        elif token.type == "hr":
            blocks.append(Block("hr", where, "", "<hr>"))
        elif token.type == "table_open":
            end = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close") + 1
            table = tokens[index:end]
            text = " | ".join(_words(cell) for cell in table if cell.type == "inline")
            blocks.append(Block("table", where, text, _render(table)))
            index = end
            continue
        index += 1
    return blocks


def _render(tokens: list[Token]) -> str:
    return str(_parser.renderer.render(tokens, _parser.options, {}))


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
