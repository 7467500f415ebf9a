"""Mail readers asked for: confirming a guest's address, following a discussion, unsubscribing, and the account's
reply-mail section."""

from flask import Blueprint

bp = Blueprint("subscriptions", __name__)
