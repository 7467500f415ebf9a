"""Corrections: notes on articles, readers' correction requests and the author's desk for them, feeds."""
from flask import Blueprint

bp = Blueprint("corrections", __name__)

from app.corrections import routes  # noqa: E402,F401
