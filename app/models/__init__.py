"""The models, one module per aggregate; importing this package registers them all."""
from app.models.article import Article, ArticleStatus
from app.models.comment import Comment, CommentRevision, CommentStatus
from app.models.moderation import Ban, BanKind, Flag, FlagReason, ModerationEvent, Setting
from app.models.spam import SpamStats, SpamToken
from app.models.user import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "Article",
    "ArticleStatus",
    "Ban",
    "BanKind",
    "Comment",
    "CommentRevision",
    "CommentStatus",
    "Flag",
    "FlagReason",
    "ModerationEvent",
    "Role",
    "Setting",
    "SpamStats",
    "SpamToken",
    "User",
]
