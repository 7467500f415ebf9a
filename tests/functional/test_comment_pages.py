"""Comments on the article page through HTTP: posting, replying, owning, closing, and the form's behaviour."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Article, Comment, CommentRevision, CommentStatus
from app.models.types import utcnow
from tests.conftest import PASSWORD
from tests.unit.test_markdown import active_parts

GUEST = {"name": "Gail Guest", "email": "gail@example.org", "body": "Hello from Gail."}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """The comments of a page as a tree: each comment's parent, its own text, and where the forms sit."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, int | None]] = []
        self.parent: dict[int, int | None] = {}
        self.order: list[int] = []
        self.text: dict[int, str] = {}
        self.forms: dict[str, dict] = {}

    def _comment(self) -> int | None:
        return next((cid for _, cid in reversed(self.stack) if cid is not None), None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        cid = None
        if tag == "li" and "comment" in (attrs.get("class") or "").split():
            cid = int(attrs["id"].removeprefix("comment-"))
            self.parent[cid] = self._comment()
            self.order.append(cid)
            self.text[cid] = ""
        if tag == "form" and attrs.get("id"):
            self.forms[attrs["id"]] = {"action": attrs.get("action"), "inside": self._comment()}
        if tag not in VOID:
            self.stack.append((tag, cid))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        cid = self._comment()
        if cid is not None:
            self.text[cid] += data


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.text = {cid: " ".join(text.split()) for cid, text in page.text.items()}
    return page


def _html(response) -> str:
    return response.get_data(as_text=True)


def _show(client, article, query: str = "") -> str:
    response = client.get(f"/articles/{article.slug}{query}")
    assert response.status_code == 200
    return _html(response)


def _post(client, article, query: str = "", **fields):
    return client.post(f"/articles/{article.slug}/comments{query}", data={**GUEST, **fields})


def _posted_id(response) -> int:
    assert response.status_code == 302, _html(response)
    return int(response.headers["Location"].rsplit("#comment-", 1)[1])


def _field_errors(html: str, field_id: str) -> list[str]:
    block = re.search(rf'<div id="{field_id}-error" class="field__errors"[^>]*>(.*?)</div>', html, re.S)
    assert block, f"no error slot for {field_id}"
    return re.findall(r'<p class="field__error">(.*?)</p>', block.group(1))


def _input_value(html: str, field_id: str) -> str | None:
    match = re.search(rf'<input [^>]*id="{field_id}"[^>]*>', html)
    assert match, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def _textarea(html: str, field_id: str) -> str:
    match = re.search(rf'<textarea [^>]*id="{field_id}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {field_id}"
    return match.group(1)


def _browser(app, user=None):
    """Another browser, with its own cookies; signed in through the real form when given a user."""
    browser = app.test_client()
    if user is not None:
        assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def _comment_rows() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def _age(comment_id: int, minutes: int = 20) -> None:
    """Pretend the comment was written `minutes` ago."""
    db.session.execute(
        update(Comment).where(Comment.id == comment_id).values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


# --- posting and replying --------------------------------------------------------------------


def test_a_guest_posts_and_lands_on_the_comments_permalink(client, make_article):
    article = make_article()
    response = _post(client, article, website="https://gail.example/")
    comment_id = _posted_id(response)
    assert response.headers["Location"] == f"/articles/{article.slug}#comment-{comment_id}"
    assert "aw_comments=" in " ".join(response.headers.getlist("Set-Cookie"))

    html = _html(client.get(response.headers["Location"]))
    stored = _stored(comment_id)
    assert "Your comment is published." in html
    assert f'<li class="comment" id="comment-{comment_id}">' in html
    stamp = f'<time datetime="{stored.created_at:%Y-%m-%dT%H:%M:%SZ}" data-time="relative">'
    assert f'<a class="comment__permalink" href="#comment-{comment_id}">{stamp}' in html
    assert '<a href="https://gail.example/" rel="nofollow ugc noopener"><bdi>Gail Guest</bdi></a>' in html
    assert "<p>Hello from Gail.</p>" in html and "1 comment</h2>" in html
    assert "gail@example.org" not in _show(client.application.test_client(), article)
    assert (stored.writer_email, stored.ip_network, stored.status) == (
        "gail@example.org",
        "127.0.0.0/24",
        CommentStatus.approved,
    )


def test_guests_reply_to_a_reply_and_the_thread_nests(app, client, make_article):
    article = make_article()
    other = app.test_client()
    first = _posted_id(_post(client, article, body="First."))
    reply = _posted_id(
        _post(other, article, name="Omar Other", email="omar@example.org", body="A reply.", parent_id=first)
    )
    answer = _posted_id(_post(client, article, body="Answering the reply.", parent_id=reply))

    page = _page(_show(app.test_client(), article))
    assert page.order == [first, reply, answer]
    assert page.parent == {first: None, reply: first, answer: reply}
    assert "Omar Other" in page.text[reply] and "Answering the reply." in page.text[answer]
    assert [(c.depth, c.root_id) for c in map(_stored, (reply, answer))] == [(1, first), (2, first)]


def test_replies_below_the_depth_limit_hang_beside_and_say_whom_they_answer(client, make_article):
    article = make_article()
    chain = []
    for level in range(5):
        fields = {"name": f"Level{level} Writer", "body": f"Level {level}."}
        chain.append(_posted_id(_post(client, article, parent_id=chain[-1] if chain else "", **fields)))
    deep = _posted_id(_post(client, article, name="Deep Diver", body="Below the limit.", parent_id=chain[4]))

    html = _show(client, article)
    page = _page(html)
    assert page.parent[deep] == chain[3] and page.parent[chain[4]] == chain[3]
    assert "in reply to Level4 Writer" in page.text[deep]
    assert f'in reply to <a href="#comment-{chain[4]}"><bdi>Level4 Writer</bdi></a>' in html
    assert all("in reply to" not in page.text[c] for c in chain)


def test_a_signed_in_reader_posts_as_their_account_and_staff_get_badges(app, client, make_user, make_article):
    author = make_user("author", name="Ada Author")
    article = make_article(author=author)
    people = [
        author,
        make_user("moderator", name="Mo Moderator"),
        make_user("admin", name="Al Admin"),
        make_user("reader", name="Rae Reader"),
    ]
    ids = []
    for person in people:
        browser = _browser(app, person)
        assert f"Commenting as <strong>{person.name}</strong>." in _show(browser, article)
        ids.append(
            _posted_id(
                _post(browser, article, name="Impostor", email="impostor@example.org", body=f"By {person.name}.")
            )
        )

    html = _show(client, article)
    page = _page(html)
    assert [page.text[i].split(" ")[:3] for i in ids[:3]] == [
        ["Ada", "Author", "Author"],
        ["Mo", "Moderator", "Moderator"],
        ["Al", "Admin", "Moderator"],
    ]
    assert page.text[ids[3]].startswith("Rae Reader ") and not {"Author", "Moderator"} & set(page.text[ids[3]].split())
    assert f'<li class="comment comment--author" id="comment-{ids[0]}">' in html
    assert '<span class="badge badge--author">Author</span>' in html
    assert html.count('<span class="badge badge--moderator">Moderator</span>') == 2
    assert "Impostor" not in html and _stored(ids[0]).writer_email == author.email


def test_a_held_comment_shows_only_to_its_writer_awaiting_moderation(app, client, make_article):
    app.config["MODERATION_HOLD_ALL"] = True
    article = make_article()
    response = _post(client, article)
    comment_id = _posted_id(response)
    html = _html(client.get(response.headers["Location"]))
    assert "Thank you. Your comment is awaiting moderation; only you can see it until then." in html
    page = _page(html)
    assert comment_id in page.order and "Awaiting moderation" in page.text[comment_id]
    assert f"reply_to={comment_id}" not in html
    assert "0 comments</h2>" in html

    stranger = _show(app.test_client(), article)
    assert f'id="comment-{comment_id}"' not in stranger and "Hello from Gail." not in stranger
    assert "No comments yet." in stranger
    assert _stored(comment_id).status is CommentStatus.pending


# --- form errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field_id, message",
    [
        ({"body": "   \n  "}, "body", "Write something before posting."),
        ({"body": "x" * 21}, "body", "A comment is at most 20 characters (this one has 21)."),
        ({"name": "  "}, "name", "Enter your name."),
        ({"email": ""}, "email", "Enter your email address; it is never shown."),
        ({"website": "javascript:alert(1)"}, "website", "A website is an address starting with http:// or https://."),
    ],
)
def test_errors_show_next_to_their_field_and_keep_what_was_typed(app, client, make_article, fields, field_id, message):
    app.config["COMMENT_MAX_LENGTH"] = 20
    article = make_article()
    typed = {
        "body": "My typed words",
        "name": "Typed Name",
        "email": "typed@example.org",
        "website": "https://typed.example",
        **fields,
    }
    response = _post(client, article, **typed)
    html = _html(response)
    assert response.status_code == 422
    assert _field_errors(html, field_id) == [message]
    invalid = re.search(rf'<(?:input|textarea) [^>]*id="{field_id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in invalid and f'aria-describedby="{field_id}-hint {field_id}-error"' in invalid
    assert all(_field_errors(html, other) == [] for other in {"body", "name", "email", "website"} - {field_id})
    assert _textarea(html, "body") == typed["body"]
    assert [_input_value(html, f) for f in ("name", "email", "website")] == [
        typed["name"],
        typed["email"],
        typed["website"],
    ]
    assert _comment_rows() == 0


def test_an_invalid_email_is_explained_on_the_email_field(client, make_article):
    response = _post(client, make_article(), email="not-an-email")
    assert response.status_code == 422
    (message,) = _field_errors(_html(response), "email")
    assert message.startswith("That email address is not valid")
    assert _comment_rows() == 0


def test_a_reply_error_shows_in_the_reply_form_under_its_comment(client, make_article):
    article = make_article()
    parent = _posted_id(_post(client, article, body="Parent."))
    response = _post(client, article, body=" ", name="Replying Rhea", parent_id=parent)
    html = _html(response)
    assert response.status_code == 422
    page = _page(html)
    assert page.forms[f"reply-{parent}"]["inside"] == parent
    assert _field_errors(html, f"reply-{parent}-body") == ["Write something before posting."]
    assert _input_value(html, f"reply-{parent}-name") == "Replying Rhea"
    assert _field_errors(html, "body") == [] and _input_value(html, "name") in ("", None)
    assert _comment_rows() == 1


def test_a_reply_to_a_missing_comment_says_why_and_keeps_the_text(client, make_article):
    article = make_article()
    response = _post(client, article, body="My carefully typed reply.", parent_id=9999)
    html = _html(response)
    assert response.status_code == 422
    assert "The comment you are replying to does not exist." in html
    assert "My carefully typed reply." in html


def test_a_reply_error_on_a_later_page_is_shown(app, client, make_article):
    app.config["COMMENTS_PER_PAGE"] = 1
    article = make_article()
    _posted_id(_post(client, article, body="Thread one."))
    second = _posted_id(_post(client, article, body="Thread two."))
    html = _show(client, article, f"?page=2&reply_to={second}")
    action = _page(html).forms[f"reply-{second}"]["action"].split("#")[0]
    response = client.post(action, data={**GUEST, "body": " ", "parent_id": second})
    assert response.status_code == 422
    assert "Write something before posting." in _html(response)


def test_the_page_never_renders_none_as_an_attribute(app, client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author)
    top = _posted_id(_post(client, article, website="https://gail.example"))
    plain = _posted_id(_post(client, article, body="No website.", parent_id=top))
    chain = [plain]
    for level in range(4):
        chain.append(_posted_id(_post(client, article, body=f"Deeper {level}.", parent_id=chain[-1])))
    client.post(f"/comments/{top}/edit", data={"body": "Edited."})
    client.post(f"/comments/{plain}/delete")
    app.config["MODERATION_HOLD_ALL"] = True
    _posted_id(_post(client, article, body="Held."))
    app.config["MODERATION_HOLD_ALL"] = False

    pages = [
        client.get(f"/articles/{article.slug}"),
        client.get(f"/articles/{article.slug}?reply_to={top}"),
        client.get(f"/articles/{article.slug}?order=newest&page=1"),
        _post(client, article, body=" ", website="bad"),
        _post(client, article, body=" ", parent_id=top),
        client.get(f"/comments/{top}/edit"),
        client.post(f"/comments/{top}/edit", data={"body": ""}),
        client.get("/"),
    ]
    login(author)
    pages += [client.get(f"/articles/{article.slug}?reply_to={chain[-1]}"), _post(client, article, body="")]
    client.post(f"/articles/{article.slug}/comments/close", data={"reason": ""})
    pages.append(client.get(f"/articles/{article.slug}"))
    for response in pages:
        assert response.status_code in {200, 422}
        assert re.findall(r'[\w-]+="None"', _html(response)) == []


# --- the remembered guest --------------------------------------------------------------------


def test_the_remember_cookie_prefills_the_form_and_unticking_forgets(client, make_article):
    article = make_article()
    _posted_id(_post(client, article, website="https://gail.example", remember="y"))
    html = _show(client, article)
    assert (_input_value(html, "name"), _input_value(html, "email"), _input_value(html, "website")) == (
        "Gail Guest",
        "gail@example.org",
        "https://gail.example",
    )
    assert re.search(r'<input checked id="remember" name="remember" type="checkbox"', html)

    response = _post(client, article, body="Forget me now.")
    assert any(c.startswith("aw_guest=;") for c in response.headers.getlist("Set-Cookie"))
    html = _show(client, article)
    assert _input_value(html, "name") in (None, "") and _input_value(html, "email") in (None, "")
    assert not re.search(r'<input checked id="remember"', html)


def test_without_remember_no_profile_cookie_is_kept(client, make_article):
    response = _post(client, make_article())
    assert not any(
        c.startswith("aw_guest=") and not c.startswith("aw_guest=;") for c in response.headers.getlist("Set-Cookie")
    )
    assert client.get_cookie("aw_guest") is None


def test_a_signed_in_reader_has_no_guest_fields(client, make_user, make_article, login):
    article = make_article()
    login(make_user("reader"))
    html = _show(client, article)
    assert 'name="email"' not in html and 'name="name"' not in html and 'name="remember"' not in html


# --- the no-JavaScript reply link ------------------------------------------------------------


def test_the_reply_link_renders_a_reply_form_under_that_comment(client, make_article):
    article = make_article()
    first = _posted_id(_post(client, article, body="First."))
    second = _posted_id(_post(client, article, name="Sam Second", body="Second.", parent_id=first))
    html = _show(client, article)
    assert f'href="/articles/{article.slug}?reply_to={second}#reply-{second}"' in html
    assert f'id="reply-{second}"' not in html

    html = _show(client, article, f"?reply_to={second}")
    page = _page(html)
    assert page.forms[f"reply-{second}"] == {
        "action": f"/articles/{article.slug}/comments#reply-{second}",
        "inside": second,
    }
    form = html.split(f'id="reply-{second}"')[1].split("</form>")[0]
    assert f'<input type="hidden" name="parent_id" value="{second}">' in form
    assert "Replying to <bdi>Sam Second</bdi>" in form and "Post reply" in form
    assert f'href="/articles/{article.slug}#comment-{second}">Cancel</a>' in form
    assert page.forms["comment-form"]["inside"] is None

    answer = _posted_id(_post(client, article, body="Via the no-JS form.", parent_id=second))
    assert _page(_show(client, article)).parent[answer] == second


# --- owning: edit and delete -----------------------------------------------------------------


def test_the_writer_edits_within_the_window_and_the_old_text_is_kept(app, client, make_article):
    article = make_article()
    comment_id = _posted_id(_post(client, article, body="Frist draft."))
    assert f'href="/comments/{comment_id}/edit">Edit' in _show(client, article)
    form = client.get(f"/comments/{comment_id}/edit")
    assert form.status_code == 200 and _textarea(_html(form), "body") == "Frist draft."

    response = client.post(f"/comments/{comment_id}/edit", data={"body": "First draft, fixed."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{comment_id}")
    html = _html(client.get(response.headers["Location"]))
    assert "Your comment is updated." in html
    text = _page(html).text[comment_id]
    assert "First draft, fixed." in text and "edited" in text.split()
    revisions = db.session.scalars(select(CommentRevision).where(CommentRevision.comment_id == comment_id)).all()
    assert [r.body for r in revisions] == ["Frist draft."]
    assert "Frist" not in _show(app.test_client(), article)


def test_an_empty_edit_is_explained_and_nothing_changes(client, make_article):
    comment_id = _posted_id(_post(client, make_article(), body="Original."))
    response = client.post(f"/comments/{comment_id}/edit", data={"body": "  "})
    assert response.status_code == 422
    assert _field_errors(_html(response), "body") == ["Write something before posting."]
    assert _stored(comment_id).body == "Original." and _stored(comment_id).edited_at is None


def test_after_the_window_the_writer_can_no_longer_edit_or_delete(client, make_article):
    article = make_article()
    comment_id = _posted_id(_post(client, article, body="Too late to change."))
    _age(comment_id)
    html = _show(client, article)
    assert f"/comments/{comment_id}/edit" not in html and f"/comments/{comment_id}/delete" not in html
    for response in (
        client.get(f"/comments/{comment_id}/edit"),
        client.post(f"/comments/{comment_id}/edit", data={"body": "Changed."}),
        client.post(f"/comments/{comment_id}/delete"),
    ):
        assert response.status_code == 403
        assert "Comments can be changed for 15 minutes after posting; that time is over." in _html(response)
    stored = _stored(comment_id)
    assert (stored.body, stored.deleted_at, stored.revisions) == ("Too late to change.", None, [])


def test_nobody_else_can_edit_or_delete(app, client, make_user, make_article):
    article = make_article()
    guest_comment = _posted_id(_post(client, article, body="A guest's words."))
    owner = make_user("reader")
    owner_browser = _browser(app, owner)
    account_comment = _posted_id(_post(owner_browser, article, body="An account's words."))

    intruders = [_browser(app)] + [_browser(app, make_user(role)) for role in ("reader", "moderator", "admin")]
    intruders.append(client)  # the guest holds a cookie for their own comment only
    for browser in intruders:
        for comment_id in (guest_comment, account_comment):
            if browser is client and comment_id == guest_comment:
                continue
            assert browser.get(f"/comments/{comment_id}/edit").status_code == 403
            assert browser.post(f"/comments/{comment_id}/edit", data={"body": "Hijacked."}).status_code == 403
            response = browser.post(f"/comments/{comment_id}/delete")
            assert response.status_code == 403
            assert "Only the person who wrote this comment can change it." in _html(response)
    assert [(_stored(i).body, _stored(i).deleted_at) for i in (guest_comment, account_comment)] == [
        ("A guest's words.", None),
        ("An account's words.", None),
    ]
    assert db.session.scalar(select(func.count(CommentRevision.id))) == 0


def test_deleting_a_comment_with_replies_leaves_a_placeholder(app, client, make_article):
    article = make_article()
    parent = _posted_id(_post(client, article, body="Regrettable words."))
    reply = _posted_id(_post(app.test_client(), article, name="Rory Replier", body="A fair reply.", parent_id=parent))
    response = client.post(f"/comments/{parent}/delete")
    assert response.status_code == 302 and response.headers["Location"] == f"/articles/{article.slug}#comments"

    html = _show(app.test_client(), article)
    page = _page(html)
    assert page.text[parent] == "Comment removed."
    assert "Regrettable words." not in html and "Gail Guest" not in html
    assert page.parent[reply] == parent and "A fair reply." in page.text[reply]
    assert "1 comment</h2>" in html
    assert _comment_rows() == 2 and _stored(parent).deleted_at is not None


def test_deleting_a_comment_without_replies_removes_it_from_the_page(app, client, make_article):
    article = make_article()
    comment_id = _posted_id(_post(client, article, body="Second thoughts."))
    assert client.post(f"/comments/{comment_id}/delete").status_code == 302
    html = _show(app.test_client(), article)
    assert f'id="comment-{comment_id}"' not in html and "Comment removed." not in html and "No comments yet." in html
    assert _comment_rows() == 1 and _stored(comment_id).deleted_at is not None
    assert client.post(f"/comments/{comment_id}/delete").status_code == 403


# --- reading: order, pages, counts -----------------------------------------------------------


def test_oldest_first_by_default_and_newest_first_on_request(client, make_article):
    article = make_article()
    ids = [_posted_id(_post(client, article, body=f"Thread {n}.")) for n in range(3)]
    reply = _posted_id(_post(client, article, body="Reply.", parent_id=ids[0]))
    assert _page(_show(client, article)).order == [ids[0], reply, ids[1], ids[2]]
    html = _show(client, article, "?order=newest")
    assert _page(html).order == [ids[2], ids[1], ids[0], reply]
    assert '<strong aria-current="true">Newest first</strong>' in html
    assert _page(_show(client, article, "?order=sideways")).order == [ids[0], reply, ids[1], ids[2]]


def test_threads_are_paginated_with_their_replies(app, client, make_article):
    app.config["COMMENTS_PER_PAGE"] = 2
    article = make_article()
    threads = []
    for n in range(3):
        top = _posted_id(_post(client, article, body=f"Thread {n}."))
        threads.append((top, _posted_id(_post(client, article, body=f"Reply {n}.", parent_id=top))))
    first, second = _show(client, article), _show(client, article, "?page=2")
    assert _page(first).order == [threads[0][0], threads[0][1], threads[1][0], threads[1][1]]
    assert _page(second).order == [threads[2][0], threads[2][1]]
    assert "Page 1 of 2" in first and f'<a rel="next" href="/articles/{article.slug}?page=2#comments">' in first
    assert "Page 2 of 2" in second and "6 comments</h2>" in second

    late = _post(client, article, body="Late reply.", parent_id=threads[2][0])
    assert late.headers["Location"] == f"/articles/{article.slug}?page=2#comment-{_posted_id(late)}"


def test_the_index_and_the_article_show_comment_counts(app, client, make_article):
    none, one, two = make_article(title="No talk"), make_article(title="One remark"), make_article(title="Two remarks")
    remark = _posted_id(_post(client, one))
    first = _posted_id(_post(client, two))
    _posted_id(_post(client, two, parent_id=first, body="A reply, in other words."))
    app.config["MODERATION_HOLD_ALL"] = True
    _posted_id(_post(client, none))
    html = _html(client.get("/"))
    counts = dict(re.findall(r'href="/articles/([\w-]+)#comments">(\d+ comments?)</a>', html))
    assert counts == {none.slug: "0 comments", one.slug: "1 comment", two.slug: "2 comments"}
    assert '<a href="#comments">2 comments</a>' in _show(client, two)
    assert client.post(f"/comments/{remark}/delete").status_code == 302
    assert (
        dict(re.findall(r'href="/articles/([\w-]+)#comments">(\d+ comments?)</a>', _html(client.get("/"))))[one.slug]
        == "0 comments"
    )


# --- closing ---------------------------------------------------------------------------------


def test_the_author_closes_with_a_reason_and_reopens(app, client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author)
    login(author)
    response = client.post(
        f"/articles/{article.slug}/comments/close", data={"reason": "The discussion ran its course."}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/articles/{article.slug}#comments"

    guest = app.test_client()
    html = _show(guest, article)
    assert "Comments are closed. The discussion ran its course." in html
    assert 'class="comment-form"' not in html
    refused = _post(guest, article, body="Let me in.")
    assert refused.status_code == 403 and "The discussion ran its course." in _html(refused)
    assert _comment_rows() == 0

    assert "Reopen comments" in _show(client, article)
    assert client.post(f"/articles/{article.slug}/comments/reopen").status_code == 302
    assert "Comments are closed" not in _show(guest, article)
    _posted_id(_post(guest, article, body="Open again."))


def test_closing_without_a_reason_says_the_author_closed_it(client, make_user, make_article, login):
    moderator = make_user("moderator")
    article = make_article()
    login(moderator)
    client.post(f"/articles/{article.slug}/comments/close", data={"reason": "  "})
    assert "Comments are closed. The author has closed comments on this article." in _show(client, article)


def test_only_the_author_and_staff_may_close(app, client, make_user, make_article):
    article = make_article()
    url = f"/articles/{article.slug}/comments/close"
    response = client.post(url, data={"reason": "No."})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    for role in ("reader", "author"):
        browser = _browser(app, make_user(role))
        assert browser.post(url, data={"reason": "No."}).status_code == 403
        assert browser.post(f"/articles/{article.slug}/comments/reopen").status_code == 403
        assert "Close comments" not in _show(browser, article)
    assert db.session.get(Article, article.id).comments_open is True
    admin = _browser(app, make_user("admin"))
    assert admin.post(url, data={"reason": "Admin says so."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, article.id).comments_closed_reason == "Admin says so."


def test_threads_close_by_themselves_after_the_configured_days(app, client, make_article):
    article = make_article()
    app.config["COMMENTS_AUTO_CLOSE_DAYS"] = 7
    article.published_at = utcnow() - timedelta(days=8)
    db.session.commit()
    message = "Comments close automatically 7 days after an article is published."
    assert f"Comments are closed. {message}" in _show(client, article)
    refused = _post(client, article)
    assert refused.status_code == 403 and message in _html(refused) and _comment_rows() == 0

    app.config["COMMENTS_AUTO_CLOSE_DAYS"] = 9
    _posted_id(_post(client, article))


def test_a_closed_thread_offers_no_reply_form(client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author)
    comment_id = _posted_id(_post(client, article))
    login(author)
    client.post(f"/articles/{article.slug}/comments/close", data={"reason": "Closed."})
    client.post("/logout")
    html = _show(client, article, f"?reply_to={comment_id}")
    assert f'id="reply-{comment_id}"' not in html
    assert "comment__reply" not in html


def test_drafts_take_no_comments(client, make_article):
    draft = make_article(published=False)
    assert _post(client, draft).status_code == 404
    assert _comment_rows() == 0


# --- hostile input ---------------------------------------------------------------------------


def test_hostile_input_comes_out_inert_on_the_page(app, client, make_article):
    article = make_article()
    hostile = (
        '<script>alert(1)</script> <img src=x onerror="alert(1)"> [a](javascript:alert(1)) '
        "[b](data:text/html;base64,PHNjcmlwdD4=) <a href='javascript:x'>unclosed <b>tags "
        "\u202eevil\u202c zero\u200bwidth " + "W" * 3000
    )
    comment_id = _posted_id(_post(client, article, name='<b onmouseover="x()">Eve</b>\u202e', body=hostile))
    html = _show(app.test_client(), article)
    texts = re.findall(r'<div class="comment__text" dir="auto">(.*?)</div>', html, re.S)
    authors = re.findall(r'<span class="comment__author"[^>]*>(.*?)</span>', html, re.S)
    assert len(texts) == len(authors) == 1
    assert active_parts(texts[0]) == [] and active_parts(authors[0]) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in texts[0] and "W" * 3000 in texts[0]
    assert "\u202e" not in html and "\u202c" not in html
    assert "<bdi>&lt;b onmouseover=&#34;x()&#34;&gt;Eve&lt;/b&gt;</bdi>" in authors[0]
    assert _stored(comment_id).writer_name == '<b onmouseover="x()">Eve</b>'


def test_a_javascript_website_is_refused(client, make_article):
    response = _post(client, make_article(), website="javascript:alert(document.cookie)")
    assert response.status_code == 422 and _comment_rows() == 0
