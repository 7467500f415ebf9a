"""A moderator's tools beside the discussion they read, in the embed's frame and on the article page: held
comments with their reasons (for them only), the desk's actions with the desk's rules, close and reopen, and
never any of it in the discussion prepared for visitors. And comment links that lead to the host page of an
embedded discussion, on its site's origins only."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CommentStatus, ModerationEvent
from app.services import moderation, sites
from app.services.links import discussion_url
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import make_comment
from tests.functional.test_reply_mail import BASE as MAIL_BASE
from tests.functional.test_reply_mail import _confirm, _html, _path, _post, _text
from tests.smtp_server import SmtpServer

BLOG = "https://blog.example"
PAGE = f"{BLOG}/posts/first-snow"
FROM_BLOG = {"Referer": PAGE}


@pytest.fixture
def site(make_user):
    return sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))


def embed(client, headers=FROM_BLOG, **args):
    query = {"id": "first-snow", "url": PAGE, "title": "First snow", **args}
    return client.get("/embed/thread", query_string=query, headers=headers)


@pytest.fixture
def thread(client, site):
    """The blog post's discussion, with a published comment, a flagged one and a held one."""
    embed(client)
    article = sites.find_thread(site, "first-snow")
    published = make_comment(article, "Plain words.")
    flagged = make_comment(article, "Flagged words.")
    moderation.flag_comment(flagged, "guest:someone", "abusive", None, CommentRules())
    held = make_comment(article, "Held words.", rules=CommentRules(hold_all=True))
    return article, published, flagged, held


def _action(comment_id: int) -> str:
    return f"/moderation/comments/{comment_id}/action"


def _forms(html: str) -> dict[int, str]:
    """The moderator forms on a page, by comment id: each form's HTML."""
    return {
        int(match.group(1)): match.group(0)
        for match in re.finditer(
            r'<form[^>]*class="comment__moderate[^>]*action="/moderation/comments/(\d+)/action[^"]*".*?</form>',
            html,
            re.S,
        )
    }


def _buttons(form: str) -> set[str]:
    return set(re.findall(r'name="action" value="(\w+)"', form))


def test_guests_and_readers_see_no_held_comment_and_no_tools(client, thread, make_user, login):
    article, published, _, held = thread
    for _ in range(2):  # the second read is the prepared discussion
        html = embed(client).get_data(as_text=True)
        assert "Plain words." in html and "Held words." not in html and "Held for moderation" not in html
        assert _forms(html) == {} and _action(published.id) not in html
    login(make_user("reader"))
    for html in (embed(client).get_data(as_text=True), client.get(f"/articles/{article.slug}").get_data(as_text=True)):
        assert "Plain words." in html and "Held words." not in html and _forms(html) == {}


def test_moderators_see_held_comments_with_reasons_and_the_desks_actions_in_the_frame(client, thread, make_user, login):
    article, published, flagged, held = thread
    login(make_user("moderator"))
    html = embed(client).get_data(as_text=True)
    assert "Held words." in html and "Held for moderation" in html
    assert "<code>hold_all</code> The site holds every comment for moderation." in html
    forms = _forms(html)
    assert set(forms) == {published.id, flagged.id, held.id}
    assert _buttons(forms[held.id]) == {"approve", "spam", "trash"}
    assert _buttons(forms[published.id]) == {"spam", "trash"}
    assert _buttons(forms[flagged.id]) == {"spam", "trash", "dismiss_flags"}
    assert all('target="_self"' in form and 'name="csrf_token"' in form for form in forms.values())
    # Each comes back to the frame, at the comment.
    action = re.search(r'action="([^"]+)"', forms[held.id]).group(1).replace("&amp;", "&")
    back = parse_qs(urlsplit(action).query)["next"][0]
    assert back.startswith("/embed/thread?") and back.endswith(f"#comment-{held.id}")
    assert parse_qs(urlsplit(back).query)["url"] == [PAGE]


def test_a_moderator_approves_dismisses_and_trashes_from_the_frame_as_themselves(client, thread, make_user, login):
    article, published, flagged, held = thread
    moderator = make_user("moderator", "Mo Moderator")
    login(moderator)
    forms = _forms(embed(client).get_data(as_text=True))
    action = re.search(r'action="([^"]+)"', forms[held.id]).group(1).replace("&amp;", "&")
    answer = client.post(action, data={"action": "approve"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/embed/thread?")
    assert answer.headers["Location"].endswith(f"#comment-{held.id}")
    again = client.get(answer.headers["Location"], headers=FROM_BLOG).get_data(as_text=True)
    assert f"Comment {held.id} is approved." in again and "Held for moderation" not in again
    assert client.post(_action(flagged.id), data={"action": "dismiss_flags"}).status_code == 302
    assert client.post(_action(published.id), data={"action": "trash", "reason": "off_topic"}).status_code == 302
    db.session.expire_all()
    assert (held.status, flagged.status, published.status) == (CommentStatus.approved,) * 2 + (CommentStatus.trash,)
    events = db.session.scalars(select(ModerationEvent).where(ModerationEvent.actor_id == moderator.id)).all()
    assert {(event.comment_id, event.action) for event in events} == {
        (held.id, "approve"),
        (flagged.id, "dismiss_flags"),
        (published.id, "trash"),
    }
    assert _forms(embed(client).get_data(as_text=True)).keys() == {held.id, flagged.id}
    assert "Held words." in embed(client.application.test_client()).get_data(as_text=True)  # visitors see it now


def test_guests_and_readers_cannot_act(client, thread, make_user, login):
    _, published, _, held = thread
    assert client.post(_action(held.id), data={"action": "approve"}).headers["Location"].startswith("/login")
    login(make_user("reader"))
    assert client.post(_action(held.id), data={"action": "approve"}).status_code == 403
    assert client.post(_action(published.id), data={"action": "trash"}).status_code == 403
    db.session.expire_all()
    assert (held.status, published.status) == (CommentStatus.pending, CommentStatus.approved)


def test_authors_moderate_the_discussions_of_their_own_articles_only(client, make_user, make_article, login):
    author = make_user("author")
    own, others = make_article(author=author), make_article()
    [seen, waiting] = [make_comment(own, "Seen."), make_comment(own, "Waiting.", rules=CommentRules(hold_all=True))]
    [elsewhere] = [make_comment(others, "Held elsewhere.", rules=CommentRules(hold_all=True))]
    login(author)
    forms = _forms(client.get(f"/articles/{own.slug}").get_data(as_text=True))
    # Readers have seen the published one: an author removes it with Trash, never as spam (as on the desk).
    assert _buttons(forms[seen.id]) == {"trash"} and _buttons(forms[waiting.id]) == {"approve", "spam", "trash"}
    html = client.get(f"/articles/{others.slug}").get_data(as_text=True)
    assert "Held elsewhere." not in html and _forms(html) == {}
    assert client.post(_action(elsewhere.id), data={"action": "approve"}).status_code == 403
    db.session.expire_all()
    assert elsewhere.status is CommentStatus.pending


def test_the_article_page_of_an_embedded_discussion_has_the_same_tools(client, thread, make_user, login):
    article, published, flagged, held = thread
    login(make_user("admin"))
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Held words." in html and set(_forms(html)) == {published.id, flagged.id, held.id}
    assert f"next=/articles/{article.slug}%23comment-{held.id}" in html
    assert "Close comments" in html


def test_moderator_actions_need_the_csrf_token_when_it_is_on(app_with, make_user):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        moderator = make_user("moderator")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"email": moderator.email, "password": PASSWORD, "csrf_token": token})
        embed(client)
        [article] = [sites.find_thread(sites.site_for_origin(BLOG), "first-snow")]
        held = make_comment(article, "Held words.", rules=CommentRules(hold_all=True))
        form = _forms(embed(client).get_data(as_text=True))[held.id]
        refused = client.post(_action(held.id), data={"action": "approve"})
        assert refused.status_code == 400
        db.session.expire_all()
        assert held.status is CommentStatus.pending
        frame_token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post(_action(held.id), data={"action": "approve", "csrf_token": frame_token}).status_code == 302
        db.session.expire_all()
        assert held.status is CommentStatus.approved


def test_closing_and_reopening_from_the_frame_come_back_to_it(client, thread, make_user, login):
    article = thread[0]
    login(make_user("moderator"))
    html = embed(client).get_data(as_text=True)
    back = re.search(r'name="next" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert back.startswith("/embed/thread?") and 'action="/articles/' in html and "Close comments" in html
    closed = client.post(f"/articles/{article.slug}/comments/close", data={"reason": "Enough.", "next": back})
    assert closed.headers["Location"] == back
    html = client.get(back, headers=FROM_BLOG).get_data(as_text=True)
    assert "Comments are closed. Enough." in html and "Reopen comments" in html
    reopened = client.post(f"/articles/{article.slug}/comments/reopen", data={"next": "https://evil.example/"})
    assert reopened.headers["Location"] == f"/articles/{article.slug}#comments"
    db.session.expire_all()
    assert article.comments_open


def test_the_discussion_prepared_for_visitors_never_holds_a_moderators_view(client, thread, make_user):
    article, published, _, held = thread
    moderator = client.application.test_client()
    moderator.post("/login", data={"email": make_user("moderator").email, "password": PASSWORD})
    for url in (f"/articles/{article.slug}", None):
        # A moderator reads first, then a visitor; then the other way round, with the visitor's copy prepared.
        for first, second in ((moderator, client), (client, moderator), (moderator, client)):
            pages = {}
            for who in (first, second):
                answer = who.get(url) if url else embed(who)
                pages[who] = answer.get_data(as_text=True)
            assert "Held words." in pages[moderator] and set(_forms(pages[moderator])) >= {published.id, held.id}
            assert "Held words." not in pages[client] and _forms(pages[client]) == {}
            assert _action(published.id) not in pages[client]


def test_a_comment_named_by_the_host_page_is_shown_in_the_frame(app_with, make_user):
    with app_with(COMMENTS_PER_PAGE=2) as app:
        site = sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        client = app.test_client()
        embed(client)
        article = sites.find_thread(site, "first-snow")
        first, second, third = (make_comment(article, f"Thread {n}.") for n in range(3))
        assert "Thread 2." not in embed(client).get_data(as_text=True)
        assert "Thread 2." in embed(client, comment=third.id).get_data(as_text=True)
        held = make_comment(article, "Held words.", rules=CommentRules(hold_all=True))
        elsewhere = make_comment(sites.thread_for_page(site, "other", f"{BLOG}/other", "Other"), "Elsewhere.")
        for ignored in (held.id, elsewhere.id, "x", 10**30):
            html = embed(client, comment=ignored).get_data(as_text=True)
            assert "Thread 0." in html and "Held words." not in html and "Elsewhere." not in html


def test_permalinks_lead_to_the_host_page_of_an_embedded_discussion(client, thread, make_article):
    article, published, _, held = thread
    answer = client.get(f"/comments/{published.id}")
    assert answer.status_code == 302 and answer.headers["Location"] == f"{PAGE}#comment-{published.id}"
    assert client.get(f"/comments/{held.id}").status_code == 404  # not the visitor's to read
    hosted = make_article()
    comment = make_comment(hosted, "Here.")
    assert client.get(f"/comments/{comment.id}").headers["Location"] == f"/articles/{hosted.slug}#comment-{comment.id}"
    feed = client.get(f"/articles/{article.slug}/comments.atom").get_data(as_text=True)
    assert f"/comments/{published.id}" in feed
    assert f'<link rel="alternate" href="{PAGE}"' in feed or f'href="{PAGE}"' in feed  # the feed's page: the host's


def test_a_page_no_longer_on_its_sites_origins_gets_no_redirect(client, thread):
    article, published, _, _ = thread
    sites.update_site(article.site, sites.SiteFields("Blog", "https://new.blog.example"))
    answer = client.get(f"/comments/{published.id}")
    assert answer.headers["Location"] == f"/articles/{article.slug}#comment-{published.id}"
    article.page_url = "javascript:alert(1)//https://new.blog.example/"
    db.session.commit()
    assert client.get(f"/comments/{published.id}").headers["Location"].startswith(f"/articles/{article.slug}")


def test_reply_mail_leads_to_the_host_page_at_the_reply(app_with, make_user):
    with SmtpServer() as smtp, app_with(BASE_URL=MAIL_BASE, **smtp.settings()) as app:
        site = sites.register_site(make_user("admin"), sites.SiteFields("Blog", BLOG))
        client = app.test_client()
        embed(client)
        article = sites.find_thread(site, "first-snow")
        mine = _post(client, article, "My point.", notify=True)
        _confirm(client, smtp.inbox.messages[0])
        reply = _post(app.test_client(), article, "A reply.", parent_id=mine, name="Rae", email="rae@example.org")
        (link,) = re.findall(r"Read it and reply: (\S+)", _text(smtp.inbox.messages[1]))
        assert link == f"{MAIL_BASE}/comments/{reply}"
        assert client.get(_path(link)).headers["Location"] == f"{PAGE}#comment-{reply}"
        # The discussion's title links to the host page too, not to the discussion's page here.
        assert f'<a href="{PAGE}">“First snow”</a>' in _html(smtp.inbox.messages[1])
        # Once the page is no longer on the site's origins, the title leads here again.
        sites.update_site(site, sites.SiteFields("Blog", "https://new.blog.example"))
        assert discussion_url(article) == f"{MAIL_BASE}/articles/{article.slug}"


def _edit_form(html: str, comment_id: int) -> str | None:
    found = re.search(rf'<form[^>]*action="(/moderation/comments/{comment_id}/edit[^"]*)".*?</form>', html, re.S)
    return found.group(1).replace("&amp;", "&") if found else None


def test_staff_edit_a_comment_from_the_frame_and_come_back_to_it(client, thread, make_user, login):
    """Edit is the desk's own route and rule (staff only), coming back to the frame at the comment; the ban form
    stays on the desk (it shows the sender's address), linked from the frame."""
    article, published, _, _ = thread
    login(make_user("moderator"))
    html = embed(client).get_data(as_text=True)
    action = _edit_form(html, published.id)
    assert action is not None and ">Plain words.</textarea>" in html
    assert f'href="/moderation/bans?comment={published.id}"' in html
    answer = client.post(action, data={"body": "Plainer words."})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/embed/thread?")
    assert answer.headers["Location"].endswith(f"#comment-{published.id}")
    again = client.get(answer.headers["Location"], headers=FROM_BLOG).get_data(as_text=True)
    assert "Comment edited; the previous text is kept in its history." in again
    visitor = embed(client.application.test_client()).get_data(as_text=True)
    assert "Plainer words." in visitor and "Plain words." not in visitor and "edited by a moderator" in visitor
    # A bad edit says why and changes nothing.
    refused = client.post(action, data={"body": "   "})
    assert refused.headers["Location"].endswith(f"#comment-{published.id}")
    db.session.expire_all()
    assert published.body == "Plainer words."
    assert "flash--error" in client.get(refused.headers["Location"], headers=FROM_BLOG).get_data(as_text=True)
    # The desk's comment page still comes back to itself.
    desk = client.post(f"/moderation/comments/{published.id}/edit", data={"body": "Plainest words."})
    assert desk.headers["Location"] == f"/moderation/comments/{published.id}"


def test_a_script_editing_in_place_gets_json_and_a_refusal_with_its_reason(client, thread, make_user, login):
    """The frame's and the page's script post the same edit form asking for JSON: the outcome or the error with
    its code and field, and no message left waiting in the session for the next page."""
    article, published, _, _ = thread
    login(make_user("moderator"))
    action = _edit_form(embed(client).get_data(as_text=True), published.id)
    wants_json = {"Accept": "application/json"}
    done = client.post(action, data={"body": "Plainer words."}, headers=wants_json)
    assert done.status_code == 200
    assert done.get_json() == {
        "id": published.id,
        "status": "approved",
        "message": "Comment edited; the previous text is kept in its history.",
    }
    refused = client.post(action, data={"body": "x" * 5001}, headers=wants_json)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "validation_failed"
    assert "A comment is at most 5,000 characters" in refused.get_json()["error"]["message"]
    db.session.expire_all()
    assert published.body == "Plainer words."
    assert "flash--" not in embed(client).get_data(as_text=True)


def test_authors_get_no_edit_and_cannot_post_one(client, make_user, make_article, login):
    author = make_user("author")
    own = make_article(author=author)
    comment = make_comment(own, "A reader's words.")
    login(author)
    html = client.get(f"/articles/{own.slug}").get_data(as_text=True)
    assert comment.id in _forms(html)  # the desk's actions beside the comment, but no edit
    assert _edit_form(html, comment.id) is None and "/moderation/bans?comment=" not in html
    assert client.post(f"/moderation/comments/{comment.id}/edit", data={"body": "Rewritten."}).status_code == 403
    db.session.expire_all()
    assert comment.body == "A reader's words."
