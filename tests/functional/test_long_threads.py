"""A thread of any length costs a reader what they asked for: the article page shows a bounded part of each
thread and links to the rest, the thread's own pages walk it a slice at a time, the API does the same, and
the number of queries does not grow with the thread (README, docs/api.md, bench/pathological_thread.py)."""

import html
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment
from app.services import moderation
from app.services.comments import Writer, post_comment
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import make_chain, make_comment
from tests.functional.test_comment_pages import _page

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _link(page: str, pattern: str) -> str | None:
    """The href of the first link whose markup matches `pattern` (entities decoded)."""
    found = re.search(pattern, page, re.S)
    return html.unescape(found.group(1)) if found else None


def _continue(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'<p class="comment__more">\s*<a href="([^"]+)"', page)]


def _later(page: str) -> str | None:
    return _link(page, r'<a rel="next" href="([^"]+)">Later replies')


def _earlier(page: str) -> str | None:
    return _link(page, r'<a rel="prev" href="([^"]+)">Earlier replies')


def _walk(comments):
    for comment in comments:
        yield comment
        yield from _walk(comment["replies"])


def _rest_of_thread(client, url: str | None) -> list[int]:
    """The replies on a thread's pages from `url` on, following its Later replies links."""
    seen: list[int] = []
    while url:
        page = _get(client, url)
        seen += _page(page).order[1:]
        url = _later(page)
    return seen


# --- the article page and the thread's pages ---------------------------------------------------


def test_a_long_thread_shows_its_first_replies_and_its_pages_reach_every_reply(app_with, make_article):
    with app_with(COMMENT_REPLIES_PER_PAGE=5) as app:
        article = make_article()
        chain = make_chain(article, 23)
        other = make_comment(article, "A thread of its own.")
        client = app.test_client()

        first = _get(client, f"/articles/{article.slug}")
        shown = _page(first)
        assert shown.order == chain[:6] + [other.id]  # the thread's first comment and its first 5 replies
        (more,) = _continue(first)
        assert more == f"/articles/{article.slug}?thread={chain[0]}&after={chain[5]}#comment-{chain[0]}"
        assert "Continue this thread (18 more replies)" in first

        seen, url, pages = [], more, 0
        while url:
            page = _get(client, url)
            ids = _page(page).order
            assert ids[0] == chain[0] and len(ids) <= 6 and other.id not in ids
            seen += ids[1:]
            assert _earlier(page) is not None and "All threads" in page
            url, pages = _later(page), pages + 1
        assert seen == chain[6:] and pages == 4

        # And back from the last page, the earlier links cover the rest of the thread, down to its start.
        last_first = _page(page).order[1]
        back, url = [], _earlier(page)
        while url:
            page = _get(client, url)
            back = _page(page).order[1:] + back
            url = _earlier(page)
        assert back == chain[1 : chain.index(last_first)]
        assert _later(page) is not None


def test_the_page_and_the_api_stay_small_whatever_the_thread(app, make_article):
    article = make_article()
    chain = make_chain(article, 2000)
    client = app.test_client()

    page = _get(client, f"/articles/{article.slug}")
    assert len(page.encode()) < 200_000 and len(_page(page).order) == 51
    assert "Continue this thread (1,950 more replies)" in page
    middle = _get(client, f"/articles/{article.slug}?thread={chain[0]}&after={chain[1000]}")
    assert len(middle.encode()) < 200_000 and _page(middle).order == [chain[0], *chain[1001:1051]]

    listing = client.get(f"/api/v1/articles/{article.slug}/comments?per_page=1").get_json()
    (thread,) = listing["comments"]
    assert len(list(_walk([thread]))) == 51 and thread["more_replies"] == 1950
    assert thread["more_replies_url"] == f"/api/v1/articles/{article.slug}/comments?thread={chain[0]}&after={chain[50]}"
    assert len(client.get(f"/api/v1/articles/{article.slug}/comments?per_page=1").get_data()) < 100_000


def test_the_api_walks_a_thread_with_its_links(app_with, make_article):
    with app_with(COMMENT_REPLIES_PER_PAGE=7) as app:
        article = make_article()
        chain = make_chain(article, 30)
        client = app.test_client()
        (thread,) = client.get(f"/api/v1/articles/{article.slug}/comments").get_json()["comments"]
        seen = [c["id"] for c in _walk(thread["replies"])]
        url = thread["more_replies_url"]
        while url:
            answer = client.get(url).get_json()
            assert answer["thread"] == chain[0] and answer["next_page"] is None
            (root,) = answer["comments"]
            assert root["id"] == chain[0]
            seen += [c["id"] for c in _walk(root["replies"])]
            last, url = answer, answer["later_replies_url"]
        assert seen == chain[1:]
        assert last["earlier_replies_url"] is not None and last["later_replies_url"] is None
        earlier = client.get(last["earlier_replies_url"]).get_json()
        assert [c["id"] for c in _walk(earlier["comments"][0]["replies"])] == chain[22:29]


def test_a_page_holds_a_bounded_number_of_comments_however_many_threads_are_long(app_with, make_article):
    with app_with(COMMENT_REPLIES_PER_PAGE=5, COMMENTS_PAGE_LIMIT=12) as app:
        article = make_article()
        chains = [make_chain(article, 6, minutes_ago=60 - n) for n in range(4)]
        client = app.test_client()
        page = _get(client, f"/articles/{article.slug}")
        shown = _page(page).order
        assert len(shown) == 12
        assert shown == chains[0][:6] + chains[1][:4] + [chains[2][0], chains[3][0]]
        links = _continue(page)
        assert len(links) == 4
        assert f"thread={chains[2][0]}#" in links[2]  # nothing of it shown yet: from its start
        for chain, link in zip(chains, links, strict=True):
            assert [cid for cid in shown if cid in chain] + _rest_of_thread(client, link) == chain


def test_a_removed_reply_inside_a_long_thread_keeps_its_place(app_with, make_article, make_user):
    with app_with(COMMENT_REPLIES_PER_PAGE=5) as app:
        article = make_article()
        chain = make_chain(article, 20)
        removed, answer = db.session.get(Comment, chain[12]), chain[13]
        moderation.apply(removed, "trash", make_user("moderator"), "abusive")
        page = _page(_get(app.test_client(), f"/articles/{article.slug}?thread={chain[0]}&after={chain[10]}"))
        assert page.text[chain[12]] == "Comment removed." and answer in page.order
        assert "in reply to a removed comment" in page.text[answer]
        # The reply after a page's last one says what it answers, with a link to it.
        later = _get(app.test_client(), f"/articles/{article.slug}?thread={chain[0]}&after={chain[15]}")
        assert f'href="/comments/{chain[15]}"' in later


def test_a_permalink_and_a_new_reply_land_on_a_page_that_shows_them(app, make_article):
    article = make_article()
    chain = make_chain(article, 300)
    client = app.test_client()
    response = client.get(f"/comments/{chain[200]}")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert target == f"/articles/{article.slug}?thread={chain[0]}&after={chain[199]}#comment-{chain[200]}"
    assert _page(_get(client, target)).order[:2] == [chain[0], chain[200]]
    # Early replies are on the article page itself.
    assert client.get(f"/comments/{chain[3]}").headers["Location"] == f"/articles/{article.slug}#comment-{chain[3]}"

    # A reply to the last link is posted from the thread's page and shown on the page it lands on.
    reply_page = _get(client, f"/articles/{article.slug}?thread={chain[0]}&after={chain[280]}&reply_to={chain[-1]}")
    assert f'id="reply-{chain[-1]}"' in reply_page
    posted = client.post(
        f"/articles/{article.slug}/comments", data={**GUEST, "body": "The last word.", "parent_id": chain[-1]}
    )
    assert posted.status_code == 302
    new_id = db.session.scalar(select(func.max(Comment.id)))
    landing = _page(_get(client, posted.headers["Location"]))
    assert new_id in landing.order and "The last word." in landing.text[new_id]


def test_a_writer_finds_their_held_reply_deep_in_a_long_thread(app, make_article):
    article = make_article()
    chain = make_chain(article, 120)
    writer = app.test_client()
    posted = writer.post(
        f"/articles/{article.slug}/comments",
        data={**GUEST, "body": "Held at the end.", "parent_id": chain[-1]},
    )
    assert posted.status_code == 302
    held = db.session.scalar(select(func.max(Comment.id)))
    moderation.apply(db.session.get(Comment, held), "spam", None)  # to its writer: still awaiting moderation
    target = writer.get(f"/comments/{held}").headers["Location"]
    assert f"thread={chain[0]}&after=" in target
    mine = _page(_get(writer, target))
    assert held in mine.order and "Awaiting moderation" in mine.text[held]
    assert held not in _page(_get(app.test_client(), target)).order


def test_a_thread_page_keeps_its_place_for_the_reply_form(app_with, make_article):
    with app_with(COMMENT_REPLIES_PER_PAGE=5) as app:
        article = make_article()
        chain = make_chain(article, 12)
        client = app.test_client()
        url = f"/articles/{article.slug}?thread={chain[0]}&after={chain[5]}"
        page = _get(client, url)
        reply = _link(page, rf'<a class="comment__reply" data-reply-to="{chain[8]}" href="([^"]+)"')
        assert (
            reply == f"/articles/{article.slug}?reply_to={chain[8]}&thread={chain[0]}&after={chain[5]}#reply-{chain[8]}"
        )
        with_form = _page(_get(client, reply))
        assert with_form.forms[f"reply-{chain[8]}"]["inside"] == chain[8]


@pytest.mark.parametrize("query", ["thread=abc", "thread=0", "thread=99999999999999999999", "thread={reply}"])
def test_a_thread_that_is_not_there_is_a_404(app, make_article, query):
    article = make_article()
    chain = make_chain(article, 3)
    url = f"/articles/{article.slug}?" + query.format(reply=chain[2])
    assert app.test_client().get(url).status_code == 404


def test_another_articles_thread_is_a_404_and_the_api_checks_its_arguments(app, make_article):
    article, other = make_article(), make_article()
    chain = make_chain(other, 3)
    client = app.test_client()
    assert client.get(f"/articles/{article.slug}?thread={chain[0]}").status_code == 404
    api = f"/api/v1/articles/{article.slug}/comments"
    assert client.get(f"{api}?thread={chain[0]}").status_code == 404
    assert client.get(f"/api/v1/articles/{other.slug}/comments?thread={chain[1]}").status_code == 404
    assert client.get(f"{api}?thread=99999999999999999999").status_code == 422
    # Cursors mean something only within a thread: without one they are ignored, and `after` wins over `before`
    # (the OpenAPI document cannot state rules between query parameters, so none is refused for one).
    listing = client.get(f"/api/v1/articles/{other.slug}/comments").get_json()
    assert client.get(f"/api/v1/articles/{other.slug}/comments?after=3&before=2").get_json() == listing
    both = client.get(f"/api/v1/articles/{other.slug}/comments?thread={chain[0]}&after={chain[1]}&before={chain[1]}")
    only_after = client.get(f"/api/v1/articles/{other.slug}/comments?thread={chain[0]}&after={chain[1]}")
    assert both.status_code == 200
    assert both.get_json() == only_after.get_json()
    assert only_after.get_json()["thread"] == chain[0]


# --- queries -----------------------------------------------------------------------------------


def _held_reply(article, parent_id: int, user) -> Comment:
    return post_comment(article, Writer(user=user), "Mine, held.", CommentRules(hold_all=True), parent_id=parent_id)


def test_queries_do_not_grow_with_the_thread(app, make_article, make_user, count_queries):
    reader = make_user("reader")
    client = app.test_client()
    signed_in = app.test_client()
    assert signed_in.post("/login", data={"email": reader.email, "password": PASSWORD}).status_code == 302
    counts = {}
    for size in (60, 1500):
        article = make_article()
        chain = make_chain(article, size)
        _held_reply(article, chain[-1], reader)
        urls = [
            (client, f"/articles/{article.slug}"),
            (client, f"/articles/{article.slug}?thread={chain[0]}&after={chain[55]}"),
            (client, f"/articles/{article.slug}?thread={chain[0]}&before={chain[55]}"),
            (client, f"/api/v1/articles/{article.slug}/comments?per_page=1"),
            (client, f"/api/v1/articles/{article.slug}/comments?thread={chain[0]}&after={chain[55]}"),
            (signed_in, f"/articles/{article.slug}"),
            (signed_in, f"/articles/{article.slug}?thread={chain[0]}&after={chain[55]}"),
            (client, f"/comments/{chain[-1]}"),
        ]
        for browser, url in urls:
            browser.get(url)  # caches (settings, the signed-in user's token) are warm from here on
        counts[size] = []
        for browser, url in urls:
            db.session.remove()  # each request starts with an empty session, as it does when served
            with count_queries() as counted:
                response = browser.get(url)
            assert response.status_code in {200, 302}, url
            counts[size].append(counted.n)
    assert counts[60] == counts[1500]
    page, continuation, earlier, api, api_thread, *_ = counts[1500]
    assert page <= 6 and continuation <= 8 and earlier <= 8 and api <= 5 and api_thread <= 6


def test_absurd_page_numbers_and_ids_are_answered_not_crashed_on(app, make_article):
    article = make_article()
    chain = make_chain(article, 3)
    client = app.test_client()
    # A page or an id no database can hold names nothing: 404 on a page, 422 naming the argument in the API.
    assert client.get(f"/articles/{article.slug}?page=-5").status_code == 200
    for query in ("page=99999999999999999999", f"thread={chain[0]}&after=99999999999999999999"):
        assert client.get(f"/articles/{article.slug}?{query}").status_code == 404, query
    api = f"/api/v1/articles/{article.slug}/comments"
    assert client.get(f"{api}?per_page=1000&page=2147483647").get_json()["comments"] == []
    assert client.get(f"{api}?per_page=1000&page=99999999999999999999").status_code == 422
    assert client.get(f"{api}?thread=99999999999999999999").status_code == 422
