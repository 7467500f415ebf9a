"""/api/v1 notes through HTTP: adding, amending and retracting them, who may, and `led_to` on comments."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommentStatus, Note, NoteKind, NoteRevision, OutboxMessage
from app.models.types import utcnow
from app.services import notes
from app.services.comments import refresh_comment_count
from tests.factories import api_comment
from tests.unit.test_markdown import active_parts

GUEST = {"name": "Gail Guest", "email": "gail@example.org"}
BODY = "The limit is around $10,000.\n\nIt applies in every state.\n\nAsk a clerk."
NOTE_KEYS = {
    "id",
    "kind",
    "body_html",
    "signature",
    "author",
    "created_at",
    "paragraph",
    "prompted_by",
    "retracted",
    "revisions",
}
# Allowed besides the contract's fields; nothing else may appear (an email field, say).
EXTRA_NOTE_KEYS = {"amended_at", "paragraph_lost", "retracted_at", "retracted_reason"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _notes_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/notes"


def _add(client, article, headers, **fields):
    payload = {"kind": "correction", "body": "The limit is **$5,000**.", **fields}
    return client.post(_notes_url(article), json=payload, headers=headers)


def _added(response) -> dict:
    assert response.status_code == 201, response.get_json()
    payload = response.get_json()
    assert set(payload) == {"note"}
    return payload["note"]


def _listed(client, article) -> list[dict]:
    response = client.get(_notes_url(article))
    assert response.status_code == 200, response.get_json()
    payload = response.get_json()
    assert set(payload) == {"notes"}
    return payload["notes"]


def _error(response) -> dict:
    payload = response.get_json()
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "fields"}
    return payload["error"]


def _note_rows() -> int:
    return db.session.scalar(select(func.count(Note.id)))


def _walk(comments):
    for comment in comments:
        yield comment
        yield from _walk(comment["replies"])


def _comments_by_id(client, article, query: str = "") -> dict[int, dict]:
    response = client.get(f"/api/v1/articles/{article.slug}/comments{query}")
    assert response.status_code == 200, response.get_json()
    return {c["id"]: c for c in _walk(response.get_json()["comments"])}


# --- adding ----------------------------------------------------------------------------------


def test_the_author_adds_a_signed_note_after_a_paragraph_citing_comments(client, make_user, make_article, token_for):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, body=BODY)
    first = api_comment(client, article, "It is $5,000 now.")
    second = api_comment(client, article, "Agreed, the law changed.", name="Sam")
    note = _added(_add(client, article, token_for(author), paragraph="p-1", prompted_by=[second, first, second]))

    assert NOTE_KEYS <= set(note) <= NOTE_KEYS | EXTRA_NOTE_KEYS
    assert note["kind"] == "correction"
    assert note["body_html"] == "<p>The limit is <strong>$5,000</strong>.</p>\n"
    assert note["signature"] == "Correction — Dana Reyes, author"
    assert note["author"] == {"name": "Dana Reyes"}
    assert note["paragraph"] == "p-1"
    assert note["prompted_by"] == [first, second]  # duplicates dropped, in comment order
    assert (note["retracted"], note["revisions"]) == (False, 0)
    stored = db.session.get(Note, note["id"])
    assert note["created_at"] == stored.created_at.isoformat() and note["created_at"].endswith("+00:00")
    assert stored.anchor_text == "The limit is around $10,000."
    assert _listed(client, article) == [note]


@pytest.mark.parametrize(
    "paragraph, placed",
    [(None, None), ("end", None), ("", None), ("p-2", "p-2"), ("#p-3", "p-3")],
)
def test_a_note_follows_its_paragraph_or_goes_at_the_end(client, make_user, make_article, token_for, paragraph, placed):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    note = _added(_add(client, article, token_for(author), paragraph=paragraph))
    assert note["paragraph"] == placed
    assert [n["paragraph"] for n in _listed(client, article)] == [placed]


def test_a_note_without_a_paragraph_field_goes_at_the_end(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    response = client.post(
        _notes_url(article), json={"kind": "update", "body": "Later news."}, headers=token_for(author)
    )
    note = _added(response)
    assert (note["paragraph"], note["prompted_by"], note["kind"]) == (None, [], "update")


def test_the_host_of_a_guest_post_and_an_admin_sign_their_notes(client, make_user, make_article, token_for):
    host = make_user("author", name="Hana Host")
    admin = make_user("admin", name="Ada Admin")
    article = make_article(author=host, guest=("Gus Guest", "A specialist."))
    by_host = _added(_add(client, article, token_for(host), kind="clarification", body="Host here."))
    by_admin = _added(_add(client, article, token_for(admin), kind="editors_note", body="Admin here."))
    assert by_host["signature"] == "Clarification — Hana Host, site host"
    assert by_admin["signature"] == "Editor's note — Ada Admin, editor"
    assert by_admin["kind"] == "editors_note" and by_admin["author"] == {"name": "Ada Admin"}
    assert [n["id"] for n in _listed(client, article)] == [by_host["id"], by_admin["id"]]


def test_only_the_author_the_host_and_admins_add_notes(client, make_user, make_article, token_for):
    article = make_article()
    for role in ("reader", "moderator", "author"):
        response = _add(client, article, token_for(make_user(role)))
        assert response.status_code == 403, role
        assert _error(response)["code"] == "forbidden"
        assert _error(response)["message"] == "Only the article's author, its host and admins write notes on it."
    response = _add(client, article, {})
    assert response.status_code == 401 and _error(response)["code"] == "unauthorized"
    for header in ("Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "):
        assert _add(client, article, {"Authorization": header}).status_code == 401
    assert _note_rows() == 0


def test_a_signed_in_session_needs_the_same_origin_to_add_a_note(client, make_user, make_article, login):
    author = make_user("author")
    article = make_article(author=author)
    login(author)
    refused = _add(client, article, {"Origin": "https://evil.example"})
    assert refused.status_code == 403 and _note_rows() == 0
    assert _added(_add(client, article, {"Origin": "http://localhost"}))["author"] == {"name": author.name}


def test_prompted_by_cites_only_published_comments_on_this_article(app, client, make_user, make_article, token_for):
    author = make_user("author")
    article, other = make_article(author=author), make_article(author=author)
    foreign = api_comment(client, other, "On the other article.")
    app.config["MODERATION_HOLD_ALL"] = True
    held_response = client.post(f"/api/v1/articles/{article.slug}/comments", json={**GUEST, "body": "Held for now."})
    assert held_response.status_code == 202
    held = held_response.get_json()["comment"]["id"]
    app.config["MODERATION_HOLD_ALL"] = False
    for prompted_by, message in [
        ([foreign], f"Comment {foreign} is not a comment on this article."),
        ([99999], "Comment 99999 is not a comment on this article."),
        ([held], f"Comment {held} is not published, so a note cannot cite it."),
        (list(range(1, 22)), "A note cites at most 20 comments."),
    ]:
        response = _add(client, article, token_for(author), prompted_by=prompted_by)
        assert response.status_code == 422, prompted_by
        error = _error(response)
        assert error["code"] == "validation_failed" and error["fields"] == {"prompted_by": message}
    assert _note_rows() == 0


def test_an_unknown_paragraph_is_422(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    for paragraph in ("p-4", "p-0", "intro"):
        response = _add(client, article, token_for(author), paragraph=paragraph)
        assert response.status_code == 422
        assert _error(response)["fields"] == {
            "paragraph": f"This article has no paragraph {paragraph!r}; "
            "choose one of its paragraphs (p-1, p-2, ...) or the end."
        }
    assert _note_rows() == 0


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({"body": "No kind."}, "kind", "Missing data for required field."),
        ({"kind": "correction"}, "body", "Missing data for required field."),
        (
            {"kind": "erratum", "body": "Hi."},
            "kind",
            "Choose a kind of note: correction, update, clarification, editors_note.",
        ),
        ({"kind": "correction", "body": "  \n "}, "body", "Write the note before adding it."),
        (
            {"kind": "correction", "body": "x" * 5001},
            "body",
            "A note is at most 5,000 characters (this one has 5,001).",
        ),
        ({"kind": "correction", "body": "Hi.", "prompted_by": "7"}, "prompted_by", "Not a valid list."),
        ({"kind": "correction", "body": "Hi.", "prompted_by": ["seven"]}, "prompted_by.0", "Not a valid integer."),
        ({"kind": "correction", "body": "Hi.", "signature": "Correction — Someone"}, "signature", "Unknown field."),
        ({"kind": "correction", "body": "Hi.", "author_id": 1}, "author_id", "Unknown field."),
        ({"kind": "correction", "body": "Hi.", "created_at": "2020-01-01T00:00:00Z"}, "created_at", "Unknown field."),
        ({"kind": "correction", "body": "Hi.", "retracted": True}, "retracted", "Unknown field."),
    ],
)
def test_invalid_notes_are_422_naming_the_field(client, make_user, make_article, token_for, payload, field, message):
    author = make_user("author")
    article = make_article(author=author)
    response = client.post(_notes_url(article), json=payload, headers=token_for(author))
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_failed" and error["fields"] == {field: message}
    assert _note_rows() == 0


def test_every_problem_with_a_note_is_named_at_once(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    response = _add(client, article, token_for(author), kind="erratum", body=" ", paragraph="p-9", prompted_by=[404])
    assert response.status_code == 422
    error = _error(response)
    assert error["message"] == "Some fields need attention."
    assert set(error["fields"]) == {"kind", "body", "paragraph", "prompted_by"}


def test_note_writes_take_json_only(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    note = _added(_add(client, article, token_for(author)))
    one = f"{_notes_url(article)}/{note['id']}"
    for response in (
        client.post(_notes_url(article), data={"kind": "correction", "body": "Form."}, headers=token_for(author)),
        client.post(_notes_url(article), data="kind=correction", content_type="text/plain", headers=token_for(author)),
        client.patch(one, data={"body": "Form."}, headers=token_for(author)),
        client.post(f"{one}/retraction", data={"reason": "Form."}, headers=token_for(author)),
    ):
        assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"
    broken = client.post(
        _notes_url(article), data="{not json", content_type="application/json", headers=token_for(author)
    )
    assert broken.status_code == 400 and _error(broken)["code"] == "invalid_json"
    assert _note_rows() == 1 and db.session.get(Note, note["id"]).revisions == []


def test_drafts_and_missing_articles_have_no_notes(client, make_user, make_article, token_for):
    author = make_user("author")
    draft = make_article(author=author, published=False)
    for headers in ({}, token_for(make_user("reader")), token_for(make_user("author")), token_for(author)):
        assert client.get(_notes_url(draft), headers=headers).status_code == 404
        response = _add(client, draft, headers or token_for(author))
        assert response.status_code == 404 and _error(response)["code"] == "not_found"
    assert client.get("/api/v1/articles/nope/notes").status_code == 404
    assert client.get("/api/v1/articles/nope/notes/1").status_code == 404
    assert _note_rows() == 0


def test_one_note_by_its_id_and_404_for_another_articles_note(client, make_user, make_article, token_for):
    author = make_user("author")
    article, other = make_article(author=author), make_article(author=author)
    note = _added(_add(client, article, token_for(author)))
    response = client.get(f"{_notes_url(article)}/{note['id']}")
    assert response.status_code == 200 and response.get_json() == {"note": note}
    for url in (f"{_notes_url(other)}/{note['id']}", f"{_notes_url(article)}/{note['id'] + 1}"):
        assert client.get(url).status_code == 404
        assert client.patch(url, json={"body": "Hijack."}, headers=token_for(author)).status_code == 404
        retraction = client.post(f"{url}/retraction", json={"reason": "Hijack."}, headers=token_for(author))
        assert retraction.status_code == 404
    assert db.session.get(Note, note["id"]).body == "The limit is **$5,000**."


def test_a_note_body_is_sanitised(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    hostile = (
        '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)"> [ok](https://ok.example)'
        '\n\n<p id="p-99" style="color:red">Spoofed anchor.</p>'
    )
    note = _added(_add(client, article, token_for(author), body=hostile))
    for shown in (note, _listed(client, article)[0]):
        assert active_parts(shown["body_html"]) == []
        assert all('rel="nofollow ugc noopener"' in link for link in re.findall(r"<a [^>]*>", shown["body_html"]))
        assert 'href="https://ok.example"' in shown["body_html"]


# --- amending and retracting -----------------------------------------------------------------


def test_amending_counts_revisions_and_keeps_the_earlier_text(client, make_user, make_article, token_for):
    author = make_user("author", name="Dana Reyes")
    admin = make_user("admin", name="Ada Admin")
    article = make_article(author=author)
    note = _added(_add(client, article, token_for(author), body="First text."))
    url = f"{_notes_url(article)}/{note['id']}"

    amended = client.patch(url, json={"body": "Second *text*."}, headers=token_for(author))
    assert amended.status_code == 200 and set(amended.get_json()) == {"note"}
    first = amended.get_json()["note"]
    assert (first["body_html"], first["revisions"]) == ("<p>Second <em>text</em>.</p>\n", 1)
    assert first["kind"] == "correction"
    assert first["amended_at"] is not None and first["created_at"] == note["created_at"]

    second = client.patch(url, json={"kind": "clarification"}, headers=token_for(admin)).get_json()["note"]
    assert (second["kind"], second["revisions"]) == ("clarification", 2)
    assert second["signature"] == "Clarification — Dana Reyes, author"  # the writer's signature, not the editor's
    assert second["body_html"] == first["body_html"]

    third = client.patch(url, json={"kind": "update", "body": "Third."}, headers=token_for(author)).get_json()["note"]
    assert (third["kind"], third["body_html"], third["revisions"]) == ("update", "<p>Third.</p>\n", 3)
    assert _listed(client, article) == [third]
    kept = db.session.scalars(select(NoteRevision).where(NoteRevision.note_id == note["id"]).order_by(NoteRevision.id))
    assert [(r.kind, r.body, r.replaced_by_id) for r in kept] == [
        (NoteKind.correction, "First text.", author.id),
        (NoteKind.correction, "Second *text*.", admin.id),
        (NoteKind.clarification, "Second *text*.", author.id),
    ]


@pytest.mark.parametrize(
    "payload, code, fields",
    [
        ({}, "unchanged", {"body": "The note is unchanged."}),
        ({"body": "Same."}, "unchanged", {"body": "The note is unchanged."}),
        ({"kind": "correction"}, "unchanged", {"body": "The note is unchanged."}),
        ({"body": "   "}, "validation_failed", {"body": "Write the note before adding it."}),
        (
            {"kind": "erratum"},
            "validation_failed",
            {"kind": "Choose a kind of note: correction, update, clarification, editors_note."},
        ),
        ({"body": "New.", "paragraph": "p-2"}, "validation_failed", {"paragraph": "Unknown field."}),
        ({"body": "New.", "prompted_by": [1]}, "validation_failed", {"prompted_by": "Unknown field."}),
    ],
)
def test_refused_amendments_are_422_and_keep_no_revision(
    client, make_user, make_article, token_for, payload, code, fields
):
    author = make_user("author")
    article = make_article(author=author)
    note = _added(_add(client, article, token_for(author), body="Same."))
    response = client.patch(f"{_notes_url(article)}/{note['id']}", json=payload, headers=token_for(author))
    assert response.status_code == 422
    error = _error(response)
    assert (error["code"], error["fields"]) == (code, fields)
    assert _listed(client, article) == [note]


def test_only_the_author_the_host_and_admins_amend_or_retract(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    note = _added(_add(client, article, token_for(author)))
    url = f"{_notes_url(article)}/{note['id']}"
    for role in ("reader", "moderator", "author"):
        headers = token_for(make_user(role))
        for response in (
            client.patch(url, json={"body": "Mine now."}, headers=headers),
            client.post(f"{url}/retraction", json={"reason": "Mine now."}, headers=headers),
        ):
            assert response.status_code == 403, role
            assert _error(response)["message"] == "Only the article's author, its host and admins change its notes."
    assert client.patch(url, json={"body": "Anonymous."}).status_code == 401
    assert client.post(f"{url}/retraction", json={"reason": "Anonymous."}).status_code == 401
    assert _listed(client, article) == [note]


def test_a_retracted_note_stays_listed_with_its_reason(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    kept = _added(_add(client, article, token_for(author), body="Stays."))
    note = _added(_add(client, article, token_for(author), body="Wrong after all."))
    url = f"{_notes_url(article)}/{note['id']}"

    response = client.post(f"{url}/retraction", json={"reason": "  The  clerk was wrong. "}, headers=token_for(author))
    assert response.status_code == 200
    retracted = response.get_json()["note"]
    assert (retracted["retracted"], retracted["retracted_reason"]) == (True, "The clerk was wrong.")
    assert retracted["retracted_at"] is not None and retracted["body_html"] == "<p>Wrong after all.</p>\n"
    assert retracted["revisions"] == 0
    assert [(n["id"], n["retracted"]) for n in _listed(client, article)] == [(kept["id"], False), (note["id"], True)]
    assert client.get(url).get_json() == {"note": retracted}

    again = client.post(f"{url}/retraction", json={"reason": "Twice."}, headers=token_for(author))
    assert again.status_code == 409 and _error(again)["code"] == "invalid_transition"
    amend = client.patch(url, json={"body": "Revived?"}, headers=token_for(author))
    assert amend.status_code == 409 and _error(amend)["code"] == "invalid_transition"
    assert client.get(url).get_json() == {"note": retracted}


@pytest.mark.parametrize(
    "payload, fields",
    [
        ({}, {"reason": "Missing data for required field."}),
        ({"reason": "   "}, {"reason": "Say why the note is retracted; readers see the reason."}),
        ({"reason": "x" * 501}, {"reason": "A reason is at most 500 characters."}),
        ({"reason": "Fine.", "retracted_at": "2020-01-01T00:00:00Z"}, {"retracted_at": "Unknown field."}),
    ],
)
def test_a_retraction_needs_a_reason(client, make_user, make_article, token_for, payload, fields):
    author = make_user("author")
    article = make_article(author=author)
    note = _added(_add(client, article, token_for(author)))
    response = client.post(f"{_notes_url(article)}/{note['id']}/retraction", json=payload, headers=token_for(author))
    assert response.status_code == 422 and _error(response)["fields"] == fields
    assert _listed(client, article) == [note]


# --- led_to on comments ----------------------------------------------------------------------


def test_the_comment_listing_says_which_notes_each_comment_led_to(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    top = api_comment(client, article, "The limit changed.")
    reply = api_comment(client, article, "Yes, in March.", parent_id=top)
    bystander = api_comment(client, article, "Nice article.")
    first = _added(_add(client, article, token_for(author), prompted_by=[top, reply]))["id"]
    second = _added(_add(client, article, token_for(author), kind="update", body="March.", prompted_by=[reply]))["id"]
    listed = _comments_by_id(client, article)
    assert {cid: c["led_to"] for cid, c in listed.items()} == {top: [first], reply: [first, second], bystander: []}
    newest = _comments_by_id(client, article, "?order=newest&per_page=1")
    assert {cid: c["led_to"] for cid, c in newest.items()} == {bystander: []}


def test_a_retracted_note_is_still_listed_in_led_to(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    cited = api_comment(client, article, "The limit changed.")
    note = _added(_add(client, article, token_for(author), prompted_by=[cited]))["id"]
    client.post(f"{_notes_url(article)}/{note}/retraction", json={"reason": "It had not."}, headers=token_for(author))
    assert _comments_by_id(client, article)[cited]["led_to"] == [note]
    assert [n["prompted_by"] for n in _listed(client, article)] == [[cited]]


def test_a_removed_placeholder_has_an_empty_led_to(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    cited = api_comment(client, article, "The limit changed.")
    reply = api_comment(client, article, "Source?", parent_id=cited)
    note = _added(_add(client, article, token_for(author), prompted_by=[cited, reply]))["id"]
    assert client.delete(f"/api/v1/comments/{cited}").status_code == 204
    listed = _comments_by_id(client, article)
    assert (listed[cited]["removed"], listed[cited]["led_to"]) == (True, [])
    assert listed[reply]["led_to"] == [note]
    # The note still names what prompted it; the comment itself is gone from view.
    assert _listed(client, article)[0]["prompted_by"] == [cited, reply]


def test_comment_write_responses_carry_led_to(client, make_user, make_article, token_for):
    author = make_user("author")
    article = make_article(author=author)
    created = client.post(f"/api/v1/articles/{article.slug}/comments", json={**GUEST, "body": "Wrong date."})
    assert created.status_code == 201 and created.get_json()["comment"]["led_to"] == []
    cited, token = created.get_json()["comment"]["id"], created.get_json()["edit_token"]
    note = _added(_add(client, article, token_for(author), prompted_by=[cited]))["id"]
    edited = client.patch(
        f"/api/v1/comments/{cited}", json={"body": "Wrong date, fixed now."}, headers={"X-Edit-Token": token}
    )
    assert edited.status_code == 200 and edited.get_json()["comment"]["led_to"] == [note]
    by_token = client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"body": "Thanks!"}, headers=token_for(author)
    )
    assert by_token.status_code == 201 and by_token.get_json()["comment"]["led_to"] == []


def test_the_moderation_api_carries_led_to(client, make_user, make_article, token_for):
    author = make_user("author")
    admin = make_user("admin")
    article = make_article(author=author)
    cited = api_comment(client, article, "The limit changed.")
    other = api_comment(client, article, "Nice.")
    note = _added(_add(client, article, token_for(author), prompted_by=[cited]))["id"]
    for user in (admin, author):
        response = client.get("/api/v1/moderation/comments?status=approved", headers=token_for(user))
        assert response.status_code == 200
        assert {c["id"]: c["led_to"] for c in response.get_json()["comments"]} == {cited: [note], other: []}
    acted = client.post(f"/api/v1/moderation/comments/{cited}", json={"action": "spam"}, headers=token_for(admin))
    assert acted.status_code == 200 and acted.get_json()["comment"]["led_to"] == [note]


# --- constant queries ------------------------------------------------------------------------


def _discussion(article, threads: int, replies: int) -> list[int]:
    """Insert threads with replies straight into the database; returns the comment ids, oldest first."""
    start = utcnow() - timedelta(days=1)
    made: list[Comment] = []
    for thread in range(threads):
        top = Comment(
            article_id=article.id,
            depth=0,
            writer_name=f"Writer {thread}",
            writer_email=f"writer{thread}@example.org",
            ip_network="127.0.0.0/24",
            body=f"Thread {thread}.",
            body_html=f"<p>Thread {thread}.</p>",
            status=CommentStatus.approved,
            created_at=start + timedelta(seconds=len(made)),
        )
        db.session.add(top)
        db.session.flush()
        made.append(top)
        for number in range(replies):
            reply = Comment(
                article_id=article.id,
                parent_id=top.id,
                root_id=top.id,
                depth=1,
                writer_name=f"Replier {thread}.{number}",
                writer_email=f"replier{thread}.{number}@example.org",
                ip_network="127.0.0.0/24",
                body=f"Reply {thread}.{number}.",
                body_html=f"<p>Reply {thread}.{number}.</p>",
                status=CommentStatus.approved,
                deleted_at=start if number == 2 else None,
                created_at=start + timedelta(seconds=len(made)),
            )
            db.session.add(reply)
            made.append(reply)
        db.session.flush()
    refresh_comment_count(article.id)
    db.session.commit()
    return [c.id for c in made]


def test_listings_take_the_same_queries_with_few_and_many_cited_comments(
    app, make_user, make_article, count_queries, token_for
):
    author = make_user("author")
    desk = token_for(make_user("admin"))
    small, large = make_article(author=author), make_article(author=author)
    small_ids = _discussion(small, threads=2, replies=3)
    large_ids = _discussion(large, threads=100, replies=4)
    notes.add_note(small, author, "correction", "One.", prompted_by=small_ids[:2])
    live = [cid for cid in large_ids if db.session.get(Comment, cid).deleted_at is None]
    for start in range(0, 400, 20):
        notes.add_note(large, author, "update", f"Note {start}.", prompted_by=live[start : start + 20])
        newest = db.session.scalars(select(Note).order_by(Note.id.desc())).first()
        notes.amend_note(newest, author, body="Amended.")
    client = app.test_client()

    def queries(url: str, headers=None) -> int:
        with count_queries() as counted:
            response = client.get(url, headers=headers or {})
        assert response.status_code == 200
        return counted.n

    # The first calls fill caches and note the token's use; count from the second on (a listing of its own, so
    # the ones counted are prepared, not served again from the readings kept per discussion version).
    client.get(f"/api/v1/articles/{small.slug}/comments?per_page=2")
    client.get("/api/v1/moderation/comments?status=approved", headers=desk)
    counts = {
        article.slug: (
            queries(f"/api/v1/articles/{article.slug}/comments"),
            queries(f"/api/v1/articles/{article.slug}/comments?per_page=1000"),
            queries(f"/api/v1/articles/{article.slug}/notes"),
            queries(f"/api/v1/moderation/comments?status=approved&per_page=500&article={article.slug}", desk),
        )
        for article in (small, large)
    }
    assert counts[small.slug] == counts[large.slug]
    assert max(counts[large.slug]) <= 9
    # Read again while nothing changed, a listing is the bytes prepared the first time: one query, for the article.
    assert queries(f"/api/v1/articles/{large.slug}/comments?per_page=1000") == 1

    listed = list(_walk(client.get(f"/api/v1/articles/{large.slug}/comments?per_page=1000").get_json()["comments"]))
    assert sum(len(c["led_to"]) for c in listed) == 400
    listed_notes = client.get(f"/api/v1/articles/{large.slug}/notes").get_json()["notes"]
    assert len(listed_notes) == 20 and {n["revisions"] for n in listed_notes} == {1}
    assert all(len(n["prompted_by"]) == 20 for n in listed_notes)
    queue = client.get(f"/api/v1/moderation/comments?status=approved&per_page=500&article={large.slug}", headers=desk)
    assert sum(len(c["led_to"]) for c in queue.get_json()["comments"]) == 400


# --- nothing leaks ---------------------------------------------------------------------------


def test_no_notes_response_reveals_an_email(app, client, make_user, make_article, token_for):
    author = make_user("author", name="Dana Reyes", email="dana.secret@example.org")
    admin = make_user("admin", email="admin.secret@example.org")
    reader = make_user("reader", name="Rae Reader", email="rae.secret@example.org")
    article = make_article(author=author)
    by_guest = api_comment(client, article, "Wrong figure.", email="gail.secret@example.org")
    by_reader = client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"body": "Also wrong."}, headers=token_for(reader)
    ).get_json()["comment"]["id"]
    responses = [_add(client, article, token_for(author), prompted_by=[by_guest, by_reader])]
    note = _added(responses[0])["id"]
    url = f"{_notes_url(article)}/{note}"
    responses += [
        client.patch(url, json={"body": "Amended."}, headers=token_for(admin)),
        client.post(f"{url}/retraction", json={"reason": "Withdrawn."}, headers=token_for(author)),
        _add(client, article, token_for(reader)),
        _add(client, article, token_for(author), prompted_by=[99999]),
        client.get(url),
        client.get(_notes_url(article)),
        client.get(f"/api/v1/articles/{article.slug}/comments"),
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 403, 422, 200, 200, 200]
    for response in responses:
        text = response.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        assert EMAIL.findall(text) == [], response.request.path
    # The commenters hear about the note by email instead, through the outbox.
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.topic, m.subject_id, m.to_email) for m in messages] == [
        ("note_cited", note, "gail.secret@example.org"),
        ("note_cited", note, "rae.secret@example.org"),
    ]
    assert "secret" not in json.dumps(_listed(client, article))
