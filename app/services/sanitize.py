"""The only module that imports bleach: every piece of user-written HTML is cleaned here, on write."""

import re
from collections.abc import Callable, MutableMapping
from collections.abc import Set as AbstractSet
from functools import partial
from typing import Any

import bleach
from bleach.linkifier import LinkifyFilter

from app.services.formatting import comment_tags

LINK_PROTOCOLS = ["http", "https", "mailto"]
PARAGRAPH_ID = re.compile(r"^p-[0-9]+$")
CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,32}$")

ARTICLE_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "em",
    "strong",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def _article_attribute(tag: str, name: str, value: str) -> bool:
    """Allow only the attributes an article needs, and ids only of the paragraph-anchor form."""
    if name == "id":
        return tag in {"p", "li"} and bool(PARAGRAPH_ID.match(value))
    if tag == "a":
        return name in {"href", "title"}
    if tag == "img":
        return name in {"src", "alt", "title"}
    if tag == "code":
        return name == "class" and bool(CODE_CLASS.match(value))
    if tag in {"th", "td"}:
        return name == "style" and value in {"text-align:left", "text-align:right", "text-align:center"}
    if tag == "ol":
        return name == "start" and value.isdigit()
    return False


def _cleaner(tags: AbstractSet[str], attributes: Callable[[str, str, str], bool], **extra: Any) -> bleach.Cleaner:
    """A cleaner that drops (rather than escapes) what it does not allow, comments included, and links to
    LINK_PROTOCOLS only."""
    return bleach.Cleaner(
        tags=tags, attributes=attributes, protocols=LINK_PROTOCOLS, strip=True, strip_comments=True, **extra
    )


_article_cleaner = _cleaner(ARTICLE_TAGS, _article_attribute)


def clean_article_html(html: str) -> str:
    """Sanitise the HTML rendered from an article's Markdown."""
    return _article_cleaner.clean(html)


# The history diff: an article's tags, its marks, and the few classes the diff itself sets.
DIFF_CLASSES = {"span": "visually-hidden", "ins": "diff__block", "del": "diff__block", "li": "diff__nest"}


def _diff_attribute(tag: str, name: str, value: str) -> bool:
    if name == "class":
        return DIFF_CLASSES.get(tag) == value
    # No ids: the article's paragraph anchors belong to the article's own page.
    return name != "id" and _article_attribute(tag, name, value)


_diff_cleaner = _cleaner(ARTICLE_TAGS | {"ins", "del", "span"}, _diff_attribute)


def clean_diff_html(html: str) -> str:
    """Sanitise an article diff: the article's tags and attributes, <ins> and <del>, and the diff's own classes."""
    return _diff_cleaner.clean(html)


# Exactly what the comment renderer produces (formatting.COMMENT_FORMATTING), so the two cannot drift apart.
COMMENT_TAGS = comment_tags()
COMMENT_LINK_REL = "nofollow ugc noopener"
# How bleach hands a link's attributes to a callback: (namespace, name) -> value.
_LinkAttrs = MutableMapping[tuple[str | None, str], str]


def _comment_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "rel"}
    if tag == "ol":
        return name == "start" and value.isdigit()
    return False


def _mark_comment_link(attrs: _LinkAttrs, new: bool = False) -> _LinkAttrs | None:
    """Every link in a comment: nofollow ugc noopener, no target; links to nowhere are dropped."""
    href = attrs.get((None, "href"), "")
    if not href:
        return None
    attrs[(None, "rel")] = COMMENT_LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


_comment_cleaner = _cleaner(
    COMMENT_TAGS,
    _comment_attribute,
    filters=[
        partial(
            LinkifyFilter,
            # bleach drops a link whose callback returns None, but its stubs say a callback always returns attributes.
            callbacks=[_mark_comment_link],  # type: ignore[list-item]
            skip_tags={"pre", "code"},
            parse_email=False,
        )
    ],
)


def clean_comment_html(html: str) -> str:
    """Sanitise the HTML rendered from a comment: a small set of tags, safe links, bare URLs linked."""
    return _comment_cleaner.clean(html)
