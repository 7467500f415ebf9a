"""Thread readings kept as bytes per discussion version (app/caching.py, app/models/discussion.py): never stale.

Two apps on one database stand for two worker processes: each keeps its own readings and its own sessions, as
gunicorn's workers do. Whatever one of them changes — a new comment, a writer's edit, a moderator's removal, a
note citing a comment, a commenter's new role, a purge — the other reads at once, through the API and the page.
"""

from datetime import timedelta

from sqlalchemy import select

from app.caching import Readings
from app.extensions import db
from app.models import Article, Comment, CommentStatus
from app.services import accounts, moderation, notes
from app.services.articles import create_article
from tests.conftest import PASSWORD

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}


def _user(role: str, name: str):
    return accounts.create_user(
        f"{name.split()[0].lower()}@example.org", name, PASSWORD, role, hash_method="pbkdf2:sha256:1000", min_length=8
    )


def _token(user) -> dict:
    return {"Authorization": f"Bearer {accounts.create_api_token(user, 'tests')}"}


def _listing(client, slug: str, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/articles/{slug}/comments{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["comments"]


def _post(client, slug: str, body: str, **fields) -> dict:
    response = client.post(f"/api/v1/articles/{slug}/comments", json={**GUEST, "body": body, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_what_one_worker_changes_the_other_reads_at_once(workers):
    first, second = workers
    author, moderator = _user("author", "Ada Author"), _user("moderator", "Mo Moderator")
    slug = create_article(author, "Read twice", "One.\n\nTwo.", published=True).slug
    writer, reader = first.test_client(), second.test_client()
    assert _listing(reader, slug) == []

    created = _post(writer, slug, "Frist.")
    comment_id, edit_token = created["comment"]["id"], created["edit_token"]
    assert [c["body_html"] for c in _listing(reader, slug)] == ["<p>Frist.</p>\n"]
    assert _listing(reader, slug) == _listing(reader, slug)  # read again: the same, whichever way it is made

    # The writer's own edit, then the reader in the other worker: never the old words.
    edited = writer.patch(
        f"/api/v1/comments/{comment_id}", json={"body": "First."}, headers={"X-Edit-Token": edit_token}
    )
    assert edited.status_code == 200
    assert [c["body_html"] for c in _listing(reader, slug)] == ["<p>First.</p>\n"]
    assert "First." in second.test_client().get(f"/articles/{slug}").get_data(as_text=True)

    # A reply, then a moderator's removal of the comment it answers: a placeholder keeps the thread.
    _post(writer, slug, "A reply.", parent_id=comment_id)
    assert [c["removed"] for c in _listing(reader, slug)] == [False]
    acted = writer.post(
        f"/api/v1/moderation/comments/{comment_id}",
        json={"action": "trash", "reason": "abusive"},
        headers=_token(moderator),
    )
    assert acted.status_code == 200, acted.get_json()
    (thread,) = _listing(reader, slug)
    assert thread["removed"] and thread["body_html"] == "" and len(thread["replies"]) == 1
    page = second.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    assert "First." not in page and "A reply." in page

    # Restored by the moderator in the other worker, read back in the first.
    acted = reader.post(
        f"/api/v1/moderation/comments/{comment_id}", json={"action": "restore"}, headers=_token(moderator)
    )
    assert acted.status_code == 200, acted.get_json()
    assert _listing(writer, slug)[0]["body_html"] == "<p>First.</p>\n"


def test_a_note_citing_a_comment_and_a_new_role_show_at_once(workers):
    first, second = workers
    author = _user("author", "Ada Author")
    article = create_article(author, "Cited", "One.\n\nTwo.", published=True)
    slug = article.slug
    reader = second.test_client()
    signed = first.test_client()
    response = signed.post(
        f"/api/v1/articles/{slug}/comments", json={"body": "Signed."}, headers=_token(_user("reader", "Rae Reader"))
    )
    assert response.status_code == 201, response.get_json()
    (before,) = _listing(reader, slug)
    assert before["led_to"] == [] and before["author"]["badge"] is None

    note = notes.add_note(article, author, "correction", "Fixed.", prompted_by=[before["id"]])
    assert _listing(reader, slug)[0]["led_to"] == [note.id]

    accounts.set_role(accounts.find_user_by_email("rae@example.org"), "moderator")
    assert _listing(reader, slug)[0]["author"]["badge"] == "Moderator"


def test_a_purge_moves_the_version_though_it_bypasses_the_session(workers):
    first, second = workers
    author = _user("author", "Ada Author")
    article = create_article(author, "Purged", "One.", published=True)
    reader = second.test_client()
    comment_id = _post(first.test_client(), article.slug, "Going soon.")["comment"]["id"]
    assert len(_listing(reader, article.slug)) == 1

    version = db.session.scalar(select(Article.discussion_version).where(Article.id == article.id))
    comment = db.session.get(Comment, comment_id)
    moderation.apply(comment, "trash", _user("moderator", "Mo Moderator"), "spam")
    assert _listing(reader, article.slug) == []
    assert moderation.purge(CommentStatus.trash, timedelta(0), actor_label="tests").deleted == 1
    assert db.session.scalar(select(Article.discussion_version).where(Article.id == article.id)) > version + 1


def test_a_reader_who_has_the_thread_gets_304_until_it_changes(workers):
    first, _ = workers
    article = create_article(_user("author", "Ada Author"), "Kept", "One.", published=True)
    client = first.test_client()
    url = f"/api/v1/articles/{article.slug}/comments"
    _post(client, article.slug, "One comment.")

    response = client.get(url)
    etag = response.headers["ETag"]
    assert response.status_code == 200 and etag
    assert {"public", "no-cache"} <= {part.strip() for part in response.headers["Cache-Control"].split(",")}
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # The tag is a digest of the bytes: the same reading asked for another way has the same tag.
    assert client.get(url + "?per_page=1").headers["ETag"] == etag

    _post(client, article.slug, "Another comment.")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.get_json()["comments"]) == 2


def test_reading_again_is_one_query_and_a_change_rebuilds_it(workers, count_queries_on):
    first, _ = workers
    article = create_article(_user("author", "Ada Author"), "Counted", "One.", published=True)
    client = first.test_client()
    for number in range(5):
        _post(client, article.slug, f"Comment {number}.")
    url = f"/api/v1/articles/{article.slug}/comments"
    client.get(url)
    with count_queries_on(first) as counted:
        assert client.get(url).status_code == 200
    assert counted.n == 1  # the article, with its discussion version
    _post(client, article.slug, "One more.")
    with count_queries_on(first) as counted:
        assert len(client.get(url).get_json()["comments"]) == 6
    assert counted.n > 1


def test_readings_keep_within_their_bytes_least_recently_read_first_out():
    store = Readings(max_bytes=10)
    store.put("a", 1, b"aaaa", "ta", "application/json")
    store.put("b", 1, b"bbbb", "tb", "application/json")
    assert store.get("a", 1) == (b"aaaa", "ta", "application/json")  # a is now the most recently read
    store.put("c", 1, b"cccc", "tc", "application/json")
    assert store.get("b", 1) is None and store.get("a", 1) is not None and store.get("c", 1) is not None
    assert store.size == 8 and len(store) == 2
    store.put("huge", 1, b"x" * 11, "tx", "application/json")  # larger than the whole store: never kept
    assert store.get("huge", 1) is None and store.size == 8
    assert (store.hits, store.misses) == (3, 2)


def test_a_newer_version_replaces_the_reading_it_supersedes():
    store = Readings(max_bytes=100)
    store.put("a", 1, b"old!", "t1", "application/json")
    store.put("b", 1, b"bbbb", "tb", "application/json")
    assert store.get("a", 2) is None  # asked for at a newer version: prepared afresh
    store.put("a", 2, b"newer", "t2", "application/json")
    assert store.get("a", 2) == (b"newer", "t2", "application/json")
    assert store.get("a", 1) is None
    assert store.size == 9 and len(store) == 2  # the old bytes are gone, not waiting their turn to leave
    store.put("a", 3, b"x" * 101, "t3", "application/json")  # too big to keep: the stale one still goes
    assert len(store) == 1 and store.size == 4


def test_with_no_bytes_allowed_every_reading_is_made_afresh(app_with, count_queries_on):
    with app_with(THREAD_CACHE_BYTES=0) as app:
        article = create_article(_user("author", "Ada Author"), "Fresh", "One.", published=True)
        client = app.test_client()
        _post(client, article.slug, "A comment.")
        url = f"/api/v1/articles/{article.slug}/comments"
        first = client.get(url)
        with count_queries_on(app) as counted:
            again = client.get(url)
        assert counted.n > 1 and again.get_data() == first.get_data()
        assert again.headers["ETag"] == first.headers["ETag"]
