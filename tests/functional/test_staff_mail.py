"""Staff mail: moderators hear of held and flagged comments (immediately without flooding, or in a daily digest),
act on them from the mail through a confirmation page that needs no sign-in, and turn the mail off in one click;
authors hear of correction requests. Through a real SMTP server, HTTP and the CLI."""

import re
import time
from datetime import timedelta

import itsdangerous
import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    Ban,
    Comment,
    CommentStatus,
    CorrectionRequest,
    ModerationEvent,
    ModerationMail,
    OutboxMessage,
    RequestStatus,
    StaffMailSettings,
    Task,
    User,
)
from app.models.types import utcnow
from app.services import accounts, moderation, sites, staff_mail
from app.services.signed import make_token
from tests.conftest import MAIL_BASE as BASE
from tests.conftest import PASSWORD
from tests.factories import HELD, make_comment, run_tasks

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash


@pytest.fixture
def app(app_with, smtp, request):
    """Mail through the test's SMTP server, links under a BASE_URL with a path; more settings by indirect
    parametrisation."""
    settings = {"BASE_URL": BASE, "STAFF_MAIL_ENABLED": True, **smtp.settings(), **getattr(request, "param", {})}
    with app_with(**settings) as application:
        yield application


def _signed_in(app, user):
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def _choose(app, user, **form):
    """Save a choice through the account page's form, as the person would."""
    response = _signed_in(app, user).post("/staff-mail/settings", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account#staff-mail")


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _html(message) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def _to(smtp, user) -> list:
    return [message for message in smtp.inbox.messages if user.email in message["To"]]


def _links(message) -> dict[str, list[str]]:
    """The mail's action links by label, in the order of the comments: {"Approve": [url, ...], ...}."""
    found: dict[str, list[str]] = {}
    for label, url in re.findall(r"^(Approve|Spam|Trash|Keep it \(dismiss the flags\)): (\S+)$", _text(message), re.M):
        found.setdefault(label, []).append(url)
    return found


def _unsubscribe_url(message) -> str:
    # The header is folded before its one long word; the fold's space is no part of it.
    return re.fullmatch(r"<(\S+)>", message["List-Unsubscribe"].strip()).group(1)


def _path(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url[len(BASE) :]


def _post_held(client, article, body, name="Gail Guest", address="gail@example.org"):
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"name": name, "email": address, "body": body}
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["comment"]["id"]


def _state():
    db.session.expire_all()
    return (
        db.session.execute(select(Comment.id, Comment.status).order_by(Comment.id)).all(),
        db.session.scalar(select(func.count()).select_from(ModerationEvent)),
    )


# --- who hears of what, and when ------------------------------------------------------------


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True}], indirect=True)
def test_a_held_comment_reaches_a_moderator_who_chose_immediately_with_links_and_one_click_unsubscribe(
    app, smtp, make_user, make_article
):
    eager = make_user("moderator", name="Mo Eager")
    quiet = make_user("moderator", name="Mo Quiet")
    admin = make_user("admin", name="Ada Admin")  # on the default, the daily digest
    make_user("reader")
    _choose(app, eager, moderation="immediately")
    _choose(app, quiet, moderation="off")
    article = make_article(title="The budget")

    comment_id = _post_held(app.test_client(), article, "The figure is wrong, see page 4.")

    (arrived,) = smtp.inbox.messages  # after the answer: the moderator on "immediately" only
    assert arrived["To"] == f"Mo Eager <{eager.email}>"
    assert arrived["Subject"] == "1 new comment waiting for moderation"
    unsubscribe = _unsubscribe_url(arrived)
    assert unsubscribe.startswith(f"{BASE}/staff-mail/unsubscribe/")
    assert arrived["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = _text(arrived), _html(arrived)
    assert "Hello Mo Eager," in text
    assert f"--- Comment {comment_id} by Gail Guest (guest) on “The budget”" in text
    assert "Held: The site holds every comment for moderation." in text
    assert "The figure is wrong, see page 4." in text
    assert "On the desk now: 1 pending, 0 flagged." in text
    assert f"On the desk: {BASE}/moderation/comments/{comment_id}" in text
    assert f"Stop these emails: {unsubscribe}" in text
    links = _links(arrived)
    assert set(links) == {"Approve", "Spam", "Trash"}
    for url in (*sum(links.values(), []), unsubscribe):
        assert f'href="{url}"' in html
    assert f'on “<a href="{BASE}/articles/{article.slug}">The budget</a>”' in html
    # The desk shows staff a guest's email and network; the mail, which travels, shows neither.
    assert "gail@example.org" not in text + html
    assert "198.51.100" not in text + html
    assert admin.email not in str(smtp.inbox.envelopes)


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True}], indirect=True)
def test_immediately_never_floods_one_mail_per_quiet_time_lists_what_arrived_meanwhile(
    app, smtp, make_user, make_article
):
    moderator = make_user("moderator")
    _choose(app, moderator, moderation="immediately")
    article = make_article()
    client = app.test_client()
    first = _post_held(client, article, "First held.")
    second = _post_held(client, article, "Second held.", name="Hal", address="hal@example.org")
    third = _post_held(client, article, "Third held.", name="Ida", address="ida@example.org")

    assert len(_to(smtp, moderator)) == 1
    (planned,) = db.session.scalars(select(Task).where(Task.kind == staff_mail.SEND_TASK)).all()
    row = db.session.get(StaffMailSettings, moderator.id)
    assert planned.run_after == row.planned_at == row.last_sent_at + timedelta(minutes=15)
    assert planned.done_at is None

    # The quiet time is over: the one planned mail lists the two that arrived during it.
    db.session.execute(update(Task).where(Task.id == planned.id).values(run_after=utcnow()))
    db.session.commit()
    run_tasks()
    first_mail, later = _to(smtp, moderator)
    assert f"Comment {first} " in _text(first_mail)
    assert "2 new comments arrived" in _text(later)
    assert f"Comment {first} " not in _text(later)
    assert f"Comment {second} " in _text(later) and f"Comment {third} " in _text(later)
    assert db.session.get(StaffMailSettings, moderator.id).planned_at is None


def test_a_published_comment_queues_no_task_and_no_mail(app, smtp, make_user, make_article):
    moderator = make_user("moderator")
    _choose(app, moderator, moderation="immediately")
    article = make_article()
    before = db.session.scalar(select(func.count()).select_from(Task))
    response = app.test_client().post(
        f"/api/v1/articles/{article.slug}/comments", json={"name": "Pia", "email": "pia@example.org", "body": "Fine."}
    )
    assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Task)) == before
    assert smtp.inbox.messages == []


def test_a_flag_reaches_the_moderator_with_a_link_that_keeps_the_comment(app, smtp, make_user, make_article):
    moderator = make_user("moderator")
    _choose(app, moderator, moderation="immediately")
    comment = make_comment(make_article(title="Rules"), "A rude remark.")
    response = app.test_client().post(f"/api/v1/comments/{comment.id}/flags", json={"reason": "abusive"})
    assert response.status_code in {200, 201}, response.get_json()

    (arrived,) = _to(smtp, moderator)
    assert "Flagged by readers: abusive" in _text(arrived)
    assert "On the desk now: 0 pending, 1 flagged." in _text(arrived)
    links = _links(arrived)
    assert set(links) == {"Keep it (dismiss the flags)", "Spam", "Trash"}

    keep = _path(links["Keep it (dismiss the flags)"][0])
    browser = app.test_client()
    assert browser.get(keep).status_code == 200
    assert browser.post(keep).status_code == 200
    db.session.expire_all()
    assert comment.status is A
    assert moderation._open_flag_count(comment) == 0
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert (event.action, event.actor_id) == ("dismiss_flags", moderator.id)


def test_the_daily_digest_by_command_lists_what_is_new_once(app, smtp, make_user, make_article):
    moderator = make_user("moderator", name="Mo Daily")  # never chose: the daily digest
    off = make_user("admin")
    _choose(app, off, moderation="off")
    article = make_article()
    held = make_comment(article, "Held one.", rules=HELD)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["mail", "digest"])
    assert result.exit_code == 0, result.output
    assert result.output == "Wrote 1 digest(s).\n"
    assert "Delivered 1 message(s)" in runner.invoke(args=["outbox", "deliver"]).output
    (arrived,) = smtp.inbox.messages
    assert arrived["To"] == f"Mo Daily <{moderator.email}>"
    assert arrived["Subject"] == "1 new comment waiting for moderation (daily digest)"
    assert f"Comment {held.id} " in _text(arrived)

    # Run again (cron twice, or the task after the command): nothing new, nothing written.
    assert runner.invoke(args=["mail", "digest"]).output == "Wrote 0 digest(s).\n"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize("app", [{"MODERATION_MAIL_DIGEST_AT": "06:30"}], indirect=True)
def test_the_digest_task_waits_for_its_time_of_day_sends_and_plans_the_next_day(app, smtp, make_user, make_article):
    moderator = make_user("moderator")
    held = make_comment(make_article(), "Held for the digest.", rules=HELD)
    run_tasks()  # the held comment's task plans the digest; nobody is on "immediately"
    (digest,) = db.session.scalars(select(Task).where(Task.kind == staff_mail.DIGEST_TASK)).all()
    assert digest.done_at is None
    assert (digest.run_after.hour, digest.run_after.minute) == (6, 30)
    assert utcnow() < digest.run_after <= utcnow() + timedelta(days=1)
    assert smtp.inbox.messages == []

    db.session.execute(update(Task).where(Task.id == digest.id).values(run_after=utcnow()))
    db.session.commit()
    # The mail worker alone (`outbox deliver`, no `tasks run`) writes the digest and sends it.
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert "Delivered 1 message(s)" in result.output
    db.session.expire_all()
    (arrived,) = _to(smtp, moderator)
    assert f"Comment {held.id} " in _text(arrived)
    following = db.session.scalars(
        select(Task).where(Task.kind == staff_mail.DIGEST_TASK, Task.done_at.is_(None))
    ).one()
    assert following.run_after == staff_mail.next_digest_at(utcnow(), "06:30")


def test_two_runners_planning_the_digest_at_once_queue_it_once(app, make_user):
    """Two runners each saw no digest planned (their transactions a moment apart) and both queue it: the second is
    refused by the table, inside a savepoint, and the rest of its transaction is kept."""
    moderator = make_user("moderator")
    first = staff_mail.plan_digest()
    assert first is not None
    db.session.commit()

    # The second runner's check ran before the first committed; its insert comes after.
    db.session.add(StaffMailSettings(user_id=moderator.id, correction_requests=False))  # its own change
    assert staff_mail.queue_digest(first.run_after) is None
    db.session.commit()

    pending = db.session.scalars(select(Task).where(Task.kind == staff_mail.DIGEST_TASK, Task.done_at.is_(None))).all()
    assert [task.id for task in pending] == [first.id]
    db.session.expire_all()
    assert db.session.get(StaffMailSettings, moderator.id).correction_requests is False
    # A digest for another time is a digest of its own.
    assert staff_mail.queue_digest(first.run_after + timedelta(days=1)) is not None


# --- the confirmation page -----------------------------------------------------------------


def _mailed_links(app, smtp, moderator, article, body="Held for a mailed link."):
    """A held comment and the links of the mail that tells `moderator` (on "immediately") of it."""
    staff_mail.choose(moderator, "immediately")
    comment_id = _post_held(app.test_client(), article, body)
    (arrived,) = _to(smtp, moderator)
    return db.session.get(Comment, comment_id), {label: _path(urls[0]) for label, urls in _links(arrived).items()}


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True}], indirect=True)
def test_approve_from_the_mail_asks_first_acts_as_that_moderator_once_and_is_idempotent(
    app, smtp, make_user, make_article
):
    moderator = make_user("moderator", name="Mo Mailed")
    comment, links = _mailed_links(app, smtp, moderator, make_article(title="Tides"))
    browser = app.test_client()  # not signed in

    shown = browser.get(links["Approve"])
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert f"Approve: comment {comment.id}?" in page
    assert "Held for a mailed link." in page and "Tides" in page
    assert "gail@example.org" not in page
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    assert shown.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert comment.status is P  # a GET (a link checker, a preview) changes nothing

    done = browser.post(links["Approve"])
    assert done.status_code == 200
    assert f"Done: comment {comment.id} is approved" in done.get_data(as_text=True)
    db.session.expire_all()
    assert comment.status is A
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.remark) == (
        "approve",
        moderator.id,
        "from a link in the moderation mail",
    )

    before = _state()
    again = browser.post(links["Approve"])
    assert again.status_code == 200
    assert "Already done" in again.get_data(as_text=True)
    assert browser.get(links["Approve"]).status_code == 200
    assert _state() == before

    # The same mail's other links no longer act: the comment moved.
    moved = browser.post(links["Trash"])
    assert moved.status_code == 409
    assert "approve by Mo Mailed" in moved.get_data(as_text=True)
    assert _state() == before


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True}], indirect=True)
def test_trash_from_the_mail_takes_the_reason_chosen_on_the_page(app, smtp, make_user, make_article):
    moderator = make_user("moderator")
    comment, links = _mailed_links(app, smtp, moderator, make_article())
    browser = app.test_client()
    assert 'name="reason"' in browser.get(links["Trash"]).get_data(as_text=True)
    assert browser.post(links["Trash"], data={"reason": "off_topic"}).status_code == 200
    db.session.expire_all()
    assert comment.status is T
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert (event.action, event.reason, event.actor_id) == ("trash", "off_topic", moderator.id)


def _expired_link(monkeypatch, comment, moderator, event_id):
    signed_at = int(time.time()) - 8 * 86400
    with monkeypatch.context() as patched:
        patched.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: signed_at)
        return _path(staff_mail.action_url(comment, moderator, "approve", event_id))


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True}], indirect=True)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bad_links_get_a_clear_page_and_change_nothing(app, smtp, make_user, make_article, monkeypatch, method):
    moderator = make_user("moderator", name="Mo First")
    other = make_user("moderator", name="Mo Second")
    article = make_article()
    comment, links = _mailed_links(app, smtp, moderator, article)
    event_id = staff_mail.latest_event_ids([comment.id])[comment.id]
    token = links["Approve"].rsplit("/", 1)[1]
    browser = app.test_client()

    def check(path, status, words):
        before = _state()
        response = browser.open(path, method=method)
        assert response.status_code == status, (path, response.status_code)
        assert words in response.get_data(as_text=True)
        assert _state() == before

    check(_expired_link(monkeypatch, comment, moderator, event_id), 410, "the links in moderation mail work for 7 days")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    check(f"/staff-mail/moderate/{forged}", 400, "This link is not valid")
    check("/staff-mail/moderate/not-a-token", 400, "This link is not valid")
    with app.test_request_context():
        other_key = itsdangerous.URLSafeTimedSerializer("another-key", salt="afterword.mail.moderate")
        stolen = other_key.dumps({"c": comment.id, "m": other.id, "a": "approve", "e": event_id})
        wrong_purpose = make_token("staff-unsubscribe", {"c": comment.id, "m": moderator.id, "a": "approve", "e": 0})
    check(f"/staff-mail/moderate/{stolen}", 400, "This link is not valid")
    check(f"/staff-mail/moderate/{wrong_purpose}", 400, "This link is not valid")

    accounts.set_role(moderator, "reader")
    check(links["Approve"], 403, "no longer moderates")
    accounts.set_role(moderator, "moderator")

    moderation.apply(comment, "spam", other)  # moved by someone else
    check(links["Approve"], 409, "spam by Mo Second")

    moderation.purge(CommentStatus.spam, timedelta(0))
    check(links["Approve"], 404, "no longer exists")


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True, "WTF_CSRF_ENABLED": True}], indirect=True, ids=["csrf"])
def test_the_confirmation_works_without_a_session_and_keeps_its_csrf_check(app, smtp, make_user, make_article):
    moderator = make_user("moderator")
    comment, links = _mailed_links(app, smtp, moderator, make_article())

    forged = app.test_client().post(links["Approve"])  # no page shown first: no CSRF token
    assert forged.status_code == 400
    db.session.expire_all()
    assert comment.status is P

    browser = app.test_client()  # a fresh browser, never signed in: the page starts its session
    page = browser.get(links["Approve"]).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post(links["Approve"], data={"csrf_token": csrf}).status_code == 200
    db.session.expire_all()
    assert comment.status is A


# --- unsubscribing ------------------------------------------------------------------------


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True, "WTF_CSRF_ENABLED": True}], indirect=True, ids=["csrf"])
def test_one_click_unsubscribe_turns_moderation_mail_off_without_a_session(app, smtp, make_user, make_article):
    moderator = make_user("moderator", name="Mo Done")
    staff_mail.choose(moderator, "immediately")  # the form needs a CSRF token here; its own test is below
    article = make_article()
    _post_held(app.test_client(), article, "First.")
    (arrived,) = _to(smtp, moderator)
    url = _path(_unsubscribe_url(arrived))
    client = app.test_client()

    asked = client.get(url)  # a person following the footer's link, or a link checker: nothing changes yet
    assert asked.status_code == 200
    assert "Mo Done, you will get no more mail about comments waiting for moderation" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert staff_mail.settings_of(moderator).moderation is ModerationMail.immediately

    # RFC 8058: the mail provider POSTs this body, with no cookie and no CSRF token.
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    db.session.expire_all()
    assert staff_mail.settings_of(moderator).moderation is ModerationMail.off
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: harmless

    _post_held(app.test_client(), article, "Second.", name="Hal", address="hal@example.org")
    assert len(_to(smtp, moderator)) == 1

    assert client.post("/staff-mail/unsubscribe/forged.token").status_code == 400
    assert client.get("/staff-mail/unsubscribe/forged.token").status_code == 400


# --- authors ------------------------------------------------------------------------------


def _request_correction(app, article, body="The budget was four million, not three."):
    response = app.test_client().post(
        f"/api/v1/articles/{article.slug}/correction-requests",
        json={"name": "Rita Reader", "email": "rita@example.org", "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["correction_request"]["id"]


def test_a_correction_request_reaches_the_articles_author_with_a_link_to_the_requests_desk(
    app, smtp, make_user, make_article
):
    author = make_user("author", name="Dana Reyes")
    make_user("admin")
    article = make_article(author=author, title="The budget")
    request_id = _request_correction(app, article)

    (arrived,) = smtp.inbox.messages  # the author only: admins see every request on the desk
    assert arrived["To"] == f"Dana Reyes <{author.email}>"
    assert arrived["Subject"] == "A correction request on “The budget”"
    assert arrived["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = _text(arrived), _html(arrived)
    assert "Rita Reader requests a correction on your article “The budget”:" in text
    assert "The budget was four million, not three." in text
    assert f"Answer it on your requests desk: {BASE}/author/requests#request-{request_id}" in text
    assert f'href="{BASE}/author/requests#request-{request_id}"' in html
    assert "rita@example.org" not in text + html

    # One click and the author hears of no more requests.
    unsubscribe = _path(_unsubscribe_url(arrived))
    assert app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    _request_correction(app, article, "Another point: the date.")
    assert len(smtp.inbox.messages) == 1


def test_a_guest_post_request_reaches_the_host_and_a_request_caught_as_spam_reaches_nobody(
    app, smtp, make_user, make_article
):
    host = make_user("author", name="Hana Host")
    article = make_article(author=host, guest=("Gus Guest", "A specialist."))
    _request_correction(app, article)
    (arrived,) = smtp.inbox.messages
    assert arrived["To"] == f"Hana Host <{host.email}>"

    moderation.create_ban("email", "rita@example.org", "Sends junk.", make_user("moderator"))
    caught = _request_correction(app, article, "Buy cheap pills.")
    assert db.session.get(CorrectionRequest, caught).status is RequestStatus.spam
    assert len(smtp.inbox.messages) == 1

    accounts.set_role(host, "reader")  # no longer writes: no more mail
    moderation.lift_ban(db.session.scalars(select(Ban)).one(), host)
    assert db.session.get(CorrectionRequest, _request_correction(app, article, "Another point.")).status.value == "open"
    assert len(smtp.inbox.messages) == 1


# --- the account page ---------------------------------------------------------------------


def test_the_account_page_shows_each_person_the_mail_they_can_choose(app, make_user):
    moderator, author, reader = make_user("moderator"), make_user("author"), make_user("reader")
    page = _signed_in(app, moderator).get("/account").get_data(as_text=True)
    assert 'id="moderation-daily" value="daily" checked' in page
    assert "correction_requests" not in page
    _choose(app, moderator, moderation="immediately")
    page = _signed_in(app, moderator).get("/account").get_data(as_text=True)
    assert 'id="moderation-immediately" value="immediately" checked' in page

    page = _signed_in(app, author).get("/account").get_data(as_text=True)
    assert 'name="correction_requests" id="correction-requests" value="1" checked' in page
    assert 'name="moderation"' not in page
    _choose(app, author, correction_requests_shown="1")  # the box unticked
    assert staff_mail.settings_of(author).correction_requests is False

    assert "Mail for staff" not in _signed_in(app, reader).get("/account").get_data(as_text=True)


def test_the_settings_form_refuses_what_a_person_cannot_choose(app, make_user):
    moderator, reader = make_user("moderator"), make_user("reader")
    browser = _signed_in(app, moderator)
    response = browser.post("/staff-mail/settings", data={"moderation": "hourly"}, follow_redirects=True)
    assert "Choose one of: immediately, daily, off." in response.get_data(as_text=True)
    assert db.session.get(StaffMailSettings, moderator.id) is None

    browser = _signed_in(app, reader)
    response = browser.post("/staff-mail/settings", data={"moderation": "immediately"}, follow_redirects=True)
    assert "Mail about comments waiting is for moderators and admins." in response.get_data(as_text=True)
    assert db.session.get(StaffMailSettings, reader.id) is None
    assert app.test_client().post("/staff-mail/settings", data={"moderation": "off"}).status_code == 302  # to login


def test_a_bad_digest_time_stops_the_app_at_start(app_with):
    problem = "MODERATION_MAIL_DIGEST_AT must be a time of day in UTC as HH:MM"
    with pytest.raises(ValueError, match=problem), app_with(MODERATION_MAIL_DIGEST_AT="8 o'clock"):
        pass


def test_a_mail_offers_approve_for_a_held_comment_and_keep_for_a_published_flagged_one():
    assert staff_mail.offered_actions(Comment(status=P), False) == ["approve", "spam", "trash"]
    assert staff_mail.offered_actions(Comment(status=A), True) == ["dismiss_flags", "spam", "trash"]


def test_next_digest_time_is_today_or_tomorrow():
    now = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    assert staff_mail.next_digest_at(now, "08:00") == now.replace(hour=8) + timedelta(days=1)
    assert staff_mail.next_digest_at(now, "09:30") == now.replace(minute=30)
    assert staff_mail.next_digest_at(now, "09:00") == now + timedelta(days=1)
    assert staff_mail.digest_time_problem({"MODERATION_MAIL_DIGEST_AT": "25:00"}) is not None
    assert staff_mail.digest_time_problem({"MODERATION_MAIL_DIGEST_AT": "07:05"}) is None


@pytest.mark.parametrize("app", [{"STAFF_MAIL_ENABLED": False, "MODERATION_HOLD_ALL": True}], indirect=True)
def test_with_staff_mail_off_a_held_comment_and_a_request_queue_nothing_for_staff(app, smtp, make_user, make_article):
    moderator, author = make_user("moderator"), make_user("author")
    staff_mail.choose(moderator, "immediately")
    article = make_article(author=author)
    _post_held(app.test_client(), article, "Held, and nobody told.")
    _request_correction(app, article)
    assert db.session.scalars(select(Task.kind).where(Task.kind.like("staff_mail.%"))).all() == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert smtp.inbox.messages == []


@pytest.mark.parametrize("app", [{"MODERATION_MAIL_MAX_COMMENTS": 2}], indirect=True)
def test_a_mail_lists_at_most_the_settings_number_of_comments_and_counts_the_rest(app, smtp, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    held = [make_comment(article, f"Held number {n}.", rules=HELD) for n in range(3)]
    assert app.test_cli_runner().invoke(args=["mail", "digest"]).output == "Wrote 1 digest(s).\n"
    run_tasks()
    (arrived,) = _to(smtp, moderator)
    text = _text(arrived)
    assert arrived["Subject"] == "3 new comments waiting for moderation (daily digest)"
    assert [f"Comment {comment.id} " in text for comment in held] == [True, True, False]
    assert f"And 1 more on the desk: {BASE}/moderation\n" in text
    assert len(_links(arrived)["Approve"]) == 2


@pytest.mark.parametrize("app", [{"MODERATION_HOLD_ALL": True}], indirect=True)
def test_no_staff_mail_goes_to_an_address_its_owner_has_not_confirmed(app, smtp, make_user, make_article):
    eager = make_user("moderator", name="Mo Eager")
    unproved = make_user("moderator", name="Mo Unproved")
    author = make_user("author", name="Dana Reyes")
    for user in (eager, unproved):
        _choose(app, user, moderation="immediately")
    db.session.execute(update(User).where(User.id.in_([unproved.id, author.id])).values(email_verified_at=None))
    db.session.commit()
    _post_held(app.test_client(), make_article(title="The budget"), "The figure is wrong, see page 4.")
    _request_correction(app, make_article(author=author, title="The dates"))
    assert [message["To"] for message in smtp.inbox.messages] == [f"Mo Eager <{eager.email}>"]
    staff_mail.send_digests()
    db.session.commit()
    run_tasks()
    assert unproved.email not in str(smtp.inbox.envelopes) and author.email not in str(smtp.inbox.envelopes)


def test_a_comment_held_on_an_embedded_discussion_links_its_title_to_the_host_page(app, smtp, make_user):
    """The mail's title link leads where the discussion is read (docs/embed.md); the desk's links stay here."""
    eager = make_user("moderator")
    _choose(app, eager, moderation="immediately")
    site = sites.register_site(make_user("admin"), sites.SiteFields("Blog", "https://blog.example", hold_all=True))
    thread = sites.thread_for_page(site, "first-snow", "https://blog.example/posts/first-snow", "First snow")
    comment_id = _post_held(app.test_client(), thread, "Held on the blog.")
    html = _html(smtp.inbox.messages[0])
    assert 'on “<a href="https://blog.example/posts/first-snow">First snow</a>”' in html
    assert f'href="{BASE}/moderation/comments/{comment_id}"' in html
