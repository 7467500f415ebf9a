"""Reply mail and thread subscriptions through HTTP, with a real SMTP server on 127.0.0.1: a guest's double
opt-in, the notification once a reply is public, never for one's own comment, the throttle and its digest,
following a discussion, one-click unsubscribe, the account's choices, and the pages for bad links."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Comment, Notification, OutboxMessage, Recipient, Subscription, Task, User
from app.models.types import utcnow
from app.services import subscriptions
from app.services.signed import make_token
from tests.conftest import MAIL_BASE as BASE
from tests.conftest import PASSWORD
from tests.factories import make_comment, make_guest, run_tasks

GAIL = "gail@example.org"


@pytest.fixture
def app(app_with, smtp, request):
    """Mail through the test's SMTP server, links under a BASE_URL with a path; more settings by parametrisation."""
    with app_with(BASE_URL=BASE, **smtp.settings(), **getattr(request, "param", {})) as application:
        yield application


def _path(url: str) -> str:
    """A link from a mail as the test client asks for it (BASE_URL's path included)."""
    assert url.startswith(BASE + "/"), url
    parts = urlsplit(url)
    return parts.path.removeprefix("/talk") + (f"?{parts.query}" if parts.query else "")


def _subject(message) -> str:
    return message["Subject"].strip()  # a header with non-ASCII text comes back with a leading space


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def _link(message, kind: str) -> str:
    (found,) = set(re.findall(rf"{re.escape(BASE)}/mail/{kind}/[A-Za-z0-9_.\-]+", _text(message)))
    return found


def _post(client, article, body, *, parent_id=None, name="Gail Guest", email=GAIL, notify=None, headers=None):
    payload = {"body": body, "parent_id": parent_id}
    if headers is None:
        payload.update(name=name, email=email)
    if notify is not None:
        payload["notify_replies"] = notify
    response = client.post(f"/api/v1/articles/{article.slug}/comments", json=payload, headers=headers or {})
    assert response.status_code in (201, 202), response.get_json()
    return response.get_json()["comment"]["id"]


def _confirm(client, message) -> None:
    path = _path(_link(message, "confirm"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my address" in page.text
    assert "g…@example.org" in page.text and GAIL not in page.text
    done = client.post(path)
    assert done.status_code == 200 and "Your address is confirmed" in done.text


def _a_while_later(wait: timedelta) -> None:
    """As if `wait` had passed since the mail went: the throttle's time is up and the digest task due; run it."""
    for notification in db.session.scalars(select(Notification).where(Notification.sent_at.is_not(None))):
        notification.sent_at -= wait
    db.session.execute(update(Task).where(Task.done_at.is_(None)).values(run_after=utcnow()))
    db.session.commit()
    run_tasks()


def _approve(client, moderator_headers, comment_id: int) -> None:
    response = client.post(
        f"/api/v1/moderation/comments/{comment_id}", json={"action": "approve"}, headers=moderator_headers
    )
    assert response.status_code == 200, response.get_json()


def _no_address_in_links(message, *addresses: str) -> None:
    for link in re.findall(r"https?://\S+", _text(message)) + re.findall(r'href="([^"]+)"', _html(message)):
        for address in addresses:
            assert address not in link and address.replace("@", "%40") not in link


def test_a_guest_confirms_once_and_hears_of_a_reply_once_a_moderator_publishes_it(
    app, smtp, make_article, make_user, token_for
):
    client = app.test_client()
    article = make_article(title="The budget")
    moderator = token_for(make_user("moderator"))
    mine = _post(client, article, "My point.", notify=True)

    (confirmation,) = smtp.inbox.messages
    assert confirmation["To"] == f"Gail Guest <{GAIL}>"
    assert _subject(confirmation) == "Confirm your address for mail from Afterword"
    assert confirmation["List-Unsubscribe"] is None  # asked for just now, not a notification
    assert "Confirm my address" in _html(confirmation) and "72 hours" in _text(confirmation)
    _no_address_in_links(confirmation, GAIL)
    _confirm(client, confirmation)

    assert db.session.scalar(select(Comment.reply_mail).where(Comment.id == mine)) is True
    app.config["MODERATION_HOLD_ALL"] = True  # the reader's reply waits for a moderator
    other = app.test_client()
    reply = _post(other, article, "A reply to you.", parent_id=mine, name="Rae Reader", email="rae@example.org")
    assert len(smtp.inbox.messages) == 1  # held: nothing yet
    _approve(client, moderator, reply)

    assert len(smtp.inbox.messages) == 2
    notification = smtp.inbox.messages[1]
    assert smtp.inbox.envelopes[1][1] == [GAIL]
    assert _subject(notification) == "Rae Reader replied to your comment on “The budget”"
    unsubscribe = notification["List-Unsubscribe"].strip().strip("<>")
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = _text(notification), _html(notification)
    assert "A reply to you." in text and "<p>A reply to you.</p>" in html
    assert f"Read it and reply: {BASE}/comments/{reply}\n" in text
    assert f"Stop these emails: {unsubscribe}" in text and f'href="{unsubscribe}"' in html
    _no_address_in_links(notification, GAIL, "rae@example.org")

    landing = client.get(_path(f"{BASE}/comments/{reply}"))
    assert landing.status_code == 302 and landing.headers["Location"].endswith(f"#comment-{reply}")
    assert "A reply to you." in client.get(landing.headers["Location"]).text

    # Published again after a trip to the trash: still told once.
    from app.services import moderation

    comment = db.session.get(Comment, reply)
    moderation.apply(comment, "trash", None)
    moderation.apply(db.session.get(Comment, reply), "restore", None)
    run_tasks()
    assert len(smtp.inbox.messages) == 2


def test_nothing_leaves_before_the_guest_confirms_and_the_link_is_mailed_once_an_hour(app, smtp, make_article):
    client = app.test_client()
    article = make_article()
    mine = _post(client, article, "First.", notify=True)
    _post(client, article, "Second, asking again.", notify=True)
    assert len(smtp.inbox.messages) == 1  # one confirmation mail, not two
    _post(app.test_client(), article, "A reply.", parent_id=mine, name="Rae Reader", email="rae@example.org")
    assert len(smtp.inbox.messages) == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_no_mail_for_ones_own_reply_nor_without_the_box(app, smtp, make_article):
    client = app.test_client()
    article = make_article()
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    # The same address in another case and with another name is the same person.
    _post(client, article, "Answering myself.", parent_id=mine, name="G. Guest", email="Gail@Example.org")
    unasked = _post(client, article, "No mail for this one.")
    _post(app.test_client(), article, "A reply.", parent_id=unasked, name="Rae Reader", email="rae@example.org")
    assert len(smtp.inbox.messages) == 1


def test_a_reply_nobody_asked_about_queues_nothing_and_the_first_wish_queues_one_task(app, make_article):
    client = app.test_client()
    article = make_article()
    plain = _post(client, article, "Nobody asked.")
    _post(app.test_client(), article, "A reply.", parent_id=plain, name="Rae Reader", email="rae@example.org")
    assert db.session.scalar(select(func.count(Task.id))) == 0
    assert db.session.scalar(select(Recipient.id)) is None
    asked = _post(client, article, "Tell me.", notify=True)
    _post(app.test_client(), article, "Another reply.", parent_id=asked, name="Rae Reader", email="rae@example.org")
    kinds = db.session.scalars(select(Task.kind).order_by(Task.id)).all()
    assert kinds == ["mail.deliver", "mail.notify"]  # the confirmation, and the look for whom to tell


@pytest.mark.parametrize("app", [{"NOTIFICATION_EVERY_MINUTES": 15}], indirect=True)
def test_one_mail_per_discussion_every_quarter_hour_and_the_rest_in_one_digest(app, smtp, make_article):
    client = app.test_client()
    article = make_article(title="The budget")
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    replies = [
        _post(app.test_client(), article, f"Reply {n}.", parent_id=mine, name=f"Reader {n}", email=f"r{n}@example.org")
        for n in range(3)
    ]
    assert [_subject(m) for m in smtp.inbox.messages[1:]] == ["Reader 0 replied to your comment on “The budget”"]
    (digest,) = db.session.scalars(select(Task).where(Task.kind == "mail.digest")).all()
    first = db.session.scalar(select(func.min(Notification.sent_at)))
    assert digest.run_after == first + timedelta(minutes=15)
    assert db.session.scalar(select(func.count()).where(Notification.sent_at.is_(None))) == 2
    _a_while_later(timedelta(minutes=15))
    assert len(smtp.inbox.messages) == 3
    combined = smtp.inbox.messages[2]
    assert _subject(combined) == "2 new comments on “The budget”"
    text = _text(combined)
    assert "Reply 1." in text and "Reply 2." in text and "Reply 0." not in text
    assert f"{BASE}/comments/{replies[1]}" in text and f"{BASE}/comments/{replies[2]}" in text
    assert "Reader 1 replied to you:" in text
    assert combined["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_comment_trashed_while_it_waited_is_left_out_of_the_digest(app, smtp, make_article, make_user):
    client = app.test_client()
    article = make_article()
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    _post(app.test_client(), article, "Reply 0.", parent_id=mine, name="Reader", email="r0@example.org")
    second = _post(app.test_client(), article, "Reply 1.", parent_id=mine, name="Reader", email="r1@example.org")
    from app.services import moderation

    moderation.apply(db.session.get(Comment, second), "trash", make_user("moderator"))
    _a_while_later(timedelta(hours=1))
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    assert len(smtp.inbox.messages) == 2  # the confirmation and the first reply's mail only


def test_following_a_discussion_from_the_article_page(app, smtp, make_article):
    client = app.test_client()
    article = make_article(title="The budget")
    followed = client.post(f"/articles/{article.slug}/subscribe", data={"email": "Fay@Example.org"})
    assert followed.status_code == 302 and followed.headers["Location"].endswith(f"/articles/{article.slug}#follow")
    page = client.get(followed.headers["Location"])
    assert "We sent you an email with a link" in page.text
    (confirmation,) = smtp.inbox.messages
    assert smtp.inbox.envelopes[0][1] == ["fay@example.org"]
    client.post(_path(_link(confirmation, "confirm")))
    assert db.session.get(type(article), article.id).subscription_count == 1

    _post(app.test_client(), article, "A new thread.", name="Rae Reader", email="rae@example.org")
    _post(client, article, "Fay's own comment.", name="Fay", email="fay@example.org")
    assert len(smtp.inbox.messages) == 2
    notification = smtp.inbox.messages[1]
    assert _subject(notification) == "Rae Reader commented on “The budget”"
    assert notification["To"] == "reader <fay@example.org>"

    # Asking again changes nothing and mails no new link.
    again = client.post(f"/articles/{article.slug}/subscribe", data={"email": "fay@example.org"})
    assert "You follow this discussion" in client.get(again.headers["Location"]).text
    assert len(smtp.inbox.messages) == 2


def test_following_refuses_a_bad_address_and_an_unknown_article(app, make_article):
    client = app.test_client()
    article = make_article()
    refused = client.post(f"/articles/{article.slug}/subscribe", data={"email": "not an address"})
    assert "That email address is not valid" in client.get(refused.headers["Location"]).text
    assert client.post("/articles/no-such-article/subscribe", data={"email": GAIL}).status_code == 404
    assert db.session.scalar(select(func.count(Subscription.id))) == 0


def test_one_click_unsubscribe_stops_the_discussion_and_a_second_click_says_so(app, smtp, make_article):
    client = app.test_client()
    article = make_article()
    other_article = make_article(title="Another")
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    elsewhere = _post(client, other_article, "Elsewhere.", notify=True)
    _post(app.test_client(), article, "Reply 0.", parent_id=mine, name="Reader", email="r0@example.org")
    unsubscribe = _path(smtp.inbox.messages[1]["List-Unsubscribe"].strip().strip("<>"))

    page = client.get(unsubscribe)
    assert page.status_code == 200 and "g…@example.org" in page.text and GAIL not in page.text
    # What a mail program sends (RFC 8058): no session, no CSRF token.
    done = app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more mail about comments on" in done.text
    assert "used already" not in done.text
    twice = app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert twice.status_code == 200 and "used already" in twice.text

    _post(app.test_client(), article, "Reply 1.", parent_id=mine, name="Reader", email="r1@example.org")
    _post(app.test_client(), other_article, "There.", parent_id=elsewhere, name="Reader", email="r2@example.org")
    subjects = [_subject(m) for m in smtp.inbox.messages[2:]]
    assert subjects == ["Reader replied to your comment on “Another”"]  # the other discussion goes on


def test_unsubscribing_from_all_stops_every_discussion(app, smtp, make_article):
    client = app.test_client()
    article, other_article = make_article(), make_article(title="Another")
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    elsewhere = _post(client, other_article, "Elsewhere.", notify=True)
    client.post(f"/articles/{other_article.slug}/subscribe", data={"email": GAIL})
    _post(app.test_client(), article, "Reply 0.", parent_id=mine, name="Reader", email="r0@example.org")
    unsubscribe = _path(smtp.inbox.messages[1]["List-Unsubscribe"].strip().strip("<>"))
    done = app.test_client().post(unsubscribe, data={"scope": "all"})
    assert "no more mail about comments from this site" in done.text
    _post(app.test_client(), other_article, "There.", parent_id=elsewhere, name="Reader", email="r2@example.org")
    assert len(smtp.inbox.messages) == 2
    assert db.session.scalar(select(func.count(Subscription.id))) == 0
    assert db.session.get(type(other_article), other_article.id).subscription_count == 0


@pytest.mark.parametrize(
    ("kind", "token", "status", "words"),
    [
        ("confirm", "forged", 400, "This link does not work"),
        ("unsubscribe", "forged", 400, "This link does not work"),
        ("confirm", "for-unsubscribe", 400, "This link does not work"),
        ("unsubscribe", "for-confirm", 400, "This link does not work"),
        ("confirm", "unknown-recipient", 400, "This link does not work"),
        ("unsubscribe", "not-a-dict", 400, "This link does not work"),
    ],
)
def test_bad_links_get_a_page_that_says_so(app, kind, token, status, words):
    tokens = {
        "forged": "eyJyIjoxLCJhIjoxfQ.aGVsbG8.bm90LWEtc2lnbmF0dXJl",
        "for-unsubscribe": make_token("unsubscribe", {"r": 1, "a": 1}),
        "for-confirm": make_token("confirm-address", {"r": 1, "since": 0}),
        "unknown-recipient": make_token("confirm-address", {"r": 99, "since": 0}),
        "not-a-dict": make_token("unsubscribe", [1, 2]),
    }
    client = app.test_client()
    for method in (client.get, client.post):
        response = method(f"/mail/{kind}/{tokens[token]}")
        assert response.status_code == status
        assert words in response.text and "Back to the articles" in response.text


def test_an_expired_confirmation_link_says_so_and_confirms_nothing(app, smtp, make_article, monkeypatch):
    client = app.test_client()
    _post(client, make_article(), "My point.", notify=True)
    path = _path(_link(smtp.inbox.messages[0], "confirm"))
    import time

    later = time.time() + 73 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert "This link has expired" in response.text
    assert db.session.scalar(select(Recipient.confirmed_at)) is None


def test_a_confirmation_link_used_twice_says_the_address_is_confirmed(app, smtp, make_article):
    client = app.test_client()
    _post(client, make_article(), "My point.", notify=True)
    path = _path(_link(smtp.inbox.messages[0], "confirm"))
    client.post(path)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200 and "This link was used already" in response.text
        assert "g…@example.org" in response.text


def test_an_unsubscribe_link_for_a_deleted_recipient_or_article_still_answers(app, make_article):
    article = make_article()
    token = make_token("unsubscribe", {"r": 5, "a": article.id + 100})
    client = app.test_client()
    assert client.get(f"/mail/unsubscribe/{token}").status_code == 200
    response = client.post(f"/mail/unsubscribe/{token}")
    assert response.status_code == 200 and "used already" in response.text


def test_the_confirm_button_needs_the_pages_csrf_token(app_with, smtp, make_user):
    with app_with(BASE_URL=BASE, WTF_CSRF_ENABLED=True, **smtp.settings()) as application:
        with application.app_context():
            from app.services.articles import create_article

            author = make_user("author")
            article = create_article(author, "Csrf", "Body.", published=True)
            make_comment(article, writer=make_guest())
            article_id = article.id
            recipient = Recipient(email=GAIL, name="Gail")
            db.session.add(recipient)
            db.session.commit()
            token = make_token("confirm-address", {"r": recipient.id, "since": int(recipient.created_at.timestamp())})
            recipient_id = recipient.id
        client = application.test_client()
        assert client.post(f"/mail/confirm/{token}").status_code == 400  # no token: refused, nothing confirmed
        page = client.get(f"/mail/confirm/{token}").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert "Your address is confirmed" in client.post(f"/mail/confirm/{token}", data={"csrf_token": csrf}).text
        # One-click unsubscribe needs no session.
        with application.app_context():
            unsubscribe = make_token("unsubscribe", {"r": recipient_id, "a": article_id})
        assert application.test_client().post(f"/mail/unsubscribe/{unsubscribe}").status_code == 200


def test_an_account_gets_reply_mail_without_confirming_and_by_its_default(
    app, smtp, make_article, make_user, token_for
):
    client = app.test_client()
    article = make_article(title="The budget")
    dana = make_user("reader", name="Dana Reyes", email="dana@example.org")
    headers = token_for(dana)
    unasked = _post(client, article, "Without the box.", headers=headers)
    asked = _post(client, article, "With the box.", headers=headers, notify=True)
    db.session.execute(update(User).where(User.id == dana.id).values(reply_mail=True))
    db.session.commit()
    by_default = _post(client, article, "By my default.", headers=headers)
    said_no = _post(client, article, "Said no.", headers=headers, notify=False)
    assert smtp.inbox.messages == []  # no confirmation for an account
    wishes = {number: wish for number, wish in db.session.execute(select(Comment.id, Comment.reply_mail))}
    assert [wishes[c] for c in (unasked, asked, by_default, said_no)] == [False, True, True, False]

    for parent in (unasked, asked, said_no):
        _post(app.test_client(), article, f"Reply to {parent}.", parent_id=parent, name="Rae", email="rae@example.org")
    _post(client, article, "Answering myself.", parent_id=asked, headers=headers)
    (notification,) = smtp.inbox.messages
    assert notification["To"] == "Dana Reyes <dana@example.org>"
    assert f"Reply to {asked}." in _text(notification)


def test_the_account_page_section_sets_the_default_and_stops_mail(app, client, login, make_article, make_user):
    article, other = make_article(title="Alpha"), make_article(title="Beta")
    dana = make_user("reader", name="Dana Reyes", email="dana@example.org")
    login(dana)
    page = client.get("/account")
    assert 'id="reply-mail"' in page.text and "No mail about comments" in page.text
    assert 'id="reply-mail-default" name="reply_mail" value="on">' in page.text  # not ticked

    client.post("/account/reply-mail", data={"reply_mail": "on"})
    form = client.get(f"/articles/{article.slug}").text
    assert re.search(r'<input checked id="notify-replies" name="notify_replies" type="checkbox"', form)
    posted = client.post(
        f"/articles/{article.slug}/comments", data={"body": "Mine.", "notify_replies": "y"}, follow_redirects=True
    )
    assert "Your comment is published. We will email you when someone replies." in posted.text
    client.post(f"/articles/{other.slug}/subscribe")
    page = client.get("/account").text
    assert "replies to 1 of your comment" in page and "every new comment" in page

    client.post("/account/reply-mail/stop", data={"article_id": str(article.id)})
    page = client.get("/account").text
    assert "Alpha" not in page and "Beta" in page
    assert client.post("/account/reply-mail/stop", data={"article_id": "nonsense"}).status_code == 400
    client.post("/account/reply-mail/stop", data={"scope": "all"})
    assert "No mail about comments" in client.get("/account").text
    client.post("/account/reply-mail", data={})
    assert db.session.get(User, dana.id).reply_mail is False


def test_the_comment_form_asks_guests_too_and_says_a_link_was_mailed(app, smtp, client, make_article):
    article = make_article()
    page = client.get(f"/articles/{article.slug}").text
    assert 'name="notify_replies"' in page and "Email me when someone replies" in page
    assert 'id="follow"' in page
    posted = client.post(
        f"/articles/{article.slug}/comments",
        data={"body": "Mine.", "name": "Gail Guest", "email": GAIL, "notify_replies": "y"},
        follow_redirects=True,
    )
    assert "We sent you an email with a link" in posted.text
    assert len(smtp.inbox.messages) == 1
    assert db.session.scalar(select(OutboxMessage.topic)) == "confirm_address"


def test_no_confirmation_mail_for_a_comment_caught_as_spam(app_with, smtp, make_user):
    with app_with(BASE_URL=BASE, SPAM_BLOCKED_WORDS="cheap pills", **smtp.settings()) as application:
        with application.app_context():
            from app.services.articles import create_article

            slug = create_article(make_user("author"), "Spam", "Body.", published=True).slug
        response = application.test_client().post(
            f"/api/v1/articles/{slug}/comments",
            json={"body": "Buy cheap pills.", "name": "Sp Ammer", "email": GAIL, "notify_replies": True},
        )
        assert response.status_code == 202
        assert smtp.inbox.messages == []


def test_the_notification_task_is_idempotent(app, smtp, make_article):
    client = app.test_client()
    article = make_article()
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    reply = _post(app.test_client(), article, "Reply.", parent_id=mine, name="Reader", email="r0@example.org")
    subscriptions.notify_from_task({"comment_id": reply})
    subscriptions.notify_from_task({"comment_id": reply + 100})
    db.session.commit()
    run_tasks()
    assert len(smtp.inbox.messages) == 2


def test_the_demo_mails_ruth_of_the_hosts_answer_and_lee_follows_the_discussion(app, smtp, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "reply mail for Ruth's criticism with a mail about the host's answer" in first.output
    assert "Lee Morgan follows the discussion" in first.output
    told = [m for m in smtp.inbox.messages if m["List-Unsubscribe"] is not None]
    (answer,) = told
    assert answer["To"] == "Ruth Okonkwo <r.okonkwo@example.com>"
    assert _subject(answer).startswith("Dana Reyes replied to your comment on “Small claims court")
    assert "Thank you, Ruth." in _text(answer)

    again = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in again.output
    lee = db.session.scalar(select(User).where(User.email == "lee@example.org"))
    (followed,) = subscriptions.followed_by(lee)
    assert followed.subscribed and followed.article.subscription_count == 1
    assert len(smtp.inbox.messages) == 2  # the note citing Ruth's comment, and the answer


def test_a_reply_nobody_asked_about_costs_not_one_statement_more(app, make_article, count_queries):
    """The receiver reads only what posting holds already: the same statements with it connected as without."""
    from app.services.signals import comment_published

    client = app.test_client()
    article = make_article()
    parents = [_post(client, article, f"Parent {n}.", name=f"Writer {n}", email=f"w{n}@example.org") for n in range(3)]
    _post(app.test_client(), article, "Warming up.", parent_id=parents[0], name="Rae", email="rae@example.org")
    costs = []
    for parent in parents[1:]:
        with count_queries() as counted:
            _post(
                app.test_client(), article, f"Reply to {parent}.", parent_id=parent, name="Rae", email="rae@example.org"
            )
        costs.append(counted.n)
        comment_published.disconnect(subscriptions.on_comment_published)
    comment_published.connect(subscriptions.on_comment_published, weak=False)
    assert costs[0] == costs[1], costs
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_the_mail_worker_alone_writes_and_sends_a_readers_digest_when_it_falls_due(app, smtp, make_article):
    client = app.test_client()
    article = make_article(title="The budget")
    mine = _post(client, article, "My point.", notify=True)
    _confirm(client, smtp.inbox.messages[0])
    for n in range(2):
        _post(app.test_client(), article, f"Reply {n}.", parent_id=mine, name=f"Reader {n}", email=f"r{n}@example.org")
    assert len(smtp.inbox.messages) == 2  # the confirmation and the first reply; the second waits for the digest
    for notification in db.session.scalars(select(Notification).where(Notification.sent_at.is_not(None))):
        notification.sent_at -= timedelta(minutes=15)
    db.session.execute(update(Task).where(Task.done_at.is_(None)).values(run_after=utcnow()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Delivered 1 message(s)" in result.output
    assert _subject(smtp.inbox.messages[2]) == "Reader 1 replied to your comment on “The budget”"


def test_an_account_whose_address_is_not_confirmed_gets_no_reply_mail(app, smtp, make_article, make_user, token_for):
    article = make_article(title="The budget")
    dana = make_user("reader", name="Dana Reyes", email="dana@example.org")
    asked = _post(app.test_client(), article, "With the box.", headers=token_for(dana), notify=True)
    db.session.execute(update(User).where(User.id == dana.id).values(email_verified_at=None))
    db.session.commit()
    _post(app.test_client(), article, "A reply.", parent_id=asked, name="Rae", email="rae@example.org")
    assert smtp.inbox.messages == []
    db.session.execute(update(User).where(User.id == dana.id).values(email_verified_at=utcnow()))
    db.session.commit()
    _post(app.test_client(), article, "Another reply.", parent_id=asked, name="Rae", email="rae@example.org")
    (notification,) = smtp.inbox.messages
    assert "Another reply." in _text(notification)


def test_deleting_an_account_drops_its_subscriptions_and_reply_mail(
    app, client, make_article, make_user, token_for, login
):
    article = make_article(title="The budget")
    dana = make_user("reader", name="Dana Reyes", email="dana@example.org")
    asked = _post(app.test_client(), article, "With the box.", headers=token_for(dana), notify=True)
    subscriptions.subscribe(article, dana)
    db.session.commit()
    assert db.session.get(type(article), article.id).subscription_count == 1
    login(dana)
    response = client.post("/account/delete", data={"delete-comments": "keep", "delete-password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(article), article.id).subscription_count == 0
    assert db.session.scalar(select(func.count()).select_from(Recipient)) == 0
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0
    assert db.session.get(Comment, asked).reply_mail is False
