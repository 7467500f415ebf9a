"""The desk's polish through HTTP: one-click Undo (form posts and the script's JSON), counts, density, reasons."""

import re
from html import unescape

from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent
from app.services import moderation
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import make_comment

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
HELD = CommentRules(hold_all=True)
JSON = {"Accept": "application/json"}


def _browser(app, user):
    browser = app.test_client()
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    browser.get(response.headers["Location"])  # the welcome's flash, seen
    return browser


def _follow(browser, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _flashes(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash flash--\w+">(.*?)</p>', html, re.S)]


def _undo_events(html: str) -> list[int]:
    """The events the page's Undo form (the one after a reload) sends."""
    form = re.search(r'<form method="post" action="/moderation/undo[^"]*" class="undo-bar">(.*?)</form>', html, re.S)
    return [int(n) for n in re.findall(r'name="event" value="(\d+)"', form.group(1))] if form else []


def _tabs(html: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'data-queue="(\w+)"[^>]*>[^<]*<span class="count">(\d+)', html)}


def _status(comment_id: int) -> CommentStatus:
    db.session.expire_all()
    return db.session.get(Comment, comment_id).status


def _last_event(comment_id: int) -> ModerationEvent:
    return db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.comment_id == comment_id).order_by(ModerationEvent.id.desc())
    ).first()


def test_after_an_action_without_script_the_desk_offers_undo_and_it_takes_it_back_once(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = make_comment(article, rules=HELD)
    make_comment(article, rules=HELD)
    browser = _browser(app, moderator)
    html = _follow(
        browser, browser.post(f"/moderation/comments/{comment.id}/action?next=/moderation", data={"action": "approve"})
    )
    assert _flashes(html) == [f"Comment {comment.id} is approved."]
    moved = _last_event(comment.id)
    assert _undo_events(html) == [moved.id]
    assert _tabs(html)["pending"] == 1 and _tabs(html)["approved"] == 1
    assert _undo_events(browser.get("/moderation").get_data(as_text=True)) == []  # offered once, on the next page

    html = _follow(browser, browser.post("/moderation/undo?next=/moderation", data={"event": str(moved.id)}))
    assert _flashes(html) == [f"Undone: comment {comment.id} is pending again."]
    assert _status(comment.id) is P and _tabs(html)["pending"] == 2 and _tabs(html)["approved"] == 0
    undo = _last_event(comment.id)
    assert (undo.action, undo.actor_id, undo.undoes_id) == ("undo", moderator.id, moved.id)

    html = _follow(browser, browser.post("/moderation/undo?next=/moderation", data={"event": str(moved.id)}))
    assert _flashes(html) == [f"Already undone: comment {comment.id} is pending."]
    assert _last_event(comment.id).id == undo.id


def test_a_bulk_action_is_undone_with_one_click(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comments = [make_comment(article, rules=HELD) for _ in range(3)]
    browser = _browser(app, moderator)
    form = {"comment_ids": [str(c.id) for c in comments], "bulk_action": "trash", "bulk_reason": "off_topic"}
    html = _follow(browser, browser.post("/moderation/bulk?next=/moderation", data=form))
    assert _flashes(html) == ["Moved to the trash: 3 comments."]
    events = _undo_events(html)
    assert len(events) == 3 and [_status(c.id) for c in comments] == [T, T, T]
    html = _follow(browser, browser.post("/moderation/undo?next=/moderation", data={"event": [str(e) for e in events]}))
    assert _flashes(html) == ["Undone: 3 comments back where they were."]
    assert [_status(c.id) for c in comments] == [P, P, P]


def test_the_script_gets_the_undo_and_every_queue_count_and_undoes_in_json(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = make_comment(article, rules=HELD)
    browser = _browser(app, moderator)
    acted = browser.post(
        f"/moderation/comments/{comment.id}/action", data={"action": "approve", "article": article.slug}, headers=JSON
    )
    body = acted.get_json()
    moved = _last_event(comment.id)
    assert body["undo"] == {"url": "/moderation/undo", "events": [moved.id]}
    assert body["counts"] == {"pending": 0, "flagged": 0, "spam": 0, "trash": 0, "approved": 1}
    assert body["waiting"] == 0
    undone = browser.post("/moderation/undo", data={"event": str(moved.id), "article": article.slug}, headers=JSON)
    assert undone.status_code == 200
    body = undone.get_json()
    assert body["message"] == f"Undone: comment {comment.id} is pending again."
    assert body["comments"] == [{"id": comment.id, "status": "pending"}]
    assert body["counts"]["pending"] == 1 and body["counts"]["approved"] == 0 and body["waiting"] == 1
    assert _undo_events(browser.get("/moderation").get_data(as_text=True)) == []  # a script's action leaves no bar


def test_undo_is_refused_clearly_to_others_after_a_later_move_and_without_events(app, make_user, make_article):
    first, second = make_user("moderator", name="Mo First"), make_user("moderator", name="Sam Second")
    comment = make_comment(make_article(), rules=HELD)
    moderation.apply(comment, "spam", first)
    moved = _last_event(comment.id)
    other = _browser(app, second)
    refused = other.post("/moderation/undo", data={"event": str(moved.id)}, headers=JSON)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "Only the moderator who acted, or an admin, can undo it."
    html = _follow(other, other.post("/moderation/undo?next=/moderation", data={"event": "abc"}))
    assert _flashes(html) == ["There is nothing to undo."]
    moderation.apply(comment, "trash", second, "spam")
    mine = _browser(app, first)
    html = _follow(mine, mine.post("/moderation/undo?next=/moderation", data={"event": str(moved.id)}))
    assert _flashes(html) == [
        f"Comment {comment.id} has changed since (Sam Second: trash); it stays trash. "
        "Use the desk's actions to move it."
    ]
    assert _status(comment.id) is T


def test_the_density_is_chosen_with_a_form_and_remembered(app, make_user, make_article):
    moderator = make_user("moderator")
    make_comment(make_article(), rules=HELD)
    browser = _browser(app, moderator)
    html = browser.get("/moderation").get_data(as_text=True)
    assert 'class="mod-list"' in html and 'value="comfortable" aria-pressed="true"' in html
    html = _follow(browser, browser.post("/moderation/density?next=/moderation", data={"density": "compact"}))
    assert 'class="mod-list mod-list--compact"' in html and 'value="compact" aria-pressed="true"' in html
    html = _follow(browser, browser.post("/moderation/density?next=/moderation", data={"density": "tiny"}))
    assert _flashes(html) == ["Choose a density: comfortable or compact."]
    assert "mod-list--compact" in html  # the choice stands


def test_a_trashed_or_spam_item_shows_why_on_the_item(app, make_user, make_article):
    moderator = make_user("moderator", name="Mo Derator")
    article = make_article()
    trashed = make_comment(article, rules=HELD)
    moderation.apply(trashed, "trash", moderator, "harassment", "Name-calling in the second line.")
    spam = make_comment(article, rules=HELD)
    moderation.apply(spam, "spam", moderator, remark="Link farm.")
    browser = _browser(app, moderator)
    html = unescape(browser.get("/moderation?queue=trash").get_data(as_text=True))
    assert "Trashed by Mo Derator · reason: <strong>Harassment</strong> — “Name-calling in the second line.”" in html
    html = unescape(browser.get("/moderation?queue=spam").get_data(as_text=True))
    assert "Marked as spam by Mo Derator — “Link farm.”" in html
    # Undone, the move no longer explains where the comment stands.
    moderation.undo(_last_event(trashed.id).id, moderator)
    moderation.apply(trashed, "trash", moderator, "off_topic")
    html = unescape(browser.get("/moderation?queue=trash").get_data(as_text=True))
    assert "reason: <strong>Off-topic</strong>" in html and "Harassment</strong>" not in html


def test_the_api_undoes_a_move_by_its_event_once_and_refuses_others(app, make_user, make_article, token_for):
    first, second = make_user("moderator"), make_user("moderator")
    comment = make_comment(make_article(), rules=HELD)
    client = app.test_client()
    moved = client.post(
        f"/api/v1/moderation/comments/{comment.id}", json={"action": "approve"}, headers=token_for(first)
    )
    assert moved.status_code == 200
    events = client.get(f"/api/v1/moderation/events?comment={comment.id}", headers=token_for(first)).get_json()
    event_id = events["events"][-1]["id"]
    refused = client.post(f"/api/v1/moderation/events/{event_id}/undo", json={}, headers=token_for(second))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    undone = client.post(f"/api/v1/moderation/events/{event_id}/undo", json={}, headers=token_for(first))
    assert undone.status_code == 200
    body = undone.get_json()
    assert (body["comment"]["status"], body["already_undone"]) == ("pending", False)
    again = client.post(f"/api/v1/moderation/events/{event_id}/undo", json={}, headers=token_for(first)).get_json()
    assert (again["comment"]["status"], again["already_undone"]) == ("pending", True)
    log = client.get(f"/api/v1/moderation/events?comment={comment.id}", headers=token_for(first)).get_json()
    assert [(e["action"], e["undoes"]) for e in log["events"]][-2:] == [("approve", None), ("undo", event_id)]
    missing = client.post("/api/v1/moderation/events/999999/undo", json={}, headers=token_for(first))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert _status(comment.id) is P


def test_an_action_beside_a_discussion_leaves_no_undo_for_the_desk(app, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comment = make_comment(article, rules=HELD)
    browser = _browser(app, moderator)
    response = browser.post(
        f"/moderation/comments/{comment.id}/action?next=/articles/{article.slug}", data={"action": "approve"}
    )
    assert response.headers["Location"] == f"/articles/{article.slug}"
    assert _undo_events(browser.get("/moderation").get_data(as_text=True)) == []
    assert _status(comment.id) is A
