"""The history diff: blocks of the rendered article aligned first, then the words within a changed block."""

from html.parser import HTMLParser

import pytest

from app.services.diff import body_diff, word_diff
from app.services.sanitize import clean_diff_html
from tests.unit.test_markdown import active_parts

ADDED = '<ins><span class="visually-hidden">Added: </span>'
REMOVED = '<del><span class="visually-hidden">Removed: </span>'


class _Tree(HTMLParser):
    """Every element with the chain of elements it sits in, to check that the diff keeps the article's structure."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.paths: list[tuple[str, ...]] = []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)
        self.paths.append(tuple(self.open))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()


def paths(html: str) -> list[tuple[str, ...]]:
    tree = _Tree()
    tree.feed(html)
    assert tree.open == [], "an element is left open"
    return tree.paths


def test_a_changed_heading_stays_a_heading_with_its_words_marked():
    html = body_diff("# Limits\n\nText.", "# Limits by state\n\nText.")
    assert html == f"<h2>Limits {ADDED}by state</ins></h2>\n<p>Text.</p>"


def test_a_changed_list_item_stays_an_item_of_its_list():
    html = body_diff("Intro.\n\n- Ohio: $6,000\n- Utah: $10,000\n", "Intro.\n\n- Ohio: $6,000\n- Utah: $11,000\n")
    assert html == (
        f"<p>Intro.</p>\n<ul>\n<li>Ohio: $6,000</li>\n<li>Utah: {REMOVED}$10,000</del>{ADDED}$11,000</ins></li>\n</ul>"
    )


def test_a_changed_sentence_inside_a_paragraph_adds_no_paragraph_break():
    old = "First sentence stays. The limit is around $10,000. Last sentence stays.\n\nNext paragraph."
    new = "First sentence stays. The limit varies by state. Last sentence stays.\n\nNext paragraph."
    html = body_diff(old, new)
    assert html.count("<p>") == 2
    assert html.startswith(
        f"<p>First sentence stays. The limit {REMOVED}is around $10,000. </del>{ADDED}varies by state. </ins>"
        "Last sentence stays.</p>"
    )


def test_a_moved_paragraph_is_removed_where_it_was_and_added_where_it_is():
    html = body_diff("Alpha.\n\nBeta.\n\nGamma.", "Beta.\n\nGamma.\n\nAlpha.")
    assert html == f"<p>{REMOVED}Alpha.</del></p>\n<p>Beta.</p>\n<p>Gamma.</p>\n<p>{ADDED}Alpha.</ins></p>"


def test_added_and_removed_blocks_keep_their_own_elements():
    html = body_diff("## Old part\n\n- one\n- two\n- three", "- one\n- three\n\n> A new quote.")
    assert html == (
        f"<h3>{REMOVED}Old part</del></h3>\n<ul>\n<li>one</li>\n<li>{REMOVED}two</del></li>\n<li>three</li>\n</ul>\n"
        f"<blockquote>\n<p>{ADDED}A new quote.</ins></p>\n</blockquote>"
    )


def test_unchanged_blocks_keep_their_inline_formatting_and_an_unchanged_body_has_no_marks():
    source = "Some *emphasis* and [a link](https://example.org).\n\n1. first\n2. second"
    html = body_diff(source, source)
    assert "<ins" not in html and "<del" not in html
    assert '<p>Some <em>emphasis</em> and <a href="https://example.org">a link</a>.</p>' in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html


def test_nested_lists_and_blocks_inside_lists_stay_valid_html():
    old = "- one\n  - inner\n- two\n\n  ```\ncode\n  ```\n"
    new = "- one\n  - inner, changed\n- two\n"
    found = paths(body_diff(old, new))
    # A list only ever holds list items, whatever sits in them.
    assert all(path[i + 1] == "li" for path in found for i in range(len(path) - 1) if path[i] in {"ul", "ol"})
    assert ("ul", "li", "ul", "li", "ins") in found


def test_code_blocks_compare_their_text_and_tables_are_replaced_whole():
    html = body_diff("```\nlimit = 10000\n```\n\n| a |\n|---|\n| 1 |", "```\nlimit = 11000\n```\n\n| a |\n|---|\n| 2 |")
    assert html.startswith(f"<pre><code>limit = {REMOVED}10000\n</del>{ADDED}11000\n</ins></code></pre>")
    assert '<del class="diff__block"><span class="visually-hidden">Removed: </span><table>' in html
    assert '<ins class="diff__block"><span class="visually-hidden">Added: </span><table>' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "# <svg onload=alert(1)>",
        "- <iframe src=https://evil.example></iframe>",
        "```\n</code></pre><script>alert(1)</script>\n```",
    ],
)
def test_hostile_input_stays_inert_whether_added_removed_or_changed(hostile):
    for old, new in [("Plain.", hostile), (hostile, "Plain."), (f"{hostile} x", f"{hostile} y")]:
        html = body_diff(old, new)
        assert active_parts(html) == []
        assert "<script" not in html and "<iframe" not in html and "<svg" not in html
        paths(html)


def test_the_title_diff_marks_words_and_escapes_them():
    assert word_diff("Small claims", "Small <b>claims</b> court") == (
        f"Small {REMOVED}claims</del>{ADDED}&lt;b&gt;claims&lt;/b&gt; court</ins>"
    )


def test_a_rewrite_of_a_long_article_shows_as_removed_then_added_without_pairing_every_block():
    old = "\n\n".join(f"Old paragraph number {n} about deposits." for n in range(80))
    new = "\n\n".join(f"New text {n} on small claims court fees." for n in range(80))
    html = body_diff(old, new)
    assert html.count(REMOVED) == 80 and html.count(ADDED) == 80
    assert html.index(REMOVED) < html.index(ADDED) and html.rindex(REMOVED) < html.index(ADDED)


def test_the_diff_sanitiser_keeps_only_the_diffs_own_classes_and_no_ids():
    html = '<span class="x" onclick="y()">a</span><p id="p-1">b</p><ins class="diff__block">c</ins><script>d</script>'
    assert clean_diff_html(html) == '<span>a</span><p>b</p><ins class="diff__block">c</ins>d'
