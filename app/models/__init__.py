"""The models, one module per aggregate; importing this package registers them all."""

from app.models.article import Article, ArticleRevision, ArticleStatus
from app.models.comment import Comment, CommentRevision, CommentStatus
from app.models.discussion import bump_discussions
from app.models.moderation import Ban, BanKind, Flag, FlagReason, ModerationEvent, Setting
from app.models.note import CorrectionRequest, Note, NoteCitation, NoteKind, NoteRevision, RequestStatus
from app.models.outbox import OutboxMessage
from app.models.ratelimit import DatabaseStorage, RateLimitCounter
from app.models.site import Site, SiteOrigin
from app.models.site_state import SiteVersion, bump_site_versions
from app.models.spam import SpamExample, SpamModel
from app.models.staff_mail import ModerationMail, StaffMailSettings
from app.models.subscription import Notification, Recipient, Subscription
from app.models.task import Task
from app.models.user import ApiToken, Role, SignInHandoff, User
from app.models.vote import Vote

__all__ = [
    "ApiToken",
    "Article",
    "ArticleRevision",
    "ArticleStatus",
    "Ban",
    "BanKind",
    "Comment",
    "CommentRevision",
    "CommentStatus",
    "CorrectionRequest",
    "DatabaseStorage",
    "Flag",
    "FlagReason",
    "ModerationEvent",
    "ModerationMail",
    "Note",
    "NoteCitation",
    "NoteKind",
    "NoteRevision",
    "Notification",
    "OutboxMessage",
    "RateLimitCounter",
    "Recipient",
    "RequestStatus",
    "Role",
    "Setting",
    "SignInHandoff",
    "Site",
    "SiteOrigin",
    "SiteVersion",
    "SpamExample",
    "SpamModel",
    "StaffMailSettings",
    "Subscription",
    "Task",
    "User",
    "Vote",
    "bump_discussions",
    "bump_site_versions",
]
