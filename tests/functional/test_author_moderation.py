"""What an article's author may do to readers' comments on it, against moderators and admins (docs/moderation.md,
"Who may do what"), through the pages and the API: authors moderate without the writers' emails and networks,
never edit a reader's words, and remove a published comment only in the open."""

import html

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent
from app.services import moderation
from app.services.errors import ServiceError
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import HELD, make_comment, make_guest

P, A, S, T = CommentStatus.pending, CommentStatus.approved, CommentStatus.spam, CommentStatus.trash
EMAIL, NETWORK = "critic.private@example.org", "203.0.113.0/24"
AUTHOR_REMOVED = "Comment removed by the article's author."
STAFF = ["moderator", "admin"]


def _critic():
    return make_guest(name="Carla Critic", email=EMAIL, network=NETWORK)


def _browser(app, user):
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


@pytest.fixture
def world(make_user, make_article):
    """An author's article with a reader's published criticism, a held comment, and the staff."""
    author = make_user("author", name="Ada Author")
    article = make_article(author=author)
    criticism = make_comment(article, "Your second figure is wrong, and you know it.", _critic())
    held = make_comment(article, "Held for a look.", _critic(), HELD)
    return {
        "author": author,
        "article": article,
        "criticism": criticism,
        "held": held,
        "moderator": make_user("moderator"),
        "admin": make_user("admin"),
    }


def _status(comment_id: int) -> CommentStatus:
    db.session.expire_all()
    return db.session.get(Comment, comment_id).status


def _public_page(app, article) -> str:
    """The article page as a visitor reads it (entities decoded)."""
    return html.unescape(app.test_client().get(f"/articles/{article.slug}").get_data(as_text=True))


def _public_listing(app, article) -> list[dict]:
    return app.test_client().get(f"/api/v1/articles/{article.slug}/comments").get_json()["comments"]


# --- emails and networks ----------------------------------------------------------------------


@pytest.mark.parametrize("queue", ["approved", "pending"])
def test_the_author_desk_shows_no_email_or_network(app, world, queue):
    desk = _browser(app, world["author"])
    desk_page = desk.get(f"/moderation?queue={queue}").get_data(as_text=True)
    assert "Carla Critic" in desk_page
    assert EMAIL not in desk_page and NETWORK not in desk_page and "mod-item__private" not in desk_page
    detail = desk.get(f"/moderation/comments/{world['criticism'].id}").get_data(as_text=True)
    assert "Carla Critic" in detail and EMAIL not in detail and NETWORK not in detail


@pytest.mark.parametrize("role", STAFF)
def test_moderators_and_admins_see_the_email_and_network_on_the_desk(app, world, role):
    desk = _browser(app, world[role])
    desk_page = desk.get("/moderation?queue=approved").get_data(as_text=True)
    assert EMAIL in desk_page and NETWORK in desk_page and 'title="Visible to moderators only"' in desk_page
    detail = desk.get(f"/moderation/comments/{world['criticism'].id}").get_data(as_text=True)
    assert EMAIL in detail and NETWORK in detail


def test_the_moderation_api_gives_an_author_null_email_and_network(app, world, token_for):
    headers = token_for(world["author"])
    for status in ("approved", "pending"):
        response = app.test_client().get(f"/api/v1/moderation/comments?status={status}", headers=headers)
        assert response.status_code == 200
        (item,) = response.get_json()["comments"]
        assert item["author"]["name"] == "Carla Critic"
        assert item["email"] is None and item["ip_network"] is None
        assert EMAIL not in response.get_data(as_text=True) and NETWORK not in response.get_data(as_text=True)
    acted = app.test_client().post(
        f"/api/v1/moderation/comments/{world['held'].id}", json={"action": "approve"}, headers=headers
    )
    assert acted.status_code == 200
    assert acted.get_json()["comment"]["email"] is None and acted.get_json()["comment"]["ip_network"] is None


@pytest.mark.parametrize("role", STAFF)
def test_the_moderation_api_gives_moderators_and_admins_the_email_and_network(app, world, token_for, role):
    headers = token_for(world[role])
    queue = app.test_client().get("/api/v1/moderation/comments?status=approved", headers=headers).get_json()
    (item,) = queue["comments"]
    assert (item["email"], item["ip_network"]) == (EMAIL, NETWORK)
    acted = app.test_client().post(
        f"/api/v1/moderation/comments/{world['held'].id}", json={"action": "approve"}, headers=headers
    )
    assert (acted.get_json()["comment"]["email"], acted.get_json()["comment"]["ip_network"]) == (EMAIL, NETWORK)


# --- editing ----------------------------------------------------------------------------------


def test_an_author_cannot_edit_a_readers_comment(app, world):
    desk = _browser(app, world["author"])
    criticism = world["criticism"]
    detail = desk.get(f"/moderation/comments/{criticism.id}").get_data(as_text=True)
    assert "Edit as a moderator" not in detail and f"/moderation/comments/{criticism.id}/edit" not in detail
    assert "Details, reply" in desk.get("/moderation?queue=approved").get_data(as_text=True)

    response = desk.post(f"/moderation/comments/{criticism.id}/edit", data={"body": "Your article is right."})
    assert response.status_code == 403
    db.session.expire_all()
    stored = db.session.get(Comment, criticism.id)
    assert stored.body == "Your second figure is wrong, and you know it." and not stored.edited_by_moderator
    assert stored.revisions == []
    assert "Your second figure is wrong" in _public_page(app, world["article"])


def test_the_service_refuses_an_author_edit_too(app, world):
    with pytest.raises(ServiceError) as refused:
        moderation.moderator_edit(world["criticism"], "Softened.", world["author"], CommentRules())
    assert refused.value.status == 403


@pytest.mark.parametrize("role", STAFF)
def test_moderators_and_admins_edit_and_readers_see_it(app, world, role):
    desk = _browser(app, world[role])
    criticism = world["criticism"]
    assert "Edit as a moderator" in desk.get(f"/moderation/comments/{criticism.id}").get_data(as_text=True)
    response = desk.post(f"/moderation/comments/{criticism.id}/edit", data={"body": "Your second figure is wrong."})
    assert response.status_code == 302
    page = _public_page(app, world["article"])
    assert "Your second figure is wrong." in page and "you know it" not in page and "edited by a moderator" in page


# --- removing ---------------------------------------------------------------------------------


def test_an_author_removal_of_a_published_comment_shows_to_readers(app, world, token_for):
    desk = _browser(app, world["author"])
    criticism = world["criticism"]
    response = desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "trash", "reason": "abusive"})
    assert response.status_code == 302 and _status(criticism.id) is T
    assert "Readers see “Comment removed by the article's author”" in html.unescape(
        desk.get("/moderation?queue=trash", follow_redirects=True).get_data(as_text=True)
    )

    # No replies, yet a placeholder says who removed it, on the page and in the API; the words are gone.
    page = _public_page(app, world["article"])
    assert f'id="comment-{criticism.id}"' in page and AUTHOR_REMOVED in page
    assert "Your second figure" not in page and "Carla Critic" not in page
    (placeholder,) = _public_listing(app, world["article"])
    assert placeholder["id"] == criticism.id and placeholder["removed"] and placeholder["removed_by_author"]
    assert placeholder["author"] is None and placeholder["body_html"] == ""
    queue = app.test_client().get("/api/v1/moderation/comments?status=trash", headers=token_for(world["moderator"]))
    assert queue.get_json()["comments"][0]["removed_by_author"] is True


def test_an_author_removal_through_the_api_shows_to_readers(app, world, token_for):
    criticism = world["criticism"]
    response = app.test_client().post(
        f"/api/v1/moderation/comments/{criticism.id}",
        json={"action": "trash", "reason": "off_topic"},
        headers=token_for(world["author"]),
    )
    assert response.status_code == 200 and response.get_json()["comment"]["removed_by_author"] is True
    assert AUTHOR_REMOVED in _public_page(app, world["article"])


def test_an_author_removing_a_held_comment_leaves_no_trace(app, world):
    desk = _browser(app, world["author"])
    held = world["held"]
    desk.post(f"/moderation/comments/{held.id}/action", data={"action": "trash", "reason": "other"})
    assert _status(held.id) is T
    page = _public_page(app, world["article"])
    assert f'id="comment-{held.id}"' not in page and AUTHOR_REMOVED not in page


def test_an_author_cannot_mark_a_published_comment_as_spam(app, world, token_for):
    desk = _browser(app, world["author"])
    criticism = world["criticism"]
    desk_html = html.unescape(desk.get("/moderation?queue=approved").get_data(as_text=True))
    assert 'name="action" value="spam"' not in desk_html
    assert "if you trash it, they see “Comment removed by the article's author”" in desk_html
    response = desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "spam"}, follow_redirects=True)
    assert "only a moderator can mark it as spam" in response.get_data(as_text=True)
    assert _status(criticism.id) is A
    api = app.test_client().post(
        f"/api/v1/moderation/comments/{criticism.id}", json={"action": "spam"}, headers=token_for(world["author"])
    )
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "forbidden"
    assert _status(criticism.id) is A
    bulk = desk.post("/moderation/bulk", data={"comment_ids": [criticism.id], "bulk_action": "spam"})
    assert bulk.status_code == 302 and _status(criticism.id) is A
    # What readers never saw, the author may still call spam.
    desk.post(f"/moderation/comments/{world['held'].id}/action", data={"action": "spam"})
    assert _status(world["held"].id) is S


def test_a_comment_hidden_by_flags_counts_as_seen(app, world, token_for):
    criticism = world["criticism"]
    for reader in range(3):
        moderation.flag_comment(criticism, f"user:{900 + reader}", "abusive", None, CommentRules())
    assert _status(criticism.id) is P
    api = app.test_client().post(
        f"/api/v1/moderation/comments/{criticism.id}", json={"action": "spam"}, headers=token_for(world["author"])
    )
    assert api.status_code == 403
    trashed = app.test_client().post(
        f"/api/v1/moderation/comments/{criticism.id}",
        json={"action": "trash", "reason": "abusive"},
        headers=token_for(world["author"]),
    )
    assert trashed.status_code == 200 and AUTHOR_REMOVED in _public_page(app, world["article"])


@pytest.mark.parametrize("role", STAFF)
def test_a_staff_removal_reads_as_before(app, world, role):
    article, criticism = world["article"], world["criticism"]
    reply = make_comment(article, "I agree with the critic.", parent=criticism)
    desk = _browser(app, world[role])
    desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "spam"})
    assert _status(criticism.id) is S
    page = _public_page(app, article)
    assert "Comment removed." in page and AUTHOR_REMOVED not in page and "I agree with the critic." in page
    # Without replies, a comment a moderator removed leaves nothing.
    desk.post(f"/moderation/comments/{reply.id}/action", data={"action": "trash", "reason": "other"})
    assert f'id="comment-{criticism.id}"' not in _public_page(app, article)


def test_restoring_takes_the_mark_away_and_a_moderator_can_remove_it_quietly(app, world):
    article, criticism = world["article"], world["criticism"]
    author_desk = _browser(app, world["author"])
    author_desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "trash", "reason": "other"})
    author_desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "restore"})
    assert _status(criticism.id) is A and "Your second figure" in _public_page(app, article)
    author_desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "trash", "reason": "other"})
    assert AUTHOR_REMOVED in _public_page(app, article)

    moderator_desk = _browser(app, world["moderator"])
    moderator_desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "restore"})
    moderator_desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "trash", "reason": "abusive"})
    page = _public_page(app, article)
    assert AUTHOR_REMOVED not in page and f'id="comment-{criticism.id}"' not in page
    events = db.session.scalars(
        select(ModerationEvent.action).where(ModerationEvent.comment_id == criticism.id).order_by(ModerationEvent.id)
    ).all()
    assert events == ["submit", "trash", "restore", "trash", "restore", "trash"]


def test_the_purge_keeps_what_readers_see_as_removed_by_the_author(app, world, runner):
    criticism = world["criticism"]
    moderation.apply(criticism, "trash", world["author"], "other")
    quiet_id = make_comment(world["article"], "Trashed by a moderator.", status=T, moderator=world["moderator"]).id
    result = runner.invoke(args=["moderation", "purge", "--status", "trash", "--older-than", "0m"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Purged 1 trash comment(s) older than 0m; kept 0 that still have replies"
        " and 1 that readers see as removed by the article's author.\n"
    )
    db.session.expire_all()
    assert db.session.get(Comment, quiet_id) is None and db.session.get(Comment, criticism.id) is not None
    assert AUTHOR_REMOVED in _public_page(app, world["article"])


def test_an_author_on_someone_elses_article_is_a_reader(app, world, make_user, make_article, token_for):
    other = make_user("author")
    desk = _browser(app, other)
    criticism = world["criticism"]
    assert desk.post(f"/moderation/comments/{criticism.id}/action", data={"action": "trash"}).status_code == 403
    assert desk.post(f"/moderation/comments/{criticism.id}/edit", data={"body": "No."}).status_code == 403
    api = app.test_client().get("/api/v1/moderation/comments?status=approved", headers=token_for(other))
    assert api.get_json()["comments"] == []
    assert _status(criticism.id) is A
