"""The moderation desk through HTTP: queues, context, actions, bulk, edits, replies, bans, settings, flags, badge."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Ban, Comment, CommentStatus, Flag, ModerationEvent, Setting
from app.models.types import utcnow
from app.services import moderation
from app.services.settings import CommentRules, comment_rules
from tests.conftest import PASSWORD
from tests.factories import make_comment, make_guest

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
HELD = CommentRules(hold_all=True)
OPEN = CommentRules()
TRASH_REASONS = "Choose a reason: spam, abusive, off_topic, harassment, misinformation, other."

DONE = {
    "approve": "Comment {id} is approved.",
    "spam": "Comment {id} is marked as spam.",
    "not_spam": "Comment {id} is not spam; it is {status} now.",
    "trash": "Comment {id} is in the trash.",
    "restore": "Comment {id} is restored; it is {status} now.",
}


def _browser(app, user=None):
    """A browser with its own cookies, signed in through the real form when given a user (its flash already seen)."""
    browser = app.test_client()
    if user is not None:
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert _flashes(_landing(browser, response)) == [f"Signed in as {user.name}."]
    return browser


def _html(response) -> str:
    return response.get_data(as_text=True)


def _get(browser, url: str, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, url
    return _html(response)


def _flashes(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash flash--\w+">(.*?)</p>', html, re.S)]


def _landing(browser, response, location: str | None = None) -> str:
    """Follow a redirect and return the page's HTML (checking where it went when asked)."""
    assert response.status_code == 302, _html(response)
    if location is not None:
        assert response.headers["Location"] == location
    return _get(browser, response.headers["Location"].split("#")[0])


def _tabs(html: str) -> dict[str, int]:
    return {
        label: int(n)
        for label, n in re.findall(r'>([A-Z][a-z]+(?: approved)?) <span class="count">(\d+)</span></a>', html)
    }


def _items(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="mod-item" id="item-(\d+)">', html)]


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _events(comment_id: int) -> list[tuple]:
    return [
        (e.actor_id, e.action, e.from_status, e.to_status, e.reason)
        for e in db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.comment_id == comment_id).order_by(ModerationEvent.id)
        )
    ]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- queues and context ----------------------------------------------------------------------


def test_the_desk_shows_each_queue_with_its_count(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    first, second = make_comment(article, "Held one.", rules=HELD), make_comment(article, "Held two.", rules=HELD)
    spam = moderation.apply(make_comment(article, "Pills."), "spam", moderator)
    trash = moderation.apply(make_comment(article, "Rude."), "trash", moderator, "abusive")
    flagged = make_comment(article, "Flag me.")
    moderation.flag_comment(flagged, "user:99", "off_topic", None, OPEN)
    browser = _browser(app, moderator)

    html = _get(browser, "/moderation")
    assert _tabs(html) == {"Pending": 2, "Flagged": 1, "Spam": 1, "Trash": 1, "Recently approved": 1}
    assert _items(html) == [second.id, first.id]
    for queue, expected in (
        ("flagged", [flagged.id]),
        ("spam", [spam.id]),
        ("trash", [trash.id]),
        ("approved", [flagged.id]),
    ):
        assert _items(_get(browser, f"/moderation?queue={queue}")) == expected, queue
    _get(browser, "/moderation?queue=everything", 404)
    moderation.apply_many([first.id, second.id], "approve", moderator)
    assert "Nothing in this queue." in _get(browser, "/moderation")


def test_a_desk_item_shows_its_context_reasons_flags_and_history(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article(title="On Tides")
    parent = make_comment(article, "The moon does it.", make_guest("Pam Parent", "pam@example.org"))
    reply = make_comment(article, "Held *reply*.", make_guest(), rules=HELD, parent=parent)
    moderation.flag_comment(parent, "user:98", "other", "The sun helps too.", OPEN)
    moderation.flag_comment(parent, "user:99", "spam", None, OPEN)
    browser = _browser(app, moderator)

    html = _get(browser, "/moderation")
    assert _items(html) == [reply.id]
    assert f'href="/articles/{article.slug}#comment-{reply.id}">On Tides</a>' in html
    assert "In reply to <bdi>Pam Parent</bdi>: The moon does it." in html
    assert "<strong><bdi>Gail Guest</bdi></strong>" in html
    assert (
        '<span class="mod-item__private" title="Visible to moderators only">gail@example.org · 198.51.100.0/24</span>'
        in html
    )
    assert '<span class="badge badge--status badge--pending">pending</span>' in html
    assert "<p>Held <em>reply</em>.</p>" in html
    assert "<li><code>hold_all</code> The site holds every comment for moderation.</li>" in html
    assert re.search(r"<strong>submit</strong>\s*\(new → pending\)\s*by rule: hold_all", html)

    flagged = _get(browser, "/moderation?queue=flagged")
    assert _items(flagged) == [parent.id]
    assert "Flags (2 open)" in flagged
    assert "<li><strong>other</strong> — “The sun helps too.”</li>" in flagged
    assert "<li><strong>spam</strong></li>" in flagged
    dismiss = rf'formaction="/moderation/comments/{parent.id}/action[^"]*" name="action" value="dismiss_flags">Dismiss'
    assert re.search(dismiss, flagged)

    moderation.apply(reply, "approve", moderator, remark="Fair point.")
    detail = _get(browser, f"/moderation/comments/{reply.id}")
    assert f"<h1>Comment {reply.id}</h1>" in detail
    assert re.search(
        rf"<strong>approve</strong>\s*\(pending → approved\)\s*by {moderator.name} — “Fair point.”", detail
    )


def test_the_desk_filters_by_article_and_searches_text_and_names(app, make_user, make_article):
    moderator = make_user("moderator")
    tides, birds = make_article(title="Tides"), make_article(title="Birds")
    cats = make_comment(tides, "All about cats.", make_guest("Pat"), rules=HELD)
    name = make_comment(tides, "Dogs only.", make_guest("Catherine"), rules=HELD)
    other = make_comment(birds, "Cats eat birds.", make_guest("Sam"), rules=HELD)
    browser = _browser(app, moderator)

    assert _items(_get(browser, f"/moderation?article={tides.slug}")) == [name.id, cats.id]
    assert _items(_get(browser, "/moderation?q=cats")) == [other.id, cats.id]
    assert _items(_get(browser, "/moderation?q=catherine")) == [name.id]
    assert _items(_get(browser, f"/moderation?article={birds.slug}&q=cat")) == [other.id]
    html = _get(browser, f"/moderation?article={birds.slug}&q=cat")
    assert f'value="{birds.slug}"' in html and 'name="q" type="search" value="cat"' in html
    assert _tabs(html)["Pending"] == 1  # the counts follow the filter
    lost = _get(browser, "/moderation?article=nope")
    assert _flashes(lost) == ["No article has the address 'nope'; showing all articles."]
    assert _items(lost) == [other.id, name.id, cats.id]


def test_the_desk_runs_the_same_queries_for_a_long_queue(app, make_user, make_article, count_queries):
    moderator = make_user("moderator")
    article = make_article()
    parent = make_comment(article, "Parent.")
    never_hide = CommentRules(flag_threshold=100)
    browser = _browser(app, moderator)

    def queries(n_items: int) -> int:
        while moderation.pending_count(moderator) < n_items:
            held = make_comment(
                article, "Held.", make_guest(email=f"w{_count(Comment)}@example.org"), rules=HELD, parent=parent
            )
            if held.id % 2:
                moderation.flag_comment(parent, f"user:{held.id}", "other", "Hm.", never_hide)
        _get(browser, "/moderation")  # the settings are read once per process and version (avatars need them)
        with count_queries() as counted:
            html = _get(browser, "/moderation")
        assert len(_items(html)) == n_items
        return counted.n

    assert queries(2) == queries(12)


# --- actions ---------------------------------------------------------------------------------


def test_each_action_moves_the_comment_logs_the_moderator_and_goes_back(app, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), rules=HELD)
    browser = _browser(app, moderator)
    url = f"/moderation/comments/{comment.id}/action?next=/moderation%3Fqueue%3Dspam"
    steps = [
        ({"action": "approve"}, A, None),
        ({"action": "spam"}, S, None),
        ({"action": "not_spam"}, A, None),
        ({"action": "trash", f"reason-{comment.id}": "harassment"}, T, "harassment"),
        ({"action": "restore"}, A, None),
    ]
    for form, status, reason in steps:
        html = _landing(browser, browser.post(url, data=form), "/moderation?queue=spam")
        assert _flashes(html) == [DONE[form["action"]].format(id=comment.id, status=status.value)]
        assert _stored(comment.id).status is status
        assert _events(comment.id)[-1][0::4] == (moderator.id, reason) and _events(comment.id)[-1][1] == form["action"]
    assert [e[1:4] for e in _events(comment.id)] == [
        ("submit", None, "pending"),
        ("approve", "pending", "approved"),
        ("spam", "approved", "spam"),
        ("not_spam", "spam", "approved"),
        ("trash", "approved", "trash"),
        ("restore", "trash", "approved"),
    ]


def test_impossible_actions_and_bad_reasons_are_explained_and_change_nothing(app, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article())
    browser = _browser(app, moderator)
    url = f"/moderation/comments/{comment.id}/action"
    cases = [
        ({"action": "approve"}, "A comment that is approved cannot be moved by 'approve'."),
        ({"action": "restore"}, "A comment that is approved cannot be moved by 'restore'."),
        ({"action": "trash", f"reason-{comment.id}": "boring"}, TRASH_REASONS),
        ({"action": "dismiss_flags"}, "This comment has no open flags."),
        ({"action": "explode"}, "Unknown action 'explode'; use one of approve, spam, not_spam, trash, restore."),
    ]
    for form, message in cases:
        assert _flashes(_landing(browser, browser.post(url, data=form), "/moderation")) == [message]
    assert _stored(comment.id).status is A and len(_events(comment.id)) == 1
    # `next` is followed only on this site.
    response = browser.post(url + "?next=https://evil.example/", data={"action": "spam"})
    assert response.headers["Location"] == "/moderation" and _stored(comment.id).status is S


def test_dismissing_flags_publishes_what_readers_hid(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = make_comment(article, "Unpopular but fine.")
    for reader in range(3):
        moderation.flag_comment(comment, f"user:{100 + reader}", "abusive", None, OPEN)
    assert _stored(comment.id).status is P
    browser = _browser(app, moderator)
    assert _items(_get(browser, "/moderation?queue=flagged")) == [comment.id]
    html = _landing(
        browser,
        browser.post(f"/moderation/comments/{comment.id}/action", data={"action": "dismiss_flags", "remark": "Fine."}),
    )
    assert _flashes(html) == [f"Flags on comment {comment.id} dismissed; it is approved."]
    assert _tabs(html)["Flagged"] == 0 and _stored(comment.id).status is A
    assert "Unpopular but fine." in _get(app.test_client(), f"/articles/{article.slug}")
    assert {f.resolution for f in db.session.scalars(select(Flag))} == {"dismissed"}


def test_bulk_actions_move_the_selected_comments(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    first, second = make_comment(article, "One.", rules=HELD), make_comment(article, "Two.", rules=HELD)
    published = make_comment(article, "Three.")
    browser = _browser(app, moderator)

    response = browser.post(
        "/moderation/bulk", data={"comment_ids": [first.id, second.id, published.id], "bulk_action": "approve"}
    )
    assert _flashes(_landing(browser, response, "/moderation")) == [
        "Approved: 2 comments.",
        f"Comment {published.id}: A comment that is approved cannot be moved by 'approve'.",
    ]
    assert [_stored(c.id).status for c in (first, second)] == [A, A]

    response = browser.post(
        "/moderation/bulk?next=/moderation%3Fqueue%3Dtrash",
        data={"comment_ids": [first.id, second.id], "bulk_action": "trash", "bulk_reason": "off_topic"},
    )
    assert _flashes(_landing(browser, response, "/moderation?queue=trash")) == ["Moved to the trash: 2 comments."]
    for comment in (first, second):
        assert _events(comment.id)[-1] == (moderator.id, "trash", "approved", "trash", "off_topic")

    response = browser.post("/moderation/bulk", data={"comment_ids": [first.id], "bulk_action": "restore"})
    assert _flashes(_landing(browser, response)) == ["Restored: 1 comment."]
    response = browser.post("/moderation/bulk", data={"bulk_action": "spam"})
    assert _flashes(_landing(browser, response)) == ["Select at least one comment."]
    response = browser.post(
        "/moderation/bulk", data={"comment_ids": [first.id, 9999], "bulk_action": "trash", "bulk_reason": "rude"}
    )
    assert _flashes(_landing(browser, response)) == [
        "Comment 9999 does not exist.",
        f"Comment {first.id}: {TRASH_REASONS}",
    ]
    assert [_stored(c.id).status for c in (first, second, published)] == [A, T, A]


def test_approving_from_the_desk_records_no_trash_reason(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    first, second = make_comment(article, "One.", rules=HELD), make_comment(article, "Two.", rules=HELD)
    browser = _browser(app, moderator)
    html = _get(browser, "/moderation")
    # What a browser submits with the desk form: every select at its first option, plus the button pressed.
    form = {
        name: re.search(r'<option value="([^"]*)"', options).group(1)
        for name, options in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S)
    }
    assert form[f"reason-{first.id}"] == "spam" and form["bulk_reason"] == "spam"
    browser.post(f"/moderation/comments/{first.id}/action", data={**form, "action": "approve"})
    browser.post("/moderation/bulk", data={**form, "bulk_action": "approve", "comment_ids": [second.id]})
    assert _events(first.id)[-1] == (moderator.id, "approve", "pending", "approved", None)
    assert _events(second.id)[-1] == (moderator.id, "approve", "pending", "approved", None)


# --- edit and reply --------------------------------------------------------------------------


def test_a_moderator_edit_keeps_the_old_text_and_the_page_says_edited_by_a_moderator(app, make_user, make_article):
    moderator = make_user("moderator", name="Mo Moderator")
    article = make_article()
    comment = make_comment(article, "You fool. The date is 1970.")
    browser = _browser(app, moderator)
    form = _get(browser, f"/moderation/comments/{comment.id}")
    assert re.search(r'<textarea id="edit-body" name="body"[^>]*>You fool. The date is 1970.</textarea>', form)
    response = browser.post(f"/moderation/comments/{comment.id}/edit", data={"body": "The date is *1970*."})
    detail = _landing(browser, response, f"/moderation/comments/{comment.id}")
    assert _flashes(detail) == ["Comment edited; the previous text is kept in its history."]
    earlier = (
        r'Earlier versions.*by Mo Moderator</p>\s*<div class="comment__text" dir="auto"><p>You fool. The date is 1970.'
    )
    assert re.search(earlier, detail, re.S)
    stored = _stored(comment.id)
    assert (stored.body, stored.edited_by_moderator, [r.body for r in stored.revisions]) == (
        "The date is *1970*.",
        True,
        ["You fool. The date is 1970."],
    )
    assert _events(comment.id)[-1] == (moderator.id, "edit", "approved", "approved", None)

    public = _get(app.test_client(), f"/articles/{article.slug}")
    assert "<p>The date is <em>1970</em>.</p>" in public and "You fool" not in public
    assert re.search(r'<span class="comment__edited" title="Edited [^"]+">edited by a moderator</span>', public)

    response = browser.post(f"/moderation/comments/{comment.id}/edit", data={"body": "  "})
    assert _flashes(_landing(browser, response)) == ["Write something before posting."]
    assert len(_stored(comment.id).revisions) == 1


def test_a_moderator_reply_carries_the_moderator_badge(app, make_user, make_article):
    moderator = make_user("moderator", name="Mo Moderator")
    article = make_article()
    comment = make_comment(article, "Is this true?")
    held = make_comment(article, "Held.", rules=HELD)
    browser = _browser(app, moderator)
    assert f'action="/moderation/comments/{comment.id}/reply"' in _get(browser, f"/moderation/comments/{comment.id}")

    response = browser.post(f"/moderation/comments/{comment.id}/reply", data={"body": "Yes, see the note."})
    reply = db.session.scalar(select(Comment).where(Comment.user_id == moderator.id))
    assert (
        response.status_code == 302 and response.headers["Location"] == f"/articles/{article.slug}#comment-{reply.id}"
    )
    assert (reply.parent_id, reply.status, reply.writer_name) == (comment.id, A, "Mo Moderator")
    public = _get(app.test_client(), f"/articles/{article.slug}")
    start = public.index(f'<li class="comment comment--moderator" id="comment-{reply.id}">')
    header = public[start : public.index("</header>", start)]
    assert '<span class="badge badge--moderator">Moderator</span>' in header and "<bdi>Mo Moderator</bdi>" in header
    assert "Yes, see the note." in public[start:]

    assert "Reply as" not in _get(browser, f"/moderation/comments/{held.id}")
    before = _count(Comment)
    response = browser.post(f"/moderation/comments/{held.id}/reply", data={"body": "Hello?"})
    html = _landing(browser, response, f"/moderation/comments/{held.id}")
    assert _flashes(html) == ["The comment you are replying to is not visible, so it cannot be answered."]
    assert _count(Comment) == before


# --- bans ------------------------------------------------------------------------------------


def test_a_ban_from_the_desk_catches_the_senders_old_and_new_comments(app, make_user, make_article):
    moderator = make_user("moderator", name="Mo Moderator")
    article = make_article()
    old = [make_comment(article, f"Troll {n}.", make_guest("Troll", "troll@example.org")) for n in range(2)]
    bystander = make_comment(article, "Innocent.")
    browser = _browser(app, moderator)
    assert "No bans in force." in _get(browser, "/moderation/bans")

    response = browser.post(
        "/moderation/bans",
        data={"kind": "email", "value": " Troll@Example.org ", "reason": "Trolling.", "days": "", "spam_existing": "1"},
    )
    html = _landing(browser, response, "/moderation/bans")
    ban = db.session.scalar(select(Ban))
    assert _flashes(html) == [f"Ban #{ban.id} added; 2 existing comments moved to spam."]
    row = '<td data-label="By">email</td><td data-label="Value"><code>troll@example.org</code></td>'
    assert row + '<td data-label="Reason">Trolling.</td>' in html and "by Mo Moderator" in html
    assert [_stored(c.id).status for c in (*old, bystander)] == [S, S, A]
    assert _events(old[0].id)[-1] == (moderator.id, "spam", "approved", "spam", "banned_sender")

    caught = make_comment(article, "Back again.", make_guest("Troll", "troll@example.org"))
    assert (caught.status, caught.reasons[0]["code"]) == (S, "banned_sender")

    response = browser.post(
        "/moderation/bans", data={"kind": "network", "value": "203.0.113.9", "reason": "Bots.", "days": "7"}
    )
    assert _flashes(_landing(browser, response)) == [f"Ban #{ban.id + 1} added; 0 existing comments moved to spam."]
    week = db.session.scalar(select(Ban).where(Ban.value == "203.0.113.0/24"))
    assert timedelta(days=6, hours=23) < week.expires_at - utcnow() <= timedelta(days=7)


@pytest.mark.parametrize(
    "form, message",
    [
        (
            {"kind": "network", "value": "not-an-ip", "reason": "Bots."},
            "Give an IP address or a network such as 203.0.113.0/24.",
        ),
        ({"kind": "user", "value": "abc", "reason": "Bots."}, "No account has that id."),
        ({"kind": "email", "value": "x@example.org", "reason": "  "}, "Say why the sender is banned."),
        (
            {"kind": "email", "value": "x@example.org", "reason": "R.", "days": "-3"},
            "Give a whole number of days, or leave it empty for a permanent ban.",
        ),
        (
            {"kind": "email", "value": "x@example.org", "reason": "R.", "days": "0"},
            "Give a whole number of days, or leave it empty for a permanent ban.",
        ),
    ],
)
def test_bad_ban_input_is_refused_with_422_and_kept_in_the_form(app, make_user, form, message):
    browser = _browser(app, make_user("moderator"))
    response = browser.post("/moderation/bans", data=form)
    assert response.status_code == 422
    html = _html(response)
    assert f'<p class="field__error">{message}</p>' in html
    assert f'id="ban-value" name="value" type="text" value="{form["value"]}"' in html
    assert _count(Ban) == 0


def test_a_lifted_ban_leaves_the_list_and_stops_applying(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    ban, _ = moderation.create_ban("email", "troll@example.org", "Trolling.", moderator)
    browser = _browser(app, moderator)
    assert f'action="/moderation/bans/{ban.id}/lift"' in _get(browser, "/moderation/bans")
    html = _landing(browser, browser.post(f"/moderation/bans/{ban.id}/lift"), "/moderation/bans")
    assert _flashes(html) == [f"Ban #{ban.id} lifted."] and "No bans in force." in html
    assert _flashes(_landing(browser, browser.post(f"/moderation/bans/{ban.id}/lift"))) == [
        "This ban was already lifted."
    ]
    assert browser.post("/moderation/bans/9999/lift").status_code == 404
    assert make_comment(article, "Back, and better.", make_guest(email="troll@example.org")).status is A


# --- settings --------------------------------------------------------------------------------

SETTINGS_FORM = {
    "hold_all": "1",
    "hold_until_approved": "2",
    "rejected_percent": "30",
    "rejected_window_days": "7",
    "rejected_min_comments": "2",
    "flag_threshold": "2",
    "max_depth": "4",
    "edit_window_minutes": "10",
    "auto_close_days": "0",
}


def test_admins_set_the_pre_moderation_rules_and_the_next_comment_follows_them(app, make_user, make_article):
    admin = make_user("admin")
    article = make_article()
    browser = _browser(app, admin)
    html = _get(browser, "/moderation/settings")
    assert 'id="setting-flag_threshold" name="flag_threshold" type="text" inputmode="numeric" value="3"' in html
    assert 'name="hold_all" value="1" aria' in html  # unchecked

    response = browser.post("/moderation/settings", data=SETTINGS_FORM)
    page = _landing(browser, response, "/moderation/settings")
    assert _flashes(page) == ["Settings saved; they apply to the next comment."]
    assert (
        'name="hold_all" value="1" checked' in page
        and 'name="max_depth" type="text" inputmode="numeric" value="4"' in page
    )
    rows = {row.key: (row.value, row.updated_by_id) for row in db.session.scalars(select(Setting))}
    expected = {key: (True if key == "hold_all" else int(value), admin.id) for key, value in SETTINGS_FORM.items()}
    assert rows == expected | {"gravatar": (False, admin.id)}  # an unticked box is stored as off

    guest = app.test_client()
    guest.post(
        f"/articles/{article.slug}/comments", data={"name": "Gail", "email": "gail@example.org", "body": "Hello."}
    )
    comment = db.session.scalar(select(Comment))
    assert comment.status is P and [r["code"] for r in comment.reasons] == ["hold_all", "new_commenter"]

    browser.post("/moderation/settings", data={**SETTINGS_FORM, "hold_all": ""})
    assert db.session.get(Setting, "hold_all").value is False


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("flag_threshold", "0", "Flags to hide: enter a number from 1 to 100."),
        ("hold_until_approved", "many", "Hold new commenters: enter a whole number."),
        ("max_depth", "", "Thread depth: enter a whole number."),
        ("auto_close_days", "4000", "Close threads after (days): enter a number from 0 to 3650."),
    ],
)
def test_bad_settings_are_refused_with_422_and_nothing_is_stored(app, make_user, field, value, message):
    browser = _browser(app, make_user("admin"))
    response = browser.post("/moderation/settings", data={**SETTINGS_FORM, field: value})
    assert response.status_code == 422
    html = _html(response)
    slot = f'<div class="field__errors" id="setting-{field}-error" aria-live="polite">'
    assert f'{slot}<p class="field__error">{message}</p></div>' in html
    assert f'name="{field}" type="text" inputmode="numeric" value="{value}"' in html and 'aria-invalid="true"' in html
    assert _count(Setting) == 0


def test_admins_set_the_classifiers_thresholds_and_learning_minimum_on_the_page(app, make_user, make_article):
    browser = _browser(app, make_user("admin"))
    html = _get(browser, "/moderation/settings")
    assert 'id="setting-spam_at" name="spam_at" type="text" inputmode="decimal" value="0.99"' in html
    assert 'id="setting-min_decisions" name="min_decisions" type="text" inputmode="numeric" value="50"' in html
    assert "So far moderators have decided 0 comments." in html
    response = browser.post("/moderation/settings", data={"spam_at": "0.97", "hold_at": "0.7", "min_decisions": "5"})
    assert _flashes(_landing(browser, response, "/moderation/settings")) == [
        "Settings saved; they apply to the next comment."
    ]
    rules = comment_rules(app.config)
    assert (rules.spam_at, rules.hold_at, rules.min_decisions) == (0.97, 0.7, 5)
    refused = browser.post("/moderation/settings", data={"spam_at": "1.5"})
    assert refused.status_code == 422
    assert "Catch as spam at (probability): enter a number from 0.5 to 1." in _html(refused)
    assert comment_rules(app.config).spam_at == 0.97


# --- the badge -------------------------------------------------------------------------------


def test_the_navigation_counts_held_comments_for_desk_users_only(app, make_user, make_article):
    moderator, author, idle_author, reader = (make_user(r) for r in ("moderator", "author", "author", "reader"))
    mine, theirs = make_article(author=author), make_article()
    make_comment(mine, "Held here.", rules=HELD)
    make_comment(theirs, "Held there.", rules=HELD)
    make_comment(theirs, "Spam.", make_guest(email="x@example.org"), rules=HELD)

    def nav(user) -> str:
        html = _get(_browser(app, user), "/")
        match = re.search(r'<li><a href="/moderation">(.*?)</a></li>', html, re.S)
        return match.group(1) if match else None

    assert nav(moderator) == 'Moderation <span class="count count--alert" aria-label="3 waiting">3</span>'
    assert nav(author) == 'Moderation <span class="count count--alert" aria-label="1 waiting">1</span>'
    assert nav(idle_author) == "Moderation"
    assert nav(reader) is None and nav(None) is None


# --- reader flags on pages -------------------------------------------------------------------


def test_a_signed_in_reader_flags_a_comment_once(app, make_user, make_article):
    reader = make_user("reader")
    article = make_article()
    comment = make_comment(article, "Water boils at 90 degrees.")
    browser = _browser(app, reader)
    form = _get(browser, f"/comments/{comment.id}/flag")
    assert "<h1>Flag this comment</h1>" in form and "Water boils at 90 degrees." in form
    assert form.count('type="radio" name="reason"') == 5

    response = browser.post(f"/comments/{comment.id}/flag", data={"reason": "off_topic", "remark": "It is 100."})
    html = _landing(browser, response, f"/articles/{article.slug}#comment-{comment.id}")
    assert _flashes(html) == ["Thank you. A moderator will look at this comment."]
    flag = db.session.scalar(select(Flag))
    assert (flag.comment_id, flag.reporter_key, flag.user_id, flag.reason.value, flag.remark, flag.ip_network) == (
        comment.id,
        f"user:{reader.id}",
        reader.id,
        "off_topic",
        "It is 100.",
        "127.0.0.0/24",
    )
    response = browser.post(f"/comments/{comment.id}/flag", data={"reason": "spam"})
    assert _flashes(_landing(browser, response, f"/articles/{article.slug}#comment-{comment.id}")) == [
        "You have already flagged this comment."
    ]
    assert _count(Flag) == 1 and _stored(comment.id).status is A


def test_three_guests_hide_a_comment_and_a_guest_counts_once(app, make_user, make_article):
    article = make_article()
    comment = make_comment(article, "Controversial opinion.")
    url = f"/comments/{comment.id}/flag"
    first = app.test_client()
    response = first.post(url, data={"reason": "abusive"})
    assert _flashes(_landing(first, response)) == ["Thank you. A moderator will look at this comment."]
    cookie = first.get_cookie("aw_reader")
    assert cookie is not None and len(cookie.value) == 32 and cookie.http_only
    assert _flashes(_landing(first, first.post(url, data={"reason": "abusive"}))) == [
        "You have already flagged this comment."
    ]
    # The same browser on another address of its network is the same reader.
    again = first.post(url, data={"reason": "spam"}, environ_base={"REMOTE_ADDR": "127.0.0.77"})
    assert _flashes(_landing(first, again)) == ["You have already flagged this comment."]
    assert _count(Flag) == 1

    # A fresh browser on the same network is stored, but counts as the same reader for the threshold.
    app.test_client().post(url, data={"reason": "abusive"})
    app.test_client().post(url, data={"reason": "off_topic"}, environ_base={"REMOTE_ADDR": "10.1.0.9"})
    assert _count(Flag) == 3
    assert _stored(comment.id).status is A and "Controversial opinion." in _get(
        app.test_client(), f"/articles/{article.slug}"
    )
    app.test_client().post(
        url, data={"reason": "other", "remark": "Just no."}, environ_base={"REMOTE_ADDR": "10.2.0.9"}
    )
    assert _stored(comment.id).status is P and _count(Flag) == 4
    assert "Controversial opinion." not in _get(app.test_client(), f"/articles/{article.slug}")
    events = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "hide")).all()
    assert [(e.comment_id, e.actor_id, e.actor_rule, e.from_status, e.to_status) for e in events] == [
        (comment.id, None, "flag_threshold", "approved", "pending")
    ]
    assert app.test_client().get(url).status_code == 404  # no longer published, so no longer flaggable

    moderator = _browser(app, make_user("moderator"))
    assert _items(_get(moderator, "/moderation?queue=flagged")) == [comment.id]


def test_the_flag_threshold_follows_the_settings(app, make_user, make_article):
    from app.services.settings import update_settings

    update_settings({"flag_threshold": "1"}, make_user("admin"))
    comment = make_comment(make_article())
    app.test_client().post(f"/comments/{comment.id}/flag", data={"reason": "spam"})
    assert _stored(comment.id).status is P


@pytest.mark.parametrize(
    "form, message",
    [
        ({"reason": "rude"}, "Choose a reason: spam, abusive, off_topic, factual_error, other."),
        ({}, "Choose a reason: spam, abusive, off_topic, factual_error, other."),
        ({"reason": "other", "remark": "n" * 501}, "A remark is at most 500 characters."),
    ],
)
def test_bad_flags_are_refused_on_the_page_with_422(client, make_article, form, message):
    comment = make_comment(make_article())
    response = client.post(f"/comments/{comment.id}/flag", data=form)
    assert response.status_code == 422
    assert f'<p class="field__error">{message}</p>' in _html(response)
    assert _count(Flag) == 0


def test_only_published_comments_can_be_flagged_on_a_page(client, make_article):
    article = make_article()
    held = make_comment(article, rules=HELD)
    for url in (f"/comments/{held.id}/flag", "/comments/9999/flag"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"reason": "spam"}).status_code == 404
    assert _count(Flag) == 0


# --- private data ----------------------------------------------------------------------------


def test_emails_and_networks_show_on_the_desk_and_nowhere_public(app, make_user, make_article):
    moderator = make_user("moderator", email="mo.secret@example.org")
    reader = make_user("reader", email="reader.secret@example.org")
    article = make_article()
    public = make_comment(article, "Public words.", make_guest("Pia", "pia.secret@example.org", "203.0.113.0/24"))
    make_comment(article, "Held words.", make_guest("Hal", "hal.secret@example.org", "198.51.100.0/24"), rules=HELD)
    moderation.flag_comment(public, "user:1", "other", "Check.", OPEN)
    secrets = ("pia.secret@example.org", "hal.secret@example.org", "203.0.113.0/24", "198.51.100.0/24", "reader.secret")

    desk = _browser(app, moderator)
    assert "hal.secret@example.org · 198.51.100.0/24" in _get(desk, "/moderation")
    assert "pia.secret@example.org · 203.0.113.0/24" in _get(desk, "/moderation?queue=flagged")
    assert "pia.secret@example.org · 203.0.113.0/24" in _get(desk, f"/moderation/comments/{public.id}")

    pages = []
    for browser in (app.test_client(), _browser(app, reader), desk):
        pages.append(_get(browser, f"/articles/{article.slug}"))
        pages.append(_get(browser, f"/comments/{public.id}/flag"))
        pages.append(_get(browser, f"/api/v1/articles/{article.slug}/comments"))
        pages.append(_get(browser, f"/api/v1/articles/{article.slug}"))
    pages.append(_get(_browser(app, reader), "/moderation", 403))
    assert "Public words." in pages[0]
    for html in pages:
        assert not any(secret in html for secret in secrets)
