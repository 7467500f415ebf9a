"""Corrections: notes on articles, readers' correction requests and the author's desk for them, feeds."""

from flask import Blueprint

bp = Blueprint("corrections", __name__)
