"""The moderator's desk: queues, actions, bans and settings."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
