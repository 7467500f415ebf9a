"""Public article pages: the index and the article itself."""

from flask import Blueprint

bp = Blueprint("articles", __name__)
