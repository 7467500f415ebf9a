"""Markdown to safe HTML, with stable paragraph anchors (#p-1, #p-2, ...) for articles."""

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

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


def _comment_parser() -> MarkdownIt:
    # The subset readers get: paragraphs, emphasis, links, inline code, code blocks, quotes, lists.
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    parser.enable(["strikethrough", "linkify"])
    parser.disable(["heading", "lheading", "image", "hr", "html_block", "html_inline", "reference"])
    return parser


_comment_md = _comment_parser()


def render_comment(source: str) -> str:
    """Render a comment's Markdown subset to clean HTML."""
    return clean_comment_html(_comment_md.render(source))


def render_note(source: str) -> str:
    """Render a note (or a correction request) with the same Markdown subset as comments."""
    return render_comment(source)
