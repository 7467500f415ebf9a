"""The author's desk: writing, previewing, editing and publishing articles."""

from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/author")
