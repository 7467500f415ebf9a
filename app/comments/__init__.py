"""Reader comments on the site's pages: post, reply, edit, delete, close."""
from flask import Blueprint

bp = Blueprint("comments", __name__)

from app.comments import routes  # noqa: E402,F401
