"""Article Markdown: paragraph anchors, heading levels, and sanitising of hostile input."""

from html.parser import HTMLParser

import pytest

from app.services.markdown import render_article


def test_every_paragraph_and_list_item_gets_an_anchor_in_order():
    rendered = render_article("Intro.\n\n- first\n- second\n\n1. loose\n\n2. items\n\n> quoted\n\nLast.")
    assert [p.anchor for p in rendered.paragraphs] == [f"p-{n}" for n in range(1, 8)]
    assert [p.text for p in rendered.paragraphs] == ["Intro.", "first", "second", "loose", "items", "quoted", "Last."]
    assert '<p id="p-1">Intro.</p>' in rendered.html
    assert '<li id="p-2">first</li>' in rendered.html
    assert '<p id="p-4">loose</p>' in rendered.html
    assert '<p id="p-7">Last.</p>' in rendered.html


def test_anchors_are_stable_for_the_same_source():
    source = "One.\n\nTwo.\n\n- three"
    assert render_article(source).html == render_article(source).html


def test_headings_start_below_the_page_title():
    html = render_article("# Big\n\n## Smaller\n\n###### Tiny").html
    assert "<h2>Big</h2>" in html and "<h3>Smaller</h3>" in html and "<h6>Tiny</h6>" in html
    assert "<h1" not in html


class _Elements(HTMLParser):
    """Collect every element and attribute of a fragment, to check what a browser would act on."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def active_parts(html: str) -> list[str]:
    """Everything in the HTML that could run code or load something dangerous."""
    parser = _Elements()
    parser.feed(html)
    found = []
    for tag, attrs in parser.elements:
        if tag in {"script", "iframe", "object", "embed", "style", "form", "svg"}:
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                found.append(f"{tag}[{name}={value}]")
            if name == "id" and value == "p-99":
                found.append("spoofed anchor")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:image/png;base64,AAAA)",
        '<p id="p-99" onclick="x()">spoof</p>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        "<a href='javascript:x'>unclosed <b>tags",
    ],
)
def test_hostile_markup_comes_out_inert(source):
    html = render_article(source).html
    assert active_parts(html) == []


def test_the_inertness_check_itself_sees_active_markup():
    assert active_parts('<a href="javascript:x" onclick="y">z</a><script></script>') == [
        "a[href=javascript:x]",
        "a[onclick]",
        "script",
    ]


def test_raw_html_is_shown_as_text_not_dropped():
    html = render_article("Use the <b> tag").html
    assert "&lt;b&gt;" in html


def test_links_and_bare_urls_are_kept():
    html = render_article("See https://example.org/rules and [the form](https://example.org/form).").html
    assert '<a href="https://example.org/rules">https://example.org/rules</a>' in html
    assert '<a href="https://example.org/form">the form</a>' in html
