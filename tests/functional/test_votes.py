"""Helpful votes, the "best" order and pinned comments through HTTP: the API and the article page without JavaScript."""

import re

from app.services import accounts
from app.services.articles import create_article
from tests.conftest import PASSWORD
from tests.factories import api_comment

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}


def _from(network: str) -> dict:
    return {"REMOTE_ADDR": network}


def _listing(client, slug: str, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/articles/{slug}/comments{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["comments"]


def test_the_votes_api_counts_once_per_reader_and_network(app, make_article):
    article = make_article()
    writer = app.test_client()
    comment = api_comment(writer, article, "Helpful words.")
    reader = app.test_client()
    reader.environ_base.update(_from("198.51.100.7"))

    voted = reader.post(f"/api/v1/comments/{comment}/votes", json={})
    assert voted.status_code == 201, voted.get_json()
    assert voted.get_json() == {"comment_id": comment, "votes": 1, "voted": True}
    assert "aw_reader=" in voted.headers.get("Set-Cookie", "")
    again = reader.post(f"/api/v1/comments/{comment}/votes", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_voted"

    neighbour = app.test_client()  # another browser on the same network: stored, not counted
    neighbour.environ_base.update(_from("198.51.100.8"))
    assert neighbour.post(f"/api/v1/comments/{comment}/votes", json={}).get_json()["votes"] == 1
    elsewhere = app.test_client()
    elsewhere.environ_base.update(_from("203.0.113.9"))
    assert elsewhere.post(f"/api/v1/comments/{comment}/votes", json={}).get_json()["votes"] == 2
    assert _listing(app.test_client(), article.slug)[0]["votes"] == 2

    taken = elsewhere.delete(f"/api/v1/comments/{comment}/votes")
    assert taken.status_code == 200 and taken.get_json() == {"comment_id": comment, "votes": 1, "voted": False}
    missing = elsewhere.delete(f"/api/v1/comments/{comment}/votes")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_vote"


def test_the_votes_api_refuses_clearly_and_changes_nothing(app, make_article, make_user, token_for):
    article = make_article()
    writer = app.test_client()
    comment = api_comment(writer, article, "My own words.")
    own = writer.post(f"/api/v1/comments/{comment}/votes", json={})
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "own_comment"
    assert app.test_client().post(f"/api/v1/comments/{comment}/votes", data="x").status_code == 415
    assert app.test_client().post("/api/v1/comments/999999/votes", json={}).status_code == 404
    member = make_user()
    by_token = app.test_client().post(f"/api/v1/comments/{comment}/votes", json={}, headers=token_for(member))
    assert by_token.status_code == 201
    moderator = make_user("moderator")
    trashed = app.test_client().post(
        f"/api/v1/moderation/comments/{comment}",
        json={"action": "trash", "reason": "spam"},
        headers=token_for(moderator),
    )
    assert trashed.status_code == 200 and trashed.get_json()["comment"]["votes"] == 0  # removed: no count shows
    gone = app.test_client().post(f"/api/v1/comments/{comment}/votes", json={}, headers=token_for(make_user()))
    assert gone.status_code == 404
    bad = app.test_client().get(f"/api/v1/articles/{article.slug}/comments?order=loudest")
    assert bad.status_code in (400, 422) and bad.get_json()["error"]["code"]


def test_order_best_and_a_pin_read_the_same_through_two_workers(workers):
    first, second = workers
    author = accounts.create_user(
        "ada@example.org", "Ada Author", PASSWORD, "author", hash_method="pbkdf2:sha256:1000", min_length=8
    )
    article = create_article(author, "Ranked", "One.\n\nTwo.", published=True)
    slug = article.slug
    token = {"Authorization": f"Bearer {accounts.create_api_token(author, 'tests')}"}
    writer = first.test_client()
    older = api_comment(writer, article, "Older and useful.")
    newer = api_comment(writer, article, "Newer.")
    reader = second.test_client()
    assert [c["id"] for c in _listing(reader, slug, "?order=best")] == [newer, older]
    for n in range(3):
        voter = first.test_client()
        voter.environ_base.update(_from(f"198.51.{n}.1"))
        assert voter.post(f"/api/v1/comments/{older}/votes", json={}).status_code == 201
    best = _listing(reader, slug, "?order=best")
    assert [(c["id"], c["votes"]) for c in best] == [(older, 3), (newer, 0)]
    page = second.test_client().get(f"/articles/{slug}?order=best").get_data(as_text=True)
    assert page.index("Older and useful.") < page.index("Newer.")
    assert "3 people found this helpful" in page

    pinned = first.test_client().post(f"/api/v1/comments/{newer}/pin", json={}, headers=token)
    assert pinned.status_code == 200 and pinned.get_json()["pinned_comment_id"] == newer
    for order in ("oldest", "newest", "best"):
        (top, _) = _listing(reader, slug, f"?order={order}")
        assert (top["id"], top["pinned"], top["pinned_by"]) == (newer, True, "author")
    article = reader.get(f"/api/v1/articles/{slug}").get_json()["article"]
    assert article["pinned_comment_id"] == newer
    assert "Pinned by the author" in second.test_client().get(f"/articles/{slug}").get_data(as_text=True)


def test_pin_api_is_for_the_author_and_moderators(app, make_article, make_user, token_for):
    article = make_article()
    comment = api_comment(app.test_client(), article, "Pin me.")
    reply = api_comment(app.test_client(), article, "A reply.", parent_id=comment, name="Rory", email="r@example.org")
    url = f"/api/v1/comments/{comment}/pin"
    assert app.test_client().post(url, json={}).status_code == 401
    refused = app.test_client().post(url, json={}, headers=token_for(make_user()))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    not_top = app.test_client().post(f"/api/v1/comments/{reply}/pin", json={}, headers=token_for(article.author))
    assert not_top.status_code == 409 and not_top.get_json()["error"]["code"] == "not_pinnable"
    by_moderator = app.test_client().post(url, json={}, headers=token_for(make_user("moderator")))
    assert by_moderator.get_json()["comment"]["pinned_by"] == "moderator"
    unpinned = app.test_client().delete(url, headers=token_for(article.author))
    assert unpinned.status_code == 200 and unpinned.get_json()["pinned_comment_id"] is None
    assert app.test_client().delete(url, headers=token_for(article.author)).status_code == 404


def _vote_form(page: str, comment_id: int) -> str:
    match = re.search(rf'<form class="vote-form"[^>]*comments/{comment_id}/vote.*?</form>', page, re.S)
    assert match, "no Helpful form"
    return match.group(0)


def test_the_helpful_button_works_without_javascript(app, make_article):
    article = make_article()
    comment = api_comment(app.test_client(), article, "Worth reading.")
    reader = app.test_client()
    page = reader.get(f"/articles/{article.slug}").get_data(as_text=True)
    form = _vote_form(page, comment)
    assert 'aria-pressed="false"' in form and "0 people found this helpful" in form

    answer = reader.post(f"/comments/{comment}/vote", data={"take_back": ""})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"#comment-{comment}")
    page = reader.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Marked helpful" in page
    form = _vote_form(page, comment)
    assert 'aria-pressed="true"' in form and "1 person found this helpful" in form
    assert 'name="take_back" value="1"' in form

    # A visitor who never voted reads the shared page: the count, not the reader's pressed button.
    other = app.test_client().get(f"/articles/{article.slug}").get_data(as_text=True)
    assert 'aria-pressed="false"' in _vote_form(other, comment) and "1 person found this helpful" in other

    again = reader.post(f"/comments/{comment}/vote", data={"take_back": "1"}, follow_redirects=True)
    form = _vote_form(again.get_data(as_text=True), comment)
    assert 'aria-pressed="false"' in form and "0 people found this helpful" in form
    scripted = reader.post(f"/comments/{comment}/vote", data={}, headers={"Accept": "application/json"})
    assert scripted.get_json() == {"votes": 1, "voted": True, "message": "Marked helpful. Thank you."}


def test_the_page_orders_by_best_and_shows_pin_buttons_to_the_author_only(app, client, make_article, make_user, login):
    article = make_article()
    comment = api_comment(app.test_client(), article, "First.")
    api_comment(app.test_client(), article, "Second.")
    page = app.test_client().get(f"/articles/{article.slug}").get_data(as_text=True)
    assert f'href="/articles/{article.slug}?order=best#comments">Best</a>' in page
    assert "Pin to top" not in page
    best = app.test_client().get(f"/articles/{article.slug}?order=best").get_data(as_text=True)
    assert '<strong aria-current="true">Best</strong>' in best

    login(make_user())
    assert "Pin to top" not in client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert client.post(f"/comments/{comment}/pin", data={"action": "pin"}).status_code == 403
    client.post("/logout")
    login(article.author)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Pin to top" in page
    answer = client.post(f"/comments/{comment}/pin", data={"action": "pin"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Pinned by the author" in page and "Unpin" in page
    anonymous = app.test_client().get(f"/articles/{article.slug}?order=newest").get_data(as_text=True)
    assert anonymous.index("First.") < anonymous.index("Second.") and "Unpin" not in anonymous


def test_votes_are_rate_limited_per_network(app_with):
    with app_with(RATELIMIT_ENABLED=True, VOTE_LIMIT="2 per minute") as limited:
        author = accounts.create_user(
            "dana@example.org", "Dana Reyes", PASSWORD, "author", hash_method="pbkdf2:sha256:1000", min_length=8
        )
        article = create_article(author, "Limited", "One.", published=True)
        comment = api_comment(limited.test_client(), article, "Vote on me.")
        reader = limited.test_client()
        url = f"/api/v1/comments/{comment}/votes"
        assert reader.post(url, json={}).status_code == 201
        assert reader.delete(url).status_code == 200
        refused = reader.post(url, json={})
        assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
        assert refused.headers.get("Retry-After")
        page = limited.test_client().post(f"/comments/{comment}/vote", data={}, headers={"Accept": "application/json"})
        assert page.status_code == 429 and page.get_json()["error"]["code"] == "rate_limited"
        assert _listing(limited.test_client(), article.slug)[0]["votes"] == 0
