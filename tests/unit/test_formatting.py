"""What comments' Markdown does: one list configures the renderer, the sanitiser and the formatting help."""

from html.parser import HTMLParser

import pytest

from app.services.formatting import COMMENT_FORMATTING, PLAIN_TEXT, comment_tags, markdown_rules
from app.services.markdown import _comment_md, render_comment
from app.services.sanitize import COMMENT_TAGS


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def tags_of(html: str) -> set[str]:
    parser = _Tags()
    parser.feed(html)
    return set(parser.tags)


@pytest.mark.parametrize("construct", COMMENT_FORMATTING, ids=lambda c: c.name)
def test_every_listed_example_renders_the_listed_element_and_nothing_outside_its_tags(construct):
    produced = tags_of(render_comment(construct.example))
    assert construct.element in produced
    assert produced <= construct.tags | {"p"}


@pytest.mark.parametrize("fallback", PLAIN_TEXT, ids=lambda p: p.name)
def test_what_comments_do_not_support_shows_as_readable_text(fallback):
    html = render_comment(fallback.example)
    assert tags_of(html) <= COMMENT_TAGS
    for syntax in ("![", "##", "|---", "](", "<b>"):
        assert syntax not in html


def test_an_image_becomes_a_link_named_by_its_description_never_an_img_or_a_stray_bang():
    html = render_comment("Look: ![A cat on a mat](https://example.org/cat.jpg) here")
    assert html == (
        '<p>Look: <a href="https://example.org/cat.jpg" rel="nofollow ugc noopener">A cat on a mat</a> here</p>\n'
    )


def test_an_image_without_a_description_is_named_by_its_address_and_one_inside_a_link_by_its_words():
    assert ">https://example.org/x.png</a>" in render_comment("![](https://example.org/x.png)")
    linked = render_comment("[![badge](https://example.org/b.svg)](https://example.org/)")
    assert linked == '<p><a href="https://example.org/" rel="nofollow ugc noopener">badge</a></p>\n'


def test_headings_of_both_kinds_become_bold_paragraphs():
    assert render_comment("### Tips\n\nText") == "<p><strong>Tips</strong></p>\n<p>Text</p>\n"
    assert render_comment("Tips\n====") == "<p><strong>Tips</strong></p>\n"


def test_a_table_becomes_one_line_per_row_with_its_cells_separated():
    html = render_comment("| State | Limit |\n|---|---:|\n| Ohio | *$6,000* |\n| Utah | $11,000 |")
    assert html == (
        "<p><strong>State</strong> · <strong>Limit</strong><br>\nOhio · <em>$6,000</em><br>\nUtah · $11,000</p>\n"
    )


def test_html_and_rules_outside_the_list_stay_as_typed():
    assert render_comment("<b>x</b> ---") == "<p>&lt;b&gt;x&lt;/b&gt; ---</p>\n"
    assert render_comment("***") == "<p>***</p>\n"
    assert render_comment(r"\*not italic\* &amp;") == "<p>*not italic* &amp;</p>\n"


def test_the_sanitiser_allows_exactly_the_tags_the_list_names():
    assert comment_tags() == COMMENT_TAGS
    assert "del" not in COMMENT_TAGS and "img" not in COMMENT_TAGS and "h2" not in COMMENT_TAGS
    assert {"p", "br", "em", "strong", "s", "code", "pre", "a", "blockquote", "ul", "ol", "li"} == COMMENT_TAGS


def test_the_renderer_enables_only_the_rules_the_list_names():
    active = {rule for rules in _comment_md.get_active_rules().values() for rule in rules}
    structural = {"normalize", "block", "inline", "text_join", "text", "balance_pairs", "fragments_join", "plain_text"}
    assert active - structural == set(markdown_rules())
