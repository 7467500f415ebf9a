"""A guest's own data through HTTP, with a real SMTP server on 127.0.0.1: asking for a link by address (the same
answer whether or not anything is stored, mail only when something is), downloading and erasing through it,
expired and forged links, bad input, the throttle and CSRF."""

import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, ModerationEvent
from app.services.signed import make_token
from tests.conftest import MAIL_BASE as BASE
from tests.factories import make_comment, make_guest

GAIL = "gail@example.org"
SENT = "If we hold anything under that address, a link is on its way there."


@pytest.fixture
def app(app_with, smtp, request):
    """Mail through the test's SMTP server, links under a BASE_URL with a path; more settings by parametrisation."""
    with app_with(BASE_URL=BASE, **smtp.settings(), **getattr(request, "param", {})) as application:
        yield application


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _link(message) -> str:
    """The my-data link in a mail, as the test client asks for it (BASE_URL's path dropped)."""
    (found,) = set(re.findall(rf"{re.escape(BASE)}/my-data/[A-Za-z0-9_.\-]+", _text(message)))
    return urlsplit(found).path.removeprefix("/talk")


def _world(make_article):
    """Gail's comment with a reply by Rae, and one of Gail's on its own; Rae is another guest."""
    article = make_article(title="The tides")
    answered = make_comment(article, "Tides follow the moon.", make_guest(email=GAIL))
    make_comment(
        article, "And the sun, a little.", make_guest(name="Rae Reader", email="rae@example.org"), parent=answered
    )
    make_comment(article, "Gail's second thought.", make_guest(email=GAIL))
    return article


def _ask(client, email):
    return client.post("/my-data", data={"email": email})


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address_and_only_the_known_one_gets_mail(
    app, smtp, make_article
):
    _world(make_article)
    client = app.test_client()
    unknown = _ask(client, "nobody@example.org")
    known = _ask(client, GAIL.upper())
    assert unknown.status_code == known.status_code == 200
    assert SENT in unknown.text and SENT in known.text
    assert unknown.text == known.text
    (mail,) = smtp.inbox.messages
    assert smtp.inbox.envelopes[0][1] == [GAIL]
    assert mail["List-Unsubscribe"] is None
    assert "Hello,\n" in _text(mail) and "works for 1 day" in _text(mail)
    assert GAIL not in _link(mail).split("/")[-1]  # the token is signed data, not the address in the clear
    assert 'href="/my-data"' in client.get("/my-data").text  # linked from every page's footer


def test_the_link_downloads_the_guests_data_and_no_other_guests(app, smtp, make_article):
    _world(make_article)
    client = app.test_client()
    _ask(client, GAIL)
    path = _link(smtp.inbox.messages[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "g…@example.org" in page.text and GAIL not in page.text
    assert "2 comments" in page.text and "Download my data (JSON)" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"

    download = client.get(path + "/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    assert download.headers["Cache-Control"] == "no-store" and download.headers["Referrer-Policy"] == "no-referrer"
    data = json.loads(download.text)
    assert data["email"] == GAIL and data["account"] is None
    assert sorted(comment["body"] for comment in data["comments"]) == [
        "Gail's second thought.",
        "Tides follow the moon.",
    ]
    assert "rae@example.org" not in download.text and "And the sun" not in download.text


def test_erasing_removes_the_comments_and_the_thread_still_reads(app, smtp, make_article):
    article = _world(make_article)
    client = app.test_client()
    _ask(client, GAIL)
    path = _link(smtp.inbox.messages[0])

    unconfirmed = client.post(path + "/erase", data={"comments": "remove"})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    unchosen = client.post(path + "/erase", data={"confirm": "1"})
    assert unchosen.status_code == 422 and "anonymise or remove" in unchosen.text
    assert db.session.scalar(select(Comment.id).where(Comment.writer_email == GAIL).limit(1)) is not None

    erased = client.post(path + "/erase", data={"comments": "remove", "confirm": "1"})
    assert erased.status_code == 200 and "Erased: 2 comment(s) removed" in erased.text
    db.session.expire_all()
    for comment in db.session.scalars(select(Comment)):
        assert GAIL not in (comment.writer_email or "").lower()
        assert "Tides follow the moon." not in comment.body
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert event.action == "data_erased" and event.actor_id is None and GAIL not in (event.remark or "")

    thread = client.get(f"/articles/{article.slug}").text
    assert "And the sun, a little." in thread and "Comment removed." in thread
    assert "Tides follow the moon." not in thread and "Gail's second thought." not in thread
    again = client.get(path)
    assert again.status_code == 200 and "Nothing is stored under g…@example.org any more." in again.text
    assert "Erase" not in again.text


def test_expired_and_forged_links_are_refused(app, smtp, make_article):
    _world(make_article)
    client = app.test_client()
    _ask(client, GAIL)
    path = _link(smtp.inbox.messages[0])
    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    for url in (forged, forged + "/download"):
        refused = client.get(url)
        assert refused.status_code == 400 and "does not work" in refused.text
    refused = client.post(forged + "/erase", data={"comments": "remove", "confirm": "1"})
    assert refused.status_code == 400
    # A link signed for another purpose opens nothing here either.
    other = client.get("/my-data/" + make_token("password-reset", {"email": GAIL}))
    assert other.status_code == 400

    app.config["MY_DATA_LINK_HOURS"] = -1  # every link is past its age
    for url in (path, path + "/download"):
        expired = client.get(url)
        assert expired.status_code == 410 and "has expired" in expired.text
    expired = client.post(path + "/erase", data={"comments": "remove", "confirm": "1"})
    assert expired.status_code == 410
    db.session.expire_all()
    assert db.session.scalar(select(Comment.id).where(Comment.writer_email == GAIL).limit(1)) is not None


@pytest.mark.parametrize("email", ["", "not-an-address", "gail@", "x" * 300 + "@example.org"])
def test_a_bad_address_gets_the_form_again_with_a_reason(app, smtp, email):
    response = _ask(app.test_client(), email)
    assert response.status_code == 422
    assert "field__error" in response.text and "Error: Your data" in response.text
    assert SENT not in response.text
    assert smtp.inbox.messages == []


@pytest.mark.parametrize(
    "app",
    [{"RATELIMIT_ENABLED": True, "MY_DATA_LIMIT_PER_EMAIL": "2 per hour", "MY_DATA_LIMIT_PER_NETWORK": "4 per hour"}],
    indirect=True,
)
def test_requests_are_throttled_per_address_and_per_network(app, smtp, make_article):
    _world(make_article)
    client = app.test_client()
    assert [_ask(client, GAIL).status_code for _ in range(3)] == [200, 200, 429]
    refused = _ask(client, GAIL.upper())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many requests for a link. Try again in" in refused.text
    assert len(smtp.inbox.messages) == 2
    # The network's limit (4, counted on arrival) catches other addresses too.
    assert _ask(client, "nobody@example.org").status_code == 429


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_the_erase_form_and_the_request_form_need_a_csrf_token(app, smtp, make_article):
    _world(make_article)
    client = app.test_client()
    assert _ask(client, GAIL).status_code == 400
    form = client.get("/my-data").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post("/my-data", data={"email": GAIL, "csrf_token": token}).status_code == 200
    path = _link(smtp.inbox.messages[0])

    refused = client.post(path + "/erase", data={"comments": "remove", "confirm": "1"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(Comment.id).where(Comment.writer_email == GAIL).limit(1)) is not None
    page = client.get(path).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(path + "/erase", data={"comments": "anonymise", "confirm": "1", "csrf_token": token})
    assert done.status_code == 200 and "Erased: 2 comment(s) anonymised" in done.text
