"""HTML from another platform as the Markdown our writers type: what an imported comment or article keeps as its
editable source, rendered again (and sanitised) by services.markdown like anything written here.

Lenient by design: html.parser reads any soup (unclosed tags, stray end tags, entities), scripts and styles are
dropped with their text, and what cannot be Markdown (a table, a heading in a comment, an image in a comment)
becomes readable text. Text that would read as Markdown syntax is escaped, so the words come out as written.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed"})
_DROPPED = frozenset({"script", "style", "iframe", "object", "noscript", "template", "head", "title", "svg", "form"})
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "main",
        "nav",
        "figure",
        "figcaption",
        "blockquote",
        "ul",
        "ol",
        "li",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "dl",
        "dt",
        "dd",
        "address",
        "details",
        "summary",
    }
)
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# Words that must not be escaped: a backslash inside an address would break the link linkify makes of it.
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_INLINE_MARKS = re.compile(r"([\\`*\[\]~])|(?<!\w)_|_(?!\w)|&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([-+*](?=\s)|#|>|=+(?=\s*$)|-+(?=\s*$))")
_NUMBERED = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list["_Element | str"] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving tree: an end tag closes the nearest open element of its name, or is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {name: value or "" for name, value in attrs})
        # As browsers read it: a block closes an open paragraph (<p>one <b>two<p>three), an item the open item.
        closes = "li" if tag == "li" else "p" if tag in _BLOCKS else None
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == closes:
                del self.stack[depth:]
                break
            if self.stack[depth].tag in {"ul", "ol", "blockquote", "div", "td", "th"}:
                break
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _escape(text: str) -> str:
    """Backslash the characters that would turn words into Markdown, leaving addresses alone."""
    pieces, last = [], 0
    for match in _URL.finditer(text):
        pieces.append(_INLINE_MARKS.sub(lambda m: "\\" + m.group(0), text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_INLINE_MARKS.sub(lambda m: "\\" + m.group(0), text[last:]))
    return "".join(pieces)


def _escape_line_starts(paragraph: str) -> str:
    """A line that starts like a list item, a heading or a quote, but was not one, keeps its first mark as text."""
    lines = paragraph.split("\n")
    lines = [_NUMBERED.sub(r"\1\\\2", _LINE_START.sub(r"\1\\\2", line)) for line in lines]
    return "\n".join(lines)


def _text_of(node: "_Element | str") -> str:
    if isinstance(node, str):
        return node
    if node.tag in _DROPPED:
        return ""
    if node.tag == "br":
        return "\n"
    return "".join(_text_of(child) for child in node.children)


def _fence(code: str) -> str:
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}\n{code.strip(chr(10))}\n{ticks}"


def _safe_href(href: str) -> str | None:
    href = href.strip()
    if not href.lower().startswith(_LINK_SCHEMES):
        return None
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _wrap(inner: str, mark: str) -> str:
    """`**words**` with the spaces around the words kept outside the marks (Markdown needs them there)."""
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{stripped}{mark}{trail}"


class _Converter:
    def __init__(self, *, breaks: bool, article: bool) -> None:
        # breaks: newlines in the text are line breaks and a blank line a paragraph (WordPress keeps text so);
        # otherwise whitespace is collapsed as a browser does (Disqus sends rendered HTML).
        self.breaks = breaks
        self.article = article

    def inline(self, nodes: list["_Element | str"]) -> str:
        return "".join(self.inline_node(node) for node in nodes)

    def inline_node(self, node: "_Element | str") -> str:
        if isinstance(node, str):
            if self.breaks:
                text = re.sub(r"[ \t\r\f\v]+", " ", node.replace("\r\n", "\n"))
            else:
                text = re.sub(r"[ \t\n\r\f\v]+", " ", node)  # as a browser collapses them: not &nbsp;
            return _escape(text)
        tag = node.tag
        if tag in _DROPPED:
            return ""
        if tag == "br":
            return "\n"
        if tag in {"strong", "b"}:
            return _wrap(self.inline(node.children), "**")
        if tag in {"em", "i", "cite", "dfn"}:
            return _wrap(self.inline(node.children), "*")
        if tag in {"del", "s", "strike"}:
            return _wrap(self.inline(node.children), "~~")
        if tag in {"code", "tt", "kbd", "samp"}:
            code = " ".join(_text_of(node).split())
            if not code:
                return ""
            ticks = "`"
            while ticks in code:
                ticks += "`"
            pad = " " if code.startswith("`") or code.endswith("`") else ""
            return f"{ticks}{pad}{code}{pad}{ticks}"
        if tag == "a":
            return self.link(node)
        if tag == "img":
            return self.image(node)
        if tag in _BLOCKS:
            return "\n\n" + self.blocks(node.children) + "\n\n"
        return self.inline(node.children)

    def link(self, node: _Element) -> str:
        text = self.inline(node.children).strip()
        href = _safe_href(node.attrs.get("href", ""))
        if href is None:
            return text
        plain = re.sub(r"^(https?://|mailto:)", "", href.rstrip("/"))
        if not text or text.replace("\\", "").rstrip("/") in {href.rstrip("/"), plain}:
            return href if not href.startswith("mailto:") else href[len("mailto:") :]
        return f"[{text}]({href})"

    def image(self, node: _Element) -> str:
        alt = _escape(" ".join(node.attrs.get("alt", "").split()))
        src = _safe_href(node.attrs.get("src", ""))
        if src is None or src.startswith("mailto:"):
            return alt
        if self.article:
            return f"![{alt}]({src})"
        return f"[{alt or 'image'}]({src})"

    def paragraphs(self, run: list["_Element | str"]) -> list[str]:
        text = self.inline(run)
        lines = [line.strip() for line in text.split("\n")]
        found = re.split(r"\n{2,}", "\n".join(lines))
        return [_escape_line_starts(part.strip("\n")) for part in found if part.strip()]

    def blocks(self, children: list["_Element | str"]) -> str:
        parts: list[str] = []
        run: list[_Element | str] = []
        for child in children:
            if isinstance(child, _Element) and child.tag in _BLOCKS:
                parts += self.paragraphs(run)
                run = []
                parts.append(self.block(child))
            else:
                run.append(child)
        parts += self.paragraphs(run)
        return "\n\n".join(part for part in parts if part.strip())

    def block(self, node: _Element) -> str:
        tag = node.tag
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            title = " ".join(self.inline(node.children).split())
            if not title:
                return ""
            return f"{'#' * max(1, int(tag[1]) - 1)} {title}" if self.article else f"**{title}**"
        if tag == "blockquote":
            inner = self.blocks(node.children)
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n")) if inner else ""
        if tag in {"ul", "ol"}:
            return self.list(node)
        if tag == "li":
            return self.item("- ", node)
        if tag == "pre":
            code = _text_of(node)
            return _fence(code) if code.strip() else ""
        if tag == "hr":
            return "---" if self.article else ""
        if tag in {"table", "thead", "tbody", "tfoot"}:
            return self.blocks(node.children)
        if tag == "tr":
            cells = [
                " ".join(self.inline(cell.children).split()) for cell in node.children if isinstance(cell, _Element)
            ]
            return " | ".join(cell for cell in cells if cell)
        return self.blocks(node.children)

    def list(self, node: _Element) -> str:
        items: list[str] = []
        number = int(node.attrs["start"]) if node.attrs.get("start", "").isdigit() else 1
        for child in node.children:
            if isinstance(child, str) and not child.strip():
                continue
            marker = f"{number}. " if node.tag == "ol" else "- "
            element = child if isinstance(child, _Element) and child.tag == "li" else _Element("li", {}, [child])
            item = self.item(marker, element)
            if item:
                items.append(item)
                number += 1
        return "\n".join(items)

    def item(self, marker: str, node: _Element) -> str:
        inner = self.blocks(node.children)
        if not inner:
            return ""
        indent = " " * len(marker)
        lines = inner.split("\n")
        return "\n".join([marker + lines[0]] + [indent + line if line else "" for line in lines[1:]])


def html_to_markdown(html: str, *, breaks: bool = False, article: bool = False) -> str:
    """Markdown that reads as the HTML did. `breaks`: the text's own newlines are line breaks, a blank line starts a
    paragraph (WordPress keeps comments and posts so); `article`: headings and images stay (comments have neither)."""
    builder = _TreeBuilder()
    builder.feed(html or "")
    builder.close()
    text = _Converter(breaks=breaks, article=article).blocks(builder.root.children)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
