"""The import readers on their own: HTML to Markdown, dates, the XML mending, and what each platform's reader makes
of odd files. No database: readers only say what a file holds."""

import io
from datetime import UTC, datetime

import pytest

from app.models import CommentStatus
from app.services.importing import commento, disqus, isso, wordpress
from app.services.importing.htmltext import html_to_markdown
from app.services.importing.loader import origin_key, slug_from_url
from app.services.importing.records import (
    ArticleRecord,
    CommentRecord,
    Noted,
    Skipped,
    Source,
    Unreadable,
    parse_time,
)
from app.services.importing.xml import Cleaned
from app.services.markdown import render_comment


def records(reader, text: str | bytes) -> list:
    data = text.encode() if isinstance(text, str) else text
    return list(reader(io.BytesIO(data)))


# --- HTML to Markdown --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "breaks", "markdown"),
    [
        ("<p>One</p><p>Two <b>bold</b> <i>it</i></p>", False, "One\n\nTwo **bold** *it*"),
        ("Line one\nline two\n\nNext paragraph", True, "Line one\nline two\n\nNext paragraph"),
        ("Line one\nline two", False, "Line one line two"),
        ('<a href="https://example.org/x">text</a>', False, "[text](https://example.org/x)"),
        ('<a href="https://example.org/">https://example.org/</a>', False, "https://example.org/"),
        ('<a href="javascript:alert(1)">click</a>', False, "click"),
        ("<script>alert(1)</script><style>p{}</style>kept", False, "kept"),
        ("<blockquote><p>said</p></blockquote><p>answer</p>", False, "> said\n\nanswer"),
        ("<ul><li>a</li><li>b</li></ul>", False, "- a\n- b"),
        ("<ol><li>a</li><li>b</li></ol>", False, "1. a\n2. b"),
        ("<pre><code>x = *1*\n  y</code></pre>", False, "```\nx = *1*\n  y\n```"),
        ("2 * 3 and snake_case and _em_ [x]", False, "2 \\* 3 and snake_case and \\_em\\_ \\[x\\]"),
        ("- not a list\n1. not a list\n# not a heading", True, "\\- not a list\n1\\. not a list\n\\# not a heading"),
        ("see https://example.org/a_b_c now", False, "see https://example.org/a_b_c now"),
        ("&lt;b&gt; &amp; &nbsp;x", False, "<b> & \xa0x"),
        ("<p>unclosed <b>bold<p>next", False, "unclosed **bold**\n\nnext"),
    ],
)
def test_html_becomes_the_markdown_a_writer_would_type(html, breaks, markdown):
    assert html_to_markdown(html, breaks=breaks) == markdown


def test_the_markdown_renders_back_to_what_the_html_showed():
    html = '<p>A <strong>bold</strong> claim, <a href="https://example.org/ref">a source</a>, 2 * 3 = 6.</p>'
    rendered = render_comment(html_to_markdown(html))
    assert rendered == (
        '<p>A <strong>bold</strong> claim, <a href="https://example.org/ref" rel="nofollow ugc noopener">a source</a>,'
        " 2 * 3 = 6.</p>\n"
    )


def test_articles_keep_headings_and_images_and_comments_do_not():
    html = '<h2>Title</h2><p><img src="https://example.org/i.png" alt="a chart"></p>'
    assert html_to_markdown(html, article=True) == "# Title\n\n![a chart](https://example.org/i.png)"
    assert html_to_markdown(html) == "**Title**\n\n[a chart](https://example.org/i.png)"


# --- dates, keys, addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-05-01 10:00:00", datetime(2019, 5, 1, 10, tzinfo=UTC)),
        ("2019-05-01T10:00:00Z", datetime(2019, 5, 1, 10, tzinfo=UTC)),
        ("2019-05-01T12:00:00+02:00", datetime(2019, 5, 1, 10, tzinfo=UTC)),
        ("2019-05-01T10:00:00.123456789Z", datetime(2019, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("Wed, 01 May 2019 10:00:00 +0000", datetime(2019, 5, 1, 10, tzinfo=UTC)),
        (1556704800, datetime(2019, 5, 1, 10, tzinfo=UTC)),
        ("1556704800.5", datetime(2019, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("0000-00-00 00:00:00", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_dates_in_every_shape_exports_use(value, expected):
    assert parse_time(value) == expected


def test_long_ids_are_shortened_uniquely():
    first, second = "/" + "a" * 300, "/" + "a" * 299 + "b"
    assert origin_key("short") == "short"
    assert len(origin_key(first)) == 200 and origin_key(first) != origin_key(second)


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://blog.example.org/2019/05/tides-and-currents/", "tides-and-currents"),
        ("https://blog.example.org/notes/harbour-walk.html", "harbour-walk"),
        ("/articles/Ça-Va/", "ca-va"),
        ("https://blog.example.org/?p=12", ""),
        ("https://blog.example.org", ""),
    ],
)
def test_a_page_address_suggests_a_slug(url, slug):
    assert slug_from_url(url) == slug


# --- the XML mending ---------------------------------------------------------------------------


def test_entities_and_control_characters_are_mended_across_read_boundaries():
    data = b"a &nbsp; b & c &amp; &#160; &bogus; &hellip;\x0b\x00 end " * 500
    whole = Cleaned(io.BytesIO(data), chunk=1 << 20).read(1 << 30)
    assert whole.startswith(b"a &#160; b &amp; c &amp; &#160; &amp;bogus; &#8230; end ")
    stream, pieces = Cleaned(io.BytesIO(data), chunk=7), []
    while piece := stream.read(13):
        pieces.append(piece)
    assert b"".join(pieces) == whole


# --- WordPress ---------------------------------------------------------------------------------

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/{version}/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><wp:base_site_url>https://old.example.org</wp:base_site_url>
<item><title>Post</title><wp:post_id>7</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>
<content:encoded><![CDATA[Body]]></content:encoded>
{comments}
</item>
</channel></rss>"""


def wxr_comment(cid: int, *, approved: str = "1", kind: str = "", parent: int = 0, content: str = "Text") -> str:
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author>Name {cid}</wp:comment_author>"
        f"<wp:comment_date_gmt>2019-01-0{cid % 9 + 1} 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{content}]]></wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_every_wxr_version_reads_alike(version):
    found = records(wordpress.read, WXR.format(version=version, comments=wxr_comment(1)))
    assert found[0] == Source("wordpress:old.example.org")
    assert isinstance(found[1], ArticleRecord) and found[1].key == "7" and found[1].body == "Body"
    assert isinstance(found[2], CommentRecord) and found[2].key == "1" and found[2].thread == "7"


@pytest.mark.parametrize(
    ("approved", "status"),
    [
        ("1", CommentStatus.approved),
        ("0", CommentStatus.pending),
        ("spam", CommentStatus.spam),
        ("trash", CommentStatus.trash),
        ("post-trashed", CommentStatus.trash),
        ("something-new", CommentStatus.pending),
    ],
)
def test_wordpress_states_map(approved, status):
    found = records(wordpress.read, WXR.format(version="1.2", comments=wxr_comment(1, approved=approved)))
    assert found[2].status is status


@pytest.mark.parametrize(("kind", "reason"), [("pingback", "pingback"), ("trackback", "trackback")])
def test_pingbacks_and_trackbacks_are_skipped_and_named(kind, reason):
    found = records(wordpress.read, WXR.format(version="1.2", comments=wxr_comment(1, kind=kind)))
    assert found[2] == Skipped(reason, "comment 1 on post 7 (line 6)")


def test_a_comment_left_open_is_named_and_not_imported_while_its_neighbours_are():
    comments = "\n".join([wxr_comment(1), wxr_comment(2).replace("<![CDATA[Text]]>", "Text <b>unclosed"), ""])
    comments += wxr_comment(3, content="After")
    found = records(wordpress.read, WXR.format(version="1.2", comments=comments))
    keys = [r.key for r in found if isinstance(r, CommentRecord)]
    broken = [r for r in found if isinstance(r, Unreadable)]
    assert "1" in keys and "2" not in keys
    assert broken and broken[0].where.startswith("comment 2 on post 7") and "damaged" in broken[0].reason


def test_damage_in_a_post_itself_is_noted_and_the_post_read_as_the_parser_read_it():
    broken = "<title>Post</title><wp:plugin_field attr=1>"  # an attribute without quotes
    text = WXR.format(version="1.2", comments=wxr_comment(1)).replace("<title>Post</title>", broken)
    found = records(wordpress.read, text)
    noted = [r for r in found if isinstance(r, Noted)]
    assert noted and all(r.where == "post 7 'Post' (line 4)" and "damaged" in r.text for r in noted)
    assert [type(r) for r in found if not isinstance(r, Noted)] == [Source, ArticleRecord, CommentRecord]


def test_a_file_that_is_not_xml_at_all_reads_as_nothing_with_the_reason():
    found = records(wordpress.read, b"\x89PNG\r\n\x1a\n not an export")
    assert found[0] == Source("wordpress")
    assert all(isinstance(r, Unreadable) for r in found[1:]) and found[1:]


# --- Disqus, Isso, Commento --------------------------------------------------------------------

DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><forum>site</forum><link>https://example.org/a/</link><title>A</title></thread>
<post dsq:id="10"><message><![CDATA[<p>Hi</p>]]></message><createdAt>2019-01-01T00:00:00Z</createdAt>
<isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam><author><name>N</name><email>n@example.org</email></author>
<thread dsq:id="1"/></post>
</disqus>"""


@pytest.mark.parametrize(
    ("deleted", "spam", "status"),
    [
        ("false", "false", CommentStatus.approved),
        ("true", "false", CommentStatus.trash),
        ("false", "true", CommentStatus.spam),
        ("true", "true", CommentStatus.spam),
    ],
)
def test_disqus_states_map(deleted, spam, status):
    found = records(disqus.read, DISQUS.format(deleted=deleted, spam=spam))
    assert found[0] == Source("disqus:site")
    (post,) = [r for r in found if isinstance(r, CommentRecord)]
    assert post.status is status and post.deleted == (deleted == "true") and post.body == "Hi"


def test_isso_accepts_uri_or_id_and_numbers_or_text_for_dates():
    data = '{"threads": [{"uri": "/a/", "comments": [{"id": "7", "created": "1556704800", "mode": "2", "text": "t"}]}]}'
    found = records(isso.read, data)
    (comment,) = [r for r in found if isinstance(r, CommentRecord)]
    assert comment.key == "7@/a/" and comment.status is CommentStatus.pending
    assert comment.created_at == datetime(2019, 5, 1, 10, tzinfo=UTC)


def test_commento_without_a_comments_list_is_named():
    found = records(commento.read, '{"version": 1}')
    assert found == [Source("commento"), Unreadable("the file", found[1].reason)]
    assert '"comments" list' in found[1].reason
