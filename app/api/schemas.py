"""Marshmallow schemas: they validate request bodies, shape responses and generate /api/v1/openapi.json."""

import marshmallow as ma
from email_validator import SPECIAL_USE_DOMAIN_NAMES as RESERVED
from flask import url_for
from marshmallow import validate

from app.models.article import BODY_MAX, GUEST_BIO_MAX, GUEST_NAME_MAX, SLUG_MAX, THREAD_KEY_MAX, TITLE_MAX
from app.models.comment import WEBSITE_MAX
from app.models.moderation import REMARK_MAX, FlagReason
from app.models.note import DECLINE_REASON_MAX, SOURCE_URL_MAX, NoteKind
from app.models.types import MAX_ID
from app.models.user import EMAIL_MAX
from app.services.comments import closed_reason
from app.services.moderation import TRASH_REASONS
from app.services.notes import MAX_CITED
from app.services.sites import COUNT_KEYS_MAX
from app.services.text import visible_pattern
from app.services.votes import pinned_comment
from app.templating import page_host
from app.web import rules

# What the services refuse, written into the OpenAPI document so a client generated from it sends nothing the API
# rejects. The services check the same rules, with their own messages; these only describe them.
SOMETHING = {"minLength": 1, "pattern": r"\S"}  # some character that is not white space
VISIBLE = {"minLength": 1, "pattern": visible_pattern()}  # and not only controls or zero-width characters
HTTP_URL = {"pattern": r"^$|^https?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+([/?#][!-~]*)?$"}
SLUG = {"pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
# An address email-validator accepts: no domain reserved for special use (.test, .local, ...), which takes no mail.
EMAIL = {
    "format": "email",
    "maxLength": EMAIL_MAX,
    "not": {
        "pattern": "[@.]("
        + "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in name) for name in RESERVED)
        + r")\.?$"
    },
}
GUEST_EMAIL = {"anyOf": [{"maxLength": 0}, EMAIL]}
_IPV4 = r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IP_OR_NETWORK = {
    "anyOf": [
        {"format": "ipv4"},
        {"format": "ipv6"},
        {"pattern": rf"^{_IPV4}/(3[0-2]|[12]?[0-9])$"},
        {"pattern": r"^([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$"},
    ]
}


def described(rules: dict, description: str | None = None) -> dict:
    """Field metadata: JSON Schema keywords for the document, and a description if given."""
    return {**rules, "description": description} if description else dict(rules)


def page_number() -> ma.fields.Integer:
    """A page of a listing: from 1 to the largest id, so no offset outgrows what a database can count."""
    return ma.fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_ID, error="page is between {min} and {max}.")
    )


def id_number(**options) -> ma.fields.Integer:
    """An id sent in a body or a query: from 1 to the largest a database holds (the document says so, and an id
    beyond names nothing rather than overflowing a query)."""
    return ma.fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID, error="An id is a whole number from {min} to {max}."), **options
    )


class PublicAuthorSchema(ma.Schema):
    """What the public may know of an account: its display name."""

    name = ma.fields.String()


class GuestAuthorSchema(ma.Schema):
    """A guest byline."""

    # An empty name removes the byline, so it may be empty only when the bio is too.
    OPENAPI_RULES = {
        "anyOf": [
            {"properties": {"name": SOMETHING}},
            {"properties": {"bio": {"pattern": r"^\s*$"}}},
        ]
    }

    name = ma.fields.String(
        required=True,
        validate=validate.Length(max=GUEST_NAME_MAX, error="A guest author's name is at most {max} characters."),
        metadata={"description": "Empty (with an empty bio) for no guest byline."},
    )
    bio = ma.fields.String(
        load_default="",
        validate=validate.Length(max=GUEST_BIO_MAX, error="A guest author's bio is at most {max} characters."),
    )


class ArticleSchema(ma.Schema):
    """An article as listed."""

    slug = ma.fields.String()
    title = ma.fields.String()
    author = ma.fields.Nested(PublicAuthorSchema)
    guest_author = ma.fields.Nested(GuestAuthorSchema, allow_none=True)
    status = ma.fields.Function(lambda article: article.status.value)
    published_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime()
    comment_count = ma.fields.Integer()
    comments_open = ma.fields.Method("open_for_comments", metadata={"type": "boolean"})
    comments_closed_reason = ma.fields.Method("why_closed", metadata={"type": "string", "nullable": True})
    url = ma.fields.Method("page_url")
    embedded_on = ma.fields.Method(
        "where_embedded",
        metadata={
            "type": "object",
            "nullable": True,
            "description": "For the discussion of a page on a registered site (docs/embed.md): that page's "
            "address (`page_url`), host and thread key; null for an article hosted here.",
        },
    )

    def where_embedded(self, article) -> dict[str, str] | None:
        if article.site_id is None:
            return None
        return {"page_url": article.page_url, "host": page_host(article.page_url), "thread_key": article.thread_key}

    def _closed_reason(self, article) -> str | None:
        # The rules are read once per request, not once per article of a listing.
        return closed_reason(article, rules())

    def open_for_comments(self, article) -> bool:
        """False when the author closed the thread or it closed itself after COMMENTS_AUTO_CLOSE_DAYS."""
        return self._closed_reason(article) is None

    def why_closed(self, article) -> str | None:
        return self._closed_reason(article)

    def page_url(self, article) -> str:
        return url_for("articles.show", slug=article.slug, _external=True)


class ArticleDetailSchema(ArticleSchema):
    """An article with its rendered body."""

    body_html = ma.fields.String()
    pinned_comment_id = ma.fields.Method(
        "pinned_id",
        metadata={"type": "integer", "nullable": True, "description": "The comment pinned to the top, or null."},
    )

    def pinned_id(self, article) -> int | None:
        comment = pinned_comment(article)
        return comment.id if comment is not None else None


class ArticleListSchema(ma.Schema):
    articles = ma.fields.List(ma.fields.Nested(ArticleSchema))
    next_page = ma.fields.Integer(allow_none=True)


class ArticleEnvelopeSchema(ma.Schema):
    article = ma.fields.Nested(ArticleDetailSchema)


class ArticleWriteSchema(ma.Schema):
    """The fields a client may send; anything else is refused."""

    # A published article needs a body: either it is a draft, or its body says something.
    OPENAPI_RULES = {
        "anyOf": [
            {"properties": {"published": {"enum": [False]}}},
            {"required": ["body"], "properties": {"body": SOMETHING}},
        ]
    }

    title = ma.fields.String(
        required=True,
        validate=validate.Length(max=TITLE_MAX, error="A title is at most {max} characters."),
        metadata=SOMETHING,
    )
    body = ma.fields.String(
        load_default="",
        validate=validate.Length(max=BODY_MAX, error="An article is at most {max} characters."),
        metadata={"description": "Markdown. Required (not only white space) when published is true."},
    )
    published = ma.fields.Boolean(load_default=False)
    guest_author = ma.fields.Nested(GuestAuthorSchema, allow_none=True, load_default=None)
    slug = ma.fields.String(
        validate=validate.Length(max=SLUG_MAX, error="A slug is at most {max} characters."),
        metadata=described(
            SLUG,
            "Lowercase letters, digits and single hyphens. Optional on creation; derived from the title when "
            "absent. Cannot change later.",
        ),
    )


class ArticlePatchSchema(ma.Schema):
    """Any of the writable fields; the slug is fixed once the article exists."""

    # Publishing needs a body, and a published article keeps one: unpublish (published false) to empty it.
    OPENAPI_RULES = {
        "anyOf": [
            {"required": ["published"], "properties": {"published": {"enum": [False]}}},
            {"properties": {"body": SOMETHING}},
        ]
    }

    title = ma.fields.String(
        validate=validate.Length(max=TITLE_MAX, error="A title is at most {max} characters."), metadata=SOMETHING
    )
    body = ma.fields.String(
        validate=validate.Length(max=BODY_MAX, error="An article is at most {max} characters."),
        metadata={
            "description": "Markdown. Publishing needs a body (a draft whose stored body is empty gets 422 when "
            "published is set to true without one)."
        },
    )
    published = ma.fields.Boolean()
    guest_author = ma.fields.Nested(GuestAuthorSchema, allow_none=True)


class ThreadCountsQuerySchema(ma.Schema):
    """Thread keys of one registered site: the site of the request's Origin, or `site` (an origin) without one."""

    id = ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=THREAD_KEY_MAX)),
        required=True,
        validate=validate.Length(min=1, max=COUNT_KEYS_MAX, error="Ask for 1 to {max} threads at once."),
        metadata={"description": "A thread key (`data-afterword-thread`, or the page's address); repeat it."},
    )
    site = ma.fields.String(
        load_default=None, metadata={"description": "The site's origin, for clients that send no Origin header."}
    )


class ThreadCountsSchema(ma.Schema):
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Published comments of each key asked for; 0 for a thread not started."},
    )


class PageQuerySchema(ma.Schema):
    page = page_number()
    per_page = ma.fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="per_page is between {min} and {max}.")
    )


class AvatarSchema(ma.Schema):
    """A writer's avatar as the site draws it: initials on a colour (from a keyed hash of the address, so it
    reveals nothing about it), and a Gravatar picture's address only when an admin turned those on."""

    initials = ma.fields.String(metadata={"description": "One or two letters of the name, or • for none."})
    colour = ma.fields.String(metadata={"description": "The background in a light theme (#rrggbb); white initials."})
    colour_dark = ma.fields.String(
        metadata={"description": "The background in a dark theme (#rrggbb); near-black initials."}
    )
    url = ma.fields.String(
        metadata={"description": "A Gravatar picture to draw over the initials; absent while Gravatar is off."}
    )


class CommentAuthorSchema(ma.Schema):
    """What readers see of a comment's writer: never the email."""

    name = ma.fields.String()
    website = ma.fields.String(allow_none=True)
    badge = ma.fields.String(
        allow_none=True,
        metadata={"description": 'In words, as shown: "Author", "Site host", "Moderator" or null.'},
    )
    avatar = ma.fields.Nested(AvatarSchema)


class InReplyToSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class CommentSchema(ma.Schema):
    """A published comment, or the placeholder of a removed one that has replies (author and body empty)."""

    id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    in_reply_to = ma.fields.Nested(
        InReplyToSchema,
        allow_none=True,
        metadata={"description": "Set when the reply hangs below the comment it answers (depth limit)."},
    )
    author = ma.fields.Nested(CommentAuthorSchema, allow_none=True)
    badge = ma.fields.String(
        allow_none=True,
        metadata={
            "description": 'What the writer is to this article: "author" (the account the byline names), "host" (the '
            'account that published a guest\'s byline), "moderator" (staff), or null (readers, guests, placeholders).'
        },
    )
    body_html = ma.fields.String()
    created_at = ma.fields.DateTime()
    edited_at = ma.fields.DateTime(allow_none=True)
    removed = ma.fields.Boolean()
    removed_by_author = ma.fields.Boolean(
        metadata={"description": "A placeholder for a comment the article's author (not a moderator) removed."}
    )
    led_to = ma.fields.List(ma.fields.Integer(), metadata={"description": "Ids of the notes that cite this comment."})
    votes = ma.fields.Integer(
        metadata={
            "description": "Readers who marked it helpful, one per network "
            "(0 on placeholders and unpublished comments)."
        }
    )
    pinned = ma.fields.Boolean(metadata={"description": "Pinned to the top of the discussion (first in every order)."})
    pinned_by = ma.fields.String(
        allow_none=True,
        metadata={
            "enum": ["author", "moderator", None],
            "description": "Who pinned it: the article's author or a moderator.",
        },
    )
    replies = ma.fields.List(ma.fields.Nested(lambda: CommentSchema()))
    more_replies = ma.fields.Integer(
        metadata={
            "description": "On a top-level comment: how many published replies of its thread this answer leaves out "
            "(a listing shows at most COMMENT_REPLIES_PER_PAGE replies of a thread); 0 on replies."
        }
    )
    more_replies_url = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "On a top-level comment whose thread goes on past this answer: the address of the rest "
            "(`?thread=<id>&after=<reply id>`); null otherwise."
        },
    )


class CommentListSchema(ma.Schema):
    count = ma.fields.Integer(metadata={"description": "The article's published comments, all pages."})
    next_page = ma.fields.Integer(allow_none=True, metadata={"description": "Null when asking for one thread."})
    comments = ma.fields.List(ma.fields.Nested(CommentSchema))
    thread = ma.fields.Integer(
        allow_none=True, metadata={"description": "With `thread`: the id of the thread's top-level comment."}
    )
    earlier_replies_url = ma.fields.String(
        allow_none=True, metadata={"description": "With `thread`: the address of the replies before these, or null."}
    )
    later_replies_url = ma.fields.String(
        allow_none=True, metadata={"description": "With `thread`: the address of the replies after these, or null."}
    )


class CommentQuerySchema(ma.Schema):
    page = page_number()
    per_page = ma.fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=1000, error="per_page is between {min} and {max}."),
        metadata={
            "description": "Top-level threads per page; each comes with its first replies (at most "
            "COMMENT_REPLIES_PER_PAGE of them; `more_replies_url` continues a longer thread)."
        },
    )
    order = ma.fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest", "best"]))
    thread = id_number(
        metadata={
            "description": "One thread on its own: the id of its top-level comment. The answer holds that comment "
            "with COMMENT_REPLIES_PER_PAGE of its replies, in the order they were written (page and per_page are "
            "ignored)."
        },
    )
    # Cursors within a thread; without `thread` they mean nothing and are ignored, so that no pair of values a
    # client may send is refused for a rule the document could not state.
    after = ma.fields.Integer(
        validate=validate.Range(min=0, max=MAX_ID, error="after is a comment id from {min} to {max}."),
        metadata={"description": "With `thread`: the replies written after this reply (ignored without `thread`)."},
    )
    before = id_number(
        metadata={
            "description": "With `thread`: the replies written before this reply (ignored without `thread`, "
            "and when `after` is given)."
        }
    )

    @ma.post_load
    def thread_cursor(self, data, **kwargs):
        if "thread" not in data:
            data.pop("after", None)
            data.pop("before", None)
        elif "after" in data:
            data.pop("before", None)
        return data


class CommentCreateSchema(ma.Schema):
    """A new comment. `name` and `email` are for guests; with a bearer token the account is the writer."""

    body = ma.fields.String(
        required=True,
        metadata=described(VISIBLE, "Markdown; at most the site's comment length (5,000 characters unless changed)."),
    )
    name = ma.fields.String(
        load_default="", metadata={"description": "Guests must give one that shows something; ignored with a token."}
    )
    email = ma.fields.String(
        load_default="",
        metadata=described(GUEST_EMAIL, "Guests must give one; ignored with a token. Never shown or returned."),
    )
    website = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata=described(HTTP_URL | {"maxLength": WEBSITE_MAX}, "An http:// or https:// address, or empty."),
    )
    parent_id = id_number(
        load_default=None,
        allow_none=True,
        metadata={"description": "A visible comment on the same article (422 when there is none with this id)."},
    )
    notify_replies = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Email the writer when someone replies to this comment (once the reply is published). "
            "A guest is first sent a link to confirm their address; an account's default is its account page's "
            "choice."
        },
    )


class CommentEditSchema(ma.Schema):
    body = ma.fields.String(required=True, metadata=VISIBLE)


class CommentCreatedSchema(ma.Schema):
    comment = ma.fields.Nested(CommentSchema)
    status = ma.fields.String(metadata={"description": '"approved" (201) or "pending" (202).'})
    edit_token = ma.fields.String(
        allow_none=True,
        metadata={"description": "Guests only: send as X-Edit-Token to edit or delete the comment within the window."},
    )
    editable_until = ma.fields.DateTime()


class CommentEnvelopeSchema(ma.Schema):
    comment = ma.fields.Nested(CommentSchema)


class ReasonSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class FlagOutSchema(ma.Schema):
    id = ma.fields.Integer()
    reason = ma.fields.Function(lambda flag: flag.reason.value)
    remark = ma.fields.String(data_key="note", allow_none=True, metadata={"description": "The reader's remark."})
    created_at = ma.fields.DateTime()
    resolved = ma.fields.Function(lambda flag: flag.resolved_at is not None)


class ModerationCommentSchema(CommentSchema):
    """A comment as the desk sees it: the public fields plus state, email, reasons, score and flags."""

    article = ma.fields.String(metadata={"description": "The article's slug."})
    status = ma.fields.String()
    email = ma.fields.String(
        allow_none=True,
        metadata={"description": "The writer's email: for moderators and admins; null for authors."},
    )
    ip_network = ma.fields.String(
        allow_none=True,
        metadata={"description": "The writer's network (/24 or /48): for moderators and admins; null for authors."},
    )
    removed_by_author = ma.fields.Boolean(
        metadata={"description": "The article's author removed it after readers had seen it; readers see that."}
    )
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    spam_score = ma.fields.Float(allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(FlagOutSchema))
    deleted = ma.fields.Boolean()


class ModerationListSchema(ma.Schema):
    comments = ma.fields.List(ma.fields.Nested(ModerationCommentSchema))
    next_page = ma.fields.Integer(allow_none=True)


class ModerationQuerySchema(ma.Schema):
    status = ma.fields.String(
        load_default="pending", validate=validate.OneOf(["pending", "approved", "spam", "trash", "flagged"])
    )
    article = ma.fields.String(load_default=None)
    q = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=100, error="q is at most {max} characters."),
        metadata={
            "description": "Text or writer's name to search for, in the newest 1,000 comments of the queue "
            "(case-insensitive)."
        },
    )
    page = page_number()
    per_page = ma.fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=500, error="per_page is between {min} and {max}.")
    )


class ModerationActionSchema(ma.Schema):
    action = ma.fields.String(
        required=True, validate=validate.OneOf(["approve", "spam", "not_spam", "trash", "restore", "dismiss_flags"])
    )
    reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"enum": [*TRASH_REASONS, None], "description": "Why a comment is trashed (other when absent)."},
    )
    remark = ma.fields.String(
        data_key="note",
        load_default=None,
        allow_none=True,
        metadata={"maxLength": REMARK_MAX, "description": "The moderator's remark, for the log."},
    )


class ModerationEnvelopeSchema(ma.Schema):
    comment = ma.fields.Nested(ModerationCommentSchema)


class UndoSchema(ma.Schema):
    """An undo takes no fields: the event in its address says what to take back (an empty JSON object)."""


class UndoEnvelopeSchema(ma.Schema):
    comment = ma.fields.Nested(ModerationCommentSchema)
    already_undone = ma.fields.Boolean(
        metadata={"description": "True when an earlier call had undone it: nothing changed this time."}
    )


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    comment_id = ma.fields.Integer(allow_none=True)
    actor = ma.fields.Function(lambda event: event.actor_label)
    action = ma.fields.String()
    from_ = ma.fields.String(attribute="from_status", data_key="from", allow_none=True)
    to = ma.fields.String(attribute="to_status", allow_none=True)
    reason = ma.fields.String(allow_none=True)
    remark = ma.fields.String(data_key="note", allow_none=True, metadata={"description": "The remark logged with it."})
    at = ma.fields.DateTime(attribute="created_at")
    undoes = ma.fields.Integer(
        attribute="undoes_id", allow_none=True, metadata={"description": "On an undo: the id of the event it reverses."}
    )


class EventListSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventSchema))


class EventQuerySchema(ma.Schema):
    comment = id_number(load_default=None)


class FlagCreateSchema(ma.Schema):
    reason = ma.fields.String(required=True, metadata={"enum": [reason.value for reason in FlagReason]})
    remark = ma.fields.String(
        data_key="note",
        load_default=None,
        allow_none=True,
        metadata={"maxLength": REMARK_MAX, "description": "A remark for the moderators."},
    )


class FlagEnvelopeSchema(ma.Schema):
    flag = ma.fields.Nested(FlagOutSchema)


class EmptyBodySchema(ma.Schema):
    """A vote or a pin says nothing more: the body is an empty JSON object (so no other site's form can post one)."""


class VoteResultSchema(ma.Schema):
    """A comment's helpful votes after the caller's vote was given or taken back."""

    comment_id = ma.fields.Integer()
    votes = ma.fields.Integer(metadata={"description": "Readers who marked it helpful, one per network."})
    voted = ma.fields.Boolean(metadata={"description": "Whether the caller's vote now stands."})


class PinResultSchema(ma.Schema):
    """The article's pinned comment after a pin or an unpin, and the comment itself."""

    pinned_comment_id = ma.fields.Integer(allow_none=True)
    comment = ma.fields.Nested(CommentSchema)


class BanCreateSchema(ma.Schema):
    """Exactly one of email, user_id or ip."""

    OPENAPI_RULES = {"oneOf": [{"required": ["email"]}, {"required": ["user_id"]}, {"required": ["ip"]}]}

    email = ma.fields.String(metadata=EMAIL)
    user_id = id_number(metadata={"description": "An existing account (422 when there is none with this id)."})
    ip = ma.fields.String(
        metadata=described(
            IP_OR_NETWORK,
            "An address (banned as its /24 or /48) or a network in CIDR form; wider than /16 or /32 needs "
            "confirm_wide.",
        )
    )
    reason = ma.fields.String(required=True, metadata=VISIBLE | {"maxLength": REMARK_MAX})
    expires_at = ma.fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        default_timezone=None,
        metadata={"description": "In the future (422 otherwise); null for a ban without end."},
    )
    spam_existing = ma.fields.Boolean(load_default=False)
    confirm_wide = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Set to true to ban a network wider than /16 (IPv4) or /32 (IPv6); "
            "without it such a ban is refused with 422 and the code wide_network."
        },
    )

    @ma.validates_schema
    def one_target(self, data, **kwargs):
        given = [key for key in ("email", "user_id", "ip") if key in data]
        if len(given) != 1:
            raise ma.ValidationError("Give exactly one of email, user_id or ip.", "_schema")


class BanOutSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Function(lambda ban: ban.kind.value)
    value = ma.fields.String()
    reason = ma.fields.String()
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(allow_none=True)


class BanCreatedSchema(ma.Schema):
    ban = ma.fields.Nested(BanOutSchema)
    moved_to_spam = ma.fields.Integer()


class RevisionSchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    author = ma.fields.Nested(PublicAuthorSchema, allow_none=True)
    title = ma.fields.String()


class RevisionListSchema(ma.Schema):
    revisions = ma.fields.List(ma.fields.Nested(RevisionSchema))


class NoteSchema(ma.Schema):
    """A note on an article. `paragraph` is the anchor it follows (e.g. "p-3"), or null for the end."""

    id = ma.fields.Integer()
    kind = ma.fields.Function(
        lambda note: note.kind.value, metadata={"enum": ["correction", "update", "clarification", "editors_note"]}
    )
    body_html = ma.fields.String()
    signature = ma.fields.String()
    author = ma.fields.Nested(PublicAuthorSchema)
    created_at = ma.fields.DateTime()
    amended_at = ma.fields.DateTime(allow_none=True)
    paragraph = ma.fields.Function(lambda note: note.anchor, metadata={"type": "string", "nullable": True})
    paragraph_lost = ma.fields.Function(
        lambda note: note.anchor_lost,
        metadata={
            "type": "boolean",
            "description": "The paragraph the note followed was removed; it now shows at the end.",
        },
    )
    prompted_by = ma.fields.List(ma.fields.Integer(), metadata={"description": "Ids of the comments the note cites."})
    retracted = ma.fields.Boolean()
    retracted_at = ma.fields.DateTime(allow_none=True)
    retracted_reason = ma.fields.String(allow_none=True)
    revisions = ma.fields.Function(
        lambda note: len(note.revisions), metadata={"type": "integer", "description": "Earlier versions kept."}
    )


class NoteListSchema(ma.Schema):
    notes = ma.fields.List(ma.fields.Nested(NoteSchema))


class NoteEnvelopeSchema(ma.Schema):
    note = ma.fields.Nested(NoteSchema)


class NoteCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"enum": [kind.value for kind in NoteKind]})
    body = ma.fields.String(required=True, metadata=described(VISIBLE, "Markdown."))
    paragraph = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": 'An anchor of the article such as "p-3" (422 when it has none); null for the end.'},
    )
    prompted_by = ma.fields.List(
        id_number(),
        load_default=list,
        metadata={"maxItems": MAX_CITED, "description": "Comments on this article (422 for an id that is not one)."},
    )


class NoteAmendSchema(ma.Schema):
    """Either or both; a note left as it was is refused (422, code unchanged)."""

    kind = ma.fields.String(load_default=None, metadata={"enum": [kind.value for kind in NoteKind]})
    body = ma.fields.String(load_default=None, metadata=VISIBLE)


class NoteRetractSchema(ma.Schema):
    reason = ma.fields.String(required=True, metadata=VISIBLE)


class CorrectionRequestCreateSchema(ma.Schema):
    """A correction request. With a bearer token the account asks; guests give `name` and `email`."""

    body = ma.fields.String(required=True, metadata=described(VISIBLE, "What is wrong."))
    source_url = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata=described(HTTP_URL | {"maxLength": SOURCE_URL_MAX}, "An http:// or https:// link, or empty."),
    )
    comment_id = id_number(
        load_default=None,
        allow_none=True,
        metadata={"description": "A published comment on this article (422 when it is not one)."},
    )
    name = ma.fields.String(load_default="", metadata={"description": "Guests must give one; ignored with a token."})
    email = ma.fields.String(
        load_default="",
        metadata=described(GUEST_EMAIL, "Guests must give one; ignored with a token. Never shown to others."),
    )


class CorrectionRequestSchema(ma.Schema):
    id = ma.fields.Integer()
    article = ma.fields.Function(lambda r: r.article.slug, metadata={"type": "string"})
    body = ma.fields.String()
    source_url = ma.fields.String(allow_none=True)
    comment_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    status = ma.fields.Function(
        lambda r: r.public_status, metadata={"enum": ["open", "acknowledged", "resolved", "declined"]}
    )
    note_id = ma.fields.Integer(allow_none=True)
    decline_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class CorrectionRequestDeskSchema(CorrectionRequestSchema):
    """What the author and host see besides: the real state and the spam checks' reasons (never the email)."""

    status = ma.fields.Function(
        lambda r: r.status.value, metadata={"enum": ["spam", "open", "acknowledged", "resolved", "declined"]}
    )
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))


class CorrectionRequestEnvelopeSchema(ma.Schema):
    correction_request = ma.fields.Nested(CorrectionRequestSchema)


class CorrectionRequestDeskEnvelopeSchema(ma.Schema):
    correction_request = ma.fields.Nested(CorrectionRequestDeskSchema)


class CorrectionRequestListSchema(ma.Schema):
    correction_requests = ma.fields.List(ma.fields.Nested(CorrectionRequestDeskSchema))


class CorrectionRequestDecisionSchema(ma.Schema):
    # Declining needs a public reason; resolving names the note (an unretracted one on the article) that does it.
    OPENAPI_RULES = {
        "anyOf": [
            {"properties": {"action": {"enum": ["acknowledge", "resolve", "spam", "not_spam", "reopen"]}}},
            {"required": ["reason"], "properties": {"reason": {"type": "string", **VISIBLE}}},
        ]
    }

    action = ma.fields.String(
        required=True,
        validate=validate.OneOf(["acknowledge", "resolve", "decline", "spam", "not_spam", "reopen"]),
    )
    note_id = id_number(
        load_default=None,
        allow_none=True,
        metadata={"description": "For resolve: a note on this article, not retracted (422 otherwise)."},
    )
    reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"maxLength": DECLINE_REASON_MAX, "description": "For decline: the reason readers see."},
    )


class PersonArticleSchema(ma.Schema):
    slug = ma.fields.String()
    title = ma.fields.String()


class PersonCommentSchema(ma.Schema):
    """One of a person's public comments, as their page lists it."""

    id = ma.fields.Integer()
    article = ma.fields.Nested(PersonArticleSchema)
    body_html = ma.fields.String()
    created_at = ma.fields.DateTime()
    url = ma.fields.String(metadata={"description": "The comment's lasting address on the site (/comments/<id>)."})


class PersonNoteSchema(ma.Schema):
    """A note the person signed."""

    id = ma.fields.Integer()
    kind = ma.fields.Function(
        lambda note: note.kind.value, metadata={"enum": ["correction", "update", "clarification", "editors_note"]}
    )
    article = ma.fields.Nested(PersonArticleSchema)
    signature = ma.fields.String()
    created_at = ma.fields.DateTime()
    retracted = ma.fields.Boolean()


class PersonSchema(ma.Schema):
    """What every reader may see of an account (its page, /people/<id>): never its address."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    badge = ma.fields.String(allow_none=True, metadata={"description": '"Author", "Moderator", "Admin" or null.'})
    member_since = ma.fields.String(metadata={"description": "The month the account was made: YYYY-MM."})
    avatar = ma.fields.Nested(AvatarSchema)
    comment_count = ma.fields.Integer(metadata={"description": "The account's public comments, all pages."})
    comments = ma.fields.List(ma.fields.Nested(PersonCommentSchema), metadata={"description": "Newest first."})
    next_page = ma.fields.Integer(allow_none=True)
    note_count = ma.fields.Integer()
    notes = ma.fields.List(
        ma.fields.Nested(PersonNoteSchema), metadata={"description": "The newest 20 notes the account signed."}
    )
