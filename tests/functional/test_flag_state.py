"""A reader who flagged a comment sees "Flagged" instead of the Flag link, and the flag page says so at once;
visitors who flagged nothing still get the discussion every visitor gets."""

import re

from tests.conftest import PASSWORD
from tests.factories import make_comment

LABEL = 'Flagged<span class="visually-hidden"> by you: comment by Gail Guest</span>'


def _article(client, article, **environ) -> str:
    return client.get(f"/articles/{article.slug}", environ_base=environ).get_data(as_text=True)


def _discussion(html: str) -> str:
    """The discussion part of the page, without the forms (which carry tokens made for each request)."""
    return html.split('<div class="comments__head">', 1)[1].split("</ol>", 1)[0]


def _actions(html: str, comment_id: int) -> str:
    """The actions under one comment."""
    card = html.split(f'id="comment-{comment_id}"', 1)[1]
    return re.search(r'<footer class="comment__actions">(.*?)</footer>', card, re.S).group(1)


def test_a_signed_in_reader_sees_flagged_and_the_flag_page_says_so(app, client, make_user, make_article):
    reader = make_user("reader")
    article = make_article()
    flagged, other = make_comment(article, "Water boils at 90 degrees."), make_comment(article, "Fine.")
    client.post("/login", data={"email": reader.email, "password": PASSWORD})
    assert "comment__flagged" not in _article(client, article)

    client.post(f"/comments/{flagged.id}/flag", data={"reason": "off_topic"})
    html = _article(client, article)
    assert f'<span class="comment__flagged">{LABEL}</span>' in _actions(html, flagged.id)
    assert 'comment__flag"' not in _actions(html, flagged.id)
    assert 'class="comment__flag"' in _actions(html, other.id) and "comment__flagged" not in _actions(html, other.id)

    page = client.get(f"/comments/{flagged.id}/flag")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Flagged</h1>" in text and "You have already flagged this comment" in text
    assert 'class="flag-form"' not in text and 'name="reason"' not in text
    assert 'name="reason"' in client.get(f"/comments/{other.id}/flag").get_data(as_text=True)
    # Sending the form anyway (an old tab) is still refused clearly.
    again = client.post(f"/comments/{flagged.id}/flag", data={"reason": "spam"}, headers={"Accept": "application/json"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_flagged"


def test_a_guest_sees_flagged_by_cookie_and_network_and_others_get_the_shared_page(app, make_article):
    article = make_article()
    comment = make_comment(article, "Controversial opinion.")
    guest, stranger = app.test_client(), app.test_client()
    shared = _discussion(_article(stranger, article))
    assert "comment__flagged" not in shared

    guest.post(f"/comments/{comment.id}/flag", data={"reason": "abusive"})
    assert guest.get_cookie("aw_flags") is not None and guest.get_cookie("aw_flags").http_only
    assert "comment__flagged" in _actions(_article(guest, article), comment.id)
    assert "comment__flagged" in _actions(_article(guest, article, REMOTE_ADDR="127.0.0.77"), comment.id)
    assert "You have already flagged" in guest.get(f"/comments/{comment.id}/flag").get_data(as_text=True)
    # Flags are kept per browser and network: from another network this browser has flagged nothing yet.
    elsewhere = _article(guest, article, REMOTE_ADDR="10.9.0.1")
    assert "comment__flagged" not in elsewhere and 'class="comment__flag"' in _actions(elsewhere, comment.id)
    away = guest.get(f"/comments/{comment.id}/flag", environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert 'name="reason"' in away.get_data(as_text=True)
    # Everyone else still reads the discussion prepared for every visitor, Flag links and all.
    assert _discussion(_article(stranger, article)) == shared


def test_a_guest_who_flagged_through_the_api_sees_flagged(app, make_article):
    article = make_article()
    comment = make_comment(article)
    guest = app.test_client()
    response = guest.post(f"/api/v1/comments/{comment.id}/flags", json={"reason": "spam"})
    assert response.status_code == 201
    assert "comment__flagged" in _actions(_article(guest, article), comment.id)
    assert guest.post(f"/api/v1/comments/{comment.id}/flags", json={"reason": "spam"}).status_code == 409


def test_a_forged_flags_cookie_shows_nothing_flagged(app, make_article):
    article = make_article()
    comment = make_comment(article)
    guest = app.test_client()
    guest.set_cookie("aw_flags", "forged")
    guest.set_cookie("aw_reader", "a" * 32)
    html = _article(guest, article)
    assert "comment__flagged" not in html and 'class="comment__flag"' in _actions(html, comment.id)


def test_a_guest_whose_flags_cookie_is_lost_gets_it_back_from_the_flag_page(app, make_article):
    article = make_article()
    comment = make_comment(article)
    guest = app.test_client()
    guest.post(f"/comments/{comment.id}/flag", data={"reason": "spam"})
    guest.delete_cookie("aw_flags")
    assert "comment__flagged" not in _article(guest, article)  # the discussion every visitor gets
    assert "You have already flagged" in guest.get(f"/comments/{comment.id}/flag").get_data(as_text=True)
    assert "comment__flagged" in _actions(_article(guest, article), comment.id)
