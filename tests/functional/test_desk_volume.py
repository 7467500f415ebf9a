"""Moderators handling volume, through HTTP: every comment of a desk page at once, emptying the spam,
banning a comment's sender from the comment, and the warning before a network ban wider than a /16."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Ban, Comment, CommentStatus, ModerationEvent
from app.services import moderation
from app.services.comments import Writer, post_comment
from tests.conftest import PASSWORD
from tests.factories import OPEN, make_comment, make_guest

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
WIDE_V4 = (
    "10.0.0.0/8 is wider than a /16: it spans 65,536 /24 networks and would catch many people besides "
    "this sender. Confirm to ban the whole network anyway."
)
WIDE_V6 = (
    "2001:db8::/31 is wider than a /32: it spans 131,072 /48 networks and would catch many people besides "
    "this sender. Confirm to ban the whole network anyway."
)


def _browser(app, user=None):
    """A browser with its own cookies, signed in through the real form when given a user (its flash already seen)."""
    browser = app.test_client()
    if user is not None:
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        browser.get(response.headers["Location"])
    return browser


def _html(response) -> str:
    return response.get_data(as_text=True)


def _get(browser, url: str, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, (url, response.status_code)
    return _html(response)


def _flashes(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash flash--\w+">(.*?)</p>', html, re.S)]


def _landing(browser, response, location: str | None = None) -> str:
    assert response.status_code == 302, _html(response)
    if location is not None:
        assert response.headers["Location"] == location
    return _get(browser, response.headers["Location"].split("#")[0])


def _items(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="mod-item" id="item-(\d+)">', html)]


def _text(html: str) -> str:
    """The page's words without tags or runs of white space, for sentences that span elements."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _statuses(*comments) -> list:
    db.session.expire_all()
    return [db.session.get(Comment, c.id).status if db.session.get(Comment, c.id) else None for c in comments]


def _held(article, n: int, prefix: str = "Held") -> list[Comment]:
    """n held comments from n different guests, oldest first."""
    return [
        make_comment(article, f"{prefix} {i}.", make_guest(f"Guest {i}", f"g{i}@example.org"), status=P)
        for i in range(n)
    ]


# --- every comment of a page ---------------------------------------------------------------


def test_apply_to_all_on_this_page_acts_on_the_comments_the_page_showed_and_no_others(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    held = _held(article, 27)
    browser = _browser(app, moderator)

    html = _get(browser, "/moderation")
    shown = _items(html)
    assert len(shown) == 25 and set(shown) == {c.id for c in held[2:]}  # newest first, 25 a page
    assert re.findall(r'name="page_comment_ids" value="(\d+)"', html) == [str(i) for i in shown]
    assert (
        '<button type="submit" class="button" name="scope" value="page" id="apply-to-page">'
        'Apply to all <span class="bulk-bar__count">25</span> on this page</button>'
    ) in html
    # The select-all box is there for the script to show; without a script it stays hidden.
    assert re.search(r'<span class="bulk-bar__all" hidden><input type="checkbox" id="select-all"', html)
    assert '<label for="select-all">Select all on this page</label>' in html

    # A comment held after the page was drawn is not on it, so the button leaves it alone.
    late = make_comment(article, "Held late.", make_guest("Late", "late@example.org"), status=P)
    form = {"scope": "page", "page_comment_ids": [str(i) for i in shown], "bulk_action": "trash", "bulk_reason": "spam"}
    response = browser.post("/moderation/bulk?next=/moderation", data=form)
    assert _flashes(_landing(browser, response, "/moderation")) == ["Moved to the trash: 25 comments."]
    assert _statuses(*held) == [P, P] + [T] * 25 and _statuses(late) == [P]
    assert {e.reason for e in db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "trash"))} == {
        "spam"
    }


def test_apply_to_selected_ignores_the_page_and_the_page_button_ignores_the_ticks(app, make_user, make_article):
    moderator = make_user("moderator")
    first, second, third = _held(make_article(), 3)
    browser = _browser(app, moderator)
    everything = [str(c.id) for c in (first, second, third)]

    browser.post(
        "/moderation/bulk", data={"comment_ids": [first.id], "page_comment_ids": everything, "bulk_action": "approve"}
    )
    assert _statuses(first, second, third) == [A, P, P]
    browser.post(
        "/moderation/bulk",
        data={"scope": "page", "comment_ids": [first.id], "page_comment_ids": everything[1:], "bulk_action": "spam"},
    )
    assert _statuses(first, second, third) == [A, S, S]


def test_apply_to_all_on_an_empty_or_garbled_page_says_so_and_changes_nothing(app, make_user, make_article):
    moderator = make_user("moderator")
    (held,) = _held(make_article(), 1)
    browser = _browser(app, moderator)
    events = _count(ModerationEvent)
    for ids in ([], ["abc", "-1", "1.5", "9" * 40, "٣"]):
        response = browser.post(
            "/moderation/bulk", data={"scope": "page", "page_comment_ids": ids, "bulk_action": "approve"}
        )
        assert _flashes(_landing(browser, response)) == ["There are no comments on this page to act on."]
    response = browser.post(
        "/moderation/bulk", data={"scope": "page", "page_comment_ids": [held.id], "bulk_action": "nope"}
    )
    assert _flashes(_landing(browser, response)) == [
        f"Comment {held.id}: Unknown action 'nope'; use one of approve, spam, not_spam, trash, restore."
    ]
    assert _statuses(held) == [P] and _count(ModerationEvent) == events


def test_an_author_applying_to_a_whole_page_moves_only_their_own_articles_comments(app, make_user, make_article):
    author = make_user("author")
    (own,) = _held(make_article(author=author), 1, "Mine")
    (other,) = _held(make_article(), 1, "Theirs")
    browser = _browser(app, author)
    html = _get(browser, "/moderation")
    assert re.findall(r'name="page_comment_ids" value="(\d+)"', html) == [str(own.id)]
    # A forged page that names someone else's comment too.
    response = browser.post(
        "/moderation/bulk", data={"scope": "page", "page_comment_ids": [own.id, other.id], "bulk_action": "approve"}
    )
    assert _flashes(_landing(browser, response)) == [
        "Approved: 1 comment.",
        f"Comment {other.id}: not yours to moderate.",
    ]
    assert _statuses(own, other) == [A, P]


# --- empty spam ----------------------------------------------------------------------------


def _spam_scene(make_user, make_article):
    """Three spam comments, one of them answered; a held and a trashed comment that must survive."""
    moderator = make_user("moderator", name="Mo Moderator")
    article = make_article()
    lone = [make_comment(article, f"Pills {n}.", status=S, moderator=moderator) for n in range(2)]
    answered = make_comment(article, "Answered spam.")
    reply = make_comment(article, "A reply to it.", parent=answered)
    moderation.apply(answered, "spam", moderator)
    held = make_comment(article, "Held.", status=P)
    trashed = make_comment(article, "Trashed.", status=T, moderator=moderator)
    return moderator, article, lone, answered, reply, held, trashed


def test_empty_spam_confirms_the_numbers_then_deletes_and_logs_each(app, make_user, make_article):
    moderator, _, lone, answered, reply, held, trashed = _spam_scene(make_user, make_article)
    browser = _browser(app, moderator)

    desk = _get(browser, "/moderation?queue=spam")
    assert '<a class="button" href="/moderation/spam/empty">Empty spam</a>' in desk
    page = _get(browser, "/moderation/spam/empty")
    text = _text(page)
    assert "2 spam comments will be deleted for good, on every article. This cannot be undone." in text
    assert "Spam comments that have replies are kept, so the threads still read: 1 stays in the spam queue." in text
    assert "Each deletion is written to the moderation log, under your name." in text
    assert '<input type="hidden" name="expected" value="2">' in page
    assert ">Delete 2 spam comments for good</button>" in page
    assert _statuses(*lone, answered) == [S, S, S]  # looking deletes nothing

    lone_ids = [c.id for c in lone]
    before = _count(ModerationEvent)
    response = browser.post("/moderation/spam/empty", data={"expected": "2"})
    html = _landing(browser, response, "/moderation?queue=spam")
    assert _flashes(html) == ["Deleted 2 comments from spam for good; kept 1 comment that has replies."]
    assert _items(html) == [answered.id]
    assert _count(Comment, Comment.id.in_(lone_ids)) == 0
    assert _statuses(answered, reply, held, trashed) == [S, A, P, T]
    purges = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "purge")).all()
    assert _count(ModerationEvent) == before + 2
    assert sorted(e.remark for e in purges) == sorted(
        f"comment {i} purged by Mo Moderator (account {moderator.id}) on the desk" for i in lone_ids
    )
    assert {(e.actor_id, e.actor_rule, e.from_status, e.to_status, e.comment_id) for e in purges} == {
        (moderator.id, "purge", "spam", None, None)
    }

    # Again: nothing left to delete, and the answered one is still kept.
    page = _get(browser, "/moderation/spam/empty")
    assert "There is no spam to delete." in page and "Delete " not in _text(page).replace("Deletes", "")
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    response = browser.post("/moderation/spam/empty", data={"expected": "0"})
    assert _flashes(_landing(browser, response)) == [
        "Deleted 0 comments from spam for good; kept 1 comment that has replies."
    ]
    assert _statuses(answered) == [S]


def test_spam_that_arrived_after_the_confirmation_stops_the_deletion(app, make_user, make_article):
    moderator, article, lone, *_ = _spam_scene(make_user, make_article)
    browser = _browser(app, moderator)
    newcomer = make_comment(article, "Fresh pills.", status=S, moderator=moderator)
    response = browser.post("/moderation/spam/empty", data={"expected": "2"})
    assert response.status_code == 409
    text = _text(_html(response))
    assert (
        "More spam arrived since this page was shown: 3 comments would now be deleted, not 2. "
        "Check the number and confirm again." in text
    )
    assert '<input type="hidden" name="expected" value="3">' in _html(response)
    assert _statuses(*lone, newcomer) == [S, S, S]

    response = browser.post("/moderation/spam/empty", data={"expected": "many"})
    assert response.status_code == 422
    assert "The confirmation did not say how many comments it was for." in _html(response)
    assert _statuses(*lone, newcomer) == [S, S, S] and _count(ModerationEvent, ModerationEvent.action == "purge") == 0


def test_only_moderators_and_admins_empty_the_spam(app, make_user, make_article):
    author = make_user("author")
    moderator = make_user("moderator")
    article = make_article(author=author)
    spam = make_comment(article, "Pills on the author's own article.", status=S, moderator=moderator)

    author_browser = _browser(app, author)
    assert "Empty spam" not in _get(author_browser, "/moderation?queue=spam")
    _get(author_browser, "/moderation/spam/empty", 403)
    assert author_browser.post("/moderation/spam/empty", data={"expected": "1"}).status_code == 403
    reader_browser = _browser(app, make_user("reader"))
    _get(reader_browser, "/moderation/spam/empty", 403)
    assert reader_browser.post("/moderation/spam/empty", data={"expected": "1"}).status_code == 403
    visitor = app.test_client().post("/moderation/spam/empty", data={"expected": "1"})
    assert visitor.status_code == 302 and visitor.headers["Location"].startswith("/login?next=")
    assert _statuses(spam) == [S] and _count(ModerationEvent, ModerationEvent.action == "purge") == 0

    admin = _browser(app, make_user("admin"))
    assert "Empty spam" not in _get(admin, "/moderation")  # only on the spam queue
    assert "Empty spam" in _get(admin, "/moderation?queue=spam")
    response = admin.post("/moderation/spam/empty", data={"expected": "1"})
    assert _flashes(_landing(admin, response)) == [
        "Deleted 1 comment from spam for good; kept 0 comments that have replies."
    ]
    assert _count(Comment, Comment.id == spam.id) == 0


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_empty_spam_needs_the_pages_csrf_token(app_with, make_user, make_article):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        moderator = make_user("moderator")
        spam = make_comment(make_article(), "Pills.", status=S, moderator=moderator)
        browser = app.test_client()
        signed_in = browser.post(
            "/login",
            data={"email": moderator.email, "password": PASSWORD, "csrf_token": _token(_get(browser, "/login"))},
        )
        assert signed_in.status_code == 302
        assert browser.post("/moderation/spam/empty", data={"expected": "1"}).status_code == 400
        assert _statuses(spam) == [S]
        page = _get(browser, "/moderation/spam/empty")
        response = browser.post("/moderation/spam/empty", data={"expected": "1", "csrf_token": _token(page)})
        assert response.status_code == 302
        assert _count(Comment) == 0


# --- ban this sender -----------------------------------------------------------------------


def _form_values(html: str) -> tuple[str, str]:
    kind = re.search(r'<option value="(\w+)" selected>', html)
    value = re.search(r'id="ban-value" name="value" type="text" value="([^"]*)"', html)
    return (kind.group(1) if kind else "email"), unescape(value.group(1))


def test_ban_this_sender_fills_the_form_with_a_guests_email_or_their_network(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article(title="On Tides")
    guest = make_comment(article, "Buy pills.", make_guest("Gail Guest", "gail@example.org", "198.51.100.0/24"))
    browser = _browser(app, moderator)

    for page in (_get(browser, "/moderation?queue=approved"), _get(browser, f"/moderation/comments/{guest.id}")):
        assert (
            f'<a class="mod-item__ban" href="/moderation/bans?comment={guest.id}">Ban this sender'
            f'<span class="visually-hidden"> of comment {guest.id} by Gail Guest</span></a>'
        ) in page

    html = _get(browser, f"/moderation/bans?comment={guest.id}")
    assert _form_values(html) == ("email", "gail@example.org")
    text = _text(html)
    assert f"Banning the sender of comment {guest.id} by Gail Guest on “On Tides”." in text
    assert "Ban by: the email address gail@example.org · the network 198.51.100.0/24" in text
    assert f'href="/moderation/bans?comment={guest.id}&amp;by=sender" aria-current="true"' in html
    assert 'name="spam_existing" value="1">' in html  # offered, not ticked

    html = _get(browser, f"/moderation/bans?comment={guest.id}&by=network")
    assert _form_values(html) == ("network", "198.51.100.0/24")
    assert f'href="/moderation/bans?comment={guest.id}&amp;by=network" aria-current="true"' in html

    # The prefilled form posts like any other; "also move their comments to spam" takes the comment along.
    response = browser.post(
        f"/moderation/bans?comment={guest.id}&by=network",
        data={"kind": "network", "value": "198.51.100.0/24", "reason": "Pills.", "spam_existing": "1"},
    )
    html = _landing(browser, response, "/moderation/bans")
    ban = db.session.scalar(select(Ban))
    assert _flashes(html) == [f"Ban #{ban.id} added; 1 existing comment moved to spam."]
    assert (ban.kind.value, ban.value) == ("network", "198.51.100.0/24") and _statuses(guest) == [S]


def test_ban_this_sender_fills_the_form_with_a_signed_in_writers_account(app, make_user, make_article):
    moderator = make_user("moderator")
    writer = make_user("reader", name="Rae Reader", email="rae@example.org")
    comment = post_comment(make_article(), Writer(user=writer, ip_network="203.0.113.0/24"), "Hello.", OPEN)
    no_network = make_comment(make_article(), "From nowhere.", make_guest(network=None))
    browser = _browser(app, moderator)

    html = _get(browser, f"/moderation/bans?comment={comment.id}")
    assert _form_values(html) == ("user", str(writer.id))
    assert f"Ban by: the account of Rae Reader (id {writer.id}) · the network 203.0.113.0/24" in _text(html)
    assert _form_values(_get(browser, f"/moderation/bans?comment={comment.id}&by=network")) == (
        "network",
        "203.0.113.0/24",
    )
    # Without a stored network there is nothing else to offer; asking for it gets the sender.
    html = _get(browser, f"/moderation/bans?comment={no_network.id}&by=network")
    assert _form_values(html) == ("email", "gail@example.org") and "the network" not in _text(html)
    assert _form_values(_get(browser, f"/moderation/bans?comment={comment.id}&by=everything")) == (
        "user",
        str(writer.id),
    )

    response = browser.post(
        f"/moderation/bans?comment={comment.id}", data={"kind": "user", "value": str(writer.id), "reason": "Sock."}
    )
    assert response.status_code == 302
    assert [(b.kind.value, b.value) for b in db.session.scalars(select(Ban))] == [("user", str(writer.id))]


@pytest.mark.parametrize("asked", ["9999", "abc", "", "-1", "9" * 40])
def test_ban_this_sender_for_a_comment_that_does_not_exist_is_a_404(app, make_user, asked):
    response = _browser(app, make_user("moderator")).get(f"/moderation/bans?comment={asked}")
    assert response.status_code == 404
    assert f"There is no comment {asked!r} whose sender could be banned." in unescape(_html(response))


def test_no_one_but_staff_reaches_ban_this_sender(app, make_user, make_article):
    author = make_user("author")
    comment = make_comment(
        make_article(author=author), "On the author's article.", make_guest(email="secret@example.org")
    )
    author_browser = _browser(app, author)
    for page in (
        _get(author_browser, "/moderation?queue=approved"),
        _get(author_browser, f"/moderation/comments/{comment.id}"),
    ):
        assert "Ban this sender" not in page and "/moderation/bans" not in page
    for browser in (author_browser, _browser(app, make_user("reader"))):
        for url in (f"/moderation/bans?comment={comment.id}", f"/moderation/bans?comment={comment.id}&by=network"):
            response = browser.get(url)
            assert response.status_code == 403 and "secret@example.org" not in _html(response)
    visitor = app.test_client().get(f"/moderation/bans?comment={comment.id}")
    assert visitor.status_code == 302 and "secret@example.org" not in _html(visitor)


# --- wide network bans ---------------------------------------------------------------------


def test_a_network_wider_than_a_16_needs_ban_this_whole_network_anyway(app, make_user, make_article):
    moderator = make_user("moderator")
    inside = make_comment(make_article(), "From inside.", make_guest(network="10.1.2.0/24"))
    browser = _browser(app, moderator)
    form = {"kind": "network", "value": "10.9.9.9/8", "reason": "A botnet.", "spam_existing": "1"}

    response = browser.post("/moderation/bans", data=form)
    assert response.status_code == 422
    html = _html(response)
    assert f'<p class="field__error">{WIDE_V4}</p>' in html
    assert (
        '<input type="checkbox" name="confirm_wide" value="1" aria-describedby="ban-errors"> '
        "Ban this whole network anyway</label>"
    ) in html
    assert _form_values(html) == ("network", "10.9.9.9/8") and 'aria-invalid="true"' in html
    assert 'name="spam_existing" value="1" checked' in html
    assert _count(Ban) == 0 and _statuses(inside) == [A]
    assert "Ban this whole network anyway" not in _get(browser, "/moderation/bans")

    # Still missing a reason: the confirmation stays ticked while the other field is fixed.
    response = browser.post("/moderation/bans", data={**form, "reason": "", "confirm_wide": "1"})
    assert response.status_code == 422 and "Say why the sender is banned." in _html(response)
    assert 'name="confirm_wide" value="1" checked> Ban this whole network anyway' in _html(response)  # no warning now

    response = browser.post("/moderation/bans", data={**form, "confirm_wide": "1"})
    assert _flashes(_landing(browser, response)) == [
        f"Ban #{db.session.scalar(select(Ban.id))} added; 1 existing comment moved to spam."
    ]
    assert [b.value for b in db.session.scalars(select(Ban))] == ["10.0.0.0/8"] and _statuses(inside) == [S]


@pytest.mark.parametrize(
    "value, stored, message",
    [
        ("203.0.0.0/16", "203.0.0.0/16", None),
        ("203.0.113.9", "203.0.113.0/24", None),
        ("203.0.0.0/15", None, "203.0.0.0/15 is wider than a /16: it spans 512 /24 networks"),
        ("0.0.0.0/0", None, "0.0.0.0/0 is wider than a /16: it spans 16,777,216 /24 networks"),
        ("2001:db8::/32", "2001:db8::/32", None),
        ("2001:db8::1", "2001:db8::/48", None),
        ("2001:db8::/31", None, WIDE_V6),
    ],
)
def test_where_wide_begins(app, make_user, value, stored, message):
    browser = _browser(app, make_user("moderator"))
    response = browser.post("/moderation/bans", data={"kind": "network", "value": value, "reason": "Bots."})
    if message is None:
        assert response.status_code == 302
        assert db.session.scalar(select(Ban.value)) == stored
    else:
        assert response.status_code == 422 and message in _html(response)
        assert _count(Ban) == 0


def test_the_api_refuses_a_wide_network_unless_confirm_wide(client, make_user, token_for):
    headers = token_for(make_user("moderator"))
    response = client.post("/api/v1/moderation/bans", json={"ip": "10.0.0.0/8", "reason": "Botnet."}, headers=headers)
    assert response.status_code == 422
    assert response.get_json() == {"error": {"code": "wide_network", "message": WIDE_V4, "fields": {"ip": WIDE_V4}}}
    response = client.post(
        "/api/v1/moderation/bans",
        json={"ip": "10.0.0.0/8", "reason": "Botnet.", "confirm_wide": False},
        headers=headers,
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "wide_network"
    response = client.post(
        "/api/v1/moderation/bans",
        json={"ip": "10.0.0.0/8", "reason": "Botnet.", "confirm_wide": "maybe"},
        headers=headers,
    )
    assert response.status_code == 422 and response.get_json()["error"]["fields"] == {
        "confirm_wide": "Not a valid boolean."
    }
    assert _count(Ban) == 0

    response = client.post(
        "/api/v1/moderation/bans", json={"ip": "10.0.0.0/8", "reason": "Botnet.", "confirm_wide": True}, headers=headers
    )
    assert response.status_code == 201
    assert (response.get_json()["ban"]["kind"], response.get_json()["ban"]["value"]) == ("network", "10.0.0.0/8")
    # The confirmation is for networks; an email ban takes it and ignores it.
    response = client.post(
        "/api/v1/moderation/bans",
        json={"email": "a@example.org", "reason": "R.", "confirm_wide": True},
        headers=headers,
    )
    assert response.status_code == 201 and _count(Ban) == 2


def test_the_openapi_document_describes_confirm_wide(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["BanCreate"]
    assert schema["properties"]["confirm_wide"]["type"] == "boolean"
    assert "wide_network" in schema["properties"]["confirm_wide"]["description"]


@pytest.mark.parametrize(
    "days, message",
    [
        ("36501", "A ban lasts at most 36,500 days; leave it empty for a permanent ban."),
        ("9999999999", "A ban lasts at most 36,500 days; leave it empty for a permanent ban."),
        ("٣", "Give a whole number of days, or leave it empty for a permanent ban."),
    ],
)
def test_an_expiry_too_far_off_is_refused_not_a_server_error(app, make_user, days, message):
    browser = _browser(app, make_user("moderator"))
    response = browser.post(
        "/moderation/bans", data={"kind": "email", "value": "a@example.org", "reason": "R.", "days": days}
    )
    assert response.status_code == 422 and f'<p class="field__error">{message}</p>' in _html(response)
    assert _count(Ban) == 0
