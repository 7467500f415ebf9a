"""The article page's discussion, prepared once per worker and discussion version for visitors with nothing of their
own on it (app/articles/page.py, app/caching.py): never stale, never someone else's.

Two apps on one database stand for two worker processes, as in test_thread_readings.py. Everything here reads the
page itself: what one worker changes (a post, an edit, a moderator's removal) the other shows at once; what is one
viewer's (their held comment, their edit links, a moderator's tools, their form tokens) is never served to another;
a repeat visit costs a few queries however long the discussion, and a 304 when nothing on the page changed.
"""

import re
from types import SimpleNamespace

import pytest

from app.articles import page as article_page
from app.services.articles import create_article
from app.services.spam import checks
from tests.conftest import PASSWORD
from tests.factories import make_chain
from tests.functional.test_thread_readings import _user

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}


def _page(client, slug: str, query: str = "", status: int = 200) -> str:
    response = client.get(f"/articles/{slug}{query}")
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def _signed_in(app, user):
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def _post(client, slug: str, body: str, **fields) -> int:
    """A guest's comment through the page's form; its id (from the redirect to it)."""
    response = client.post(f"/articles/{slug}/comments", data={**GUEST, "body": body, **fields})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("#comment-", 1)[1])


def _moderate(browser, comment_id: int, action: str, **fields) -> None:
    response = browser.post(f"/moderation/comments/{comment_id}/action", data={"action": action, **fields})
    assert response.status_code == 302


def _edit_link(comment_id: int) -> str:
    return f'href="/comments/{comment_id}/edit"'


def _csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token"[^>]* value="([^"]+)"', html))


def _form_times(html: str) -> set[str]:
    return set(re.findall(rf'name="{checks.TIMESTAMP_FIELD}" value="([^"]+)"', html))


def _untimed(html: str) -> str:
    """The page without its form times, which change by the second."""
    for stamp in _form_times(html):
        html = html.replace(stamp, "")
    return html


def test_write_read_moderate_read_again_through_the_page_on_two_workers(workers):
    first, second = workers
    author, moderator = _user("author", "Ada Author"), _user("moderator", "Mo Moderator")
    slug = create_article(author, "Read twice", "One.\n\nTwo.", published=True).slug
    writer, reader = first.test_client(), second.test_client()
    assert "No comments yet." in _page(reader, slug)
    assert "No comments yet." in _page(reader, slug)  # prepared now, in the second worker

    comment_id = _post(writer, slug, "Frist.")
    html = _page(reader, slug)
    assert "Frist." in html and "1 comment</h2>" in html and "No comments yet." not in html
    assert _untimed(_page(reader, slug)) == _untimed(html)  # read again: the same, prepared or not

    # The writer's own edit in the first worker; the reader in the second never sees the old words.
    edited = writer.post(f"/comments/{comment_id}/edit", data={"body": "First."})
    assert edited.status_code == 302
    html = _page(reader, slug)
    assert "First." in html and "Frist." not in html and "edited</span>" in html

    # A reply, then a moderator's removal of the comment it answers: a placeholder keeps the thread.
    _post(writer, slug, "A reply.", parent_id=str(comment_id))
    assert "A reply." in _page(reader, slug)
    _moderate(_signed_in(first, moderator), comment_id, "trash", reason="abusive")
    html = _page(reader, slug)
    assert "First." not in html and "A reply." in html and "Comment removed." in html

    # Restored by the moderator through the second worker, read back in both.
    _moderate(_signed_in(second, moderator), comment_id, "restore")
    assert "First." in _page(first.test_client(), slug) and "First." in _page(reader, slug)

    # Trashed with no replies left to hold it, it is gone from the page altogether.
    _moderate(_signed_in(second, moderator), comment_id + 1, "trash", reason="abusive")
    _moderate(_signed_in(first, moderator), comment_id, "trash", reason="abusive")
    html = _page(reader, slug)
    assert "First." not in html and "A reply." not in html and "No comments yet." in html


@pytest.mark.parametrize("stranger_first", [True, False])
def test_a_held_comment_shows_to_its_writer_and_to_no_one_else(workers, stranger_first):
    first, second = workers
    for app in workers:
        app.config["MODERATION_HOLD_ALL"] = True
    slug = create_article(_user("author", "Ada Author"), "Held", "One.", published=True).slug
    writer, stranger = second.test_client(), second.test_client()
    _page(stranger, slug)  # the visitors' discussion, prepared before the post
    comment_id = _post(writer, slug, "Hold me.")

    # The writer's page and a stranger's, in either order, from the same worker: neither is served the other's.
    readers = [(stranger, False), (writer, True)]
    for client, mine in readers if stranger_first else readers[::-1]:
        html = _page(client, slug, "")
        shown = re.search(rf'<li class="comment[^"]*" id="comment-{comment_id}">', html) is not None
        assert shown is mine and ("Hold me." in html) is mine and ("Awaiting moderation" in html) is mine
        assert (_edit_link(comment_id) in html) is mine
    assert "Hold me." not in _page(first.test_client(), slug)


def test_edit_and_moderation_controls_appear_only_for_their_owner(workers):
    first, second = workers
    author = _user("author", "Ada Author")
    article = create_article(author, "Owned", "One.", published=True)
    other = create_article(author, "Elsewhere", "One.", published=True)
    slug = article.slug
    # Every viewer reads from the same worker, where the visitors' discussion is prepared first.
    guest = second.test_client()
    guest_id = _post(guest, slug, "Guest words.")
    member = _signed_in(second, _user("reader", "Rae Reader"))
    member_id = _post(member, slug, "Member words.")
    # A guest whose own comment is on another article reads this one as any visitor does.
    elsewhere = second.test_client()
    _post(elsewhere, other.slug, "Somewhere else.")
    host = _signed_in(second, author)

    anonymous = _page(second.test_client(), slug)
    pages = {
        "anonymous": anonymous,
        "guest": _page(guest, slug),
        "member": _page(member, slug),
        "elsewhere": _page(elsewhere, slug),
        "host": _page(host, slug),
        "anonymous again": _page(second.test_client(), slug),
    }
    for name, html in pages.items():
        assert "Guest words." in html and "Member words." in html, name
        assert (_edit_link(guest_id) in html) is (name == "guest"), name
        assert (_edit_link(member_id) in html) is (name == "member"), name
        assert ("Cite in a note" in html) is (name == "host"), name
        assert ("Close comments" in html) is (name == "host"), name
    assert _untimed(pages["anonymous again"]) == _untimed(anonymous)


def test_a_reply_form_is_the_viewers_own_and_not_kept(workers):
    first, _ = workers
    slug = create_article(_user("author", "Ada Author"), "Replies", "One.", published=True).slug
    comment_id = _post(first.test_client(), slug, "Answer me.")
    reader = first.test_client()
    plain = _page(reader, slug)
    replying = _page(reader, slug, f"?reply_to={comment_id}")
    assert f'id="reply-{comment_id}"' in replying and f'id="reply-{comment_id}"' not in plain
    assert f'id="reply-{comment_id}"' not in _page(first.test_client(), slug)


def _with_forms(workers, monkeypatch, title: str) -> tuple[str, SimpleNamespace]:
    """CSRF tokens on in both workers, an article to read, and a clock for the forms' signed times (set its
    `value`); the article's slug and the clock."""
    for app in workers:
        app.config["WTF_CSRF_ENABLED"] = True
    slug = create_article(_user("author", "Ada Author"), title, "One.", published=True).slug
    clock = SimpleNamespace(value=1_900_000_000.0)
    monkeypatch.setattr(checks, "time", SimpleNamespace(time=lambda: clock.value))
    return slug, clock


def test_no_form_token_or_form_time_passes_from_one_viewer_to_another(workers, monkeypatch):
    first, second = workers
    slug, now = _with_forms(workers, monkeypatch, "Tokens")
    one, two = first.test_client(), first.test_client()
    page_one = _page(one, slug)
    now.value += 5
    page_two = _page(two, slug)
    tokens_one, tokens_two = _csrf_tokens(page_one), _csrf_tokens(page_two)
    assert len(tokens_one) == 1 and len(tokens_two) == 1 and tokens_one != tokens_two
    times_one, times_two = _form_times(page_one), _form_times(page_two)
    assert len(times_one) == 1 and times_one != times_two
    assert checks._signer().loads(next(iter(times_two))) == now.value  # made for this request, not kept

    # Each page's form works for its own viewer: the token belongs to their session.
    (token,) = tokens_two
    response = two.post(
        f"/articles/{slug}/comments",
        data={**GUEST, "body": "Mine.", "csrf_token": token, checks.TIMESTAMP_FIELD: times_two.pop()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # And a third viewer, served the discussion as prepared at the new version, gets a token of their own.
    three = second.test_client()
    page_three = _page(three, slug)
    assert "Mine." in page_three and _csrf_tokens(page_three).isdisjoint(tokens_one | tokens_two)


def test_a_visitors_copy_is_revalidated_with_a_weak_etag_and_never_shared(workers, monkeypatch):
    first, _ = workers
    slug, clock = _with_forms(workers, monkeypatch, "Tagged")
    monkeypatch.setattr(article_page, "time", SimpleNamespace(time=lambda: clock.value))
    client = first.test_client()
    url = f"/articles/{slug}"

    response = client.get(url)
    etag = response.headers["ETag"]
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert response.status_code == 200 and etag.startswith('W/"')
    assert cache_control == {"private", "no-cache"}  # the page holds the viewer's CSRF token: never a shared cache's
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""

    # Another browser's session signs its tokens with another secret: it gets its own page, not a 304.
    assert first.test_client().get(url, headers={"If-None-Match": etag}).status_code == 200

    # A quarter of the forms' lifetime later, the copy's tokens are too old to revalidate.
    clock.value += 6 * 3600
    later = client.get(url, headers={"If-None-Match": etag})
    assert later.status_code == 200 and later.headers["ETag"] != etag
    etag = later.headers["ETag"]

    # A new comment changes the page.
    token = _csrf_tokens(later.get_data(as_text=True)).pop()
    writer = first.test_client()
    writer_token = _csrf_tokens(_page(writer, slug)).pop()
    assert writer_token != token
    new_id = _post(writer, slug, "New here.", csrf_token=writer_token)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "New here." in changed.get_data(as_text=True)

    # With a reply form in the discussion (tokens inside it too), the copy is still recognised.
    replying = client.get(f"{url}?reply_to={new_id}")
    assert f'id="reply-{new_id}"' in replying.get_data(as_text=True)
    clock.value += 1  # a form time of its own
    assert (
        client.get(f"{url}?reply_to={new_id}", headers={"If-None-Match": replying.headers["ETag"]}).status_code == 304
    )

    # The viewer's own post: their page shows it and the flash saying so, not a 304.
    posted = client.post(url + "/comments", data={**GUEST, "body": "And me.", "csrf_token": token})
    assert posted.status_code == 302
    etag = changed.headers["ETag"]
    landing = client.get(url, headers={"If-None-Match": etag})
    assert landing.status_code == 200 and "Your comment is published." in landing.get_data(as_text=True)


def _discussion_of(author, title: str, comments: int):
    article = create_article(author, title, "One.", published=True)
    for _ in range(comments // 10):
        make_chain(article, 9)  # threads of ten comments: 6 or 60 of them
    return article


def test_a_repeat_visit_costs_the_same_few_queries_however_long_the_discussion(workers, count_queries_on):
    first, _ = workers
    author = _user("author", "Ada Author")
    small, large = _discussion_of(author, "Short", 60), _discussion_of(author, "Long", 600)
    client = first.test_client()
    counts = {}
    for article in (small, large):
        with count_queries_on(first) as preparing:
            html = _page(client, article.slug)
        shown = html.count('<li class="comment"')
        assert shown == 60 if article is small else shown > 60
        with count_queries_on(first) as counted:
            assert _untimed(_page(client, article.slug)) == _untimed(html)
        counts[article.title] = counted.n
        assert counted.n < preparing.n
    assert counts["Short"] == counts["Long"] <= 4  # the article, the settings, its notes, its requests
