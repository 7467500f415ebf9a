"""Notes an article's author, host or an admin append to it, the comments that prompted them,
and readers' correction requests."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Enum, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from app.extensions import Model
from app.models.article import Article
from app.models.comment import Comment
from app.models.types import UTCDateTime, utcnow
from app.models.user import EMAIL_MAX, NAME_MAX, User

NOTE_BODY_MAX = 5_000
SIGNATURE_MAX = 200
RETRACT_REASON_MAX = 500
ANCHOR_MAX = 16
REQUEST_BODY_MAX = 2_000
SOURCE_URL_MAX = 500
DECLINE_REASON_MAX = 500


class NoteKind(str, enum.Enum):
    """What a note does; the label heads the note and its signature."""

    correction = "correction"
    update = "update"
    clarification = "clarification"
    editors_note = "editors_note"

    @property
    def label(self) -> str:
        return "Editor's note" if self is NoteKind.editors_note else self.value.capitalize()


class Note(Model):
    """A signed note appended to a published article, after one paragraph or at the end.

    Public and append-only: amending keeps the earlier text (NoteRevision), retracting keeps the note,
    struck through, with the reason.
    """

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_article_id_id", "article_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NoteKind] = mapped_column(Enum(NoteKind, native_enum=False, length=16, validate_strings=True))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # "Correction — Dana Reyes, site host", fixed when the note is written.
    signature: Mapped[str] = mapped_column(String(SIGNATURE_MAX))
    # The paragraph the note follows, as it stands now (None: at the end), and that paragraph's
    # text, which is how the note finds its paragraph again after the article is edited.
    anchor: Mapped[str | None] = mapped_column(String(ANCHOR_MAX))
    anchor_text: Mapped[str | None] = mapped_column(Text)
    # Set when the paragraph it followed was removed: the note then shows at the end, marked as such.
    anchor_lost: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retracted_reason: Mapped[str | None] = mapped_column(String(RETRACT_REASON_MAX))
    retracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    article: Mapped[Article] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    retracted_by: Mapped[User | None] = relationship(foreign_keys=[retracted_by_id])
    revisions: Mapped[list["NoteRevision"]] = relationship(back_populates="note", order_by="NoteRevision.id")
    citations: Mapped[list["NoteCitation"]] = relationship(back_populates="note", order_by="NoteCitation.comment_id")

    @property
    def retracted(self) -> bool:
        return self.retracted_at is not None

    @property
    def signed_by(self) -> str:
        """The signature without its kind: "Dana Reyes, site host"."""
        return self.signature.partition(" — ")[2] or self.signature

    @property
    def prompted_by(self) -> list[int]:
        """Ids of the comments the note cites."""
        return [citation.comment_id for citation in self.citations]

    def __repr__(self) -> str:
        return f"<Note {self.id} article={self.article_id} {self.kind.value}>"


class NoteRevision(Model):
    """The kind and text a note had before it was amended; kept for ever."""

    __tablename__ = "note_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoteKind] = mapped_column(Enum(NoteKind, native_enum=False, length=16, validate_strings=True))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # When this text was written (the note's creation or its previous amendment) and when it was replaced.
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    note: Mapped[Note] = relationship(back_populates="revisions")
    replaced_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<NoteRevision {self.id} note={self.note_id}>"


class NoteCitation(Model):
    """A comment that prompted a note (the API's `prompted_by`); the comment shows a marker back."""

    __tablename__ = "note_citations"
    __table_args__ = (UniqueConstraint("note_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)

    note: Mapped[Note] = relationship(back_populates="citations")
    comment: Mapped[Comment] = relationship()

    def __repr__(self) -> str:
        return f"<NoteCitation note={self.note_id} comment={self.comment_id}>"


@event.listens_for(NoteRevision, "before_delete")
@event.listens_for(NoteCitation, "before_delete")
@event.listens_for(Note, "before_delete")
def _notes_are_never_deleted(
    mapper: Mapper[Any], connection: Connection, target: Note | NoteRevision | NoteCitation
) -> None:
    raise RuntimeError("notes, their revisions and citations are never deleted")


class RequestStatus(str, enum.Enum):
    """A correction request's life: open → acknowledged → resolved (by a note) or declined (with a reason).

    `spam` is where the spam checks put a request; its author sees it as open.
    """

    spam = "spam"
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"
    declined = "declined"


class CorrectionRequest(Model):
    """A reader's suggestion that an article is wrong somewhere; it goes to the author and host, not the moderators."""

    __tablename__ = "correction_requests"
    __table_args__ = (Index("ix_correction_requests_article_id_status", "article_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # The comment that points the error out, when there is one (the "factual error" flag seeds these).
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Never shown outside the author's desk; used to tell the requester the outcome.
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    ip_network: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(SOURCE_URL_MAX))
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=16, validate_strings=True), default=RequestStatus.open
    )
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    spam_score: Mapped[float | None] = mapped_column()
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"))
    decline_reason: Mapped[str | None] = mapped_column(String(DECLINE_REASON_MAX))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    article: Mapped[Article] = relationship()
    comment: Mapped[Comment | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    note: Mapped[Note | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def public_status(self) -> str:
        """The state as the requester sees it: a request the spam checks caught looks open to them."""
        return RequestStatus.open.value if self.status is RequestStatus.spam else self.status.value

    def __repr__(self) -> str:
        return f"<CorrectionRequest {self.id} article={self.article_id} {self.status.value}>"
