"""What a comment's Markdown does: the one list that configures the renderer, the sanitiser and "Formatting help".

Every construct names the markdown-it rules that parse it and the tags it may produce; the comment parser
enables exactly those rules, the sanitiser allows exactly those tags, and the help shows each example as
the renderer renders it. Anything else in a comment is shown as plain readable text (PLAIN_TEXT).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Construct:
    """One piece of Markdown that works in comments: how it is written and what it produces."""

    name: str
    # Markdown as a reader types it; the help shows it next to its rendering.
    example: str
    # The element the example renders to: the promise the help makes, checked by the tests.
    element: str
    # Every tag the construct may produce (the sanitiser's allow-list is their union).
    tags: frozenset[str]
    # The markdown-it rules that parse it.
    rules: tuple[str, ...]
    # Another way to write it, or a word on when it applies.
    also: str = ""


@dataclass(frozen=True)
class PlainText:
    """Markdown that comments do not render as such, and what it is shown as instead."""

    name: str
    example: str
    # How the help says it is shown, as part of one sentence: "images as a link to the picture".
    shown_as: str
    # The markdown-it rules that parse it, so that it can be turned into plain text rather than left as syntax.
    rules: tuple[str, ...] = ()


COMMENT_FORMATTING: tuple[Construct, ...] = (
    Construct(
        "Paragraph",
        "First paragraph.\n\nSecond paragraph.",
        "p",
        frozenset({"p"}),
        ("paragraph",),
        "a blank line between paragraphs",
    ),
    Construct("Line break", "Roses are red,\nviolets are blue.", "br", frozenset({"br"}), ("newline",), "a new line"),
    Construct("Italic", "*italic*", "em", frozenset({"em"}), ("emphasis",), "or _italic_"),
    Construct("Bold", "**bold**", "strong", frozenset({"strong"}), ("emphasis",), "or __bold__"),
    Construct("Strikethrough", "~~struck out~~", "s", frozenset({"s"}), ("strikethrough",)),
    Construct("Code", "`print(1)`", "code", frozenset({"code"}), ("backticks",)),
    Construct(
        "Code block",
        "```\nif late:\n    apologise()\n```",
        "pre",
        frozenset({"pre", "code"}),
        ("fence", "code"),
        "or indent every line by four spaces",
    ),
    Construct(
        "Link",
        "[the rules](https://example.org/rules)",
        "a",
        frozenset({"a"}),
        ("link", "linkify", "autolink"),
        "a bare web address becomes a link too",
    ),
    Construct("Quote", "> Quoted words", "blockquote", frozenset({"blockquote"}), ("blockquote",)),
    Construct("Bulleted list", "- apples\n- pears", "ul", frozenset({"ul", "li"}), ("list",), "or * at the start"),
    Construct("Numbered list", "1. first\n2. second", "ol", frozenset({"ol", "li"}), ("list",)),
)

PLAIN_TEXT: tuple[PlainText, ...] = (
    PlainText("Image", "![A cat](https://example.org/cat.jpg)", "images as a link to the picture", ("image",)),
    PlainText("Heading", "## Heading", "headings as a line in bold", ("heading", "lheading")),
    PlainText("Table", "| a | b |\n|---|---|\n| 1 | 2 |", "tables as rows of text, cells separated by ·", ("table",)),
    PlainText("HTML", "<b>bold?</b>", "HTML exactly as typed"),
)

# Backslash escapes and character references: how a reader writes a literal * or &amp;.
ALWAYS_ON = ("escape", "entity")


def markdown_rules() -> list[str]:
    """Every markdown-it rule the comment parser enables, in a stable order."""
    rules = [*ALWAYS_ON]
    every = [*(c.rules for c in COMMENT_FORMATTING), *(p.rules for p in PLAIN_TEXT)]
    for rule in (name for names in every for name in names):
        if rule not in rules:
            rules.append(rule)
    return rules


def comment_tags() -> frozenset[str]:
    """Every tag a rendered comment may hold."""
    return frozenset(tag for construct in COMMENT_FORMATTING for tag in construct.tags)
