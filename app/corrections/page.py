"""What the article page shows of corrections: notes in place, the summary, JSON-LD, markers and requests."""

from collections.abc import Iterable

from flask import current_app, url_for

from app.guests import guest_request_ids
from app.models import Article
from app.services import anchoring, correction_requests
from app.services.notes import corrected_on, led_to, notes_for, plain_text
from app.services.permissions import can_add_note
from app.web import viewer


def json_ld(article: Article, notes) -> dict:
    """schema.org data for the article, with its standing corrections under `correction`."""
    page = url_for("articles.show", slug=article.slug, _external=True)
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "url": page,
        "author": {"@type": "Person", "name": article.guest_author_name or article.author.name},
        "publisher": {"@type": "Organization", "name": current_app.config["SITE_NAME"]},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    data["dateModified"] = max([article.updated_at] + [n.amended_at or n.created_at for n in notes]).isoformat()
    standing = [note for note in notes if note.kind.value == "correction" and not note.retracted]
    if standing:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": plain_text(note.body),
                "datePublished": note.created_at.isoformat(),
                "url": f"{page}#note-{note.id}",
            }
            for note in standing
        ]
    return data


def article_context(article: Article, comment_ids: Iterable[int] = ()) -> dict:
    """Everything the article template needs about notes and requests, in a fixed number of queries; `led_to`
    covers the comments `comment_ids` names (none by default: a prepared discussion looks its own up)."""
    if not article.is_published:
        return {
            "notes": [],
            "placement": None,
            "led_to": {},
            "my_requests": [],
            "decided_requests": [],
            "corrected_on": [],
        }
    notes = notes_for(article)
    reader = viewer()
    mine, decided = correction_requests.requests_on_page(article, reader, guest_request_ids())
    return {
        "notes": notes,
        "placement": anchoring.place_notes(article, notes),
        "corrected_on": corrected_on(notes),
        "json_ld": json_ld(article, notes),
        # Only notes cite comments, so an article without notes needs no look-up.
        "led_to": led_to(comment_ids) if notes and comment_ids else {},
        "can_add_note": can_add_note(reader, article),
        "my_requests": mine,
        "decided_requests": decided,
        "body_with_notes": anchoring.body_with_notes,
    }
