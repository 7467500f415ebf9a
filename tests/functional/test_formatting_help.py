""" "Formatting help" beside every comment form: it lists exactly what comments' Markdown does, as rendered."""

import re

from app.services.formatting import COMMENT_FORMATTING, PLAIN_TEXT
from app.services.markdown import render_comment
from tests.functional.test_comment_pages import _post, _posted_id, _show
from tests.functional.test_embed import embed, site  # noqa: F401 (site is a fixture)


def _helps(html: str) -> list[str]:
    """Every "Formatting help" on a page: the inside of each <details>, which opens without a script."""
    opening = r'<details class="formatting-help">\s*<summary>Formatting help</summary>'
    return re.findall(opening + r"(.*?)</details>", html, re.S)


def _lists_everything(help_html: str) -> None:
    for construct in COMMENT_FORMATTING:
        assert f"<dt>{construct.name}" in help_html
        # The example as typed, and as the comment renderer renders it.
        assert render_comment(construct.example) in help_html
    for item in PLAIN_TEXT:
        assert item.shown_as in help_html.replace("&middot;", "·")


def test_the_article_page_shows_the_help_beside_the_comment_form(client, make_article):
    html = _show(client, make_article())
    [help_html] = _helps(html)
    _lists_everything(help_html)
    assert "<pre>- apples\n- pears</pre>" in help_html
    assert "Everything else shows as plain text: images as a link to the picture;" in help_html


def test_reply_forms_the_edit_page_and_the_embed_frame_show_it_too(client, make_article, site):  # noqa: F811
    article = make_article()
    comment_id = _posted_id(_post(client, article, body="First."))
    reply_page = _show(client, article, f"?reply_to={comment_id}")
    assert len(_helps(reply_page)) == 2  # the reply form's and the main form's
    edit = client.get(f"/comments/{comment_id}/edit").get_data(as_text=True)
    [help_html] = _helps(edit)
    _lists_everything(help_html)
    framed = embed(client).get_data(as_text=True)
    [help_html] = _helps(framed)
    _lists_everything(help_html)
