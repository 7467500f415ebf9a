"""The demo's corrections: the host's edit, her inline note prompted by the criticism, a closing note,
and a reader's open correction request."""

from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Article, ArticleRevision, Comment, Note, Role, User
from app.services import anchoring, correction_requests, notes
from app.services.articles import update_article
from app.services.settings import CommentRules

OLD_LIMIT = "Small claims courts only hear claims up to a set amount, usually somewhere around $10,000."
NEW_LIMIT = "Small claims courts only hear claims up to a set amount, which each state sets for itself."
INLINE_NOTE = (
    "An earlier version of this step said the limit is usually around $10,000. It is not one figure: "
    "depending on the state it runs from a few thousand dollars to $25,000, and some courts set different "
    "limits for different kinds of claim. Check your own state's court rules before you file."
)
CLOSING_NOTE = (
    "This guide is for people in the United States bringing a first, simple claim for money. It is not "
    "legal advice, and it leaves out evictions, claims against government bodies and appeals, where the "
    "rules are different. Readers pointed out that deadlines and the rules for serving papers also vary; "
    "Marisol will cover both in a follow-up post."
)
REQUEST = (
    'Step 3 says the deadline is "often two to six years". For some claims against a city or a state '
    "agency you must first file a written notice within months, sometimes 90 days, or you lose the claim."
)
REQUEST_SOURCE = "https://www.law.cornell.edu/wex/statute_of_limitations"


def seed_corrections(article: Article, accounts: dict[Role, User]) -> list[str]:
    """Add the host's correction story once: a second run adds nothing."""
    if db.session.scalar(select(Note.id).where(Note.article_id == article.id).limit(1)) is not None:
        return []
    host, reader = accounts[Role.admin], accounts[Role.reader]
    criticism = db.session.scalar(
        select(Comment).where(Comment.article_id == article.id, Comment.writer_email == "r.okonkwo@example.com")
    )
    start = article.published_at
    added = []
    if OLD_LIMIT in article.body:
        first = db.session.scalar(select(func.min(ArticleRevision.id)).where(ArticleRevision.article_id == article.id))
        update_article(article, body=article.body.replace(OLD_LIMIT, NEW_LIMIT), editor=host)
        edited = start + timedelta(hours=19)
        # Revisions refuse ORM updates; the demo backdates its story with plain statements.
        revisions = update(ArticleRevision).where(ArticleRevision.article_id == article.id)
        db.session.execute(revisions.where(ArticleRevision.id == first).values(created_at=start))
        db.session.execute(revisions.where(ArticleRevision.id != first).values(created_at=edited))
        article.updated_at = edited
        added.append("an article revision")
    limit_item = next(p for p in anchoring.paragraphs_of(article) if "Check the limit" in p.text)
    inline = notes.add_note(
        article,
        host,
        "correction",
        INLINE_NOTE,
        paragraph=limit_item.anchor,
        prompted_by=[criticism.id] if criticism is not None else [],
    )
    inline.created_at = start + timedelta(hours=19, minutes=30)
    closing = notes.add_note(article, host, "editors_note", CLOSING_NOTE)
    closing.created_at = start + timedelta(hours=19, minutes=40)
    request = correction_requests.request_correction(
        article,
        correction_requests.Requester(user=reader),
        REQUEST,
        CommentRules(min_seconds=0),
        source_url=REQUEST_SOURCE,
    )
    request.created_at = start + timedelta(days=2)
    db.session.commit()
    return added + ["an inline correction citing Ruth's comment", "a closing note", "an open correction request"]
