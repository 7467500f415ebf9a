"""services.corrections: signed notes, their history and placement, and readers' correction requests."""

import itertools

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    CorrectionRequest,
    Flag,
    ModerationEvent,
    Note,
    NoteCitation,
    NoteKind,
    NoteRevision,
    OutboxMessage,
    RequestStatus,
)
from app.services import moderation
from app.services.anchoring import body_with_notes, place_notes
from app.services.articles import update_article
from app.services.comments import Writer
from app.services.correction_requests import (
    Requester,
    decide_request,
    request_correction,
    request_counts,
    requests_on_page,
    requests_query,
)
from app.services.errors import ServiceError
from app.services.markdown import render_article
from app.services.notes import (
    add_note,
    amend_note,
    corrected_on,
    find_note,
    led_to,
    notes_for,
    recent_notes,
    retract_note,
)
from app.services.settings import CommentRules
from tests.factories import make_comment, make_guest, make_note

OPEN = CommentRules()
ALPHA = "The council approved the budget on Tuesday after a long debate about road repairs."
BRAVO = "The library service will receive three million pounds over the next two years."
CHARLIE = "Residents who spoke at the meeting mostly asked about the evening bus routes."
BODY = f"{ALPHA}\n\n{BRAVO}\n\n{CHARLIE}"
R_OPEN, R_ACK, R_RESOLVED, R_DECLINED, R_SPAM = (
    RequestStatus.open,
    RequestStatus.acknowledged,
    RequestStatus.resolved,
    RequestStatus.declined,
    RequestStatus.spam,
)
# Where each request action may start, and where it leads.
REQUEST_MOVES = {
    "acknowledge": ({R_OPEN}, R_ACK),
    "resolve": ({R_OPEN, R_ACK}, R_RESOLVED),
    "decline": ({R_OPEN, R_ACK}, R_DECLINED),
    "spam": ({R_OPEN, R_ACK}, R_SPAM),
    "not_spam": ({R_SPAM}, R_OPEN),
    "reopen": ({R_RESOLVED, R_DECLINED}, R_ACK),
}

_numbers = itertools.count(1)


@pytest.fixture
def dana(make_user):
    return make_user("author", name="Dana Reyes", email="dana@example.org")


@pytest.fixture
def article(make_article, dana):
    return make_article(author=dana, body=BODY)


def _requester(name="Rita Reader", email="rita@example.org", user=None) -> Requester:
    return Requester(user=user, name=name, email=email, ip_network="203.0.113.0/24")


def _request(article, requester=None, body=None, rules=OPEN, **kwargs) -> CorrectionRequest:
    body = body or f"The budget was four million, not three ({next(_numbers)})."
    return request_correction(article, requester or _requester(), body, rules, **kwargs)


def _refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call(*args, **kwargs)
    return raised.value


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _outbox() -> list[tuple]:
    return [
        (m.topic, m.subject_id, m.to_name, m.to_email, m.sent_at)
        for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]


# --- writing a note --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, kind, label",
    [
        ("correction", NoteKind.correction, "Correction"),
        ("Update", NoteKind.update, "Update"),
        ("  clarification ", NoteKind.clarification, "Clarification"),
        ("Editor's note", NoteKind.editors_note, "Editor's note"),
        ("editor note", NoteKind.editors_note, "Editor's note"),
        ("EDITORS_NOTE", NoteKind.editors_note, "Editor's note"),
        ("Editor\u2019s note", NoteKind.editors_note, "Editor's note"),
    ],
)
def test_a_note_takes_its_kind_from_what_people_send_and_is_signed_with_its_label(article, dana, given, kind, label):
    note = add_note(article, dana, given, "The budget is **four** million pounds.")
    stored = db.session.get(Note, note.id)
    assert (stored.kind, stored.signature) == (kind, f"{label} — Dana Reyes, author")
    assert stored.body == "The budget is **four** million pounds."
    assert "<strong>four</strong>" in stored.body_html
    assert (stored.anchor, stored.anchor_text, stored.anchor_lost) == (None, None, False)
    assert stored.created_at is not None and stored.amended_at is None and stored.retracted_at is None


def test_an_unknown_kind_is_a_field_error_listing_the_kinds(article, dana):
    error = _refused(add_note, article, dana, "erratum", "A note.")
    assert (error.field, error.status) == ("kind", 422)
    assert error.message == "Choose a kind of note: correction, update, clarification, editors_note."
    assert _count(Note) == 0


def test_the_signature_says_whether_the_writer_is_author_site_host_or_editor(make_user, make_article, dana):
    admin = make_user("admin", name="Ada Admin")
    own = make_article(author=dana)
    hosted = make_article(author=dana, guest=("Gil Guest", "A transport historian."))
    admins_own = make_article(author=admin)
    assert make_note(own, dana).signature == "Correction — Dana Reyes, author"
    assert make_note(hosted, dana).signature == "Correction — Dana Reyes, site host"
    assert make_note(own, admin).signature == "Correction — Ada Admin, editor"
    assert make_note(hosted, admin, "update").signature == "Update — Ada Admin, editor"
    assert make_note(admins_own, admin, "clarification").signature == "Clarification — Ada Admin, author"


@pytest.mark.parametrize("paragraph", ["p-2", "#p-2", " p-2 "])
def test_a_note_after_a_paragraph_keeps_its_anchor_and_text(article, dana, paragraph):
    note = make_note(article, dana, paragraph=paragraph)
    assert (note.anchor, note.anchor_text) == ("p-2", BRAVO)


@pytest.mark.parametrize("paragraph", [None, "", "   ", "end"])
def test_no_paragraph_or_end_puts_the_note_at_the_end(article, dana, paragraph):
    note = make_note(article, dana, paragraph=paragraph)
    assert (note.anchor, note.anchor_text, note.anchor_lost) == (None, None, False)
    assert place_notes(article, [note]).end == [note]


@pytest.mark.parametrize("paragraph", ["p-4", "p-0", "2", "intro"])
def test_a_paragraph_the_article_does_not_have_is_a_field_error(article, dana, paragraph):
    error = _refused(make_note, article, dana, paragraph=paragraph)
    assert (error.field, error.status, error.code) == ("paragraph", 422, "validation_failed")
    assert paragraph in error.message
    assert _count(Note) == 0


@pytest.mark.parametrize("body", ["", "   \n\t ", "\u200b\u200b", "x" * 5001])
def test_an_empty_or_overlong_body_is_refused(article, dana, body):
    error = _refused(add_note, article, dana, "correction", body)
    assert (error.field, error.status) == ("body", 422)
    assert _count(Note) == 0


def test_a_body_of_exactly_the_limit_is_accepted(article, dana):
    assert len(make_note(article, dana, body="x" * 5000).body) == 5000


def test_every_problem_in_a_note_is_reported_at_once(make_article, article, dana):
    elsewhere = make_comment(make_article())
    error = _refused(add_note, article, dana, "erratum", "  ", paragraph="p-9", prompted_by=[elsewhere.id])
    assert error.message == "Some fields need attention."
    assert error.status == 422
    assert set(error.fields) == {"kind", "body", "paragraph", "prompted_by"}
    assert _count(Note) == 0 and _count(NoteCitation) == 0


def test_a_note_cites_each_comment_once_in_the_order_given(article, dana):
    first, second = make_comment(article), make_comment(article)
    note = make_note(article, dana, prompted_by=[second.id, str(first.id), second.id, first.id])
    assert note.prompted_by == sorted([first.id, second.id])  # citations are ordered by comment id
    assert _count(NoteCitation) == 2


def test_a_comment_on_another_article_cannot_be_cited(make_article, article, dana):
    elsewhere = make_comment(make_article())
    error = _refused(make_note, article, dana, prompted_by=[elsewhere.id])
    assert (error.field, error.status) == ("prompted_by", 422)
    assert error.message == f"Comment {elsewhere.id} is not a comment on this article."
    assert (_count(Note), _outbox()) == (0, [])


def test_held_deleted_and_unknown_comments_cannot_be_cited(article, dana):
    held = make_comment(article, rules=CommentRules(hold_all=True))
    assert held.status is CommentStatus.pending
    deleted = make_comment(article)
    deleted.deleted_at = deleted.created_at
    db.session.commit()
    for cited, message in [
        (held.id, f"Comment {held.id} is not published, so a note cannot cite it."),
        (deleted.id, f"Comment {deleted.id} is not published, so a note cannot cite it."),
        (987654, "Comment 987654 is not a comment on this article."),
        ("seven", "'seven' is not a comment number."),
    ]:
        error = _refused(make_note, article, dana, prompted_by=[cited])
        assert (error.field, error.message) == ("prompted_by", message)
    assert _count(Note) == 0


def test_a_note_cites_at_most_twenty_comments(article, dana):
    error = _refused(make_note, article, dana, prompted_by=list(range(1, 22)))
    assert (error.field, error.message) == ("prompted_by", "A note cites at most 20 comments.")


@pytest.mark.parametrize("role", ["reader", "moderator", "author", None])
def test_only_the_articles_author_and_admins_write_notes(make_user, article, role):
    writer = make_user(role) if role else None
    error = _refused(make_note, article, writer)
    assert (error.status, error.code) == (403, "forbidden")
    assert _count(Note) == 0


def test_notes_go_on_published_articles_only(make_article, dana):
    draft = make_article(author=dana, published=False)
    error = _refused(make_note, draft, dana)
    assert (error.status, error.code) == (409, "not_published")
    assert _count(Note) == 0


def test_find_note_only_finds_a_note_on_its_own_article(make_article, article, dana):
    note = make_note(article, dana)
    assert find_note(article, note.id) is note
    assert find_note(make_article(author=dana), note.id) is None
    assert find_note(article, note.id + 100) is None


# --- telling the people a note cites ---------------------------------------------------------


def test_citing_a_guests_comment_queues_one_unsent_message_to_their_email(article, dana):
    cited = make_comment(article, writer=make_guest("Gail Guest", "gail@example.org"))
    note = make_note(article, dana, body="The sum was four million.", prompted_by=[cited.id])
    assert _outbox() == [("note_cited", note.id, "Gail Guest", "gail@example.org", None)]
    message = db.session.scalar(select(OutboxMessage))
    assert message.subject == f"Your comment led to correction on “{article.title}”"
    assert "Correction — Dana Reyes, author cites your comment" in message.body
    assert "The sum was four million." in message.body
    assert f"Read it here: http://localhost/articles/{article.slug}#note-{note.id}\n" in message.body
    assert f'<a href="http://localhost/articles/{article.slug}#note-{note.id}">' in message.body_html


def test_citing_a_signed_in_readers_comment_writes_to_their_account(make_user, article, dana):
    reader = make_user("reader", name="Rob Reader", email="rob@example.org")
    cited = make_comment(article, writer=Writer(user=reader))
    note = make_note(article, dana, prompted_by=[cited.id])
    assert _outbox() == [("note_cited", note.id, "Rob Reader", "rob@example.org", None)]


def test_citing_ones_own_comment_queues_nothing(article, dana):
    own = make_comment(article, writer=Writer(user=dana))
    note = make_note(article, dana, prompted_by=[own.id])
    assert note.prompted_by == [own.id]
    assert _outbox() == []


def test_a_note_citing_several_comments_by_one_guest_tells_them_once(article, dana):
    first, second = make_comment(article), make_comment(article)
    note = make_note(article, dana, prompted_by=[first.id, second.id])
    assert _outbox() == [("note_cited", note.id, "Gail Guest", "gail@example.org", None)]


# --- amending and retracting -----------------------------------------------------------------


def test_amending_keeps_each_earlier_version(make_user, article, dana):
    admin = make_user("admin")
    note = make_note(article, dana, body="The sum was *four* million.")
    created_at = note.created_at
    amend_note(note, dana, body="The sum was five million.")
    first_amendment = note.amended_at
    amend_note(note, admin, body="The sum was six million.")
    stored = db.session.get(Note, note.id)
    assert (stored.body, stored.kind) == ("The sum was six million.", NoteKind.correction)
    assert "six million" in stored.body_html and stored.amended_at > first_amendment > created_at
    assert [(r.kind, r.body, r.written_at, r.replaced_by_id) for r in stored.revisions] == [
        (NoteKind.correction, "The sum was *four* million.", created_at, dana.id),
        (NoteKind.correction, "The sum was five million.", first_amendment, admin.id),
    ]
    assert "<em>four</em>" in stored.revisions[0].body_html


def test_changing_the_kind_re_signs_the_note_and_keeps_the_old_kind(article, dana):
    note = make_note(article, dana, "correction", body="Same words.")
    amend_note(note, dana, kind="Editor's note")
    assert (note.kind, note.body) == (NoteKind.editors_note, "Same words.")
    assert note.signature == "Editor's note — Dana Reyes, author"
    assert [(r.kind, r.body) for r in note.revisions] == [(NoteKind.correction, "Same words.")]


@pytest.mark.parametrize("change", [{}, {"body": "Same words.  \n"}, {"kind": "Correction"}])
def test_an_amendment_that_changes_nothing_is_refused(article, dana, change):
    note = make_note(article, dana, "correction", body="Same words.")
    error = _refused(amend_note, note, dana, **change)
    assert (error.code, error.field, error.status) == ("unchanged", "body", 422)
    assert _count(NoteRevision) == 0 and note.amended_at is None


def test_only_the_author_and_admins_amend_or_retract(make_user, article, dana):
    note = make_note(article, dana)
    for user in (make_user("reader"), make_user("author"), make_user("moderator")):
        for error in (
            _refused(amend_note, note, user, body="Something else."),
            _refused(retract_note, note, user, "Wrong."),
        ):
            assert (error.status, error.code) == (403, "forbidden")
    assert (_count(NoteRevision), note.retracted) == (0, False)


def test_retracting_keeps_the_note_with_who_when_and_why(make_user, article, dana):
    admin = make_user("admin")
    note = make_note(article, dana)
    retract_note(note, admin, "  The  original figure\nwas right. ")
    stored = db.session.get(Note, note.id)
    assert stored.retracted and stored.retracted_at is not None
    assert (stored.retracted_reason, stored.retracted_by_id) == ("The original figure was right.", admin.id)
    error = _refused(retract_note, note, dana, "Again.")
    assert (error.code, error.status) == ("invalid_transition", 409)
    assert stored.retracted_by_id == admin.id


@pytest.mark.parametrize("reason", [None, "", " \n ", "x" * 501])
def test_a_retraction_needs_a_reason_of_at_most_500_characters(article, dana, reason):
    note = make_note(article, dana)
    error = _refused(retract_note, note, dana, reason)
    assert (error.field, error.status) == ("reason", 422)
    assert not note.retracted


def test_a_retracted_note_cannot_be_amended(article, dana):
    note = make_note(article, dana)
    retract_note(note, dana, "The original figure was right.")
    error = _refused(amend_note, note, dana, body="Another figure.")
    assert (error.code, error.status) == ("invalid_transition", 409)
    assert _count(NoteRevision) == 0


def test_notes_their_revisions_and_citations_are_never_deleted(article, dana):
    cited = make_comment(article)
    note = make_note(article, dana, prompted_by=[cited.id])
    amend_note(note, dana, body="Amended.")
    bare = make_note(article, dana)
    for row in (note.revisions[0], note.citations[0], bare):
        db.session.delete(row)
        with pytest.raises(RuntimeError, match="never deleted"):
            db.session.flush()
        db.session.rollback()
    # A note with citations fails earlier: the ORM first tries to orphan them, which the schema refuses.
    db.session.delete(note)
    with pytest.raises((RuntimeError, IntegrityError)):
        db.session.flush()
    db.session.rollback()
    assert (_count(Note), _count(NoteRevision), _count(NoteCitation)) == (2, 1, 1)


# --- following paragraphs through edits ------------------------------------------------------


def test_a_note_moves_down_when_a_paragraph_is_inserted_before_its_own(article, dana):
    note = make_note(article, dana, paragraph="p-2")
    inserted = "A new paragraph about something else entirely."
    update_article(article, body=f"{ALPHA}\n\n{inserted}\n\n{BRAVO}\n\n{CHARLIE}", editor=dana)
    assert (note.anchor, note.anchor_text, note.anchor_lost) == ("p-3", BRAVO, False)
    assert place_notes(article, notes_for(article)).inline == {"p-3": [note]}


def test_a_note_follows_its_paragraph_through_a_small_edit(article, dana):
    note = make_note(article, dana, paragraph="p-2")
    edited = "The library service will receive four million pounds over the next three years."
    update_article(article, body=f"{CHARLIE}\n\n{ALPHA}\n\n{edited}", editor=dana)
    assert (note.anchor, note.anchor_text, note.anchor_lost) == ("p-3", edited, False)


def test_a_note_whose_paragraph_is_removed_is_lost_and_shown_as_such(article, dana):
    lost = make_note(article, dana, paragraph="p-2")
    kept = make_note(article, dana, paragraph="p-3")
    at_end = make_note(article, dana)
    update_article(article, body=f"{ALPHA}\n\n{CHARLIE}", editor=dana)
    assert (lost.anchor, lost.anchor_text, lost.anchor_lost) == (None, BRAVO, True)
    assert (kept.anchor, kept.anchor_lost) == ("p-2", False)
    assert (at_end.anchor, at_end.anchor_lost) == (None, False)
    placement = place_notes(article, notes_for(article))
    assert (placement.inline, placement.end, placement.lost) == ({"p-2": [kept]}, [at_end], [lost])


def test_editing_the_title_alone_leaves_notes_where_they_are(article, dana):
    note = make_note(article, dana, paragraph="p-3")
    update_article(article, title="A new title", editor=dana)
    assert (note.anchor, note.anchor_text, note.anchor_lost) == ("p-3", CHARLIE, False)


# --- placing notes in the page ---------------------------------------------------------------


def test_a_paragraphs_note_goes_right_after_it():
    html = render_article("One.\n\nTwo.\n\nThree.").html
    placed = str(body_with_notes(html, {"p-2": "<aside>N</aside>"}))
    assert placed == html.replace('<p id="p-2">Two.</p>', '<p id="p-2">Two.</p><aside>N</aside>')


def test_a_list_items_note_goes_inside_the_item_and_nested_lists_are_handled():
    html = render_article("Intro.\n\n- apples\n- pears\n  - conference\n  - williams\n- plums").html
    assert '<li id="p-3">pears' in html and '<li id="p-4">conference</li>' in html
    placed = str(body_with_notes(html, {"p-2": "<i>A</i>", "p-3": "<i>P</i>", "p-4": "<i>C</i>", "p-6": "<i>L</i>"}))
    assert '<li id="p-2">apples<i>A</i></li>' in placed
    assert '<li id="p-4">conference<i>C</i></li>' in placed
    # The outer item's note follows its nested list, still inside the item.
    assert '<li id="p-5">williams</li>\n</ul>\n<i>P</i></li>' in placed
    assert '<li id="p-6">plums<i>L</i></li>' in placed
    assert placed.count("<i>") == 4


def test_a_note_on_a_paragraph_inside_a_loose_list_item_follows_the_paragraph():
    html = render_article("1. first\n\n2. second\n\nAfter.").html
    placed = str(body_with_notes(html, {"p-2": "<i>N</i>"}))
    assert '<p id="p-2">second</p><i>N</i>\n</li>' in placed


def test_unknown_anchors_are_ignored_and_no_fragments_change_nothing():
    html = render_article("One  \nline two.\n\n> Quoted.\n\nThree & four.").html
    assert str(body_with_notes(html, {})) == html
    assert str(body_with_notes(html, {"p-9": "<i>X</i>", "note-1": "<i>Y</i>"})) == html
    placed = str(body_with_notes(html, {"p-1": "<i>1</i>", "p-3": "<i>3</i>"}))
    assert placed.index("<i>1</i>") == placed.index("</p>") + len("</p>")
    assert placed.endswith("Three &amp; four.</p><i>3</i>\n")


def test_a_line_separator_in_the_text_does_not_misplace_notes():
    # HTMLParser counts lines by "\n" only; U+2028 must not shift the offsets.
    html = render_article("One\u2028and a half.\n\nTwo.\n\nThree.").html
    placed = str(body_with_notes(html, {"p-2": "<i>2</i>", "p-3": "<i>3</i>"}))
    assert '<p id="p-2">Two.</p><i>2</i>' in placed
    assert '<p id="p-3">Three.</p><i>3</i>' in placed


# --- summaries -------------------------------------------------------------------------------


def test_corrected_on_lists_standing_corrections_only(article, dana):
    first = make_note(article, dana, "correction")
    update = make_note(article, dana, "update")
    retracted = make_note(article, dana, "correction")
    retract_note(retracted, dana, "It was right.")
    later = make_note(article, dana, "correction")
    assert corrected_on(notes_for(article)) == [first.created_at, later.created_at]
    assert [n.id for n in notes_for(article)] == [first.id, update.id, retracted.id, later.id]


def test_led_to_maps_each_comment_to_the_notes_citing_it(article, dana):
    a, b, c = make_comment(article), make_comment(article), make_comment(article)
    first = make_note(article, dana, prompted_by=[a.id])
    second = make_note(article, dana, prompted_by=[a.id, b.id])
    assert led_to(iter([a.id, b.id, c.id])) == {a.id: [first, second], b.id: [second]}
    assert led_to([]) == {}


def test_recent_notes_are_newest_first_and_only_on_published_articles(make_article, article, dana):
    other = make_article(author=dana)
    first = make_note(article, dana)
    hidden = make_note(other, dana)
    last = make_note(article, dana)
    assert db.session.scalars(recent_notes()).all() == [last, hidden, first]
    update_article(other, published=False, editor=dana)
    assert db.session.scalars(recent_notes()).all() == [last, first]
    assert db.session.scalars(recent_notes(limit=1)).all() == [last]
    assert db.session.scalars(recent_notes(article=other)).all() == []


# --- correction requests ---------------------------------------------------------------------


def test_a_guests_request_is_stored_open_with_a_clean_name_and_email(article):
    cited = make_comment(article)
    stored = _request(
        article,
        _requester(name="  Rita \n Reader ", email="Rita@Example.ORG"),
        body="  The budget was four million.  ",
        source_url=" https://example.org/minutes ",
        comment_id=str(cited.id),
    )
    assert (stored.name, stored.email, stored.user_id, stored.ip_network) == (
        "Rita Reader",
        "rita@example.org",
        None,
        "203.0.113.0/24",
    )
    assert (stored.body, stored.source_url, stored.comment_id) == (
        "The budget was four million.",
        "https://example.org/minutes",
        cited.id,
    )
    assert (stored.status, stored.reasons, stored.spam_score, stored.flag_id) == (R_OPEN, [], 0.0, None)


def test_a_signed_in_readers_request_carries_their_account(make_user, article):
    reader = make_user("reader", name="Rob Reader", email="rob@example.org")
    stored = _request(article, Requester(user=reader))
    assert (stored.user_id, stored.name, stored.email) == (reader.id, "Rob Reader", "rob@example.org")


@pytest.mark.parametrize(
    "field, changes",
    [
        ("body", {"body": " \n "}),
        ("body", {"body": "x" * 2001}),
        ("source_url", {"source_url": "javascript:alert(1)"}),
        ("source_url", {"source_url": "javascript://example.org/%0Aalert(1)"}),
        ("source_url", {"source_url": "http://"}),
        ("source_url", {"source_url": "https://example.org/a b"}),
        ("source_url", {"source_url": "https://example.org/" + "a" * 490}),
        ("comment_id", {"comment_id": "seven"}),
        ("comment_id", {"comment_id": 987654}),
        ("name", {"requester": Requester(name=" ", email="rita@example.org")}),
        ("email", {"requester": Requester(name="Rita", email="")}),
        ("email", {"requester": Requester(name="Rita", email="not-an-address")}),
    ],
)
def test_a_request_with_a_bad_field_is_refused_and_nothing_is_stored(article, field, changes):
    arguments = {"requester": _requester(), "body": "The budget was four million.", **changes}
    error = _refused(request_correction, article, arguments.pop("requester"), arguments.pop("body"), OPEN, **arguments)
    assert (error.field, error.status) == (field, 422)
    assert _count(CorrectionRequest) == 0


def test_every_problem_in_a_request_is_reported_at_once(article):
    error = _refused(request_correction, article, Requester(), "", OPEN, source_url="ftp://example.org/x")
    assert set(error.fields) == {"body", "source_url", "name", "email"}
    assert error.status == 422


def test_a_request_may_only_point_at_a_published_comment_on_the_same_article(make_article, article):
    elsewhere = make_comment(make_article())
    held = make_comment(article, rules=CommentRules(hold_all=True))
    for comment in (elsewhere, held):
        error = _refused(_request, article, comment_id=comment.id)
        assert error.field == "comment_id"
        assert error.message == f"Comment {comment.id} is not a published comment on this article."
    assert _count(CorrectionRequest) == 0


def test_requests_go_on_published_articles_only(make_article, dana):
    draft = make_article(author=dana, published=False)
    error = _refused(_request, draft)
    assert (error.status, error.code) == (409, "not_published")


def test_the_same_request_twice_is_a_conflict(make_user, make_article, article):
    reader = make_user("reader")
    body = "The budget was four million."
    _request(article, Requester(user=reader), body=body)
    _request(article, _requester(email="rita@example.org"), body=body)
    for requester in (Requester(user=reader), _requester(email="RITA@example.org")):
        error = _refused(_request, article, requester, body=body)
        assert (error.status, error.code, error.field) == (409, "duplicate", "body")
    # Someone else, or the same words on another article, is a new request.
    _request(article, _requester(email="sam@example.org"), body=body)
    _request(make_article(), Requester(user=reader), body=body)
    assert _count(CorrectionRequest) == 4


def test_a_request_the_spam_checks_catch_is_kept_as_spam_with_the_reasons(article, dana):
    rules = CommentRules(blocked_words=("casino",))
    stored = _request(article, body="The best numbers are at the Casino, see link.", rules=rules)
    assert (stored.status, stored.public_status, stored.spam_score) == (R_SPAM, "open", 1.0)
    assert [(r["code"], r["action"]) for r in stored.reasons] == [("blocked_words", "spam")]
    assert "casino" in stored.reasons[0]["message"]
    assert db.session.scalars(requests_query(dana, R_OPEN)).all() == []


# --- deciding requests -----------------------------------------------------------------------


def _request_in(article, status: RequestStatus, actor, note) -> CorrectionRequest:
    """A new request moved to `status` by the actor."""
    stored = _request(article)
    steps = {
        R_OPEN: [],
        R_ACK: ["acknowledge"],
        R_RESOLVED: ["resolve"],
        R_DECLINED: ["decline"],
        R_SPAM: ["spam"],
    }[status]
    for action in steps:
        decide_request(stored, action, actor, note_id=note.id, reason="The figure was right.")
    assert stored.status is status
    return stored


@pytest.mark.parametrize("start", list(RequestStatus), ids=lambda s: s.value)
def test_every_request_action_from_every_state_moves_or_is_refused_with_409(article, dana, start):
    note = make_note(article, dana)
    for action, (sources, target) in REQUEST_MOVES.items():
        stored = _request_in(article, start, dana, note)
        if start in sources:
            decide_request(stored, action, dana, note_id=note.id, reason="The figure was right.")
            assert db.session.get(CorrectionRequest, stored.id).status is target, action
        else:
            error = _refused(decide_request, stored, action, dana, note_id=note.id, reason="The figure was right.")
            assert (error.code, error.status) == ("invalid_transition", 409), action
            assert error.message == f"A request that is {start.value} cannot be moved that way ({action})."
            assert stored.status is start


def test_acknowledging_records_when_and_tells_nobody(article, dana):
    stored = _request(article)
    decide_request(stored, "acknowledge", dana)
    assert stored.acknowledged_at is not None and stored.decided_at is None
    assert _outbox() == []


def test_resolving_needs_a_note_on_the_same_article_and_tells_the_requester(make_article, article, dana):
    stored = _request(article, _requester(name="Rita Reader", email="rita@example.org"))
    elsewhere = make_note(make_article(author=dana), dana)
    for note_id in (None, elsewhere.id, 987654):
        error = _refused(decide_request, stored, "resolve", dana, note_id=note_id)
        assert error.field == "note_id"
    assert (stored.status, stored.note_id, _outbox()) == (R_OPEN, None, [])
    note = make_note(article, dana)
    decide_request(stored, "resolve", dana, note_id=note.id)
    assert (stored.status, stored.note_id, stored.decided_by_id) == (R_RESOLVED, note.id, dana.id)
    assert stored.decided_at is not None
    assert _outbox() == [("request_decided", stored.id, "Rita Reader", "rita@example.org", None)]
    body = db.session.scalar(select(OutboxMessage.body))
    assert f"It was resolved by a note: http://localhost/articles/{article.slug}#note-{note.id}\n" in body
    assert requests_on_page(article, None, set()) == ([], [stored])


@pytest.mark.parametrize("reason", [None, "  ", "x" * 501])
def test_declining_needs_a_reason(article, dana, reason):
    stored = _request(article)
    error = _refused(decide_request, stored, "decline", dana, reason=reason)
    assert (error.field, error.status) == ("reason", 422)
    assert (stored.status, stored.decline_reason, _outbox()) == (R_OPEN, None, [])


def test_declining_stores_the_reason_and_tells_the_requester(article, dana):
    stored = _request(article, _requester(name="Rita Reader", email="rita@example.org"))
    decide_request(stored, "decline", dana, reason=" The minutes  say three million. ")
    assert (stored.status, stored.decline_reason, stored.decided_by_id) == (
        R_DECLINED,
        "The minutes say three million.",
        dana.id,
    )
    assert _outbox() == [("request_decided", stored.id, "Rita Reader", "rita@example.org", None)]
    body = db.session.scalar(select(OutboxMessage.body))
    assert "It was declined: The minutes say three million." in body
    assert f"The article: http://localhost/articles/{article.slug}\n" in body


def test_reopening_clears_the_outcome(article, dana):
    note = make_note(article, dana)
    resolved = _request_in(article, R_RESOLVED, dana, note)
    declined = _request_in(article, R_DECLINED, dana, note)
    for stored in (resolved, declined):
        decide_request(stored, "reopen", dana)
        assert (stored.status, stored.note_id, stored.decline_reason) == (R_ACK, None, None)
    assert requests_on_page(article, None, set()) == ([], [])


def test_only_the_author_and_admins_decide_requests(make_user, article):
    stored = _request(article)
    for role in ("reader", "moderator", "author"):
        error = _refused(decide_request, stored, "acknowledge", make_user(role))
        assert (error.status, error.code) == (403, "forbidden")
    assert stored.status is R_OPEN
    decide_request(stored, "acknowledge", make_user("admin"))
    assert stored.status is R_ACK


def test_an_unknown_action_is_a_field_error(article, dana):
    stored = _request(article)
    error = _refused(decide_request, stored, "close", dana)
    assert (error.field, error.status) == ("action", 422)
    assert stored.status is R_OPEN


def test_a_request_from_a_guest_flag_has_no_email_so_its_outcome_is_not_sent(article, dana):
    comment = make_comment(article)
    key = moderation.guest_reporter_key("198.51.100.7", "cookie-1")
    moderation.flag_comment(comment, key, "factual_error", None, OPEN, ip_network="198.51.100.0/24")
    stored = db.session.scalar(select(CorrectionRequest))
    assert (stored.name, stored.email, stored.user_id, stored.ip_network) == ("A reader", None, None, "198.51.100.0/24")
    decide_request(stored, "decline", dana, reason="The comment is mistaken.")
    assert _outbox() == []


def test_requests_query_shows_authors_their_own_articles_and_admins_all(make_user, make_article, article, dana):
    admin = make_user("admin")
    other = make_article()
    mine_first, theirs, mine_last = _request(article), _request(other), _request(article)
    decide_request(mine_last, "acknowledge", dana)
    assert db.session.scalars(requests_query(dana)).all() == [mine_last, mine_first]
    assert db.session.scalars(requests_query(admin)).all() == [mine_last, theirs, mine_first]
    assert db.session.scalars(requests_query(dana, R_ACK)).all() == [mine_last]
    assert db.session.scalars(requests_query(admin, article=other)).all() == [theirs]
    assert db.session.scalars(requests_query(dana, article=other)).all() == []
    assert request_counts(dana) == {"spam": 0, "open": 1, "acknowledged": 1, "resolved": 0, "declined": 0}
    assert request_counts(admin) == {"spam": 0, "open": 2, "acknowledged": 1, "resolved": 0, "declined": 0}
    assert request_counts(make_user("author")) == dict.fromkeys([s.value for s in RequestStatus], 0)


def test_a_page_shows_a_reader_their_own_requests_and_everyone_the_decided_ones(make_user, article, dana):
    reader = make_user("reader")
    by_reader = _request(article, Requester(user=reader))
    by_guest = _request(article)
    declined = _request(article, _requester(email="sam@example.org"))
    decide_request(declined, "decline", dana, reason="The figure was right.")
    assert requests_on_page(article, reader, set()) == ([by_reader], [declined])
    # A guest's cookie proves only guest requests: never an account's.
    assert requests_on_page(article, None, {by_guest.id, by_reader.id}) == ([by_guest], [declined])
    assert requests_on_page(article, None, set()) == ([], [declined])


# --- factual-error flags ---------------------------------------------------------------------


def test_a_factual_error_flag_becomes_a_request_and_never_hides_the_comment(make_user, article):
    reader = make_user("reader", name="Rob Reader", email="rob@example.org")
    rules = CommentRules(flag_threshold=1)
    comment = make_comment(article, writer=make_guest("Gail Guest", "gail@example.org"))
    flag = moderation.flag_comment(comment, f"user:{reader.id}", "factual_error", None, rules, user=reader)
    stored = db.session.scalar(select(CorrectionRequest))
    assert (stored.comment_id, stored.flag_id) == (comment.id, flag.id)
    assert (stored.user_id, stored.email) == (reader.id, "rob@example.org")
    assert stored.status is R_OPEN
    assert stored.body == f"A reader thinks this comment by Gail Guest points out a factual error: “{comment.body}”"
    stored_flag = db.session.get(Flag, flag.id)
    assert stored_flag.resolution == "to_author" and stored_flag.resolved_at is not None
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status is CommentStatus.approved
    assert db.session.scalar(select(func.count()).where(ModerationEvent.action == "hide")) == 0
    # The same threshold does hide a comment flagged for another reason.
    other = make_comment(article)
    moderation.flag_comment(other, f"user:{reader.id}", "abusive", None, rules, user=reader)
    db.session.expire_all()
    assert db.session.get(Comment, other.id).status is CommentStatus.pending


def test_a_factual_error_flags_note_becomes_the_requests_body(make_user, article):
    reader = make_user("reader")
    comment = make_comment(article)
    note = "The minutes say four million."
    moderation.flag_comment(comment, f"user:{reader.id}", "factual_error", note, OPEN, user=reader)
    assert db.session.scalar(select(CorrectionRequest.body)) == "The minutes say four million."


def test_a_reader_may_flag_two_comments_as_factual_errors_with_the_same_note(make_user, article):
    reader = make_user("reader")
    first, second = make_comment(article), make_comment(article)
    for comment in (first, second):
        moderation.flag_comment(comment, f"user:{reader.id}", "factual_error", "Check the minutes.", OPEN, user=reader)
    cited = db.session.scalars(select(CorrectionRequest.comment_id).order_by(CorrectionRequest.id)).all()
    assert cited == [first.id, second.id]


# --- review fixes ----------------------------------------------------------------------------


def test_a_kind_change_keeps_the_name_and_role_the_note_was_signed_with(make_user, make_article):
    host = make_user("admin", name="Dana Reyes")
    story = make_article(author=host, body=BODY)
    note = make_note(story, host, "correction")
    assert note.signature == "Correction — Dana Reyes, author"
    story.guest_author_name = "Marisol Vega"  # a guest byline added afterwards changes nothing already signed
    db.session.commit()
    amend_note(note, host, kind="update")
    assert note.signature == "Update — Dana Reyes, author"


def test_retracting_twice_is_a_conflict_even_without_a_reason(article, dana):
    note = make_note(article, dana)
    retract_note(note, dana, "Wrong figure.")
    error = _refused(retract_note, note, dana, "")
    assert (error.status, error.code) == (409, "invalid_transition")


def test_a_retracted_note_cannot_resolve_a_request(article, dana):
    note = make_note(article, dana)
    retract_note(note, dana, "Wrong figure.")
    pending = _request(article)
    error = _refused(decide_request, pending, "resolve", dana, note_id=note.id)
    assert (error.status, error.field) == (422, "note_id")
    assert db.session.get(CorrectionRequest, pending.id).status is R_OPEN


def test_a_note_does_not_jump_to_a_merely_similar_short_paragraph(make_article, dana):
    story = make_article(
        author=dana, body="First point.\n\nSecond point.\n\nA much longer closing paragraph about buses."
    )
    note = make_note(story, dana, paragraph="p-2")
    update_article(story, body="First point.\n\nA much longer closing paragraph about buses.", editor=dana)
    assert (note.anchor, note.anchor_lost) == (None, True)
    assert place_notes(story, notes_for(story)).lost == [note]


def test_the_articles_author_is_not_screened_for_content_when_asking_for_a_correction(article, dana):
    rules = CommentRules(blocked_words=("casino",))
    own = _request(article, _requester(user=dana), body="The casino figure in paragraph two is wrong.", rules=rules)
    assert (own.status, own.reasons) == (R_OPEN, [])
