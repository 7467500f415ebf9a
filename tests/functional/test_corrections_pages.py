"""The corrections pages through HTTP: notes on the article page, writing, amending and retracting them,
correction requests and the author's desk, the history timeline, recent notes and the Atom feeds."""

import itertools
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CorrectionRequest, Note, NoteRevision, RequestStatus
from app.services import correction_requests, moderation, notes
from app.services.articles import update_article
from app.services.settings import CommentRules
from tests.conftest import PASSWORD
from tests.factories import make_comment, make_guest, make_note

OPEN = CommentRules()
HELD = CommentRules(hold_all=True)
ATOM = "{http://www.w3.org/2005/Atom}"
BODY = (
    "The limit is around $10,000 in most states.\n\n"
    "Small claims courts decide within weeks.\n\n"
    "- Bring your receipts\n"
    "- Bring a witness"
)
GUEST = {"name": "Gail Guest", "email": "gail@example.org"}
ASKED = "The limit is $5,000, not $10,000."
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# --- helpers ---------------------------------------------------------------------------------


def _browser(app, user=None):
    """A browser with its own cookies, signed in through the real form when given a user (its flash already seen)."""
    browser = app.test_client()
    if user is not None:
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert _flashes(_landing(browser, response)) == [f"Signed in as {user.name}."]
    return browser


def _html(response) -> str:
    return response.get_data(as_text=True)


def _get(browser, url: str, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, url
    return _html(response)


def _flashes(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash flash--\w+">(.*?)</p>', html, re.S)]


def _landing(browser, response, location: str | None = None) -> str:
    """Follow a redirect and return the page's HTML (checking where it went when asked)."""
    assert response.status_code == 302, _html(response)
    if location is not None:
        assert response.headers["Location"] == location
    return _get(browser, response.headers["Location"].split("#")[0])


def _text(html: str) -> str:
    """Visible text without tags, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _field_errors(html: str, field_id: str) -> list[str]:
    block = re.search(rf'<div id="{field_id}-error" class="field__errors"[^>]*>(.*?)</div>', html, re.S)
    assert block, f"no error slot for {field_id}"
    return [unescape(m) for m in re.findall(r'<p class="field__error">(.*?)</p>', block.group(1))]


def _form_errors(html: str) -> list[str]:
    block = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', html, re.S)
    assert block, "no form errors slot"
    return [unescape(m) for m in re.findall(r'<p class="field__error">(.*?)</p>', block.group(1))]


def _input_value(html: str, field_id: str) -> str | None:
    match = re.search(rf'<input [^>]*id="{field_id}"[^>]*>', html)
    assert match, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else None


def _textarea(html: str, field_id: str) -> str:
    match = re.search(rf'<textarea [^>]*id="{field_id}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {field_id}"
    return unescape(match.group(1))


def _selected(html: str, field_id: str) -> str | None:
    select_ = re.search(rf'<select [^>]*id="{field_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select_, f"no select {field_id}"
    chosen = [m for m in re.findall(r"<option ([^>]*)>", select_.group(1)) if "selected" in m]
    return re.search(r'value="([^"]*)"', chosen[0]).group(1) if chosen else None


class _NotePlaces(HTMLParser):
    """Where each note sits: the last anchored paragraph closed before it, and the anchored block around it."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.last_paragraph: str | None = None
        self.places: dict[int, tuple[str | None, str | None]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        ident = attrs.get("id") or ""
        if tag == "aside" and re.fullmatch(r"note-\d+", ident):
            around = next((i for _, i in reversed(self.stack) if i and (i.startswith("p-") or i == "notes")), None)
            self.places[int(ident.removeprefix("note-"))] = (self.last_paragraph, around)
        if tag not in VOID:
            self.stack.append((tag, ident or None))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, ident = self.stack.pop()
            if open_tag == tag:
                if ident and ident.startswith("p-"):
                    self.last_paragraph = ident
                break


def _places(html: str) -> dict[int, tuple[str | None, str | None]]:
    parser = _NotePlaces()
    parser.feed(html)
    return parser.places


def _note_card(html: str, note_id: int) -> str:
    match = re.search(rf'<aside class="note[^"]*" id="note-{note_id}".*?</aside>', html, re.S)
    assert match, f"no note {note_id}"
    return match.group(0)


def _json_ld(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def _add_note(browser, article, query: str = "", **fields):
    data = {"kind": "correction", "paragraph": "", "body": "The limit is $5,000.", "prompted_by": "", **fields}
    return browser.post(f"/articles/{article.slug}/notes/new{query}", data=data)


def _ask(browser, article, body: str = ASKED, **fields):
    return browser.post(f"/articles/{article.slug}/correction-requests", data={"body": body, **fields})


def _csrf(html: str, form: str) -> str:
    """The CSRF token inside the first form whose opening tag matches `form` (a pattern)."""
    found = re.search(rf"<form [^>]*{form}[^>]*>(.*?)</form>", html, re.S)
    assert found, f"no form {form}"
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', found.group(1)).group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _stored_request(request_id: int) -> CorrectionRequest:
    db.session.expire_all()
    return db.session.get(CorrectionRequest, request_id)


def _newest_request() -> CorrectionRequest:
    db.session.expire_all()
    return db.session.scalars(select(CorrectionRequest).order_by(CorrectionRequest.id.desc())).first()


def _your_requests(html: str) -> list[str]:
    block = re.search(r'<div id="your-requests" class="your-requests">(.*?)</div>', html, re.S)
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)] if block else []


def _decided(html: str) -> tuple[str, list[str]] | None:
    block = re.search(r'<details class="decided-requests">\s*<summary>(.*?)</summary>(.*?)</details>', html, re.S)
    if not block:
        return None
    return block.group(1), [_text(item) for item in re.findall(r"<li>(.*?)</li>", block.group(2), re.S)]


def _desk_items(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="mod-item request-item" id="request-(\d+)"', html)]


def _desk_tabs(html: str) -> dict[str, int]:
    return {
        label: int(n)
        for label, n in re.findall(
            r'>(Open|Acknowledged|Resolved|Declined|Caught as spam) <span class="count">(\d+)</span></a>', html
        )
    }


def _decide(browser, request_id: int, action: str, status: str = "open", **fields):
    return browser.post(f"/author/requests/{request_id}?status={status}", data={"action": action, **fields})


def _timeline(html: str) -> list[str]:
    return [
        _text(label)
        for label in re.findall(
            r'<li class="timeline__item timeline__item--\w+"[^>]*>\s*<p><strong>(.*?)</strong>', html, re.S
        )
    ]


def _edit_article(browser, article, body: str, title: str | None = None):
    response = browser.post(
        f"/author/articles/{article.slug}/edit", data={"title": title or article.title, "body": body, "action": "save"}
    )
    assert response.status_code == 302, _html(response)


# --- notes on the article page ---------------------------------------------------------------


def test_notes_follow_their_paragraph_sit_inside_list_items_or_go_to_the_end(client, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, title="Small claims", body=BODY)
    first = make_note(article, author, "correction", "It is $5,000 since March.", paragraph="p-1")
    item = make_note(article, author, "update", "Copies of receipts are enough.", paragraph="p-3")
    end = make_note(article, author, "clarification", "This is about US states.")

    html = _get(client, f"/articles/{article.slug}")
    assert _places(html) == {first.id: ("p-1", None), item.id: ("p-2", "p-3"), end.id: ("p-4", "notes")}
    assert re.search(
        rf'<p id="p-1">The limit is around \$10,000 in most states.</p><div class="notes-inline">\s*'
        rf'<aside class="note note--correction" id="note-{first.id}"',
        html,
    )
    assert re.search(
        rf'<li id="p-3">Bring your receipts<div class="notes-inline">\s*'
        rf'<aside class="note note--update" id="note-{item.id}"',
        html,
    )
    card = _note_card(html, first.id)
    assert f'<p class="note__label" id="note-{first.id}-label">Correction</p>' in card
    assert '<div class="note__body"><p>It is $5,000 since March.</p>' in card
    assert re.search(
        r'<p class="note__signature"><span class="avatar avatar--\d" data-initials="DR" aria-hidden="true"></span>'
        rf'<a href="/people/{author.id}">Correction — Dana Reyes, author</a> · '
        r'<time datetime="[^"]+Z" data-time="date">',
        card,
    )
    index = re.findall(r'<li><a href="#note-(\d+)">(\w+)</a> in the text', html)
    assert index == [(str(first.id), "Correction"), (str(item.id), "Update")]
    assert "a later edit removed" not in html
    assert f'<a href="/articles/{article.slug}/corrections.atom">Follow this article\'s notes (Atom feed)</a>' in html


def test_an_article_without_notes_has_no_notes_section_summary_or_correction_data(client, make_article):
    article = make_article(body=BODY)
    html = _get(client, f"/articles/{article.slug}")
    assert 'id="notes"' not in html and "corrections-summary" not in html and "<aside" not in html
    assert "correction" not in _json_ld(html)
    assert '<details class="request-form" id="suggest-correction">' in html


def test_a_note_whose_paragraph_an_edit_removed_moves_to_the_end_and_others_follow_theirs(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    gone = make_note(article, author, "clarification", "Most take six weeks.", paragraph="p-2")
    kept = make_note(article, author, "update", "Copies of receipts are enough.", paragraph="p-3")
    browser = _browser(app, author)
    _edit_article(
        browser, article, "The limit is around $10,000 in most states.\n\n- Bring your receipts\n- Bring a witness"
    )

    html = _get(app.test_client(), f"/articles/{article.slug}")
    assert _places(html) == {kept.id: ("p-1", "p-2"), gone.id: ("p-3", "notes")}
    assert (
        '<p class="note__lost">This note followed a paragraph that a later edit removed; it now sits at the end.</p>'
        in _note_card(html, gone.id)
    )
    assert "a later edit removed" not in _note_card(html, kept.id)


def test_a_retracted_note_is_struck_through_with_its_reason_and_no_longer_counts_as_a_correction(
    app, make_user, make_article
):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, body=BODY)
    cited = make_comment(article, "It is $5,000.", make_guest("Carl Commenter", "carl@example.org"))
    note = make_note(article, author, "correction", "It is $5,000.", paragraph="p-1", prompted_by=[cited.id])
    browser = _browser(app, author)
    before = _get(browser, f"/articles/{article.slug}")
    assert "Corrected on" in before and "correction" in _json_ld(before)

    response = browser.post(
        f"/articles/{article.slug}/notes/{note.id}/retract", data={"reason": "The old limit was right."}
    )
    html = _landing(browser, response, f"/articles/{article.slug}#note-{note.id}")
    assert _flashes(html) == ["Note retracted. It stays on the page, struck through, with your reason."]
    card = _note_card(html, note.id)
    assert card.startswith(f'<aside class="note note--correction note--retracted" id="note-{note.id}"')
    assert (
        f'<p class="note__label" id="note-{note.id}-label">Correction <span class="note__state">retracted</span></p>'
        in card
    )
    assert re.search(
        r'<p class="note__retraction"><strong>Retracted</strong> on <time [^>]+>[^<]+</time>: '
        r"The old limit was right.</p>",
        card,
    )
    assert '<div class="note__body"><del><p>It is $5,000.</p>\n</del></div>' in card
    assert "/amend" not in card and "/retract" not in card
    assert "corrections-summary" not in html and "Corrected on" not in html
    assert "correction" not in _json_ld(html)
    assert (
        f'<a class="led-to led-to--retracted" href="#note-{note.id}">Led to a correction (since retracted)</a>' in html
    )
    assert f'<li><a href="#note-{note.id}">Correction (retracted)</a> in the text' in html
    stored = db.session.get(Note, note.id)
    assert (stored.retracted_reason, stored.retracted_by_id) == ("The old limit was right.", author.id)


def test_the_summary_counts_standing_corrections_only(client, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    make_note(article, author, "update", "News.")
    html = _get(client, f"/articles/{article.slug}")
    assert "corrections-summary" not in html
    first = make_note(article, author, "correction", "One.")
    second = make_note(article, author, "correction", "Two.", paragraph="p-2")
    notes.retract_note(make_note(article, author, "correction", "Three."), author, "Wrong.")
    html = _get(client, f"/articles/{article.slug}")
    summary = re.search(r'<p class="corrections-summary" role="note">(.*?)</p>', html, re.S).group(1)
    assert f'<time datetime="{second.created_at:%Y-%m-%dT%H:%M:%SZ}" data-time="date">' in summary
    assert (
        _text(summary) == f"Corrected on {second.created_at.day} {second.created_at:%B %Y} (2 corrections); see notes."
    )
    assert '<a href="#notes">see notes</a>' in summary
    notes.retract_note(first, author, "Wrong too.")
    html = _get(client, f"/articles/{article.slug}")
    assert re.search(r"Corrected on <time [^>]+>[^<]+</time>; <a href=\"#notes\">see notes</a>", html)


def test_prompted_by_links_each_comment_through_its_permalink_and_comments_show_what_they_led_to(
    app, client, make_user, make_article
):
    app.config["COMMENTS_PER_PAGE"] = 1
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    ann, ben, cy = (
        make_comment(article, f"Point {n}.", make_guest(name, f"{name.split()[0].lower()}@example.org"))
        for n, name in enumerate(["Ann A", "Ben B", "Cy C"])
    )
    correction = make_note(
        article, author, "correction", "Fixed.", paragraph="p-1", prompted_by=[cy.id, ann.id, ben.id]
    )
    update = make_note(article, author, "update", "More.", prompted_by=[ann.id])

    html = _get(client, f"/articles/{article.slug}")
    prompted = re.search(r'<p class="note__prompted">(.*?)</p>', _note_card(html, correction.id), re.S).group(1)
    assert _text(prompted) == "Prompted by comments from Ann A, Ben B and Cy C"
    assert re.findall(r'<a href="(/comments/\d+)">', prompted) == [f"/comments/{c.id}" for c in (ann, ben, cy)]
    assert _text(re.search(r'<p class="note__prompted">(.*?)</p>', _note_card(html, update.id), re.S).group(1)) == (
        "Prompted by a comment from Ann A"
    )
    # The permalink finds the comment's page of the discussion.
    assert client.get(f"/comments/{ann.id}").headers["Location"] == f"/articles/{article.slug}#comment-{ann.id}"
    assert client.get(f"/comments/{ben.id}").headers["Location"] == f"/articles/{article.slug}?page=2#comment-{ben.id}"
    assert client.get("/comments/99999").status_code == 404

    led_to = re.search(rf'id="comment-{ann.id}".*?<p class="comment__led-to">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r'<a class="led-to" href="#note-(\d+)">(.*?)</a>', led_to) == [
        (str(correction.id), "Led to a correction"),
        (str(update.id), "Led to an update"),
    ]
    page3 = _get(client, f"/articles/{article.slug}?page=3")
    assert f'<a class="led-to" href="#note-{correction.id}">Led to a correction</a>' in page3


def test_a_note_never_links_a_cited_comment_that_was_removed_later(client, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    cited = make_comment(article, "It is $5,000.", make_guest("Carl Commenter", "carl@example.org"))
    note = make_note(article, author, prompted_by=[cited.id])
    moderation.apply(cited, "trash", make_user("moderator"), "abusive")

    html = _get(client, f"/articles/{article.slug}")
    prompted = re.search(r'<p class="note__prompted">(.*?)</p>', _note_card(html, note.id), re.S).group(1)
    assert " ".join(prompted.split()) == "Prompted by a comment that has since been removed"
    for href in re.findall(r'<a href="([^"]+)"', prompted):
        assert client.get(href).status_code != 404, href


def test_a_note_names_the_cited_comments_still_shown_and_counts_the_removed_ones(client, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    kept = make_comment(article, "It is $5,000.", make_guest("Carl Commenter", "carl@example.org"))
    gone = make_comment(article, "And the date is wrong.", make_guest("Dora Doubter", "dora@example.org"))
    note = make_note(article, author, prompted_by=[kept.id, gone.id])
    moderation.apply(gone, "trash", make_user("moderator"), "abusive")

    html = _get(client, f"/articles/{article.slug}")
    prompted = re.search(r'<p class="note__prompted">(.*?)</p>', _note_card(html, note.id), re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", "", prompted).split())
    assert text == "Prompted by comments from Carl Commenter and one other that has since been removed"
    assert "Dora Doubter" not in prompted and f"/comments/{gone.id}" not in prompted


def test_the_json_ld_lists_standing_corrections_and_cannot_break_out_of_its_script(client, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, title="Small claims", body=BODY)
    hostile = make_note(
        article, author, "correction", "It is $5,000. </script><script>alert(1)</script>", paragraph="p-1"
    )
    make_note(article, author, "update", "An update is not a correction.")
    notes.retract_note(make_note(article, author, "correction", "Withdrawn."), author, "Wrong.")
    latest = db.session.scalars(select(Note).order_by(Note.id.desc())).first()

    response = client.get(f"/articles/{article.slug}")
    html = _html(response)
    assert html.count("<script") == 3  # times.js, comments.js and the JSON-LD; the note's text made none
    assert "alert(1)</script>" not in html
    page = f"http://localhost/articles/{article.slug}"
    assert _json_ld(html) == {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": "Small claims",
        "url": page,
        "author": {"@type": "Person", "name": "Dana Reyes"},
        "publisher": {"@type": "Organization", "name": "Afterword"},
        "datePublished": article.published_at.isoformat(),
        "dateModified": latest.created_at.isoformat(),
        "correction": [
            {
                "@type": "CorrectionComment",
                "text": "It is $5,000. </script><script>alert(1)</script>",
                "datePublished": hostile.created_at.isoformat(),
                "url": f"{page}#note-{hostile.id}",
            }
        ],
    }
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in _note_card(html, hostile.id)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_guest_authors_post_names_the_guest_in_json_ld_and_the_host_signs_notes(app, make_user, make_article):
    host = make_user("author", name="Hal Host")
    article = make_article(author=host, body=BODY, guest=("Gwen Writer", "Writes about courts."))
    browser = _browser(app, host)
    html = _landing(browser, _add_note(browser, article, body="Fixed the date."))
    assert _json_ld(html)["author"] == {"@type": "Person", "name": "Gwen Writer"}
    note = db.session.scalars(select(Note)).one()
    assert note.signature == "Correction — Hal Host, site host"
    assert f'<a href="/people/{host.id}">Correction — Hal Host, site host</a> ·' in _note_card(html, note.id)


@pytest.mark.parametrize(
    ("who", "writes"),
    [
        ("owner", True),
        ("admin", True),
        ("other_author", False),
        ("moderator", False),
        ("reader", False),
        ("guest", False),
    ],
)
def test_only_those_who_may_write_notes_see_the_links_to_write_them(app, make_user, make_article, who, writes):
    owner = make_user("author")
    article = make_article(author=owner, body=BODY)
    comment = make_comment(article)
    note = make_note(article, owner)
    users = {
        "owner": owner,
        "admin": make_user("admin"),
        "other_author": make_user("author"),
        "moderator": make_user("moderator"),
        "reader": make_user("reader"),
        "guest": None,
    }
    html = _get(_browser(app, users[who]), f"/articles/{article.slug}")
    links = [
        f'<a class="button" href="/articles/{article.slug}/notes/new">Add a note</a>',
        f'<a href="/articles/{article.slug}/notes/new?prompted_by={comment.id}">Cite in a note',
        f'href="/articles/{article.slug}/notes/{note.id}/amend">Amend',
        f'href="/articles/{article.slug}/notes/{note.id}/retract">Retract',
    ]
    assert [link in html for link in links] == [writes] * 4


# --- writing, amending and retracting notes --------------------------------------------------


def test_the_note_form_offers_each_paragraph_and_shows_the_comments_it_cites(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    cited = make_comment(article, "It is $5,000.", make_guest("Carl Commenter", "carl@example.org"))
    held = make_comment(article, "Held back.", make_guest("Hank Held", "hank@example.org"), rules=HELD)
    browser = _browser(app, author)

    html = _get(browser, f"/articles/{article.slug}/notes/new?prompted_by={cited.id},{held.id}&paragraph=p-2")
    options = re.findall(
        r'<option (?:selected )?value="([^"]*)"(?: selected)?>(.*?)</option>',
        re.search(r'<select [^>]*id="paragraph".*?</select>', html, re.S).group(0),
    )
    assert options == [
        ("", "At the end of the article"),
        ("p-1", "After paragraph 1: The limit is around $10,000 in most states."),
        ("p-2", "After paragraph 2: Small claims courts decide within weeks."),
        ("p-3", "After paragraph 3: Bring your receipts"),
        ("p-4", "After paragraph 4: Bring a witness"),
    ]
    assert _selected(html, "paragraph") == "p-2"
    assert _input_value(html, "prompted_by") == f"{cited.id},{held.id}"
    citing = re.search(r'<div class="cited">(.*?)</div>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", citing) == [f"#{cited.id} <bdi>Carl Commenter</bdi>: <q>It is $5,000.</q>"]
    assert f'action="/articles/{article.slug}/notes/new"' in html


def test_adding_a_note_through_the_form_places_signs_and_cites(app, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    admin = make_user("admin", name="Ada Admin")
    article = make_article(author=author, body=BODY)
    first, second = (
        make_comment(article, "It is $5,000.", make_guest("Carl C", "carl@example.org")),
        make_comment(article, "Since March.", make_guest("Dee D", "dee@example.org")),
    )
    browser = _browser(app, author)

    response = _add_note(
        browser,
        article,
        kind="correction",
        paragraph="p-1",
        body="It is *$5,000*.",
        prompted_by=f"{first.id}, #{second.id}",
    )
    note = db.session.scalars(select(Note)).one()
    html = _landing(browser, response, f"/articles/{article.slug}#note-{note.id}")
    assert _flashes(html) == ["Correction added."]
    assert (note.kind.value, note.anchor, note.prompted_by) == ("correction", "p-1", [first.id, second.id])
    assert '<div class="note__body"><p>It is <em>$5,000</em>.</p>' in _note_card(html, note.id)
    assert _places(html)[note.id] == ("p-1", None)

    admin_browser = _browser(app, admin)
    response = _add_note(admin_browser, article, kind="editors_note", body="Reviewed by the desk.")
    added = db.session.scalars(select(Note).order_by(Note.id.desc())).first()
    html = _landing(admin_browser, response, f"/articles/{article.slug}#note-{added.id}")
    assert _flashes(html) == ["Editor's note added."]
    assert added.signature == "Editor's note — Ada Admin, editor"
    assert _places(html)[added.id] == ("p-4", "notes")


def test_note_form_errors_sit_next_to_their_fields_keep_the_text_and_store_nothing(app, make_user, make_article):
    author = make_user("author")
    article, elsewhere = make_article(author=author, body=BODY), make_article(author=author)
    stranger = make_comment(elsewhere, "Other article.")
    held = make_comment(article, "Held back.", rules=HELD)
    browser = _browser(app, author)

    response = _add_note(browser, article, body="   ", prompted_by="12x, 99999")
    assert response.status_code == 422
    html = _html(response)
    assert _field_errors(html, "body") == ["Write the note before adding it."]
    assert _field_errors(html, "prompted_by") == ["'12x' is not a comment number."]
    assert _input_value(html, "prompted_by") == "12x, 99999"

    for cites, message in (
        ("99999", "Comment 99999 is not a comment on this article."),
        (str(stranger.id), f"Comment {stranger.id} is not a comment on this article."),
        (str(held.id), f"Comment {held.id} is not published, so a note cannot cite it."),
        (",".join(str(n) for n in range(1, 23)), "A note cites at most 20 comments."),
    ):
        response = _add_note(browser, article, body="Kept *text*.", prompted_by=cites)
        assert response.status_code == 422, cites
        html = _html(response)
        assert _field_errors(html, "prompted_by") == [message]
        assert _field_errors(html, "body") == []
        assert _textarea(html, "body") == "Kept *text*."

    # A forged kind and place are reported by the service together with the other problems.
    response = _add_note(browser, article, kind="erratum", paragraph="p-9", body=" ")
    assert response.status_code == 422
    html = _html(response)
    assert _field_errors(html, "kind") == ["Choose a kind of note: correction, update, clarification, editors_note."]
    assert _field_errors(html, "paragraph") == [
        "This article has no paragraph 'p-9'; choose one of its paragraphs (p-1, p-2, ...) or the end."
    ]
    assert _field_errors(html, "body") == ["Write the note before adding it."]
    assert _count(Note) == 0


def _writer_urls(article, note) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"/articles/{article.slug}/notes/new", {}),
        ("POST", f"/articles/{article.slug}/notes/new", {"kind": "correction", "paragraph": "", "body": "Sneaky."}),
        ("GET", f"/articles/{article.slug}/notes/{note.id}/amend", {}),
        ("POST", f"/articles/{article.slug}/notes/{note.id}/amend", {"kind": "update", "body": "Sneaky."}),
        ("GET", f"/articles/{article.slug}/notes/{note.id}/retract", {}),
        ("POST", f"/articles/{article.slug}/notes/{note.id}/retract", {"reason": "Sneaky."}),
    ]


def test_readers_moderators_and_other_authors_get_403_and_guests_are_sent_to_sign_in(app, make_user, make_article):
    owner = make_user("author")
    article = make_article(author=owner, body=BODY)
    note = make_note(article, owner, body="Original.")
    for user in (make_user("reader"), make_user("moderator"), make_user("author")):
        browser = _browser(app, user)
        for method, url, data in _writer_urls(article, note):
            assert browser.open(url, method=method, data=data).status_code == 403, (user.role, method, url)
    guest = app.test_client()
    for method, url, data in _writer_urls(article, note):
        response = guest.open(url, method=method, data=data)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), (method, url)
    db.session.expire_all()
    assert _count(Note) == 1 and _count(NoteRevision) == 0
    assert (note.body, note.kind.value, note.retracted_at) == ("Original.", "correction", None)


def test_notes_need_a_published_article_and_a_note_of_that_article(app, make_user, make_article):
    author = make_user("author")
    admin = make_user("admin")
    article, other = make_article(author=author), make_article(author=author)
    note = make_note(other, author)
    draft = make_article(author=author, published=False)
    browser = _browser(app, admin)
    _get(browser, f"/articles/{draft.slug}/notes/new", 404)
    assert _add_note(browser, draft).status_code == 404
    _get(browser, f"/articles/{article.slug}/notes/{note.id}/amend", 404)
    _get(browser, f"/articles/{article.slug}/notes/{note.id}/retract", 404)
    _get(browser, f"/articles/{article.slug}/notes/99999/amend", 404)
    _get(browser, "/articles/missing/notes/new", 404)


def test_amending_keeps_the_earlier_text_public(app, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, body=BODY)
    note = make_note(article, author, "correction", "It is $5,000.", paragraph="p-1")
    browser = _browser(app, author)

    form = _get(browser, f"/articles/{article.slug}/notes/{note.id}/amend")
    assert _textarea(form, "body") == "It is $5,000." and _selected(form, "kind") == "correction"
    for data, field, message in (
        ({"kind": "correction", "body": "It is $5,000."}, "body", "The note is unchanged."),
        ({"kind": "correction", "body": " "}, "body", "Write the note before adding it."),
    ):
        response = browser.post(f"/articles/{article.slug}/notes/{note.id}/amend", data=data)
        assert response.status_code == 422
        assert _field_errors(_html(response), field) == [message]
    assert _count(NoteRevision) == 0

    response = browser.post(
        f"/articles/{article.slug}/notes/{note.id}/amend",
        data={"kind": "clarification", "body": "It is $5,000 in most states."},
    )
    html = _landing(browser, response, f"/articles/{article.slug}#note-{note.id}")
    assert _flashes(html) == ["Note amended; its earlier text is in its history."]
    card = _note_card(html, note.id)
    assert '<div class="note__body"><p>It is $5,000 in most states.</p>' in card
    assert "Clarification — Dana Reyes, author" in card
    assert re.search(
        rf"· amended <time [^>]+>[^<]+</time> "
        rf'\(<a href="/articles/{article.slug}/history#note-{note.id}-history">earlier text</a>\)',
        card,
    )
    assert _places(html)[note.id] == ("p-1", None)

    history = _get(browser, f"/articles/{article.slug}/history")
    assert (
        '<div class="timeline__earlier"><p class="field__hint">Text before this amendment (Correction):</p>'
        "<p>It is $5,000.</p>" in history
    )
    kept = re.search(rf'<div id="note-{note.id}-history">(.*?)</details>', history, re.S).group(1)
    assert "<summary>1 earlier version</summary>" in kept and "<p>It is $5,000.</p>" in kept


def test_a_retraction_needs_a_reason_and_a_retracted_note_cannot_change_again(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    note = make_note(article, author, body="Wrong fix.")
    browser = _browser(app, author)
    url = f"/articles/{article.slug}/notes/{note.id}/retract"

    response = browser.post(url, data={"reason": "   "})
    assert response.status_code == 422
    assert _field_errors(_html(response), "reason") == ["Say why the note is retracted; readers see the reason."]
    assert db.session.get(Note, note.id).retracted_at is None

    _landing(browser, browser.post(url, data={"reason": "It was right before."}))
    assert "This note was retracted on" in _get(browser, url)
    response = browser.post(url, data={"reason": "Again."})
    assert response.status_code == 422 and "This note was retracted on" in _html(response)
    _get(browser, f"/articles/{article.slug}/notes/{note.id}/amend", 409)
    assert (
        browser.post(
            f"/articles/{article.slug}/notes/{note.id}/amend", data={"kind": "update", "body": "New."}
        ).status_code
        == 409
    )
    db.session.expire_all()
    stored = db.session.get(Note, note.id)
    assert (stored.retracted_reason, stored.body, _count(NoteRevision)) == ("It was right before.", "Wrong fix.", 0)


# --- correction requests ---------------------------------------------------------------------


def test_a_signed_in_reader_requests_a_correction_and_follows_its_state(app, make_user, make_article):
    reader = make_user("reader", name="Rae Reader", email="rae@example.org")
    article = make_article(body=BODY)
    browser = _browser(app, reader)
    form = _get(browser, f"/articles/{article.slug}")
    assert "Sending as <strong>Rae Reader</strong>." in form and 'id="request-email"' not in form

    response = _ask(browser, article, source_url="https://law.example/limit")
    html = _landing(browser, response, f"/articles/{article.slug}#your-requests")
    assert _flashes(html) == ["Thank you. Your request went to the article's author; you will see the outcome here."]
    assert "<h3>Your correction requests</h3>" in html
    assert _your_requests(html) == [f"{ASKED} — Open: waiting for the author"]
    assert '<span class="request-state request-state--open">' in html
    stored = _newest_request()
    assert (stored.user_id, stored.name, stored.email, stored.source_url, stored.status) == (
        reader.id,
        "Rae Reader",
        "rae@example.org",
        "https://law.example/limit",
        RequestStatus.open,
    )
    assert "rae@example.org" not in html
    for other in (app.test_client(), _browser(app, make_user("reader"))):
        page = _get(other, f"/articles/{article.slug}")
        assert 'id="your-requests"' not in page and ASKED not in page


def test_a_guest_sees_their_requests_through_a_signed_cookie(app, make_article):
    article = make_article(body=BODY)
    guest = app.test_client()
    response = _ask(guest, article, **GUEST)
    assert "aw_requests=" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    html = _landing(guest, response, f"/articles/{article.slug}#your-requests")
    assert _your_requests(html) == [f"{ASKED} — Open: waiting for the author"]
    _landing(guest, _ask(guest, article, "A second point.", **GUEST))
    assert len(_your_requests(_get(guest, f"/articles/{article.slug}"))) == 2
    stored = _newest_request()
    assert (stored.user_id, stored.name, stored.email) == (None, "Gail Guest", "gail@example.org")

    assert _your_requests(_get(app.test_client(), f"/articles/{article.slug}")) == []
    forger = app.test_client()
    forger.set_cookie("aw_requests", "WzEsMl0.forged")
    assert _your_requests(_get(forger, f"/articles/{article.slug}")) == []


def test_request_errors_show_next_to_their_fields_with_the_text_kept(app, make_article):
    article = make_article(body=BODY)
    guest = app.test_client()
    response = _ask(guest, article, "  ", source_url="ftp://example.org/x", name="", email="")
    assert response.status_code == 422
    html = _html(response)
    assert "<h1>Suggest a correction</h1>" in html
    assert _field_errors(html, "request-body") == ["Say what is wrong in the article."]
    assert _field_errors(html, "request-source-url") == ["A source is a link starting with http:// or https://."]
    assert _field_errors(html, "request-name") == ["Enter your name."]
    assert _input_value(html, "request-source-url") == "ftp://example.org/x"

    response = _ask(guest, article, "The limit is *wrong*.", name="Gail Guest", email="")
    assert response.status_code == 422
    html = _html(response)
    assert _field_errors(html, "request-email") == [
        "Enter your email address, so the author can tell you the outcome; it is never shown."
    ]
    assert _field_errors(html, "request-body") == []
    assert _textarea(html, "request-body") == "The limit is *wrong*."
    assert _input_value(html, "request-name") == "Gail Guest"
    assert _count(CorrectionRequest) == 0


def test_the_same_request_twice_is_refused_next_to_its_text(app, make_article):
    article = make_article(body=BODY)
    guest = app.test_client()
    _landing(guest, _ask(guest, article, **GUEST))
    response = _ask(guest, article, **GUEST)
    assert response.status_code == 409
    assert _field_errors(_html(response), "request-body") == ["You have already sent this request."]
    assert _count(CorrectionRequest) == 1


def test_the_page_forms_carry_working_csrf_tokens(app_with, make_user, make_article):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        author = make_user("author")
        article = make_article(author=author, body=BODY)
        guest = app.test_client()
        token = _csrf(_get(guest, f"/articles/{article.slug}"), 'class="request-form__form"')
        assert _ask(guest, article, **GUEST, csrf_token=token).status_code == 302
        asked = _newest_request()
        desk = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', _get(desk, "/login")).group(1)
        signed_in = desk.post("/login", data={"email": author.email, "password": PASSWORD, "csrf_token": token})
        assert signed_in.status_code == 302
        assert _decide(desk, asked.id, "acknowledge").status_code == 400
        token = _csrf(_get(desk, "/author/requests"), f'action="/author/requests/{asked.id}')
        assert _decide(desk, asked.id, "acknowledge", csrf_token=token).status_code == 302
        token = _csrf(_get(desk, f"/articles/{article.slug}/notes/new"), r'class="note-form"')
        assert _add_note(desk, article).status_code == 400
        assert _add_note(desk, article, csrf_token=token).status_code == 302
        note = db.session.scalars(select(Note)).one()
        amend = f"/articles/{article.slug}/notes/{note.id}/amend"
        token = _csrf(_get(desk, amend), r'class="note-form"')
        assert desk.post(amend, data={"kind": "update", "body": "Changed."}).status_code == 400
        assert desk.post(amend, data={"kind": "update", "body": "Changed.", "csrf_token": token}).status_code == 302
        retract = f"/articles/{article.slug}/notes/{note.id}/retract"
        token = _csrf(_get(desk, retract), r'class="note-form"')
        assert desk.post(retract, data={"reason": "Wrong.", "csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert (_stored_request(asked.id).status, note.body, note.retracted_reason) == (
            RequestStatus.acknowledged,
            "Changed.",
            "Wrong.",
        )


def test_a_request_with_an_expired_token_gets_its_text_back(app_with, make_article):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        article = make_article(body=BODY)
        response = _ask(app.test_client(), article, "Kept request text.", **GUEST)
        assert response.status_code == 400
        html = _html(response)
        assert _form_errors(html) == [
            "Your session expired; press the button again to send your request (your text is kept)."
        ]
        assert _textarea(html, "request-body") == "Kept request text."
        assert _count(CorrectionRequest) == 0


def test_a_rate_limited_request_keeps_its_text(app_with, make_article):
    with app_with(RATELIMIT_ENABLED=True, COMMENT_LIMIT_PER_NETWORK="1 per minute") as app:
        article = make_article(body=BODY)
        guest = app.test_client()
        assert _ask(guest, article, "First point.", **GUEST).status_code == 302
        response = _ask(guest, article, "Second point, kept.", **GUEST)
        assert response.status_code == 429
        assert _textarea(_html(response), "request-body") == "Second point, kept."
        assert _count(CorrectionRequest) == 1


def test_a_request_about_one_comment_shows_the_comment_and_reaches_the_desk_with_it(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    comment = make_comment(article, "It is $5,000 since March.", make_guest("Carl Commenter", "carl@example.org"))
    held = make_comment(article, "Held back.", rules=HELD)
    guest = app.test_client()

    html = _get(guest, f"/articles/{article.slug}/correction-requests?comment={comment.id}")
    assert "<h1>Suggest a correction</h1>" in html
    assert (
        '<p class="request-form__comment">About the comment by <bdi>Carl Commenter</bdi>: '
        "<q>It is $5,000 since March.</q></p>" in html
    )
    assert _input_value(html, "request-comment-id") == str(comment.id)
    assert "request-form__comment" not in _get(guest, f"/articles/{article.slug}/correction-requests?comment={held.id}")

    _landing(guest, _ask(guest, article, comment_id=str(comment.id), **GUEST))
    assert _newest_request().comment_id == comment.id
    desk = _get(_browser(app, author), "/author/requests")
    assert (
        f'<p>About the comment by <bdi>Carl Commenter</bdi>: <a href="/comments/{comment.id}">'
        "<q>It is $5,000 since March.</q></a></p>" in desk
    )


def test_a_request_about_a_comment_not_on_the_article_says_why_it_was_refused(app, make_article):
    article, other = make_article(body=BODY), make_article()
    stranger = make_comment(other, "Elsewhere.")
    response = _ask(app.test_client(), article, comment_id=str(stranger.id), **GUEST)
    assert response.status_code == 422
    assert f"Comment {stranger.id} is not a published comment on this article." in _html(response)
    assert _count(CorrectionRequest) == 0


def test_a_request_the_honeypot_catches_looks_open_to_its_sender_but_waits_under_spam(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    robot = app.test_client()
    html = _landing(robot, _ask(robot, article, homepage="http://pills.example", **GUEST))
    assert _your_requests(html) == [f"{ASKED} — Open: waiting for the author"]
    stored = _newest_request()
    assert stored.status is RequestStatus.spam
    desk = _browser(app, author)
    open_tab = _get(desk, "/author/requests")
    assert _desk_items(open_tab) == [] and "No open requests." in open_tab
    assert _desk_tabs(open_tab) == {"Open": 0, "Acknowledged": 0, "Resolved": 0, "Declined": 0, "Caught as spam": 1}
    spam_tab = _get(desk, "/author/requests?status=spam")
    assert _desk_items(spam_tab) == [stored.id]
    assert "<li><code>honeypot</code> The hidden field that people never see was filled in.</li>" in spam_tab


def test_flagging_a_comment_as_a_factual_error_sends_a_request_to_the_author_not_the_moderators(
    app, make_user, make_article
):
    author = make_user("author")
    moderator = make_user("moderator")
    reader = make_user("reader", name="Rae Reader")
    article = make_article(author=author, body=BODY)
    comment = make_comment(
        article, "The article says $10,000 but it is $5,000.", make_guest("Carl Commenter", "carl@example.org")
    )

    guest = app.test_client()
    response = guest.post(f"/comments/{comment.id}/flag", data={"reason": "factual_error", "remark": ""})
    html = _landing(guest, response, f"/articles/{article.slug}#comment-{comment.id}")
    assert _flashes(html) == ["Thank you. The article's author will see this as a correction request."]
    assert f'<li class="comment" id="comment-{comment.id}">' in html
    from_guest = _newest_request()
    assert (from_guest.name, from_guest.email, from_guest.comment_id, from_guest.status) == (
        "A reader",
        None,
        comment.id,
        RequestStatus.open,
    )
    assert (
        from_guest.body == "A reader thinks this comment by Carl Commenter points out a factual error: "
        "“The article says $10,000 but it is $5,000.”"
    )

    signed_in = _browser(app, reader)
    response = signed_in.post(
        f"/comments/{comment.id}/flag", data={"reason": "factual_error", "remark": "Check the statute."}
    )
    assert _flashes(_landing(signed_in, response)) == [
        "Thank you. The article's author will see this as a correction request."
    ]
    from_reader = _newest_request()
    assert (from_reader.name, from_reader.user_id, from_reader.body) == ("Rae Reader", reader.id, "Check the statute.")

    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status.value == "approved"
    queue = _get(_browser(app, moderator), "/moderation?queue=flagged")
    assert "Nothing in this queue." in queue
    assert re.search(r'>Flagged <span class="count">0</span></a>', queue)
    desk = _get(_browser(app, author), "/author/requests")
    assert _desk_items(desk) == [from_reader.id, from_guest.id]
    assert "· from <bdi>A reader</bdi>" in desk and "· from <bdi>Rae Reader</bdi> (account)" in desk


# --- the author's desk -----------------------------------------------------------------------


def test_the_desk_is_for_authors_of_their_own_articles_and_admins(app, make_user, make_article):
    mine, theirs = make_user("author"), make_user("author")
    article, other = make_article(author=mine, body=BODY), make_article(author=theirs)
    guest = app.test_client()
    _landing(guest, _ask(guest, article, "On mine.", **GUEST))
    on_mine = _newest_request()
    _landing(guest, _ask(guest, other, "On theirs.", **GUEST))
    on_theirs = _newest_request()

    response = app.test_client().get("/author/requests")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    for role in ("reader", "moderator"):
        _get(_browser(app, make_user(role)), "/author/requests", 403)
        assert _decide(_browser(app, make_user(role)), on_mine.id, "acknowledge").status_code == 403
    own = _get(_browser(app, mine), "/author/requests")
    assert _desk_items(own) == [on_mine.id] and "Readers' suggestions on your articles." in own
    admin = _browser(app, make_user("admin"))
    everything = _get(admin, "/author/requests")
    assert (
        _desk_items(everything) == [on_theirs.id, on_mine.id] and "Readers' suggestions on every article." in everything
    )
    _get(admin, "/author/requests?status=everything", 404)

    author_browser = _browser(app, mine)
    assert _decide(author_browser, on_theirs.id, "acknowledge").status_code == 403
    assert _decide(author_browser, 99999, "acknowledge").status_code == 404
    assert _stored_request(on_theirs.id).status is RequestStatus.open


def test_the_desk_moves_requests_between_states_and_flashes_what_went_wrong(app, make_user, make_article):
    author = make_user("author")
    article, elsewhere = make_article(author=author, body=BODY), make_article(author=author)
    note = make_note(article, author, body="The limit is $5,000.")
    foreign_note = make_note(elsewhere, author, body="Unrelated.")
    requester = app.test_client()
    _landing(requester, _ask(requester, article, **GUEST))
    asked = _newest_request()
    desk = _browser(app, author)

    def act(action: str, status: str = "open", **fields) -> list[str]:
        response = _decide(desk, asked.id, action, status, **fields)
        return _flashes(_landing(desk, response, f"/author/requests?status={status}#request-{asked.id}"))

    assert act("acknowledge") == [f"Request {asked.id} is now acknowledged."]
    tabs = _desk_tabs(_get(desk, "/author/requests?status=acknowledged"))
    assert tabs == {"Open": 0, "Acknowledged": 1, "Resolved": 0, "Declined": 0, "Caught as spam": 0}
    assert _your_requests(_get(requester, f"/articles/{article.slug}")) == [
        f"{ASKED} — Acknowledged: the author is looking into it"
    ]
    for action, fields, message in (
        ("acknowledge", {}, "A request that is acknowledged cannot be moved that way (acknowledge)."),
        ("decline", {"reason": "  "}, "Say why you decline the request; the requester and readers see it."),
        ("resolve", {"note_id": str(foreign_note.id)}, "Choose the note on this article that resolves the request."),
        ("resolve", {}, "Choose the note on this article that resolves the request."),
        ("publish", {}, "Choose an action: acknowledge, resolve, decline, spam, not_spam, reopen."),
    ):
        assert act(action, "acknowledged", **fields) == [f"Request {asked.id}: {message}"], action
        assert _stored_request(asked.id).status is RequestStatus.acknowledged

    assert act("decline", "acknowledged", reason="The source is out of date.") == [
        f"Request {asked.id} is now declined."
    ]
    declined_tab = _get(desk, "/author/requests?status=declined")
    assert _desk_items(declined_tab) == [asked.id] and "Declined: The source is out of date." in _text(declined_tab)
    page = _get(requester, f"/articles/{article.slug}")
    assert _your_requests(page) == [f"{ASKED} — Declined: The source is out of date."]
    assert _decided(_get(app.test_client(), f"/articles/{article.slug}")) == (
        "1 correction request decided",
        [f"Gail Guest asked: {ASKED} — Declined: The source is out of date."],
    )

    assert act("reopen", "declined") == [f"Request {asked.id} is now acknowledged."]
    assert (
        _stored_request(asked.id).decline_reason,
        _decided(_get(app.test_client(), f"/articles/{article.slug}")),
    ) == (None, None)
    assert act("resolve", "acknowledged", note_id=str(note.id)) == [f"Request {asked.id} is now resolved."]
    assert _stored_request(asked.id).note_id == note.id
    outcome = f'Resolved by <a href="/articles/{article.slug}#note-{note.id}">correction</a>'
    assert outcome in _get(requester, f"/articles/{article.slug}")
    assert outcome in _get(desk, "/author/requests?status=resolved")

    assert act("reopen", "resolved") == [f"Request {asked.id} is now acknowledged."]
    assert act("spam", "acknowledged") == [f"Request {asked.id} is now spam."]
    assert _desk_items(_get(desk, "/author/requests?status=spam")) == [asked.id]
    assert act("not_spam", "spam") == [f"Request {asked.id} is now open."]
    assert _desk_items(_get(desk, "/author/requests")) == [asked.id]


def test_writing_the_note_a_request_asks_for_resolves_it(app, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    reader = make_user("reader", name="Rae Reader", email="rae@example.org")
    article = make_article(author=author, body=BODY)
    comment = make_comment(article, "It is $5,000.", make_guest("Carl Commenter", "carl@example.org"))
    requester = _browser(app, reader)
    _landing(requester, _ask(requester, article, comment_id=str(comment.id)))
    asked = _newest_request()
    desk = _browser(app, author)

    html = _get(desk, "/author/requests")
    link = unescape(
        re.search(
            r'<a class="button button--primary request-item__write" href="([^"]+)">Write a note that resolves it', html
        ).group(1)
    )
    assert link == f"/articles/{article.slug}/notes/new?request={asked.id}&prompted_by={comment.id}"
    form = _get(desk, link)
    assert f"This note will resolve the correction request from <bdi>Rae Reader</bdi>: <q>{ASKED}</q>" in form
    assert _input_value(form, "prompted_by") == str(comment.id)
    action = unescape(re.search(r'<form method="post" action="([^"]+)" class="note-form"', form).group(1))
    assert action == f"/articles/{article.slug}/notes/new?request={asked.id}"

    response = desk.post(
        action, data={"kind": "correction", "paragraph": "p-1", "body": "It is $5,000.", "prompted_by": str(comment.id)}
    )
    note = db.session.scalars(select(Note)).one()
    _landing(desk, response, f"/articles/{article.slug}#note-{note.id}")
    stored = _stored_request(asked.id)
    assert (stored.status, stored.note_id, stored.decided_by_id) == (RequestStatus.resolved, note.id, author.id)

    page = _get(requester, f"/articles/{article.slug}")
    assert _your_requests(page) == [f"{ASKED} — Resolved by correction"]
    assert f'Resolved by <a href="/articles/{article.slug}#note-{note.id}">correction</a>' in page
    assert _decided(page) == ("1 correction request decided", [f"Rae Reader asked: {ASKED} — Resolved by correction"])
    # A second note for a request already decided leaves it as it is.
    _landing(desk, desk.post(action, data={"kind": "update", "paragraph": "", "body": "More news."}))
    assert _stored_request(asked.id).note_id == note.id


def test_no_email_address_reaches_the_article_page_or_the_desk(app, make_user, make_article):
    author = make_user("author", email="dana@example.org")
    reader = make_user("reader", email="rae@example.org")
    article = make_article(author=author, body=BODY)
    make_comment(article, "It is $5,000.", make_guest("Carl Commenter", "carl@example.org"))
    guest = app.test_client()
    _landing(guest, _ask(guest, article, "Guest point.", **GUEST))
    by_guest = _newest_request()
    signed_in = _browser(app, reader)
    _landing(signed_in, _ask(signed_in, article, "Reader point."))
    by_reader = _newest_request()
    note = make_note(article, author)
    correction_requests.decide_request(by_guest, "decline", author, reason="Not an error.")
    correction_requests.decide_request(by_reader, "resolve", author, note_id=note.id)

    admin = _browser(app, make_user("admin", email="ada@example.org"))
    pages = [
        _get(app.test_client(), f"/articles/{article.slug}"),
        _get(_browser(app, make_user("reader", email="other@example.org")), f"/articles/{article.slug}"),
        _get(_browser(app, author), f"/articles/{article.slug}"),
        _get(admin, f"/articles/{article.slug}"),
    ]
    pages += [_get(admin, f"/author/requests?status={status}") for status in ("open", "resolved", "declined")]
    for html in pages:
        for email in ("gail@example.org", "rae@example.org", "carl", "dana@example.org"):
            assert email not in html
    assert _decided(pages[0])[0] == "2 correction requests decided"


def test_the_desk_runs_the_same_queries_for_a_long_list(app, make_user, make_article, count_queries):
    author = make_user("author")
    articles = [make_article(author=author, body=BODY) for _ in range(3)]
    for article in articles:
        make_note(article, author)
    comments = [make_comment(article, "It is $5,000.") for article in articles]
    desk = _browser(app, author)

    def queries(n_items: int) -> int:
        while _count(CorrectionRequest) < n_items:
            number = _count(CorrectionRequest)
            guest = app.test_client()
            fields = {"comment_id": str(comments[number % 3].id)} if number % 2 else {}
            _landing(
                guest,
                _ask(
                    guest, articles[number % 3], f"Point {number}.", name="G", email=f"g{number}@example.org", **fields
                ),
            )
        with count_queries() as counted:
            html = _get(desk, "/author/requests")
        assert len(_desk_items(html)) == n_items
        return counted.n

    assert queries(2) == queries(12)


# --- history ---------------------------------------------------------------------------------


def test_the_history_merges_versions_and_note_events_newest_first(app, make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    article = make_article(author=author, body=BODY)
    browser = _browser(app, author)
    _landing(browser, _add_note(browser, article, paragraph="p-1", body="It is $5,000."))
    note = db.session.scalars(select(Note)).one()
    _landing(
        browser,
        browser.post(
            f"/articles/{article.slug}/notes/{note.id}/amend", data={"kind": "correction", "body": "It is $5,000 now."}
        ),
    )
    _edit_article(browser, article, BODY + "\n\nA new closing paragraph.")
    _landing(
        browser, browser.post(f"/articles/{article.slug}/notes/{note.id}/retract", data={"reason": "It was right."})
    )

    html = _get(app.test_client(), f"/articles/{article.slug}/history")
    assert _timeline(html) == [
        "Correction retracted",
        "Current version",
        "Correction amended",
        "Correction added",
        "First version",
    ]
    events = re.findall(r'<li class="timeline__item timeline__item--(\w+)"', html)
    assert events == ["retraction", "version", "amendment", "note", "version"]
    assert "<p>Reason: It was right.</p>" in html
    assert html.count(f'<a href="/articles/{article.slug}#note-{note.id}">see the note</a>') == 3
    note_events = re.findall(
        r'<li class="timeline__item timeline__item--(?:note|amendment|retraction)">(.*?)</li>', html, re.S
    )
    assert len(note_events) == 3 and all("Dana Reyes" in event for event in note_events)
    assert (
        '<div class="timeline__earlier"><p class="field__hint">Text before this amendment (Correction):</p>'
        "<p>It is $5,000.</p>" in html
    )


def test_a_note_keeps_following_its_paragraph_through_an_edit_that_the_diff_shows(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    note = make_note(article, author, body="The limit changed in March.", paragraph="p-1")
    browser = _browser(app, author)
    _edit_article(browser, article, "Updated for 2025.\n\n" + BODY.replace("$10,000", "$5,000"))

    html = _get(app.test_client(), f"/articles/{article.slug}")
    assert re.search(
        rf'<p id="p-2">The limit is around \$5,000 in most states.</p><div class="notes-inline">\s*'
        rf'<aside class="note note--correction" id="note-{note.id}"',
        html,
    )
    assert _places(html) == {note.id: ("p-2", None)}
    history = _get(app.test_client(), f"/articles/{article.slug}/history")
    first = re.search(
        r'href="/articles/[^"?]+/history\?from=(\d+)#diff-title">What changed in this version</a>', history
    ).group(1)
    diff = _get(app.test_client(), f"/articles/{article.slug}/history?from={first}")
    body = re.search(r'<div class="diff__body article-diff prose">(.*?)</div>', diff, re.S).group(1)
    assert body.startswith('<p><ins><span class="visually-hidden">Added: </span>Updated for 2025.</ins></p>')
    assert (
        '<p>The limit is around <del><span class="visually-hidden">Removed: </span>$10,000 </del>'
        '<ins><span class="visually-hidden">Added: </span>$5,000 </ins>in most states.</p>'
    ) in body
    assert "<p>Small claims courts decide within weeks.</p>" in body


# --- recent notes and feeds ------------------------------------------------------------------


def _feed_world(make_user, make_article):
    author = make_user("author", name="Dana Reyes")
    tides = make_article(author=author, title="On Tides", body=BODY)
    birds = make_article(author=author, title="On Birds", body=BODY)
    secret = make_article(author=author, title="Secret", body=BODY)
    correction = make_note(tides, author, "correction", "The moon, *not* the sun.")
    hidden = make_note(secret, author, "update", "Hidden update.")
    update_article(secret, published=False, editor=author)
    update = make_note(birds, author, "update", "Birds migrate.")
    retracted = notes.retract_note(make_note(tides, author, "clarification", "Spring tides."), author, "Misleading.")
    return author, (tides, birds, secret), (correction, hidden, update, retracted)


def test_recent_notes_list_every_published_articles_notes_newest_first(client, make_user, make_article):
    _, _articles, (correction, _hidden, update, retracted) = _feed_world(make_user, make_article)
    response = client.get("/corrections")
    assert response.status_code == 200
    html = _html(response)
    items = re.findall(
        r'<li class="recent-notes__item( recent-notes__item--retracted)?">.*?#note-(\d+)">(.*?)</a>', html, re.S
    )
    assert items == [
        (" recent-notes__item--retracted", str(retracted.id), "On Tides"),
        ("", str(update.id), "On Birds"),
        ("", str(correction.id), "On Tides"),
    ]
    assert "Secret" not in html and "Hidden update." not in html
    assert "<del><p>Spring tides.</p>\n</del>" in html
    assert '<link rel="alternate" type="application/atom+xml" title="Corrections" href="/corrections.atom">' in html


def test_recent_notes_say_so_when_there_are_none(client):
    assert '<p class="empty">No notes yet.</p>' in _get(client, "/corrections")


def test_the_site_feed_is_atom_with_an_entry_per_note(client, make_user, make_article):
    _, (tides, birds, _secret), (correction, _hidden, update, retracted) = _feed_world(make_user, make_article)
    response = client.get("/corrections.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Corrections — Afterword"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"alternate": "http://localhost/corrections", "self": "http://localhost/corrections.atom"}
    entries = root.findall(f"{ATOM}entry")
    page = "http://localhost/articles/{}#note-{}"
    assert [
        (e.findtext(f"{ATOM}title"), e.find(f"{ATOM}link").get("href"), e.findtext(f"{ATOM}id")) for e in entries
    ] == [
        (
            "Clarification (retracted): On Tides",
            page.format(tides.slug, retracted.id),
            page.format(tides.slug, retracted.id),
        ),
        ("Update: On Birds", page.format(birds.slug, update.id), page.format(birds.slug, update.id)),
        ("Correction: On Tides", page.format(tides.slug, correction.id), page.format(tides.slug, correction.id)),
    ]
    assert {e.findtext(f"{ATOM}author/{ATOM}name") for e in entries} == {"Dana Reyes"}
    struck, _, plain = entries
    assert struck.findtext(f"{ATOM}summary") == (
        "Retracted: Misleading.. The note said: Spring tides. — Clarification — Dana Reyes, author"
    )
    assert struck.find(f"{ATOM}content").get("type") == "html"
    assert "<p><strong>Retracted</strong>: Misleading.</p><del><p>Spring tides.</p>" in struck.findtext(
        f"{ATOM}content"
    )
    assert plain.findtext(f"{ATOM}summary") == "The moon, not the sun. — Correction — Dana Reyes, author"
    assert "<p>The moon, <em>not</em> the sun.</p>" in plain.findtext(f"{ATOM}content")
    assert b"Hidden update" not in response.data


def test_an_articles_feed_holds_its_own_notes_and_a_drafts_feed_is_404(client, make_user, make_article):
    _, (tides, _birds, secret), (correction, _hidden, _update, retracted) = _feed_world(make_user, make_article)
    response = client.get(f"/articles/{tides.slug}/corrections.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.findtext(f"{ATOM}title") == "Corrections to “On Tides”"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "alternate": f"http://localhost/articles/{tides.slug}",
        "self": f"http://localhost/articles/{tides.slug}/corrections.atom",
    }
    assert [e.findtext(f"{ATOM}id").rsplit("#", 1)[1] for e in root.findall(f"{ATOM}entry")] == [
        f"note-{retracted.id}",
        f"note-{correction.id}",
    ]
    assert client.get(f"/articles/{secret.slug}/corrections.atom").status_code == 404
    assert client.get("/articles/missing/corrections.atom").status_code == 404
    empty = ET.fromstring(client.get(f"/articles/{make_article().slug}/corrections.atom").data)
    assert empty.findall(f"{ATOM}entry") == []


# --- queries ---------------------------------------------------------------------------------


def test_the_article_page_runs_the_same_queries_with_few_or_many_cited_comments(
    app, make_user, make_article, count_queries
):
    app.config["COMMENTS_PER_PAGE"] = 500
    author = make_user("author")
    reader = make_user("reader")

    def build(n_comments: int, cites_per_note: int):
        article = make_article(author=author, body=BODY)
        comments = [
            make_comment(
                article, f"Comment {n} on {article.slug}.", make_guest(f"Writer {n}", f"writer{n}@example.org")
            )
            for n in range(n_comments)
        ]
        kinds = itertools.cycle(["correction", "update", "clarification", "editors_note"])
        for number, start in enumerate(range(0, n_comments, cites_per_note)):  # ten notes either way
            cited = comments[start : start + cites_per_note]
            make_note(
                article,
                author,
                next(kinds),
                f"Note {number}.",
                paragraph=f"p-{number % 4 + 1}",
                prompted_by=[c.id for c in cited],
            )
        written = db.session.scalars(select(Note).where(Note.article_id == article.id)).all()
        notes.amend_note(written[0], author, body="Amended.")
        notes.retract_note(written[1], author, "Wrong.")
        return article

    small, large = build(10, 1), build(200, 20)
    browsers = {"guest": app.test_client(), "reader": _browser(app, reader), "author": _browser(app, author)}

    def queries(browser, article) -> int:
        with count_queries() as counted:
            html = _get(browser, f"/articles/{article.slug}")
        assert html.count('class="led-to') == (10 if article is small else 200)
        return counted.n

    for name, browser in browsers.items():
        for article in (small, large):  # warm caches (a visitor's discussion is then prepared)
            _get(browser, f"/articles/{article.slug}")
        assert queries(browser, small) == queries(browser, large), name


# --- the desk's bulk actions and the answers its script asks for --------------------------------


def _asked_by(app, article, body: str) -> CorrectionRequest:
    requester = app.test_client()
    _landing(requester, _ask(requester, article, body, **GUEST))
    return _newest_request()


def test_bulk_acknowledges_or_files_the_selected_requests_and_says_what_it_did(app, make_user, make_article):
    author, other = make_user("author"), make_user("author")
    article, theirs = make_article(author=author, body=BODY), make_article(author=other, body=BODY)
    first, second = _asked_by(app, article, "First point."), _asked_by(app, article, "Second point.")
    foreign = _asked_by(app, theirs, "Not for this author.")
    desk = _browser(app, author)

    response = desk.post(
        "/author/requests/bulk?status=open",
        data={"bulk_action": "acknowledge", "request_ids": [str(first.id), str(second.id), str(foreign.id)]},
    )
    flashes = _flashes(_landing(desk, response, "/author/requests?status=open"))
    assert flashes == [f"Request {foreign.id}: not one of yours.", "Acknowledged: 2 requests."]
    assert [_stored_request(r.id).status for r in (first, second, foreign)] == [
        RequestStatus.acknowledged,
        RequestStatus.acknowledged,
        RequestStatus.open,
    ]

    response = desk.post(
        "/author/requests/bulk?status=acknowledged", data={"bulk_action": "spam", "request_ids": [str(first.id)]}
    )
    assert _flashes(_landing(desk, response, "/author/requests?status=acknowledged")) == ["Filed as spam: 1 request."]
    assert _stored_request(first.id).status is RequestStatus.spam

    for data, message in (
        ({"bulk_action": "acknowledge"}, "Select at least one request."),
        (
            {"bulk_action": "decline", "request_ids": [str(second.id)]},
            "Choose acknowledge, spam or not spam for the selected requests.",
        ),
    ):
        response = desk.post("/author/requests/bulk?status=open", data=data)
        assert _flashes(_landing(desk, response, "/author/requests?status=open")) == [message]
    assert _stored_request(second.id).status is RequestStatus.acknowledged


def test_the_desk_script_gets_json_and_per_request_fields(app, make_user, make_article):
    author = make_user("author")
    article = make_article(author=author, body=BODY)
    asked = _asked_by(app, article, "The fee is wrong.")
    desk = _browser(app, author)
    as_script = {"Accept": "application/json"}

    refused = desk.post(
        f"/author/requests/{asked.id}", data={"action": "decline", f"reason-{asked.id}": " "}, headers=as_script
    )
    assert refused.status_code == 422
    assert refused.get_json() == {
        "error": {
            "code": "validation_failed",
            "message": f"Request {asked.id}: Say why you decline the request; the requester and readers see it.",
            "fields": {"reason": "Say why you decline the request; the requester and readers see it."},
        }
    }
    declined = desk.post(
        f"/author/requests/{asked.id}",
        data={"action": "decline", f"reason-{asked.id}": "The fee is right."},
        headers=as_script,
    )
    assert declined.status_code == 200
    assert declined.get_json() == {
        "id": asked.id,
        "status": "declined",
        "message": f"Request {asked.id} is now declined.",
    }
    assert _stored_request(asked.id).decline_reason == "The fee is right."
    assert "The fee is right." in _get(app.test_client(), f"/articles/{article.slug}")
